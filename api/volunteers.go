package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) createVolunteer(c *gin.Context) {
	var v volmatch.Volunteer
	if err := s.decode(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eng.RegisterVolunteer(c.Request.Context(), principal(c), &v)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/volunteers/"+out.ID)
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getVolunteer(c *gin.Context) {
	v, err := s.eng.Volunteer(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) listVolunteers(c *gin.Context) {
	f := volmatch.VolunteerFilter{District: c.Query("district"), Street: c.Query("street"), Skill: c.Query("skill")}
	var err error
	if f.ListOptions, err = listOptions(c); err == nil {
		f.Pool, err = idParam(c, "pool")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, next, err := s.eng.Volunteers(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Volunteer]{Items: nonNil(vs), Next: nextCursor(next)})
}

func (s *Server) updateVolunteer(c *gin.Context) {
	var v volmatch.Volunteer
	if err := s.decode(c, &v); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eng.UpdateVolunteer(c.Request.Context(), principal(c), c.Param("id"), &v)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deleteVolunteer(c *gin.Context) {
	if err := s.eng.DeleteVolunteer(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
