package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// The learning endpoints (issue 18) show planners and admins what fitting
// the scorer's weights to the outcomes would change, and let them adopt
// the fitted weights or undo an adoption. The rules (who may, which
// proposal, which adoption) are the engine's; these handlers bind and
// render.

// LearningResponse is what fitting would change: the weights in use
// beside the fitted ones, the held-out figures behind them (the time split,
// then the need split) and the proposal to adopt, or the refusal.
type LearningResponse = engine.Learning

// AdoptRequest adopts the fitted weights of one learning report.
type AdoptRequest struct {
	// Proposal is the report's proposal, as read.
	Proposal string `json:"proposal"`
}

// UndoRequest takes back the latest adoption in force.
type UndoRequest struct {
	// Adoption is its id (the last of the report's adoptions).
	Adoption string `json:"adoption"`
}

// WeightsResponse is the weights in use after an adoption or an undo, and
// the adoption made or taken back.
type WeightsResponse = engine.WeightsChange

func (s *Server) learning(c *gin.Context) {
	l, err := s.eng.Learning(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.JSON(http.StatusOK, l)
}

func (s *Server) adoptWeights(ctx context.Context, tok *volmatch.Token, _ string, req *AdoptRequest) (engine.WeightsChange, error) {
	return s.eng.AdoptWeights(ctx, tok, req.Proposal)
}

func (s *Server) undoWeights(ctx context.Context, tok *volmatch.Token, _ string, req *UndoRequest) (engine.WeightsChange, error) {
	return s.eng.UndoWeights(ctx, tok, req.Adoption)
}
