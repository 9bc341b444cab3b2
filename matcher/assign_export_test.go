package matcher

import (
	"context"

	"volmatch"
	"volmatch/matcher/flow"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// Batch is the eligible-pair graph of an assignment problem, exported for
// the solver tests and benchmarks.
type Batch = batch

// Collect gates and scores the pairs of an assignment problem, as Assign
// does before it solves.
func Collect(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (*Batch, error) {
	return collect(ctx, needs, feats, sc, o.withDefaults())
}

// SolveWith is Assign's solve with the flow solved by solver (flow.Solve,
// the network simplex, is the reference) and each shift keeping factor ×
// free + extra pairs in the sparse round (1<<20: every pair, one solve).
func (b *batch) SolveWith(ctx context.Context, solver func(context.Context, *flow.Graph) (flow.Result, error), factor, extra int) (Plan, error) {
	c := *b
	c.solver, c.sparseFactor, c.sparseExtra = solver, factor, extra
	return c.solve(ctx)
}

// Solve is Assign's solve with its defaults.
func (b *batch) Solve(ctx context.Context) (Plan, error) { return b.solve(ctx) }
