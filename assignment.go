package volmatch

import (
	"slices"
	"strings"
	"time"
)

// InviteStatus is where an invitation is.
type InviteStatus string

// Invitation statuses.
const (
	InviteSent     InviteStatus = "sent"
	InviteAccepted InviteStatus = "accepted"
	InviteDeclined InviteStatus = "declined"
	InviteExpired  InviteStatus = "expired"
)

// Invitation asks a volunteer to serve one shift of a need.
type Invitation struct {
	ID          string       `json:"id"`
	Need        string       `json:"need"`
	Shift       string       `json:"shift"`
	Volunteer   string       `json:"volunteer"`
	Org         string       `json:"org"`
	Status      InviteStatus `json:"status"`
	Rank        int          `json:"rank,omitempty"` // rank when shown, 0 if not from a ranking
	Score       float64      `json:"score,omitempty"`
	Wave        int          `json:"wave,omitempty"` // emergency dispatch wave, 0 otherwise
	SentAt      time.Time    `json:"sent_at"`
	RespondedAt time.Time    `json:"responded_at,omitzero"`
	// Override, when set, is the organisation's decision to invite a
	// volunteer who fails hard gates of the shift: the gates and why. An
	// accept checks every other gate again.
	Override *Override `json:"override,omitempty"`
	// Origin is OriginSignUp for a volunteer's sign-up request (报名 to a
	// need that asks for approval): the organisation approves it (an
	// accept by its staff, engine.Approve), never the volunteer, who may
	// withdraw it (decline). Empty for an organisation's invitation.
	Origin string `json:"origin,omitempty"`
	// Team is the team invited as one (team.go): its leader accepts for
	// every member (TeamStore.AcceptAll), never a member alone.
	Team string `json:"team,omitempty"`
}

// Override records hard gates an organisation overrode to invite a
// volunteer (先培训再上岗 holds unless someone answers for the exception):
// the reason, required, and the gates (scoring's names) the volunteer
// failed when invited.
type Override struct {
	Reason string   `json:"reason"`
	Gates  []string `json:"gates"`
}

// Validate checks an override: a reason of 1 to MaxReasonLen characters
// and at least one gate.
func (o *Override) Validate(field string) error {
	if strings.TrimSpace(o.Reason) == "" {
		return FieldError(field+".reason", "is required: say why the hard gates are overridden")
	}
	if err := checkLen(field+".reason", o.Reason, MaxReasonLen); err != nil {
		return err
	}
	if len(o.Gates) == 0 {
		return FieldError(field+".gates", "an override names at least one gate")
	}
	return validTags(field+".gates", o.Gates)
}

// Overrides reports whether the invitation overrode gate.
func (inv *Invitation) Overrides(gate string) bool {
	return inv.Override != nil && slices.Contains(inv.Override.Gates, gate)
}

// AssignmentStatus is where an assignment (a reserved slot) is.
type AssignmentStatus string

// Assignment statuses. Reserved and checked-in assignments hold a slot and
// the volunteer's time; completed ones keep the slot; no-show and cancelled
// ones free both.
const (
	AssignReserved  AssignmentStatus = "reserved"
	AssignCheckedIn AssignmentStatus = "checked_in"
	AssignCompleted AssignmentStatus = "completed"
	AssignNoShow    AssignmentStatus = "no_show"
	AssignCancelled AssignmentStatus = "cancelled"
)

// Holds reports whether an assignment in this status holds its slot and the
// volunteer's time.
func (s AssignmentStatus) Holds() bool {
	return s == AssignReserved || s == AssignCheckedIn || s == AssignCompleted
}

