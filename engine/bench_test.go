package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/matcher"
)

// BenchmarkMenuRebuild measures Engine.Menu over 2,000 needs in a bbolt
// store (was storeModes.Menu in cmd/volmatch). The name is historical: the
// shift grid was rebuilt from the store's open needs on every call; since
// issue 17 the menu reads the open-shift index the follower keeps (see
// BenchmarkMenuShifts for the two paths side by side).
func BenchmarkMenuRebuild(b *testing.B) {
	ctx := context.Background()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 200, Needs: 2000, Seed: 1, Start: datasets.DefaultStart, Weeks: 4})
	e, st := newEngine(b, pop.Volunteers...)
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil { // the store's writes, as Follow would
		b.Fatal(err)
	}
	now = datasets.DefaultStart.Add(-time.Hour)
	b.Cleanup(func() { now = fixture0 })
	b.ResetTimer()
	items := 0
	for i := 0; b.Loop(); i++ {
		m, err := e.Menu(ctx, admin, pop.Volunteers[i%len(pop.Volunteers)].ID, engine.MenuOptions{K: 10})
		if err != nil {
			b.Fatal(err)
		}
		items += len(m.Items)
	}
	if items == 0 {
		b.Fatal("every menu was empty")
	}
}

// BenchmarkMenuShifts measures Engine.Menu over 10,000 open needs with ten
// shifts each (100,000 shifts) in a bbolt store, against the path it
// replaced (same run, same store): every need read from the store and a
// fresh grid.NewShiftsOf built on every call (referenceMenu, the tests'
// reference). It reports the latency of one menu, p50/p99 in wall time
// and in the thread's CPU time (reportMenuLatency), and B/op.
//
//	go test -run '^$' -bench 'BenchmarkMenuShifts' -benchtime 200x ./engine/
func BenchmarkMenuShifts(b *testing.B) {
	ctx := context.Background()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 200, Needs: 10000, Seed: 1, Start: datasets.DefaultStart, Weeks: 4})
	for _, n := range pop.Needs { // ten shifts a need: the first ones again, days later
		base := n.Shifts
		for k := 0; len(n.Shifts) < 10; k++ {
			s := base[k%len(base)]
			s.ID = fmt.Sprintf("x%d", k)
			s.Filled = 0
			d := time.Duration(24*(1+k/len(base))) * time.Hour
			s.Start, s.End = s.Start.Add(d), s.End.Add(d)
			n.Shifts = append(n.Shifts, s)
		}
	}
	e, st := newEngine(b, pop.Volunteers...)
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil { // the store's writes, as Follow would
		b.Fatal(err)
	}
	now = datasets.DefaultStart.Add(-time.Hour)
	b.Cleanup(func() { now = fixture0 })
	for _, path := range []string{"index", "store-walk"} {
		b.Run(path, func(b *testing.B) {
			runtime.GC()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var times, cpu []time.Duration
			items := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := pop.Volunteers[i%len(pop.Volunteers)].ID
				c0, cok := threadCPU()
				t0 := time.Now()
				var m matcher.ServiceMenu
				if path == "index" {
					var err error
					if m, err = e.Menu(ctx, admin, id, engine.MenuOptions{K: 20}); err != nil {
						b.Fatal(err)
					}
				} else {
					m = referenceMenu(b, ctx, st, id, now)
				}
				times = append(times, time.Since(t0))
				if c1, ok := threadCPU(); ok && cok {
					cpu = append(cpu, c1-c0)
				}
				items += len(m.Items)
			}
			b.StopTimer()
			if items == 0 {
				b.Fatal("every menu was empty")
			}
			reportMenuLatency(b, times, cpu)
		})
	}
}

// reportMenuLatency reports the p50 and p99 of times (p50-ms, p99-ms) and
// of cpu, the thread's CPU time per menu (p50-cpu-ms, p99-cpu-ms: on a
// loaded machine the wall-clock tail is mostly waiting for a core).
func reportMenuLatency(b *testing.B, times, cpu []time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	q := func(ds []time.Duration, p int) time.Duration { return ds[min(len(ds)-1, len(ds)*p/100)] }
	slices.Sort(times)
	b.ReportMetric(ms(q(times, 50)), "p50-ms")
	b.ReportMetric(ms(q(times, 99)), "p99-ms")
	if len(cpu) == len(times) && len(cpu) > 0 {
		slices.Sort(cpu)
		b.ReportMetric(ms(q(cpu, 50)), "p50-cpu-ms")
		b.ReportMetric(ms(q(cpu, 99)), "p99-cpu-ms")
	}
}
