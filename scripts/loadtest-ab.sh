#!/usr/bin/env bash
# loadtest-ab.sh: two builds of volmatch under the same load test, in turn,
# so that a noisy machine weighs on both alike:
#
#   scripts/loadtest-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]
#
# Each round runs scripts/loadtest.sh --bench with OLD_BINARY then with
# NEW_BINARY as the server (LT_SERVER_BIN; the load generator is the
# one built here unless LT_VMLOAD_BIN names another) and prints their benchmark lines, each prefixed with the
# time and "old" or "new", and the load average before the run. ROUNDS is 3
# by default. The LT_* variables of loadtest.sh apply, for example
#   LT_MODES=redis LT_SCENARIOS=accepts scripts/loadtest-ab.sh /tmp/volmatch-old ./volmatch
# To build an older commit: git worktree add /tmp/vm-old REV &&
# (cd /tmp/vm-old && go build -o /tmp/volmatch-old ./cmd/volmatch).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 2 ]]; then
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-3}
for b in "$old" "$new"; do
	[[ -x "$b" ]] || { echo "loadtest-ab: $b is not an executable" >&2; exit 2; }
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for _ in $(seq 1 "$rounds"); do
	for which in old new; do
		bin=$old
		[[ $which == new ]] && bin=$new
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		LT_SERVER_BIN=$bin scripts/loadtest.sh --bench 2>"$log" | grep '^Benchmark' |
			sed "s/^/$(date -u +%T) $which (load $load) /" || {
			echo "loadtest-ab: the run with $bin failed:" >&2
			tail -20 "$log" >&2
			exit 1
		}
	done
done
