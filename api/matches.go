package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// scopedNeed loads the need of the path and checks the caller manages it.
func (s *Server) scopedNeed(c *gin.Context) (*volmatch.Need, error) {
	n, err := s.deps.Store.Need(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return n, canManageOrg(principal(c), n.Org)
}

func (s *Server) rank(ctx context.Context, n *volmatch.Need, o RankOptions) (Ranking, error) {
	if s.deps.Ranker == nil {
		return Ranking{}, volmatch.Errorf(volmatch.EUNAVAILABLE, "matching is not configured")
	}
	return s.deps.Ranker.Rank(ctx, n, o)
}

func (s *Server) matches(c *gin.Context) {
	ctx := c.Request.Context()
	k, err := intParam(c, "k", 10, 1, MaxLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.scopedNeed(c)
	if err == nil && c.Query("shift") != "" {
		if _, ok := n.Shift(c.Query("shift")); !ok {
			err = volmatch.Errorf(volmatch.ENOTFOUND, "need %s has no shift %q", n.ID, c.Query("shift"))
		}
	}
	var r Ranking
	if err == nil {
		r, err = s.rank(ctx, n, RankOptions{K: k, Shift: c.Query("shift"), After: s.opt.Now()})
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	resp := MatchesResponse{Need: n.ID, Shift: c.Query("shift"), Batch: newID("b"), Items: []MatchView{},
		Exclusions: r.Exclusions, Considered: r.Considered, Eligible: r.Eligible}
	if resp.Exclusions == nil {
		resp.Exclusions = volmatch.Exclusions{}
	}
	evs := make([]volmatch.Event, 0, len(r.Matches))
	now := s.opt.Now()
	for _, m := range r.Matches {
		resp.Items = append(resp.Items, matchView(m))
		ev := volmatch.NeedEvent(volmatch.EventMatchShown, n, now)
		ev.Shift, ev.Volunteer, ev.Rank, ev.Score, ev.Breakdown, ev.Batch = m.Shift, m.Volunteer, m.Rank, m.Score, m.Breakdown, resp.Batch
		if sh, ok := n.Shift(m.Shift); ok {
			ev.ShiftStart, ev.ShiftEnd = sh.Start, sh.End
		}
		evs = append(evs, ev)
	}
	if len(evs) > 0 {
		if err := s.deps.Store.AppendEvents(ctx, evs...); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.metrics.matches.Add(float64(len(evs)))
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
