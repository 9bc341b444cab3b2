package datasets

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"volmatch"
	"volmatch/matcher/flow"
)

// ORLibFormat is the layout of an OR-Library assignment file.
type ORLibFormat string

// OR-Library assignment layouts (Beasley 1990).
const (
	// ORLibAuto takes the file as dense when it holds exactly n×n costs
	// after n, and as sparse otherwise.
	ORLibAuto ORLibFormat = ""
	// ORLibDense is n, then the n×n cost matrix row by row as a stream of
	// integers (line breaks fall anywhere).
	ORLibDense ORLibFormat = "dense"
	// ORLibSparse is n, then one "i j c" triple a line (1-based worker i,
	// job j, cost c); a pair not listed is forbidden.
	ORLibSparse ORLibFormat = "sparse"
)

// AssignmentArc is an allowed (worker, job) pair of an assignment instance
// and its cost; Worker and Job are 0-based.
type AssignmentArc struct {
	Worker, Job int
	Cost        int64
}

// AssignmentInstance is a linear assignment problem: N workers to N jobs,
// each worker to one job and each job to one worker, least total cost.
type AssignmentInstance struct {
	N      int
	Format ORLibFormat // ORLibDense or ORLibSparse, as read
	// Arcs lists the allowed pairs: all N×N of a dense instance (worker by
	// worker), the listed ones of a sparse instance in file order.
	Arcs []AssignmentArc
}

// Dense returns the N×N cost matrix of a dense instance, nil for a sparse one.
func (a *AssignmentInstance) Dense() [][]int64 {
	if a.Format != ORLibDense {
		return nil
	}
	m := make([][]int64, a.N)
	for i := range m {
		m[i] = make([]int64, a.N)
	}
	for _, e := range a.Arcs {
		m[e.Worker][e.Job] = e.Cost
	}
	return m
}

// Graph returns the instance as a min-cost flow problem: workers are nodes
// 0..N-1 with supply 1, jobs nodes N..2N-1 with demand 1, and arc k is
// Arcs[k] with capacity 1. Its optimal cost is the assignment's optimum.
func (a *AssignmentInstance) Graph() *flow.Graph {
	g := flow.NewGraph(2 * a.N)
	g.Grow(len(a.Arcs))
	for i := 0; i < a.N; i++ {
		g.SetSupply(i, 1)
		g.SetSupply(a.N+i, -1)
	}
	for _, e := range a.Arcs {
		g.AddArc(e.Worker, a.N+e.Job, 0, 1, e.Cost)
	}
	return g
}

// maxInstanceN bounds n so that a malformed header cannot ask for a
// gigantic matrix.
const maxInstanceN = 1 << 20

// ReadORLib reads an OR-Library assignment instance in the given layout
// (ORLibAuto to detect it). A malformed file gives an EINVALID error naming
// the line.
func ReadORLib(r io.Reader, format ORLibFormat) (*AssignmentInstance, error) {
	inst, err := readORLib(r, format)
	if err != nil {
		return nil, fmt.Errorf("datasets: read OR-Library instance: %w", err)
	}
	return inst, nil
}

type token struct {
	line int
	v    int64
}

func readORLib(r io.Reader, format ORLibFormat) (*AssignmentInstance, error) {
	switch format {
	case ORLibAuto, ORLibDense, ORLibSparse:
	default:
		return nil, volmatch.Errorf(volmatch.EINVALID, "unknown format %q (dense or sparse)", format)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var toks []token
	lineLen := map[int]int{} // tokens per line, for the sparse check
	line := 0
	for sc.Scan() {
		line++
		for _, f := range strings.Fields(sc.Text()) {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: %q is not an integer", line, f)
			}
			toks = append(toks, token{line, v})
			lineLen[line]++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(toks) == 0 {
		return nil, volmatch.Errorf(volmatch.EINVALID, "the file is empty: the first value must be n")
	}
	n64 := toks[0].v
	if n64 < 1 || n64 > maxInstanceN {
		return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: n must be between 1 and %d, got %d", toks[0].line, maxInstanceN, n64)
	}
	n := int(n64)
	body := toks[1:]
	if format == ORLibAuto {
		format = ORLibSparse
		if len(body) == n*n {
			format = ORLibDense
		}
	}
	inst := &AssignmentInstance{N: n, Format: format}
	if format == ORLibDense {
		if len(body) != n*n {
			at := toks[len(toks)-1].line
			if len(body) > n*n {
				at = body[n*n].line
			}
			return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: a dense instance of n = %d holds %d costs, found %d", at, n, n*n, len(body))
		}
		inst.Arcs = make([]AssignmentArc, n*n)
		for k, t := range body {
			inst.Arcs[k] = AssignmentArc{Worker: k / n, Job: k % n, Cost: t.v}
		}
		return inst, nil
	}
	seen := make(map[[2]int]int, len(body)/3)
	inst.Arcs = make([]AssignmentArc, 0, len(body)/3)
	for k := 0; k < len(body); k += 3 {
		l := body[k].line
		if lineLen[l] != 3 || k+2 >= len(body) || body[k+2].line != l {
			return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: want a triple \"i j c\", found %d values", l, lineLen[l])
		}
		i, j := body[k].v, body[k+1].v
		if i < 1 || i > n64 {
			return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: worker %d is outside 1..%d", l, i, n)
		}
		if j < 1 || j > n64 {
			return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: job %d is outside 1..%d", l, j, n)
		}
		key := [2]int{int(i), int(j)}
		if first, dup := seen[key]; dup {
			return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: pair (%d, %d) is listed twice (first on line %d)", l, i, j, first)
		}
		seen[key] = l
		inst.Arcs = append(inst.Arcs, AssignmentArc{Worker: int(i) - 1, Job: int(j) - 1, Cost: body[k+2].v})
	}
	return inst, nil
}
