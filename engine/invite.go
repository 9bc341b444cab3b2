package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// Flow 4, first half: invite, accept, decline. An invitation batch is one
// store write: a clash (a live invitation, even one sent by a concurrent
// request) refuses the whole batch and writes nothing. An accept reserves
// the slot atomically in the store: never more accepted than slots, never
// one volunteer in two overlapping shifts.
//
// The hard gates hold on every path (先培训再上岗): a ranked invitation
// takes only volunteers who pass them, a listed volunteer is checked
// against every gate of the shift (scoring.Failed, the busy gate from
// their holding assignments) and refused with the gates named, and an
// accept checks them again on the volunteer's record as it is then, at the
// shift's dates (a certificate or the insurance may have lapsed, a skill
// been lowered). An organisation that must invite someone who fails a gate
// says why (InviteRequest.Override): the invitation records the reason and
// the gates overridden, its invite.sent carries both for the evaluation,
// and the accept re-checks every other gate. The busy gate is never
// overridden (ECONFLICT, as the store refuses overlapping reservations).
// Nobody is invited to, nor accepts, a shift that has begun (ECONFLICT).

// MaxBatch is the most records one request may name (volunteers to
// invite, needs of a batch).
const MaxBatch = 1000

// InviteRequest asks to invite volunteers to a shift of a need: either the
// listed volunteers or the top n of the ranking (exactly one of the two).
// Shift may be left out when the need has one shift.
type InviteRequest struct {
	Shift      string   `json:"shift"`
	Volunteers []string `json:"volunteers,omitempty"`
	Top        int      `json:"top,omitempty"`
	// Override invites the listed volunteers even where they fail hard
	// gates (all but busy), for the reason given; each invitation records
	// the gates its volunteer failed. Only with Volunteers.
	Override *InviteOverride `json:"override,omitempty"`
}

// InviteOverride is the reason an organisation gives for inviting
// volunteers who fail hard gates: required, at most volmatch.MaxReasonLen
// characters.
type InviteOverride struct {
	Reason string `json:"reason"`
}

// shiftBegun returns ECONFLICT when shift sh of need n has begun at now:
// nobody is invited to, accepts or signs up for work already begun.
func shiftBegun(n *volmatch.Need, sh volmatch.Shift, now time.Time) error {
	if now.Before(sh.Start) {
		return nil
	}
	return volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonShiftBegun, "shift %s of need %s began at %s: nobody is invited to or takes work already begun",
		sh.ID, n.ID, sh.Start.In(volmatch.Beijing).Format("2006-01-02 15:04"))
}

// upcoming returns n with only its shifts that have not begun at now (n
// itself when none has), for the flows that choose shifts themselves (a
// batch plan, a dispatch wave).
func upcoming(n *volmatch.Need, now time.Time) *volmatch.Need {
	keep := make([]volmatch.Shift, 0, len(n.Shifts))
	for _, sh := range n.Shifts {
		if now.Before(sh.Start) {
			keep = append(keep, sh)
		}
	}
	if len(keep) == len(n.Shifts) {
		return n
	}
	c := *n
	c.Shifts = keep
	return &c
}

// Invite sends the invitations of req for need id, all or none.
func (e *Engine) Invite(ctx context.Context, tok *volmatch.Token, id string, req InviteRequest) ([]*volmatch.Invitation, error) {
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	invs, err := e.invitees(ctx, n, req)
	if err != nil {
		return nil, err
	}
	if err := e.store.CreateInvitations(ctx, invs); err != nil {
		return nil, inviteeError(err, req)
	}
	return invs, nil
}

