package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getJob answers GET /v1/jobs/:id: a background job's status, to the
// caller that started it (or an admin).
func (s *Server) getJob(c *gin.Context) {
	j, err := s.eng.Job(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}
