package volmatch

import (
	"context"
	"errors"
	"time"
)

// Store is the whole state of volmatch. Two implementations exist:
// store/bolt (embedded, one process) and store/redis (shared by replicas);
// store/storetest is the conformance suite both pass.
//
// Every method returns ENOTFOUND for a missing record, ECONFLICT for a
// write that clashes with the state (an existing ID, a full shift, an
// overlapping shift, a step the status forbids), EINVALID for a record that
// fails Validate, and EUNAVAILABLE when the backing server cannot be reached.
// An acknowledged write is durable. A failed write writes nothing.
type Store interface {
	VolunteerStore
	NeedStore
	PoolStore
	StationStore
	ProjectStore
	InvitationStore
	AssignmentStore
	EventLog
	ChangeFeed
	TokenStore
	OrganisationStore
	IdempotencyStore
	JobStore
	NotificationStore
	ServiceRecordStore
	LedgerStore
	IncentiveStore
	TeamStore
	TrainingStore
	ExchangeStore
	// Ping reports whether the store can serve (EUNAVAILABLE when not).
	Ping(ctx context.Context) error
	Close() error
}

// ListOptions page through a listing ordered by ID: After is the last ID of
// the previous page ("" for the first), Limit the page size (a store treats
// 0 as 100).
type ListOptions struct {
	After string
	Limit int
}

// VolunteerFilter selects volunteers in a listing; empty fields match all.
type VolunteerFilter struct {
	ListOptions
	District string
	Street   string
	Skill    string
	Pool     string
}

// Match reports whether v passes the filter's field conditions.
func (f VolunteerFilter) Match(v *Volunteer) bool {
	if f.District != "" && v.District != f.District || f.Street != "" && v.Street != f.Street {
		return false
	}
	if f.Skill != "" && v.SkillLevelOf(f.Skill) == 0 {
		return false
	}
	if f.Pool != "" && !contains(v.Pools, f.Pool) {
		return false
	}
	return true
}

// NeedFilter selects needs in a listing; empty fields match all.
type NeedFilter struct {
	ListOptions
	Org      string
	District string
	Domain   string
	Status   NeedStatus
	Mode     Mode
	Urgency  Urgency
}

// Match reports whether n passes the filter's field conditions.
func (f NeedFilter) Match(n *Need) bool {
	return (f.Org == "" || n.Org == f.Org) && (f.District == "" || n.District == f.District) &&
		(f.Domain == "" || n.Domain == f.Domain) && (f.Status == "" || n.Status == f.Status) &&
		(f.Mode == "" || n.Mode == f.Mode) && (f.Urgency == "" || n.Urgency == f.Urgency)
}

// VolunteerStore keeps volunteers.
type VolunteerStore interface {
	// CreateVolunteer stores a new volunteer; ECONFLICT if the ID exists.
	CreateVolunteer(ctx context.Context, v *Volunteer) error
	// UpdateVolunteer replaces a volunteer's client-written fields, keeping
	// the derived Stats; ENOTFOUND if missing.
	UpdateVolunteer(ctx context.Context, v *Volunteer) error
	// PutVolunteers creates or replaces all of vs in one transaction (import).
	PutVolunteers(ctx context.Context, vs []*Volunteer) error
	// Volunteer returns one volunteer; ENOTFOUND if missing.
	Volunteer(ctx context.Context, id string) (*Volunteer, error)
	// DeleteVolunteer removes a volunteer; ENOTFOUND if missing.
	DeleteVolunteer(ctx context.Context, id string) error
	// Volunteers lists in ID order; the second result is the next cursor
	// ("" on the last page).
	Volunteers(ctx context.Context, f VolunteerFilter) ([]*Volunteer, string, error)
	// EachVolunteer calls fn for every volunteer in ID order (index builds).
	EachVolunteer(ctx context.Context, fn func(*Volunteer) error) error
}

