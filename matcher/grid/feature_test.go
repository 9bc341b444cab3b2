package grid

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"volmatch"
	"volmatch/scoring"
)

var featMonday = time.Date(2026, 11, 2, 0, 0, 0, 0, volmatch.Beijing)

// featVolunteer draws a volunteer around Beijing, a few outside the grid or
// with odd values (no home, negative travel), so every path is taken.
func featVolunteer(r *rand.Rand, i int) *volmatch.Volunteer {
	v := &volmatch.Volunteer{ID: fmt.Sprintf("V%05d", i),
		Home:        volmatch.Point{Lat: 39.75 + r.Float64()*0.35, Lng: 116.2 + r.Float64()*0.45},
		MaxTravelKm: float64(r.IntN(25))}
	switch r.IntN(40) {
	case 0:
		v.Home = volmatch.Point{Lat: 39.1 + r.Float64()*0.3, Lng: 117.1 + r.Float64()*0.3} // Tianjin
	case 1:
		v.Home = volmatch.Point{Lat: math.NaN(), Lng: 116.4}
	case 2:
		v.MaxTravelKm = -1
	case 3:
		v.Home = volmatch.Point{Lat: 41.1, Lng: 117.5} // the grid's far corner, just outside
	}
	for _, k := range []string{"a", "b", "c"} {
		if r.IntN(3) == 0 {
			v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: k, Level: r.IntN(5)})
		}
	}
	for _, c := range []string{"x", "y"} {
		for range r.IntN(3) {
			v.Certificates = append(v.Certificates, volmatch.Certificate{Name: c, Expires: featMonday.Add(time.Duration(r.IntN(24*12)) * time.Hour)})
		}
	}
	for _, tr := range []string{"t1", "t2"} {
		if r.IntN(2) == 0 {
			v.Trainings = append(v.Trainings, tr, tr) // listed twice on purpose
		}
	}
	switch r.IntN(4) {
	case 0:
	case 1:
		v.InsuredUntil = featMonday.Add(time.Duration(r.IntN(24*12)) * time.Hour)
	default:
		v.InsuredUntil = featMonday.AddDate(1, 0, 0)
	}
	for _, l := range []string{"zh", "en", "yue"} {
		if r.IntN(3) > 0 {
			v.Languages = append(v.Languages, l)
		}
	}
	v.Availability = volmatch.Week{r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64()}
	if r.IntN(8) == 0 {
		d := featMonday.Add(time.Duration(r.IntN(24*10)) * time.Hour)
		v.Exceptions = []volmatch.Exception{{Start: d, End: d.Add(time.Duration(1+r.IntN(48)) * time.Hour)}}
	}
	return v
}

func featNeed(r *rand.Rand) *volmatch.Need {
	n := &volmatch.Need{ID: "N", Point: volmatch.Point{Lat: 39.8 + r.Float64()*0.25, Lng: 116.25 + r.Float64()*0.35},
		RadiusKm: []float64{0.5, 2, 5, 10, 30, 120}[r.IntN(6)]}
	if r.IntN(10) == 0 {
		n.Point = volmatch.Point{Lat: 39.3, Lng: 117.2}
	}
	for k := range 1 + r.IntN(3) {
		at := featMonday.Add(time.Duration(r.IntN(24*10)) * time.Hour)
		n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprint("s", k), Start: at, End: at.Add(time.Duration(1+r.IntN(4)) * time.Hour), Slots: 1})
	}
	if r.IntN(2) == 0 {
		n.Requires.Skills = []volmatch.SkillLevel{{Skill: []string{"a", "b", "c", "zz"}[r.IntN(4)], Level: r.IntN(4)}}
	}
	if r.IntN(2) == 0 {
		n.Requires.Certificates = []string{[]string{"x", "y"}[r.IntN(2)]}
	}
	if r.IntN(3) == 0 {
		n.Requires.Trainings = []string{"t1"}
	}
	n.Requires.Insurance = r.IntN(2) == 0
	if r.IntN(3) == 0 {
		n.Requires.Languages = []string{"en", "fr"}
	}
	return n
}

// exhaustiveCounts is what Prune must account for, computed by the scorer
// over every volunteer: the eligible (for some shift) and, for the others,
// the gate failed on the first shift.
func exhaustiveCounts(vs []*volmatch.Volunteer, n *volmatch.Need) (map[string]bool, volmatch.Exclusions) {
	return exhaustiveHeld(vs, n, nil)
}

