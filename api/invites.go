package api

import (
	"context"
	"fmt"
	"net/http"

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
		err = s.noLiveInvites(ctx, invs, req)
	}
	for i := 0; err == nil && i < len(invs); i++ {
		if err = s.deps.Store.CreateInvitation(ctx, invs[i]); err != nil && i > 0 {
			// A clash the check above could not see (a concurrent request):
			// the problem says which invitations were sent.
			ids := make([]string, i)
			for k := range ids {
				ids[k] = invs[k].ID
			}
			err = &volmatch.Error{Code: volmatch.ErrorCode(err), Field: volmatch.ErrorField(err),
				Message: fmt.Sprintf("%s; %d of %d invitations were sent before: %v", volmatch.ErrorMessage(err), i, len(invs), ids)}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, List[*volmatch.Invitation]{Items: nonNil(invs)})
}

// noLiveInvites refuses (ECONFLICT, naming the volunteer) invitations to
// volunteers who already hold a live invitation to the shift, before any is
// sent, so that a refused request writes nothing.
func (s *Server) noLiveInvites(ctx context.Context, invs []*volmatch.Invitation, req InviteRequest) error {
	for k, inv := range invs {
		live, _, err := s.deps.Store.Invitations(ctx, volmatch.InvitationFilter{Need: inv.Need, Volunteer: inv.Volunteer,
			Status: volmatch.InviteSent, ListOptions: volmatch.ListOptions{Limit: MaxLimit}})
		if err != nil {
			return err
		}
		for _, l := range live {
			if l.Shift == inv.Shift {
				field := "top"
				if len(req.Volunteers) > 0 {
					field = fmt.Sprintf("volunteers[%d]", k)
				}
				return &volmatch.Error{Code: volmatch.ECONFLICT, Field: field,
					Message: fmt.Sprintf("volunteer %s already has a live invitation (%s) to shift %s of need %s", inv.Volunteer, l.ID, inv.Shift, inv.Need)}
			}
		}
	}
	return nil
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

func (s *Server) accept(c *gin.Context) {
	ctx := c.Request.Context()
	inv, err := s.scopedInvite(c)
	var a *volmatch.Assignment
	if err == nil {
		a, err = s.deps.Store.Accept(ctx, inv.ID, s.opt.Now())
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
