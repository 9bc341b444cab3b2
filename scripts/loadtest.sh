#!/usr/bin/env bash
# loadtest.sh: the HTTP figures of issue 7, reproducibly. It builds volmatch
# and the load generator vmload (cmd/vmload), prepares a demo-sized dataset (`volmatch demo --exit-after-setup`: 20,000
# volunteers, 2,000 needs, 4 simulated weeks), then
#   1. bolt mode: `volmatch serve` on a copy of the demo's data folder, and
#      runs vmload with the matches scenario; then the same, on a fresh
#      copy, with the accepts one;
#   2. Redis mode: starts its own redis-server on a free port (AOF on,
#      appendfsync everysec, no RDB), imports the same records into it
#      (export from the bbolt file, `volmatch import --redis`), serves with
#      --redis and runs the matches scenario; then the same, on a fresh
#      redis-server, with the accepts one.
# The accepts scenario's setup sends the invitations (120,000 by default);
# vmload then waits until the server's notifier has stored their notices
# (the gauge volmatch_notifier_caught_up_timestamp_seconds), and, in Redis
# mode, until redis-server has rewritten its append-only file after them
# (vmload --settle), so that the run measures the accepts, not the setup's
# backlog; the report says how many rewrites the run's own writes made.
# The server runs without the per-token rate limit (--rate -1) and logs at
# the default level to a file. Every figure comes with the machine load
# (/proc/loadavg) before and after its run.
#
# The load generator runs on the same machine as the server (and, in Redis
# mode, redis-server): on two cores the three share the CPU, so the figures
# are those of the whole loop, not of the server alone.
#
#   scripts/loadtest.sh [--bench]     --bench: Go benchmark lines on stdout
#                                     (the human reports go to stderr)
#   LT_CLIENTS=32                     concurrent clients
#   LT_DURATION=60s                   measured time of the matches runs
#   LT_ACCEPT_DURATION=20s            measured time of the accepts runs
#   LT_INVITES=120000                 invitations prepared per accepts run in
#                                     Redis mode (a run ends early when they
#                                     run out)
#   LT_BOLT_INVITES=120000            the same in bolt mode (accepts share
#                                     group-committed transactions: a 20 s
#                                     run at 3,600/s, its warmup included,
#                                     needs 90,000)
#   LT_WARMUP=5s                      unmeasured requests before each run
#   LT_VOLUNTEERS=20000 LT_NEEDS=2000 demo size
#   LT_MODES="bolt redis"             which modes to run
#   LT_SCENARIOS="matches accepts"    which scenarios to run in each mode
#   LT_REDIS_STATS=1                  after each Redis-mode run, report the
#                                     server's commands (calls, CPU µs per
#                                     call) from INFO commandstats
#   LT_DIR=/tmp/vmlt                  work folder (default: a temporary one,
#                                     removed at the end)
#   LT_SERVE_ARGS="--serving-cpuprofile /tmp/p"
#                                     extra arguments of `volmatch serve`
#                                     (MODE in them is replaced by bolt or
#                                     redis)
#   LT_SERVER_BIN=/path/to/volmatch   serve (and prepare the data) with this
#                                     binary, e.g. an older build for a
#                                     before/after comparison
#   LT_VMLOAD_BIN=/path/to/vmload     the load generator to run (default:
#                                     the one built here), e.g. an older
#                                     build to compare generators
#
# Benchmark lines (for cmd/benchreport); C is the CPU time of the server
# (and, in Redis mode, redis-server) per measured request:
#   BenchmarkHTTP/matches         1  R req/s  P50 p50-ms  P90 p90-ms  P99 p99-ms  E errors  C cpu-ms/req
#   BenchmarkHTTP/accepts         (bolt mode)
#   BenchmarkHTTP/matches-redis
#   BenchmarkHTTP/accepts-redis
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0
[[ "${1:-}" == --bench ]] && bench=1
clients=${LT_CLIENTS:-32}
duration=${LT_DURATION:-60s}
accept_duration=${LT_ACCEPT_DURATION:-20s}
invites=${LT_INVITES:-120000}
bolt_invites=${LT_BOLT_INVITES:-120000}
warmup=${LT_WARMUP:-5s}
vols=${LT_VOLUNTEERS:-20000}
needs=${LT_NEEDS:-2000}
modes=${LT_MODES:-bolt redis}
scenarios=${LT_SCENARIOS:-matches accepts}
dir=${LT_DIR:-}
if [[ -z "$dir" ]]; then
	dir=$(mktemp -d /tmp/volmatch-loadtest.XXXXXX)
	remove_dir=1
