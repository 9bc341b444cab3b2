package peers_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/internal/peers"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// peersBenchNeeds is the rotation of generated needs each iteration ranks
// (BenchmarkRank's: the same seed, the same needs).
const peersBenchNeeds = 100

// BenchmarkPeers ranks the top 10 for each of 100 generated needs per
// iteration over 100,000 and 1,000,000 generated volunteers (seed 42, as
// BenchmarkRank) three ways in one run: volmatch (matcher.Rank over the
// feature index), PostgreSQL with PostGIS (one query per need) and Bleve
// (one search per need, the hits scored in Go). It reports p50-ms and
// p99-ms of one ranking and ms/rank, its mean; the loads (the feature
// index; COPY and the indexes; Bleve's indexing) are done before the timer
// starts and reported as load-s. Every peer's top 10 must equal volmatch's on every need, or the
// benchmark fails. The PostgreSQL cluster is started by the benchmark
// (StartPostgres) on a loopback port.
//
//	go test -run '^$' -bench '^BenchmarkPeers$' -benchtime 3x ./internal/peers/
//	go test -run '^$' -bench '^BenchmarkPeers$/^n=100000$' -benchtime 1x ./internal/peers/   # one size
func BenchmarkPeers(b *testing.B) {
	ctx := context.Background()
	tax := taxonomy.Load()
	sc := scoring.NewScorer(tax, scoring.Options{})
	pg := startPostgres(b)
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			pop := datasets.Generate(datasets.GenOptions{Volunteers: n, Needs: peersBenchNeeds, Seed: 42, Lean: true})
			vs, needs := pop.Volunteers, pop.Needs
			t0 := time.Now()
			feats := grid.NewFeatures(vs)
			featsLoad := time.Since(t0)
			want := make([][]volmatch.Match, len(needs))
			for i, nd := range needs {
				want[i] = matcher.Rank(nd, feats, sc, matcher.RankOptions{K: 10}).Matches
			}
			type ranker func(*volmatch.Need) ([]volmatch.Match, error)
			setups := []struct {
				name  string
				setup func(b *testing.B) (ranker, func())
			}{
				{"volmatch", func(b *testing.B) (ranker, func()) {
					return func(nd *volmatch.Need) ([]volmatch.Match, error) {
						return matcher.Rank(nd, feats, sc, matcher.RankOptions{K: 10}).Matches, nil
					}, func() {}
				}},
				{"postgis", func(b *testing.B) (ranker, func()) {
					g, err := peers.OpenPostGIS(ctx, pg.URL, sc)
					if err != nil {
						b.Fatal(err)
					}
					if err := g.Load(ctx, tax, vs); err != nil {
						b.Fatal(err)
					}
					return func(nd *volmatch.Need) ([]volmatch.Match, error) { return g.Rank(ctx, nd, 10) },
						func() { g.Close() }
				}},
				{"bleve", func(b *testing.B) (ranker, func()) {
					bl, err := peers.OpenBleve(b.TempDir()+"/bleve", sc)
					if err != nil {
						b.Fatal(err)
					}
					if err := bl.Load(vs); err != nil {
						b.Fatal(err)
					}
					return func(nd *volmatch.Need) ([]volmatch.Match, error) { return bl.Rank(ctx, nd, 10) },
						func() { bl.Close() }
				}},
			}
			for _, s := range setups {
				b.Run(s.name, func(b *testing.B) {
					t0 := time.Now()
					rank, done := s.setup(b)
					defer done()
					load := time.Since(t0)
					if s.name == "volmatch" {
						load = featsLoad // built above, for the answers the peers must give
					}
					runtime.GC()
					var times []time.Duration
					for b.Loop() {
						for i, nd := range needs {
							t := time.Now()
							got, err := rank(nd)
							times = append(times, time.Since(t))
							if err != nil {
								b.Fatal(err)
							}
							if d := diffMatches(want[i], got); d != "" {
								b.Fatalf("%s Rank(%s) over %d: %s", s.name, nd.ID, n, d)
							}
						}
					}
					b.StopTimer()
					var sum time.Duration
					for _, t := range times {
						sum += t
					}
					slices.Sort(times)
					ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
					q := func(p int) time.Duration { return times[min(len(times)-1, len(times)*p/100)] }
					b.ReportMetric(ms(q(50)), "p50-ms")
					b.ReportMetric(ms(q(99)), "p99-ms")
					b.ReportMetric(ms(sum)/float64(len(times)), "ms/rank")
					b.ReportMetric(load.Seconds(), "load-s")
				})
			}
		})
	}
}