// invitees resolves req into the invitations to send (not yet stored),
// checking every volunteer first.
func (e *Engine) invitees(ctx context.Context, n *volmatch.Need, req InviteRequest) ([]*volmatch.Invitation, error) {
	if req.Shift == "" && len(n.Shifts) == 1 {
		req.Shift = n.Shifts[0].ID
	}
	if req.Shift == "" {
		return nil, volmatch.FieldError("shift", "is required: the need has %d shifts", len(n.Shifts))
	}
	sh, ok := n.Shift(req.Shift)
	if !ok {
		return nil, volmatch.FieldError("shift", "need %s has no shift %q", n.ID, req.Shift)
	}
	if n.Team != nil {
		return nil, volmatch.FieldError("volunteers", "need %s asks for whole teams of %d: invite a team (InviteTeam), not volunteers one by one", n.ID, n.Team.Size)
	}
	switch {
	case len(req.Volunteers) > 0 && req.Top != 0, len(req.Volunteers) == 0 && req.Top == 0:
		return nil, volmatch.FieldError("volunteers", "give either volunteers or top, not both nor neither")
	case req.Top < 0 || req.Top > MaxBatch:
		return nil, volmatch.FieldError("top", "must be between 1 and %d, got %d", MaxBatch, req.Top)
	case len(req.Volunteers) > MaxBatch:
		return nil, volmatch.FieldError("volunteers", "at most %d volunteers at once", MaxBatch)
	case req.Override != nil && req.Top != 0:
		return nil, volmatch.FieldError("override", "an override is for listed volunteers; a ranking invites only volunteers who pass every gate")
	}
	if o := req.Override; o != nil {
		if err := (&volmatch.Override{Reason: o.Reason, Gates: []string{"-"}}).Validate("override"); err != nil {
			return nil, err
		}
	}
	now := e.now()
	if err := shiftBegun(n, sh, now); err != nil {
		return nil, err
	}
	inv := func(vol string) *volmatch.Invitation {
		return &volmatch.Invitation{ID: NewID("inv"), Need: n.ID, Shift: req.Shift, Volunteer: vol, Org: n.Org,
			Status: volmatch.InviteSent, SentAt: now}
	}
	var out []*volmatch.Invitation
	if req.Top > 0 {
		r, err := e.rank(ctx, n, RankOptions{K: req.Top, Shift: req.Shift})
		if err != nil {
			return nil, err
		}
		for _, m := range r.Matches {
			i := inv(m.Volunteer)
			i.Rank, i.Score = m.Rank, m.Score
			out = append(out, i)
		}
		return out, nil
	}
	seen := map[string]bool{}
	for k, id := range req.Volunteers {
		f := fmt.Sprintf("volunteers[%d]", k)
		if err := volmatch.ValidID(f, id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, volmatch.FieldError(f, "volunteer %q is listed twice", id)
		}
		seen[id] = true
		v, err := e.store.Volunteer(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no volunteer %q", id)
		} else if err != nil {
			return nil, err
		}
		held, err := e.holding(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("invite %s: %w", id, err)
		}
		i := inv(id)
		// The home as the feature grid holds it (masked), as matching reads
		// it: a refusal naming the distance gate for a chosen point and
		// radius must not measure the exact home (issue 13).
		if failed := scoring.Failed(v.Coarsened(), n, sh, held); len(failed) > 0 {
			if slices.Contains(failed, scoring.GateBusy) {
				// A clash with what the volunteer holds, as the store's
				// reservation check answers it.
				return nil, &volmatch.Error{Code: volmatch.ECONFLICT, Field: f, Reason: volmatch.ReasonShiftClash,
					Message: fmt.Sprintf("volunteer %s fails the hard gate busy: they already serve a shift at that time, which no override lifts", id)}
			}
			if req.Override == nil {
				return nil, volmatch.FieldError(f, "volunteer %s fails the hard %s %s for shift %s (先培训再上岗); to invite them anyway, give override.reason",
					id, plural(len(failed), "gate", "gates"), strings.Join(failed, ", "), sh.ID).WithReason(volmatch.ReasonGate(failed[0]))
			}
			i.Override = &volmatch.Override{Reason: req.Override.Reason, Gates: failed}
		}
		out = append(out, i)
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkAccept holds the rules of an accept that cross records (acceptGates)
// for invitation inv, reading its need and volunteer from the store. An
// accept of one invitation runs them inside the store's write instead
// (acceptChecked); a team's accept checks each member here first.
func (e *Engine) checkAccept(ctx context.Context, inv *volmatch.Invitation) error {
	if inv.Status != volmatch.InviteSent {
		return nil // the store refuses answering twice
	}
	n, err := e.store.Need(ctx, inv.Need)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	v, err := e.store.Volunteer(ctx, inv.Volunteer)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return e.acceptGates(inv, n, v, e.now())
}

// acceptGates holds the rules of an accept that cross records: the shift
// has not begun at now, and volunteer v, as their record is now, passes
// every hard gate of the shift but those the invitation overrode (the busy
// gate is the store's reservation check, atomic with the write). A need,
// shift or volunteer that is gone (nil) is left to the store to refuse, as
// is an invitation already answered.
func (e *Engine) acceptGates(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer, now time.Time) error {
	if inv.Status != volmatch.InviteSent || n == nil || v == nil {
		return nil
	}
	sh, ok := n.Shift(inv.Shift)
	if !ok {
		return nil
	}
	failed, err := takeGatesAt(n, sh, v, inv, now)
	if err != nil || len(failed) == 0 {
		return err
	}
	msg := fmt.Sprintf("volunteer %s no longer passes the hard %s %s for shift %s of need %s (先培训再上岗)",
		v.ID, plural(len(failed), "gate", "gates"), strings.Join(failed, ", "), sh.ID, n.ID)
	if inv.Override != nil {
		msg += fmt.Sprintf("; the invitation overrode only %s", strings.Join(inv.Override.Gates, ", "))
	}
	return volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate(failed[0]), "%s", msg)
}

// takeGates holds the rules of taking a slot (an accept, a sign-up from
// the menu, the approval of a sign-up request): ECONFLICT when the shift
// has begun, and otherwise the hard gates of the shift that volunteer v,
// as their record is now, fails, but those inv overrode (none for a
// sign-up). The busy gate is left to the store's reservation check,
// atomic with the write. Gates are read on the masked home, as matching
// and the invitation read it.
func (e *Engine) takeGates(n *volmatch.Need, sh volmatch.Shift, v *volmatch.Volunteer, inv *volmatch.Invitation) ([]string, error) {
	return takeGatesAt(n, sh, v, inv, e.now())
}

// takeGatesAt is takeGates at time now.
func takeGatesAt(n *volmatch.Need, sh volmatch.Shift, v *volmatch.Volunteer, inv *volmatch.Invitation, now time.Time) ([]string, error) {
	if err := shiftBegun(n, sh, now); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(scoring.Failed(v.Coarsened(), n, sh, nil), inv.Overrides), nil
}

// inviteeError renames the store's field "invitations[k]" (or a field
// within it) of a refused batch to the request's: "volunteers[k]" for a
// list of volunteers, "top" for a ranked one.
func inviteeError(err error, req InviteRequest) error {
	var e *volmatch.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Field, "invitations[") {
		return err
	}
	field := "top"
	if len(req.Volunteers) > 0 {
		idx, _, _ := strings.Cut(strings.TrimPrefix(e.Field, "invitations["), "]")
		field = "volunteers[" + idx + "]"
	}
	return &volmatch.Error{Code: e.Code, Field: field, Message: e.Message, Reason: e.Reason}
}

