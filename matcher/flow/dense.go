package flow

import (
	"context"
	"fmt"
	"math"

	"volmatch"
)

// AssignDense solves the dense assignment problem: rows 0..n-1 to columns
// 0..m-1 (n ≤ m), each row to a distinct column, least total cost. It
// returns the column of each row and the total. It is the Hungarian method
// with shortest augmenting paths and potentials (as in Jonker–Volgenant's
// augmentation phase), O(n²m) time, exact in int64. Costs must stay below
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
	const inf = math.MaxInt64
	// 1-based: column 0 is a sentinel; p[j] is the row holding column j.
	u := make([]int64, n+1)
	v := make([]int64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]int64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := int64(inf)
			j1 := 0
			row := cost[i0-1]
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := row[j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	col := make([]int, n)
	var total int64
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			col[p[j]-1] = j - 1
			total += cost[p[j]-1][j-1]
		}
	}
	return col, total, nil
}
