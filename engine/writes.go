package engine

import (
	"context"
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
// context that keeps ctx's values (the idempotency fence) but not its end.
type wholeWrites struct{ volmatch.Store }

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
	return w.Store.CreateVolunteer(whole(ctx), v)
}
func (w wholeWrites) UpdateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	return w.Store.UpdateVolunteer(whole(ctx), v)
}
func (w wholeWrites) PutVolunteers(ctx context.Context, vs []*volmatch.Volunteer) error {
	return w.Store.PutVolunteers(whole(ctx), vs)
}
func (w wholeWrites) DeleteVolunteer(ctx context.Context, id string) error {
	return w.Store.DeleteVolunteer(whole(ctx), id)
}
func (w wholeWrites) CreateNeed(ctx context.Context, n *volmatch.Need) error {
	return w.Store.CreateNeed(whole(ctx), n)
}
func (w wholeWrites) UpdateNeed(ctx context.Context, n *volmatch.Need) error {
	return w.Store.UpdateNeed(whole(ctx), n)
}
func (w wholeWrites) PutNeeds(ctx context.Context, ns []*volmatch.Need) error {
	return w.Store.PutNeeds(whole(ctx), ns)
}
func (w wholeWrites) DeleteNeed(ctx context.Context, id string) error {
	return w.Store.DeleteNeed(whole(ctx), id)
}
func (w wholeWrites) CreatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return w.Store.CreatePool(whole(ctx), p)
}
func (w wholeWrites) UpdatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return w.Store.UpdatePool(whole(ctx), p)
}
func (w wholeWrites) DeletePool(ctx context.Context, id string) error {
	return w.Store.DeletePool(whole(ctx), id)
}
func (w wholeWrites) PutPools(ctx context.Context, ps []*volmatch.TalentPool) error {
	return w.Store.PutPools(whole(ctx), ps)
}
func (w wholeWrites) CreateStation(ctx context.Context, s *volmatch.Station) error {
	return w.Store.CreateStation(whole(ctx), s)
}
func (w wholeWrites) UpdateStation(ctx context.Context, s *volmatch.Station) error {
	return w.Store.UpdateStation(whole(ctx), s)
}
func (w wholeWrites) DeleteStation(ctx context.Context, id string) error {
	return w.Store.DeleteStation(whole(ctx), id)
}
func (w wholeWrites) PutStations(ctx context.Context, ss []*volmatch.Station) error {
	return w.Store.PutStations(whole(ctx), ss)
}
func (w wholeWrites) CreateInvitation(ctx context.Context, inv *volmatch.Invitation) error {
	return w.Store.CreateInvitation(whole(ctx), inv)
}
func (w wholeWrites) CreateInvitations(ctx context.Context, invs []*volmatch.Invitation, evs ...volmatch.Event) error {
	return w.Store.CreateInvitations(whole(ctx), invs, evs...)
}
func (w wholeWrites) Accept(ctx context.Context, id string, at time.Time) (*volmatch.Assignment, error) {
	return w.Store.Accept(whole(ctx), id, at)
}

// AcceptInvitation accepts through the store's invitationAccepter when it
// has one, by ID otherwise.
func (w wholeWrites) AcceptInvitation(ctx context.Context, inv *volmatch.Invitation, at time.Time) (*volmatch.Assignment, error) {
	if acc, ok := w.Store.(invitationAccepter); ok {
		return acc.AcceptInvitation(whole(ctx), inv, at)
	}
	return w.Store.Accept(whole(ctx), inv.ID, at)
}
func (w wholeWrites) Decline(ctx context.Context, id string, at time.Time) (*volmatch.Invitation, error) {
	return w.Store.Decline(whole(ctx), id, at)
}
func (w wholeWrites) Reserve(ctx context.Context, rs []volmatch.Reservation, at time.Time) ([]*volmatch.Assignment, error) {
	return w.Store.Reserve(whole(ctx), rs, at)
}
func (w wholeWrites) Advance(ctx context.Context, id string, s volmatch.Step) (*volmatch.Assignment, error) {
	return w.Store.Advance(whole(ctx), id, s)
}
func (w wholeWrites) AppendEvents(ctx context.Context, evs ...volmatch.Event) error {
	return w.Store.AppendEvents(whole(ctx), evs...)
}
func (w wholeWrites) CreateToken(ctx context.Context, t *volmatch.Token) error {
	return w.Store.CreateToken(whole(ctx), t)
}
func (w wholeWrites) DeleteToken(ctx context.Context, hash string) error {
	return w.Store.DeleteToken(whole(ctx), hash)
}
func (w wholeWrites) CreateOrganisation(ctx context.Context, o *volmatch.Organisation) error {
	return w.Store.CreateOrganisation(whole(ctx), o)
}
func (w wholeWrites) CreateJob(ctx context.Context, j *volmatch.Job) error {
	return w.Store.CreateJob(whole(ctx), j)
}
func (w wholeWrites) UpdateJob(ctx context.Context, j *volmatch.Job) error {
	return w.Store.UpdateJob(whole(ctx), j)
}
func (w wholeWrites) ClaimIdempotency(ctx context.Context, rec *volmatch.Idempotency, now time.Time) (*volmatch.Idempotency, bool, error) {
	return w.Store.ClaimIdempotency(whole(ctx), rec, now)
}
func (w wholeWrites) CompleteIdempotency(ctx context.Context, rec *volmatch.Idempotency) error {
	return w.Store.CompleteIdempotency(whole(ctx), rec)
}
func (w wholeWrites) ReleaseIdempotency(ctx context.Context, scope, key, nonce string) error {
	return w.Store.ReleaseIdempotency(whole(ctx), scope, key, nonce)
}
