package matcher_test

import (
	"runtime"
	"sync"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
)

// benchPop is the benchmark population: 200,000 generated volunteers and
// 100 needs, built once per test binary.
var benchPop = sync.OnceValue(func() *datasets.Population {
	return datasets.Generate(datasets.GenOptions{Volunteers: 200000, Needs: 100, Seed: 42})
})

// BenchmarkRank ranks the top 10 for one generated need per iteration,
// rotating over 100 needs, through the feature index (as built, and after
// Compact) and through the exhaustive scan of all 200,000 volunteers. The
// population and the index are built before the timer starts.
//
//	go test -run '^$' -bench BenchmarkRank -benchtime 200x -count 5 -cpu 1 ./matcher/
func BenchmarkRank(b *testing.B) {
	pop := benchPop()
	sc := rankScorer()
	sources := []struct {
		name string
		src  func() matcher.Source
	}{
		{"index", func() matcher.Source { return index.NewFeatures(pop.Volunteers) }},
		{"index-compact", func() matcher.Source {
			f := index.NewFeatures(pop.Volunteers)
			f.Compact()
			return f
		}},
		{"exhaustive", func() matcher.Source { return matcher.All(pop.Volunteers) }},
	}
	for _, s := range sources {
		b.Run(s.name, func(b *testing.B) {
			src := s.src()
			runtime.GC() // collect the garbage of the build before timing
			var scanned, eligible int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				r := matcher.Rank(pop.Needs[i%len(pop.Needs)], src, sc, matcher.RankOptions{K: 10})
				scanned += r.Scanned
				eligible += r.Eligible
			}
			b.ReportMetric(float64(scanned)/float64(b.N), "scanned/op")
			b.ReportMetric(float64(eligible)/float64(b.N), "eligible/op")
		})
	}
}

var _ = volmatch.Beijing
