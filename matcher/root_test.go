package matcher_test

import (
	"context"
	"flag"
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
