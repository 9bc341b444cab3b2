package flow_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"volmatch"
	"volmatch/matcher/flow"
)

type arc struct {
	from, to           int
	lower, upper, cost int64
}

func build(n int, supply map[int]int64, arcs []arc) *flow.Graph {
	g := flow.NewGraph(n)
	for v, s := range supply {
		g.SetSupply(v, s)
	}
	for _, a := range arcs {
		g.AddArc(a.from, a.to, a.lower, a.upper, a.cost)
	}
	return g
}

// check asserts that res is a feasible flow of g whose cost is res.Cost and
// whose potentials prove it optimal (complementary slackness).
func check(t *testing.T, g *flow.Graph, res flow.Result) {
	t.Helper()
	bal := make([]int64, g.Nodes())
	var cost int64
	for i := 0; i < g.Arcs(); i++ {
		u, v, lo, up, c := g.Arc(i)
		f := res.Flow[i]
		if f < lo || f > up {
			t.Fatalf("arc %d carries %d, outside [%d, %d]", i, f, lo, up)
		}
		bal[u] -= f
		bal[v] += f
		cost += f * c
		rc := c + res.Potential[u] - res.Potential[v]
		if f < up && rc < 0 {
			t.Fatalf("arc %d: flow %d below upper %d with reduced cost %d < 0", i, f, up, rc)
		}
		if f > lo && rc > 0 {
			t.Fatalf("arc %d: flow %d above lower %d with reduced cost %d > 0", i, f, lo, rc)
		}
	}
	for v := range bal {
		if bal[v] != -g.Supply(v) {
			t.Fatalf("node %d: net inflow %d, want %d", v, bal[v], -g.Supply(v))
		}
	}
	if cost != res.Cost {
		t.Fatalf("Result.Cost = %d, but the flow costs %d", res.Cost, cost)
	}
}

func TestSolveHand(t *testing.T) {
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
		{"zero costs", 3, map[int]int64{0: 3, 2: -3}, []arc{{0, 1, 0, 3, 0}, {1, 2, 0, 3, 0}, {0, 2, 0, 1, 0}}, 0},
		{"lower bound forces an expensive arc", 3, map[int]int64{0: 2, 2: -2},
			[]arc{{0, 2, 0, 2, 1}, {0, 1, 1, 2, 10}, {1, 2, 0, 2, 10}}, 1 + 20},
		{"uncapacitated", 2, map[int]int64{0: 5, 1: -5}, []arc{{0, 1, 0, flow.Inf, 3}}, 15},
		{"empty", 0, nil, nil, 0},
		{"assignment 2x2", 4, map[int]int64{0: 1, 1: 1, 2: -1, 3: -1},
			[]arc{{0, 2, 0, 1, 4}, {0, 3, 0, 1, 1}, {1, 2, 0, 1, 2}, {1, 3, 0, 1, 3}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(tt.n, tt.supply, tt.arcs)
			res, err := flow.Solve(context.Background(), g)
			if err != nil {
				t.Fatalf("Solve: %v", err)
			}
			if res.Cost != tt.want {
				t.Errorf("Solve cost = %d, want %d (flow %v)", res.Cost, tt.want, res.Flow)
			}
			check(t, g, res)
		})
	}
}

func TestSolveErrors(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		supply map[int]int64
		arcs   []arc
		want   error
	}{
		{"capacity too small", 2, map[int]int64{0: 3, 1: -3}, []arc{{0, 1, 0, 2, 1}}, flow.ErrInfeasible},
		{"no path", 3, map[int]int64{0: 1, 2: -1}, []arc{{0, 1, 0, 1, 1}}, flow.ErrInfeasible},
		{"unbalanced", 2, map[int]int64{0: 2, 1: -1}, []arc{{0, 1, 0, 5, 1}}, flow.ErrInfeasible},
		{"lower bound cannot be met", 2, nil, []arc{{0, 1, 1, 1, 0}}, flow.ErrInfeasible},
		{"unbounded negative cycle", 2, nil, []arc{{0, 1, 0, flow.Inf, -1}, {1, 0, 0, flow.Inf, 0}}, flow.ErrUnbounded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flow.Solve(context.Background(), build(tt.n, tt.supply, tt.arcs))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Solve err = %v, want %v", err, tt.want)
			}
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", volmatch.ErrorCode(err), volmatch.EINVALID)
			}
		})
	}
	t.Run("upper below lower", func(t *testing.T) {
		_, err := flow.Solve(context.Background(), build(2, nil, []arc{{0, 1, 3, 2, 0}}))
		if volmatch.ErrorCode(err) != volmatch.EINVALID {
			t.Fatalf("Solve err = %v, want EINVALID", err)
		}
	})
}

func TestSolveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := randomAssignment(rand.New(rand.NewPCG(1, 2)), 200, 20)
	if _, err := flow.Solve(ctx, g); !errors.Is(err, context.Canceled) {
		t.Fatalf("Solve on a cancelled context err = %v, want context.Canceled", err)
	}
}

// randomAssignment is a sparse n×n assignment: each row has deg random
// columns plus its diagonal (so it is feasible).
func randomAssignment(r *rand.Rand, n, deg int) *flow.Graph {
	g := flow.NewGraph(2 * n)
	for i := 0; i < n; i++ {
		g.SetSupply(i, 1)
		g.SetSupply(n+i, -1)
		g.AddArc(i, n+i, 0, 1, r.Int64N(100))
		for k := 0; k < deg; k++ {
			g.AddArc(i, n+r.IntN(n), 0, 1, r.Int64N(100))
		}
	}
	return g
}

