package flow

import (
	"context"
	"fmt"
	"math"

	"volmatch"
)

// Arc states in the simplex: at the lower bound, in the spanning tree, at
// the upper bound. The sign lets the pivot rule compute state × reduced
// cost, negative exactly for an arc whose flow should change.
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

// Directions of a node's tree arc: up (the node is the arc's source, its
// parent the target) or down.
const (
	dirUp   int8 = 1
	dirDown int8 = -1
)

// checkEvery is how many pivots pass between looks at the context.
const checkEvery = 1024

// Solve returns a minimum-cost flow of g: every node's supply leaves it (or,
// negative, arrives), every arc carries between its bounds, and the total
// cost is least. The supplies must sum to zero; to allow part of the supply
// to stay unrouted, add a bypass arc from each source to a sink of the
// matching demand. It returns an error wrapping ErrInfeasible when no flow
// meets the bounds and supplies, ErrUnbounded when a negative cycle has
// unlimited capacity, an EINVALID error for an arc with upper < lower or
// costs too large to solve exactly in int64, and ctx.Err() when ctx ends.
// The same graph always gives the same flow.
func Solve(ctx context.Context, g *Graph) (Result, error) {
	s, err := newSimplex(g)
	if err != nil {
		return Result{}, err
	}
	if err := s.run(ctx); err != nil {
		return Result{}, err
	}
	return s.result(g)
}

// Solver solves a graph that grows between solves: after the first
// Solve, arcs may be added to the graph (with lower bound 0 and costs no
// larger in absolute value than the first solve's), never nodes or supply
// changes, and the next Solve starts the network simplex from the last
// optimal spanning tree, the new arcs at their lower bound, instead of
// from the start: when few arcs are added the re-solve takes a few pivots.
// A change it cannot start from (a new node, a supply, a lower bound or a
// larger cost) is solved from the start.
type Solver struct {
	g     *Graph
	s     *simplex
	nodes int
	sup   []int64
}

// NewSolver returns a Solver of g, which the caller goes on owning (and
// adding arcs to).
func NewSolver(g *Graph) *Solver { return &Solver{g: g} }

// Solve solves the graph as it is now, as Solve does; Result.Pivots counts
// this solve's pivots only.
func (sv *Solver) Solve(ctx context.Context) (Result, error) {
	g := sv.g
	if sv.s == nil || !sv.warm() {
		s, err := newSimplex(g)
		if err != nil {
			return Result{}, err
		}
		sv.s, sv.nodes, sv.sup = s, g.Nodes(), append([]int64(nil), g.supply...)
	}
	s := sv.s
	before := s.pivots
	if err := s.run(ctx); err != nil {
		sv.s = nil
		return Result{}, err
	}
	res, err := s.result(g)
	res.Pivots = s.pivots - before
	return res, err
}

// warm extends the last solve's simplex by the arcs added since, and
// reports false when it cannot.
func (sv *Solver) warm() bool {
	g, s := sv.g, sv.s
	if g.Nodes() != sv.nodes || g.Arcs() < s.m {
		return false
	}
	for v, x := range g.supply {
		if sv.sup[v] != x {
			return false
		}
	}
	k := g.Arcs() - s.m
	if k == 0 {
		return true
	}
	if g.Arcs()+s.n > math.MaxInt32 {
		return false
	}
	for a := s.m; a < g.Arcs(); a++ {
		if g.lower[a] != 0 || g.upper[a] < 0 {
			return false
		}
		c := g.cost[a]
		if c == math.MinInt64 || max(c, -c) > s.maxCost {
			return false
		}
	}
	// The new arcs go after the old ones and before the artificial arcs,
	// which move up by k (and so do the tree's references to them).
	m, all := s.m+k, s.all+k
	grow32 := func(x []int32) []int32 {
		y := make([]int32, all)
		copy(y, x[:s.m])
		copy(y[m:], x[s.m:s.all])
		return y
	}
	grow64 := func(x []int64) []int64 {
		y := make([]int64, all)
		copy(y, x[:s.m])
		copy(y[m:], x[s.m:s.all])
		return y
	}
	s.source, s.target = grow32(s.source), grow32(s.target)
	s.cost, s.cap, s.flow = grow64(s.cost), grow64(s.cap), grow64(s.flow)
	state := make([]int8, all)
	copy(state, s.state[:s.m])
	copy(state[m:], s.state[s.m:s.all])
	s.state = state
	s.orig = append(s.orig, make([]int32, k)...)
	for i, a := s.m, s.m; a < g.Arcs(); i, a = i+1, a+1 {
		s.orig[i] = int32(a)
		s.source[i], s.target[i] = g.from[a], g.to[a]
		s.cost[i] = g.cost[a]
		s.cap[i] = g.upper[a]
		s.state[i] = stateLower
	}
	for u := range s.pred {
		if int(s.pred[u]) >= s.m {
			s.pred[u] += int32(k)
		}
	}
	s.m, s.all = m, all
	s.searchTo = m
	s.nextArc = 0
	s.blockSize = blockSize(m)
	return true
}

