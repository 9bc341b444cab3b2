package main

// target is one figure an issue sets: the benchmark and unit that measure it,
// its bound, and the baseline it must beat by MinRatio in the same run.
type target struct {
	What     string
	Name     string // a benchmark name, or its last path elements
	Unit     string
	Max      float64 // bound for lower-is-better units (0: none)
	Min      float64 // bound for higher-is-better units (0: none)
	Baseline string
	MinRatio float64
}

func (t target) meets(v float64) bool {
	if t.Max > 0 && v > t.Max {
		return false
	}
	if t.Min > 0 && v < t.Min {
		return false
	}
	return true
}

// targets are issue 7's figures (city scale on two cores).
var targets = []target{
	{What: "Rank over 1,000,000 volunteers: p99 ≤ 10 ms, ≥ 20× the exhaustive scan",
		Name: "Rank/n=1000000/index", Unit: "p99-ms", Max: 10, Baseline: "Rank/n=1000000/exhaustive", MinRatio: 20},
	{What: "Rank over 5,000,000 volunteers: p99 ≤ 25 ms",
		Name: "Rank/n=5000000/index", Unit: "p99-ms", Max: 25, Baseline: "Rank/n=5000000/exhaustive"},
	{What: "Menu over 100,000 open shifts: p99 ≤ 10 ms (baseline: the true exhaustive menu)",
		Name: "Menu100k/index", Unit: "p99-ms", Max: 10, Baseline: "Menu100k/exhaustive"},
	{What: "Menu over 100,000 open shifts: p99 ≤ 10 ms, in thread-CPU time (the wall clock waits for a shared core)",
		Name: "Menu100k/index", Unit: "p99-cpu-ms", Max: 10, Baseline: "Menu100k/exhaustive"},
	{What: "Rank over 5,000,000 volunteers: p99 ≤ 25 ms, in thread-CPU time",
		Name: "Rank/n=5000000/index", Unit: "p99-cpu-ms", Max: 25},
	{What: "Import and index 1,000,000 volunteers ≤ 3 min",
		Name: "Load/n=1000000/import", Unit: "s", Max: 180},
	{What: "Restart with an existing index, 1M volunteers: ready ≤ 20 s",
		Name: "Load/n=1000000/restart", Unit: "s", Max: 20},
	{What: "Resident memory serving 1M volunteers ≤ 1.5 GiB",
		Name: "Load/n=1000000/restart", Unit: "rss-MiB", Max: 1536},
	{What: "Resident memory serving 5M volunteers ≤ 6 GiB",
		Name: "Load/n=5000000/restart", Unit: "rss-MiB", Max: 6144},
	{What: "Rank over 100,000 volunteers, p50: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10)",
		Name: "Peers/n=100000/volmatch", Unit: "p50-ms", Baseline: "Peers/n=100000/postgis", MinRatio: 10},
	{What: "Rank over 100,000 volunteers, p99: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10)",
		Name: "Peers/n=100000/volmatch", Unit: "p99-ms", Baseline: "Peers/n=100000/postgis", MinRatio: 10},
	{What: "Rank over 100,000 volunteers, p50: ≥ 10× faster than Bleve (same needs, same top 10)",
		Name: "Peers/n=100000/volmatch", Unit: "p50-ms", Baseline: "Peers/n=100000/bleve", MinRatio: 10},
	{What: "Rank over 100,000 volunteers, p99: ≥ 10× faster than Bleve (same needs, same top 10)",
		Name: "Peers/n=100000/volmatch", Unit: "p99-ms", Baseline: "Peers/n=100000/bleve", MinRatio: 10},
	{What: "Rank over 1,000,000 volunteers, p50: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10)",
		Name: "Peers/n=1000000/volmatch", Unit: "p50-ms", Baseline: "Peers/n=1000000/postgis", MinRatio: 10},
	{What: "Rank over 1,000,000 volunteers, p99: ≥ 10× faster than PostgreSQL + PostGIS (same needs, same top 10)",
		Name: "Peers/n=1000000/volmatch", Unit: "p99-ms", Baseline: "Peers/n=1000000/postgis", MinRatio: 10},
	{What: "Rank over 1,000,000 volunteers, p50: ≥ 10× faster than Bleve (same needs, same top 10)",
		Name: "Peers/n=1000000/volmatch", Unit: "p50-ms", Baseline: "Peers/n=1000000/bleve", MinRatio: 10},
	{What: "Rank over 1,000,000 volunteers, p99: ≥ 10× faster than Bleve (same needs, same top 10)",
		Name: "Peers/n=1000000/volmatch", Unit: "p99-ms", Baseline: "Peers/n=1000000/bleve", MinRatio: 10},
	{What: "Assign 100,000 × 10,000 shifts (50,000 slots) to the optimum ≤ 10 s",
		Name: "AssignCity", Unit: "ns/op", Max: 10e9},
	{What: "Dense 1000 × 1000 assignment within 2× of scipy (≈ 50 ms)",
		Name: "AssignDense/n=1000/lapjv", Unit: "ns/op", Max: 100e6, Baseline: "AssignDense/n=1000/scipy", MinRatio: 0.5},
	{What: "GET matches, 32 clients, 60 s: ≥ 2,000 req/s",
		Name: "HTTP/matches", Unit: "req/s", Min: 2000},
	{What: "GET matches, 32 clients, 60 s: p99 ≤ 50 ms",
		Name: "HTTP/matches", Unit: "p99-ms", Max: 50},
	{What: "GET matches: zero errors",
		Name: "HTTP/matches", Unit: "errors", Max: 0.5},
	{What: "Accepts in Redis mode ≥ 5,000/s",
		Name: "HTTP/accepts-redis", Unit: "req/s", Min: 5000},
}
