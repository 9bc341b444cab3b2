#!/usr/bin/env bash
# bench.sh: run the benchmark suite into bench/results.txt and rewrite the
# figures section of BENCHMARKS.md from it (what `make bench` runs).
#
#   BENCH_COUNT   runs of each Go benchmark (default 5)
#   BENCH_5M=1    also rank over 5,000,000 volunteers (needs ~8 GiB and time)
#   BENCH_QUICK=1 Go benchmarks only: skip the 1M import and the HTTP load runs
set -euo pipefail
cd "$(dirname "$0")/.."

count=${BENCH_COUNT:-5}
out=bench/results.txt
mkdir -p bench
: >"$out"

gobench() { # gobench PKG PATTERN [extra go test flags...]
	local pkg=$1 pattern=$2
	shift 2
	echo "== go test -bench '$pattern' $* $pkg" >&2
	go test -run '^$' -bench "$pattern" -benchmem -timeout 60m "$@" "$pkg" | tee -a "$out"
}

gobench ./matcher/ '^BenchmarkRank$' -count "$count" -cpu 1
gobench ./matcher/ '^BenchmarkMenu100k$' -count "$count" -benchtime 1x
gobench ./matcher/ '^BenchmarkAssign' -count 1 -benchtime 1x
gobench ./matcher/flow/ . -count "$count"
gobench ./datasets/ '^BenchmarkORLib$' -count "$count" -benchtime 3x
gobench ./index/ . -count 3
gobench ./store/bolt/ . -count 3
gobench ./store/redis/ . -count 3 -benchtime 2000x
gobench ./api/ . -count "$count"

if [[ "${BENCH_QUICK:-}" != 1 ]]; then
	# Whole-command figures, appended in the benchmark format by the scripts.
	./scripts/load1m.sh --bench | tee -a "$out"
	./scripts/loadtest.sh --bench | tee -a "$out"
fi

go run ./cmd/benchreport -in "$out" -doc BENCHMARKS.md -plots bench
echo "wrote BENCHMARKS.md and bench/*.png from $out" >&2
