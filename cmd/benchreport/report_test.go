package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `# step rank: load average 0.10 0.20 0.30
goos: linux
goarch: amd64
pkg: volmatch/matcher
cpu: Test CPU @ 2.00GHz
BenchmarkRank/n=10000/index-2         	     100	    100000 ns/op	         0.2 p50-ms	         0.5 p99-ms
BenchmarkRank/n=10000/index-2         	     100	    120000 ns/op	         0.2 p50-ms	         0.7 p99-ms
BenchmarkRank/n=10000/exhaustive-2    	     100	   1000000 ns/op	         1.0 p50-ms	         2.0 p99-ms
BenchmarkRank/n=1000000/index-2       	     100	   2000000 ns/op	         2.0 p50-ms	         8.0 p99-ms
BenchmarkRank/n=1000000/exhaustive-2  	     100	 200000000 ns/op	       190 p50-ms	       220 p99-ms
some log line from a benchmark
# step rank done: load average 1.50 0.60 0.40
# step http: load average 2.00 1.00 0.50
BenchmarkHTTP/matches 1 2100 req/s 40 p99-ms 3 errors
# step http done: load average 3.00 1.50 0.70
BenchmarkPeers/n=100000/volmatch-2    	       3	 100000000 ns/op	         0.5 p50-ms	         3.0 p99-ms
BenchmarkPeers/n=100000/postgis-2     	       3	 100000000 ns/op	       150 p50-ms	        20.0 p99-ms
PASS
ok  	volmatch/matcher	12.3s
`

func TestParse(t *testing.T) {
	in, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if in.CPU != "Test CPU @ 2.00GHz" || len(in.Results) != 7 {
		t.Fatalf("Parse: cpu %q, %d results, want Test CPU and 7", in.CPU, len(in.Results))
	}
	r := in.Find("n=10000/index")
	if r == nil || r.Runs != 2 || r.Pkg != "volmatch/matcher" {
		t.Fatalf("Find(n=10000/index) = %+v, want 2 runs in volmatch/matcher", r)
	}
	if v, _ := r.Median("p99-ms"); v != 0.6 {
		t.Errorf("median p99 = %v, want 0.6", v)
	}
	if v, _ := in.Find("HTTP/matches").Median("req/s"); v != 2100 {
		t.Errorf("HTTP req/s = %v, want 2100", v)
	}
}

func TestRunWritesSectionBetweenMarkers(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "results.txt")
	doc := filepath.Join(dir, "BENCHMARKS.md")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	prose := "# Benchmarks\n\nhand-written\n\n" + beginMarker + "\nold figures\n" + endMarker + "\n\n## Notes\n\nkept\n"
	if err := os.WriteFile(doc, []byte(prose), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, doc, "plots", "make bench"); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(doc)
	s := string(out)
	for _, want := range []string{
		"hand-written", "## Notes\n\nkept",
		"Test CPU @ 2.00GHz",
		// 1M rank: p99 8 ms ≤ 10 and 220/8 = 27.5× ≥ 20×: met.
		"| Rank over 1,000,000 volunteers: p99 ≤ 10 ms, ≥ 20× the exhaustive scan | 8 p99-ms | 220 p99-ms | 27.5× | 0.10 0.20 0.30 → 1.50 0.60 0.40 | yes |",
		// 3 errors: not met, with the link to why.
		"| GET matches: zero errors | 3 errors |  |  | 2.00 1.00 0.50 → 3.00 1.50 0.70 | **no** ([why](#matches-over-http)) |",
		"| Rank/n=10000 | index | exhaustive | p99-ms | 0.6 p99-ms | 2 p99-ms | 3.3× |",
		// a peer beaten 300× at p50 but only 6.7× at p99; a peer not measured
		"| Rank over 100,000 volunteers, p50: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10) | 0.5 p50-ms | 150 p50-ms | 300.0× |  | yes |",
		"| Rank over 100,000 volunteers, p99: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10) | 3 p99-ms | 20 p99-ms | 6.7× |  | **no** ([why](#beside-the-peers)) |",
		"| Rank over 100,000 volunteers, p50: ≥ 10× faster than Bleve (same needs, same top 10) | 0.5 p50-ms | not measured in this run |  |  | **no** ([why](#beside-the-peers)) |",
		"| Peers/n=100000 | volmatch | postgis | p50-ms | 0.5 p50-ms | 150 p50-ms | 300.0× |",
		"#### Rank (p99-ms)",
		"| 1,000,000 | 8 | 220 |",
		"![Rank by population size](plots/scaling-Rank.png)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "old figures") {
		t.Errorf("old section kept:\n%s", s)
	}
	if st, err := os.Stat(filepath.Join(dir, "plots", "scaling-Rank.png")); err != nil || st.Size() < 1000 {
		t.Errorf("plot: %v, %v", st, err)
	}
}

// TestEveryTargetHasItsNote holds BENCHMARKS.md to the targets: each
// target's Gap is a heading of its hand-written part, so that a target not
// met links a note on the figure, the profile and what would close it.
func TestEveryTargetHasItsNote(t *testing.T) {
	doc, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	prose := string(doc)
	if i, j := strings.Index(prose, beginMarker), strings.Index(prose, endMarker); i >= 0 && j > i {
		prose = prose[:i] + prose[j:]
	}
	for _, tg := range targets {
		if tg.Gap == "" {
			t.Errorf("target %q has no Gap note", tg.What)
			continue
		}
		if !strings.Contains(prose, "\n### "+tg.Gap+"\n") {
			t.Errorf("target %q: BENCHMARKS.md has no heading %q", tg.What, "### "+tg.Gap)
		}
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"Serving 5,000,000 volunteers: memory and restart": "serving-5000000-volunteers-memory-and-restart",
		"Matches over HTTP": "matches-over-http",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}
