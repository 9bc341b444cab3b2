package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
	"volmatch/scoring"
)

func menuPopulation(t testing.TB, nv, nn int) (*datasets.Population, *scoring.Scorer, *datasets.Taxonomy) {
	t.Helper()
	tax := datasets.LoadTaxonomy()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: nv, Needs: nn, Seed: 7})
	return pop, scoring.NewScorer(tax, scoring.Options{}), tax
}

// randomBusy gives v a few held assignments at the times of random shifts.
func randomBusy(r *rand.Rand, v *volmatch.Volunteer, needs []*volmatch.Need) []volmatch.Assignment {
	var out []volmatch.Assignment
	for i := 0; i < r.IntN(3); i++ {
		n := needs[r.IntN(len(needs))]
		s := n.Shifts[r.IntN(len(n.Shifts))]
		st := []volmatch.AssignmentStatus{volmatch.AssignReserved, volmatch.AssignCancelled}[r.IntN(2)]
		out = append(out, volmatch.Assignment{ID: fmt.Sprintf("A%d", i), Need: n.ID, Shift: s.ID, Volunteer: v.ID, Start: s.Start, End: s.End, Status: st})
	}
	return out
}

func TestRankShiftsEqualsExhaustive(t *testing.T) {
	pop, sc, tax := menuPopulation(t, 150, 2000)
	idx := index.NewShiftsOf(pop.Needs, index.ShiftsOptions{})
	r := rand.New(rand.NewPCG(51, 52))
	nonEmpty := 0
	for _, v := range pop.Volunteers {
		o := matcher.MenuOptions{Busy: randomBusy(r, v, pop.Needs), DomainOf: tax.DomainOf}
		if r.IntN(4) == 0 {
			o.After = datasets.DefaultStart.AddDate(0, 0, 7)
		}
		// The reference: every shift of every need through the plain
		// scorer.
		type ref struct {
			need, shift string
			score       float64
			start       int64
		}
		var want []ref
		for _, n := range pop.Needs {
			if n.Status != volmatch.NeedOpen {
				continue
			}
			for _, s := range n.Shifts {
				if s.Filled >= s.Slots || !o.After.IsZero() && !s.Start.After(o.After) {
					continue
				}
				if sc.Gate(v, n, s) != "" || scoring.Busy(o.Busy, s) {
					continue
				}
				score, _ := sc.Score(v, n, s)
				want = append(want, ref{n.ID, s.ID, score, s.Start.UnixNano()})
			}
		}
		sort.Slice(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if a.score != b.score {
				return a.score > b.score
			}
			if a.start != b.start {
				return a.start < b.start
			}
			if a.need != b.need {
				return a.need < b.need
			}
			return a.shift < b.shift
		})
		for name, src := range map[string]matcher.ShiftSource{"all": matcher.AllShifts(pop.Needs), "index": idx} {
			got, _ := matcher.RankShifts(v, src, sc, o)
			if len(got) != len(want) {
				t.Fatalf("RankShifts(%s, %s) = %d items, want %d", v.ID, name, len(got), len(want))
			}
			for i := range got {
				if got[i].Need != want[i].need || got[i].Shift != want[i].shift || got[i].Score != want[i].score || got[i].Rank != i+1 {
					t.Fatalf("RankShifts(%s, %s)[%d] = %s/%s %v, want %s/%s %v", v.ID, name, i, got[i].Need, got[i].Shift, got[i].Score, want[i].need, want[i].shift, want[i].score)
				}
			}
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 40 {
		t.Errorf("only %d of 150 volunteers have an eligible shift: the test does not exercise the menu", nonEmpty)
	}
}

func TestMenuDiversifiedAndGrouped(t *testing.T) {
	pop, sc, tax := menuPopulation(t, 120, 2000)
	idx := index.NewShiftsOf(pop.Needs, index.ShiftsOptions{})
	diversified := 0
	for _, v := range pop.Volunteers {
		o := matcher.MenuOptions{K: 8, PerDomain: 2, DomainOf: tax.DomainOf}
		m := matcher.Menu(v, idx, sc, o)
		ranked, _ := matcher.RankShifts(v, idx, sc, o)
		if m.Eligible != len(ranked) || len(m.Items) != min(8, len(ranked)) {
			t.Fatalf("Menu(%s) = %d items of %d eligible, ranking has %d", v.ID, len(m.Items), m.Eligible, len(ranked))
		}
		cats, needs := map[string]int{}, map[string]int{}
		for _, it := range m.Items {
			cats[it.Category]++
			needs[it.Need]++
		}
		// The caps hold unless the ranking had too few kinds to fill K.
		capped := true
		for _, c := range cats {
			if c > 2 {
				capped = false
			}
		}
		for _, c := range needs {
			if c > 1 {
				capped = false
			}
		}
		if !capped {
			// Then every eligible item was needed: a skipped item exists
			// only if the first pass could not reach K.
			firstPass := 0
			pc, pn := map[string]int{}, map[string]int{}
			for _, it := range ranked {
				if pc[it.Category] < 2 && pn[it.Need] < 1 {
					pc[it.Category]++
					pn[it.Need]++
					firstPass++
				}
			}
			if firstPass >= 8 {
				t.Fatalf("Menu(%s) breaks the caps though %d diverse items were eligible", v.ID, firstPass)
			}
		}
		if len(ranked) > 8 && m.Items[len(m.Items)-1].Rank > 8 {
			diversified++
		}
		// Items are in rank order; each appears once in its (category,
		// day) group.
		grouped := 0
		for _, g := range m.Groups {
			for _, it := range g.Items {
				if it.Category != g.Category || it.Day != g.Day {
					t.Fatalf("Menu(%s): item %s/%s in group %s %s", v.ID, it.Need, it.Shift, g.Category, g.Day)
				}
				grouped++
			}
		}
		if grouped != len(m.Items) {
			t.Fatalf("Menu(%s): %d items grouped, %d items", v.ID, grouped, len(m.Items))
		}
		for i := 1; i < len(m.Items); i++ {
			if m.Items[i].Rank <= m.Items[i-1].Rank {
				t.Fatalf("Menu(%s) items out of rank order", v.ID)
			}
		}
	}
	if diversified == 0 {
		t.Errorf("no menu skipped a ranked item: diversification is not exercised")
	}
}
