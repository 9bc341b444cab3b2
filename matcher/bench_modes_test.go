package matcher_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/flow"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// batchInstance is nv generated volunteers and the first generated needs
// (any mode, all open) up to nShifts shifts, each given slots slots.
//
// The generated city keeps its size, so more shifts make it denser: at
// 2,000 shifts a volunteer has about 22 eligible shifts, at 10,000 about
// 110. The batch has about 20 per volunteer, so beyond 2,000
// shifts every travel radius (the volunteer's and the need's) is shrunk by
// 2000/nShifts: the shifts within reach of a volunteer stay about as
// many (3–10 km becomes 0.6–2 km at 10,000 shifts).
func batchInstance(nv, nShifts, slots int) ([]*volmatch.Volunteer, []*volmatch.Need) {
	return batchInstanceDensity(nv, nShifts, slots, min(1, 2000/float64(nShifts)))
}

// batchInstanceDensity is batchInstance with every travel radius
// multiplied by shrink (1: as generated).
func batchInstanceDensity(nv, nShifts, slots int, shrink float64) ([]*volmatch.Volunteer, []*volmatch.Need) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: nv, Needs: nShifts, Seed: 1})
	for _, v := range pop.Volunteers {
		v.MaxTravelKm *= shrink
	}
	var needs []*volmatch.Need
	count := 0
	for _, n := range pop.Needs {
		if count >= nShifts {
			break
		}
		n.Status = volmatch.NeedOpen
		n.RadiusKm *= shrink
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
	benchAssignOn(b, vols, needs)
}

func benchAssignOn(b *testing.B, vols []*volmatch.Volunteer, needs []*volmatch.Need) {
	tax := taxonomy.Load()
	sc := scoring.NewScorer(tax, scoring.Options{})
	src := grid.NewFeatures(vols)
	o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05}
	var plan matcher.Plan
	var err error
	cpu := cpuTime()
	for b.Loop() {
		plan, err = matcher.Assign(context.Background(), needs, src, sc, o)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s")
	greedy, err := matcher.GreedyAssign(context.Background(), needs, src, sc, o)
	if err != nil {
		b.Fatal(err)
	}
	slotsTotal := 0
	for _, s := range plan.Shifts {
		slotsTotal += s.Free
	}
	b.ReportMetric(float64(plan.Eligible), "pairs")
	b.ReportMetric(float64(plan.Eligible)/float64(max(plan.Volunteers, 1)), "pairs/volunteer")
	b.ReportMetric(float64(plan.Solves), "solves")
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

// BenchmarkAssignSolve times the flow solve alone (the pairs gated and
// scored once), by solver and by graph: the sparse-then-verify rounds or
// every pair at once. warm is Assign's (the network simplex re-solved
// from each round's optimum); scaling and simplex solve each round anew.
func BenchmarkAssignSolve(b *testing.B) {
	for _, size := range []struct {
		name              string
		nv, nShifts, slot int
	}{{"n=20000", 20000, 2000, 5}, {"n=50000", 50000, 5000, 5}, {"n=100000", 100000, 10000, 5}} {
		if size.nv > 20000 && testing.Short() {
			continue
		}
		vols, needs := batchInstance(size.nv, size.nShifts, size.slot)
		sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
		o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05}
		batch, err := matcher.Collect(context.Background(), needs, grid.NewFeatures(vols), sc, o)
		if err != nil {
			b.Fatal(err)
		}
		for _, sv := range []struct {
			name   string
			solver func(context.Context, *flow.Graph) (flow.Result, error)
		}{{"warm", nil}, {"scaling", flow.SolveScaling}, {"simplex", flow.Solve}} {
			for _, sp := range []struct {
				name          string
				factor, extra int
			}{{"sparse", 3, 4}, {"sparse2", 2, 2}, {"sparse1", 1, 2}, {"full", 1 << 20, 0}} {
				b.Run(size.name+"/"+sv.name+"/"+sp.name, func(b *testing.B) {
					var plan matcher.Plan
					cpu := cpuTime()
					for b.Loop() {
						plan, err = batch.SolveWith(context.Background(), sv.solver, sp.factor, sp.extra)
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s")
					b.ReportMetric(plan.Objective, "objective")
					b.ReportMetric(float64(plan.Pivots), "pivots")
					b.ReportMetric(float64(plan.Solves), "solves")
				})
			}
		}
	}
}

// cpuTime is the CPU time the process has used (user and system): on a
// shared machine it measures the work where the wall clock measures the
// neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
