package matcher

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// refLagrangeBound is lagrangeBound as it was before schedules: each
// volunteer's pairs of positive reduced gain sorted anew at every call,
// one goroutine. It shares nothing with schedules but the batch.
func refLagrangeBound(b *batch, lambda []int64) (int64, []int32, []int32) {
	type item struct {
		start, end, w int64
		pair          int32
	}
	total := int64(0)
	for s, bs := range b.shifts {
		total += int64(bs.free) * lambda[s]
	}
	use := make([]int32, len(b.shifts))
	var sched []int32
	k := b.o.MaxPerVolunteer
	for v := range b.vols {
		var items []item
		for i := b.volStart[v]; i < b.volStart[v+1]; i++ {
			p := b.pairs[i]
			if w := p.gain - lambda[p.shift]; w > 0 {
				s := b.shifts[p.shift].s
				items = append(items, item{s.Start.UnixNano(), s.End.UnixNano(), w, int32(i)})
			}
		}
		slices.SortFunc(items, func(x, y item) int {
			if x.end != y.end {
				return cmpInt64(x.end, y.end)
			}
			if x.start != y.start {
				return cmpInt64(x.start, y.start)
			}
			return int(x.pair - y.pair)
		})
		n := len(items)
		val := make([][]int64, n+1)
		prev := make([]int, n)
		for j := range val {
			val[j] = make([]int64, k+1)
			for c := 1; c <= k; c++ {
				val[j][c] = none
			}
		}
		for j, it := range items {
			for prev[j] < j && items[prev[j]].end <= it.start {
				prev[j]++
			}
			for c := 1; c <= k; c++ {
				val[j+1][c] = val[j][c]
				if f := val[prev[j]][c-1]; f != none {
					val[j+1][c] = max(val[j+1][c], f+it.w)
				}
			}
		}
		best, bestC, fair := int64(0), 0, int64(0)
		for c := 1; c <= k; c++ {
			fair += b.fairnessCost(c - 1)
			if val[n][c] != none && val[n][c]-fair > best {
				best, bestC = val[n][c]-fair, c
			}
		}
		total += best
		var mine []int32
		for j, c := n, bestC; j > 0 && c > 0; {
			if val[j][c] == val[j-1][c] {
				j--
				continue
			}
			mine = append(mine, items[j-1].pair)
			use[b.pairs[items[j-1].pair].shift]++
			j, c = prev[j-1], c-1
		}
		slices.Sort(mine)
		sched = append(sched, mine...)
	}
	return total, use, sched
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
