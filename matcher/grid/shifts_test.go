package grid_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher/grid"
)

// TestShiftsNeverOmits: the index yields exactly the open shifts of the
// open needs within both the volunteer's travel limit and the need's
// radius.
func TestShiftsNeverOmits(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	var needs []*volmatch.Need
	for i := 0; i < 3000; i++ {
		n := &volmatch.Need{ID: fmt.Sprintf("N%05d", i), Status: volmatch.NeedOpen,
			Point:    volmatch.Point{Lat: 39.4 + r.Float64()*1.6, Lng: 115.5 + r.Float64()*2},
			RadiusKm: []float64{1, 5, 20, 200}[r.IntN(4)]}
		for k := 0; k < 1+r.IntN(3); k++ {
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("s%d", k), Slots: 2, Filled: r.IntN(3)})
		}
		if r.IntN(10) == 0 {
			n.Status = volmatch.NeedClosed
		}
		needs = append(needs, n)
	}
	x := grid.NewShiftsOf(needs, grid.ShiftsOptions{CellKm: 1 + r.Float64()*3})
	open := 0
	for _, n := range needs {
		for _, s := range n.Shifts {
			if n.Status == volmatch.NeedOpen && s.Filled < s.Slots {
				open++
			}
		}
	}
	if x.Len() != open {
		t.Fatalf("Len() = %d, want %d open shifts", x.Len(), open)
	}
	for k := 0; k < 300; k++ {
		v := &volmatch.Volunteer{ID: "V", Home: volmatch.Point{Lat: 39.4 + r.Float64()*1.6, Lng: 115.5 + r.Float64()*2},
			MaxTravelKm: []float64{0.5, 3, 10, 40, 150}[r.IntN(5)]}
		got := map[string]bool{}
		x.Shifts(v, func(n *volmatch.Need, s volmatch.Shift) { got[n.ID+"/"+s.ID] = true })
		for _, n := range needs {
			for _, s := range n.Shifts {
				key := n.ID + "/" + s.ID
				want := n.Status == volmatch.NeedOpen && s.Filled < s.Slots && volmatch.DistanceKm(v.Home, n.Point) <= min(v.MaxTravelKm, n.RadiusKm)
				if got[key] != want {
					t.Fatalf("Shifts(%v, %v km) yields %s: %v, want %v", v.Home, v.MaxTravelKm, key, got[key], want)
				}
			}
		}
	}
	// Closing and deleting remove a need's shifts.
	n := *needs[0]
	n.Status = volmatch.NeedClosed
	before := x.Len()
	x.Put(&n)
	x.Delete(needs[1].ID)
	x.Delete("unknown")
	want := before
	for _, m := range needs[:2] {
		if m.Status == volmatch.NeedOpen {
			for _, s := range m.Shifts {
				if s.Filled < s.Slots {
					want--
				}
			}
		}
	}
	if x.Len() != want {
		t.Fatalf("Len() after closing and deleting = %d, want %d", x.Len(), want)
	}
	v := &volmatch.Volunteer{Home: needs[0].Point, MaxTravelKm: 500}
	x.Shifts(v, func(m *volmatch.Need, _ volmatch.Shift) {
		if m.ID == needs[0].ID || m.ID == needs[1].ID {
			t.Fatalf("Shifts yields removed need %s", m.ID)
		}
	})
}

