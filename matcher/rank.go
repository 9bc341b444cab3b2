package matcher

import (
	"math"
	"slices"
	"sort"
	"time"

	"volmatch"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// DefaultK is the number of matches Rank returns when RankOptions.K is 0.
const DefaultK = 10

// RankOptions tune Rank; the zero value works.
type RankOptions struct {
	// K is the number of matches to return (DefaultK when 0 or less).
	K int
	// Shift restricts the ranking to one shift of the need ("" = every open
	// shift). A full or unknown shift leaves nothing to rank.
	Shift string
	// Busy, when set, returns a volunteer's assignments; one that holds an
	// assignment overlapping a shift is excluded from it by the busy gate.
	// It is called at most once per volunteer, and only for volunteers that
	// pass every other gate of some shift. The slots the feature index
	// keeps (grid.Features.SetHeld) are a busy gate too, without a callback
	// and with the bounded pruning kept: a caller whose index holds them
	// leaves Busy nil. A Busy set turns the bounded pruning off.
	Busy func(volunteerID string) []volmatch.Assignment
	// After, when not zero, leaves out the shifts that start at or before
	// it: work already begun or past is not offered.
	After time.Time
}

// Ranking is the result of Rank.
type Ranking struct {
	// Matches are the best K eligible volunteers, best first.
	Matches []volmatch.Match
	// Exclusions counts the ineligible volunteers by the gate that
	// excluded them on the first considered shift, including those the
	// grid pruned. Never nil; no zero entries.
	Exclusions volmatch.Exclusions
	// Considered counts the volunteers accounted for: gated or scored by
	// the scorer, or pruned by the grid under a gate. It equals Eligible
	// plus the sum of Exclusions (0 when no shift is open).
	Considered int
	// Eligible counts the volunteers eligible for at least one considered
	// shift.
	Eligible int
	// Scanned counts the volunteers the grid handed to the scorer: all of
	// them for grid.All, the unpruned for a grid.NewFeatures. It is the one
	// field that differs between the two.
	Scanned int
}

// Rank ranks the volunteers of feats for need n: the volunteers feats
// cannot rule out are gated and scored by sc on the considered shifts (see the package
// comment) and the best o.K are returned with their breakdowns, with the
// exclusion counts per gate. The result equals that of the exhaustive
// grid.All over the same volunteers, Scanned aside.
func Rank(n *volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o RankOptions) Ranking {
	k := o.K
	if k <= 0 {
		k = DefaultK
	}
	r := Ranking{Exclusions: volmatch.Exclusions{}, Matches: []volmatch.Match{}}
	shifts := OpenShifts(n, o.Shift)
	if !o.After.IsZero() {
		shifts = slices.DeleteFunc(shifts, func(s volmatch.Shift) bool { return !s.Start.After(o.After) })
	}
	if len(shifts) == 0 {
		return r
	}
	p := sc.Prepare(n, shifts)
	h := topK{k: k}
	eligible := make([]bool, len(shifts))
	floor := math.Inf(-1)
	visit := func(v *volmatch.Volunteer, slots grid.Held) float64 {
		r.Scanned++
		reason0, any := "", false
		var held []volmatch.Assignment
		heldLoaded := false
		clear(eligible)
		for i := range shifts {
			reason := p.Gate(v, i)
			if reason == "" && slots.Busy(shifts[i]) {
				reason = scoring.GateBusy
			}
			if reason == "" && o.Busy != nil {
				if !heldLoaded {
					held, heldLoaded = o.Busy(v.ID), true
				}
				if scoring.Busy(held, shifts[i]) {
					reason = scoring.GateBusy
				}
			}
			if i == 0 {
				reason0 = reason
			}
			if reason == "" {
				eligible[i], any = true, true
			} else if scoring.ShiftIndependent(reason) {
				break // excluded from every shift
			}
		}
		if !any {
			r.Exclusions[reason0]++
			return floor
		}
		r.Eligible++
		if h.full() {
			bound := 0.0
			for i, ok := range eligible {
				if ok {
					bound = max(bound, p.UpperBound(v, i))
				}
			}
			if bound < floor {
				return floor // cannot enter the top k
			}
		}
		best := -1
		var bestRes scoring.Result
		for i, ok := range eligible {
			if !ok {
				continue
			}
			res := p.Score(v, i)
			if best < 0 || betterShift(res.Score, shifts[i], bestRes.Score, shifts[best]) {
				best, bestRes = i, res
			}
		}
		h.offer(entry{v: v, shift: best, res: bestRes})
		if h.full() {
			floor = h.es[0].res.Score
		}
		return floor
	}
	// The grid may leave out volunteers it proves eligible but unable to
	// enter the ranking only when it sees every busy gate: its own held
	// slots, not the assignments o.Busy returns.
	bound := p
	if o.Busy != nil {
		bound = nil
	}
	pruned, skipped := feats.PruneBounded(n, shifts, bound, visit)
	r.Eligible += skipped
	for gate, c := range pruned {
		if c > 0 {
			r.Exclusions[gate] += c
		}
	}
	r.Considered = r.Eligible
	for _, c := range r.Exclusions {
		r.Considered += c
	}
	es := h.es
	sort.Slice(es, func(i, j int) bool { return worse(es[j], es[i]) })
	r.Matches = make([]volmatch.Match, len(es))
	for i, e := range es {
		r.Matches[i] = volmatch.Match{
			Volunteer:  e.v.ID,
			Need:       n.ID,
			Shift:      shifts[e.shift].ID,
			Rank:       i + 1,
			Score:      e.res.Score,
			DistanceKm: e.res.DistanceKm,
			Breakdown:  sc.Breakdown(e.res.Values),
		}
	}
	return r
}

// OpenShifts returns the shifts Rank considers: the shifts of n that are not
// full (Filled < Slots), in the need's order, or only the one with ID id when
// id is not "" (none when it is full or unknown).
func OpenShifts(n *volmatch.Need, id string) []volmatch.Shift {
	var out []volmatch.Shift
	for _, s := range n.Shifts {
		if (id == "" || s.ID == id) && s.Filled < s.Slots {
			out = append(out, s)
		}
	}
	return out
}

// betterShift orders a volunteer's eligible shifts: higher score, then the
// earlier start, then the smaller ID.
func betterShift(score float64, s volmatch.Shift, bestScore float64, best volmatch.Shift) bool {
	if score != bestScore {
		return score > bestScore
	}
	if !s.Start.Equal(best.Start) {
		return s.Start.Before(best.Start)
	}
	return s.ID < best.ID
}

type entry struct {
	v     *volmatch.Volunteer
	shift int
	res   scoring.Result
}

// worse reports whether a ranks below b: a lower score, or an equal score and
// a larger volunteer ID.
func worse(a, b entry) bool {
	if a.res.Score != b.res.Score {
		return a.res.Score < b.res.Score
	}
	return a.v.ID > b.v.ID
}

// topK is a bounded min-heap holding the best k entries; the root is the
// worst of them.
type topK struct {
	k  int
	es []entry
}

func (h *topK) full() bool { return len(h.es) >= h.k }

func (h *topK) offer(e entry) {
	if len(h.es) < h.k {
		h.es = append(h.es, e)
		// sift up
		i := len(h.es) - 1
		for i > 0 {
			parent := (i - 1) / 2
			if !worse(h.es[i], h.es[parent]) {
				break
			}
			h.es[i], h.es[parent] = h.es[parent], h.es[i]
			i = parent
		}
		return
	}
	if !worse(h.es[0], e) {
		return
	}
	h.es[0] = e
	// sift down
	i, n := 0, len(h.es)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && worse(h.es[r], h.es[l]) {
			m = r
		}
		if !worse(h.es[m], h.es[i]) {
			break
		}
		h.es[i], h.es[m] = h.es[m], h.es[i]
		i = m
	}
}
