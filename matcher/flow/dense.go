package flow

import (
	"context"
	"fmt"
	"math"

	"volmatch"
)

// AssignDense solves the dense assignment problem: rows 0..n-1 to columns
// 0..m-1 (n ≤ m), each row to a distinct column, least total cost. It
// returns the column of each row and the total. It is the shortest
// augmenting path method of Jonker and Volgenant (LAPJV, in Crouse's form,
// which scipy's linear_sum_assignment uses), with JV's column reduction for
// square problems: O(n²m) time at worst, exact in int64. Costs must stay below
// 2^53 in absolute value so that sums cannot overflow. It returns an
// EINVALID error for a ragged or too-wide matrix and ctx.Err() when ctx
// ends (checked once per row).
func AssignDense(ctx context.Context, cost [][]int64) ([]int, int64, error) {
	n := len(cost)
	if n == 0 {
		return nil, 0, nil
	}
	m := len(cost[0])
	if n > m {
		return nil, 0, volmatch.Errorf(volmatch.EINVALID, "flow: %d rows cannot take distinct columns among %d", n, m)
	}
	const limit = 1 << 53
	for i, row := range cost {
		if len(row) != m {
			return nil, 0, volmatch.FieldError(fmt.Sprintf("cost[%d]", i), "has %d columns, want %d", len(row), m)
		}
		for j, c := range row {
			if c >= limit || c <= -limit {
				return nil, 0, volmatch.FieldError(fmt.Sprintf("cost[%d][%d]", i, j), "%d is out of range", c)
			}
		}
	}
	return lsap(ctx, cost, n, m)
}

// lsap is the shortest augmenting path method of Jonker and Volgenant in
// the form of Crouse ("On implementing 2D rectangular assignment
// algorithms", 2016), the algorithm of scipy's linear_sum_assignment: rows
// are added one at a time, each by a Dijkstra search over the columns not
// yet reached (reduced costs with the dual u, v), which stops at the first
// free column; the duals are then updated for the rows and columns the
// search settled, and the path is flipped. A square problem first gets
// the JV column reduction: each column's least cost becomes its dual, and
// the row giving it, when still free, takes the column (about 1 − 1/e of
// the rows), which leaves fewer and cheaper searches.
func lsap(ctx context.Context, cost [][]int64, n, m int) ([]int, int64, error) {
	const inf = int64(math.MaxInt64)
	u := make([]int64, n)
	v := make([]int64, m)
	col4row := make([]int, n)
	row4col := make([]int, m)
	for i := range col4row {
		col4row[i] = -1
	}
	for j := range row4col {
		row4col[j] = -1
	}
	if n == m {
		// Column reduction, last column first (as JV): reduced costs stay
		// ≥ 0 and every assigned pair's is 0. (With more columns than rows
		// a column's dual must stay ≤ 0, so it is square problems only.)
		for j := m - 1; j >= 0; j-- {
			best, bi := cost[0][j], 0
			for i := 1; i < n; i++ {
				if c := cost[i][j]; c < best {
					best, bi = c, i
				}
			}
			v[j] = best
			if col4row[bi] < 0 {
				col4row[bi] = j
				row4col[j] = bi
			}
		}
	}
	short := make([]int64, m) // shortest path cost to each column
	path := make([]int, m)    // the row before each column on its path
	remaining := make([]int, m)
	sr := make([]bool, n) // rows settled in the search
	sc := make([]bool, m) // columns settled
	settledRows := make([]int, 0, n)
	settledCols := make([]int, 0, m)
	for cur := 0; cur < n; cur++ {
		if col4row[cur] >= 0 {
			continue
		}
		if cur%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
		// Dijkstra from row cur over the columns, to the first free one.
		for j := range short {
			short[j] = inf
			remaining[j] = m - 1 - j
		}
		left := m
		var minVal int64
		sink := -1
		i := cur
		settledRows = settledRows[:0]
		settledCols = settledCols[:0]
		for sink < 0 {
			sr[i] = true
			settledRows = append(settledRows, i)
			lowest, index := inf, -1
			row := cost[i]
			base := minVal - u[i]
			for it := 0; it < left; it++ {
				j := remaining[it]
				r := base + row[j] - v[j]
				if r < short[j] {
					path[j] = i
					short[j] = r
				}
				if s := short[j]; s < lowest || (s == lowest && row4col[j] < 0) {
					lowest, index = s, it
				}
			}
			minVal = lowest
			j := remaining[index]
			if row4col[j] < 0 {
				sink = j
			} else {
				i = row4col[j]
			}
			sc[j] = true
			settledCols = append(settledCols, j)
			left--
			remaining[index] = remaining[left]
		}
		// Dual update over the settled rows and columns.
		u[cur] += minVal
		for _, r := range settledRows {
			if r != cur {
				u[r] += minVal - short[col4row[r]]
			}
			sr[r] = false
		}
		for _, j := range settledCols {
			v[j] -= minVal - short[j]
			sc[j] = false
		}
		// Flip the path.
		for j := sink; ; {
			r := path[j]
			row4col[j] = r
			col4row[r], j = j, col4row[r]
			if r == cur {
				break
			}
		}
	}
	var total int64
	for i, j := range col4row {
		total += cost[i][j]
	}
	return col4row, total, nil
}
