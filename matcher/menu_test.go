package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

func menuPopulation(t testing.TB, nv, nn int) (*datasets.Population, *scoring.Scorer, *taxonomy.Taxonomy) {
	t.Helper()
	tax := taxonomy.Load()
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
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
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
		for name, src := range map[string]*grid.Shifts{"all": grid.AllShifts(pop.Needs), "index": idx} {
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
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
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

// refMenu applies Menu's diversification to a full ranking: the reference
// for a Menu that scores only the shifts that can enter it.
func refMenu(ranked []matcher.MenuItem, o matcher.MenuOptions) []matcher.MenuItem {
	taken := make([]bool, len(ranked))
	perNeed, perCat := map[string]int{}, map[string]int{}
	count, read := 0, 0
	for i := 0; i < len(ranked) && count < o.K; i++ {
		read = i + 1
		it := ranked[i]
		if perNeed[it.Need] >= o.PerNeed || perCat[it.Category] >= o.PerDomain {
			continue
		}
		perNeed[it.Need]++
		perCat[it.Category]++
		taken[i] = true
		count++
	}
	for i := 0; i < read && count < o.K; i++ {
		if !taken[i] {
			taken[i] = true
			count++
		}
	}
	var out []matcher.MenuItem
	for i, t := range taken {
		if t {
			out = append(out, ranked[i])
		}
	}
	return out
}

func TestMenuEqualsExhaustive(t *testing.T) {
	pop, sc, tax := menuPopulation(t, 150, 3000)
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
	r := rand.New(rand.NewPCG(61, 62))
	opts := []matcher.MenuOptions{
		{}, {K: 3}, {K: 8, PerDomain: 2}, {K: 20, PerDomain: 1, PerNeed: 2}, {K: 1}, {K: 40, PerDomain: 10, PerNeed: 3},
	}
	compared := 0
	for vi, v := range pop.Volunteers {
		for oi, o := range opts {
			o.DomainOf = tax.DomainOf
			if oi == 2 {
				o.DomainOf = nil // categories are the domain keys
			}
			if vi%3 == 0 {
				o.Busy = randomBusy(r, v, pop.Needs)
			}
			full, _ := matcher.RankShifts(v, grid.AllShifts(pop.Needs), sc, o)
			want := refMenu(full, withMenuDefaults(o))
			for name, src := range map[string]*grid.Shifts{"all": grid.AllShifts(pop.Needs), "index": idx} {
				m := matcher.Menu(v, src, sc, o)
				if m.Eligible != len(full) {
					t.Fatalf("Menu(%s, %s, %+v).Eligible = %d, want %d", v.ID, name, o, m.Eligible, len(full))
				}
				if len(m.Items) != len(want) {
					t.Fatalf("Menu(%s, %s, opts %d) = %d items, want %d", v.ID, name, oi, len(m.Items), len(want))
				}
				for i := range want {
					g, w := m.Items[i], want[i]
					if g.Need != w.Need || g.Shift != w.Shift || g.Score != w.Score || g.Rank != w.Rank || g.Category != w.Category {
						t.Fatalf("Menu(%s, %s, opts %d).Items[%d] = %s/%s %v rank %d, want %s/%s %v rank %d",
							v.ID, name, oi, i, g.Need, g.Shift, g.Score, g.Rank, w.Need, w.Shift, w.Score, w.Rank)
					}
				}
			}
			if len(want) > 0 {
				compared++
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d non-empty menus compared", compared)
	}
}

func withMenuDefaults(o matcher.MenuOptions) matcher.MenuOptions {
	if o.K <= 0 {
		o.K = matcher.DefaultMenuK
	}
	if o.PerDomain <= 0 {
		o.PerDomain = matcher.DefaultMenuPerDomain
	}
	if o.PerNeed <= 0 {
		o.PerNeed = matcher.DefaultMenuPerNeed
	}
	return o
}

// TestMenuEqualsTrueExhaustive: Menu over the index equals the true
// exhaustive menu of BenchmarkMenu100k's baseline (every open shift through
// the plain gates and scorer, no bound), so that the benchmark compares two
// ways to the same answer.
func TestMenuEqualsTrueExhaustive(t *testing.T) {
	pop, sc, tax := menuPopulation(t, 120, 3000)
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
	r := rand.New(rand.NewPCG(71, 72))
	compared := 0
	for _, v := range pop.Volunteers {
		o := matcher.MenuOptions{DomainOf: tax.DomainOf, Busy: randomBusy(r, v, pop.Needs)}
		want := exhaustiveMenu(v, pop.Needs, sc, o)
		got := matcher.Menu(v, idx, sc, o).Items
		if len(got) != len(want) {
			t.Fatalf("Menu(%s) = %d items, the exhaustive menu %d", v.ID, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Need != w.Need || g.Shift != w.Shift || g.Score != w.Score || g.Rank != w.Rank || g.Category != w.Category {
				t.Fatalf("Menu(%s).Items[%d] = %s/%s %v rank %d, want %s/%s %v rank %d",
					v.ID, i, g.Need, g.Shift, g.Score, g.Rank, w.Need, w.Shift, w.Score, w.Rank)
			}
		}
		if len(want) > 0 {
			compared++
		}
	}
	if compared < 40 {
		t.Errorf("only %d non-empty menus compared", compared)
	}
}
