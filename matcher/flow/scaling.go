package flow

import (
	"context"
	"fmt"
	"math"

	"volmatch"
)

// scalingAlpha is the factor by which ε shrinks between two refine
// phases of the cost-scaling solver (LEMON's default).
const scalingAlpha = 16

// maxPath is the longest path the partial augment-relabel follows before
// it pushes (LEMON's default).
const maxPath = 4

var debugScaling = false

// SolveScaling returns a minimum-cost flow of g, as Solve does and with the
// same errors, by Goldberg's cost-scaling push-relabel method ("An
// efficient implementation of a scaling minimum-cost flow algorithm",
// 1997): costs are multiplied by n+1, and a pseudoflow that is ε-optimal
// (every residual arc's reduced cost ≥ −ε) is refined by pushes and
// relabels for ε = C/16, C/256, ... down to 1, where it is optimal. Its
// time does not depend on the shape of a spanning tree, which makes it
// much faster than the network simplex on large assignment-like graphs
// (many nodes of small degree between a source and a sink), where the
// simplex's pivots move subtrees of most of the nodes.
//
// Result.Potential holds exact potentials (complementary slackness on every
// arc in the original costs), computed from the final prices by a
// label-correcting pass over the residual graph; Result.Pivots counts the
// relabels and Result.Pushes the pushes. The same graph always gives the
// same flow.
func SolveScaling(ctx context.Context, g *Graph) (Result, error) {
	cs, err := newScaling(g)
	if err != nil {
		return Result{}, err
	}
	if err := cs.run(ctx); err != nil {
		return Result{}, err
	}
	return cs.result(ctx, g)
}

type scaling struct {
	n       int
	scale   int64   // costs are multiplied by scale = n+1
	first   []int32 // node v's residual edges are first[v] .. first[v+1]-1
	to      []int32
	rev     []int32 // the opposite edge
	rcap    []int64 // residual capacity
	cost    []int64 // scaled cost
	arcEdge []int32 // each arc's forward edge
	excess  []int64
	price   []int64
	start   []int64 // prices at the start of the current refine
	cur     []int32 // current edge of each node
	queue   []int32 // FIFO of active nodes (a ring)
	inQueue []bool
	maxCost int64 // the largest scaled |cost|
	// the global update's ranks, buckets and finished marks
	rank    []int64
	buckets [][]int32
	done    []bool
	// the partial augment-relabel's path and the nodes on it
	path   []int32
	onPath []bool

	pushes, relabels int
}