// Assignment is a volunteer holding a slot of a shift.
type Assignment struct {
	ID        string           `json:"id"`
	Need      string           `json:"need"`
	Shift     string           `json:"shift"`
	Volunteer string           `json:"volunteer"`
	Org       string           `json:"org"`
	Invite    string           `json:"invite,omitempty"`
	Start     time.Time        `json:"start"`
	End       time.Time        `json:"end"`
	Status    AssignmentStatus `json:"status"`
	CreatedAt time.Time        `json:"created_at"`
	CheckIn   time.Time        `json:"check_in,omitzero"`
	CheckOut  time.Time        `json:"check_out,omitzero"`
	Hours     float64          `json:"hours,omitempty"`
	Rating    int              `json:"rating,omitempty"`
	// Origin is OriginSignUp for a slot the volunteer signed up for from
	// the menu (directly or approved).
	Origin string `json:"origin,omitempty"`
	Team   string `json:"team,omitempty"` // the team that came as one
}

// HeldSlot is the time of a slot a volunteer holds: an assignment whose
// status holds it (Status.Holds). It is what the busy gate reads, kept by
// each replica's feature index (matcher/grid) from the store's HeldSlots.
type HeldSlot struct {
	Assignment string    `json:"assignment"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
}

// HeldSlotsOf returns the slots that the holding assignments of as hold, in
// the order of as.
func HeldSlotsOf(as []*Assignment) []HeldSlot {
	var out []HeldSlot
	for _, a := range as {
		if a.Status.Holds() {
			out = append(out, HeldSlot{Assignment: a.ID, Start: a.Start, End: a.End})
		}
	}
	return out
}

// Reservation asks the store to reserve a slot of a shift for a volunteer
// directly (batch assignment), without an invitation.
type Reservation struct {
	Need      string `json:"need"`
	Shift     string `json:"shift"`
	Volunteer string `json:"volunteer"`
	// Origin is OriginSignUp for a volunteer's own sign-up; the store
	// copies it to the assignment and its invite.accepted.
	Origin string `json:"origin,omitempty"`
	Team   string `json:"team,omitempty"` // copied to the assignment
}

// StepKind names a step in an assignment's life.
type StepKind string

// Steps.
const (
	StepCheckIn  StepKind = "checkin"
	StepCheckOut StepKind = "checkout"
	StepNoShow   StepKind = "no_show"
	StepCancel   StepKind = "cancel"
	StepRate     StepKind = "rate"
	// StepCorrect corrects the hours of a completed assignment (the
	// organisation's, with a reason): the record changes, so a
	// certificate issued before is superseded by the next one.
	StepCorrect StepKind = "correct"
)

// Step moves an assignment on: check in, check out with hours, mark a
// no-show, cancel, or rate (1–5, by the recipient side, after completion).
type Step struct {
	Kind   StepKind  `json:"kind"`
	At     time.Time `json:"at"`
	Hours  float64   `json:"hours,omitempty"`
	Rating int       `json:"rating,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// Self is true when the volunteer takes the step themself (at the
	// server's clock). A volunteer's own check-out only records the time
	// they left: the assignment stays checked in, awaiting the
	// organisation's confirmation (谁组织谁记录), and earns no hours until
	// the organisation checks it out.
	Self bool `json:"self,omitempty"`
}

// The windows of an assignment's times around its shift: a check-in from
// CheckInEarly before the shift's start to its end, a check-out after the
// check-in and at most CheckOutLate after the shift's end.
const (
	CheckInEarly = 2 * time.Hour
	CheckOutLate = 6 * time.Hour
)

// Validate checks the values of a step that need no assignment: a reason
// of at most MaxReasonLen characters and a time within [MinTime, MaxTime).
// Apply calls it; a service calls it before it reads the assignment.
func (s Step) Validate() error {
	if err := CheckTime("at", s.At); err != nil {
		return err
	}
	return checkLen("reason", s.Reason, MaxReasonLen)
}

// timed reports whether a knows its shift's times (every assignment a
// store makes does).
func (a *Assignment) timed() bool { return !a.Start.IsZero() && !a.End.IsZero() }

