#!/usr/bin/env bash
# load1m.sh: the load figures of issue 7, reproducibly. It generates a
# population of N volunteers (1,000,000 by default), imports it into a fresh
# data folder (store and search index) with timing, starts `volmatch serve`
# on it twice (the first start after the import, then a restart with the
# existing index) and for each prints the seconds until /readyz answers 200
# and the resident memory (VmRSS, and its anonymous and file-backed parts)
# a few seconds after ready.
#
#   scripts/load1m.sh [--bench]        --bench also prints benchmark lines
#   LOAD_N=5000000 scripts/load1m.sh   another population size
#   LOAD_DIR=/tmp/vm1m                 where the population and data go
#                                      (default: a temporary folder, removed)
#   LOAD_KEEP=1                        keep LOAD_DIR's population between runs
#   LOAD_RESTART_ONLY=1                only the serve starts, on LOAD_DIR's data
#                                      from an earlier run
#
# On a shared machine the wall times depend on the load (printed); the CPU
# seconds (import, and serve until ready) do not.
#
# Benchmark lines (for cmd/benchreport):
#   BenchmarkLoad/n=N/import   1  SECONDS s  DOCS_PER_S docs/s  CPU_S cpu-s
#   BenchmarkLoad/n=N/start    1  SECONDS s  MIB rss-MiB  CPU_S cpu-s  SYS_S sys-cpu-s
#   BenchmarkLoad/n=N/restart  1  SECONDS s  MIB rss-MiB  CPU_S cpu-s  SYS_S sys-cpu-s
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0
[[ "${1:-}" == --bench ]] && bench=1
n=${LOAD_N:-1000000}
needs=$((n / 500 > 100 ? n / 500 : 100))
dir=${LOAD_DIR:-}
if [[ -z "$dir" ]]; then
	dir=$(mktemp -d /tmp/volmatch-load.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
bin="$dir/volmatch"
log() { echo "load1m: $*" >&2; }

go build -o "$bin" ./cmd/volmatch

pop="$dir/pop-$n"
data="$dir/data-$n"
if [[ "${LOAD_RESTART_ONLY:-}" != 1 ]]; then
	if [[ ! -s "$pop/volunteers.jsonl" || "${LOAD_KEEP:-}" != 1 ]]; then
		log "generating $n volunteers, $needs needs"
		rm -rf "$pop"
		"$bin" gen --volunteers "$n" --needs "$needs" --seed 1 --out "$pop" >&2
	fi
	rm -rf "$data"
	log "importing (machine load: $(cut -d' ' -f1-3 /proc/loadavg))"
	t0=$(date +%s.%N)
	/usr/bin/env time -f '%U %S' -o "$dir/import.time" \
		"$bin" import --data "$data" "$pop"/volunteers.jsonl "$pop"/needs.jsonl "$pop"/pools.jsonl "$pop"/stations.jsonl \
		>"$dir/import.out" 2>"$dir/import.err" || { cat "$dir/import.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	cat "$dir/import.out" >&2
	import_s=$(echo "$t1 - $t0" | bc -l)
	read -r usr sys <"$dir/import.time"
	import_cpu=$(echo "$usr + $sys" | bc -l)
	docs_s=$(echo "$n / $import_s" | bc -l)
	log "$(printf 'import: %.1f s wall, %.1f s CPU (%.0f volunteers/s); store %s, index %s; load %s' \
		"$import_s" "$import_cpu" "$docs_s" "$(du -sh "$data/volmatch.db" | cut -f1)" "$(du -sh "$data/index" | cut -f1)" \
		"$(cut -d' ' -f1-3 /proc/loadavg)")"
fi

# serve_once NAME: start serve, wait for /readyz, measure, stop. Sets
# ready_s and rss_mib.
serve_once() {
	local name=$1 out="$dir/serve-$1.out" err="$dir/serve-$1.err" url="" pid
	: >"$out"
	local s0
	s0=$(date +%s.%N)
	"$bin" serve --data "$data" --addr 127.0.0.1:0 >"$out" 2>"$err" &
	pid=$!
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "serve exited early:"; cat "$err" >&2; exit 1
		fi
		url=$(sed -n 's/^volmatch: serving on //p' "$out")
		if [[ -n "$url" ]] && curl -fs -o /dev/null "$url/readyz"; then
			break
		fi
		sleep 0.05
	done
	ready_s=$(echo "$(date +%s.%N) - $s0" | bc -l)
	# CPU seconds of the process until ready (utime + stime, in clock ticks).
	ready_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat")
	# The kernel's share (page faults: on this VM a fault on fresh memory
	# costs 10-30 µs, and it varies the start by tens of seconds).
	ready_sys=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", $15 / hz}' "/proc/$pid/stat")
	sleep 3 # settle: the follower's first tick, the scavenger
	local st
	st=$(grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ' ')
	rss_mib=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
	curl -fs -o /dev/null "$url/readyz"
	kill -TERM "$pid"
	wait "$pid" || true
	log "$(printf '%s: ready in %.1f s (%s s CPU, %s s of it in the kernel); %s; load %s' "$name" "$ready_s" "$ready_cpu" "$ready_sys" "$st" "$(cut -d' ' -f1-3 /proc/loadavg)")"
}

if [[ "${LOAD_RESTART_ONLY:-}" != 1 ]]; then
	serve_once start
	start_s=$ready_s start_rss=$rss_mib start_cpu=$ready_cpu start_sys=$ready_sys
fi
serve_once restart
restart_s=$ready_s restart_rss=$rss_mib restart_cpu=$ready_cpu restart_sys=$ready_sys

if [[ $bench == 1 ]]; then
	if [[ "${LOAD_RESTART_ONLY:-}" != 1 ]]; then
		printf 'BenchmarkLoad/n=%d/import \t1\t%.2f s\t%.0f docs/s\t%.1f cpu-s\n' "$n" "$import_s" "$docs_s" "$import_cpu"
		printf 'BenchmarkLoad/n=%d/start \t1\t%.2f s\t%d rss-MiB\t%s cpu-s\t%s sys-cpu-s\n' "$n" "$start_s" "$start_rss" "$start_cpu" "$start_sys"
	fi
	printf 'BenchmarkLoad/n=%d/restart \t1\t%.2f s\t%d rss-MiB\t%s cpu-s\t%s sys-cpu-s\n' "$n" "$restart_s" "$restart_rss" "$restart_cpu" "$restart_sys"
fi
