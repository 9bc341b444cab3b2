package grid_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// TestConcurrent ranks while others upsert and delete volunteers and set
// their held slots (run with -race).
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
				switch i % 4 {
				case 0:
					f.Delete(v.ID)
				case 1:
					// A slot over the needs' ten days: the busy gate
					// changes while others rank.
					at := needs[r.IntN(len(needs))].Shifts[0].Start
					f.UpsertHeld(v, []volmatch.HeldSlot{{Assignment: "A" + v.ID, Start: at, End: at.Add(time.Hour)}})
				case 2:
					f.SetHeld(v.ID, nil)
				default:
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
