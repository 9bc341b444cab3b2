package matcher

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"volmatch"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// Instance is a batch assignment given as numbers rather than as needs and
// volunteers to gate and score: the format of the shared overlap instances
// (datasets.ReadBatchInstance). Gains are integers, so the plan's
// Objective and Bound are in the instance's own units.
type Instance struct {
	// MaxPerVolunteer is the most shifts one volunteer takes (≥ 1).
	MaxPerVolunteer int
	// FairnessStep is the gain given up for each additional shift: a
	// volunteer's k-th shift (k = 0, 1, ...) costs k × FairnessStep.
	FairnessStep int64
	// Volunteers are the volunteers' IDs, Shifts the shifts; pairs name
	// them by index.
	Volunteers []string
	Shifts     []InstanceShift
	// Pairs are the eligible (volunteer, shift) pairs and their gains; a
	// pair not listed is forbidden.
	Pairs []InstancePair
}

// InstanceShift is a shift of an Instance: [Start, End) with Slots free
// slots.
type InstanceShift struct {
	ID         string
	Start, End time.Time
	Slots      int
}

// InstancePair lets volunteer Volunteer take shift Shift (indexes) for
// Gain.
type InstancePair struct {
	Volunteer, Shift int
	Gain             int64
}

// MaxInstanceGain bounds a gain and the fairness step of an Instance, so
// that sums over a million pairs stay exact in int64.
const MaxInstanceGain = 1e12

