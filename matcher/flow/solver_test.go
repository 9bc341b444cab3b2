package flow_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"volmatch/matcher/flow"
)

// TestSolverWarm grows random graphs between solves and requires each warm
// re-solve to reach the cold solve's optimum, with proving potentials.
func TestSolverWarm(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for k := 0; k < 200; k++ {
		n := 3 + r.IntN(30)
		g := flow.NewGraph(n)
		// A feasible core: a bypass path 0 → … → n−1 that can carry
		// everything.
		var supply int64 = 1 + r.Int64N(6)
		g.SetSupply(0, supply)
		g.SetSupply(n-1, -supply)
		for v := 0; v+1 < n; v++ {
			g.AddArc(v, v+1, 0, supply, 20)
		}
		addRandom := func(cnt int) {
			for i := 0; i < cnt; i++ {
				u, v := r.IntN(n), r.IntN(n)
				if u == v {
					continue
				}
				up := 1 + r.Int64N(4)
				if r.IntN(10) == 0 {
					up = flow.Inf
				}
				c := r.Int64N(40) - 10
				if up == flow.Inf && c < 0 {
					c = -c
				}
				g.AddArc(u, v, 0, up, c)
			}
		}
		addRandom(r.IntN(2 * n))
		sv := flow.NewSolver(g)
		for round := 0; round < 4; round++ {
			got, err := sv.Solve(context.Background())
			if err != nil {
				t.Fatalf("instance %d round %d: Solver.Solve: %v", k, round, err)
			}
			want, err := flow.Solve(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cost != want.Cost {
				t.Fatalf("instance %d round %d: warm cost = %d, cold %d", k, round, got.Cost, want.Cost)
			}
			check(t, g, got)
			addRandom(1 + r.IntN(n))
		}
	}
}

// TestSolverCold checks that a change a warm start cannot take (a new
// node, a supply) is solved from the start.
func TestSolverCold(t *testing.T) {
	g := flow.NewGraph(3)
	g.SetSupply(0, 2)
	g.SetSupply(2, -2)
	g.AddArc(0, 1, 0, 2, 1)
	g.AddArc(1, 2, 0, 2, 1)
	sv := flow.NewSolver(g)
	if res, err := sv.Solve(context.Background()); err != nil || res.Cost != 4 {
		t.Fatalf("Solve = %d, %v, want 4", res.Cost, err)
	}
	x := g.AddNodes(1)
	g.AddArc(0, x, 0, 2, 0)
	g.AddArc(x, 2, 0, 2, 1)
	if res, err := sv.Solve(context.Background()); err != nil || res.Cost != 2 {
		t.Fatalf("Solve after a new node = %d, %v, want 2", res.Cost, err)
	}
	g.SetSupply(0, 1)
	g.SetSupply(2, -1)
	res, err := sv.Solve(context.Background())
	if err != nil || res.Cost != 1 {
		t.Fatalf("Solve after a supply change = %d, %v, want 1", res.Cost, err)
	}
	check(t, g, res)
}