// ServiceHours returns the hours served between in and out within the
// shift [a.Start, a.End), rounded to quarter hours: time before the start
// or after the end is not service.
func (a *Assignment) ServiceHours(in, out time.Time) float64 {
	if a.timed() {
		if in.Before(a.Start) {
			in = a.Start
		}
		if out.After(a.End) {
			out = a.End
		}
	}
	h := max(out.Sub(in).Hours(), 0)
	return float64(int(h*4+0.5)) / 4
}

// Apply applies the step to a, returning the event to append and how the
// volunteer's stats change. Every store calls it so the life of an
// assignment has one definition. It returns ECONFLICT for a step that the
// assignment's status does not allow and EINVALID for bad values.
func (s Step) Apply(a *Assignment, n *Need) (Event, func(*VolunteerStats), error) {
	var ev Event
	var stats func(*VolunteerStats)
	if err := s.Validate(); err != nil {
		return ev, nil, err
	}
	switch s.Kind {
	case StepCheckIn:
		if a.Status != AssignReserved {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "cannot check in an assignment that is %s", a.Status)
		}
		if open := a.Start.Add(-CheckInEarly); a.timed() && (s.At.Before(open) || s.At.After(a.End)) {
			return ev, nil, FieldError("at", "check-in is open from %s (%v before the shift) to %s (its end), got %s",
				clock(open), CheckInEarly, clock(a.End), clock(s.At)).WithReason(ReasonCheckInWindow)
		}
		a.Status, a.CheckIn = AssignCheckedIn, s.At
		ev = NeedEvent(EventCheckIn, n, s.At)
	case StepCheckOut:
		if a.Status != AssignCheckedIn {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "cannot check out an assignment that is %s", a.Status)
		}
		if s.Hours < 0 || s.Hours > 24*7 {
			return ev, nil, FieldError("hours", "must be between 0 and 168, got %v", s.Hours)
		}
		if !s.At.IsZero() && s.At.Before(a.CheckIn) {
			return ev, nil, FieldError("at", "check-out is before check-in").WithReason(ReasonCheckOutEarly)
		}
		if last := a.End.Add(CheckOutLate); a.timed() && s.At.After(last) {
			return ev, nil, FieldError("at", "check-out is recorded at most %v after the shift's end, by %s; got %s (state the time the volunteer left)",
				CheckOutLate, clock(last), clock(s.At)).WithReason(ReasonCheckOutWindow)
		}
		if s.Self {
			// The volunteer's word: the time is kept, the hours wait for
			// the organisation.
			if s.Hours != 0 {
				return ev, nil, Errorf(EFORBIDDEN, "a volunteer does not state hours; the organisation records them")
			}
			if !a.CheckOut.IsZero() {
				return ev, nil, Errorf(ECONFLICT, "the check-out at %s awaits the organisation's confirmation", clock(a.CheckOut))
			}
			a.CheckOut = s.At
			ev = NeedEvent(EventCheckOutClaimed, n, s.At)
			break
		}
		// Hours are service time: within the shift, so at most its length,
		// which is what the volunteer was booked for.
		length := a.End.Sub(a.Start).Hours()
		h := s.Hours
		if h == 0 {
			h = a.ServiceHours(a.CheckIn, s.At)
		} else if length > 0 && h > length {
			return ev, nil, FieldError("hours", "must not exceed the shift's %v hours, got %v", length, h).WithReason(ReasonHoursOverShift)
		}
		a.Status, a.CheckOut, a.Hours = AssignCompleted, s.At, h
		ev = NeedEvent(EventCheckOut, n, s.At)
		ev.Hours = h
		stats = func(st *VolunteerStats) { st.Hours += h; st.Completed++; st.Load-- }
	case StepNoShow:
		if a.Status != AssignReserved {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "cannot mark a no-show on an assignment that is %s", a.Status)
		}
		a.Status = AssignNoShow
		ev = NeedEvent(EventNoShow, n, s.At)
		stats = func(st *VolunteerStats) { st.NoShows++; st.Load-- }
	case StepCancel:
		if a.Status != AssignReserved {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "cannot cancel an assignment that is %s", a.Status)
		}
		a.Status = AssignCancelled
		ev = NeedEvent(EventCancelled, n, s.At)
		ev.Reason, ev.Self = s.Reason, s.Self
		stats = func(st *VolunteerStats) { st.Cancelled++; st.Load-- }
	case StepRate:
		if a.Status != AssignCompleted {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "only a completed assignment can be rated; this one is %s", a.Status)
		}
		if a.Rating != 0 {
			return ev, nil, Reasonf(ECONFLICT, ReasonAlreadyRated, "the assignment is already rated")
		}
		if s.Rating < 1 || s.Rating > 5 {
			return ev, nil, FieldError("rating", "must be 1 to 5, got %d", s.Rating)
		}
		a.Rating = s.Rating
		ev = NeedEvent(EventRated, n, s.At)
		ev.Rating = s.Rating
	case StepCorrect:
		if a.Status != AssignCompleted {
			return ev, nil, Reasonf(ECONFLICT, ReasonWrongState, "only a completed assignment's hours can be corrected; this one is %s", a.Status)
		}
		if strings.TrimSpace(s.Reason) == "" {
			return ev, nil, FieldError("reason", "is required: say why the hours are corrected")
		}
		length := a.End.Sub(a.Start).Hours()
		if s.Hours < 0 || s.Hours > 24*7 || length > 0 && s.Hours > length {
			return ev, nil, FieldError("hours", "must be between 0 and the shift's %v hours, got %v", length, s.Hours).WithReason(ReasonHoursOverShift)
		}
		if s.Hours == a.Hours {
			return ev, nil, FieldError("hours", "the assignment already records %v hours", s.Hours)
		}
		old, h := a.Hours, s.Hours
		a.Hours = h
		ev = NeedEvent(EventHoursCorrected, n, s.At)
		ev.Hours, ev.Reason = h, s.Reason
		stats = func(st *VolunteerStats) { st.Hours += h - old }
	default:
		return ev, nil, FieldError("kind", "unknown step %q", s.Kind)
	}
	ev.Shift, ev.Volunteer, ev.Assignment, ev.Invite = a.Shift, a.Volunteer, a.ID, a.Invite
	ev.ShiftStart, ev.ShiftEnd = a.Start, a.End
	if stats != nil {
		inner := stats
		stats = func(st *VolunteerStats) { inner(st); st.Reliability = st.ReliabilityScore() }
	}
	return ev, stats, nil
}

