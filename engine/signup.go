package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"volmatch"
)

// Flow 7: a volunteer signs up from the menu (报名) for a shift of an open
// menu-mode need (菜单式服务). The sign-up takes the slot under the rules of
// an accept: the shift has not begun, the volunteer passes every hard gate
// of it as their record is now (takeGates, the accept's check; refused with
// EINVALID naming the gates), and the store reserves the slot atomically
// under volmatch.CheckReservation (never more than the slots, never two
// overlapping shifts for one volunteer, ECONFLICT otherwise).
//
// Where the need asks for approval (Need.Approval), the sign-up is instead a
// request: an Invitation of origin volmatch.OriginSignUp, status sent,
// logged as signup.requested. Its organisation approves it (Approve: the
// accept of that invitation by its staff, which checks the gates and the
// shift again and reserves the slot atomically, logged as invite.accepted
// of origin signup) or declines it (Decline, invite.declined of origin
// signup); the volunteer may withdraw it (Decline) but never accept it
// themself. A sign-up without approval is one store write, a Reservation of
// origin signup, logged as its invite.accepted of origin signup (no
// invitation). The evaluation counts both by Event.Origin.
//
// A retried sign-up is answered once by the transport's Idempotency-Key
// (the store write is fenced); without a key, a second sign-up to the same
// shift is ECONFLICT (the volunteer holds the slot, or a live request).

// SignUpRequest names the volunteer who signs up: empty for the caller
// themself (a volunteer's token); required when an admin signs up on a
// volunteer's behalf.
type SignUpRequest struct {
	Volunteer string `json:"volunteer,omitempty"`
}

// SignUpResult is the outcome of a sign-up: the assignment reserved, or
// the request awaiting the organisation's approval (exactly one is set).
type SignUpResult struct {
	Assignment *volmatch.Assignment `json:"assignment,omitempty"`
	Request    *volmatch.Invitation `json:"request,omitempty"`
}

// SignUp signs the volunteer of req (the caller by default) up for shift
// shiftID of need needID; see flow 7 above.
func (e *Engine) SignUp(ctx context.Context, tok *volmatch.Token, needID, shiftID string, req SignUpRequest) (*SignUpResult, error) {
	vol, err := signUpVolunteer(tok, req.Volunteer)
	if err != nil {
		return nil, err
	}
	if err := volmatch.ValidID("shift", shiftID); err != nil {
		return nil, err
	}
	n, err := e.store.Need(ctx, needID)
	if err != nil {
		return nil, err
	}
	if n.Mode != volmatch.ModeMenu {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNotMenu, "need %s is a %s need: volunteers sign up only for menu-mode needs (菜单式服务); the organisation invites for this one", n.ID, n.Mode)
	}
	if n.Status != volmatch.NeedOpen {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNeedClosed, "need %s is %s", n.ID, n.Status)
	}
	sh, ok := n.Shift(shiftID)
	if !ok {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "shift %s of need %s not found", shiftID, n.ID)
	}
	v, err := e.store.Volunteer(ctx, vol)
	if err != nil {
		return nil, err
	}
	inv := &volmatch.Invitation{ID: NewID("inv"), Need: n.ID, Shift: sh.ID, Volunteer: v.ID, Org: n.Org,
		Status: volmatch.InviteSent, SentAt: e.now(), Origin: volmatch.OriginSignUp}
	failed, err := e.takeGates(n, sh, v, inv)
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, &volmatch.Error{Code: volmatch.EINVALID, Field: "volunteer", Reason: volmatch.ReasonGate(failed[0]),
			Message: fmt.Sprintf("volunteer %s fails the hard %s %s for shift %s of need %s (先培训再上岗)",
				v.ID, plural(len(failed), "gate", "gates"), strings.Join(failed, ", "), sh.ID, n.ID)}
	}
	if !n.Approval {
		as, err := e.store.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: sh.ID, Volunteer: v.ID, Origin: volmatch.OriginSignUp}}, e.now())
		if err != nil {
			return nil, unindexed(err)
		}
		return &SignUpResult{Assignment: as[0]}, nil
	}
	// A request: refused at once when the store would refuse its approval
	// now (full, or a clash with what the volunteer holds); the approval
	// checks again, atomically.
	held, err := e.holding(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("sign-up of %s: %w", v.ID, err)
	}
	ptrs := make([]*volmatch.Assignment, len(held))
	for i := range held {
		ptrs[i] = &held[i]
	}
	if err := volmatch.CheckReservation(n, sh, sh.Filled, ptrs, v.ID); err != nil {
		return nil, err
	}
	if err := e.store.CreateInvitation(ctx, inv); err != nil {
		return nil, err
	}
	return &SignUpResult{Request: inv}, nil
}

// signUpVolunteer returns the volunteer a sign-up is for: the caller
// themself, or the one an admin names.
func signUpVolunteer(tok *volmatch.Token, vol string) (string, error) {
	switch tok.Role {
	case volmatch.RoleVolunteer:
		if vol != "" && vol != tok.Volunteer {
			return "", forbidden("a volunteer signs up only themself")
		}
		return tok.Volunteer, nil
	case volmatch.RoleAdmin:
		if vol == "" {
			return "", volmatch.FieldError("volunteer", "is required: name the volunteer an admin signs up")
		}
		return vol, volmatch.ValidID("volunteer", vol)
	}
	return "", forbidden("a volunteer signs up themself (or an admin on their behalf)")
}

// unindexed drops the index a one-element batch names ("reservations[0]")
// from a store refusal.
func unindexed(err error) error {
	var e *volmatch.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Field, "reservations[") {
		return err
	}
	_, rest, _ := strings.Cut(e.Field, "]")
	return &volmatch.Error{Code: e.Code, Field: strings.TrimPrefix(rest, "."), Message: e.Message, Reason: e.Reason}
}

// Approve approves sign-up request id (an invitation of origin
// volmatch.OriginSignUp): its organisation's staff (or an admin) accept it
// on the volunteer's behalf, under every rule of an accept (acceptChecked:
// the gates checked in the store's atomic reservation). Any other
// invitation is ECONFLICT: its volunteer answers it.
func (e *Engine) Approve(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Assignment, error) {
	return e.acceptChecked(ctx, id, func(inv *volmatch.Invitation) error {
		if err := canManageOrg(tok, inv.Org); err != nil {
			return err
		}
		if inv.Origin != volmatch.OriginSignUp {
			return volmatch.Errorf(volmatch.ECONFLICT, "invitation %s is not a sign-up request: its volunteer accepts or declines it", inv.ID)
		}
		return nil
	})
}