// exhaustiveHeld is exhaustiveCounts with the busy gate over held (by
// volunteer ID), as scoring.Busy applies it.
func exhaustiveHeld(vs []*volmatch.Volunteer, n *volmatch.Need, held map[string][]volmatch.Assignment) (map[string]bool, volmatch.Exclusions) {
	eligible, ex := map[string]bool{}, volmatch.Exclusions{}
	for _, v := range vs {
		ok := false
		for _, s := range n.Shifts {
			ok = ok || gateHeld(v, n, s, held[v.ID]) == ""
		}
		if ok {
			eligible[v.ID] = true
		} else {
			ex[gateHeld(v, n, n.Shifts[0], held[v.ID])]++
		}
	}
	return eligible, ex
}

// gateHeld is scoring.Gate, then the busy gate over held.
func gateHeld(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift, held []volmatch.Assignment) string {
	if g := scoring.Gate(v, n, s); g != "" {
		return g
	}
	if scoring.Busy(held, s) {
		return scoring.GateBusy
	}
	return ""
}

// featHeld draws held assignments for about one volunteer in three, over
// the ten days the needs' shifts fall in and beyond (some long, some
// cancelled, which hold nothing), and returns them with the slots SetHeld
// takes.
func featHeld(r *rand.Rand, vs []*volmatch.Volunteer) (map[string][]volmatch.Assignment, map[string][]volmatch.HeldSlot) {
	as, slots := map[string][]volmatch.Assignment{}, map[string][]volmatch.HeldSlot{}
	for _, v := range vs {
		if r.IntN(3) > 0 {
			continue
		}
		for k := range 1 + r.IntN(3) {
			start := featMonday.Add(time.Duration(r.IntN(24*14)-24*2) * time.Hour)
			d := time.Duration(1+r.IntN(5)) * time.Hour
			if r.IntN(20) == 0 {
				d = time.Duration(24*7*(1+r.IntN(10))) * time.Hour // a long pairing
			}
			st := volmatch.AssignReserved
			if r.IntN(6) == 0 {
				st = volmatch.AssignCancelled
			}
			a := volmatch.Assignment{ID: fmt.Sprintf("A%s-%d", v.ID, k), Volunteer: v.ID, Start: start, End: start.Add(d), Status: st}
			as[v.ID] = append(as[v.ID], a)
		}
		ptrs := make([]*volmatch.Assignment, len(as[v.ID]))
		for i := range as[v.ID] {
			ptrs[i] = &as[v.ID][i]
		}
		if hs := volmatch.HeldSlotsOf(ptrs); len(hs) > 0 {
			slots[v.ID] = hs
		}
	}
	return as, slots
}

// TestPrune: the index yields every eligible volunteer, and its counts of
// the pruned plus the scorer's verdicts on the yielded equal the exhaustive
// exclusion counts.
func TestPrune(t *testing.T) {
	t.Run("free", func(t *testing.T) { testPrune(t, false) })
	t.Run("held", func(t *testing.T) { testPrune(t, true) })
}