func newScaling(g *Graph) (*scaling, error) {
	n, m := g.Nodes(), g.Arcs()
	if n+1 > math.MaxInt32 || 2*m > math.MaxInt32 {
		return nil, volmatch.Errorf(volmatch.ETOOLARGE, "flow: %d nodes and %d arcs are beyond the solver's int32 indexes", n, m)
	}
	cs := &scaling{n: n, scale: int64(n + 1), excess: make([]int64, n)}
	copy(cs.excess, g.supply)
	var maxCost int64
	hasInf, negInf := false, false
	for a := 0; a < m; a++ {
		lo, up, c := g.lower[a], g.upper[a], g.cost[a]
		if up < lo {
			return nil, volmatch.FieldError(fmt.Sprintf("arcs[%d]", a), "upper bound %d is below lower bound %d", up, lo)
		}
		if lo < 0 {
			return nil, volmatch.FieldError(fmt.Sprintf("arcs[%d]", a), "negative lower bound %d", lo)
		}
		if c == math.MinInt64 {
			return nil, volmatch.FieldError(fmt.Sprintf("arcs[%d]", a), "cost out of range")
		}
		if lo != 0 {
			cs.excess[g.from[a]] -= lo
			cs.excess[g.to[a]] += lo
		}
		if up == Inf {
			hasInf = true
			negInf = negInf || c < 0
		}
		maxCost = max(maxCost, c, -c)
	}
	var sum int64
	for _, x := range cs.excess {
		sum += x
	}
	if sum != 0 {
		return nil, fmt.Errorf("flow: supplies sum to %d, not 0: %w", sum, ErrInfeasible)
	}
	// Prices stay within about (n+1)·C·16/15 of 0 (each refine moves a
	// node's price by at most n·ε), and reduced costs add two prices and
	// a cost: all of it must fit in int64.
	if maxCost > 0 && maxCost > math.MaxInt64/8/cs.scale/cs.scale {
		return nil, volmatch.Errorf(volmatch.EINVALID, "flow: arc costs up to %d are too large to solve exactly with %d nodes", maxCost, n)
	}
	if negInf && infCycle(g) {
		return nil, fmt.Errorf("flow: %w", ErrUnbounded)
	}
	// An arc without an upper bound never needs to carry more than every
	// supply and every finite capacity together (in a basic optimum), so
	// it is given that capacity.
	var bound int64
	if hasInf {
		bound = 1
		add := func(x int64) bool {
			if x > math.MaxInt64/4-bound {
				return false
			}
			bound += x
			return true
		}
		for _, x := range cs.excess {
			if x > 0 && !add(x) {
				return nil, volmatch.Errorf(volmatch.EINVALID, "flow: the supplies overflow int64")
			}
		}
		for a := 0; a < m; a++ {
			if g.upper[a] != Inf && !add(g.upper[a]-g.lower[a]) {
				return nil, volmatch.Errorf(volmatch.EINVALID, "flow: the capacities overflow int64")
			}
		}
	}
	// Residual edges grouped by tail (a forward and a backward edge per
	// arc), so that a node's scan reads one contiguous block.
	cs.first = make([]int32, n+1)
	for a := 0; a < m; a++ {
		cs.first[g.from[a]+1]++
		cs.first[g.to[a]+1]++
	}
	for v := 0; v < n; v++ {
		cs.first[v+1] += cs.first[v]
	}
	cs.to = make([]int32, 2*m)
	cs.rev = make([]int32, 2*m)
	cs.rcap = make([]int64, 2*m)
	cs.cost = make([]int64, 2*m)
	cs.arcEdge = make([]int32, m)
	pos := append([]int32(nil), cs.first[:n]...)
	for a := 0; a < m; a++ {
		u, v := g.from[a], g.to[a]
		ef := pos[u]
		pos[u]++
		eb := pos[v]
		pos[v]++
		cs.to[ef], cs.to[eb] = v, u
		cs.rev[ef], cs.rev[eb] = eb, ef
		if g.upper[a] == Inf {
			cs.rcap[ef] = bound
		} else {
			cs.rcap[ef] = g.upper[a] - g.lower[a]
		}
		c := g.cost[a] * cs.scale
		cs.cost[ef], cs.cost[eb] = c, -c
		cs.arcEdge[a] = ef
	}
	cs.maxCost = maxCost * cs.scale
	cs.price = make([]int64, n)
	cs.start = make([]int64, n)
	cs.cur = make([]int32, n)
	cs.queue = make([]int32, n)
	cs.inQueue = make([]bool, n)
	cs.rank = make([]int64, n)
	cs.done = make([]bool, n)
	cs.onPath = make([]bool, n)
	return cs, nil
}

// infCycle reports whether the arcs without an upper bound hold a cycle of
// negative cost (Bellman–Ford over those arcs only).
func infCycle(g *Graph) bool {
	d := make([]int64, g.Nodes())
	for pass := 0; pass <= g.Nodes(); pass++ {
		changed := false
		for a := range g.from {
			if g.upper[a] != Inf {
				continue
			}
			u, v := g.from[a], g.to[a]
			if x := d[u] + g.cost[a]; x < d[v] {
				d[v] = x
				changed = true
			}
		}
		if !changed {
			return false
		}
	}
	return true
}

