package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, Status{Status: "ok"}) }

// readyz answers 200 when the store answers and the indexes have caught up
// with its change feed, 503 otherwise.
func (s *Server) readyz(c *gin.Context) {
	ctx := c.Request.Context()
	if err := s.eng.Store().Ping(ctx); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.eng.CatchUp(ctx)
	if err != nil {
		s.opt.Logger.Warn("readyz: index catch-up failed", "err", volmatch.Scrub(err))
		s.fail(c, volmatch.Errorf(volmatch.EUNAVAILABLE, "the indexes cannot catch up with the store"))
		return
	}
	c.JSON(http.StatusOK, Status{Status: "ready", Applied: n})
}

func (s *Server) me(c *gin.Context) {
	t := principal(c)
	c.JSON(http.StatusOK, Me{Role: t.Role, Org: t.Org, Volunteer: t.Volunteer, Name: t.Name})
}