type simplex struct {
	n, m   int   // nodes and arcs of the problem
	all    int   // m + n: with one artificial arc per node
	root   int32 // the artificial root, node n
	orig   []int32
	source []int32
	target []int32
	cost   []int64
	cap    []int64
	flow   []int64
	state  []int8

	supply    []int64
	pi        []int64
	parent    []int32
	pred      []int32
	thread    []int32
	revThread []int32
	succNum   []int32
	lastSucc  []int32
	predDir   []int8
	dirtyRevs []int32

	// the current pivot
	inArc                        int32
	join, uIn, vIn, uOut, vOut   int32
	delta                        int64
	blockSize, nextArc, searchTo int
	pivots                       int
	maxCost                      int64 // the largest |cost| of an arc
}

func newSimplex(g *Graph) (*simplex, error) {
	n, m := g.Nodes(), g.Arcs()
	if n+1 > math.MaxInt32 || m+n > math.MaxInt32 {
		return nil, volmatch.Errorf(volmatch.ETOOLARGE, "flow: %d nodes and %d arcs are beyond the solver's int32 indexes", n, m)
	}
	all := m + n
	s := &simplex{
		n: n, m: m, all: all, root: int32(n),
		orig: make([]int32, m), source: make([]int32, all), target: make([]int32, all),
		cost: make([]int64, all), cap: make([]int64, all), flow: make([]int64, all),
		state:  make([]int8, all),
		supply: make([]int64, n+1), pi: make([]int64, n+1),
		parent: make([]int32, n+1), pred: make([]int32, n+1), thread: make([]int32, n+1),
		revThread: make([]int32, n+1), succNum: make([]int32, n+1), lastSucc: make([]int32, n+1),
		predDir: make([]int8, n+1),
	}
	copy(s.supply, g.supply)
	var maxCost int64
	// Arcs are stored mixed (LEMON's arc mixing): arc a goes to position
	// i, stepping by skip, so that a block of the pivot search sees arcs
	// of many nodes rather than all the arcs of a few.
	skip := 3
	if n > 0 && m/n > skip {
		skip = m / n
	}
	i, j := 0, 0
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
		s.orig[i] = int32(a)
		s.source[i], s.target[i] = g.from[a], g.to[a]
		s.cost[i] = c
		if up == Inf {
			s.cap[i] = Inf
		} else {
			s.cap[i] = up - lo
		}
		if lo != 0 {
			// The standard transformation: the lower bound is sent at
			// once, leaving a problem with zero lower bounds.
			s.supply[g.from[a]] -= lo
			s.supply[g.to[a]] += lo
		}
		s.state[i] = stateLower
		if c < 0 {
			c = -c
		}
		maxCost = max(maxCost, c)
		if i += skip; i >= m {
			j++
			i = j
		}
	}
	var sum int64
	for _, x := range s.supply[:n] {
		sum += x
	}
	if sum != 0 {
		return nil, fmt.Errorf("flow: supplies sum to %d, not 0: %w", sum, ErrInfeasible)
	}
	// The artificial cost must exceed the cost of any path, so that an
	// artificial arc carries flow at the optimum only when nothing else can.
	// Potentials stay within a few times it, so it must leave room in int64.
	if maxCost+1 > math.MaxInt64/8/int64(n+2) {
		return nil, volmatch.Errorf(volmatch.EINVALID, "flow: arc costs up to %d are too large to solve exactly with %d nodes", maxCost, n)
	}
	artCost := (maxCost + 1) * int64(n+1)
	s.maxCost = maxCost

	// The initial tree: every node hangs from the root by its artificial
	// arc, which carries the node's supply up (or its demand down).
	root := s.root
	s.parent[root], s.pred[root] = -1, -1
	s.thread[root] = 0
	s.revThread[0] = root
	s.succNum[root] = int32(n + 1)
	s.lastSucc[root] = root - 1
	s.supply[root] = 0
	s.pi[root] = 0
	for u, e := int32(0), int32(m); u < root; u, e = u+1, e+1 {
		s.parent[u] = root
		s.pred[u] = e
		s.thread[u] = u + 1
		s.revThread[u+1] = u
		s.succNum[u] = 1
		s.lastSucc[u] = u
		s.cap[e] = Inf
		s.state[e] = stateTree
		if s.supply[u] >= 0 {
			s.predDir[u] = dirUp
			s.pi[u] = 0
			s.source[e], s.target[e] = u, root
			s.flow[e] = s.supply[u]
			s.cost[e] = 0
		} else {
			s.predDir[u] = dirDown
			s.pi[u] = artCost
			s.source[e], s.target[e] = root, u
			s.flow[e] = -s.supply[u]
			s.cost[e] = artCost
		}
	}
	if n == 0 {
		s.thread[root] = root
		s.revThread[root] = root
		s.lastSucc[root] = root
	}
	s.searchTo = m
	s.blockSize = blockSize(m)
	return s, nil
}