// TestShiftHours: ShiftHours yields exactly the shifts of Shifts whose
// hours the volunteer's weekly availability covers, with the shift's index,
// its hours and the distance.
func TestShiftHours(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, volmatch.Beijing)
	var needs []*volmatch.Need
	for i := 0; i < 2000; i++ {
		n := &volmatch.Need{ID: fmt.Sprintf("N%05d", i), Status: volmatch.NeedOpen,
			Point:    volmatch.Point{Lat: 39.6 + r.Float64()*0.6, Lng: 116 + r.Float64()*0.8},
			RadiusKm: []float64{2, 8, 30}[r.IntN(3)]}
		for k := 0; k < 1+r.IntN(4); k++ {
			st := t0.Add(time.Duration(r.IntN(14*24*4)) * 15 * time.Minute)
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("s%d", k), Slots: 2, Filled: r.IntN(3),
				Start: st, End: st.Add(time.Duration(r.IntN(6*4)) * 15 * time.Minute)})
		}
		needs = append(needs, n)
	}
	x := grid.NewShiftsOf(needs, grid.ShiftsOptions{})
	yielded := 0
	for k := 0; k < 200; k++ {
		v := &volmatch.Volunteer{ID: "V", Home: volmatch.Point{Lat: 39.6 + r.Float64()*0.6, Lng: 116 + r.Float64()*0.8},
			MaxTravelKm: []float64{1, 5, 15}[r.IntN(3)]}
		for h := 0; h < volmatch.HoursPerWeek; h++ {
			if r.IntN(3) > 0 {
				v.Availability.Set(h)
			}
		}
		type hit struct {
			hours volmatch.Week
			dist  float64
		}
		got := map[string]hit{}
		x.ShiftHours(v, func(n *volmatch.Need, i int, hours volmatch.Week, dist float64) {
			got[n.ID+"/"+n.Shifts[i].ID] = hit{hours, dist}
		})
		yielded += len(got)
		want := 0
		x.Shifts(v, func(n *volmatch.Need, s volmatch.Shift) {
			key := n.ID + "/" + s.ID
			hours := volmatch.ShiftHours(s.Start, s.End)
			g, ok := got[key]
			if ok != v.Availability.Covers(hours) {
				t.Fatalf("ShiftHours yields %s: %v, want %v", key, ok, !ok)
			}
			if !ok {
				return
			}
			want++
			if d := volmatch.DistanceKm(v.Home, n.Point); g.hours != hours || g.dist != d {
				t.Fatalf("ShiftHours(%s) = %v, %v km, want %v, %v km", key, g.hours, g.dist, hours, d)
			}
		})
		if len(got) != want {
			t.Fatalf("ShiftHours yields %d shifts, want %d", len(got), want)
		}
	}
	if yielded < 100 {
		t.Errorf("only %d shifts yielded: the test does not exercise ShiftHours", yielded)
	}
}

// TestShiftHoursNeedGates: ShiftHours, through the index and through
// AllShifts, yields exactly the covered shifts of the needs whose
// requirements the volunteer meets (every skill at its level, every
// training, one language when any is asked), written out here from the
// definition; the needs it passes over cost the volunteer no eligible
// shift.
func TestShiftHoursNeedGates(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, volmatch.Beijing)
	skills, trainings, langs := []string{"a", "b", "c"}, []string{"t1", "t2"}, []string{"zh", "en", "yue"}
	pick := func(of []string) []string {
		var out []string
		for _, s := range of {
			if r.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	var needs []*volmatch.Need
	for i := 0; i < 1500; i++ {
		n := &volmatch.Need{ID: fmt.Sprintf("N%05d", i), Status: volmatch.NeedOpen,
			Point:    volmatch.Point{Lat: 39.8 + r.Float64()*0.2, Lng: 116.2 + r.Float64()*0.3},
			RadiusKm: []float64{2, 8, 30}[r.IntN(3)]}
		for _, s := range pick(skills) {
			n.Requires.Skills = append(n.Requires.Skills, volmatch.SkillLevel{Skill: s, Level: 1 + r.IntN(3)})
		}
		n.Requires.Trainings, n.Requires.Languages = pick(trainings), pick(langs)
		for k := 0; k < 1+r.IntN(3); k++ {
			st := t0.Add(time.Duration(r.IntN(14*24*4)) * 15 * time.Minute)
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("s%d", k), Slots: 1,
				Start: st, End: st.Add(time.Duration(1+r.IntN(3)) * time.Hour)})
		}
		needs = append(needs, n)
	}
	meets := func(v *volmatch.Volunteer, n *volmatch.Need) bool {
		for _, req := range n.Requires.Skills {
			ok := false
			for _, s := range v.Skills {
				ok = ok || s.Skill == req.Skill && s.Level >= req.Level
			}
			if !ok {
				return false
			}
		}
		for _, tr := range n.Requires.Trainings {
			if !slices.Contains(v.Trainings, tr) {
				return false
			}
		}
		if len(n.Requires.Languages) == 0 {
			return true
		}
		for _, l := range n.Requires.Languages {
			if slices.Contains(v.Languages, l) {
				return true
			}
		}
		return false
	}
	x := grid.NewShiftsOf(needs, grid.ShiftsOptions{})
	all := grid.AllShifts(needs)
	passed, withReq := 0, 0
	for k := 0; k < 150; k++ {
		v := &volmatch.Volunteer{ID: "V", Home: volmatch.Point{Lat: 39.8 + r.Float64()*0.2, Lng: 116.2 + r.Float64()*0.3},
			MaxTravelKm: []float64{3, 10, 40}[r.IntN(3)], Trainings: pick(trainings), Languages: pick(langs)}
		for _, s := range pick(skills) {
			v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: s, Level: 1 + r.IntN(3)})
		}
		for h := 0; h < volmatch.HoursPerWeek; h++ {
			if r.IntN(4) > 0 {
				v.Availability.Set(h)
			}
		}
		want := map[string]bool{}
		for _, n := range needs {
			d := volmatch.DistanceKm(v.Home, n.Point)
			for _, s := range n.Shifts {
				if d <= min(v.MaxTravelKm, n.RadiusKm) && v.Availability.Covers(volmatch.ShiftHours(s.Start, s.End)) && meets(v, n) {
					want[n.ID+"/"+s.ID] = true
					if len(n.Requires.Skills)+len(n.Requires.Trainings)+len(n.Requires.Languages) > 0 {
						withReq++
					}
				}
			}
		}
		passed += len(want)
		for name, src := range map[string]*grid.Shifts{"index": x, "all": all} {
			got := map[string]bool{}
			src.ShiftHours(v, func(n *volmatch.Need, i int, _ volmatch.Week, _ float64) {
				got[n.ID+"/"+n.Shifts[i].ID] = true
				if grid.NeedGates(v, n) != meets(v, n) {
					t.Fatalf("NeedGates(%s) = %v, want %v", n.ID, !meets(v, n), meets(v, n))
				}
			})
			if !maps.Equal(got, want) {
				t.Fatalf("ShiftHours(%s) yields %d shifts, want %d (the requirements met)", name, len(got), len(want))
			}
		}
	}
	if passed < 500 || withReq < 100 {
		t.Errorf("only %d shifts yielded, %d of needs with requirements: the test does not exercise the gates", passed, withReq)
	}
}