else
	mkdir -p "$dir"
	remove_dir=0
fi
bin="$dir/volmatch"
vmload="$dir/vmload"
srv=${LT_SERVER_BIN:-$bin}
admin="lt_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_pid=""
redis_pid=""

log() { echo "loadtest: $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

cleanup() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	[[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
	if [[ "$remove_dir" == 1 ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# free_port prints a TCP port nobody listens on now.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# start_server LOG ARGS...: start `volmatch serve ARGS` and set url once it
# answers /readyz.
start_server() {
	local logf=$1
	shift
	local mode=bolt extra=()
	[[ "$*" == *--redis* ]] && mode=redis
	local args=${LT_SERVE_ARGS:-}
	read -r -a extra <<<"${args//MODE/$mode}"
	: >"$logf.out" # exists before the first read below, however late the server starts
	VOLMATCH_ADMIN_TOKEN="$admin" "$srv" serve --addr 127.0.0.1:0 --rate -1 "$@" "${extra[@]}" >"$logf.out" 2>"$logf.err" &
	server_pid=$!
	url=""
	for _ in $(seq 1 600); do
		url=$(sed -n 's/^volmatch: serving on //p' "$logf.out" | head -n1)
		[[ -n "$url" ]] && curl -fs "$url/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.2
	done
	log "the server did not become ready; its log:"
	tail -n 20 "$logf.err" >&2
	exit 1
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

# aof_rewrites: how many append-only file rewrites redis-server has made.
aof_rewrites() {
	redis-cli -p "$port" INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrites://p'
}

# settle_cmd: a shell command that has redis-server rewrite its
# append-only file and waits until it has (BGREWRITEAOF answers an error
# when a rewrite is already running: the wait is the same), then writes the
# count of rewrites made to $dir/rewrites.settled.
settle_cmd() {
	echo "redis-cli -p $port BGREWRITEAOF >/dev/null; sleep 0.5;" \
		"for i in \$(seq 1 1200); do redis-cli -p $port INFO persistence | grep -qE '^aof_rewrite_(in_progress|scheduled):1' || break; sleep 0.25; done;" \
		"redis-cli -p $port INFO persistence | tr -d '\\r' | sed -n 's/^aof_rewrites://p' > '$dir/rewrites.settled'"
}

# run_load NAME ARGS...: run `vmload ARGS` against url, print the
# report (and the benchmark line under NAME).
run_load() {
	local name=$1
	shift
	local before out
	# The CPU time of the server (and redis-server) per request, which the
	# other work of a shared machine does not inflate as it does req/s.
	local cpu=(--cpu-pid "$server_pid")
	[[ -n "$redis_pid" ]] && cpu+=(--cpu-pid "$redis_pid")
	# A run starts once redis-server has finished rewriting its append-only
	# file (the matches run's events grow it past the rewrite threshold):
	# the rewrite's child process would otherwise take a core from the run
	# that follows.
	if [[ -n "$redis_pid" ]]; then
		for _ in $(seq 1 600); do
			redis-cli -p "$port" INFO persistence | grep -q '^aof_rewrite_in_progress:1' || break
			sleep 0.5
		done
	fi
	before=$(loadavg)
	[[ -n "$redis_pid" && -n "${LT_REDIS_STATS:-}" ]] && redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
	# Once the scenario's setup is done (vmload --settle), the append-only
	# file is rewritten before the warmup: the setup's writes (120,000
	# invitations and their notices for accepts) would otherwise set a
	# rewrite going in the run, which is theirs. The rewrites the run's own
	# writes set going count, and the report says how many there were.
	local settle=()
	[[ -n "$redis_pid" ]] && settle=(--settle "$(settle_cmd)")
	out=$("$vmload" --url "$url" --token "$admin" --clients "$clients" --warmup "$warmup" --bench "$name" "${cpu[@]}" "${settle[@]}" "$@" 2>&1)
	{
		echo "== $name ($clients clients; load average before: $before, after: $(loadavg))"
		echo "   vmload --clients $clients --warmup $warmup $*"
		grep -v '^Benchmark' <<<"$out" | sed 's/^/   /'
		if [[ -n "$redis_pid" ]]; then
			echo "   append-only file rewrites during the warmup and the run: $(($(aof_rewrites) - $(cat "$dir/rewrites.settled")))"
		fi
		if [[ -n "$redis_pid" && -n "${LT_REDIS_STATS:-}" ]]; then
			echo "   redis-server commands (setup included):"
			redis-cli -p "$port" INFO commandstats | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=\([0-9]*\),usec_per_call=\([0-9.]*\).*/     \1 \2 calls, \3 µs, \4 µs per call/p' | sort -t, -k2 -n -r
			echo "   redis-server persistence: $(redis-cli -p "$port" INFO persistence | tr -d '\r' | grep -E '^(aof_rewrites|aof_current_size|aof_base_size|rdb_saves):' | tr '\n' ' ')"
		fi
	} >&2
	if [[ "$bench" == 1 ]]; then
		grep '^Benchmark' <<<"$out"
	fi
}

log "building volmatch and vmload; machine: $(nproc) cores, load average $(loadavg)"
go build -o "$bin" ./cmd/volmatch
go build -o "$vmload" ./cmd/vmload
if [[ -n "${LT_VMLOAD_BIN:-}" ]]; then
	vmload=$(realpath "$LT_VMLOAD_BIN")
	log "load generator: $vmload"
fi
if [[ "$srv" != "$bin" ]]; then log "serving with $srv"; fi
log "the load generator shares this machine's $(nproc) cores with the server (and redis-server)"

demo="$dir/demo"
if [[ ! -f "$demo/volmatch-demo.json" ]]; then
	log "preparing the demo: $vols volunteers, $needs needs"
fi
"$srv" demo --data "$demo" --volunteers "$vols" --needs "$needs" --exit-after-setup >"$dir/demo.out" 2>"$dir/demo.err"

if [[ " $modes " == *" redis "* ]]; then
	# Export before the bolt runs add their load need and assignments.
	mkdir -p "$dir/export"
	for k in volunteers needs pools stations; do
		"$srv" export --data "$demo" --kind "$k" --out "$dir/export/$k.jsonl" 2>/dev/null
	done
fi

# args_of SCENARIO: vmload's arguments for a scenario in a mode.
args_of() {
	case $1 in
	matches) echo --scenario matches --duration "$duration" ;;
	accepts) echo --scenario accepts --duration "$accept_duration" --invites "$2" ;;
	esac
}

# Each scenario starts from the same prepared data, on a fresh copy (bolt)
# or a fresh redis-server (Redis): a scenario's writes (the matches run's
# match.shown events, some million of them) do not slow the next one, and
# the figures do not depend on the order the scenarios run in.
if [[ " $modes " == *" bolt "* ]]; then
	for sc in $scenarios; do
		rm -rf "$dir/bolt"
		cp -a "$demo" "$dir/bolt"
		log "bolt mode, $sc: serving a copy of $demo"
		start_server "$dir/serve-bolt-$sc" --data "$dir/bolt"
		name=HTTP/$sc
		# shellcheck disable=SC2046
		run_load "$name" $(args_of "$sc" "$bolt_invites")
		stop_server
	done
fi

start_redis() {
	port=$(free_port)
	rm -rf "$dir/redis" "$dir/rdata"
	mkdir -p "$dir/redis"
	log "redis mode: redis-server on 127.0.0.1:$port (AOF, appendfsync everysec)"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis" --save "" \
		--appendonly yes --appendfsync everysec --logfile "$dir/redis/redis.log" &
	redis_pid=$!
	local up=""
	for _ in $(seq 1 600); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && up=1 && break
		kill -0 "$redis_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -z "$up" ]]; then
		log "redis-server did not answer on port $port; its log:"
		tail -n 20 "$dir/redis/redis.log" >&2
		exit 1
	fi
	rurl="redis://127.0.0.1:$port/0"
	"$srv" import --redis "$rurl" --data "$dir/rdata" "$dir"/export/*.jsonl >&2
}

stop_redis() {
	kill "$redis_pid"
	wait "$redis_pid" 2>/dev/null || true
	redis_pid=""
}

if [[ " $modes " == *" redis "* ]]; then
	for sc in $scenarios; do
		start_redis
		start_server "$dir/serve-redis-$sc" --redis "$rurl" --data "$dir/rdata"
		# shellcheck disable=SC2046
		run_load "HTTP/$sc-redis" $(args_of "$sc" "$invites")
		stop_server
		stop_redis
	done
fi
log "done; machine load average $(loadavg)"