// testPrune is TestPrune, with held slots on about a third of the
// volunteers when held: then the busy gate counts too, from the slots the
// index keeps (SetHeld, some set before a Compact, some after).
func testPrune(t *testing.T, withHeld bool) {
	r := rand.New(rand.NewPCG(5, 6))
	var vs []*volmatch.Volunteer
	for i := range 3000 {
		vs = append(vs, featVolunteer(r, i))
	}
	f := NewFeatures(vs)
	var held map[string][]volmatch.Assignment
	if withHeld {
		var slots map[string][]volmatch.HeldSlot
		held, slots = featHeld(r, vs)
		half := 0
		for id, hs := range slots {
			if half++; half%2 == 0 {
				f.SetHeld(id, hs)
			}
		}
		f.Compact()
		f.LoadHeld(slots)
		for id, hs := range slots {
			if got := f.Held(id); got.Len() != len(hs) {
				t.Fatalf("Held(%s) = %d slots, want %d", id, got.Len(), len(hs))
			}
		}
	}
	sc := scoring.NewScorer(nil, scoring.Options{})
	pruned, leftOut, busy := 0, 0, 0
	for i := range 300 {
		n := featNeed(r)
		eligible, want := exhaustiveHeld(vs, n, held)
		busy += want[scoring.GateBusy]
		got := volmatch.Exclusions{}
		yielded := map[string]bool{}
		ex, _ := f.PruneBounded(n, n.Shifts, nil, func(v *volmatch.Volunteer, h Held) float64 {
			if yielded[v.ID] {
				t.Fatalf("need %d: %s yielded twice", i, v.ID)
			}
			yielded[v.ID] = true
			ok := false
			for _, s := range n.Shifts {
				ok = ok || gateHeld(v, n, s, held[v.ID]) == ""
			}
			// The slots handed over decide the busy gate as the
			// assignments do, for every shift.
			for _, s := range n.Shifts {
				if h.Busy(s) != scoring.Busy(held[v.ID], s) {
					t.Fatalf("need %d: %s: Held.Busy(%s) = %v, scoring.Busy %v", i, v.ID, s.ID, h.Busy(s), !h.Busy(s))
				}
			}
			if !ok {
				got[gateHeld(v, n, n.Shifts[0], held[v.ID])]++
			}
			return math.Inf(-1)
		})
		for id := range eligible {
			if !yielded[id] {
				t.Fatalf("need %d (%+v): eligible %s was not yielded", i, n, id)
			}
		}
		for g, c := range ex {
			if c <= 0 {
				t.Fatalf("need %d: Prune returned %s: %d, want only positive counts", i, g, c)
			}
			got[g] += c
			pruned += c
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("need %d (%+v): exclusions (-want +got)\n-%v\n+%v", i, n, want, got)
		}
		// Bounded: with a floor above every bound, every volunteer the index
		// can decide is left out and counted eligible; the others are
		// yielded; the exclusions are the same.
		gotB, yieldedEligible := volmatch.Exclusions{}, 0
		exB, skipped := f.PruneBounded(n, n.Shifts, sc.Prepare(n, n.Shifts), func(v *volmatch.Volunteer, _ Held) float64 {
			if eligible[v.ID] {
				yieldedEligible++
			} else {
				gotB[gateHeld(v, n, n.Shifts[0], held[v.ID])]++
			}
			return math.Inf(1)
		})
		for g, c := range exB {
			gotB[g] += c
		}
		if !reflect.DeepEqual(gotB, want) || yieldedEligible+skipped != len(eligible) {
			t.Fatalf("need %d (%+v): PruneBounded exclusions (-want +got)\n-%v\n+%v\neligible %d, yielded %d + left out %d",
				i, n, want, gotB, len(eligible), yieldedEligible, skipped)
		}
		leftOut += skipped
		// Without a bound nothing is left out: PruneBounded yields the set
		// of Prune, with its exclusions.
		again := map[string]bool{}
		exN, skippedN := f.PruneBounded(n, n.Shifts, nil, func(v *volmatch.Volunteer, _ Held) float64 {
			again[v.ID] = true
			return math.Inf(1)
		})
		if !reflect.DeepEqual(again, yielded) || !reflect.DeepEqual(exN, ex) || skippedN != 0 {
			t.Fatalf("need %d: PruneBounded without a bound yields %d volunteers, leaves out %d, excludes %v; Prune %d and %v",
				i, len(again), skippedN, exN, len(yielded), ex)
		}
	}
	if pruned == 0 || leftOut == 0 {
		t.Errorf("the index pruned %d and left out %d eligible volunteers; want some of each", pruned, leftOut)
	}
	if withHeld && busy == 0 {
		t.Errorf("no volunteer was excluded as busy; want some")
	}
}