// TestShiftsAfterChanges: after many puts (new needs, replaced needs with
// other shifts, closed needs) and deletes in few cells, the index yields
// the same shifts, with the same hours, as an index built afresh from the
// needs that remain, and holds the same needs (Needs).
func TestShiftsAfterChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, volmatch.Beijing)
	need := func(i int) *volmatch.Need {
		n := &volmatch.Need{ID: fmt.Sprint("N", i), Status: volmatch.NeedOpen, RadiusKm: 30,
			Point: volmatch.Point{Lat: 39.9 + r.Float64()*0.03, Lng: 116.4 + r.Float64()*0.03}}
		if r.IntN(8) == 0 {
			n.Status = volmatch.NeedClosed
		}
		for k := 0; k < r.IntN(5); k++ {
			st := t0.Add(time.Duration(r.IntN(7*24)) * time.Hour)
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprint("s", k), Slots: 2, Filled: r.IntN(3),
				Start: st, End: st.Add(time.Duration(1+r.IntN(3)) * time.Hour)})
		}
		return n
	}
	x := grid.NewShifts(grid.ShiftsOptions{})
	now := map[string]*volmatch.Need{}
	v := &volmatch.Volunteer{ID: "V", Home: volmatch.Point{Lat: 39.91, Lng: 116.41}, MaxTravelKm: 20}
	v.Availability = volmatch.ShiftHours(t0, t0.AddDate(0, 0, 7))
	yield := func(x *grid.Shifts) map[string]volmatch.Week {
		got := map[string]volmatch.Week{}
		x.ShiftHours(v, func(n *volmatch.Need, i int, hours volmatch.Week, _ float64) {
			got[n.ID+"/"+n.Shifts[i].ID+"@"+n.Shifts[i].Start.String()] = hours
		})
		return got
	}
	for step := 0; step < 3000; step++ {
		id := r.IntN(60)
		if r.IntN(3) == 0 {
			x.Delete(fmt.Sprint("N", id))
			delete(now, fmt.Sprint("N", id))
		} else {
			n := need(id)
			x.Put(n)
			now[n.ID] = n
		}
		if step%50 == 0 {
			fresh := grid.NewShiftsOf(slices.Collect(maps.Values(now)), grid.ShiftsOptions{})
			if got, want := yield(x), yield(fresh); !maps.Equal(got, want) {
				t.Fatalf("step %d: the index yields %d shifts, an index built afresh %d", step, len(got), len(want))
			}
			if x.Len() != fresh.Len() {
				t.Fatalf("step %d: Len() = %d, afresh %d", step, x.Len(), fresh.Len())
			}
			var want []string // the needs held: open, with a free slot, by ID
			for id, n := range now {
				if n.Status == volmatch.NeedOpen && slices.ContainsFunc(n.Shifts, func(s volmatch.Shift) bool { return s.Filled < s.Slots }) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			ids := func(ns []*volmatch.Need) []string {
				out := []string{}
				for _, n := range ns {
					out = append(out, n.ID)
				}
				return out
			}
			all := grid.AllShifts(slices.Collect(maps.Values(now)))
			if !slices.Equal(ids(x.Needs()), want) || !slices.Equal(ids(fresh.Needs()), want) || !slices.Equal(ids(all.Needs()), want) {
				t.Fatalf("step %d: Needs() = %v, afresh %v, exhaustive %v, want %v", step, ids(x.Needs()), ids(fresh.Needs()), ids(all.Needs()), want)
			}
		}
	}
}

