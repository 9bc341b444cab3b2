package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) invite(c *gin.Context) {
	var req InviteRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	invs, err := s.eng.Invite(c.Request.Context(), principal(c), c.Param("id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, List[*volmatch.Invitation]{Items: nonNil(invs)})
}

func (s *Server) getInvite(c *gin.Context) {
	inv, err := s.eng.Invitation(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inv)
}

func (s *Server) accept(c *gin.Context) {
	a, err := s.eng.Accept(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.accepts.Inc()
	c.JSON(http.StatusOK, a)
}

func (s *Server) decline(c *gin.Context) {
	inv, err := s.eng.Decline(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inv)
}

func (s *Server) listInvites(c *gin.Context) {
	f := volmatch.InvitationFilter{Need: c.Query("need"), Org: c.Query("org"), Volunteer: c.Query("volunteer")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		s.fail(c, err)
		return
	}
	status, err := enumParam(c, "status", "sent", "accepted", "declined", "expired")
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Status = volmatch.InviteStatus(status)
	invs, next, err := s.eng.Invitations(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Invitation]{Items: nonNil(invs), Next: nextCursor(next)})
}
