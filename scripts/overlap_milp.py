#!/usr/bin/python3
"""Solve a batch-assignment instance (the JSON format of
../shared/data/overlap/README.md) as an integer program with HiGHS through
scipy.optimize.milp (Debian's python3-scipy), and print its proven optimum.

    scripts/overlap_milp.py FILE...            # "FILE optimum N" per file
    scripts/overlap_milp.py --lp FILE...       # the linear relaxation too
    scripts/overlap_milp.py --write FILE...    # also store "optimum" in FILE

Variables: x[p] in {0,1} for each pair p = (volunteer, shift, gain);
y[v][k] in {0,1} for k = 1..max_per_volunteer, y[v][k] meaning "v takes at
least k shifts", costing (k-1) * fairness_step, so that a volunteer taking n
shifts pays step * n(n-1)/2. Constraints: each shift at most its slots;
for each volunteer sum x = sum y; and one clique constraint per start of
each of the volunteer's shifts (the shifts containing that instant take at
most one), which is every overlap of an interval graph.
"""
import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


def model(inst):
    pairs = inst["pairs"]
    shifts = inst["shifts"]
    cap = inst["max_per_volunteer"]
    step = inst.get("fairness_step", 0)
    by_vol = {}
    for p, (v, s, g) in enumerate(pairs):
        by_vol.setdefault(v, []).append(p)
    vols = sorted(by_vol)
    nx = len(pairs)
    ny = len(vols) * cap
    c = np.zeros(nx + ny)
    for p, (_, _, g) in enumerate(pairs):
        c[p] = -g
    for vi in range(len(vols)):
        for k in range(cap):
            c[nx + vi * cap + k] = k * step
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    # Shift capacities.
    by_shift = {}
    for p, (_, s, _) in enumerate(pairs):
        by_shift.setdefault(s, []).append(p)
    for s, ps in by_shift.items():
        for p in ps:
            rows.append(r); cols.append(p); vals.append(1)
        lo.append(-np.inf); hi.append(shifts[s]["slots"]); r += 1
    for vi, v in enumerate(vols):
        ps = by_vol[v]
        # sum x - sum y = 0
        for p in ps:
            rows.append(r); cols.append(p); vals.append(1)
        for k in range(cap):
            rows.append(r); cols.append(nx + vi * cap + k); vals.append(-1)
        lo.append(0); hi.append(0); r += 1
        # Cliques: the pairs whose shift contains each start instant.
        seen = set()
        for p in ps:
            t = shifts[pairs[p][1]]["start"]
            clique = tuple(sorted(q for q in ps if shifts[pairs[q][1]]["start"] <= t < shifts[pairs[q][1]]["end"]))
            if len(clique) < 2 or clique in seen:
                continue
            seen.add(clique)
            for q in clique:
                rows.append(r); cols.append(q); vals.append(1)
            lo.append(-np.inf); hi.append(1); r += 1
    a = coo_matrix((vals, (rows, cols)), shape=(r, nx + ny)).tocsr()
    return c, LinearConstraint(a, lo, hi), nx + ny


def solve(inst, integral=True):
    c, cons, n = model(inst)
    res = milp(c, constraints=cons, integrality=np.ones(n) if integral else np.zeros(n),
               bounds=Bounds(0, 1), options={"mip_rel_gap": 0, "disp": False})
    if res.status != 0:
        raise SystemExit(f"milp: {res.message}")
    return -res.fun


def main(argv):
    lp = "--lp" in argv
    write = "--write" in argv
    for path in [a for a in argv if not a.startswith("--")]:
        with open(path) as f:
            inst = json.load(f)
        opt = round(solve(inst))
        line = f"{path} optimum {opt}"
        if lp:
            line += f" lp {solve(inst, integral=False):.3f}"
        print(line, flush=True)
        if write:
            inst["optimum"] = opt
            with open(path, "w") as f:
                json.dump(inst, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1:])