// NeedStore keeps needs. A need's shifts carry Filled as the store counts it.
type NeedStore interface {
	// CreateNeed stores a new need and appends need.posted; ECONFLICT if the
	// ID exists.
	CreateNeed(ctx context.Context, n *Need) error
	// UpdateNeed replaces a need; ENOTFOUND if missing; ECONFLICT if a shift
	// that holds assignments is removed, moved or shrunk below its filled
	// slots. Closing it appends need.closed.
	UpdateNeed(ctx context.Context, n *Need) error
	// PutNeeds creates or replaces all of ns in one transaction (import),
	// appending need.posted for the new ones.
	PutNeeds(ctx context.Context, ns []*Need) error
	Need(ctx context.Context, id string) (*Need, error)
	// DeleteNeed removes a need; ECONFLICT if it holds assignments.
	DeleteNeed(ctx context.Context, id string) error
	Needs(ctx context.Context, f NeedFilter) ([]*Need, string, error)
	EachNeed(ctx context.Context, fn func(*Need) error) error
}

// PoolStore keeps talent pools.
type PoolStore interface {
	CreatePool(ctx context.Context, p *TalentPool) error
	UpdatePool(ctx context.Context, p *TalentPool) error
	Pool(ctx context.Context, id string) (*TalentPool, error)
	DeletePool(ctx context.Context, id string) error
	Pools(ctx context.Context, o ListOptions) ([]*TalentPool, string, error)
	PutPools(ctx context.Context, ps []*TalentPool) error
}

// StationStore keeps service stations.
type StationStore interface {
	CreateStation(ctx context.Context, s *Station) error
	UpdateStation(ctx context.Context, s *Station) error
	Station(ctx context.Context, id string) (*Station, error)
	DeleteStation(ctx context.Context, id string) error
	Stations(ctx context.Context, o ListOptions) ([]*Station, string, error)
	PutStations(ctx context.Context, ss []*Station) error
}

// InvitationFilter selects invitations; empty fields match all.
type InvitationFilter struct {
	ListOptions
	Need      string
	Volunteer string
	Org       string
	Status    InviteStatus
}

// Match reports whether inv passes the filter's field conditions.
func (f InvitationFilter) Match(inv *Invitation) bool {
	return (f.Need == "" || inv.Need == f.Need) && (f.Volunteer == "" || inv.Volunteer == f.Volunteer) &&
		(f.Org == "" || inv.Org == f.Org) && (f.Status == "" || inv.Status == f.Status)
}

// InvitationStore keeps invitations and turns an accepted one into a
// reservation.
type InvitationStore interface {
	// CreateInvitation stores a sent invitation and appends invite.sent;
	// ENOTFOUND if the need, shift or volunteer is missing; ECONFLICT if the
	// ID exists or the volunteer already has a live invitation to the shift.
	CreateInvitation(ctx context.Context, inv *Invitation) error
	// CreateInvitations stores every invitation of invs, each with its
	// invite.sent event (in order), or none of them: the checks of
	// CreateInvitation apply to each, and two invitations of the batch with
	// the same ID or to the same volunteer and shift are ECONFLICT. A
	// refusal names the offending element k with the field
	// "invitations[k]" (AtIndex), which callers map to their own field. On
	// success every element is updated as CreateInvitation updates its one.
	// The events evs (a dispatch.wave) are appended after the invitations'
	// in the same write: all of it or none.
	CreateInvitations(ctx context.Context, invs []*Invitation, evs ...Event) error
	Invitation(ctx context.Context, id string) (*Invitation, error)
	Invitations(ctx context.Context, f InvitationFilter) ([]*Invitation, string, error)
	// Accept reserves the invitation's slot atomically: the invitation must
	// be sent, the shift not full, the volunteer free of overlapping
	// assignments (CheckReservation); the invitation, the new assignment and
	// the invite.accepted event are written together. ECONFLICT otherwise.
	Accept(ctx context.Context, inviteID string, at time.Time) (*Assignment, error)
	// AcceptChecked is Accept with check run first, in the same atomic
	// write, on the invitation as stored, its need (nil when gone; shifts
	// with Filled as last read, which may lag: the store counts the slots
	// itself when it reserves) and its volunteer (nil when gone; Stats may be left
	// zero, which the rules of an accept do not read): an error of check is
	// returned as it is and nothing is written, and none of the three
	// records changes between check and the reservation's commit (the
	// store reads them again and calls check again if one did). check runs
	// before the store's own refusals (an invitation already answered), so
	// it sees invitations of any status; it must not change its arguments.
	// ENOTFOUND, without calling check, for a missing invitation.
	AcceptChecked(ctx context.Context, inviteID string, at time.Time, check AcceptCheck) (*Assignment, error)
	// Decline marks a sent invitation declined and appends invite.declined.
	Decline(ctx context.Context, inviteID string, at time.Time) (*Invitation, error)
}

