package matcher_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
)

// rankBenchSizes are the populations BenchmarkRank ranks over. 5,000,000
// (Beijing's size: about 8 GiB and several minutes) runs only when
// VOLMATCH_BENCH_5M=1 (or BENCH_5M=1, as scripts/bench.sh sets it) or when
// the -bench pattern names it (-bench 'Rank/n=5000000').
func rankBenchSizes() []int {
	sizes := []int{10000, 100000, 1000000}
	pattern := ""
	if f := flag.Lookup("test.bench"); f != nil {
		pattern = f.Value.String()
	}
	if os.Getenv("VOLMATCH_BENCH_5M") == "1" || os.Getenv("BENCH_5M") == "1" || strings.Contains(pattern, "5000000") {
		sizes = append(sizes, 5000000)
	}
	return sizes
}

// rankBenchNeeds is the rotation of generated needs each iteration ranks.
const rankBenchNeeds = 100

// rankBenchPop returns a generated population of n volunteers (seed 42)
// and the rotation of needs. Generate keys every volunteer to its own
// stream, so a smaller population is a prefix of a larger one: the largest
// generated so far is kept and sliced.
var rankBenchPop = func() func(n int) ([]*volmatch.Volunteer, []*volmatch.Need) {
	var pop *datasets.Population
	return func(n int) ([]*volmatch.Volunteer, []*volmatch.Need) {
		if pop == nil || len(pop.Volunteers) < n {
			pop = nil
			runtime.GC()
			pop = datasets.Generate(datasets.GenOptions{Volunteers: n, Needs: rankBenchNeeds, Seed: 42, Lean: true})
		}
		return pop.Volunteers[:n:n], pop.Needs
	}
}()

// BenchmarkRank ranks the top 10 for each of 100 generated needs per
// iteration over 10,000 to 1,000,000 volunteers (5,000,000 on request, see
// rankBenchSizes), through the feature index and through the exhaustive
// scan (grid.All), and reports the latency of one Rank: p50-ms and
// p99-ms over every ranking of the run (p50-cpu-ms and p99-cpu-ms the same
// in the thread's CPU time, see reportLatency), ms/rank its mean, scanned/op the
// volunteers handed to the scorer per ranking, and for the index its heap
// per volunteer (index-B/vol, the index's own structures, the volunteers
// aside). The population and the index are built before the timer starts.
// Both sources must give the same rankings (TestRankIndexEqualsExhaustive);
// here the top-10 IDs of each need are compared as well.
//
//	go test -run '^$' -bench 'BenchmarkRank$' -benchtime 1x -count 5 ./matcher/
//	VOLMATCH_BENCH_5M=1 go test -run '^$' -bench 'BenchmarkRank$/n=5000000' -benchtime 1x ./matcher/
func BenchmarkRank(b *testing.B) {
	sc := rankScorer()
	for _, n := range rankBenchSizes() {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			vs, needs := rankBenchPop(n)
			var top [rankBenchNeeds][]string // the exhaustive scan's top IDs, once it ran
			for _, name := range []string{"index", "exhaustive"} {
				b.Run(name, func(b *testing.B) {
					var src *grid.Features
					var perVol float64
					if name == "index" {
						var m0, m1 runtime.MemStats
						runtime.GC()
						runtime.ReadMemStats(&m0)
						f := grid.NewFeatures(vs)
						runtime.GC()
						runtime.ReadMemStats(&m1)
						perVol = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n)
						src = f
					} else {
						src = grid.All(vs)
					}
					runtime.GC() // collect the garbage of the build before timing
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					var times, cpu []time.Duration
					var scanned int
					b.ReportAllocs()
					for b.Loop() {
						for i, nd := range needs {
							c0, cok := threadCPU()
							t0 := time.Now()
							r := matcher.Rank(nd, src, sc, matcher.RankOptions{K: 10})
							times = append(times, time.Since(t0))
							if c1, ok := threadCPU(); ok && cok {
								cpu = append(cpu, c1-c0)
							}
							scanned += r.Scanned
							ids := make([]string, len(r.Matches))
							for k, m := range r.Matches {
								ids[k] = m.Volunteer
							}
							if top[i] == nil {
								top[i] = ids
							} else if !slices.Equal(top[i], ids) {
								b.Fatalf("Rank(%s) over %d: %s gives %v, the other source %v", nd.ID, n, name, ids, top[i])
							}
						}
					}
					b.StopTimer()
					reportLatency(b, times, cpu)
					var sum time.Duration
					for _, t := range times {
						sum += t
					}
					b.ReportMetric(float64(sum.Nanoseconds())/1e6/float64(len(times)), "ms/rank")
					b.ReportMetric(float64(scanned)/float64(len(times)), "scanned/op")
					if name == "index" {
						b.ReportMetric(perVol, "index-B/vol")
					}
					runtime.KeepAlive(src)
				})
			}
		})
	}
}

// reportLatency reports the p50 and p99 of times (wall clock, p50-ms and
// p99-ms) and, when measured, of cpu (the thread's CPU time per call,
// p50-cpu-ms and p99-cpu-ms: on a loaded machine the wall-clock tail is
// mostly waiting for a core). It sorts both.
func reportLatency(b *testing.B, times, cpu []time.Duration) {
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
