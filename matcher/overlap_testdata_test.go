package matcher_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// writeOverlap makes TestOverlapTestdata write the instances of
// testdata/overlap anew (without optima: scripts/overlap_testdata.sh then
// has HiGHS prove them and writes them in).
var writeOverlap = flag.Bool("write-overlap", false, "write testdata/overlap/*.json anew (scripts/overlap_testdata.sh)")

// overlapTestdata are the generated instances: chain-overlapping weeks of
// the generated population (overlapWeek) at three sizes and caps, and
// small dense random ones (randOverlapInstance) where almost every
// volunteer's shifts chain.
var overlapTestdata = []struct {
	name string
	make func() (matcher.Instance, error)
}{
	{"week_2k_cap2", func() (matcher.Instance, error) { return weekInstance(2000, 5, 2, 0.05) }},
	{"week_5k_cap3", func() (matcher.Instance, error) { return weekInstance(5000, 3, 3, 0.02) }},
	{"week_10k_cap2", func() (matcher.Instance, error) { return weekInstance(10000, 5, 2, 0.05) }},
	{"dense_60x40_a", func() (matcher.Instance, error) { return denseInstance(1), nil }},
	{"dense_60x40_b", func() (matcher.Instance, error) { return denseInstance(2), nil }},
	{"dense_60x40_c", func() (matcher.Instance, error) { return denseInstance(3), nil }},
}

func weekInstance(nv, slots, maxPer int, fair float64) (matcher.Instance, error) {
	vols, needs := overlapWeek(nv, nv/10, slots)
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	return matcher.CollectInstance(context.Background(), needs, grid.NewFeatures(vols), sc,
		matcher.AssignOptions{MaxPerVolunteer: maxPer, FairnessStep: fair})
}

func denseInstance(seed uint64) matcher.Instance {
	in := randOverlapInstance(rand.New(rand.NewPCG(18, 100+seed)), 60, 40)
	in.MaxPerVolunteer = 2 + int(seed%2)
	return in
}

// TestOverlapTestdata solves every instance of testdata/overlap to the
// optimum HiGHS proved for it (scripts/overlap_milp.py), bound included.
func TestOverlapTestdata(t *testing.T) {
	if *writeOverlap {
		for _, tt := range overlapTestdata {
			in, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Create(filepath.Join("testdata", "overlap", tt.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := datasets.WriteBatchInstance(f, datasets.BatchInstance{Instance: in}); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for _, tt := range overlapTestdata {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.name == "week_10k_cap2" {
				t.Skip("the 10k week is skipped in -short")
			}
			f, err := os.Open(filepath.Join("testdata", "overlap", tt.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			bi, err := datasets.ReadBatchInstance(f)
			if err != nil {
				t.Fatal(err)
			}
			if bi.Optimum == nil {
				t.Fatalf("%s has no optimum: run scripts/overlap_testdata.sh", tt.name)
			}
			plan, err := matcher.SolveInstance(context.Background(), bi.Instance, matcher.AssignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := checkInstancePlan(t, bi.Instance, plan)
			if got != *bi.Optimum || int64(plan.Bound) != *bi.Optimum || !plan.Exact {
				t.Fatalf("SolveInstance(%s) = objective %d, bound %v, exact %v; HiGHS optimum %d", tt.name, got, int64(plan.Bound), plan.Exact, *bi.Optimum)
			}
			t.Logf("%s: %d pairs, optimum %d, %d nodes", tt.name, len(bi.Pairs), got, plan.Nodes)
		})
	}
}

func ExampleSolveInstance() {
	in := matcher.Instance{
		MaxPerVolunteer: 2,
		Volunteers:      []string{"a", "b"},
		Shifts: []matcher.InstanceShift{
			{ID: "09-11", Start: at(9, 0), End: at(11, 0), Slots: 1},
			{ID: "10-12", Start: at(10, 0), End: at(12, 0), Slots: 1},
			{ID: "1130-13", Start: at(11, 30), End: at(13, 0), Slots: 1},
		},
		// a pays best in the middle shift, which overlaps both others;
		// b may take only the first and the last.
		Pairs: []matcher.InstancePair{{0, 0, 5}, {0, 1, 8}, {0, 2, 5}, {1, 0, 4}, {1, 2, 4}},
	}
	plan, err := matcher.SolveInstance(context.Background(), in, matcher.AssignOptions{})
	if err != nil {
		panic(err)
	}
	for _, p := range plan.Placements {
		fmt.Println(p.Volunteer, p.Shift)
	}
	fmt.Println("objective", plan.Objective, "bound", plan.Bound, "exact", plan.Exact)
	// Output:
	// b 09-11
	// a 10-12
	// b 1130-13
	// objective 16 bound 16 exact true
}

// at is 2 November 2026 at h:m UTC.
func at(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, time.UTC) }

// TestOverlapTestdataLimited stops the search on every instance of
// testdata/overlap early, by time (so that the root's subgradient is cut
// and stops short to leave its plan flow time, or the flow itself is
// cut) and by nodes: the plan is still feasible, the objective at most
// HiGHS's optimum, the bound at least it, and Gap their difference.
func TestOverlapTestdataLimited(t *testing.T) {
	limits := []matcher.AssignOptions{
		{TimeLimit: time.Nanosecond}, {TimeLimit: 5 * time.Millisecond}, {TimeLimit: 50 * time.Millisecond},
		{MaxNodes: 1}, {MaxNodes: 3},
	}
	for _, tt := range overlapTestdata {
		if tt.name == "week_10k_cap2" && testing.Short() {
			continue
		}
		f, err := os.Open(filepath.Join("testdata", "overlap", tt.name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		bi, err := datasets.ReadBatchInstance(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		opt := *bi.Optimum
		for _, o := range limits {
			t.Run(fmt.Sprintf("%s/%v/%d", tt.name, o.TimeLimit, o.MaxNodes), func(t *testing.T) {
				plan, err := matcher.SolveInstance(context.Background(), bi.Instance, o)
				if err != nil {
					t.Fatal(err)
				}
				got := checkInstancePlan(t, bi.Instance, plan)
				if got > opt || int64(plan.Bound) < opt || plan.Gap != plan.Bound-plan.Objective || plan.Exact != (plan.Gap == 0) {
					t.Fatalf("SolveInstance(%s, %+v) = objective %d, bound %v, gap %v, exact %v; HiGHS optimum %d", tt.name, o, got, int64(plan.Bound), plan.Gap, plan.Exact, opt)
				}
			})
		}
	}
}