// AcceptCheck is the caller's rules of an accept (who may accept, the hard
// gates of the volunteer as their record is now), run by
// InvitationStore.AcceptChecked on the records it reserves against.
type AcceptCheck func(inv *Invitation, n *Need, v *Volunteer) error

// AssignmentFilter selects assignments; empty fields match all.
type AssignmentFilter struct {
	ListOptions
	Need      string
	Shift     string
	Volunteer string
	Org       string
	Status    AssignmentStatus
}

// Match reports whether a passes the filter's field conditions.
func (f AssignmentFilter) Match(a *Assignment) bool {
	return (f.Need == "" || a.Need == f.Need) && (f.Shift == "" || a.Shift == f.Shift) &&
		(f.Volunteer == "" || a.Volunteer == f.Volunteer) && (f.Org == "" || a.Org == f.Org) &&
		(f.Status == "" || a.Status == f.Status)
}

// AssignmentStore keeps reserved slots and their lives.
type AssignmentStore interface {
	// Reserve reserves every slot of rs or none (batch assignment commit),
	// appending invite.accepted for each; ECONFLICT naming the first clash.
	Reserve(ctx context.Context, rs []Reservation, at time.Time) ([]*Assignment, error)
	Assignment(ctx context.Context, id string) (*Assignment, error)
	Assignments(ctx context.Context, f AssignmentFilter) ([]*Assignment, string, error)
	// Advance applies a step (Step.Apply) and its event and stats together.
	Advance(ctx context.Context, id string, s Step) (*Assignment, error)
	// HeldSlots returns the slots each of the named volunteers holds (their
	// assignments whose status holds, as HeldSlotsOf gives them), keyed by
	// volunteer, in assignment ID order; a volunteer holding none, or
	// unknown, has no entry. With no volunteer named it returns every
	// volunteer's. Every write that changes a volunteer's held slots also
	// appends a change of that volunteer, so that a follower of the change
	// feed re-reads them.
	HeldSlots(ctx context.Context, volunteers ...string) (map[string][]HeldSlot, error)
}

// EventLog is the append-only lifecycle log.
type EventLog interface {
	// AppendEvents appends events in order, giving each its Seq.
	AppendEvents(ctx context.Context, evs ...Event) error
	// Events returns up to limit events with Seq > after, in Seq order.
	Events(ctx context.Context, after uint64, limit int) ([]Event, error)
	// EventsOf returns up to limit events (100 when limit <= 0) of the
	// given types with Seq > after, in Seq order, decoding only those, and
	// through, the Seq up to which it read the log: the last event's when
	// it returns limit of them, else the newest event's then (after when
	// there is none). A reader that polls for a few types passes through as
	// its next after, so it never reads an event of another type twice.
	EventsOf(ctx context.Context, after uint64, limit int, types ...EventType) (evs []Event, through uint64, err error)
}

// ChangeKind names the kind of record a change concerns.
type ChangeKind string

// Change kinds.
const (
	ChangeVolunteer ChangeKind = "volunteer"
	ChangeNeed      ChangeKind = "need"
	ChangePool      ChangeKind = "pool"
	ChangeStation   ChangeKind = "station"
)

// Change is one entry of the store's change sequence, which the derived
// indexes follow: the record of Kind with ID was written or deleted.
type Change struct {
	Seq     uint64     `json:"seq"`
	Kind    ChangeKind `json:"kind"`
	ID      string     `json:"id"`
	Deleted bool       `json:"deleted,omitempty"`
	// Derived tells that only figures the store derives changed: a
	// volunteer's Stats or held slots, a need's fill counts. The text a
	// record is searched by did not: a follower need not index it again.
	Derived bool `json:"derived,omitempty"`
}

