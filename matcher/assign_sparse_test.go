package matcher_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"volmatch/matcher"
	"volmatch/matcher/flow"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
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
		ref, err := matcher.AssignSparse(context.Background(), in.needs, grid.All(in.vols), sc, o, full, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, fe := range [][2]int{{0, 0}, {0, 1}, {1, 0}} {
			got, err := matcher.AssignSparse(context.Background(), in.needs, grid.All(in.vols), sc, o, fe[0], fe[1])
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
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	src := grid.NewFeatures(vols)
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

// TestAssignEqualsReference compares Assign (sparse rounds, the network
// simplex re-solved warm from each round's optimum, pairs gated by two
// workers) with the reference: every pair in one graph, solved from the
// start by the network simplex (flow.Solve) and by cost scaling
// (flow.SolveScaling), on random mid-size instances with and without
// chains, caps and fairness. The flow optimum (Bound) must be the same to
// the unit, and so the objective when the plan is exact; one worker and
// two must give the same placements.
func TestAssignEqualsReference(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(31, 32))
	const full = 1 << 20
	for k := 0; k < 20; k++ {
		in := randInstance(r, 30+r.IntN(70), 10+r.IntN(25), k%4 == 3)
		o := matcher.AssignOptions{MaxPerVolunteer: 1 + r.IntN(3), Held: in.held, Workers: 2}
		if k%2 == 1 {
			o.FairnessStep = 0.2 * r.Float64()
		}
		got, err := matcher.Assign(context.Background(), in.needs, grid.All(in.vols), sc, o)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, in, sc, o, got, true)
		b, err := matcher.Collect(context.Background(), in.needs, grid.All(in.vols), sc, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []struct {
			name   string
			solver func(context.Context, *flow.Graph) (flow.Result, error)
		}{{"simplex", flow.Solve}, {"scaling", flow.SolveScaling}} {
			want, err := b.SolveWith(context.Background(), ref.solver, full, 0)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := math.Round(got.Bound*1e6), math.Round(want.Bound*1e6); g != w {
				t.Fatalf("instance %d: Assign Bound = %v, %s over every pair %v", k, got.Bound, ref.name, want.Bound)
			}
			if got.Exact && math.Round(got.Objective*1e6) != math.Round(want.Objective*1e6) {
				t.Fatalf("instance %d: Assign objective = %v, %s over every pair %v", k, got.Objective, ref.name, want.Objective)
			}
		}
		o.Workers = 1
		one, err := matcher.Assign(context.Background(), in.needs, grid.All(in.vols), sc, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Placements) != len(got.Placements) {
			t.Fatalf("instance %d: %d placements with one worker, %d with two", k, len(one.Placements), len(got.Placements))
		}
		for i := range one.Placements {
			if one.Placements[i] != got.Placements[i] {
				t.Fatalf("instance %d: placement %d = %+v with one worker, %+v with two", k, i, one.Placements[i], got.Placements[i])
			}
		}
	}
}

// TestAssignEqualsReferenceGenerated is TestAssignEqualsReference on a
// generated population (3,000 volunteers, 300 shifts, the real taxonomy and
// the feature index as source), where the sparse rounds add arcs back.
func TestAssignEqualsReferenceGenerated(t *testing.T) {
	vols, needs := batchInstance(3000, 300, 5)
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	src := grid.NewFeatures(vols)
	for _, o := range []matcher.AssignOptions{{MaxPerVolunteer: 2, FairnessStep: 0.05}, {MaxPerVolunteer: 3}} {
		got, err := matcher.Assign(context.Background(), needs, src, sc, o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := matcher.Collect(context.Background(), needs, src, sc, o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := b.SolveWith(context.Background(), flow.Solve, 1<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bound != want.Bound || got.Objective != want.Objective || got.Eligible != want.Eligible {
			t.Errorf("options %+v: Assign Bound %v objective %v over %d pairs, simplex over every pair %v, %v over %d",
				o, got.Bound, got.Objective, got.Eligible, want.Bound, want.Objective, want.Eligible)
		}
	}
}
