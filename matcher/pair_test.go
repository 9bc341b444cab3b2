package matcher_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// pairingInstance is nv volunteers and nn pairing needs with weekly visits
// and recipient preferences.
func pairingInstance(r *rand.Rand, nv, nn int) ([]*volmatch.Volunteer, []*volmatch.Need) {
	var vs []*volmatch.Volunteer
	for i := 0; i < nv; i++ {
		v := randVolunteer(r, i)
		if r.IntN(3) == 0 { // free only on weekday mornings
			v.Availability = volmatch.Week{}
			for d := 0; d < 5; d++ {
				for h := 8; h < 13; h++ {
					v.Availability.Set(d*24 + h)
				}
			}
		}
		vs = append(vs, v)
	}
	var ns []*volmatch.Need
	for i := 0; i < nn; i++ {
		day, from := r.IntN(6), 9+r.IntN(6)
		var ss []volmatch.Shift
		for w := 0; w < 2; w++ {
			ss = append(ss, shiftAt(fmt.Sprintf("w%d", w), day+7*w, from, from+2, 1))
		}
		n := randNeed(r, i, ss)
		n.Mode = volmatch.ModePairing
		n.Recipient = &volmatch.RecipientPreferences{}
		switch r.IntN(4) {
		case 0:
			n.Recipient.Gender = "f"
		case 1:
			n.Recipient.MaxAge = 45
		case 2:
			n.Recipient.Languages = []string{"en"}
		}
		for h := from; h < from+4; h++ {
			n.Recipient.Weekly.Set(day%7*24 + h)
		}
		ns = append(ns, n)
	}
	return vs, ns
}

