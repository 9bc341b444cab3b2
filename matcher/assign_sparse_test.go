package matcher_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
	"volmatch/scoring"
)

// TestAssignSparseEqualsFull forces the sparse first round of Assign to
// keep few or no pairs per shift, so that the reduced-cost check must add
// the missing arcs back, and requires the flow optimum (Bound) to equal the
// one solved over every pair at once, and the objective the brute force's
// when the plan is exact.
func TestAssignSparseEqualsFull(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(21, 22))
	const scale = 1e6
	const full = 1 << 20 // keeps every pair: the unsparsified solve
	for k := 0; k < 120; k++ {
		in := randInstance(r, 3+r.IntN(5), 2+r.IntN(3), k%3 == 2)
		o := matcher.AssignOptions{MaxPerVolunteer: 1 + r.IntN(3), Held: in.held}
		if k%2 == 1 {
			o.FairnessStep = 0.2 * r.Float64()
		}
		ref, err := matcher.AssignSparse(context.Background(), in.needs, matcher.All(in.vols), sc, o, full, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, fe := range [][2]int{{0, 0}, {0, 1}, {1, 0}} {
			got, err := matcher.AssignSparse(context.Background(), in.needs, matcher.All(in.vols), sc, o, fe[0], fe[1])
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, in, sc, o, got, true)
			if g, w := int64(math.Round(got.Bound*scale)), int64(math.Round(ref.Bound*scale)); g != w {
				t.Fatalf("instance %d, sparse %v: Bound = %d, full solve %d", k, fe, g, w)
			}
			if got.Exact {
				pairs := eligiblePairs(in, sc, scale)
				if len(pairs) <= 22 {
					want := bruteForce(pairs, o.MaxPerVolunteer, int64(math.Round(o.FairnessStep*scale)))
					if g := int64(math.Round(got.Objective * scale)); g != want {
						t.Fatalf("instance %d, sparse %v: objective = %d, brute force %d", k, fe, g, want)
					}
				}
			}
		}
	}
}

// TestAssignSparseEqualsFullGenerated compares the sparse and the full
// solve on a generated population (the feature index as source).
func TestAssignSparseEqualsFullGenerated(t *testing.T) {
	vols, needs := batchInstance(3000, 300, 5)
	sc := scoring.NewScorer(datasets.LoadTaxonomy(), scoring.Options{})
	src := index.NewFeatures(vols)
	for _, o := range []matcher.AssignOptions{{MaxPerVolunteer: 2, FairnessStep: 0.05}, {MaxPerVolunteer: 1}} {
		ref, err := matcher.AssignSparse(context.Background(), needs, src, sc, o, 1<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, fe := range [][2]int{{0, 0}, {1, 1}, {3, 4}} {
			got, err := matcher.AssignSparse(context.Background(), needs, src, sc, o, fe[0], fe[1])
			if err != nil {
				t.Fatal(err)
			}
			if g, w := int64(math.Round(got.Bound*1e6)), int64(math.Round(ref.Bound*1e6)); g != w {
				t.Errorf("options %+v, sparse %v: Bound = %d, full solve %d", o, fe, g, w)
			}
		}
		plan, err := matcher.Assign(context.Background(), needs, src, sc, o)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Bound != ref.Bound || plan.Eligible != ref.Eligible {
			t.Errorf("options %+v: Assign Bound %v over %d pairs, full solve %v over %d", o, plan.Bound, plan.Eligible, ref.Bound, ref.Eligible)
		}
	}
}

// BenchmarkAssign50k is the mid size between Assign20k and AssignCity:
// 50,000 volunteers into 5,000 shifts of 5 slots (about 20 eligible shifts
// per volunteer, as at the other sizes).
func BenchmarkAssign50k(b *testing.B) {
	if testing.Short() {
		b.Skip("50k skipped in -short")
	}
	benchAssign(b, 50000, 5000, 5)
}

// BenchmarkAssign50kDense is the 50k instance as generated, without the
// radii shrunk: about 57 eligible shifts per volunteer (2.8 M pairs), the
// instance of the figures before the instances were made to match.
func BenchmarkAssign50kDense(b *testing.B) {
	if testing.Short() {
		b.Skip("50k skipped in -short")
	}
	vols, needs := batchInstanceDensity(50000, 5000, 5, 1)
	benchAssignOn(b, vols, needs)
}
