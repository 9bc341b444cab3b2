package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// VerifyRequest names the pending claims of a volunteer that staff verify
// (or refuse, with reject): skills by key, certificates by name,
// trainings, insurance, or all.
type VerifyRequest = volmatch.Verification

var opVerifyVolunteer = Op{Summary: "Verify (or reject) a volunteer's pending qualification claims (an organisation's staff or admin)",
	Tag: "volunteers", Params: idOnly(), Body: VerifyRequest{}, Resp: volmatch.Volunteer{}}

func (s *Server) verifyVolunteer(c *gin.Context) {
	var req VerifyRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.eng.VerifyVolunteer(c.Request.Context(), principal(c), c.Param("id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
