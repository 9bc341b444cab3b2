package engine

import (
	"context"

	"volmatch"
)

// Erasure (PIPL's right to deletion, issue 14): DeleteVolunteer deletes the
// record and, so that nothing goes on in the name of a person who left,
// first releases the slots they held in shifts still ahead (cancelled, as
// the volunteer cancelling: the organisation sees a cancellation and the
// slot opens for others) and afterwards revokes every token scoped to them.
// The record of service (assignments, invitations, events) stays, keyed by
// the volunteer number alone: it holds no name, phone or place of theirs.

// erasedReason is the reason recorded on the assignments a deletion
// cancels.
const erasedReason = "the volunteer's account was deleted"

// releaseUpcoming cancels volunteer id's reserved assignments whose shift
// starts after now.
func (e *Engine) releaseUpcoming(ctx context.Context, id string) error {
	now := e.now()
	f := volmatch.AssignmentFilter{Volunteer: id, Status: volmatch.AssignReserved, ListOptions: volmatch.ListOptions{Limit: 500}}
	var ids []string
	for {
		as, next, err := e.store.Assignments(ctx, f)
		if err != nil {
			return err
		}
		for _, a := range as {
			if a.Start.After(now) {
				ids = append(ids, a.ID)
			}
		}
		if next == "" || len(as) == 0 {
			break
		}
		f.After = next
	}
	for _, aid := range ids {
		_, err := e.store.Advance(ctx, aid, volmatch.Step{Kind: volmatch.StepCancel, At: now, Self: true, Reason: erasedReason})
		if err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT { // answered meanwhile: leave it
			return err
		}
	}
	if len(ids) > 0 {
		e.synced(ctx)
	}
	return nil
}

// revokeScoped revokes every token scoped to volunteer id.
func (e *Engine) revokeScoped(ctx context.Context, id string) error {
	toks, err := e.store.Tokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.Role != volmatch.RoleVolunteer || t.Volunteer != id {
			continue
		}
		if err := e.RevokeToken(ctx, t.Hash); err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			return err
		}
	}
	return nil
}
