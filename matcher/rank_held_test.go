package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// heldPop draws, for about one volunteer in four, one to three holding
// assignments over the shifts of the population's needs (an hour either
// side of a shift, or exactly it) and a few beyond them, some cancelled
// (holding nothing): what the busy gate reads.
func heldPop(r *rand.Rand, vs []*volmatch.Volunteer, needs []*volmatch.Need) map[string][]volmatch.Assignment {
	out := map[string][]volmatch.Assignment{}
	for _, v := range vs {
		if r.IntN(4) > 0 {
			continue
		}
		for k := range 1 + r.IntN(3) {
			n := needs[r.IntN(len(needs))]
			s := n.Shifts[r.IntN(len(n.Shifts))]
			start, end := s.Start, s.End
			switch r.IntN(4) {
			case 0:
				start, end = start.Add(-time.Hour), start.Add(time.Hour)
			case 1:
				start, end = end.Add(-30*time.Minute), end.Add(2*time.Hour)
			case 2:
				start, end = end, end.Add(time.Hour) // touches, does not overlap
			}
			st := volmatch.AssignReserved
			if r.IntN(8) == 0 {
				st = volmatch.AssignCancelled
			}
			out[v.ID] = append(out[v.ID], volmatch.Assignment{ID: fmt.Sprintf("A-%s-%d", v.ID, k), Volunteer: v.ID,
				Need: n.ID, Shift: s.ID, Start: start, End: end, Status: st})
		}
	}
	return out
}

// slotsOf returns the held slots of as, for SetHeld.
func slotsOf(as []volmatch.Assignment) []volmatch.HeldSlot {
	ptrs := make([]*volmatch.Assignment, len(as))
	for i := range as {
		ptrs[i] = &as[i]
	}
	return volmatch.HeldSlotsOf(ptrs)
}

// TestRankHeldEqualsExhaustive: with the held slots in the index
// (SetHeld, LoadHeld) and no Busy callback, ranking through the index and
// through grid.All gives exactly the reference ranking whose busy gate reads
// the assignments, and the index keeps its bounded pruning (issue 17: the
// replica's read path). Then again after volunteers change (their slots
// kept), some take or drop slots, and some leave.
func TestRankHeldEqualsExhaustive(t *testing.T) {
	pop := rankPop()
	vs := slices.Clone(pop.Volunteers)
	sc := rankScorer()
	r := rand.New(rand.NewPCG(17, 1))
	held := heldPop(r, vs, pop.Needs)
	slots := map[string][]volmatch.HeldSlot{}
	for id, as := range held {
		if hs := slotsOf(as); len(hs) > 0 {
			slots[id] = hs
		}
	}
	feats := grid.NewFeatures(vs)
	feats.LoadHeld(slots)
	all := grid.All(vs)
	all.LoadHeld(slots)
	var scannedIdx, scannedAll, busy int
	check := func(phase string, needs int) {
		t.Helper()
		for i := range needs {
			n := pop.Needs[r.IntN(len(pop.Needs))]
			if i%4 != 0 {
				n = mutateNeed(r, n, vs)
			}
			o := rankOptions(r, n)
			o.Busy = nil
			ref := o
			ref.Busy = func(id string) []volmatch.Assignment { return held[id] }
			want := referenceRank(n, vs, sc, ref)
			gotAll := matcher.Rank(n, all, sc, o)
			got := matcher.Rank(n, feats, sc, o)
			if d := diffRanking(want, gotAll); d != "" {
				t.Fatalf("%s: Rank(%s, grid.All with held slots, %+v) differs from the reference %s", phase, n.ID, o, d)
			}
			if d := diffRanking(want, got); d != "" {
				t.Fatalf("%s: Rank(%s, index with held slots, %+v) differs from the reference %s\nneed: radius %v point %v requires %+v shifts %+v",
					phase, n.ID, o, d, n.RadiusKm, n.Point, n.Requires, n.Shifts)
			}
			scannedIdx += got.Scanned
			scannedAll += gotAll.Scanned
			busy += want.Exclusions[scoring.GateBusy]
		}
	}
	check("fresh", 200)
	if busy == 0 {
		t.Fatal("no volunteer was excluded as busy: the test checks nothing")
	}
	if scannedIdx*5 > scannedAll {
		t.Errorf("with held slots the index handed %d volunteers to the scorer against %d for the exhaustive scan; want at most a fifth (the pruning kept)", scannedIdx, scannedAll)
	}

	// Changes: a volunteer re-upserted keeps their slots; others take new
	// slots or lose theirs; some leave (and their slots with them).
	for i := range 2000 {
		k := r.IntN(len(vs))
		v := *vs[k]
		switch i % 4 {
		case 0:
			v.MaxTravelKm = float64(r.IntN(30))
			vs[k] = &v
			feats.Upsert(&v)
			all.Upsert(&v)
		case 1:
			more := heldPop(rand.New(rand.NewPCG(uint64(i), 3)), []*volmatch.Volunteer{vs[k]}, pop.Needs)[v.ID]
			held[v.ID] = append(held[v.ID], more...)
			feats.UpsertHeld(vs[k], slotsOf(held[v.ID]))
			all.UpsertHeld(vs[k], slotsOf(held[v.ID]))
		case 2:
			delete(held, v.ID)
			feats.SetHeld(v.ID, nil)
			all.SetHeld(v.ID, nil)
		case 3:
			feats.Delete(v.ID)
			all.Delete(v.ID)
			delete(held, v.ID)
			vs = slices.Delete(vs, k, k+1)
		}
	}
	check("after changes", 120)
}