func (cs *scaling) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// With zero prices every arc's reduced cost is at least −C.
	prev := max(cs.maxCost, 1)
	for {
		eps := max(prev/scalingAlpha, 1)
		r0, p0 := cs.relabels, cs.pushes
		if err := cs.refine(ctx, eps, prev); err != nil {
			return err
		}
		if debugScaling {
			println("eps", eps, "relabels", cs.relabels-r0, "pushes", cs.pushes-p0, "n", cs.n, "m", len(cs.to)/2)
		}
		if eps == 1 {
			return nil
		}
		prev = eps
	}
}

// push moves d units along edge e out of node v.
func (cs *scaling) push(v int32, e int32, d int64) {
	cs.rcap[e] -= d
	cs.rcap[cs.rev[e]] += d
	cs.excess[v] -= d
	cs.excess[cs.to[e]] += d
	cs.pushes++
}

// refine turns the prev-optimal flow of the last phase into an ε-optimal
// flow.
func (cs *scaling) refine(ctx context.Context, eps, prev int64) error {
	n := int32(cs.n)
	to, rcap, first := cs.to, cs.rcap, cs.first
	cs.saturateNegative()
	copy(cs.start, cs.price)
	head, size := 0, 0
	enqueue := func(v int32) {
		i := head + size
		if i >= len(cs.queue) {
			i -= len(cs.queue)
		}
		cs.queue[i] = v
		size++
		cs.inQueue[v] = true
	}
	for v := int32(0); v < n; v++ {
		cs.cur[v] = first[v]
		if cs.excess[v] > 0 {
			enqueue(v)
		}
	}
	// In a feasible problem a node v with excess has a path P to a node w
	// with a deficit, whose price never moves in a refine, residual now
	// and whose reverse was residual in the last phase's flow (Goldberg and
	// Tarjan): c(P) + p(v) − p(w) ≥ −(n−1)ε now, and −c(P) + p0(w) − p0(v)
	// ≥ −(n−1)·prev at the start, so v's price drops by at most
	// (n−1)(ε + prev). A larger drop proves the supplies cannot be routed.
	// (A node without excess on an augmenting path may drop further.)
	limit := int64(n) * (eps + prev)
	// Global price updates after every n relabels (and at once).
	nextUpdate := cs.relabels
	path := cs.path[:0]
	for size > 0 {
		start := cs.queue[head]
		if cs.excess[start] <= 0 {
			if head++; head == len(cs.queue) {
				head = 0
			}
			size--
			cs.inQueue[start] = false
			continue
		}
		// Partial augment-relabel (LEMON's default method): follow
		// admissible edges from start for up to maxPath steps or to a node
		// with a deficit, relabelling a dead end and stepping back, then
		// push along the path found.
		tip := start
		for len(path) < maxPath && cs.excess[tip] >= 0 {
			if e := cs.admissible(tip); e >= 0 {
				path = append(path, e)
				tip = to[e]
				if tip == start || cs.onPath[tip] {
					break // a cycle: push around it
				}
				cs.onPath[tip] = true
				continue
			}
			if err := cs.relabel(ctx, tip, start, path, eps, limit); err != nil {
				return err
			}
			if tip != start {
				e := path[len(path)-1]
				path = path[:len(path)-1]
				cs.onPath[tip] = false
				tip = to[cs.rev[e]]
			}
		}
		// Push along the path, as much as each step can take.
		u := start
		for _, e := range path {
			w := to[e]
			cs.onPath[w] = false
			d := min(cs.excess[u], rcap[e])
			cs.push(u, e, d)
			if cs.excess[w] > 0 && !cs.inQueue[w] {
				enqueue(w)
			}
			u = w
		}
		path = path[:0]
		if cs.relabels >= nextUpdate {
			cs.globalUpdate(eps)
			nextUpdate = cs.relabels + cs.n
		}
	}
	cs.path = path
	return nil
}

