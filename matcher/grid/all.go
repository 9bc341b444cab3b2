package grid

import (
	"slices"

	"volmatch"
	"volmatch/scoring"
)

// All returns the exhaustive Features over vs: it indexes nothing and
// prunes nothing, so that every query hands every volunteer of vs, in
// order, to its callback and counts no exclusion. Ranking through it
// scores every volunteer: it is the reference answer that ranking through
// NewFeatures must equal (Ranking.Scanned aside), and will do for a small
// batch. vs is read at each query, not copied; Load makes the Features
// read another slice, and Upsert and Delete work on a copy of it.
func All(vs []*volmatch.Volunteer) *Features {
	return &Features{all: true, scan: vs}
}

// upsertAll replaces the volunteer with v's ID in an exhaustive Features,
// or appends v, in a copy of its slice.
func (f *Features) upsertAll(v *volmatch.Volunteer) {
	i := slices.IndexFunc(f.scan, func(x *volmatch.Volunteer) bool { return x != nil && x.ID == v.ID })
	if i < 0 {
		f.scan = append(slices.Clip(f.scan), v)
		return
	}
	f.scan = slices.Clone(f.scan)
	f.scan[i] = v
}

// deleteAll removes the volunteers with the ID from an exhaustive
// Features, in a copy of its slice.
func (f *Features) deleteAll(id string) {
	f.scan = slices.DeleteFunc(slices.Clone(f.scan), func(x *volmatch.Volunteer) bool { return x != nil && x.ID == id })
}

// AllShifts returns the exhaustive Shifts over needs: it indexes nothing,
// so that a query reads every shift of every need, in order (see Shifts and
// ShiftHours). The menu through it gates every shift: it is the reference
// answer that the menu through NewShifts must equal. needs is read at each
// query, not copied; Put and Delete work on a copy of it.
func AllShifts(needs []*volmatch.Need) *Shifts {
	return &Shifts{all: true, list: needs}
}

// putAll replaces the need with n's ID in an exhaustive Shifts, or appends
// it (a copy of it, as Put keeps), in a copy of its slice.
func (x *Shifts) putAll(n *volmatch.Need) {
	cp := *n
	cp.Shifts = slices.Clone(n.Shifts)
	n = &cp
	i := slices.IndexFunc(x.list, func(m *volmatch.Need) bool { return m.ID == n.ID })
	if i < 0 {
		x.list = append(slices.Clip(x.list), n)
		return
	}
	x.list = slices.Clone(x.list)
	x.list[i] = n
}

// deleteAll removes the needs with the ID from an exhaustive Shifts, in a
// copy of its slice.
func (x *Shifts) deleteAll(id string) {
	x.list = slices.DeleteFunc(slices.Clone(x.list), func(m *volmatch.Need) bool { return m.ID == id })
}

// shiftHoursAll is ShiftHours of an exhaustive Shifts: the distance gate
// by scoring.Reach and NeedGates, need by need, then the weekly hours of
// every shift.
func (x *Shifts) shiftHoursAll(v *volmatch.Volunteer, fn func(n *volmatch.Need, i int, hours volmatch.Week, dist float64)) {
	for _, n := range x.list {
		dist, ok := scoring.Reach(v, n)
		if !ok || !NeedGates(v, n) {
			continue
		}
		for i, s := range n.Shifts {
			hours := volmatch.ShiftHours(s.Start, s.End)
			if v.Availability.Covers(hours) {
				fn(n, i, hours, dist)
			}
		}
	}
}
