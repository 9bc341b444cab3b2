#!/usr/bin/env bash
# bench.sh: run the benchmark suite and rewrite the figures section of
# BENCHMARKS.md from it (what `make bench` runs).
#
#   scripts/bench.sh              every step
#   scripts/bench.sh rank menu    only those steps; the other steps' last
#                                 results are kept and reported with them
#
# Steps: rank menu peers assign overlap dense instances index stores api load http, and
# load5m (5,000,000 volunteers: ~15 min, ~10 GiB; run only when named or
# with BENCH_5M=1).
# Each step writes bench/results-STEP.txt (Go benchmark format, for
# benchstat); bench/results.txt is their concatenation, from which
# cmd/benchreport writes BENCHMARKS.md and bench/*.png.
#
#   BENCH_COUNT   runs of each Go benchmark (default 5)
#   BENCH_HTTP_COUNT  runs of the HTTP load test (default 3; the report
#                 takes each figure's median: one 60 s run moves by
#                 ±20-30 % on a shared VM)
#   BENCH_5M=1    also rank over, and load, 5,000,000 volunteers (~10 GiB, ~25 min)
set -euo pipefail
cd "$(dirname "$0")/.."

count=${BENCH_COUNT:-5}
all=(rank menu peers assign overlap dense instances index stores api load load5m http)
steps=("$@")
if [[ ${#steps[@]} -eq 0 ]]; then
	for s in "${all[@]}"; do
		[[ $s != load5m || "${BENCH_5M:-}" == 1 ]] && steps+=("$s")
	done
fi
mkdir -p bench

gobench() { # gobench PKG PATTERN [extra go test flags...]
	local pkg=$1 pattern=$2
	shift 2
	echo "== go test -bench '$pattern' $* $pkg" >&2
	go test -run '^$' -bench "$pattern" -benchmem -timeout 60m "$@" "$pkg"
}

# scipy_baseline times scipy's linear_sum_assignment on the matrix of
# BenchmarkAssignDense/n=1000 (Debian's python3-scipy; PyPI is not reachable
# here) and prints it as AssignDense/n=1000/scipy.
scipy_baseline() {
	if ! /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			apt-get install -y -qq python3-scipy >/dev/null || true
		fi
	fi
	if ! /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
		echo "bench: python3-scipy not installed; no scipy baseline" >&2
		return
	fi
	local m
	m=$(mktemp)
	VOLMATCH_LSA_OUT=$m go test -count 1 -run TestWriteLSAMatrix ./matcher/flow/ >/dev/null
	/usr/bin/python3 scripts/scipy_lsa.py "$m" 9 | tee /dev/stderr |
		sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' |
		awk '{ printf "BenchmarkAssignDense/n=1000/scipy\t1\t%.0f ns/op\n", $1 * 1e6 }'
	rm -f "$m"
}

step() {
	case $1 in
	rank) gobench ./matcher/ '^BenchmarkRank$' -count "$count" -cpu 1 ;;
	menu) gobench ./matcher/ '^BenchmarkMenu100k$' -count "$count" -benchtime 1x ;;
	# volmatch, PostgreSQL+PostGIS and Bleve ranking the same needs at 100k
	# and 1M (the benchmark starts its own postgres cluster on loopback,
	# initdb in a temporary folder, as the postgres user when run as root)
	peers)
		./scripts/deps.sh >&2
		gobench ./internal/peers/ '^BenchmarkPeers$' -count 1 -benchtime 3x
		;;
	assign) gobench ./matcher/ '^BenchmarkAssign(20k|50k|City)$' -count 2 -benchtime 1x ;;
	overlap) gobench ./matcher/ '^BenchmarkAssignOverlap$' -count 1 -benchtime 1x ;; # chained weeks, 1k-100k: up to ~6 min
	dense)
		gobench ./matcher/flow/ . -count "$count"
		scipy_baseline
		;;
	instances) gobench ./datasets/ '^BenchmarkORLib$' -count "$count" -benchtime 3x ;;
	index) gobench ./index/ . -count 3 ;;
	stores)
		gobench ./store/bolt/ . -count 3
		gobench ./store/redis/ 'Benchmark(Reserve|Need|Accept)$' -count 3 -benchtime 2000x
		gobench ./store/redis/ '^BenchmarkCreateInvitations$' -count 1 -benchtime 3x
		;;
	api) gobench ./api/ . -count "$count" ;;
	load) ./scripts/load1m.sh --bench ;; # import 1M, start, restart: Load/n=1000000/...
	load5m) LOAD_N=5000000 ./scripts/load1m.sh --bench ;;
	http) # 32 clients, 60 s: HTTP/..., BENCH_HTTP_COUNT times
		for _ in $(seq "${BENCH_HTTP_COUNT:-3}"); do ./scripts/loadtest.sh --bench; done ;;
	*)
		echo "bench: unknown step $1 (steps: ${all[*]})" >&2
		exit 2
		;;
	esac
}

for s in "${steps[@]}"; do
	echo "== step $s ($(uptime))" >&2
	# The load average around the step goes with its figures (a "#" line:
	# benchstat skips it, cmd/benchreport reports it beside each target).
	{
		echo "# step $s: load average $(cut -d' ' -f1-3 /proc/loadavg)"
		step "$s"
		echo "# step $s done: load average $(cut -d' ' -f1-3 /proc/loadavg)"
	} | tee "bench/results-$s.txt.new"
	mv "bench/results-$s.txt.new" "bench/results-$s.txt"
done

: >bench/results.txt
for s in "${all[@]}"; do
	if [[ -f bench/results-$s.txt ]]; then
		cat "bench/results-$s.txt" >>bench/results.txt
	fi
done
go run ./cmd/benchreport -in bench/results.txt -doc BENCHMARKS.md -plots bench
echo "wrote BENCHMARKS.md and bench/*.png from bench/results.txt" >&2
