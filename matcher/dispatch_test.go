package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

func dispatchInstance(r *rand.Rand, nv int) ([]*volmatch.Volunteer, *volmatch.Need) {
	var vs []*volmatch.Volunteer
	for i := 0; i < nv; i++ {
		v := randVolunteer(r, i)
		v.District = fmt.Sprintf("D%d", r.IntN(3))
		v.Street = v.District + fmt.Sprintf("S%d", r.IntN(3))
		vs = append(vs, v)
	}
	n := randNeed(r, 0, []volmatch.Shift{shiftAt("s1", 1, 9, 12, 5)})
	n.Urgency = volmatch.UrgencyEmergency
	n.District, n.Street = "D0", "D0S0"
	n.RadiusKm = 15
	return vs, n
}

func TestDispatchTiersAndWaves(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(41, 42))
	tiersSeen := map[string]int{}
	for k := 0; k < 30; k++ {
		vs, n := dispatchInstance(r, 80+r.IntN(80))
		size := 1 + r.IntN(12)
		exclude := map[string]bool{vs[0].ID: true, vs[1].ID: true}
		plan, err := matcher.Dispatch(n, grid.All(vs), sc, matcher.DispatchOptions{WaveSize: size, Exclude: exclude})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{} // eligible volunteer -> tier
		for _, v := range vs {
			if exclude[v.ID] || !v.Consent.Emergency || sc.Gate(v, n, n.Shifts[0]) != "" {
				continue
			}
			tier := matcher.TierCity
			if v.Street == n.Street {
				tier = matcher.TierStreet
			} else if v.District == n.District {
				tier = matcher.TierDistrict
			}
			want[v.ID] = tier
		}
		got := map[string]string{}
		order := map[string]int{matcher.TierStreet: 0, matcher.TierDistrict: 1, matcher.TierCity: 2}
		lastTier, lastDist := -1, -1.0
		for i, w := range plan.Waves {
			if w.Wave != i+1 {
				t.Fatalf("wave %d numbered %d", i+1, w.Wave)
			}
			if len(w.Volunteers) == 0 || len(w.Volunteers) > size {
				t.Fatalf("wave %d holds %d volunteers, size %d", w.Wave, len(w.Volunteers), size)
			}
			if order[w.Tier] < lastTier {
				t.Fatalf("wave %d of tier %s after a farther tier", w.Wave, w.Tier)
			}
			if order[w.Tier] > lastTier {
				lastTier, lastDist = order[w.Tier], -1
			}
			for _, m := range w.Volunteers {
				if _, dup := got[m.Volunteer]; dup {
					t.Fatalf("volunteer %s in two waves", m.Volunteer)
				}
				got[m.Volunteer] = w.Tier
				tiersSeen[w.Tier]++
				if m.DistanceKm < lastDist {
					t.Fatalf("wave %d: %s at %.3f km after one at %.3f km", w.Wave, m.Volunteer, m.DistanceKm, lastDist)
				}
				lastDist = m.DistanceKm
			}
			if i+1 < len(plan.Waves) && plan.Waves[i+1].Tier == w.Tier && len(w.Volunteers) != size {
				t.Fatalf("wave %d is short (%d of %d) but its tier goes on", w.Wave, len(w.Volunteers), size)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("instance %d: dispatched %d volunteers, want the %d eligible with consent in their tiers", k, len(got), len(want))
		}
		if len(plan.Waves) < 2 {
			continue
		}
		// Continuing after the first wave gives the rest of the plan.
		ex := map[string]bool{vs[0].ID: true, vs[1].ID: true}
		for _, m := range plan.Waves[0].Volunteers {
			ex[m.Volunteer] = true
		}
		next, err := matcher.Dispatch(n, grid.All(vs), sc, matcher.DispatchOptions{WaveSize: size, Exclude: ex, FirstWave: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(next.Waves, renumbered(plan.Waves[1:])) {
			t.Fatalf("instance %d: the plan after wave 1 differs from the rest of the first plan", k)
		}
	}
	if len(tiersSeen) != 3 {
		t.Errorf("tiers dispatched %v, want all three", tiersSeen)
	}
}

// renumbered returns the waves with each tier's ranks restarting, as a
// fresh plan numbers them.
func renumbered(ws []matcher.DispatchWave) []matcher.DispatchWave {
	out := make([]matcher.DispatchWave, len(ws))
	rank := map[string]int{}
	for i, w := range ws {
		out[i] = w
		out[i].Volunteers = append([]volmatch.Match(nil), w.Volunteers...)
		for j := range out[i].Volunteers {
			rank[w.Tier]++
			out[i].Volunteers[j].Rank = rank[w.Tier]
		}
	}
	return out
}

func TestDispatchRejects(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	vs, n := dispatchInstance(rand.New(rand.NewPCG(1, 1)), 5)
	normal := *n
	normal.Urgency = volmatch.UrgencyNormal
	full := *n
	full.Shifts = []volmatch.Shift{n.Shifts[0]}
	full.Shifts[0].Filled = full.Shifts[0].Slots
	closed := *n
	closed.Status = volmatch.NeedClosed
	tests := []struct {
		name string
		n    *volmatch.Need
		o    matcher.DispatchOptions
		code string
	}{
		{"not an emergency", &normal, matcher.DispatchOptions{}, volmatch.EINVALID},
		{"full", &full, matcher.DispatchOptions{}, volmatch.ECONFLICT},
		{"closed", &closed, matcher.DispatchOptions{}, volmatch.ECONFLICT},
		{"unknown shift", n, matcher.DispatchOptions{Shift: "nope"}, volmatch.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := matcher.Dispatch(tt.n, grid.All(vs), sc, tt.o)
			if volmatch.ErrorCode(err) != tt.code {
				t.Fatalf("Dispatch err = %v, want code %s", err, tt.code)
			}
		})
	}
}

// TestDispatchHeldSlots: the slots the index keeps are the busy gate of a
// dispatch, through the index and through grid.All alike, and give the
// plan a Busy callback over the same assignments gives.
func TestDispatchHeldSlots(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(43, 44))
	busySeen := 0
	for range 20 {
		vs, n := dispatchInstance(r, 120)
		s := n.Shifts[0]
		held := map[string][]volmatch.Assignment{}
		slots := map[string][]volmatch.HeldSlot{}
		for _, v := range vs {
			if r.IntN(3) == 0 {
				a := volmatch.Assignment{ID: "A" + v.ID, Volunteer: v.ID, Start: s.Start.Add(-time.Hour), End: s.Start.Add(time.Hour), Status: volmatch.AssignReserved}
				held[v.ID] = []volmatch.Assignment{a}
				slots[v.ID] = []volmatch.HeldSlot{{Assignment: a.ID, Start: a.Start, End: a.End}}
			}
		}
		want, err := matcher.Dispatch(n, grid.All(vs), sc, matcher.DispatchOptions{WaveSize: 5,
			Busy: func(id string) []volmatch.Assignment { return held[id] }})
		if err != nil {
			t.Fatal(err)
		}
		busySeen += want.Exclusions[scoring.GateBusy]
		all := grid.All(vs)
		all.LoadHeld(slots)
		idx := grid.NewFeatures(vs)
		idx.LoadHeld(slots)
		for name, f := range map[string]*grid.Features{"grid.All": all, "index": idx} {
			got, err := matcher.Dispatch(n, f, sc, matcher.DispatchOptions{WaveSize: 5})
			if err != nil {
				t.Fatal(err)
			}
			if name == "index" {
				// The index counts only the volunteers it yields (see
				// DispatchPlan.Exclusions); the busy ones are among them.
				if got.Exclusions[scoring.GateBusy] != want.Exclusions[scoring.GateBusy] {
					t.Fatalf("Dispatch through the index: %d busy, want %d", got.Exclusions[scoring.GateBusy], want.Exclusions[scoring.GateBusy])
				}
				got.Exclusions = want.Exclusions
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Dispatch through %s with held slots = %+v, want (Busy callback) %+v", name, got, want)
			}
		}
	}
	if busySeen == 0 {
		t.Fatal("no volunteer excluded as busy: the test checks nothing")
	}
}
