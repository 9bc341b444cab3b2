package matcher

import (
	"context"
	"math"

	"volmatch"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// AssignSparse is Assign with the first round's sparse graph keeping each
// shift's factor × free + extra best pairs (and each volunteer's best), so
// that tests can force the verify-and-add rounds.
func AssignSparse(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions, factor, extra int) (Plan, error) {
	o = o.withDefaults()
	b, err := collect(ctx, needs, feats, sc, o)
	if err != nil {
		return Plan{}, err
	}
	b.sparseFactor, b.sparseExtra = factor, extra
	return b.solve(ctx)
}

// AssignRelaxRepair is Assign as it was before it was exact: the flow, its
// conflicts repaired and the freed slots refilled greedily (kept for the
// comparison in the tests and BenchmarkAssignOverlap).
func AssignRelaxRepair(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (Plan, error) {
	o = o.withDefaults()
	b, err := collect(ctx, needs, feats, sc, o)
	if err != nil {
		return Plan{}, err
	}
	return b.relaxAndRepair(ctx)
}

// InstanceRelaxRepair is AssignRelaxRepair over an Instance.
func InstanceRelaxRepair(ctx context.Context, in Instance) (Plan, error) {
	if err := in.Check(); err != nil {
		return Plan{}, err
	}
	return instanceBatch(in, AssignOptions{}).relaxAndRepair(ctx)
}

// MenuFloors computes the menu's floor over the prefixes cs[:k] of the
// candidates (need needs[i], score scores[i]) for each k of steps: each
// from the floor of the previous prefix, as menuShifts does, and from none.
func MenuFloors(needs []*volmatch.Need, scores []float64, o MenuOptions, steps []int) (incremental, fresh []float64) {
	o = o.withDefaults()
	cs := make([]shiftCand, len(needs))
	for i := range cs {
		cs[i] = shiftCand{n: needs[i], res: scoring.Result{Score: scores[i]}}
	}
	var a, b menuFloor
	floor := math.Inf(-1)
	for _, k := range steps {
		floor = a.compute(cs[:k], o, floor)
		incremental = append(incremental, floor)
		fresh = append(fresh, b.compute(cs[:k], o, math.Inf(-1)))
	}
	return incremental, fresh
}