func TestPairOptimalAndValid(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(21, 22))
	const scale = 1e6
	totalPairs, contested := 0, 0
	for k := 0; k < 80; k++ {
		vs, ns := pairingInstance(r, 2+r.IntN(5), 1+r.IntN(4))
		ns[0].Mode = []volmatch.Mode{volmatch.ModePairing, volmatch.ModeMenu}[r.IntN(2)] // a non-pairing need is ignored
		p, err := matcher.Pair(context.Background(), ns, grid.All(vs), sc, matcher.PairOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Exhaustive weights through the same rules, checked independently
		// for the hard parts.
		w := map[[2]int]int64{}
		for vi, v := range vs {
			for ni, n := range ns {
				if n.Mode != volmatch.ModePairing {
					continue
				}
				if rp := n.Recipient; rp.Gender != "" && v.Gender != rp.Gender || rp.MaxAge > 0 && 2026-v.BirthYear > rp.MaxAge {
					continue
				}
				ok := true
				for _, s := range n.Shifts {
					if sc.Gate(v, n, s) != "" {
						ok = false
					}
				}
				if !ok {
					continue
				}
				w[[2]int{vi, ni}] = 1 // weight filled from the pairing below when used
			}
		}
		if p.Eligible != len(w) {
			t.Fatalf("instance %d: Pairing.Eligible = %d, exhaustive %d", k, p.Eligible, len(w))
		}
		usedV, usedN := map[string]bool{}, map[string]bool{}
		vIdx, nIdx := map[string]int{}, map[string]int{}
		for i, v := range vs {
			vIdx[v.ID] = i
		}
		for i, n := range ns {
			nIdx[n.ID] = i
		}
		for _, m := range p.Pairs {
			if usedV[m.Volunteer] || usedN[m.Need] {
				t.Fatalf("instance %d: %s or %s paired twice", k, m.Volunteer, m.Need)
			}
			usedV[m.Volunteer], usedN[m.Need] = true, true
			if _, ok := w[[2]int{vIdx[m.Volunteer], nIdx[m.Need]}]; !ok {
				t.Fatalf("instance %d: ineligible pair %s-%s", k, m.Volunteer, m.Need)
			}
		}
		// Brute force over every matching, weighing pairs with the weight
		// Pair reports for them (found by pairing each need alone).
		weight := map[[2]int]int64{}
		for key := range w {
			v, n := vs[key[0]], ns[key[1]]
			one, err := matcher.Pair(context.Background(), []*volmatch.Need{n}, grid.All([]*volmatch.Volunteer{v}), sc, matcher.PairOptions{})
			if err != nil || len(one.Pairs) != 1 {
				t.Fatalf("Pair of one eligible pair = %+v, %v", one, err)
			}
			weight[key] = int64(math.Round(one.Pairs[0].Weight * scale))
		}
		var best int64
		var rec func(ni int, used map[int]bool, val int64)
		rec = func(ni int, used map[int]bool, val int64) {
			if ni == len(ns) {
				best = max(best, val)
				return
			}
			rec(ni+1, used, val)
			for vi := range vs {
				if g, ok := weight[[2]int{vi, ni}]; ok && !used[vi] {
					used[vi] = true
					rec(ni+1, used, val+g)
					used[vi] = false
				}
			}
		}
		rec(0, map[int]bool{}, 0)
		var got int64
		for _, m := range p.Pairs {
			got += int64(math.Round(m.Weight * scale))
		}
		if got != best {
			t.Fatalf("instance %d: Pair total %d, brute force %d", k, got, best)
		}
		totalPairs += len(p.Pairs)
		if len(w) > len(p.Pairs) && len(p.Pairs) > 1 {
			contested++
		}
		if len(p.Pairs)+len(p.Unpaired) != len(ns)-btoi(ns[0].Mode != volmatch.ModePairing) {
			t.Fatalf("instance %d: %d pairs + %d unpaired for the pairing needs", k, len(p.Pairs), len(p.Unpaired))
		}
	}
	if totalPairs < 40 || contested < 10 {
		t.Errorf("%d pairs, %d contested instances: the generator should give more", totalPairs, contested)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPairRepairChangesNoOtherPair(t *testing.T) {
	sc := scoring.NewScorer(nil, scoring.Options{})
	r := rand.New(rand.NewPCG(31, 32))
	repaired := 0
	for k := 0; k < 40; k++ {
		vs, ns := pairingInstance(r, 30, 8)
		cur, err := matcher.Pair(context.Background(), ns, grid.All(vs), sc, matcher.PairOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cur.Pairs) == 0 {
			continue
		}
		drop := cur.Pairs[r.IntN(len(cur.Pairs))]
		next, err := matcher.Repair(context.Background(), cur, drop.Volunteer, ns, grid.All(vs), sc, matcher.PairOptions{})
		if err != nil {
			t.Fatal(err)
		}
		inCur := map[string]bool{}
		for _, m := range cur.Pairs {
			inCur[m.Volunteer] = true
		}
		for _, m := range next.Pairs {
			if m.Volunteer == drop.Volunteer {
				t.Fatalf("Repair kept the dropped volunteer %s", drop.Volunteer)
			}
			if m.Need == drop.Need {
				if inCur[m.Volunteer] {
					t.Fatalf("Repair gave need %s to %s, who was already paired", m.Need, m.Volunteer)
				}
				repaired++
				continue
			}
			found := false
			for _, c := range cur.Pairs {
				if c.Need == m.Need && c.Volunteer == m.Volunteer {
					found = true
				}
			}
			if !found {
				t.Fatalf("Repair changed the pair of need %s", m.Need)
			}
		}
		if len(next.Pairs)+len(next.Unpaired) != len(cur.Pairs)+len(cur.Unpaired) {
			t.Fatalf("Repair lost a need: %d+%d vs %d+%d", len(next.Pairs), len(next.Unpaired), len(cur.Pairs), len(cur.Unpaired))
		}
	}
	if repaired == 0 {
		t.Errorf("no repair found a new volunteer: the instances do not exercise it")
	}
	if _, err := matcher.Repair(context.Background(), matcher.Pairing{}, "nobody", nil, grid.All(nil), sc, matcher.PairOptions{}); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("Repair(unknown volunteer) err = %v, want ENOTFOUND", err)
	}
}