// blockSize is the pivot search's block: a tenth of √m arcs (at least 10).
// LEMON's √m was measured against smaller blocks on the city-scale Assign
// graph (430k arcs, 900k pivots): √m/10 took 1.7 cpu-s, √m/4 2.1, √m 2.7,
// 4√m 7.8 (the most negative reduced cost of a smaller block is found
// sooner, and the pivot it gives is about as good). Below √m/10 (√m/20:
// 10.7 cpu-s) the pivots got worse again.
func blockSize(m int) int { return max(int(math.Sqrt(float64(m))/10), 10) }

func (s *simplex) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for s.findEnteringArc() {
		s.pivots++
		if s.pivots%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.findJoinNode()
		change := s.findLeavingArc()
		if s.delta >= Inf {
			return fmt.Errorf("flow: %w", ErrUnbounded)
		}
		s.changeFlow(change)
		if change {
			s.updateTreeStructure()
			s.updatePotential()
		}
	}
	for e := s.m; e < s.all; e++ {
		if s.flow[e] != 0 {
			return fmt.Errorf("flow: %w", ErrInfeasible)
		}
	}
	return nil
}

func (s *simplex) result(g *Graph) (Result, error) {
	res := Result{Flow: make([]int64, s.m), Potential: make([]int64, s.n), Pivots: s.pivots}
	for i := 0; i < s.m; i++ {
		a := s.orig[i]
		f := s.flow[i] + g.lower[a]
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
	copy(res.Potential, s.pi[:s.n])
	return res, nil
}

// findEnteringArc is the block search pivot rule: scan the arcs in blocks
// from where the last search stopped and take the most negative reduced
// cost of the first block that has one.
func (s *simplex) findEnteringArc() bool {
	var min int64
	cnt := s.blockSize
	e := s.nextArc
	src, tgt, cost, state, pi := s.source, s.target, s.cost, s.state, s.pi
	for ; e < s.searchTo; e++ {
		c := int64(state[e]) * (cost[e] + pi[src[e]] - pi[tgt[e]])
		if c < min {
			min = c
			s.inArc = int32(e)
		}
		if cnt--; cnt == 0 {
			if min < 0 {
				s.nextArc = e + 1
				return true
			}
			cnt = s.blockSize
		}
	}
	for e = 0; e < s.nextArc; e++ {
		c := int64(state[e]) * (cost[e] + pi[src[e]] - pi[tgt[e]])
		if c < min {
			min = c
			s.inArc = int32(e)
		}
		if cnt--; cnt == 0 {
			if min < 0 {
				s.nextArc = e + 1
				return true
			}
			cnt = s.blockSize
		}
	}
	if min >= 0 {
		return false
	}
	s.nextArc = e
	return true
}

// findJoinNode finds the apex of the cycle the entering arc closes.
func (s *simplex) findJoinNode() {
	u, v := s.source[s.inArc], s.target[s.inArc]
	for u != v {
		if s.succNum[u] < s.succNum[v] {
			u = s.parent[u]
		} else {
			v = s.parent[v]
		}
	}
	s.join = u
}

// findLeavingArc finds the arc of the cycle that blocks the flow first (the
// last such arc along the cycle's orientation, which keeps the tree strongly
// feasible) and the amount delta. It reports false when the entering arc
// itself blocks (it only moves to its other bound).
func (s *simplex) findLeavingArc() bool {
	in := s.inArc
	var first, second int32
	if s.state[in] == stateLower {
		first, second = s.source[in], s.target[in]
	} else {
		first, second = s.target[in], s.source[in]
	}
	s.delta = s.cap[in]
	result := 0
	for u := first; u != s.join; u = s.parent[u] {
		e := s.pred[u]
		d := s.flow[e]
		if s.predDir[u] == dirDown {
			if c := s.cap[e]; c >= Inf {
				d = Inf
			} else {
				d = c - d
			}
		}
		if d < s.delta {
			s.delta = d
			s.uOut = u
			result = 1
		}
	}
	for u := second; u != s.join; u = s.parent[u] {
		e := s.pred[u]
		d := s.flow[e]
		if s.predDir[u] == dirUp {
			if c := s.cap[e]; c >= Inf {
				d = Inf
			} else {
				d = c - d
			}
		}
		if d <= s.delta {
			s.delta = d
			s.uOut = u
			result = 2
		}
	}
	if result == 1 {
		s.uIn, s.vIn = first, second
	} else {
		s.uIn, s.vIn = second, first
	}
	return result != 0
}

// changeFlow pushes delta around the cycle and updates the arc states.
func (s *simplex) changeFlow(change bool) {
	in := s.inArc
	if s.delta > 0 {
		val := int64(s.state[in]) * s.delta
		s.flow[in] += val
		for u := s.source[in]; u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] -= int64(s.predDir[u]) * val
		}
		for u := s.target[in]; u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] += int64(s.predDir[u]) * val
		}
	}
	if change {
		s.state[in] = stateTree
		out := s.pred[s.uOut]
		if s.flow[out] == 0 {
			s.state[out] = stateLower
		} else {
			s.state[out] = stateUpper
		}
	} else {
		s.state[in] = -s.state[in]
	}
}

