package engine

import (
	"context"
	"sync/atomic"
	"time"

	"volmatch"
)

// A store write that has begun runs to its end: the caller's deadline or
// disconnection is checked before it starts and not after. Otherwise a
// write that committed could still be answered as failed (go-redis gives up
// on the script's reply when the context ends, while the script goes on),
// and the retry that such an answer invites would write it again. Each
// write is short (one record, one batch of at most MaxBatch invitations,
// one chunk of at most volmatch.MaxReserve reservations), so running it
// out costs at most a second; longer work is a job (job.go).

// wholeWrites is the engine's view of the store: every write runs on a
// context that keeps ctx's values (the idempotency fence) but not its end;
// in a request (Request), once a write committed, so do the reads after
// it, so that the answer of a committed write is built whatever the
// deadline (an update answers with the need read back).
type wholeWrites struct{ volmatch.Store }

// writeMark records that a store write of one request committed.
type writeMark struct{ done atomic.Bool }

type writeMarkKey struct{}

// Request returns ctx as the context of one request (a transport calls it
// where it sets the request's deadline): once a store write made with it
// commits, every store call the flow makes after it runs to its end, so a
// write that went through is answered as such, never as a timeout.
func Request(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeMarkKey{}, &writeMark{})
}

// committed marks ctx's request as having written, when err is nil.
func committed(ctx context.Context, err error) {
	if m, ok := ctx.Value(writeMarkKey{}).(*writeMark); ok && err == nil {
		m.done.Store(true)
	}
}

