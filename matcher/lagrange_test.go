package matcher

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// refLagrangeBound is lagrangeBound as it was before schedules
// (refLagrangeBoundOld, the code of b9994a4 kept verbatim): each
// volunteer's pairs of positive reduced gain sorted anew at every call,
// one goroutine. It shares nothing with schedules but the batch.
func refLagrangeBound(b *batch, lambda []int64) (int64, []int32, []int32) {
	use := make([]int32, len(b.shifts))
	var sched []int32
	total := refLagrangeBoundOld(b, lambda, use, &sched)
	return total, use, sched
}

func refLagrangeBoundOld(b *batch, lambda []int64, use []int32, sched *[]int32) int64 {
	var total int64
	for s, bs := range b.shifts {
		total += int64(bs.free) * lambda[s]
	}
	if use != nil {
		clear(use)
	}
	var dp refScheduleDP
	for v := range b.vols {
		dp.items = dp.items[:0]
		for i := b.volStart[v]; i < b.volStart[v+1]; i++ {
			p := &b.pairs[i]
			if w := p.gain - lambda[p.shift]; w > 0 {
				s := &b.shifts[p.shift].s
				dp.items = append(dp.items, refItem{start: s.Start.UnixNano(), end: s.End.UnixNano(), w: w, pair: int32(i)})
			}
		}
		val, c := dp.best(b.o.MaxPerVolunteer, b.fairnessCost)
		total += val
		if (use == nil && sched == nil) || c == 0 {
			continue
		}
		first := 0
		if sched != nil {
			first = len(*sched)
		}
		dp.walk(c, func(i int32) {
			if use != nil {
				use[b.pairs[i].shift]++
			}
			if sched != nil {
				*sched = append(*sched, i)
			}
		})
		if sched != nil {
			slices.Sort((*sched)[first:])
		}
	}
	return total
}

// refScheduleDP finds one volunteer's best schedule: weighted interval
// scheduling with a count, its buffers reused across volunteers.
type refScheduleDP struct {
	items []refItem
	prev  []int
	val   []int64
	k     int
}

type refItem struct {
	start, end int64
	w          int64
	pair       int32
}

// best returns the largest Σ w − Σ_{k<c} cost(k) over sets of c ≤ cap
// items of which no two overlap, and the c of the best (the fewest
// items on ties).
func (d *refScheduleDP) best(cap int, cost func(int) int64) (int64, int) {
	n := len(d.items)
	if n == 0 {
		return 0, 0
	}
	slices.SortFunc(d.items, func(x, y refItem) int {
		if x.end != y.end {
			return cmpInt64(x.end, y.end)
		}
		if x.start != y.start {
			return cmpInt64(x.start, y.start)
		}
		return int(x.pair - y.pair)
	})
	k := min(cap, n)
	d.k = k
	// val[j*(k+1)+c]: the best total of exactly c items among the first j
	// (by end); none: no such set.
	d.val = slices.Grow(d.val[:0], (n+1)*(k+1))[:(n+1)*(k+1)]
	d.prev = slices.Grow(d.prev[:0], n)[:n]
	for c := range k + 1 {
		d.val[c] = none
	}
	d.val[0] = 0
	for j, it := range d.items {
		// prev: how many items end by it.start (ends are sorted).
		lo, hi := 0, j
		for lo < hi {
			m := (lo + hi) / 2
			if d.items[m].end <= it.start {
				lo = m + 1
			} else {
				hi = m
			}
		}
		d.prev[j] = lo
		row, last, from := d.val[(j+1)*(k+1):(j+2)*(k+1)], d.val[j*(k+1):(j+1)*(k+1)], d.val[lo*(k+1):(lo+1)*(k+1)]
		row[0] = 0
		for c := 1; c <= k; c++ {
			row[c] = last[c]
			if from[c-1] != none {
				row[c] = max(row[c], from[c-1]+it.w)
			}
		}
	}
	best, bestC, fair := int64(0), 0, int64(0)
	final := d.val[n*(k+1):]
	for c := 1; c <= k; c++ {
		fair += cost(c - 1)
		if final[c] != none && final[c]-fair > best {
			best, bestC = final[c]-fair, c
		}
	}
	return best, bestC
}

// walk calls f with the pair of each item of a best set of c items (after
// best), latest first.
func (d *refScheduleDP) walk(c int, f func(pair int32)) {
	k := d.k
	for j := len(d.items); j > 0 && c > 0; {
		if d.val[j*(k+1)+c] == d.val[(j-1)*(k+1)+c] {
			j--
			continue
		}
		f(d.items[j-1].pair)
		j, c = d.prev[j-1], c-1
	}
}

// TestLagrangeBoundEqualsReference: on random batches whose shifts chain,
// at random prices (zero, below and above the gains), lagrangeBound gives
// the reference's bound, shift use and schedules, on one goroutine and on
// several.
func TestLagrangeBoundEqualsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 40))
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for k := range 60 {
		in := Instance{MaxPerVolunteer: 1 + r.IntN(3), FairnessStep: int64(r.IntN(3)) * int64(r.IntN(200))}
		nv, ns := 5+r.IntN(40), 3+r.IntN(30)
		for i := range nv {
			in.Volunteers = append(in.Volunteers, fmt.Sprintf("V%03d", i))
		}
		for j := range ns {
			start := day.Add(time.Duration(r.IntN(3))*24*time.Hour + 8*time.Hour + time.Duration(r.IntN(12))*30*time.Minute)
			in.Shifts = append(in.Shifts, InstanceShift{ID: fmt.Sprint(j), Start: start, End: start.Add(time.Duration(1+r.IntN(4)) * time.Hour), Slots: 1 + r.IntN(3)})
		}
		for i := range nv {
			for j := range ns {
				if r.IntN(3) == 0 {
					in.Pairs = append(in.Pairs, InstancePair{Volunteer: i, Shift: j, Gain: 1 + int64(r.IntN(1000))})
				}
			}
		}
		b := instanceBatch(in, AssignOptions{})
		for _, parts := range []int{1, 3} {
			b.sched = nil
			sc := b.schedules()
			if parts > 1 {
				sc.parts = []int{0, len(b.vols) / 3, 2 * len(b.vols) / 3, len(b.vols)}
			}
			for trial := range 5 {
				lambda := make([]int64, len(b.shifts))
				for s := range lambda {
					if trial > 0 {
						lambda[s] = int64(r.IntN(300 * trial))
					}
				}
				want, wantUse, wantSched := refLagrangeBound(b, lambda)
				use := make([]int32, len(b.shifts))
				var sched []int32
				got := b.lagrangeBound(lambda, use, &sched)
				if got != want || !slices.Equal(use, wantUse) || !slices.Equal(sched, wantSched) {
					t.Fatalf("batch %d parts %d trial %d: lagrangeBound = %d, use %v, schedules %v; reference %d, %v, %v", k, parts, trial, got, use, sched, want, wantUse, wantSched)
				}
				if only := b.lagrangeBound(lambda, nil, nil); only != want {
					t.Fatalf("batch %d: lagrangeBound without use = %d, want %d", k, only, want)
				}
			}
		}
	}
}
