package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

func (s *Server) matches(c *gin.Context) {
	k, err := intParam(c, "k", 10, 1, MaxLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.eng.Matches(c.Request.Context(), principal(c), c.Param("id"), engine.RankOptions{K: k, Shift: c.Query("shift")})
	if err != nil {
		s.fail(c, err)
		return
	}
	resp := MatchesResponse{Need: m.Need.ID, Shift: m.Shift, Batch: m.Batch, Items: make([]MatchView, len(m.Matches)),
		Exclusions: m.Exclusions, Considered: m.Considered, Eligible: m.Eligible}
	for i, mt := range m.Matches {
		resp.Items[i] = matchView(mt)
	}
	s.metrics.matches.Add(float64(len(m.Matches)))
	c.JSON(http.StatusOK, resp)
}

func matchView(m volmatch.Match) MatchView {
	v := MatchView{Rank: m.Rank, Volunteer: m.Volunteer, Shift: m.Shift, Score: m.Score, DistanceKm: m.DistanceKm,
		Breakdown: make([]ComponentView, len(m.Breakdown))}
	for i, c := range m.Breakdown {
		v.Breakdown[i] = ComponentView{Name: c.Name, Value: c.Value, Weight: c.Weight, Contribution: c.Contribution()}
	}
	return v
}
