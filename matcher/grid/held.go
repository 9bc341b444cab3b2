package grid

import (
	"slices"
	"time"

	"volmatch"
)

// The slots volunteers hold (volmatch.HeldSlot) are kept beside the rows,
// so that the busy gate of a ranking reads memory, not the store, and the
// bounded pruning stays on: a row whose held slots may touch a query's
// shifts is read one by one, every other row is still counted a word at a
// time. heldWeeks[w] holds the rows with a slot touching week w (Unix time
// in whole weeks); a slot spanning maxHeldWeeks weeks or more goes to
// heldLong, which every query reads.

// weekNanos is the length of a heldWeeks bucket.
const weekNanos = int64(7 * 24 * time.Hour)

// maxHeldWeeks is the most week buckets one slot is put in.
const maxHeldWeeks = 8

// span is a held slot: [lo, hi) in Unix nanoseconds.
type span struct{ lo, hi int64 }

// Held are the slots one volunteer holds, as a query hands them to its
// callback (nil: none).
type Held []span

// Busy reports whether one of the slots overlaps the shift s: the busy gate
// (scoring.Busy over the volunteer's holding assignments, which are the
// slots kept here), the same half-open test as volmatch.Overlap.
func (h Held) Busy(s volmatch.Shift) bool {
	lo, hi := s.Start.UnixNano(), s.End.UnixNano()
	for _, x := range h {
		if x.lo < hi && lo < x.hi {
			return true
		}
	}
	return false
}

// Len returns the number of slots.
func (h Held) Len() int { return len(h) }

// weekBits is one heldWeeks bucket: the rows and how many they are.
type weekBits struct {
	rows bitset
	n    int
}

// heldSpans converts slots to spans; nil when there is none. Times beyond
// the range of Unix nanoseconds cannot be stored (volmatch.CheckTime keeps
// every record's times within 2000–2100).
func heldSpans(slots []volmatch.HeldSlot) Held {
	if len(slots) == 0 {
		return nil
	}
	out := make(Held, len(slots))
	for i, s := range slots {
		out[i] = span{s.Start.UnixNano(), s.End.UnixNano()}
	}
	return out
}

// weeksOf returns the week buckets [w0, w1] of spans x, and whether it is
// too long for buckets (heldLong).
func weeksOf(x span) (w0, w1 int64, long bool) {
	w0 = floorDiv(x.lo, weekNanos)
	w1 = floorDiv(max(x.hi-1, x.lo), weekNanos)
	return w0, w1, w1-w0 >= maxHeldWeeks
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// SetHeld replaces the slots the volunteer with the ID holds; an ID not
// indexed is ignored (the follower sets them after each Upsert).
func (f *Features) SetHeld(id string, slots []volmatch.HeldSlot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setHeld(id, heldSpans(slots))
}

// UpsertHeld is Upsert(v) and SetHeld(v.ID, slots) at once: no query sees
// the one without the other.
func (f *Features) UpsertHeld(v *volmatch.Volunteer, slots []volmatch.HeldSlot) {
	if v == nil || v.ID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.upsertAll(v)
	} else {
		f.upsert(v)
	}
	f.setHeld(v.ID, heldSpans(slots))
}

// SetStatsHeld gives the indexed volunteer with the ID the Stats st and
// the held slots, at once: a change of neither moves a volunteer in a cell
// or a bitset, so the index swaps in a copy of its volunteer with st (a
// reader keeps the one it has) rather than removing and adding it, as
// UpsertHeld does. It reports whether the ID is indexed.
func (f *Features) SetStatsHeld(id string, st volmatch.VolunteerStats, slots []volmatch.HeldSlot) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		i := slices.IndexFunc(f.scan, func(x *volmatch.Volunteer) bool { return x != nil && x.ID == id })
		if i < 0 {
			return false
		}
		cp := *f.scan[i]
		cp.Stats = st
		f.upsertAll(&cp)
	} else {
		r, ok := f.byID[id]
		if !ok {
			return false
		}
		row := f.rows[r]
		e := &f.cells[row.cell][row.pos]
		cp := *e.v
		cp.Stats = st
		e.v = &cp
	}
	f.setHeld(id, heldSpans(slots))
	return true
}