func TestSolveDeterministic(t *testing.T) {
	g := randomAssignment(rand.New(rand.NewPCG(3, 4)), 300, 8)
	a, err := flow.Solve(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	b, err := flow.Solve(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Flow {
		if a.Flow[i] != b.Flow[i] {
			t.Fatalf("two solves differ at arc %d: %d vs %d", i, a.Flow[i], b.Flow[i])
		}
	}
	check(t, g, a)
}

// oracle solves g by successive shortest paths with Bellman-Ford: negative
// arcs are saturated first so that the residual graph has no negative
// cycle. It reports ok=false when the supplies cannot be routed. Every
// upper bound of an arc of negative cost must be finite.
func oracle(g *flow.Graph) (int64, bool) {
	n := g.Nodes()
	S, T := n, n+1
	type edge struct {
		to       int
		cap, cst int64
	}
	var es []edge
	adj := make([][]int, n+2)
	add := func(u, v int, c, cst int64) {
		adj[u] = append(adj[u], len(es))
		es = append(es, edge{v, c, cst})
		adj[v] = append(adj[v], len(es))
		es = append(es, edge{u, 0, -cst})
	}
	excess := make([]int64, n)
	for v := 0; v < n; v++ {
		excess[v] = g.Supply(v)
	}
	var base int64
	for i := 0; i < g.Arcs(); i++ {
		u, v, lo, up, c := g.Arc(i)
		excess[u] -= lo
		excess[v] += lo
		base += lo * c
		cp := up - lo
		if c < 0 {
			base += cp * c
			excess[u] -= cp
			excess[v] += cp
			add(v, u, cp, -c)
		} else {
			add(u, v, cp, c)
		}
	}
	var want int64
	for v := 0; v < n; v++ {
		if excess[v] > 0 {
			add(S, v, excess[v], 0)
			want += excess[v]
		} else if excess[v] < 0 {
			add(v, T, -excess[v], 0)
		}
	}
	const inf = int64(1) << 60
	var sent int64
	for {
		dist := make([]int64, n+2)
		prev := make([]int, n+2)
		for i := range dist {
			dist[i], prev[i] = inf, -1
		}
		dist[S] = 0
		for it := 0; it < n+2; it++ {
			changed := false
			for u := range adj {
				if dist[u] == inf {
					continue
				}
				for _, e := range adj[u] {
					if es[e].cap > 0 && dist[u]+es[e].cst < dist[es[e].to] {
						dist[es[e].to] = dist[u] + es[e].cst
						prev[es[e].to] = e
						changed = true
					}
				}
			}
			if !changed {
				break
			}
		}
		if dist[T] == inf {
			break
		}
		f := inf
		for v := T; v != S; v = es[prev[v]^1].to {
			f = min(f, es[prev[v]].cap)
		}
		for v := T; v != S; v = es[prev[v]^1].to {
			es[prev[v]].cap -= f
			es[prev[v]^1].cap += f
		}
		sent += f
		base += f * dist[T]
	}
	return base, sent == want
}

func TestSolveAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	infeasible := 0
	for k := 0; k < 600; k++ {
		n := 2 + r.IntN(11)
		if k%5 == 0 {
			n = 20 + r.IntN(40) // larger trees exercise the pivots' re-hanging
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
		res, err := flow.Solve(context.Background(), g)
		if !ok {
			infeasible++
			if !errors.Is(err, flow.ErrInfeasible) {
				t.Fatalf("instance %d: Solve err = %v (cost %d), want ErrInfeasible", k, err, res.Cost)
			}
			continue
		}
		if err != nil {
			t.Fatalf("instance %d: Solve: %v, want cost %d", k, err, want)
		}
		if res.Cost != want {
			t.Fatalf("instance %d: Solve cost = %d, want %d", k, res.Cost, want)
		}
		check(t, g, res)
	}
	if infeasible == 0 || infeasible > 500 {
		t.Errorf("%d of 600 random instances infeasible: the generator should give a mix", infeasible)
	}
}

func TestAssignDense(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for k := 0; k < 200; k++ {
		n := 1 + r.IntN(9)
		m := n + r.IntN(3)
		cost := make([][]int64, n)
		g := flow.NewGraph(n + m + 1)
		for i := range cost {
			cost[i] = make([]int64, m)
			g.SetSupply(i, 1)
			for j := range cost[i] {
				cost[i][j] = r.Int64N(41) - 20
				g.AddArc(i, n+j, 0, 1, cost[i][j])
			}
		}
		for j := 0; j < m; j++ {
			g.AddArc(n+j, n+m, 0, 1, 0)
		}
		g.SetSupply(n+m, -int64(n))
		res, err := flow.Solve(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		col, total, err := flow.AssignDense(context.Background(), cost)
		if err != nil {
			t.Fatal(err)
		}
		if total != res.Cost {
			t.Fatalf("instance %d: AssignDense total = %d, want %d", k, total, res.Cost)
		}
		seen := map[int]bool{}
		var sum int64
		for i, j := range col {
			if seen[j] {
				t.Fatalf("instance %d: column %d used twice", k, j)
			}
			seen[j] = true
			sum += cost[i][j]
		}
		if sum != total {
			t.Fatalf("instance %d: columns cost %d, total says %d", k, sum, total)
		}
	}
	if _, _, err := flow.AssignDense(context.Background(), [][]int64{{1, 2}, {3}}); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("AssignDense(ragged) err = %v, want EINVALID", err)
	}
}
