package flow_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"volmatch"
	"volmatch/matcher/flow"
)

// TestSolveScalingHand runs the hand-made cases of TestSolveHand through
// the cost-scaling solver.
func TestSolveScalingHand(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		supply map[int]int64
		arcs   []arc
		want   int64
	}{
		{"path", 3, map[int]int64{0: 2, 2: -2}, []arc{{0, 1, 0, 2, 1}, {1, 2, 0, 2, 1}}, 4},
		{"two routes", 4, map[int]int64{0: 4, 3: -4},
			[]arc{{0, 1, 0, 4, 2}, {0, 2, 0, 2, 2}, {1, 3, 0, 3, 1}, {2, 3, 0, 4, 5}, {1, 2, 0, 4, 1}}, 3*(2+1) + 1*(2+5)},
		{"negative costs", 3, map[int]int64{0: 1, 2: -1}, []arc{{0, 1, 0, 1, -5}, {1, 2, 0, 1, -3}, {0, 2, 0, 1, -7}}, -8},
		{"negative cycle bounded", 3, nil, []arc{{0, 1, 0, 3, -1}, {1, 2, 0, 2, -1}, {2, 0, 0, 5, 1}}, -2},
		{"negative cycle through an unbounded arc", 3, nil, []arc{{0, 1, 0, 3, -1}, {1, 2, 0, flow.Inf, -1}, {2, 0, 0, flow.Inf, 1}}, -3},
		{"zero costs", 3, map[int]int64{0: 3, 2: -3}, []arc{{0, 1, 0, 3, 0}, {1, 2, 0, 3, 0}, {0, 2, 0, 1, 0}}, 0},
		{"lower bound forces an expensive arc", 3, map[int]int64{0: 2, 2: -2},
			[]arc{{0, 2, 0, 2, 1}, {0, 1, 1, 2, 10}, {1, 2, 0, 2, 10}}, 1 + 20},
		{"uncapacitated", 2, map[int]int64{0: 5, 1: -5}, []arc{{0, 1, 0, flow.Inf, 3}}, 15},
		{"self loop", 2, map[int]int64{0: 1, 1: -1}, []arc{{0, 0, 0, 4, -2}, {0, 1, 0, 1, 3}}, -8 + 3},
		{"empty", 0, nil, nil, 0},
		{"assignment 2x2", 4, map[int]int64{0: 1, 1: 1, 2: -1, 3: -1},
			[]arc{{0, 2, 0, 1, 4}, {0, 3, 0, 1, 1}, {1, 2, 0, 1, 2}, {1, 3, 0, 1, 3}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(tt.n, tt.supply, tt.arcs)
			res, err := flow.SolveScaling(context.Background(), g)
			if err != nil {
				t.Fatalf("SolveScaling: %v", err)
			}
			if res.Cost != tt.want {
				t.Errorf("SolveScaling cost = %d, want %d (flow %v)", res.Cost, tt.want, res.Flow)
			}
			check(t, g, res)
		})
	}
}

func TestSolveScalingErrors(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		supply map[int]int64
		arcs   []arc
		want   error
	}{
		{"capacity too small", 2, map[int]int64{0: 3, 1: -3}, []arc{{0, 1, 0, 2, 1}}, flow.ErrInfeasible},
		{"no path", 3, map[int]int64{0: 1, 2: -1}, []arc{{0, 1, 0, 1, 1}}, flow.ErrInfeasible},
		{"no path back", 3, map[int]int64{0: 1, 2: -1}, []arc{{0, 1, 0, 1, 1}, {1, 0, 0, 1, 1}}, flow.ErrInfeasible},
		{"unbalanced", 2, map[int]int64{0: 2, 1: -1}, []arc{{0, 1, 0, 5, 1}}, flow.ErrInfeasible},
		{"lower bound cannot be met", 2, nil, []arc{{0, 1, 1, 1, 0}}, flow.ErrInfeasible},
		{"unbounded negative cycle", 2, nil, []arc{{0, 1, 0, flow.Inf, -1}, {1, 0, 0, flow.Inf, 0}}, flow.ErrUnbounded},
		{"unbounded negative self loop", 1, nil, []arc{{0, 0, 0, flow.Inf, -1}}, flow.ErrUnbounded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flow.SolveScaling(context.Background(), build(tt.n, tt.supply, tt.arcs))
			if !errors.Is(err, tt.want) {
				t.Fatalf("SolveScaling err = %v, want %v", err, tt.want)
			}
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", volmatch.ErrorCode(err), volmatch.EINVALID)
			}
		})
	}
}

func TestSolveScalingCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := randomAssignment(rand.New(rand.NewPCG(1, 2)), 200, 20)
	if _, err := flow.SolveScaling(ctx, g); !errors.Is(err, context.Canceled) {
		t.Fatalf("SolveScaling on a cancelled context err = %v, want context.Canceled", err)
	}
}

// TestSolveScalingAgainstOracle compares the cost-scaling solver with the
// Bellman–Ford oracle and with the network simplex on random graphs with
// lower bounds, unbounded arcs, negative costs and infeasible supplies.
func TestSolveScalingAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 8))
	infeasible := 0
	for k := 0; k < 600; k++ {
		n := 2 + r.IntN(11)
		if k%5 == 0 {
			n = 20 + r.IntN(40)
		}
		m := r.IntN(4 * n)
		g := flow.NewGraph(n)
		for i := 0; i < m; i++ {
			u, v := r.IntN(n), r.IntN(n)
			if u == v {
				continue
			}
			var lo int64
			if r.IntN(6) == 0 {
				lo = r.Int64N(3)
			}
			up := lo + r.Int64N(10)
			c := r.Int64N(31) - 10
			if r.IntN(8) == 0 {
				c = 0
			}
			if c >= 0 && r.IntN(10) == 0 {
				up = flow.Inf
			}
			g.AddArc(u, v, lo, up, c)
		}
		for i := 0; i < 1+r.IntN(3); i++ {
			a, b, s := r.IntN(n), r.IntN(n), r.Int64N(8)
			g.AddSupply(a, s)
			g.AddSupply(b, -s)
		}
		want, ok := oracle(g)
		res, err := flow.SolveScaling(context.Background(), g)
		if !ok {
			infeasible++
			if !errors.Is(err, flow.ErrInfeasible) {
				t.Fatalf("instance %d: SolveScaling err = %v (cost %d), want ErrInfeasible", k, err, res.Cost)
			}
			continue
		}
		if err != nil {
			t.Fatalf("instance %d: SolveScaling: %v, want cost %d", k, err, want)
		}
		if res.Cost != want {
			t.Fatalf("instance %d: SolveScaling cost = %d, want %d", k, res.Cost, want)
		}
		check(t, g, res)
	}
	if infeasible == 0 || infeasible > 500 {
		t.Errorf("%d of 600 random instances infeasible: the generator should give a mix", infeasible)
	}
}

// TestSolveScalingEqualsSimplex compares the two solvers on larger random
// sparse assignments and transportation problems with wide cost ranges.
func TestSolveScalingEqualsSimplex(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 30; k++ {
		var g *flow.Graph
		if k%2 == 0 {
			g = randomAssignment(r, 100+r.IntN(400), 2+r.IntN(10))
		} else {
			// Transportation with a bypass: sources supply, sinks demand,
			// and part of the supply may stay home at a cost.
			ns, nt := 50+r.IntN(200), 20+r.IntN(50)
			g = flow.NewGraph(ns + nt + 1)
			sink := ns + nt
			var total int64
			for i := 0; i < ns; i++ {
				s := 1 + r.Int64N(3)
				total += s
				g.SetSupply(i, s)
				g.AddArc(i, sink, 0, s, 0)
				for d := 0; d < 1+r.IntN(8); d++ {
					g.AddArc(i, ns+r.IntN(nt), 0, 1+r.Int64N(2), -r.Int64N(1_000_000))
				}
			}
			for j := 0; j < nt; j++ {
				g.AddArc(ns+j, sink, 0, 1+r.Int64N(6), r.Int64N(1000))
			}
			g.SetSupply(sink, -total)
		}
		want, err := flow.Solve(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := flow.SolveScaling(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		if got.Cost != want.Cost {
			t.Fatalf("instance %d: SolveScaling cost = %d, Solve %d", k, got.Cost, want.Cost)
		}
		check(t, g, got)
	}
}
