#!/usr/bin/env bash
# perf-accepts.sh OUT [SERVER_BIN]: one Redis-mode accepts run of
# scripts/loadtest.sh (LT_REDIS_STATS on) with a whole-machine CPU profile
# of 10 s of its measured phase: `perf record -a -g` into OUT.data, the
# run's report in OUT.err and its benchmark line in OUT.bench. The measured
# phase is found by redis-server's HDEL calls passing 20,000, since only the
# reservation script makes them. Then, for example:
#   perf report -i OUT.data --no-children --sort comm -g none --stdio
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/perf-accepts.sh OUT [SERVER_BIN]}
command -v perf >/dev/null || { echo "perf-accepts: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
LT_REDIS_STATS=1 LT_MODES=redis LT_SCENARIOS=accepts LT_SERVER_BIN=${2:-} \
	scripts/loadtest.sh --bench >"$out.bench" 2>"$out.err" &
lt=$!
calls=0
for _ in $(seq 1 1200); do
	pid=$(pgrep -n -x redis-server || true)
	port=""
	[[ -n "$pid" ]] && port=$(ss -ltnp 2>/dev/null | grep "pid=$pid," | grep -o '127.0.0.1:[0-9]*' | head -1 | cut -d: -f2 || true)
	if [[ -n "$port" ]]; then
		calls=$(redis-cli -p "$port" INFO commandstats 2>/dev/null | grep -o 'cmdstat_hdel:calls=[0-9]*' | cut -d= -f2 || true)
		[[ -n "$calls" && "$calls" -gt 20000 ]] && break
	fi
	sleep 0.5
done
echo "perf-accepts: profiling from $(date -u +%T) (HDEL calls: ${calls:-0})" >&2
perf record -a -g -F 999 -o "$out.data" -- sleep 10 >/dev/null 2>&1
wait "$lt"
cat "$out.bench"
