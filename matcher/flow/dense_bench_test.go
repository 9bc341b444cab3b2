package flow_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"volmatch/matcher/flow"
)

// lsaMatrix is the dense benchmark's n×n cost matrix: integers uniform in
// [0, 10^6), seeded, so that scripts/scipy_lsa.py can time scipy's
// linear_sum_assignment on the same numbers.
func lsaMatrix(n int) [][]int64 {
	r := rand.New(rand.NewPCG(2026, uint64(n)))
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, n)
		for j := range c[i] {
			c[i][j] = r.Int64N(1_000_000)
		}
	}
	return c
}

// TestWriteLSAMatrix writes the dense benchmark's matrix (n =
// $VOLMATCH_LSA_N, default 1000) to the file $VOLMATCH_LSA_OUT, one row a
// line, with the optimum on the first line, for scripts/scipy_lsa.py. It
// does nothing unless VOLMATCH_LSA_OUT is set.
func TestWriteLSAMatrix(t *testing.T) {
	out := os.Getenv("VOLMATCH_LSA_OUT")
	if out == "" {
		t.Skip("VOLMATCH_LSA_OUT not set")
	}
	n := 1000
	if s := os.Getenv("VOLMATCH_LSA_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	c := lsaMatrix(n)
	_, total, err := flow.AssignDense(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, total)
	for _, row := range c {
		for j, x := range row {
			if j > 0 {
				w.WriteByte(' ')
			}
			w.WriteString(strconv.FormatInt(x, 10))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAssignDense times AssignDense (n=…/lapjv) on the dense matrix
// (scipy's linear_sum_assignment on the same matrix: scripts/scipy_lsa.py,
// which scripts/bench.sh runs beside it as n=1000/scipy), and
// the Hungarian method it replaced (n=…/hungarian) as the baseline.
func BenchmarkAssignDense(b *testing.B) {
	for _, n := range []int{100, 300, 1000} {
		c := lsaMatrix(n)
		b.Run(fmt.Sprintf("n=%d/lapjv", n), func(b *testing.B) {
			var total int64
			for b.Loop() {
				var err error
				if _, total, err = flow.AssignDense(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total), "optimum")
		})
		b.Run(fmt.Sprintf("n=%d/hungarian", n), func(b *testing.B) {
			var total int64
			for b.Loop() {
				total = hungarian(c)
			}
			b.ReportMetric(float64(total), "optimum")
		})
	}
}

// hungarian is the dense solver AssignDense replaced (the O(n²m)
// Hungarian method with potentials, e-maxx's form), kept as a reference.
func hungarian(cost [][]int64) int64 {
	n, m := len(cost), len(cost[0])
	const inf = int64(1) << 62
	u := make([]int64, n+1)
	v := make([]int64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]int64, m+1)
		used := make([]bool, m+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			if j0 = j1; p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	var total int64
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			total += cost[p[j]-1][j-1]
		}
	}
	return total
}

// TestAssignDenseEqualsHungarian compares AssignDense with the Hungarian
// reference on random square and rectangular matrices, with narrow cost
// ranges (many ties) and wide ones, negative costs included.
func TestAssignDenseEqualsHungarian(t *testing.T) {
	r := rand.New(rand.NewPCG(77, 78))
	for k := 0; k < 120; k++ {
		n := 1 + r.IntN(60)
		m := n
		if k%3 == 1 {
			m += r.IntN(20)
		}
		span := []int64{3, 100, 1 << 40}[k%3]
		c := make([][]int64, n)
		for i := range c {
			c[i] = make([]int64, m)
			for j := range c[i] {
				c[i][j] = r.Int64N(span) - span/3
			}
		}
		col, total, err := flow.AssignDense(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if want := hungarian(c); total != want {
			t.Fatalf("instance %d (%d×%d): AssignDense = %d, Hungarian %d", k, n, m, total, want)
		}
		seen := map[int]bool{}
		var sum int64
		for i, j := range col {
			if seen[j] || j < 0 || j >= m {
				t.Fatalf("instance %d: column %d given twice or out of range", k, j)
			}
			seen[j] = true
			sum += c[i][j]
		}
		if sum != total {
			t.Fatalf("instance %d: columns cost %d, total says %d", k, sum, total)
		}
	}
	c := lsaMatrix(300)
	if _, total, _ := flow.AssignDense(context.Background(), c); total != hungarian(c) {
		t.Errorf("AssignDense(300×300) = %d, Hungarian %d", total, hungarian(c))
	}
}
