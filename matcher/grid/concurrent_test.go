package grid_test

import (
	"math/rand/v2"
	"strconv"
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

// TestConcurrentShifts builds menus, each with a scratch from one pool,
// while others put needs (some with requirements not seen before, so that
// the index numbers new classes) and delete them (run with -race).
func TestConcurrentShifts(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, volmatch.Beijing)
	need := func(r *rand.Rand, i int) *volmatch.Need {
		n := &volmatch.Need{ID: "N" + strconv.Itoa(i), Status: volmatch.NeedOpen, Domain: "elder",
			Point:    volmatch.Point{Lat: 39.85 + r.Float64()*0.1, Lng: 116.3 + r.Float64()*0.1},
			RadiusKm: 20}
		if r.IntN(2) == 0 {
			n.Requires.Languages = []string{"zh", "lang" + strconv.Itoa(r.IntN(50))}
		}
		st := t0.Add(time.Duration(r.IntN(10*24)) * time.Hour)
		n.Shifts = []volmatch.Shift{{ID: "s", Start: st, End: st.Add(2 * time.Hour), Slots: 2}}
		return n
	}
	var needs []*volmatch.Need
	for i := range 500 {
		needs = append(needs, need(r, i))
	}
	x := grid.NewShiftsOf(needs, grid.ShiftsOptions{})
	sc := scoring.NewScorer(nil, scoring.Options{})
	pool := sync.Pool{New: func() any { return &matcher.MenuScratch{} }}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for range 300 {
				if i := r.IntN(700); i%3 == 0 {
					x.Delete("N" + strconv.Itoa(i))
				} else {
					x.Put(need(r, i))
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for k := range 100 {
				v := &volmatch.Volunteer{ID: "V", Home: volmatch.Point{Lat: 39.9, Lng: 116.35}, MaxTravelKm: 15,
					Languages: []string{"zh"}}
				v.Availability = volmatch.ShiftHours(t0, t0.AddDate(0, 0, 7))
				sp := pool.Get().(*matcher.MenuScratch)
				m := matcher.Menu(v, x, sc, matcher.MenuOptions{K: 1 + k%12, Scratch: sp})
				pool.Put(sp)
				if len(m.Items) > m.Eligible || m.Eligible > m.Scanned {
					t.Errorf("Menu: %d items, %d eligible, %d scanned", len(m.Items), m.Eligible, m.Scanned)
				}
			}
		})
	}
	wg.Wait()
}
