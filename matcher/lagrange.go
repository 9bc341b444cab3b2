package matcher

import (
	"math"
	"slices"
	"sync"
)

// schedules is what lagrangeBound reads of a batch, fixed by the pairs'
// times and gains and so built once per batch: each volunteer's pairs
// sorted by end (then start, then index), with their shifts, gains and
// how many of the volunteer's pairs end by each one's start. Only the
// prices change between the bounds of a subgradient, so a bound is one
// pass of the dynamic programme over these arrays, on every core.
type schedules struct {
	// order[j] is a pair of b, grouped by volunteer as b.pairs
	// (b.volStart bounds each volunteer's); shift and gain are its.
	order []int32
	shift []int32
	gain  []int64
	// prev[j] counts the volunteer's pairs (in order) that end by the
	// start of order[j]: the last schedule order[j] can follow.
	prev []int32
	// fair[c] is the fairness cost of c shifts.
	fair []int64
	// maxN is the most pairs of one volunteer.
	maxN int
	// parts split the volunteers into the runs of lagrangeBound's
	// goroutines: part p is volunteers parts[p] to parts[p+1].
	parts []int
}

// schedules returns b's schedules, built on first use.
func (b *batch) schedules() *schedules {
	if b.sched != nil {
		return b.sched
	}
	sc := &schedules{
		order: make([]int32, len(b.pairs)),
		shift: make([]int32, len(b.pairs)),
		gain:  make([]int64, len(b.pairs)),
		prev:  make([]int32, len(b.pairs)),
		fair:  make([]int64, b.o.MaxPerVolunteer+1),
	}
	for c := 1; c <= b.o.MaxPerVolunteer; c++ {
		sc.fair[c] = sc.fair[c-1] + b.fairnessCost(c-1)
	}
	start := make([]int64, len(b.shifts))
	end := make([]int64, len(b.shifts))
	for s := range b.shifts {
		start[s], end[s] = b.shifts[s].s.Start.UnixNano(), b.shifts[s].s.End.UnixNano()
	}
	for v := range b.vols {
		lo, hi := b.volStart[v], b.volStart[v+1]
		sc.maxN = max(sc.maxN, hi-lo)
		mine := sc.order[lo:hi]
		for i := range mine {
			mine[i] = int32(lo + i)
		}
		slices.SortFunc(mine, func(x, y int32) int {
			sx, sy := b.pairs[x].shift, b.pairs[y].shift
			if c := cmpInt64(end[sx], end[sy]); c != 0 {
				return c
			}
			if c := cmpInt64(start[sx], start[sy]); c != 0 {
				return c
			}
			return int(x - y)
		})
		for j, i := range mine {
			s := b.pairs[i].shift
			sc.shift[lo+j], sc.gain[lo+j] = s, b.pairs[i].gain
			p, _ := slices.BinarySearchFunc(mine[:j], start[s], func(x int32, t int64) int {
				if end[b.pairs[x].shift] <= t {
					return -1
				}
				return 1
			})
			sc.prev[lo+j] = int32(p)
		}
	}
	// Parts of about equal pairs; one when the batch is small, where
	// goroutines would cost more than they save.
	workers := b.o.Workers
	if len(b.pairs) < 20000 {
		workers = 1
	}
	sc.parts = []int{0}
	for p := 1; p < workers; p++ {
		want := len(b.pairs) * p / workers
		v, _ := slices.BinarySearch(b.volStart[:len(b.vols)], want)
		sc.parts = append(sc.parts, max(v, sc.parts[len(sc.parts)-1]))
	}
	sc.parts = append(sc.parts, len(b.vols))
	b.sched = sc
	return sc
}

// lagrangeBound is the Lagrangian relaxation of the shifts' capacities at
// the slot prices lambda (≥ 0): Σ free × price over the shifts, plus for
// every volunteer the best schedule (no two shifts overlapping, at most
// MaxPerVolunteer, fairness costs) with each pair's gain less its shift's
// price. For any prices it is an upper bound on every conflict-free plan;
// exact integer arithmetic, so it proves. When use is not nil, use[s]
// is set to how many of the best schedules take shift s, and when sched is
// not nil the pairs of the schedules are appended to it (ascending). The
// volunteers are shared among goroutines; the result does not depend on
// how many.
func (b *batch) lagrangeBound(lambda []int64, use []int32, sched *[]int32) int64 {
	sc := b.schedules()
	var total int64
	for s, bs := range b.shifts {
		total += int64(bs.free) * lambda[s]
	}
	if use != nil {
		clear(use)
	}
	nparts := len(sc.parts) - 1
	if nparts == 1 {
		var dp scheduleDP
		total += dp.run(b, sc, lambda, sc.parts[0], sc.parts[1], use, sched)
		return total
	}
	type out struct {
		total int64
		use   []int32
		sched []int32
	}
	outs := make([]out, nparts)
	var wg sync.WaitGroup
	for p := range nparts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outs[p]
			var u []int32
			if use != nil {
				u = make([]int32, len(b.shifts))
				o.use = u
			}
			var sp *[]int32
			if sched != nil {
				sp = &o.sched
			}
			var dp scheduleDP
			o.total = dp.run(b, sc, lambda, sc.parts[p], sc.parts[p+1], u, sp)
		}()
	}
	wg.Wait()
	for _, o := range outs {
		total += o.total
		if use != nil {
			for s, n := range o.use {
				use[s] += n
			}
		}
		if sched != nil {
			*sched = append(*sched, o.sched...)
		}
	}
	return total
}

