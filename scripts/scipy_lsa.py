#!/usr/bin/env python3
"""Times scipy's linear_sum_assignment on the matrix of the Go benchmark
BenchmarkAssignDense (matcher/flow), for a same-run baseline.

    VOLMATCH_LSA_OUT=/tmp/lsa1000.txt go test -run TestWriteLSAMatrix ./matcher/flow/
    /usr/bin/python3 scripts/scipy_lsa.py /tmp/lsa1000.txt

The file's first line is the optimum AssignDense found; the rest is the
matrix, one row a line. The script checks scipy reaches the same optimum
and prints the time of each of the runs, their median and minimum.
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with open(path) as f:
        want = int(f.readline())
        cost = np.loadtxt(f, dtype=np.int64)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        rows, cols = linear_sum_assignment(cost)
        times.append(time.perf_counter() - t0)
    got = int(cost[rows, cols].sum())
    if got != want:
        print(f"optimum {got}, AssignDense found {want}", file=sys.stderr)
        sys.exit(1)
    times.sort()
    print(f"scipy linear_sum_assignment n={cost.shape[0]}: optimum {got} (= AssignDense), "
          f"median {times[len(times) // 2] * 1e3:.1f} ms, min {times[0] * 1e3:.1f} ms, "
          f"runs {' '.join(f'{t * 1e3:.1f}' for t in times)} ms")


if __name__ == "__main__":
    main()