// Invitation returns invitation id if tok may act on it (its
// organisation's staff or its volunteer).
func (e *Engine) Invitation(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Invitation, error) {
	inv, err := e.store.Invitation(ctx, id)
	if err != nil {
		return nil, err
	}
	return inv, canActOn(tok, inv.Org, inv.Volunteer)
}

// Invitations lists invitations in tok's scope.
func (e *Engine) Invitations(ctx context.Context, tok *volmatch.Token, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error) {
	if err := scope(tok, &f.Org, &f.Volunteer); err != nil {
		return nil, "", err
	}
	return e.store.Invitations(ctx, f)
}

// Accept accepts invitation id, reserving its slot, and returns the
// assignment. Who may accept and the hard gates are checked in the store's
// write (acceptChecked). No index catch-up waits for it: an accept changes
// only fill counts and the volunteer's load, which the follower applies
// within milliseconds (it wakes on the store's change feed); waiting would
// queue every accept behind one search-index batch at a time.
func (e *Engine) Accept(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Assignment, error) {
	return e.acceptChecked(ctx, id, func(inv *volmatch.Invitation) error {
		if err := canActOn(tok, inv.Org, inv.Volunteer); err != nil {
			return err
		}
		if inv.Origin == volmatch.OriginSignUp {
			return forbidden("invitation %s is a sign-up request: its organisation approves it (Approve); the volunteer may withdraw it (decline)", inv.ID)
		}
		if inv.Team != "" {
			return forbidden("invitation %s invites team %s as one: its leader accepts for every member (AcceptTeam)", inv.ID, inv.Team)
		}
		return nil
	})
}

// acceptChecked accepts invitation id if allow lets the caller answer it
// and its volunteer passes the rules of an accept (acceptGates), both
// checked by the store on the records it reserves against, in the same
// atomic write: one read of the invitation, its need and its volunteer,
// and no gate read from a record that changes before the commit.
func (e *Engine) acceptChecked(ctx context.Context, id string, allow func(*volmatch.Invitation) error) (*volmatch.Assignment, error) {
	now := e.now()
	return e.store.AcceptChecked(ctx, id, now, func(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) error {
		if err := allow(inv); err != nil {
			return err
		}
		return e.acceptGates(inv, n, v, now)
	})
}

// Decline declines invitation id.
func (e *Engine) Decline(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Invitation, error) {
	inv, err := e.Invitation(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	// The answer to an invitation is the volunteer's: the organisation
	// may only refuse a volunteer's sign-up request (or withdraw its own
	// invitation by cancelling the need), never decline for them.
	if tok.Role == volmatch.RoleSocialWorker && inv.Origin != volmatch.OriginSignUp {
		return nil, forbidden("only the volunteer answers an invitation; an organisation refuses sign-up requests only")
	}
	out, err := e.store.Decline(ctx, inv.ID, e.now())
	if err == nil && tok.Role != volmatch.RoleVolunteer && inv.Origin == volmatch.OriginSignUp {
		e.appendNotices(ctx, signUpRefused(out, out.RespondedAt)) // notify.go: the volunteer is told
	}
	return out, err
}