// saturateNegative saturates every arc of negative reduced cost: the
// pseudoflow is then 0-optimal, and only the excesses remain to be moved.
func (cs *scaling) saturateNegative() {
	n := int32(cs.n)
	to, rcap, cost, price, first := cs.to, cs.rcap, cs.cost, cs.price, cs.first
	for v := int32(0); v < n; v++ {
		pv := price[v]
		for e := first[v]; e < first[v+1]; e++ {
			if rcap[e] > 0 && cost[e]+pv-price[to[e]] < 0 {
				cs.push(v, e, rcap[e])
			}
		}
	}
}

// admissible returns the first admissible edge out of v from its current
// edge on (residual, of negative reduced cost), making it v's current
// edge, or -1 when there is none.
func (cs *scaling) admissible(v int32) int32 {
	rcap, cost, price := cs.rcap, cs.cost, cs.price
	pv := price[v]
	for e, end := cs.cur[v], cs.first[v+1]; e < end; e++ {
		if rcap[e] > 0 && cost[e]+pv-price[cs.to[e]] < 0 {
			cs.cur[v] = e
			return e
		}
	}
	return -1
}

// relabel lowers the price of tip, the dead end of the path from start,
// to the highest price that keeps ε-optimality and makes its best
// residual edge admissible. Off the start, the edge back along the path
// counts even when it has no capacity (a dead end steps back). It fails
// when tip has no residual edge, or when a node with excess drops more
// than limit below its price at the start of the refine.
func (cs *scaling) relabel(ctx context.Context, tip, start int32, path []int32, eps, limit int64) error {
	to, rcap, cost, price := cs.to, cs.rcap, cs.cost, cs.price
	best := int64(math.MinInt64)
	if tip != start {
		back := cs.rev[path[len(path)-1]]
		best = price[to[back]] - cost[back]
	}
	for e, end := cs.first[tip], cs.first[tip+1]; e < end; e++ {
		if rcap[e] > 0 {
			best = max(best, price[to[e]]-cost[e])
		}
	}
	if best == math.MinInt64 {
		return fmt.Errorf("flow: %w", ErrInfeasible)
	}
	price[tip] = best - eps
	cs.cur[tip] = cs.first[tip]
	if cs.excess[tip] > 0 && cs.start[tip]-price[tip] > limit {
		return fmt.Errorf("flow: %w", ErrInfeasible)
	}
	if cs.relabels++; cs.relabels%checkEvery == 0 {
		return ctx.Err()
	}
	return nil
}