// CheckReservation decides whether a volunteer may take a slot of shift:
// the need must be open, the shift not full (filled counts the assignments
// holding it), and none of the volunteer's holding assignments may overlap
// it. It returns ECONFLICT naming the reason.
func CheckReservation(n *Need, shift Shift, filled int, held []*Assignment, volunteer string) error {
	if n.Status != NeedOpen && n.Status != "" {
		return Reasonf(ECONFLICT, ReasonNeedClosed, "need %s is %s", n.ID, n.Status)
	}
	if filled >= shift.Slots {
		return Reasonf(ECONFLICT, ReasonSlotFull, "shift %s of need %s is full (%d of %d slots)", shift.ID, n.ID, filled, shift.Slots)
	}
	for _, a := range held {
		if a.Volunteer != volunteer || !a.Status.Holds() {
			continue
		}
		if a.Need == n.ID && a.Shift == shift.ID {
			return Reasonf(ECONFLICT, ReasonAlreadyHeld, "volunteer already holds a slot of shift %s", shift.ID)
		}
		if Overlap(a.Start, a.End, shift.Start, shift.End) {
			return Reasonf(ECONFLICT, ReasonShiftClash, "volunteer already serves shift %s of need %s at that time", a.Shift, a.Need)
		}
	}
	return nil
}