func TestUpsertDelete(t *testing.T) {
	at := featMonday.Add(24*time.Hour + 9*time.Hour)
	n := &volmatch.Need{ID: "N", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 5,
		Shifts:   []volmatch.Shift{{ID: "s", Start: at, End: at.Add(time.Hour), Slots: 1}},
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "a", Level: 2}}}}
	var week volmatch.Week
	for h := range volmatch.HoursPerWeek {
		week.Set(h)
	}
	mk := func(id string, level int) *volmatch.Volunteer {
		return &volmatch.Volunteer{ID: id, Home: volmatch.Point{Lat: 39.91, Lng: 116.4}, MaxTravelKm: 5,
			Skills: []volmatch.SkillLevel{{Skill: "a", Level: level}}, Availability: week}
	}
	ids := func(f *Features) []string {
		var out []string
		f.Prune(n, n.Shifts, func(v *volmatch.Volunteer) { out = append(out, v.ID) })
		return out
	}
	f := NewFeatures([]*volmatch.Volunteer{mk("A", 2), mk("B", 1), mk("A", 1)}) // the later A wins
	if f.Len() != 2 {
		t.Errorf("Len() = %d, want 2", f.Len())
	}
	if got := ids(f); len(got) != 0 {
		t.Errorf("Prune yields %v, want none (A replaced by level 1)", got)
	}
	f.Upsert(mk("B", 3))
	if got := ids(f); !reflect.DeepEqual(got, []string{"B"}) {
		t.Errorf("after Upsert(B level 3) Prune yields %v, want [B]", got)
	}
	f.Upsert(mk("C", 2))
	f.Delete("B")
	f.Delete("nobody")
	if got := ids(f); !reflect.DeepEqual(got, []string{"C"}) || f.Len() != 2 {
		t.Errorf("after Delete(B) Prune yields %v Len %d, want [C] and 2", got, f.Len())
	}
	moved := mk("C", 2)
	moved.Home = volmatch.Point{Lat: 40.5, Lng: 116.4}
	f.Upsert(moved)
	if got := ids(f); len(got) != 0 {
		t.Errorf("after moving C away Prune yields %v, want none", got)
	}
	f.Upsert(nil)
	f.Upsert(&volmatch.Volunteer{})
	f.Reset()
	if f.Len() != 0 || len(ids(f)) != 0 {
		t.Errorf("after Reset Len() = %d, want 0", f.Len())
	}
	d := mk("D", 3)
	f.Load([]*volmatch.Volunteer{d, mk("E", 1)})
	if got := ids(f); !reflect.DeepEqual(got, []string{"D"}) || f.Len() != 2 {
		t.Errorf("after Load Prune yields %v, want [D]", got)
	}
	// Compact keeps the answers, and the index then holds copies.
	f.Compact()
	var got *volmatch.Volunteer
	f.Prune(n, n.Shifts, func(v *volmatch.Volunteer) { got = v })
	if got == nil || got.ID != "D" || got == d || f.Len() != 2 {
		t.Errorf("after Compact Prune gave %p (original %p), Len %d; want a copy of D and 2", got, d, f.Len())
	}
	f.Upsert(mk("E", 2))
	f.Delete("D")
	if got := ids(f); !reflect.DeepEqual(got, []string{"E"}) || f.Len() != 1 {
		t.Errorf("after Compact, Upsert(E) and Delete(D) Prune yields %v Len %d, want [E] and 1", got, f.Len())
	}
}

func TestExpiries(t *testing.T) {
	var x expiries
	base := stampOf(featMonday)
	at := func(h int, ns int32) stamp { return stamp{base.sec + int64(h)*3600, ns} }
	x.add(at(0, 0), 1)
	x.add(at(0, 1), 2)
	x.add(at(30, 0), 3)
	x.add(stampOf(time.Time{}), 4) // year 1
	x.add(at(-50, 0), 5)
	for _, tc := range []struct {
		t    stamp
		want []int32 // rows cleared
	}{
		{at(-100, 0), []int32{4}},
		{at(0, 0), []int32{1, 4, 5}},
		{at(0, 1), []int32{1, 2, 4, 5}},
		{at(29, 999), []int32{1, 2, 4, 5}},
		{at(30, 0), []int32{1, 2, 3, 4, 5}},
	} {
		b := bitset{0b111111}
		x.clearUpTo(b, tc.t)
		var cleared []int32
		for r := int32(1); r <= 5; r++ {
			if !b.has(r) {
				cleared = append(cleared, r)
			}
		}
		if !reflect.DeepEqual(cleared, tc.want) {
			t.Errorf("clearUpTo(%v) cleared %v, want %v", tc.t, cleared, tc.want)
		}
	}
	x.remove(at(0, 1), 2)
	x.remove(at(30, 0), 3)
	x.remove(at(30, 0), 99) // absent: no effect
	b := bitset{0b111111}
	x.clearUpTo(b, at(1000, 0))
	if b.has(1) || b.has(4) || b.has(5) || !b.has(2) || !b.has(3) {
		t.Errorf("after removes clearUpTo cleared %b, want rows 1, 4, 5 only", ^b[0]&0b111110)
	}
	if len(x.days) != 3 {
		t.Errorf("after removes %d day buckets, want 3 (empty ones dropped)", len(x.days))
	}
}

func TestStamp(t *testing.T) {
	ts := []time.Time{{}, featMonday, featMonday.Add(time.Nanosecond), featMonday.Add(-time.Nanosecond),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1500, 1, 1, 0, 0, 0, 5, time.UTC)}
	for _, a := range ts {
		for _, b := range ts {
			if got, want := stampOf(a).after(stampOf(b)), a.After(b); got != want {
				t.Errorf("stamp(%v).after(%v) = %v, want %v", a, b, got, want)
			}
		}
		if d := stampOf(a).day(); d*86400 > a.Unix() || (d+1)*86400 <= a.Unix() {
			t.Errorf("stamp(%v).day() = %d, not the day of %d", a, d, a.Unix())
		}
	}
}