// ChangeFeed is the sequence of changes to volunteers, needs, pools and
// stations (a need's fill counts included), in commit order.
type ChangeFeed interface {
	// Changes returns up to limit changes with Seq > after, in Seq order.
	Changes(ctx context.Context, after uint64, limit int) ([]Change, error)
	// LastChange returns the Seq of the newest change (0 when none).
	LastChange(ctx context.Context) (uint64, error)
}

// TokenStore keeps hashed bearer tokens.
type TokenStore interface {
	// CreateToken stores a token; ECONFLICT if its hash exists.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns a token; ENOTFOUND if missing.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// Tokens returns every stored token in hash order (hashes only: a
	// store never holds a secret).
	Tokens(ctx context.Context) ([]*Token, error)
	// DeleteToken removes the token with the hash; ENOTFOUND if missing.
	DeleteToken(ctx context.Context, hash string) error
}

// OrganisationStore keeps the registered organisations.
type OrganisationStore interface {
	// CreateOrganisation stores a new organisation; EINVALID if it fails
	// Validate, ECONFLICT if the ID exists.
	CreateOrganisation(ctx context.Context, o *Organisation) error
	// Organisation returns one organisation; ENOTFOUND if missing.
	Organisation(ctx context.Context, id string) (*Organisation, error)
	// Organisations lists in ID order; the second result is the next
	// cursor ("" on the last page).
	Organisations(ctx context.Context, o ListOptions) ([]*Organisation, string, error)
}

// IdempotencyStore keeps idempotency keys (see Idempotency). A store write
// whose context carries a Fence (WithFence) checks and marks the key's
// record in the same transaction (Fence.Check): ECONFLICT when the fence's
// nonce no longer holds the key, and nothing is written. (AppendEvents, a
// log append, is not fenced.)
type IdempotencyStore interface {
	// ClaimIdempotency stores rec as the claim of its scope and key when
	// the record held there is Claimable at now, and returns (rec, true);
	// otherwise it returns the record held and false.
	ClaimIdempotency(ctx context.Context, rec *Idempotency, now time.Time) (*Idempotency, bool, error)
	// CompleteIdempotency stores the answer of rec (state done), provided
	// the stored record still holds rec.Nonce; ECONFLICT otherwise.
	CompleteIdempotency(ctx context.Context, rec *Idempotency) error
	// ReleaseIdempotency forgets the claim with the nonce when nothing of
	// it was committed (state pending), so that a retry runs again; a
	// committed claim, or one another request holds, is kept (nil).
	ReleaseIdempotency(ctx context.Context, scope, key, nonce string) error
	// RenewIdempotency moves the lease of the claim with the nonce to
	// until (a request that still runs keeps its key); ECONFLICT when the
	// key is no longer the nonce's.
	RenewIdempotency(ctx context.Context, scope, key, nonce string, until time.Time) error
}

// JobStore keeps the status of background jobs.
type JobStore interface {
	// CreateJob stores a new job; ECONFLICT if the ID exists.
	CreateJob(ctx context.Context, j *Job) error
	// UpdateJob replaces a job's status; ENOTFOUND if missing.
	UpdateJob(ctx context.Context, j *Job) error
	// Job returns one job; ENOTFOUND if missing.
	Job(ctx context.Context, id string) (*Job, error)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// PageSize applies the listing defaults every store follows: 0 is 100, at
// most 1000, a negative limit is EINVALID.
func (o ListOptions) PageSize() (int, error) {
	switch {
	case o.Limit < 0:
		return 0, FieldError("limit", "must not be negative, got %d", o.Limit)
	case o.Limit == 0:
		return 100, nil
	case o.Limit > 1000:
		return 1000, nil
	}
	return o.Limit, nil
}

// AtIndex names the element of a batch that err concerns: a field error on
// "name" of element 2 of "volunteers" becomes "volunteers[2].name". Errors
// other than *Error, and any error with a negative i (no element), pass
// unchanged.
func AtIndex(list string, i int, err error) error {
	var e *Error
	if i >= 0 && errors.As(err, &e) {
		f := fieldIndex(list, i)
		if e.Field != "" {
			f += "." + e.Field
		}
		return &Error{Code: e.Code, Field: f, Message: e.Message, Reason: e.Reason}
	}
	return err
}
