package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) createVolunteer(c *gin.Context) {
	ctx := c.Request.Context()
	var v volmatch.Volunteer
	if err := s.decode(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	v.Stats, v.Hidden, v.UpdatedAt = volmatch.VolunteerStats{}, nil, s.opt.Now() // derived, never written by clients
	v.Stats.Reliability = v.Stats.ReliabilityScore()
	err := v.Validate()
	if err == nil {
		err = v.CheckSkills(s.has)
	}
	if err == nil {
		err = s.deps.Store.CreateVolunteer(ctx, &v)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Header("Location", "/v1/volunteers/"+v.ID)
	s.respondVolunteer(c, http.StatusCreated, &v)
}

func (s *Server) respondVolunteer(c *gin.Context, status int, v *volmatch.Volunteer) {
	view, err := s.viewVolunteer(c.Request.Context(), principal(c), v)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, view)
}

// selfOrStaff refuses a volunteer token acting on another volunteer's record.
func selfOrStaff(tok *volmatch.Token, id string) error {
	if tok.Role == volmatch.RoleVolunteer && tok.Volunteer != id {
		return forbidden("a volunteer may only see their own record")
	}
	return nil
}

func (s *Server) getVolunteer(c *gin.Context) {
	tok := principal(c)
	if err := selfOrStaff(tok, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Store.Volunteer(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respondVolunteer(c, http.StatusOK, v)
}

func (s *Server) listVolunteers(c *gin.Context) {
	ctx, tok := c.Request.Context(), principal(c)
	var f volmatch.VolunteerFilter
	var err error
	if f.ListOptions, err = listOptions(c); err == nil {
		f.Pool, err = idParam(c, "pool")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	f.District, f.Street, f.Skill = c.Query("district"), c.Query("street"), c.Query("skill")
	vs, next, err := s.deps.Store.Volunteers(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]*volmatch.Volunteer, len(vs))
	for i, v := range vs {
		if items[i], err = s.viewVolunteer(ctx, tok, v); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, List[*volmatch.Volunteer]{Items: items, Next: nextCursor(next)})
}

func (s *Server) updateVolunteer(c *gin.Context) {
	ctx, tok := c.Request.Context(), principal(c)
	if err := selfOrStaff(tok, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	var v volmatch.Volunteer
	if err := s.decode(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	old, err := s.deps.Store.Volunteer(ctx, c.Param("id"))
	if err == nil {
		err = pathIDMatches(&v.ID, old.ID)
	}
	if err == nil {
		// Derived fields are kept; the simulation's hidden preferences too.
		v.Stats, v.Hidden, v.UpdatedAt = old.Stats, old.Hidden, s.opt.Now()
		err = v.Validate()
	}
	if err == nil {
		err = v.CheckSkills(s.has)
	}
	if err == nil {
		err = s.deps.Store.UpdateVolunteer(ctx, &v)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	s.respondVolunteer(c, http.StatusOK, &v)
}

func (s *Server) deleteVolunteer(c *gin.Context) {
	ctx := c.Request.Context()
	if err := s.deps.Store.DeleteVolunteer(ctx, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Status(http.StatusNoContent)
}
