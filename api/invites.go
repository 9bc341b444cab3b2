package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// invitees resolves an InviteRequest into the shift and the invitations to
// send (not yet stored), checking every volunteer first.
func (s *Server) invitees(ctx context.Context, n *volmatch.Need, req InviteRequest) ([]*volmatch.Invitation, error) {
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
	case req.Top < 0 || req.Top > MaxLimit:
		return nil, volmatch.FieldError("top", "must be between 1 and %d, got %d", MaxLimit, req.Top)
	case len(req.Volunteers) > MaxLimit:
		return nil, volmatch.FieldError("volunteers", "at most %d volunteers at once", MaxLimit)
	}
	now := s.opt.Now()
	inv := func(vol string) *volmatch.Invitation {
		return &volmatch.Invitation{ID: newID("inv"), Need: n.ID, Shift: req.Shift, Volunteer: vol, Org: n.Org,
			Status: volmatch.InviteSent, SentAt: now}
	}
	var out []*volmatch.Invitation
	if req.Top > 0 {
		r, err := s.rank(ctx, n, RankOptions{K: req.Top, Shift: req.Shift, After: s.opt.Now()})
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
		if _, err := s.deps.Store.Volunteer(ctx, id); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no volunteer %q", id)
		} else if err != nil {
			return nil, err
		}
		out = append(out, inv(id))
	}
	return out, nil
}

func (s *Server) invite(c *gin.Context) {
	ctx := c.Request.Context()
	var req InviteRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.scopedNeed(c)
	var invs []*volmatch.Invitation
	if err == nil {
		invs, err = s.invitees(ctx, n, req)
	}
	if err == nil {
		// One atomic write: a clash (a live invitation, even one sent by a
		// concurrent request) refuses the whole request and writes nothing.
		err = inviteeError(s.deps.Store.CreateInvitations(ctx, invs), req)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, List[*volmatch.Invitation]{Items: nonNil(invs)})
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

// scopedInvite loads the invitation of the path and checks the caller may
// act on it.
func (s *Server) scopedInvite(c *gin.Context) (*volmatch.Invitation, error) {
	inv, err := s.deps.Store.Invitation(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return inv, canActOn(principal(c), inv.Org, inv.Volunteer)
}

func (s *Server) getInvite(c *gin.Context) {
	inv, err := s.scopedInvite(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inv)
}

// invitationAccepter is a store that can accept an invitation the caller
// has just read from it without reading it again (store/redis: the
// reservation script checks it is still the stored record).
type invitationAccepter interface {
	AcceptInvitation(ctx context.Context, inv *volmatch.Invitation, at time.Time) (*volmatch.Assignment, error)
}

func (s *Server) accept(c *gin.Context) {
	ctx := c.Request.Context()
	inv, err := s.scopedInvite(c)
	var a *volmatch.Assignment
	if err == nil {
		if acc, ok := s.deps.Store.(invitationAccepter); ok {
			a, err = acc.AcceptInvitation(ctx, inv, s.opt.Now())
		} else {
			a, err = s.deps.Store.Accept(ctx, inv.ID, s.opt.Now())
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.accepts.Inc()
	// No catch-up here: an accept changes only fill counts and the
	// volunteer's load, which the indexes' follower applies within
	// milliseconds (it wakes on the store's change feed). Waiting for it
	// would queue every accept behind one search-index batch at a time.
	c.JSON(http.StatusOK, a)
}

func (s *Server) decline(c *gin.Context) {
	ctx := c.Request.Context()
	inv, err := s.scopedInvite(c)
	if err == nil {
		inv, err = s.deps.Store.Decline(ctx, inv.ID, s.opt.Now())
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inv) // no catch-up: see accept
}

// scope narrows org and volunteer filters to the caller's scope: a social
// worker sees their organisation, a volunteer themself.
func scope(tok *volmatch.Token, org, vol *string) error {
	switch tok.Role {
	case volmatch.RoleSocialWorker:
		if *org != "" && *org != tok.Org {
			return forbidden("a social worker sees only their own organisation")
		}
		*org = tok.Org
	case volmatch.RoleVolunteer:
		if *vol != "" && *vol != tok.Volunteer {
			return forbidden("a volunteer sees only their own records")
		}
		*vol = tok.Volunteer
	}
	return nil
}

func (s *Server) listInvites(c *gin.Context) {
	var f volmatch.InvitationFilter
	var err error
	var status string
	if f.ListOptions, err = listOptions(c); err == nil {
		status, err = enumParam(c, "status", "sent", "accepted", "declined", "expired")
	}
	f.Status, f.Need, f.Org, f.Volunteer = volmatch.InviteStatus(status), c.Query("need"), c.Query("org"), c.Query("volunteer")
	if err == nil {
		err = scope(principal(c), &f.Org, &f.Volunteer)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	invs, next, err := s.deps.Store.Invitations(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Invitation]{Items: nonNil(invs), Next: nextCursor(next)})
}
