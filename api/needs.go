package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) createNeed(c *gin.Context) {
	var n volmatch.Need
	if err := s.decode(c, &n); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eng.PostNeed(c.Request.Context(), principal(c), &n)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/needs/"+out.ID)
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getNeed(c *gin.Context) {
	n, err := s.eng.Need(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}

func (s *Server) listNeeds(c *gin.Context) {
	f, err := needFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ns, next, err := s.eng.Needs(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Need]{Items: nonNil(ns), Next: nextCursor(next)})
}

// needFilter reads the query of a need listing.
func needFilter(c *gin.Context) (volmatch.NeedFilter, error) {
	f := volmatch.NeedFilter{District: c.Query("district"), Domain: c.Query("domain")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	if f.Org, err = idParam(c, "org"); err != nil {
		return f, err
	}
	status, err := enumParam(c, "status", "open", "closed", "cancelled")
	if err != nil {
		return f, err
	}
	mode, err := enumParam(c, "mode", "concentrated", "pairing", "menu")
	if err != nil {
		return f, err
	}
	urgency, err := enumParam(c, "urgency", "normal", "urgent", "emergency")
	f.Status, f.Mode, f.Urgency = volmatch.NeedStatus(status), volmatch.Mode(mode), volmatch.Urgency(urgency)
	return f, err
}

func (s *Server) updateNeed(c *gin.Context) {
	var n volmatch.Need
	if err := s.decode(c, &n); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eng.UpdateNeed(c.Request.Context(), principal(c), c.Param("id"), &n)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deleteNeed(c *gin.Context) {
	if err := s.eng.DeleteNeed(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// nonNil turns a nil slice into an empty one, so lists answer [] not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
