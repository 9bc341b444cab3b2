package engine

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/matcher"
)

// Pairing (结对服务): lasting one-to-one pairs of volunteers and the
// pairing-mode needs, chosen together so that the total weight is
// greatest (matcher.Pair), with every holding assignment respected.

// PairRequest lists the pairing-mode needs to pair ("" District: the
// listed needs) or a district whose open pairing needs in the caller's
// scope are paired.
type PairRequest struct {
	Needs    []string `json:"needs,omitempty"`
	District string   `json:"district,omitempty"`
}

// Pair plans the pairs of req's needs. It writes nothing: the social
// worker invites the paired volunteers.
func (e *Engine) Pair(ctx context.Context, tok *volmatch.Token, req PairRequest) (matcher.Pairing, error) {
	needs, err := e.batchNeeds(ctx, tok, BatchRequest{Needs: req.Needs, District: req.District})
	if err != nil {
		return matcher.Pairing{}, err
	}
	held, err := e.holding(ctx, "")
	if err != nil {
		return matcher.Pairing{}, fmt.Errorf("pairing: %w", err)
	}
	return matcher.Pair(ctx, needs, e.grid, e.scorer(), matcher.PairOptions{Held: held})
}
