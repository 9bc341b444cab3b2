package matcher_test

import (
	"context"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
	"volmatch/scoring"
)

// batchInstance is nv generated volunteers and the first generated needs
// (any mode, all open) up to nShifts shifts, each given slots slots.
func batchInstance(nv, nShifts, slots int) ([]*volmatch.Volunteer, []*volmatch.Need) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: nv, Needs: nShifts, Seed: 1})
	var needs []*volmatch.Need
	count := 0
	for _, n := range pop.Needs {
		if count >= nShifts {
			break
		}
		n.Status = volmatch.NeedOpen
		if len(n.Shifts) > nShifts-count {
			n.Shifts = n.Shifts[:nShifts-count]
		}
		for i := range n.Shifts {
			n.Shifts[i].Slots, n.Shifts[i].Filled = slots, 0
		}
		count += len(n.Shifts)
		needs = append(needs, n)
	}
	return pop.Volunteers, needs
}

func benchAssign(b *testing.B, nv, nShifts, slots int) {
	vols, needs := batchInstance(nv, nShifts, slots)
	tax := datasets.LoadTaxonomy()
	sc := scoring.NewScorer(tax, scoring.Options{})
	src := index.NewFeatures(vols)
	o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05}
	var plan matcher.Plan
	var err error
	for b.Loop() {
		plan, err = matcher.Assign(context.Background(), needs, src, sc, o)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	greedy, err := matcher.GreedyAssign(context.Background(), needs, src, sc, o)
	if err != nil {
		b.Fatal(err)
	}
	slotsTotal := 0
	for _, s := range plan.Shifts {
		slotsTotal += s.Free
	}
	b.ReportMetric(float64(plan.Eligible), "pairs")
	b.ReportMetric(float64(slotsTotal), "slots")
	b.ReportMetric(float64(len(plan.Placements)), "placed")
	b.ReportMetric(plan.Objective, "objective")
	b.ReportMetric(plan.Bound-plan.Objective, "gap-to-bound")
	b.ReportMetric(greedy.Objective/plan.Objective, "greedy/optimum")
	b.ReportMetric(float64(plan.Pivots), "pivots")
}

// BenchmarkAssign20k plans 20,000 volunteers into 2,000 shifts of 5 slots
// (10,000 slots), candidates from the feature index, cap 2 with fairness:
// time to the optimum (the whole Assign: gating, scoring, the flow, any
// repair), and greedy's objective as a fraction of it.
func BenchmarkAssign20k(b *testing.B) { benchAssign(b, 20000, 2000, 5) }

// BenchmarkAssignCity is the city-scale target: 100,000 volunteers into
// 10,000 shifts of 5 slots.
func BenchmarkAssignCity(b *testing.B) {
	if testing.Short() {
		b.Skip("city scale skipped in -short")
	}
	benchAssign(b, 100000, 10000, 5)
}
