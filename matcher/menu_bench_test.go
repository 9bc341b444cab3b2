package matcher_test

import (
	"math/rand/v2"
	"runtime"
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
// sample of volunteers, through the grid index and exhaustively, and
// reports the per-volunteer p50 and p99 (wall clock and thread CPU time).
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
	for _, src := range []struct {
		name string
		s    *grid.Shifts
	}{{"index", idx}, {"exhaustive", grid.AllShifts(pop.Needs)}} {
		b.Run(src.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var times, cpu []time.Duration
			items := 0
			for b.Loop() {
				for _, v := range sample {
					c0, cok := threadCPU()
					t0 := time.Now()
					m := matcher.Menu(v, src.s, sc, o)
					times = append(times, time.Since(t0))
					if c1, ok := threadCPU(); ok && cok {
						cpu = append(cpu, c1-c0)
					}
					items += len(m.Items)
				}
			}
			reportLatency(b, times, cpu)
			b.ReportMetric(float64(idx.Len()), "open-shifts")
			b.ReportMetric(float64(items)/float64(len(times)), "items/menu")
		})
	}
}