// TestShiftsEdgeOfReach: needs placed at every bearing within a
// hundred-thousandth of the edge of reach, from homes at any latitude up
// to 85° and travel limits from 10 m to 500 km, are yielded exactly when
// the distance gate (volmatch.DistanceKm within min(radius, travel limit))
// passes them: the bounds that pass needs over without their distance
// (latitude, longitude) never drop one the gate would pass.
func TestShiftsEdgeOfReach(t *testing.T) {
	r := rand.New(rand.NewPCG(69, 70))
	const R = 6371.0088
	passed, failed := 0, 0
	for trial := 0; trial < 300; trial++ {
		home := volmatch.Point{Lat: (r.Float64()*2 - 1) * 85, Lng: (r.Float64()*2 - 1) * 170}
		travel := math.Pow(10, -2+r.Float64()*4.7)
		var needs []*volmatch.Need
		for i := 0; i < 40; i++ {
			radius := []float64{travel * 0.5, travel, travel * 2}[r.IntN(3)]
			limit := min(radius, travel)
			dist := limit * (1 + (r.Float64()*2-1)*1e-5)
			// The point at dist km from home at a random bearing.
			b, d, p1, l1 := r.Float64()*2*math.Pi, dist/R, home.Lat*math.Pi/180, home.Lng*math.Pi/180
			p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(b))
			l2 := l1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
			needs = append(needs, &volmatch.Need{ID: fmt.Sprint("N", i), Status: volmatch.NeedOpen, RadiusKm: radius,
				Point:  volmatch.Point{Lat: p2 * 180 / math.Pi, Lng: l2 * 180 / math.Pi},
				Shifts: []volmatch.Shift{{ID: "s", Slots: 1}}})
		}
		x := grid.NewShiftsOf(needs, grid.ShiftsOptions{CellKm: travel / (0.5 + r.Float64()*3)})
		v := &volmatch.Volunteer{ID: "V", Home: home, MaxTravelKm: travel}
		got := map[string]bool{}
		x.Shifts(v, func(n *volmatch.Need, _ volmatch.Shift) { got[n.ID] = true })
		for _, n := range needs {
			want := volmatch.DistanceKm(home, n.Point) <= min(n.RadiusKm, travel)
			if got[n.ID] != want {
				t.Fatalf("Shifts(home %v, %v km) yields %s (%v km away, radius %v): %v, want %v",
					home, travel, n.ID, volmatch.DistanceKm(home, n.Point), n.RadiusKm, got[n.ID], want)
			}
			if want {
				passed++
			} else {
				failed++
			}
		}
	}
	if passed < 2000 || failed < 2000 {
		t.Errorf("%d needs within reach, %d beyond: the test does not sit on the edge", passed, failed)
	}
}