// scheduleDP finds volunteers' best schedules at given prices: weighted
// interval scheduling with a count, its buffer reused across volunteers.
type scheduleDP struct {
	// val[j*(k+1)+c] is the best total of exactly c of the volunteer's
	// first j pairs (in schedules order); none: no such set.
	val []int64
	k   int
}

// run adds up the best schedules of volunteers v0 to v1 at the prices
// lambda, counting their shifts in use and appending their pairs to
// sched (each when not nil).
func (d *scheduleDP) run(b *batch, sc *schedules, lambda []int64, v0, v1 int, use []int32, sched *[]int32) int64 {
	var total int64
	for v := v0; v < v1; v++ {
		lo, hi := b.volStart[v], b.volStart[v+1]
		if lo == hi {
			continue
		}
		val, c := d.best(sc, lo, hi, lambda)
		total += val
		if (use == nil && sched == nil) || c == 0 {
			continue
		}
		first := 0
		if sched != nil {
			first = len(*sched)
		}
		// The best set, latest first (walk, inlined).
		w := d.k + 1
		for j := hi - lo; j > 0 && c > 0; {
			if d.val[j*w+c] == d.val[(j-1)*w+c] {
				j--
				continue
			}
			if use != nil {
				use[sc.shift[lo+j-1]]++
			}
			if sched != nil {
				*sched = append(*sched, sc.order[lo+j-1])
			}
			j, c = int(sc.prev[lo+j-1]), c-1
		}
		if sched != nil {
			slices.Sort((*sched)[first:])
		}
	}
	return total
}

// best returns the largest Σ (gain − price) − fair[c] over sets of c ≤
// MaxPerVolunteer of the pairs lo..hi of sc of which no two overlap, and
// the c of the best (the fewest pairs on ties). A pair not worth more
// than its price is never in a best set, so it is passed over.
func (d *scheduleDP) best(sc *schedules, lo, hi int, lambda []int64) (int64, int) {
	n := hi - lo
	k := min(len(sc.fair)-1, n)
	d.k = k
	w := k + 1
	if cap(d.val) < (n+1)*w {
		d.val = make([]int64, (sc.maxN+1)*(len(sc.fair)))
	}
	val := d.val[:(n+1)*w]
	val[0] = 0
	for c := 1; c <= k; c++ {
		val[c] = none
	}
	gain, shift, prev := sc.gain[lo:hi], sc.shift[lo:hi], sc.prev[lo:hi]
	if k == 2 {
		// The common cap of two, unrolled: a set of one is any pair of
		// positive reduced gain, a set of two one after a set of one.
		for j := range n {
			row, last := val[(j+1)*3:(j+2)*3:(j+2)*3], val[j*3:(j+1)*3:(j+1)*3]
			wt := gain[j] - lambda[shift[j]]
			row[0] = 0
			if wt <= 0 {
				row[1], row[2] = last[1], last[2]
				continue
			}
			row[1] = max(last[1], wt)
			r := last[2]
			if f := val[int(prev[j])*3+1]; f != none && f+wt > r {
				r = f + wt
			}
			row[2] = r
		}
		return d.pick(sc, val[n*3:], k)
	}
	for j := range n {
		row, last := val[(j+1)*w:(j+2)*w], val[j*w:(j+1)*w]
		wt := gain[j] - lambda[shift[j]]
		if wt <= 0 {
			copy(row, last)
			continue
		}
		from := val[int(prev[j])*w:]
		row[0] = 0
		for c := 1; c <= k; c++ {
			r := last[c]
			if f := from[c-1]; f != none && f+wt > r {
				r = f + wt
			}
			row[c] = r
		}
	}
	return d.pick(sc, val[n*w:], k)
}

// pick returns the best of the final row of best's table, less the
// fairness costs, and its count (the fewest on ties).
func (d *scheduleDP) pick(sc *schedules, final []int64, k int) (int64, int) {
	best, bestC := int64(0), 0
	for c := 1; c <= k; c++ {
		if final[c] != none && final[c]-sc.fair[c] > best {
			best, bestC = final[c]-sc.fair[c], c
		}
	}
	return best, bestC
}

// none marks a count of items no set reaches in scheduleDP.
const none = math.MinInt64 / 4
