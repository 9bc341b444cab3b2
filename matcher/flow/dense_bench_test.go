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

// BenchmarkAssignDense times AssignDense on the dense matrix (scipy's
// linear_sum_assignment on the same matrix: scripts/scipy_lsa.py).
func BenchmarkAssignDense(b *testing.B) {
	for _, n := range []int{100, 300, 1000} {
		c := lsaMatrix(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var total int64
			for b.Loop() {
				var err error
				if _, total, err = flow.AssignDense(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total), "optimum")
		})
	}
}