// TestBitsetGrow checks set and has against a map over random rows, the
// words exposed by a growth within the capacity zero even when the array
// held bits before (a bitset cut short and grown again), and fit keeping
// the bits.
func TestBitsetGrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	var b bitset
	want := map[int32]bool{}
	for range 5000 {
		r := int32(rng.IntN(200_000))
		b.set(r)
		want[r] = true
	}
	check := func(what string) {
		t.Helper()
		for r := int32(0); r < 200_000; r++ {
			if b.has(r) != want[r] {
				t.Fatalf("%s: has(%d) = %v, want %v", what, r, b.has(r), want[r])
			}
		}
	}
	check("after set")
	if cap(b) > 2*len(b) {
		t.Errorf("cap %d > twice len %d", cap(b), len(b))
	}
	// Cut short with ones in the cut words, then grown within capacity.
	for i := 10; i < len(b); i++ {
		b[i] = ^uint64(0)
	}
	b = b[:10]
	for r := range want {
		if r >= 640 {
			delete(want, r)
		}
	}
	b.set(199_999)
	want[199_999] = true
	check("after a growth within capacity")
	b.fit()
	if cap(b)-len(b) > len(b)/8 {
		t.Errorf("after fit: cap %d, len %d", cap(b), len(b))
	}
	check("after fit")
}

// TestSetStatsHeld: the Stats and held slots set in place are what the
// index then gives (for the grid and the exhaustive index alike, before and
// after a Compact), a reader's earlier copy keeps the old Stats, and the
// busy gate and the bound see the new ones as after a whole UpsertHeld.
func TestSetStatsHeld(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var vs []*volmatch.Volunteer
	for i := range 600 {
		vs = append(vs, featVolunteer(r, i))
	}
	_, slots := featHeld(r, vs)
	for _, compact := range []bool{false, true} {
		grid, ref := NewFeatures(vs), NewFeatures(vs) // ref takes whole UpsertHelds
		all := All(vs)
		if compact {
			grid.Compact()
			ref.Compact()
		}
		for i, v := range vs {
			if i%3 != 0 {
				continue
			}
			before, _ := grid.Volunteer(v.ID)
			st := v.Stats
			st.Load, st.Hours, st.Reliability = 1+r.IntN(4), float64(r.IntN(200)), r.Float64()
			hs := slots[v.ID]
			for _, f := range []*Features{grid, all} {
				if !f.SetStatsHeld(v.ID, st, hs) {
					t.Fatalf("SetStatsHeld(%s) = false for an indexed volunteer", v.ID)
				}
			}
			cp := *v
			cp.Stats = st
			ref.UpsertHeld(&cp, hs)
			for _, f := range []*Features{grid, all} {
				got, ok := f.Volunteer(v.ID)
				if ok { // a home may be NaN, which DeepEqual never finds equal
					g, w := *got, cp
					g.Home, w.Home = volmatch.Point{}, volmatch.Point{}
					ok = reflect.DeepEqual(g, w) && (got.Home == cp.Home || got.Home.Lat != got.Home.Lat)
				}
				if !ok || f.Held(v.ID).Len() != len(hs) {
					t.Fatalf("compact %v: after SetStatsHeld(%s) the index holds %+v with %d slots, want %+v with %d", compact, v.ID, got, f.Held(v.ID).Len(), cp, len(hs))
				}
			}
			if before.Stats != v.Stats {
				t.Fatalf("SetStatsHeld changed the copy a reader had: %+v, want %+v", before.Stats, v.Stats)
			}
		}
		if grid.SetStatsHeld("nobody", volmatch.VolunteerStats{}, nil) {
			t.Error("SetStatsHeld(nobody) = true, want false")
		}
		sc := scoring.NewScorer(nil, scoring.Options{})
		for i := range 100 {
			n := featNeed(r)
			yield := func(f *Features) (map[string]float64, volmatch.Exclusions) {
				out := map[string]float64{}
				ex, _ := f.PruneBounded(n, n.Shifts, sc.Prepare(n, n.Shifts), func(v *volmatch.Volunteer, h Held) float64 {
					busy := false
					for _, s := range n.Shifts {
						busy = busy || h.Busy(s)
					}
					out[v.ID] = float64(v.Stats.Load)
					if busy {
						out[v.ID] = -1
					}
					return math.Inf(-1)
				})
				return out, ex
			}
			got, exG := yield(grid)
			want, exW := yield(ref)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(exG, exW) {
				t.Fatalf("compact %v, need %d: the index after SetStatsHeld yields %v %v, after UpsertHeld %v %v", compact, i, got, exG, want, exW)
			}
		}
	}
}