// updateTreeStructure swaps the leaving arc for the entering one in the
// spanning tree: the stem from uIn to uOut is re-hung below vIn, reversing
// its parent pointers, and the thread, last-successor and subtree-size
// arrays are patched along the two paths to the join node only.
func (s *simplex) updateTreeStructure() {
	uOut := s.uOut
	oldRevThread := s.revThread[uOut]
	oldSuccNum := s.succNum[uOut]
	oldLastSucc := s.lastSucc[uOut]
	s.vOut = s.parent[uOut]

	if s.uIn == uOut {
		s.parent[uOut] = s.vIn
		s.setEnteringPred()
		s.moveSubtreeThread(oldRevThread, oldLastSucc)
	} else {
		s.rehangStem(oldRevThread, oldLastSucc)
		s.reverseStem(oldSuccNum)
	}

	parent, lastSucc, succNum := s.parent, s.lastSucc, s.succNum
	vIn, vOut, join := s.vIn, s.vOut, s.join
	// Last successors from vIn towards the root.
	upLimitOut := int32(-1)
	if lastSucc[join] == vIn {
		upLimitOut = join
	}
	lastSuccOut := lastSucc[uOut]
	for u := vIn; u != -1 && lastSucc[u] == vIn; u = parent[u] {
		lastSucc[u] = lastSuccOut
	}
	// Last successors from vOut towards the root.
	if join != oldRevThread && vIn != oldRevThread {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = oldRevThread
		}
	} else if lastSuccOut != oldLastSucc {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = lastSuccOut
		}
	}
	// Subtree sizes on the two paths to the join.
	for u := vIn; u != join; u = parent[u] {
		succNum[u] += oldSuccNum
	}
	for u := vOut; u != join; u = parent[u] {
		succNum[u] -= oldSuccNum
	}
}

// setEnteringPred makes the entering arc uIn's tree arc.
func (s *simplex) setEnteringPred() {
	s.pred[s.uIn] = s.inArc
	if s.uIn == s.source[s.inArc] {
		s.predDir[s.uIn] = dirUp
	} else {
		s.predDir[s.uIn] = dirDown
	}
}

