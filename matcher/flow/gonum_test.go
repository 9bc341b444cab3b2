package flow_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"volmatch/matcher/flow"
)

// denseCosts is a random n×n assignment cost matrix.
func denseCosts(seed uint64, n int) [][]int64 {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, n)
		for j := range c[i] {
			c[i][j] = 1 + r.Int64N(100)
		}
	}
	return c
}

func assignGraph(c [][]int64) *flow.Graph {
	n := len(c)
	g := flow.NewGraph(2 * n)
	for i := 0; i < n; i++ {
		g.SetSupply(i, 1)
		g.SetSupply(n+i, -1)
		for j := 0; j < n; j++ {
			g.AddArc(i, n+j, 0, 1, c[i][j])
		}
	}
	return g
}

// gonumAssign solves the assignment LP with gonum's simplex: n² variables,
// one equality per row and per column but the last (the constraints are
// otherwise linearly dependent, and the simplex needs full row rank).
func gonumAssign(c [][]int64) (float64, error) {
	n := len(c)
	cost := make([]float64, n*n)
	A := mat.NewDense(2*n-1, n*n, nil)
	b := make([]float64, 2*n-1)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			cost[i*n+j] = float64(c[i][j])
			A.Set(i, i*n+j, 1)
			if j < n-1 {
				A.Set(n+j, i*n+j, 1)
			}
		}
		b[i] = 1
		if i < n-1 {
			b[n+i] = 1
		}
	}
	opt, _, err := lp.Simplex(cost, A, b, 1e-10, nil)
	return opt, err
}

func TestSolveMatchesGonumLP(t *testing.T) {
	// n = 30 takes gonum's dense simplex seconds (tens under -race): the
	// sizes stop at 20.
	for _, n := range []int{3, 10, 20} {
		for seed := uint64(1); seed <= uint64(max(1, 20/n)); seed++ {
			c := denseCosts(seed, n)
			res, err := flow.Solve(context.Background(), assignGraph(c))
			if err != nil {
				t.Fatal(err)
			}
			cs, err := flow.SolveScaling(context.Background(), assignGraph(c))
			if err != nil || cs.Cost != res.Cost {
				t.Errorf("n=%d seed %d: SolveScaling = %d, %v; Solve %d", n, seed, cs.Cost, err, res.Cost)
			}
			if _, total, err := flow.AssignDense(context.Background(), c); err != nil || total != res.Cost {
				t.Errorf("n=%d seed %d: AssignDense = %d, %v; Solve %d", n, seed, total, err, res.Cost)
			}
			opt, err := gonumAssign(c)
			if err != nil {
				t.Fatalf("lp.Simplex(n=%d): %v", n, err)
			}
			if math.Abs(opt-float64(res.Cost)) > 1e-6 {
				t.Errorf("n=%d seed %d: Solve = %d, gonum lp.Simplex = %v", n, seed, res.Cost, opt)
			}
		}
	}
}

// BenchmarkSolverVsGonum compares the network simplex with gonum's dense LP
// simplex on the same random assignment instances (the objectives are
// checked equal by TestSolveMatchesGonumLP).
func BenchmarkSolverVsGonum(b *testing.B) {
	for _, n := range []int{10, 20, 30} {
		c := denseCosts(1, n)
		b.Run(fmt.Sprintf("n=%d/network-simplex", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := flow.Solve(context.Background(), assignGraph(c)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/dense-hungarian", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := flow.AssignDense(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/gonum-lp-simplex", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := gonumAssign(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