// The times an Instance's shifts may take (the search compares them in
// Unix nanoseconds, defined from 1678 to 2262).
var (
	minInstanceTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstanceTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Check reports the first thing wrong with in, naming the field: indexes
// out of range, a pair given twice, a shift that ends before it starts or
// lies outside 1900–2200, negative slots, a gain or step below 0 or above
// MaxInstanceGain, a cap below 1, a negative fairness step,
// volunteer IDs given twice.
func (in Instance) Check() error {
	if in.MaxPerVolunteer < 1 {
		return volmatch.FieldError("max_per_volunteer", "must be at least 1, got %d", in.MaxPerVolunteer)
	}
	if in.FairnessStep < 0 || in.FairnessStep > MaxInstanceGain {
		return volmatch.FieldError("fairness_step", "must be between 0 and %d, got %d", int64(MaxInstanceGain), in.FairnessStep)
	}
	seen := make(map[string]bool, len(in.Volunteers))
	for i, id := range in.Volunteers {
		if id == "" || seen[id] {
			return volmatch.FieldError(fmt.Sprintf("volunteers[%d]", i), "must be a distinct non-empty ID, got %q", id)
		}
		seen[id] = true
	}
	for i, s := range in.Shifts {
		switch {
		case s.Start.Before(minInstanceTime) || s.End.After(maxInstanceTime):
			return volmatch.FieldError(fmt.Sprintf("shifts[%d]", i), "start and end must lie between 1900 and 2200")
		case !s.End.After(s.Start):
			return volmatch.FieldError(fmt.Sprintf("shifts[%d].end", i), "must be after start")
		case s.Slots < 0:
			return volmatch.FieldError(fmt.Sprintf("shifts[%d].slots", i), "must not be negative, got %d", s.Slots)
		}
	}
	pairSeen := make(map[[2]int]bool, len(in.Pairs))
	for i, p := range in.Pairs {
		switch {
		case p.Volunteer < 0 || p.Volunteer >= len(in.Volunteers):
			return volmatch.FieldError(fmt.Sprintf("pairs[%d]", i), "volunteer %d out of range (%d volunteers)", p.Volunteer, len(in.Volunteers))
		case p.Shift < 0 || p.Shift >= len(in.Shifts):
			return volmatch.FieldError(fmt.Sprintf("pairs[%d]", i), "shift %d out of range (%d shifts)", p.Shift, len(in.Shifts))
		case p.Gain < 0 || p.Gain > MaxInstanceGain:
			return volmatch.FieldError(fmt.Sprintf("pairs[%d]", i), "gain must be between 0 and %d, got %d", int64(MaxInstanceGain), p.Gain)
		case pairSeen[[2]int{p.Volunteer, p.Shift}]:
			return volmatch.FieldError(fmt.Sprintf("pairs[%d]", i), "pair (%d, %d) given twice", p.Volunteer, p.Shift)
		}
		pairSeen[[2]int{p.Volunteer, p.Shift}] = true
	}
	return nil
}

// SolveInstance solves in as Assign solves a batch: exactly, or within
// o.TimeLimit / o.MaxNodes with the proven gap. Of o only TimeLimit and
// MaxNodes are used; the cap and the fairness step are in's. A placement's
// Need is empty and its Shift the shift's ID; Score is the pair's gain.
func SolveInstance(ctx context.Context, in Instance, o AssignOptions) (Plan, error) {
	if err := in.Check(); err != nil {
		return Plan{}, err
	}
	b := instanceBatch(in, o)
	return b.solve(ctx)
}

// instanceBatch builds the batch of a checked instance: volunteers in ID
// order, shifts in the instance's order (those with slots), pairs of gain
// above 0.
func instanceBatch(in Instance, o AssignOptions) *batch {
	o.MaxPerVolunteer = in.MaxPerVolunteer
	o.FairnessStep = float64(in.FairnessStep)
	o.Scale = 1
	o.Held = nil
	o = o.withDefaults()
	b := &batch{o: o, sparseFactor: sparseFactor, sparseExtra: sparseExtra}
	order := make([]int, len(in.Volunteers))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return strings.Compare(in.Volunteers[x], in.Volunteers[y]) })
	volOf := make([]int32, len(in.Volunteers))
	b.vols = make([]*volmatch.Volunteer, len(order))
	for r, i := range order {
		volOf[i] = int32(r)
		b.vols[r] = &volmatch.Volunteer{ID: in.Volunteers[i]}
	}
	need := &volmatch.Need{}
	shiftOf := make([]int32, len(in.Shifts))
	for i, s := range in.Shifts {
		shiftOf[i] = -1
		if s.Slots > 0 {
			shiftOf[i] = int32(len(b.shifts))
			b.shifts = append(b.shifts, batchShift{need: need, s: volmatch.Shift{ID: s.ID, Start: s.Start, End: s.End, Slots: s.Slots}, free: s.Slots})
		}
	}
	timeRank := make([]int32, len(b.shifts))
	b.rankShiftsByTime(timeRank)
	part := collected{vols: b.vols, global: make([]int32, len(b.vols))}
	for i := range part.global {
		part.global[i] = int32(i)
	}
	for _, p := range in.Pairs {
		if s := shiftOf[p.Shift]; s >= 0 && p.Gain > 0 {
			part.raw = append(part.raw, rawPair{vol: volOf[p.Volunteer], shift: s, score: float64(p.Gain), gain: p.Gain})
		}
	}
	b.groupPairs([]collected{part}, timeRank)
	return b
}

// CollectInstance gates and scores the pairs of a batch as Assign does
// and returns them as an Instance: gains are round(score × o.Scale), the
// fairness step round(FairnessStep × o.Scale), shift IDs "need/shift".
// Solving it gives Assign's objective in those integer units; it is how
// test instances are written for an integer program to check.
func CollectInstance(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (Instance, error) {
	o = o.withDefaults()
	b, err := collect(ctx, needs, feats, sc, o)
	if err != nil {
		return Instance{}, err
	}
	in := Instance{MaxPerVolunteer: o.MaxPerVolunteer, FairnessStep: b.fairnessCost(1)}
	for _, v := range b.vols {
		in.Volunteers = append(in.Volunteers, v.ID)
	}
	for _, s := range b.shifts {
		in.Shifts = append(in.Shifts, InstanceShift{ID: s.need.ID + "/" + s.s.ID, Start: s.s.Start, End: s.s.End, Slots: s.free})
	}
	for _, p := range b.pairs {
		in.Pairs = append(in.Pairs, InstancePair{Volunteer: int(p.vol), Shift: int(p.shift), Gain: p.gain})
	}
	return in, nil
}
