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

// edgeTime draws a time near a whole hour of the ten days from featMonday:
// on it, a nanosecond or a second either side, half an hour off; now and
// then far out (year 1 or 9999, beyond the hours floorHour keeps exactly).
func edgeTime(r *rand.Rand) time.Time {
	t := featMonday.Add(time.Duration(r.IntN(24*10)) * time.Hour)
	switch r.IntN(8) {
	case 0:
		t = t.Add(time.Nanosecond)
	case 1:
		t = t.Add(-time.Nanosecond)
	case 2:
		t = t.Add(time.Duration(1+r.IntN(3599)) * time.Second)
	case 3:
		t = t.Add(30 * time.Minute)
	}
	if r.IntN(60) == 0 {
		t = time.Date([]int{1, 9999}[r.IntN(2)], 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// edgeExceptions draws 0–2 exceptions with edge times: some inverted, some
// empty, most an hour to two days long.
func edgeExceptions(r *rand.Rand) []volmatch.Exception {
	var xs []volmatch.Exception
	for range []int{0, 1, 1, 1, 1, 2}[r.IntN(6)] {
		a := edgeTime(r)
		b := a.Add(time.Duration(1+r.IntN(48)) * time.Hour)
		switch r.IntN(10) {
		case 0:
			b = a
		case 1:
			a, b = b, a
		case 2:
			b = edgeTime(r)
		}
		xs = append(xs, volmatch.Exception{Start: a, End: b})
	}
	return xs
}

// TestExactException: when exactException holds, the whole-hour spans of
// the exception and of a shift overlap exactly when the availability gate
// finds them overlapping (volmatch.Volunteer.AvailableAt with a full week),
// for shifts and exceptions on, beside and far from whole hours.
func TestExactException(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	full := volmatch.Week{^uint64(0), ^uint64(0), ^uint64(0)}
	exact := 0
	for k := 0; k < 200000; k++ {
		xs := edgeExceptions(r)
		if !exactException(xs) {
			continue
		}
		exact++
		lo, hi := exceptionSpan(xs)
		a := edgeTime(r)
		s := volmatch.Shift{Start: a, End: a.Add(time.Duration(1+r.IntN(12*3600)) * time.Second)}
		if r.IntN(10) == 0 {
			s.End = edgeTime(r)
		}
		v := volmatch.Volunteer{Availability: full, Exceptions: xs}
		got := lo < ceilHour(s.End) && floorHour(s.Start) < hi
		if want := !v.AvailableAt(s.Start, s.End); got != want {
			t.Fatalf("exception %v–%v, shift %v–%v: hour spans overlap %v, availability gate %v",
				xs[0].Start, xs[0].End, s.Start, s.End, got, want)
		}
	}
	if exact < 10000 {
		t.Errorf("only %d exact exceptions drawn", exact)
	}
}

// TestPruneExceptions: with many volunteers excluded by a dated exception
// (exact ones, on whole hours, and the others), shifts starting off the
// hour, some held slots, rows in unsorted cells (upserts) and in the
// fallback list, PruneBounded accounts for every volunteer as the
// exhaustive gates do, bounded or not.
func TestPruneExceptions(t *testing.T) {
	r := rand.New(rand.NewPCG(93, 94))
	var vs []*volmatch.Volunteer
	for i := range 3000 {
		v := &volmatch.Volunteer{ID: fmt.Sprintf("V%05d", i),
			Home:         volmatch.Point{Lat: 39.85 + r.Float64()*0.1, Lng: 116.3 + r.Float64()*0.1},
			MaxTravelKm:  float64(2 + r.IntN(20)),
			Availability: volmatch.Week{^uint64(0), ^uint64(0), ^uint64(0)},
			Exceptions:   edgeExceptions(r),
			Languages:    []string{"zh"},
			InsuredUntil: featMonday.AddDate(1, 0, 0)}
		if r.IntN(4) == 0 {
			v.Availability = volmatch.Week{r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64()}
		}
		if r.IntN(20) == 0 {
			v.Home = volmatch.Point{Lat: 39.38, Lng: 116.3 + r.Float64()*0.1} // fallback list
		}
		vs = append(vs, v)
	}
	f := NewFeatures(vs)
	for range 200 { // unsort some cells: the rows are read one by one there
		k := r.IntN(len(vs))
		v := *vs[k]
		v.Exceptions = edgeExceptions(r)
		f.Upsert(&v)
		vs[k] = &v
	}
	held, slots := featHeld(r, vs)
	f.LoadHeld(slots)
	sc := scoring.NewScorer(nil, scoring.Options{})
	avail := 0
	for i := range 200 {
		n := &volmatch.Need{ID: "N", Point: volmatch.Point{Lat: 39.88 + r.Float64()*0.04, Lng: 116.33 + r.Float64()*0.04},
			RadiusKm: []float64{2, 5, 10, 30}[r.IntN(4)]}
		for k := range 1 + r.IntN(3) {
			at := edgeTime(r)
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprint("s", k), Start: at, End: at.Add(time.Duration(1+r.IntN(5*3600)) * time.Second), Slots: 1})
		}
		if r.IntN(3) == 0 {
			n.Requires.Insurance = true
		}
		eligible, want := exhaustiveHeld(vs, n, held)
		avail += want[scoring.GateAvailability]
		for _, bound := range []*scoring.Prepared{nil, sc.Prepare(n, n.Shifts)} {
			got, yieldedEligible := volmatch.Exclusions{}, 0
			ex, skipped := f.PruneBounded(n, n.Shifts, bound, func(v *volmatch.Volunteer, _ Held) float64 {
				ok := false
				for _, s := range n.Shifts {
					ok = ok || gateHeld(v, n, s, held[v.ID]) == ""
				}
				if ok {
					yieldedEligible++
				} else {
					got[gateHeld(v, n, n.Shifts[0], held[v.ID])]++
				}
				return math.Inf(1)
			})
			for g, c := range ex {
				got[g] += c
			}
			if !reflect.DeepEqual(got, want) || yieldedEligible+skipped != len(eligible) {
				t.Fatalf("need %d (%+v), bound %v: exclusions (-want +got)\n-%v\n+%v\neligible %d, yielded %d + left out %d",
					i, n, bound != nil, want, got, len(eligible), yieldedEligible, skipped)
			}
		}
	}
	if avail == 0 {
		t.Errorf("no volunteer excluded by availability; want many")
	}
}
