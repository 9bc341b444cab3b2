package parallel_test

import (
	"sync/atomic"
	"testing"

	"volmatch/internal/parallel"
)

func TestForCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 1000, 100003} {
		seen := make([]atomic.Int32, n)
		parallel.For(n, 64, func(i int) { seen[i].Add(1) })
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("For(%d): index %d called %d times, want 1", n, i, c)
			}
		}
	}
}
