package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) createNeed(c *gin.Context) {
	ctx, tok := c.Request.Context(), principal(c)
	var n volmatch.Need
	if err := s.decode(c, &n); err != nil {
		s.fail(c, err)
		return
	}
	if tok.Role == volmatch.RoleSocialWorker && n.Org == "" {
		n.Org = tok.Org
	}
	if err := canManageOrg(tok, n.Org); err != nil {
		s.fail(c, err)
		return
	}
	now := s.opt.Now()
	n.PostedAt, n.UpdatedAt = now, now
	if n.Status == "" {
		n.Status = volmatch.NeedOpen
	}
	if err := s.prepareNeed(ctx, &n); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.CreateNeed(ctx, &n); err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Header("Location", "/v1/needs/"+n.ID)
	c.JSON(http.StatusCreated, &n)
}

// prepareNeed validates n and computes its Supply: the volunteers within
// reach who pass every hard gate for some shift.
func (s *Server) prepareNeed(ctx context.Context, n *volmatch.Need) error {
	for i := range n.Shifts {
		n.Shifts[i].Filled = 0 // derived: the store counts it
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if err := n.CheckSkills(s.has); err != nil {
		return err
	}
	n.Supply = 0
	if s.deps.Ranker != nil {
		r, err := s.deps.Ranker.Rank(ctx, n, RankOptions{K: 1, After: s.opt.Now()})
		if err != nil {
			return err
		}
		n.Supply = r.Eligible
	}
	return nil
}

func (s *Server) getNeed(c *gin.Context) {
	tok := principal(c)
	n, err := s.deps.Store.Need(c.Request.Context(), c.Param("id"))
	if err == nil {
		err = canSeeNeed(tok, n)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, viewNeed(tok, n))
}

func (s *Server) listNeeds(c *gin.Context) {
	var f volmatch.NeedFilter
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		s.fail(c, err)
		return
	}
	var status, mode, urgency string
	if f.Org, err = idParam(c, "org"); err == nil {
		status, err = enumParam(c, "status", "open", "closed", "cancelled")
	}
	if err == nil {
		mode, err = enumParam(c, "mode", "concentrated", "pairing", "menu")
	}
	if err == nil {
		urgency, err = enumParam(c, "urgency", "normal", "urgent", "emergency")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	f.District, f.Domain = c.Query("district"), c.Query("domain")
	f.Status, f.Mode, f.Urgency = volmatch.NeedStatus(status), volmatch.Mode(mode), volmatch.Urgency(urgency)
	tok := principal(c)
	if err := scopeNeeds(tok, &f); err != nil {
		s.fail(c, err)
		return
	}
	ns, next, err := s.deps.Store.Needs(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	for i, n := range ns {
		ns[i] = viewNeed(tok, n)
	}
	c.JSON(http.StatusOK, List[*volmatch.Need]{Items: nonNil(ns), Next: nextCursor(next)})
}

func (s *Server) updateNeed(c *gin.Context) {
	ctx, tok := c.Request.Context(), principal(c)
	var n volmatch.Need
	if err := s.decode(c, &n); err != nil {
		s.fail(c, err)
		return
	}
	old, err := s.deps.Store.Need(ctx, c.Param("id"))
	if err == nil {
		err = canManageOrg(tok, old.Org)
	}
	if err == nil {
		err = pathIDMatches(&n.ID, old.ID)
	}
	if err == nil && n.Org == "" {
		n.Org = old.Org
	}
	if err == nil {
		err = canManageOrg(tok, n.Org)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	n.PostedAt, n.UpdatedAt = old.PostedAt, s.opt.Now()
	if n.Status == "" {
		n.Status = old.Status
	}
	if err := s.prepareNeed(ctx, &n); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.UpdateNeed(ctx, &n); err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	s.respondNeed(c, n.ID)
}

func (s *Server) respondNeed(c *gin.Context, id string) {
	n, err := s.deps.Store.Need(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}

func (s *Server) deleteNeed(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := s.deps.Store.Need(ctx, c.Param("id"))
	if err == nil {
		err = canManageOrg(principal(c), n.Org)
	}
	if err == nil {
		err = s.deps.Store.DeleteNeed(ctx, n.ID)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Status(http.StatusNoContent)
}

// nonNil turns a nil slice into an empty one, so lists answer [] not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