// moveSubtreeThread moves uOut's subtree (uOut = uIn), which ran from
// after oldRevThread to oldLastSucc in the thread, to just after vIn.
func (s *simplex) moveSubtreeThread(oldRevThread, oldLastSucc int32) {
	thread, revThread, vIn, uOut := s.thread, s.revThread, s.vIn, s.uOut
	if thread[vIn] == uOut {
		return
	}
	after := thread[oldLastSucc]
	thread[oldRevThread] = after
	revThread[after] = oldRevThread
	after = thread[vIn]
	thread[vIn] = uOut
	revThread[uOut] = vIn
	thread[oldLastSucc] = after
	revThread[after] = oldLastSucc
}

// rehangStem re-hangs the stem nodes between uIn and uOut below vIn,
// reversing their parent pointers and moving their subtrees in the thread
// list; uOut's subtree ran from after oldRevThread to oldLastSucc.
func (s *simplex) rehangStem(oldRevThread, oldLastSucc int32) {
	parent, thread, revThread, lastSucc := s.parent, s.thread, s.revThread, s.lastSucc
	uIn, vIn, uOut := s.uIn, s.vIn, s.uOut
	// When the node before uOut's subtree in the thread is vIn, the
	// join and vOut coincide.
	var threadContinue int32
	if oldRevThread == vIn {
		threadContinue = thread[oldLastSucc]
	} else {
		threadContinue = thread[vIn]
	}
	stem := uIn
	parStem := vIn
	last := lastSucc[uIn]
	after := thread[last]
	thread[vIn] = uIn
	s.dirtyRevs = append(s.dirtyRevs[:0], vIn)
	for stem != uOut {
		nextStem := parent[stem]
		thread[last] = nextStem
		s.dirtyRevs = append(s.dirtyRevs, last)

		before := revThread[stem]
		thread[before] = after
		revThread[after] = before

		parent[stem] = parStem
		parStem = stem
		stem = nextStem

		if lastSucc[stem] == lastSucc[parStem] {
			last = revThread[parStem]
		} else {
			last = lastSucc[stem]
		}
		after = thread[last]
	}
	parent[uOut] = parStem
	thread[last] = threadContinue
	revThread[threadContinue] = last
	lastSucc[uOut] = last

	if oldRevThread != vIn {
		thread[oldRevThread] = after
		revThread[after] = oldRevThread
	}
	for _, u := range s.dirtyRevs {
		revThread[thread[u]] = u
	}
}

// reverseStem reverses pred, direction, subtree sizes and last successors
// along the re-hung stem from uOut back to uIn, whose subtree size is
// oldSuccNum, uOut's before the pivot.
func (s *simplex) reverseStem(oldSuccNum int32) {
	parent, lastSucc, succNum := s.parent, s.lastSucc, s.succNum
	uIn, uOut := s.uIn, s.uOut
	var tmpSc int32
	tmpLs := lastSucc[uOut]
	for u, p := uOut, parent[uOut]; u != uIn; u, p = p, parent[p] {
		s.pred[u] = s.pred[p]
		s.predDir[u] = -s.predDir[p]
		tmpSc += succNum[u] - succNum[p]
		succNum[u] = tmpSc
		lastSucc[p] = tmpLs
	}
	s.setEnteringPred()
	succNum[uIn] = oldSuccNum
}

// updatePotential shifts the potentials of uIn's new subtree so that the
// entering arc's reduced cost is zero. Potentials matter only up to a
// constant, so when that subtree holds more than half of the nodes, the
// nodes outside it (the root's side) are shifted the other way instead:
// the work is the smaller side's. The root's potential then drifts from 0,
// and is brought back (every potential shifted alike) before it grows
// large.
func (s *simplex) updatePotential() {
	in := s.inArc
	sigma := s.pi[s.vIn] - s.pi[s.uIn] - int64(s.predDir[s.uIn])*s.cost[in]
	end := s.thread[s.lastSucc[s.uIn]]
	if 2*int(s.succNum[s.uIn]) <= s.n+1 {
		for u := s.uIn; u != end; u = s.thread[u] {
			s.pi[u] += sigma
		}
		return
	}
	// The thread is a cycle through every node from the root; the
	// subtree is the run from uIn to just before end.
	for u := s.root; u != s.uIn; u = s.thread[u] {
		s.pi[u] -= sigma
	}
	for u := end; u != s.root; u = s.thread[u] {
		s.pi[u] -= sigma
	}
	if r := s.pi[s.root]; r > potentialDrift || r < -potentialDrift {
		for u := range s.pi {
			s.pi[u] -= r
		}
	}
}

// potentialDrift is how far the root's potential may drift from 0 before
// every potential is shifted back.
const potentialDrift = 1 << 52
