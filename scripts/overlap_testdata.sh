#!/bin/sh
# Writes matcher/testdata/overlap/*.json anew (TestOverlapTestdata with
# -write-overlap: chain-overlapping generated weeks and small dense random
# instances, seeded) and has HiGHS (scipy.optimize.milp, Debian's
# python3-scipy) prove each optimum, which it stores in the file.
set -eu
cd "$(dirname "$0")/.."
go test ./matcher/ -run '^TestOverlapTestdata$' -count=1 -args -write-overlap
/usr/bin/python3 scripts/overlap_milp.py --lp --write matcher/testdata/overlap/*.json
