package matcher_test

import (
	"sort"

	"volmatch"
	"volmatch/matcher"
	"volmatch/scoring"
)

// referenceRank is the answer Rank must give, computed without any of
// Rank's machinery (issue 18): no feature grid (not even grid.All), no
// prepared need, no top-K heap, no score bound and no early exit. Every
// volunteer meets every open shift of the need through the plain gates
// (scoring.Gate, then scoring.Busy) and the plain scorer (Scorer.Score on
// a one-shift need), every eligible volunteer is kept with their best
// shift, and the whole list is sorted and cut at K. Only the rules the
// package comment states are written here: the open shifts (Filled <
// Slots, o.Shift, starting after o.After), a volunteer's best shift
// (higher score, earlier start, smaller ID), the order (higher score,
// smaller volunteer ID), the exclusion counted under the gate of the first
// considered shift. Scanned is left 0 (diffRanking ignores it).
func referenceRank(n *volmatch.Need, vs []*volmatch.Volunteer, sc *scoring.Scorer, o matcher.RankOptions) matcher.Ranking {
	k := o.K
	if k <= 0 {
		k = matcher.DefaultK
	}
	r := matcher.Ranking{Exclusions: volmatch.Exclusions{}, Matches: []volmatch.Match{}}
	var shifts []volmatch.Shift
	for _, s := range n.Shifts {
		if o.Shift != "" && s.ID != o.Shift || s.Filled >= s.Slots {
			continue
		}
		if !o.After.IsZero() && !s.Start.After(o.After) {
			continue
		}
		shifts = append(shifts, s)
	}
	if len(shifts) == 0 {
		return r
	}
	type cand struct {
		v     *volmatch.Volunteer
		shift volmatch.Shift
		score float64
		bd    []volmatch.Component
	}
	var all []cand
	for _, v := range vs {
		var held []volmatch.Assignment
		if o.Busy != nil {
			held = o.Busy(v.ID)
		}
		var best *cand
		for _, s := range shifts {
			if firstReason(sc, n, s, v, held) != "" {
				continue
			}
			score, bd := sc.Score(v, n, s)
			better := best == nil || score > best.score ||
				score == best.score && (s.Start.Before(best.shift.Start) || s.Start.Equal(best.shift.Start) && s.ID < best.shift.ID)
			if better {
				best = &cand{v: v, shift: s, score: score, bd: bd}
			}
		}
		r.Considered++
		if best == nil {
			r.Exclusions[firstReason(sc, n, shifts[0], v, held)]++
			continue
		}
		r.Eligible++
		all = append(all, *best)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].v.ID < all[j].v.ID
	})
	for i, c := range all[:min(k, len(all))] {
		dist, _ := scoring.Reach(c.v, n)
		r.Matches = append(r.Matches, volmatch.Match{Volunteer: c.v.ID, Need: n.ID, Shift: c.shift.ID, Rank: i + 1,
			Score: c.score, DistanceKm: dist, Breakdown: c.bd})
	}
	return r
}

// firstReason is the gate, busy included, that excludes v from s ("" when
// none does).
func firstReason(sc *scoring.Scorer, n *volmatch.Need, s volmatch.Shift, v *volmatch.Volunteer, held []volmatch.Assignment) string {
	if reason := sc.Gate(v, n, s); reason != "" {
		return reason
	}
	if scoring.Busy(held, s) {
		return scoring.GateBusy
	}
	return ""
}
