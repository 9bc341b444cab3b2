package index_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"volmatch"
	"volmatch/index"
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
	x := index.NewShiftsOf(needs, index.ShiftsOptions{CellKm: 1 + r.Float64()*3})
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
