package matcher_test

import (
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"volmatch/matcher"
	"volmatch/matcher/grid"
)

// BenchmarkRankSlowest finds, over VOLMATCH_SLOW_N volunteers (1,000,000 by
// default), the needs of BenchmarkRank's rotation whose ranking takes the
// most thread-CPU time (the best of three rounds each), logs the five
// slowest, then ranks the slowest one (or VOLMATCH_SLOW_NEED) b.N times: the p99 of BenchmarkRank
// is about its one or two slowest needs, and this is the loop to profile.
//
//	go test -run '^$' -bench 'BenchmarkRankSlowest' -benchtime 200x -cpu 1 -cpuprofile /tmp/slow.prof ./matcher/
func BenchmarkRankSlowest(b *testing.B) {
	n := 1000000
	if s := os.Getenv("VOLMATCH_SLOW_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	sc := rankScorer()
	vs, needs := rankBenchPop(n)
	f := grid.NewFeatures(vs)
	runtime.GC()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	type timed struct {
		i   int
		cpu time.Duration
	}
	ts := make([]timed, len(needs))
	for i, nd := range needs {
		ts[i] = timed{i, time.Hour}
		for range 3 {
			c0, _ := threadCPU()
			matcher.Rank(nd, f, sc, matcher.RankOptions{K: 10})
			c1, _ := threadCPU()
			ts[i].cpu = min(ts[i].cpu, c1-c0)
		}
	}
	slices.SortFunc(ts, func(a, b timed) int { return cmp.Compare(b.cpu, a.cpu) })
	for _, t := range ts[:5] {
		nd := needs[t.i]
		r := matcher.Rank(nd, f, sc, matcher.RankOptions{K: 10})
		b.Logf("%s radius %.0f km, %d requirement(s): %.2f cpu-ms, %d scanned", nd.ID, nd.RadiusKm,
			len(nd.Requires.Skills)+len(nd.Requires.Certificates)+len(nd.Requires.Trainings)+len(nd.Requires.Languages), float64(t.cpu)/1e6, r.Scanned)
	}
	slow := needs[ts[0].i]
	if id := os.Getenv("VOLMATCH_SLOW_NEED"); id != "" {
		for _, nd := range needs {
			if nd.ID == id {
				slow = nd
			}
		}
	}
	b.Run(fmt.Sprintf("need=%s", slow.ID), func(b *testing.B) {
		var cpu []time.Duration
		for b.Loop() {
			c0, _ := threadCPU()
			matcher.Rank(slow, f, sc, matcher.RankOptions{K: 10})
			c1, _ := threadCPU()
			cpu = append(cpu, c1-c0)
		}
		slices.Sort(cpu)
		b.ReportMetric(float64(cpu[len(cpu)/2])/1e6, "p50-cpu-ms")
	})
}
