package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"volmatch"
	"volmatch/matcher"
)

// TestMenuFloorFromLast: the menu's floor (the K-th score of the greedy
// pick under the caps) computed over the shifts that score at least the
// last floor equals the floor computed over all of them, and it never
// falls as shifts are added (the caps and K form a matroid), over random
// scores with many ties, needs, categories, K and caps.
func TestMenuFloorFromLast(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	finite := 0
	for trial := 0; trial < 2000; trial++ {
		nn, nd := 1+r.IntN(30), 1+r.IntN(6)
		needs := make([]*volmatch.Need, nn)
		for i := range needs {
			needs[i] = &volmatch.Need{ID: fmt.Sprint("N", i), Domain: fmt.Sprint("d", r.IntN(nd))}
		}
		m := 1 + r.IntN(300)
		cn, scores := make([]*volmatch.Need, m), make([]float64, m)
		for i := range cn {
			cn[i] = needs[r.IntN(nn)]
			scores[i] = float64(r.IntN(1+r.IntN(40))) / 8
		}
		var steps []int
		for k := 0; k < m; k += 1 + r.IntN(40) {
			steps = append(steps, k)
		}
		steps = append(steps, m)
		o := matcher.MenuOptions{K: 1 + r.IntN(15), PerDomain: 1 + r.IntN(4), PerNeed: 1 + r.IntN(3)}
		inc, fresh := matcher.MenuFloors(cn, scores, o, steps)
		if !slices.Equal(inc, fresh) {
			t.Fatalf("trial %d, %+v: the floors from the last floor %v, from none %v", trial, o, inc, fresh)
		}
		for i := 1; i < len(fresh); i++ {
			if fresh[i] < fresh[i-1] {
				t.Fatalf("trial %d, %+v: the floor falls from %v to %v as shifts are added", trial, o, fresh[i-1], fresh[i])
			}
		}
		if fresh[len(fresh)-1] > -1 {
			finite++
		}
	}
	if finite < 500 {
		t.Errorf("only %d trials reached a floor", finite)
	}
}
