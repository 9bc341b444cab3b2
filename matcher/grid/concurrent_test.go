package grid_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// TestConcurrent ranks while others upsert and delete (run with -race).
func TestConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	var vs []*volmatch.Volunteer
	for i := range 2000 {
		vs = append(vs, grid.FeatVolunteer(r, i))
	}
	f := grid.NewFeatures(vs)
	needs := make([]*volmatch.Need, 20)
	for i := range needs {
		needs[i] = grid.FeatNeed(r)
	}
	sc := scoring.NewScorer(nil, scoring.Options{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range 300 {
				v := grid.FeatVolunteer(r, r.IntN(2500))
				if i%3 == 0 {
					f.Delete(v.ID)
				} else {
					f.Upsert(v)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for _, n := range needs {
				rk := matcher.Rank(n, f, sc, matcher.RankOptions{K: 5})
				if rk.Considered != rk.Eligible+sumEx(rk.Exclusions) {
					t.Errorf("Rank: Considered %d != Eligible %d + excluded %v", rk.Considered, rk.Eligible, rk.Exclusions)
				}
			}
		})
	}
	wg.Wait()
}

func sumEx(ex volmatch.Exclusions) int {
	t := 0
	for _, c := range ex {
		t += c
	}
	return t
}
