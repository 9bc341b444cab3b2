package matcher_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// overlapWeek is batchInstance crowded into one week whose shifts chain:
// every shift moves to the same weekday of the period's first week and is
// re-timed (seeded) to start at 08:00 plus a multiple of 30 minutes (up to
// 17:30) and last 2 or 3 hours, so that a volunteer's eligible shifts of
// a day overlap in chains (a 09:00–11:00, b 10:00–12:00, c 11:30–13:00).
func overlapWeek(nv, nShifts, slots int) ([]*volmatch.Volunteer, []*volmatch.Need) {
	vols, needs := batchInstance(nv, nShifts, slots)
	r := rand.New(rand.NewPCG(18, uint64(nShifts)))
	first := needs[0].Shifts[0].Start
	for _, n := range needs {
		for _, s := range n.Shifts {
			if s.Start.Before(first) {
				first = s.Start
			}
		}
	}
	y, m, d := first.In(volmatch.Beijing).Date()
	week := time.Date(y, m, d, 0, 0, 0, 0, volmatch.Beijing)
	for _, n := range needs {
		for i := range n.Shifts {
			s := &n.Shifts[i]
			day := int(s.Start.Sub(week)/(24*time.Hour)) % 7
			start := week.AddDate(0, 0, day).Add(8*time.Hour + time.Duration(r.IntN(20))*30*time.Minute)
			s.Start, s.End = start, start.Add(time.Duration(2+r.IntN(2))*time.Hour)
		}
	}
	return vols, needs
}

// overlapLimit is BenchmarkAssignOverlap's time limit at city scale. On a
// machine shared by other work a wall-clock limit buys less CPU time: a
// longer one stands for the 10 s of an idle machine (see cpu-s).
var overlapLimit = flag.Duration("overlap-limit", 10*time.Second, "BenchmarkAssignOverlap's time limit at 100,000 volunteers")

// BenchmarkAssignOverlap is Assign on chain-overlapping weeks from 1,000
// to 100,000 volunteers (a shift per 10 volunteers, 5 slots each, cap 2,
// fairness 0.05): the time to the proven optimum (exact=1), or the gap
// proven within the search's limit (10 s at 100,000 volunteers, counted
// after the first flow and its repair; 120 s below). Beside it, in the same run: greedy's objective and the old
// relax-and-repair's (AssignRelaxRepair, the plan Assign gave before it
// was exact), each over Assign's, and the old one's time.
func BenchmarkAssignOverlap(b *testing.B) {
	for _, nv := range []int{1000, 10000, 20000, 50000, 100000} {
		if nv > 20000 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("n=%d", nv), func(b *testing.B) {
			vols, needs := overlapWeek(nv, nv/10, 5)
			sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
			src := grid.NewFeatures(vols)
			// The search is stopped at 10 s at city scale (the issue's
			// target) and at 120 s below it, so that a week that does not
			// close reports its proven gap instead of running on.
			o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05, TimeLimit: 120 * time.Second}
			if nv >= 100000 {
				o.TimeLimit = *overlapLimit
			}
			var plan matcher.Plan
			var err error
			cpu := cpuTime()
			for b.Loop() {
				if plan, err = matcher.Assign(context.Background(), needs, src, sc, o); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s")
			start := time.Now()
			old, err := matcher.AssignRelaxRepair(context.Background(), needs, src, sc, o)
			if err != nil {
				b.Fatal(err)
			}
			oldTook := time.Since(start)
			greedy, err := matcher.GreedyAssign(context.Background(), needs, src, sc, o)
			if err != nil {
				b.Fatal(err)
			}
			exact := 0.0
			if plan.Exact {
				exact = 1
			}
			b.ReportMetric(exact, "exact")
			b.ReportMetric(plan.Gap/plan.Objective, "gap/objective")
			b.ReportMetric(float64(plan.Nodes), "nodes")
			b.ReportMetric(float64(plan.Eligible), "pairs")
			b.ReportMetric(plan.Objective, "objective")
			b.ReportMetric(greedy.Objective/plan.Objective, "greedy/optimum")
			b.ReportMetric(old.Objective/plan.Objective, "relax-repair/optimum")
			b.ReportMetric(float64(old.Repaired), "relax-repair-dropped")
			b.ReportMetric(oldTook.Seconds(), "relax-repair-s")
		})
	}
}