// LoadHeld replaces every volunteer's held slots with held (by volunteer
// ID); IDs not indexed are ignored.
func (f *Features) LoadHeld(held map[string][]volmatch.HeldSlot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resetHeld()
	for id, slots := range held {
		f.setHeld(id, heldSpans(slots))
	}
}

// Held returns the slots the volunteer with the ID holds, as last set.
func (f *Features) Held(id string) Held {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.all {
		return f.heldAll[id]
	}
	r, ok := f.byID[id]
	if !ok {
		return nil
	}
	return f.held[r]
}

func (f *Features) resetHeld() {
	f.held, f.heldAll, f.heldWeeks, f.heldLong = nil, nil, nil, weekBits{}
}

func (f *Features) setHeld(id string, h Held) {
	if f.all {
		if len(h) == 0 {
			delete(f.heldAll, id)
			return
		}
		if f.heldAll == nil {
			f.heldAll = map[string]Held{}
		}
		f.heldAll[id] = h
		return
	}
	r, ok := f.byID[id]
	if !ok {
		return
	}
	f.dropHeld(r)
	if len(h) == 0 {
		return
	}
	if f.held == nil {
		f.held = map[int32]Held{}
		f.heldWeeks = map[int64]*weekBits{}
	}
	f.held[r] = h
	f.markHeld(r, h, true)
}

// dropHeld forgets the held slots of row r.
func (f *Features) dropHeld(r int32) {
	h, ok := f.held[r]
	if !ok {
		return
	}
	f.markHeld(r, h, false)
	delete(f.held, r)
}

// markHeld sets (or clears) row r in the buckets of its slots h.
func (f *Features) markHeld(r int32, h Held, on bool) {
	seen := map[int64]bool{}
	long := false
	for _, x := range h {
		w0, w1, l := weeksOf(x)
		if l {
			long = true
			continue
		}
		for w := w0; w <= w1; w++ {
			seen[w] = true
		}
	}
	for w := range seen {
		b := f.heldWeeks[w]
		switch {
		case on && b == nil:
			b = &weekBits{}
			f.heldWeeks[w] = b
			fallthrough
		case on:
			b.rows.set(r)
			b.n++
		case b != nil:
			b.rows.clear(r)
			if b.n--; b.n == 0 {
				delete(f.heldWeeks, w)
			}
		}
	}
	switch {
	case long && on:
		f.heldLong.rows.set(r)
		f.heldLong.n++
	case long:
		f.heldLong.rows.clear(r)
		f.heldLong.n--
	}
}

// heldFor returns the buckets whose rows may hold a slot overlapping
// [lo, hi) (Unix nanoseconds): nil when no row does.
func (f *Features) heldFor(lo, hi int64) []bitset {
	if len(f.held) == 0 {
		return nil
	}
	var out []bitset
	if f.heldLong.n > 0 {
		out = append(out, f.heldLong.rows)
	}
	w0, w1, _ := weeksOf(span{lo, hi})
	if w1-w0 > int64(len(f.heldWeeks)) {
		for w, b := range f.heldWeeks {
			if w >= w0 && w <= w1 {
				out = append(out, b.rows)
			}
		}
		return out
	}
	for w := w0; w <= w1; w++ {
		if b := f.heldWeeks[w]; b != nil {
			out = append(out, b.rows)
		}
	}
	return out
}

// busyWord returns word w of the rows that may be busy for the query.
func (q *pruneQuery) busyWord(w int32) uint64 {
	var x uint64
	for _, b := range q.busy {
		x |= wordOf(b, w)
	}
	return x
}

// heldOf returns the held slots of row r when the query's shifts may
// overlap one (nil otherwise: the row is free of them).
func (q *pruneQuery) heldOf(r int32) Held {
	if len(q.busy) == 0 || q.busyWord(r>>6)&(1<<(uint(r)&63)) == 0 {
		return nil
	}
	return q.f.held[r]
}
