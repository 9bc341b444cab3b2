package matcher_test

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// rootSteps makes TestRootSteps retrace the root of the search on a
// chained week of that many volunteers.
var rootSteps = flag.Int("root-steps", 0, "TestRootSteps: volunteers of the chained week (0: skip)")

// TestRootSteps prints what the root of Assign's search reaches on
// BenchmarkAssignOverlap's chained week after 0, 60, 150 and 300
// subgradient steps, in CPU seconds: on a machine shared with other work
// a wall-clock time limit says little. Run with
//
//	go test -run TestRootSteps -v -root-steps 100000 ./matcher/
func TestRootSteps(t *testing.T) {
	if *rootSteps == 0 {
		t.Skip("-root-steps not given")
	}
	vols, needs := overlapWeek(*rootSteps, *rootSteps/10, 5)
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05}
	b, err := matcher.Collect(context.Background(), needs, grid.NewFeatures(vols), sc, o)
	if err != nil {
		t.Fatal(err)
	}
	b.RootSteps(t.Logf, []int{0, 60, 150, 300})
}

// BenchmarkLagrangeBound is one bound of the subgradient (every
// volunteer's best schedule at the first flow's prices) on the chained
// weeks of BenchmarkAssignOverlap, by lagrangeBound and by the code it
// replaced (ref: each volunteer's pairs sorted at every call, one core).
func BenchmarkLagrangeBound(b *testing.B) {
	for _, nv := range []int{10000, 100000} {
		vols, needs := overlapWeek(nv, nv/10, 5)
		sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
		o := matcher.AssignOptions{MaxPerVolunteer: 2, FairnessStep: 0.05}
		batch, err := matcher.Collect(context.Background(), needs, grid.NewFeatures(vols), sc, o)
		if err != nil {
			b.Fatal(err)
		}
		for _, ref := range []bool{true, false} {
			name := "schedules"
			if ref {
				name = "ref"
			}
			b.Run(fmt.Sprintf("n=%d/%s", nv, name), func(b *testing.B) {
				bound, err := batch.LagrangeBound(context.Background(), ref)
				if err != nil {
					b.Fatal(err)
				}
				want := bound()
				cpu := cpuTime()
				b.ResetTimer()
				for b.Loop() {
					if got := bound(); got != want {
						b.Fatalf("bound %d, then %d", want, got)
					}
				}
				b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			})
		}
	}
}