// Prepare checks an invitation a client asks to create and returns it as a
// store keeps it: sent, not answered, SentAt now when zero. It returns
// EINVALID naming the field for a bad ID or a status other than sent.
func (inv Invitation) Prepare(now time.Time) (Invitation, error) {
	for _, f := range []struct{ name, v string }{{"id", inv.ID}, {"need", inv.Need}, {"shift", inv.Shift}, {"volunteer", inv.Volunteer}} {
		if err := validID(f.name, f.v); err != nil {
			return inv, err
		}
	}
	if inv.Status != "" && inv.Status != InviteSent {
		return inv, FieldError("status", "a new invitation is sent, got %q", inv.Status)
	}
	if err := CheckTime("sent_at", inv.SentAt); err != nil {
		return inv, err
	}
	if inv.Team != "" {
		if err := validID("team", inv.Team); err != nil {
			return inv, err
		}
	}
	if inv.Origin != "" && inv.Origin != OriginSignUp {
		return inv, FieldError("origin", "must be empty or %q, got %q", OriginSignUp, inv.Origin)
	}
	if inv.Override != nil {
		if err := inv.Override.Validate("override"); err != nil {
			return inv, err
		}
		o := *inv.Override
		o.Gates = slices.Clone(o.Gates)
		inv.Override = &o
	}
	inv.Status, inv.RespondedAt = InviteSent, time.Time{}
	if inv.SentAt.IsZero() {
		inv.SentAt = now
	}
	return inv, nil
}

// PrepareInvitations prepares a batch a store writes all or nothing: each
// invitation as Prepare returns it, and no ID or volunteer-and-shift twice.
// With a refusal it returns the index of the invitation concerned (-1 when
// there is none). Every store calls it, so a batch has one set of rules.
func PrepareInvitations(invs []*Invitation, now time.Time) ([]Invitation, int, error) {
	cs := make([]Invitation, len(invs))
	ids := make(map[string]bool, len(invs))
	pairs := make(map[[3]string]bool, len(invs))
	for i, inv := range invs {
		c, err := inv.Prepare(now)
		if err != nil {
			return nil, i, err
		}
		pair := [3]string{c.Volunteer, c.Need, c.Shift}
		if ids[c.ID] {
			return nil, i, Errorf(ECONFLICT, "invitation %s is listed twice", c.ID)
		}
		if pairs[pair] {
			return nil, i, Errorf(ECONFLICT, "volunteer %s is invited twice to shift %s of need %s", c.Volunteer, c.Shift, c.Need)
		}
		ids[c.ID], pairs[pair] = true, true
		cs[i] = c
	}
	return cs, -1, nil
}

// WriteInvitations is the plumbing of an invitation batch that every store
// shares: PrepareInvitations, then write, the store's one transaction, with
// the prepared copies (not called for an empty batch), then the copies back
// into invs once it succeeded. Like write, it returns with a refusal the
// index of the invitation concerned, and -1 otherwise.
func WriteInvitations(invs []*Invitation, now time.Time, write func(cs []Invitation) (int, error)) (int, error) {
	cs, k, err := PrepareInvitations(invs, now)
	if err != nil {
		return k, err
	}
	if len(cs) == 0 {
		return -1, nil
	}
	if k, err := write(cs); err != nil {
		return k, err
	}
	for i, inv := range invs {
		*inv = cs[i]
	}
	return -1, nil
}

// Check decides whether a store may write inv, prepared by
// PrepareInvitations, from what it read in its transaction: taken (an
// invitation with the ID exists), n (the need, nil when missing), volunteer
// (the volunteer exists) and live (the ID of the volunteer's live
// invitation to the shift, "" when none). It returns the shift invited to,
// or the first refusal in this order: ECONFLICT for a taken ID, ENOTFOUND
// for a missing need, ECONFLICT for a need that is not open, ENOTFOUND for
// a missing shift or volunteer, ECONFLICT for a live invitation.
func (inv Invitation) Check(taken bool, n *Need, volunteer bool, live string) (Shift, error) {
	if taken {
		return Shift{}, ExistsError("invitation", inv.ID)
	}
	if n == nil {
		return Shift{}, NotFoundError("need", inv.Need)
	}
	if n.Status != NeedOpen {
		return Shift{}, Reasonf(ECONFLICT, ReasonNeedClosed, "need %s is %s", n.ID, n.Status)
	}
	sh, ok := n.Shift(inv.Shift)
	if !ok {
		return Shift{}, Errorf(ENOTFOUND, "shift %s of need %s not found", inv.Shift, n.ID)
	}
	if !volunteer {
		return Shift{}, NotFoundError("volunteer", inv.Volunteer)
	}
	if live != "" {
		return Shift{}, Reasonf(ECONFLICT, ReasonAlreadyHeld, "volunteer %s already has a live invitation (%s) to shift %s of need %s", inv.Volunteer, live, inv.Shift, inv.Need)
	}
	return sh, nil
}

