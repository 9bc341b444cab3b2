package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// step returns the handler of one assignment step; the engine rules who
// may take it and which times and hours they may state.
func (s *Server) step(kind volmatch.StepKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := s.stepBody(c, kind)
		if err != nil {
			s.fail(c, err)
			return
		}
		a, err := s.eng.Advance(c.Request.Context(), principal(c), c.Param("id"), req)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, a)
	}
}

// stepBody decodes the body of a step (optional but for a rating).
func (s *Server) stepBody(c *gin.Context, kind volmatch.StepKind) (engine.StepRequest, error) {
	req := engine.StepRequest{Kind: kind}
	switch kind {
	case volmatch.StepCheckIn:
		var r CheckinRequest
		err := s.bodyOrEmpty(c, &r)
		req.At = r.At
		return req, err
	case volmatch.StepCheckOut:
		var r CheckoutRequest
		err := s.bodyOrEmpty(c, &r)
		req.At, req.Hours = r.At, r.Hours
		return req, err
	case volmatch.StepCorrect:
		var r CorrectRequest // certificates.go
		err := s.decode(c, &r)
		req.Hours, req.Reason = r.Hours, r.Reason
		return req, err
	case volmatch.StepRate:
		var r RatingRequest
		err := s.decode(c, &r)
		req.Rating = r.Rating
		return req, err
	default:
		var r CancelRequest
		err := s.bodyOrEmpty(c, &r)
		req.At, req.Reason = r.At, r.Reason
		return req, err
	}
}

// assignmentFilter reads the query of an assignment listing.
func assignmentFilter(c *gin.Context) (volmatch.AssignmentFilter, error) {
	f := volmatch.AssignmentFilter{Need: c.Query("need"), Shift: c.Query("shift"), Org: c.Query("org"), Volunteer: c.Query("volunteer")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	status, err := enumParam(c, "status", "reserved", "checked_in", "completed", "no_show", "cancelled")
	f.Status = volmatch.AssignmentStatus(status)
	return f, err
}