// reading returns the context of a read: ctx without its end once a write
// of the request committed, ctx otherwise.
func reading(ctx context.Context) context.Context {
	if m, ok := ctx.Value(writeMarkKey{}).(*writeMark); ok && m.done.Load() {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// whole returns the context a write runs on: ctx itself when it has
// already ended (the store refuses it, nothing written), otherwise ctx
// without its deadline and cancellation.
func whole(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (w wholeWrites) CreateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	err := w.Store.CreateVolunteer(whole(ctx), v)
	committed(ctx, err)
	return err
}
func (w wholeWrites) UpdateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	err := w.Store.UpdateVolunteer(whole(ctx), v)
	committed(ctx, err)
	return err
}
func (w wholeWrites) PutVolunteers(ctx context.Context, vs []*volmatch.Volunteer) error {
	err := w.Store.PutVolunteers(whole(ctx), vs)
	committed(ctx, err)
	return err
}
func (w wholeWrites) DeleteVolunteer(ctx context.Context, id string) error {
	err := w.Store.DeleteVolunteer(whole(ctx), id)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateNeed(ctx context.Context, n *volmatch.Need) error {
	err := w.Store.CreateNeed(whole(ctx), n)
	committed(ctx, err)
	return err
}
func (w wholeWrites) UpdateNeed(ctx context.Context, n *volmatch.Need) error {
	err := w.Store.UpdateNeed(whole(ctx), n)
	committed(ctx, err)
	return err
}
func (w wholeWrites) PutNeeds(ctx context.Context, ns []*volmatch.Need) error {
	err := w.Store.PutNeeds(whole(ctx), ns)
	committed(ctx, err)
	return err
}
func (w wholeWrites) DeleteNeed(ctx context.Context, id string) error {
	err := w.Store.DeleteNeed(whole(ctx), id)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreatePool(ctx context.Context, p *volmatch.TalentPool) error {
	err := w.Store.CreatePool(whole(ctx), p)
	committed(ctx, err)
	return err
}
func (w wholeWrites) UpdatePool(ctx context.Context, p *volmatch.TalentPool) error {
	err := w.Store.UpdatePool(whole(ctx), p)
	committed(ctx, err)
	return err
}
func (w wholeWrites) DeletePool(ctx context.Context, id string) error {
	err := w.Store.DeletePool(whole(ctx), id)
	committed(ctx, err)
	return err
}
func (w wholeWrites) PutPools(ctx context.Context, ps []*volmatch.TalentPool) error {
	err := w.Store.PutPools(whole(ctx), ps)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateStation(ctx context.Context, s *volmatch.Station) error {
	err := w.Store.CreateStation(whole(ctx), s)
	committed(ctx, err)
	return err
}
func (w wholeWrites) UpdateStation(ctx context.Context, s *volmatch.Station) error {
	err := w.Store.UpdateStation(whole(ctx), s)
	committed(ctx, err)
	return err
}
func (w wholeWrites) DeleteStation(ctx context.Context, id string) error {
	err := w.Store.DeleteStation(whole(ctx), id)
	committed(ctx, err)
	return err
}
func (w wholeWrites) PutStations(ctx context.Context, ss []*volmatch.Station) error {
	err := w.Store.PutStations(whole(ctx), ss)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateInvitation(ctx context.Context, inv *volmatch.Invitation) error {
	err := w.Store.CreateInvitation(whole(ctx), inv)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateInvitations(ctx context.Context, invs []*volmatch.Invitation, evs ...volmatch.Event) error {
	err := w.Store.CreateInvitations(whole(ctx), invs, evs...)
	committed(ctx, err)
	return err
}
func (w wholeWrites) Accept(ctx context.Context, id string, at time.Time) (*volmatch.Assignment, error) {
	x, err := w.Store.Accept(whole(ctx), id, at)
	committed(ctx, err)
	return x, err
}

func (w wholeWrites) AcceptChecked(ctx context.Context, id string, at time.Time, check volmatch.AcceptCheck) (*volmatch.Assignment, error) {
	x, err := w.Store.AcceptChecked(whole(ctx), id, at, check)
	committed(ctx, err)
	return x, err
}
func (w wholeWrites) Decline(ctx context.Context, id string, at time.Time) (*volmatch.Invitation, error) {
	x, err := w.Store.Decline(whole(ctx), id, at)
	committed(ctx, err)
	return x, err
}
func (w wholeWrites) Reserve(ctx context.Context, rs []volmatch.Reservation, at time.Time) ([]*volmatch.Assignment, error) {
	x, err := w.Store.Reserve(whole(ctx), rs, at)
	committed(ctx, err)
	return x, err
}
func (w wholeWrites) Advance(ctx context.Context, id string, s volmatch.Step) (*volmatch.Assignment, error) {
	x, err := w.Store.Advance(whole(ctx), id, s)
	committed(ctx, err)
	return x, err
}
func (w wholeWrites) AppendEvents(ctx context.Context, evs ...volmatch.Event) error {
	err := w.Store.AppendEvents(whole(ctx), evs...)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateToken(ctx context.Context, t *volmatch.Token) error {
	err := w.Store.CreateToken(whole(ctx), t)
	committed(ctx, err)
	return err
}
func (w wholeWrites) DeleteToken(ctx context.Context, hash string) error {
	err := w.Store.DeleteToken(whole(ctx), hash)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateOrganisation(ctx context.Context, o *volmatch.Organisation) error {
	err := w.Store.CreateOrganisation(whole(ctx), o)
	committed(ctx, err)
	return err
}
func (w wholeWrites) CreateJob(ctx context.Context, j *volmatch.Job) error {
	err := w.Store.CreateJob(whole(ctx), j)
	committed(ctx, err)
	return err
}
func (w wholeWrites) UpdateJob(ctx context.Context, j *volmatch.Job) error {
	err := w.Store.UpdateJob(whole(ctx), j)
	committed(ctx, err)
	return err
}
func (w wholeWrites) ClaimIdempotency(ctx context.Context, rec *volmatch.Idempotency, now time.Time) (*volmatch.Idempotency, bool, error) {
	return w.Store.ClaimIdempotency(whole(ctx), rec, now)
}
func (w wholeWrites) CompleteIdempotency(ctx context.Context, rec *volmatch.Idempotency) error {
	return w.Store.CompleteIdempotency(whole(ctx), rec)
}
func (w wholeWrites) RenewIdempotency(ctx context.Context, scope, key, nonce string, until time.Time) error {
	return w.Store.RenewIdempotency(whole(ctx), scope, key, nonce, until)
}
func (w wholeWrites) ReleaseIdempotency(ctx context.Context, scope, key, nonce string) error {
	return w.Store.ReleaseIdempotency(whole(ctx), scope, key, nonce)
}

// The reads: after a committed write of the request, they run to their end.

func (w wholeWrites) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	return w.Store.Volunteer(reading(ctx), id)
}
func (w wholeWrites) Volunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	return w.Store.Volunteers(reading(ctx), f)
}
func (w wholeWrites) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	return w.Store.Need(reading(ctx), id)
}
func (w wholeWrites) Needs(ctx context.Context, f volmatch.NeedFilter) ([]*volmatch.Need, string, error) {
	return w.Store.Needs(reading(ctx), f)
}
func (w wholeWrites) Pool(ctx context.Context, id string) (*volmatch.TalentPool, error) {
	return w.Store.Pool(reading(ctx), id)
}
func (w wholeWrites) Station(ctx context.Context, id string) (*volmatch.Station, error) {
	return w.Store.Station(reading(ctx), id)
}
func (w wholeWrites) Invitation(ctx context.Context, id string) (*volmatch.Invitation, error) {
	return w.Store.Invitation(reading(ctx), id)
}
func (w wholeWrites) Invitations(ctx context.Context, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error) {
	return w.Store.Invitations(reading(ctx), f)
}
func (w wholeWrites) Assignment(ctx context.Context, id string) (*volmatch.Assignment, error) {
	return w.Store.Assignment(reading(ctx), id)
}
func (w wholeWrites) Assignments(ctx context.Context, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error) {
	return w.Store.Assignments(reading(ctx), f)
}
func (w wholeWrites) Organisation(ctx context.Context, id string) (*volmatch.Organisation, error) {
	return w.Store.Organisation(reading(ctx), id)
}
func (w wholeWrites) Job(ctx context.Context, id string) (*volmatch.Job, error) {
	return w.Store.Job(reading(ctx), id)
}
