package matcher_test

import (
	"cmp"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// BenchmarkMenu100k builds menus over at least 100,000 open shifts for a
// sample of volunteers through the grid index (matcher.Menu: the gates in
// the grid, needs scored in the order of their bound until none can enter,
// reusing one MenuScratch)
// and through the true exhaustive baseline (exhaustiveMenu: every open
// shift of every need through the plain gates and scorer, no index and no
// bound, then the same diversification), and reports the per-volunteer p50
// and p99 (wall clock and thread CPU time). Both must give the same items.
//
//	go test -run '^$' -bench BenchmarkMenu100k -benchtime 1x -count 3 ./matcher/
func BenchmarkMenu100k(b *testing.B) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 2000, Needs: 45000, Seed: 2})
	tax := taxonomy.Load()
	sc := scoring.NewScorer(tax, scoring.Options{})
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
	if idx.Len() < 100000 {
		b.Fatalf("only %d open shifts", idx.Len())
	}
	r := rand.New(rand.NewPCG(3, 4))
	sample := make([]*volmatch.Volunteer, 200)
	for i := range sample {
		sample[i] = pop.Volunteers[r.IntN(len(pop.Volunteers))]
	}
	o := matcher.MenuOptions{DomainOf: tax.DomainOf}
	oi := o
	oi.Scratch = &matcher.MenuScratch{} // one menu at a time here, as a caller keeps one per goroutine
	menus := map[string][][]string{}    // the items' need/shift of each sampled volunteer, per source
	for _, src := range []struct {
		name string
		menu func(v *volmatch.Volunteer) []matcher.MenuItem
	}{
		{"index", func(v *volmatch.Volunteer) []matcher.MenuItem { return matcher.Menu(v, idx, sc, oi).Items }},
		{"exhaustive", func(v *volmatch.Volunteer) []matcher.MenuItem { return exhaustiveMenu(v, pop.Needs, sc, o) }},
	} {
		b.Run(src.name, func(b *testing.B) {
			runtime.GC()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var times, cpu []time.Duration
			items := 0
			got := make([][]string, len(sample))
			for b.Loop() {
				for i, v := range sample {
					c0, cok := threadCPU()
					t0 := time.Now()
					m := src.menu(v)
					times = append(times, time.Since(t0))
					if c1, ok := threadCPU(); ok && cok {
						cpu = append(cpu, c1-c0)
					}
					items += len(m)
					got[i] = got[i][:0]
					for _, it := range m {
						got[i] = append(got[i], it.Need+"/"+it.Shift)
					}
				}
			}
			b.StopTimer()
			menus[src.name] = got
			if want, ok := menus["index"]; ok && src.name != "index" {
				for i := range want {
					if !slices.Equal(want[i], got[i]) {
						b.Fatalf("Menu(%s): the index gives %v, %s %v", sample[i].ID, want[i], src.name, got[i])
					}
				}
			}
			reportLatency(b, times, cpu)
			b.ReportMetric(float64(idx.Len()), "open-shifts")
			b.ReportMetric(float64(items)/float64(len(times)), "items/menu")
		})
	}
}

// exhaustiveMenu is the menu as the plain definition gives it: every open
// shift of every open need through the package-level gates (scoring.Gate,
// scoring.Busy) and scorer (Scorer.Score), no index and no bound, ranked
// (score, then the earlier start, need and shift ID) and diversified as
// Menu does (refMenu). It is the baseline of BenchmarkMenu100k.
func exhaustiveMenu(v *volmatch.Volunteer, needs []*volmatch.Need, sc *scoring.Scorer, o matcher.MenuOptions) []matcher.MenuItem {
	o = withMenuDefaults(o)
	var ranked []matcher.MenuItem
	for _, n := range needs {
		if n.Status != volmatch.NeedOpen && n.Status != "" {
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
			cat := n.Domain
			if o.DomainOf != nil {
				if d := o.DomainOf(n.Domain); d != "" {
					cat = d
				}
			}
			ranked = append(ranked, matcher.MenuItem{Need: n.ID, Shift: s.ID, Score: score, Start: s.Start, Category: cat})
		}
	}
	slices.SortFunc(ranked, func(a, b matcher.MenuItem) int {
		switch {
		case a.Score != b.Score:
			return cmp.Compare(b.Score, a.Score)
		case !a.Start.Equal(b.Start):
			return a.Start.Compare(b.Start)
		case a.Need != b.Need:
			return strings.Compare(a.Need, b.Need)
		}
		return strings.Compare(a.Shift, b.Shift)
	})
	for i := range ranked {
		ranked[i].Rank = i + 1
	}
	return refMenu(ranked, o)
}