// globalUpdate is Goldberg's global price update: each node's distance
// to a node with a deficit is measured in the residual graph, an edge of
// reduced cost c counting 0 when c < 0 and ⌊c/ε⌋+1 otherwise (Dial's
// buckets), until every node with excess is reached; a node at distance r
// then has its price lowered by r·ε, and a node not reached by the largest
// distance settled. Every reduced cost stays ≥ −ε, and every node with
// excess gets a path of admissible edges to a deficit, so that pushes go
// straight where the flow is wanted instead of by many small relabels.
func (cs *scaling) globalUpdate(eps int64) {
	n := int32(cs.n)
	to, rev, rcap, cost, price, first := cs.to, cs.rev, cs.rcap, cs.cost, cs.price, cs.first
	const unreached = math.MaxInt64
	active := 0
	for v := int32(0); v < n; v++ {
		cs.done[v] = false
		cs.rank[v] = unreached
		if cs.excess[v] > 0 {
			active++
		}
	}
	if active == 0 {
		return
	}
	// Buckets by rank, up to n (a rank beyond n is treated as not
	// reached; its node then counts as at the last rank settled, which
	// is never more than its true rank).
	maxRank := int64(n)
	for i := range cs.buckets {
		cs.buckets[i] = cs.buckets[i][:0]
	}
	put := func(v int32, r int64) {
		for int64(len(cs.buckets)) <= r {
			cs.buckets = append(cs.buckets, nil)
		}
		cs.buckets[r] = append(cs.buckets[r], v)
	}
	for v := int32(0); v < n; v++ {
		if cs.excess[v] < 0 {
			cs.rank[v] = 0
			put(v, 0)
		}
	}
	r := int64(0)
	reached := 0
scan:
	for ; r < int64(len(cs.buckets)); r++ {
		for k := 0; k < len(cs.buckets[r]); k++ {
			w := cs.buckets[r][k]
			if cs.done[w] || cs.rank[w] != r {
				continue
			}
			cs.done[w] = true
			if cs.excess[w] > 0 {
				if reached++; reached == active {
					break scan
				}
			}
			pw := price[w]
			for e := first[w]; e < first[w+1]; e++ {
				v := to[e]
				back := rev[e] // the edge v → w
				if cs.done[v] || rcap[back] <= 0 {
					continue
				}
				c := cost[back] + price[v] - pw
				nr := r
				if c >= 0 {
					nr += c/eps + 1
				}
				if nr < cs.rank[v] && nr <= maxRank {
					cs.rank[v] = nr
					put(v, nr)
				}
			}
		}
	}
	r = min(r, int64(len(cs.buckets))-1)
	for v := int32(0); v < n; v++ {
		if cs.done[v] {
			price[v] -= cs.rank[v] * eps
		} else {
			price[v] -= r * eps
		}
		cs.cur[v] = first[v]
	}
}

func (cs *scaling) result(ctx context.Context, g *Graph) (Result, error) {
	m := g.Arcs()
	res := Result{Flow: make([]int64, m), Pivots: cs.relabels, Pushes: cs.pushes}
	for a := 0; a < m; a++ {
		f := cs.rcap[cs.rev[cs.arcEdge[a]]] + g.lower[a]
		res.Flow[a] = f
		c := g.cost[a]
		if f != 0 && c != 0 {
			p := f * c
			if p/f != c {
				return Result{}, volmatch.Errorf(volmatch.EINVALID, "flow: the total cost overflows int64")
			}
			sum := res.Cost + p
			if (p > 0 && sum < res.Cost) || (p < 0 && sum > res.Cost) {
				return Result{}, volmatch.Errorf(volmatch.EINVALID, "flow: the total cost overflows int64")
			}
			res.Cost = sum
		}
	}
	pot, err := cs.potentials(ctx)
	if err != nil {
		return Result{}, err
	}
	res.Potential = pot
	return res, nil
}

// potentials returns exact potentials for the optimal flow: the prices,
// divided by the scale, are within one unit of complementary slackness,
// and a label-correcting pass (shortest distances in the residual graph,
// which holds no negative cycle at the optimum) makes every residual edge's
// reduced cost non-negative.
func (cs *scaling) potentials(ctx context.Context) ([]int64, error) {
	n := int32(cs.n)
	d := make([]int64, n)
	for v := range d {
		d[v] = floorDiv(cs.price[v], cs.scale)
	}
	head, size := 0, 0
	for v := int32(0); v < n; v++ {
		cs.queue[v] = v
		cs.inQueue[v] = true
	}
	size = int(n)
	steps := 0
	for size > 0 {
		u := cs.queue[head]
		if head++; head == len(cs.queue) {
			head = 0
		}
		size--
		cs.inQueue[u] = false
		du := d[u]
		for e := cs.first[u]; e < cs.first[u+1]; e++ {
			if cs.rcap[e] <= 0 {
				continue
			}
			w := cs.to[e]
			if x := du + cs.cost[e]/cs.scale; x < d[w] {
				d[w] = x
				if !cs.inQueue[w] {
					i := head + size
					if i >= len(cs.queue) {
						i -= len(cs.queue)
					}
					cs.queue[i] = w
					size++
					cs.inQueue[w] = true
				}
			}
		}
		if steps++; steps%(64*checkEvery) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