// SentEvent returns the invite.sent event of inv (signup.requested for a
// sign-up request), an invitation to shift sh
// of need n.
func (inv Invitation) SentEvent(n *Need, sh Shift) Event {
	typ := EventInviteSent
	if inv.Origin == OriginSignUp {
		typ = EventSignUpRequested
	}
	ev := NeedEvent(typ, n, inv.SentAt)
	ev.Origin = inv.Origin
	ev.Shift, ev.ShiftStart, ev.ShiftEnd = sh.ID, sh.Start, sh.End
	ev.Volunteer, ev.Invite = inv.Volunteer, inv.ID
	ev.Rank, ev.Score, ev.Wave = inv.Rank, inv.Score, inv.Wave
	if o := inv.Override; o != nil {
		ev.Reason, ev.Gates = o.Reason, slices.Clone(o.Gates)
	}
	return ev
}

// DeclinedEvent returns the invite.declined event of inv, declined at at; n
// is its need, or a stub with the ID and Org when the need was deleted.
func (inv Invitation) DeclinedEvent(n *Need, at time.Time) Event {
	ev := NeedEvent(EventInviteDeclined, n, at)
	ev.Shift, ev.Volunteer, ev.Invite, ev.Origin = inv.Shift, inv.Volunteer, inv.ID, inv.Origin
	if sh, ok := n.Shift(inv.Shift); ok {
		ev.ShiftStart, ev.ShiftEnd = sh.Start, sh.End
	}
	return ev
}

// Find returns the shift r names in n, its need as the store read it (nil
// when missing), or an error with the code missing naming the need or the
// shift that is gone: ENOTFOUND for a direct reservation, ECONFLICT for an
// accept (its invitation named them).
func (r Reservation) Find(n *Need, missing string) (Shift, error) {
	if n == nil {
		return Shift{}, Errorf(missing, "need %s not found", r.Need)
	}
	sh, ok := n.Shift(r.Shift)
	if !ok {
		return Shift{}, Errorf(missing, "shift %s of need %s not found", r.Shift, r.Need)
	}
	return sh, nil
}

// NewAssignment returns the assignment that reserves a slot of shift sh of
// need n for volunteer at at, answering the invitation invite ("" for a
// direct reservation). The store gives it its ID.
func NewAssignment(n *Need, sh Shift, volunteer, invite string, at time.Time) Assignment {
	return Assignment{
		Need: n.ID, Shift: sh.ID, Volunteer: volunteer, Org: n.Org, Invite: invite,
		Start: sh.Start, End: sh.End, Status: AssignReserved, CreatedAt: at,
	}
}

// AcceptedEvent returns the invite.accepted event of a, just reserved in a
// shift of need n.
func (a *Assignment) AcceptedEvent(n *Need) Event {
	ev := NeedEvent(EventInviteAccepted, n, a.CreatedAt)
	ev.Shift, ev.ShiftStart, ev.ShiftEnd = a.Shift, a.Start, a.End
	ev.Volunteer, ev.Invite, ev.Assignment, ev.Origin = a.Volunteer, a.Invite, a.ID, a.Origin
	return ev
}

// clock formats t for a message: Beijing time to the minute.
func clock(t time.Time) string { return t.In(Beijing).Format("2006-01-02 15:04") }
