package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// invite is the call of POST /v1/needs/:id/invites: the invitations sent.
func (s *Server) invite(ctx context.Context, tok *volmatch.Token, id string, req *InviteRequest) (List[*volmatch.Invitation], error) {
	invs, err := s.eng.Invite(ctx, tok, id, *req)
	return List[*volmatch.Invitation]{Items: nonNil(invs)}, err
}

// accept is the call of POST /v1/invites/:id/accept, counted in the metrics.
func (s *Server) accept(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Assignment, error) {
	a, err := s.eng.Accept(ctx, tok, id)
	if err == nil {
		s.metrics.accepts.Inc()
	}
	return a, err
}

// signUp answers POST /v1/needs/:id/shifts/:shift/signup: 201 with the
// assignment reserved or the request awaiting approval. The body is
// optional (a volunteer signs up themself).
func (s *Server) signUp(c *gin.Context) {
	var req SignUpRequest
	if err := s.bodyOrEmpty(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.eng.SignUp(c.Request.Context(), principal(c), c.Param("id"), c.Param("shift"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	if r.Assignment != nil {
		s.metrics.accepts.Inc()
	}
	c.JSON(http.StatusCreated, r)
}

// inviteFilter reads the query of an invitation listing.
func inviteFilter(c *gin.Context) (volmatch.InvitationFilter, error) {
	f := volmatch.InvitationFilter{Need: c.Query("need"), Org: c.Query("org"), Volunteer: c.Query("volunteer")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	status, err := enumParam(c, "status", "sent", "accepted", "declined", "expired")
	f.Status = volmatch.InviteStatus(status)
	return f, err
}
