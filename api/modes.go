package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher"
)

// The service modes: a volunteer's menu, batch assignment and emergency
// dispatch (the flows are in the engine).

// BatchResponse is the plan (volunteers by ID only) and its totals; after a
// commit, the assignments made.
type BatchResponse struct {
	DryRun     bool                `json:"dry_run"`
	Placements []matcher.Placement `json:"placements"`
	// Teams are whole teams placed first on the needs that ask for a team.
	Teams       []matcher.TeamPlacement `json:"teams,omitempty"`
	Shifts      []matcher.ShiftFill     `json:"shifts"`
	Total       float64                 `json:"total"`
	Bound       float64                 `json:"bound"`
	Unfilled    int                     `json:"unfilled"`
	Exact       bool                    `json:"exact"`
	Assignments []*volmatch.Assignment  `json:"assignments,omitempty"`
	// Job is the background job of a commit of more than one chunk
	// (answered 202, Location /v1/jobs/{id}).
	Job *volmatch.Job `json:"job,omitempty"`
}

// menu answers GET /v1/volunteers/:id/menu.
func (s *Server) menu(c *gin.Context) {
	k, err := intParam(c, "k", matcher.DefaultMenuK, 1, 100)
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.eng.Menu(c.Request.Context(), principal(c), c.Param("id"), engine.MenuOptions{K: k})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// batch answers POST /v1/assignments/batch: a dry run returns the plan, a
// commit reserves every placement, all or nothing. A batch stopped because
// the client went away or the deadline passed is counted in
// volmatch_batch_cancelled_total.
func (s *Server) batch(c *gin.Context) {
	var req BatchRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.eng.Batch(c.Request.Context(), principal(c), req)
	if errors.Is(err, engine.ErrCancelled) {
		s.cancelled.Inc()
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	p := b.Plan
	status := http.StatusOK
	if b.Job != nil {
		status = http.StatusAccepted
		c.Header("Location", "/v1/jobs/"+b.Job.ID)
	}
	c.JSON(status, BatchResponse{DryRun: b.DryRun, Placements: nonNil(p.Placements), Teams: b.Teams, Shifts: nonNil(p.Shifts),
		Total: p.Total, Bound: p.Bound, Unfilled: p.Unfilled, Exact: p.Exact, Assignments: b.Assignments, Job: b.Job})
}
