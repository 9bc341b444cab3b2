package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// step returns the handler of one assignment step. Rating and no-show are
// for the organisation's staff (the route's roles); check-in, check-out and
// cancel also for the volunteer themself.
func (s *Server) step(kind volmatch.StepKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		st, err := s.stepBody(c, kind)
		var a *volmatch.Assignment
		if err == nil {
			a, err = s.scopedAssignment(c)
		}
		if err == nil {
			a, err = s.deps.Store.Advance(ctx, a.ID, st)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		s.synced(ctx)
		c.JSON(http.StatusOK, a)
	}
}

// stepBody decodes the body of a step (optional but for rating). Times and
// hours are the organisation's to record (谁组织谁记录): a volunteer checks
// in and out at the server's clock and may not state them.
func (s *Server) stepBody(c *gin.Context, kind volmatch.StepKind) (volmatch.Step, error) {
	st := volmatch.Step{Kind: kind}
	self := principal(c).Role == volmatch.RoleVolunteer
	switch kind {
	case volmatch.StepCheckIn:
		var r CheckinRequest
		err := s.bodyOrEmpty(c, &r)
		if err == nil && self && r.At != nil {
			err = forbidden("a volunteer checks in at the server's clock; the organisation records other times")
		}
		st.At = s.at(r.At)
		return st, err
	case volmatch.StepCheckOut:
		var r CheckoutRequest
		err := s.bodyOrEmpty(c, &r)
		if err == nil && self && (r.At != nil || r.Hours != 0) {
			err = forbidden("a volunteer checks out at the server's clock; the organisation records hours")
		}
		st.At, st.Hours = s.at(r.At), r.Hours
		return st, err
	case volmatch.StepRate:
		var r RatingRequest
		err := s.decode(c, &r)
		st.At, st.Rating = s.opt.Now(), r.Rating
		if err == nil && (r.Rating < 1 || r.Rating > 5) {
			err = volmatch.FieldError("rating", "must be 1 to 5, got %d", r.Rating)
		}
		return st, err
	default:
		var r CancelRequest
		err := s.bodyOrEmpty(c, &r)
		if err == nil && self && r.At != nil {
			err = forbidden("a volunteer cancels at the server's clock")
		}
		st.At, st.Reason = s.at(r.At), r.Reason
		return st, err
	}
}

func (s *Server) scopedAssignment(c *gin.Context) (*volmatch.Assignment, error) {
	a, err := s.deps.Store.Assignment(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return a, canActOn(principal(c), a.Org, a.Volunteer)
}

func (s *Server) getAssignment(c *gin.Context) {
	a, err := s.scopedAssignment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) listAssignments(c *gin.Context) {
	var f volmatch.AssignmentFilter
	var err error
	var status string
	if f.ListOptions, err = listOptions(c); err == nil {
		status, err = enumParam(c, "status", "reserved", "checked_in", "completed", "no_show", "cancelled")
	}
	f.Status, f.Need, f.Shift = volmatch.AssignmentStatus(status), c.Query("need"), c.Query("shift")
	f.Org, f.Volunteer = c.Query("org"), c.Query("volunteer")
	if err == nil {
		err = scope(principal(c), &f.Org, &f.Volunteer)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.deps.Store.Assignments(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Assignment]{Items: nonNil(as), Next: nextCursor(next)})
}
