package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"volmatch"
)

// Flow 4, first half: invite, accept, decline. An invitation batch is one
// store write: a clash (a live invitation, even one sent by a concurrent
// request) refuses the whole batch and writes nothing. An accept reserves
// the slot atomically in the store: never more accepted than slots, never
// one volunteer in two overlapping shifts.

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
	if _, ok := n.Shift(req.Shift); !ok {
		return nil, volmatch.FieldError("shift", "need %s has no shift %q", n.ID, req.Shift)
	}
	switch {
	case len(req.Volunteers) > 0 && req.Top != 0, len(req.Volunteers) == 0 && req.Top == 0:
		return nil, volmatch.FieldError("volunteers", "give either volunteers or top, not both nor neither")
	case req.Top < 0 || req.Top > MaxBatch:
		return nil, volmatch.FieldError("top", "must be between 1 and %d, got %d", MaxBatch, req.Top)
	case len(req.Volunteers) > MaxBatch:
		return nil, volmatch.FieldError("volunteers", "at most %d volunteers at once", MaxBatch)
	}
	now := e.now()
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
		if _, err := e.store.Volunteer(ctx, id); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no volunteer %q", id)
		} else if err != nil {
			return nil, err
		}
		out = append(out, inv(id))
	}
	return out, nil
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
	return &volmatch.Error{Code: e.Code, Field: field, Message: e.Message}
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

// invitationAccepter is a store that can accept an invitation the caller
// has just read from it without reading it again (store/redis: the
// reservation script checks it is still the stored record).
type invitationAccepter interface {
	AcceptInvitation(ctx context.Context, inv *volmatch.Invitation, at time.Time) (*volmatch.Assignment, error)
}

// Accept accepts invitation id, reserving its slot, and returns the
// assignment. No index catch-up waits for it: an accept changes only fill
// counts and the volunteer's load, which the follower applies within
// milliseconds (it wakes on the store's change feed); waiting would queue
// every accept behind one search-index batch at a time.
func (e *Engine) Accept(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Assignment, error) {
	inv, err := e.Invitation(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	if acc, ok := e.store.(invitationAccepter); ok {
		return acc.AcceptInvitation(ctx, inv, e.now())
	}
	return e.store.Accept(ctx, inv.ID, e.now())
}

// Decline declines invitation id.
func (e *Engine) Decline(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Invitation, error) {
	inv, err := e.Invitation(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	return e.store.Decline(ctx, inv.ID, e.now())
}
