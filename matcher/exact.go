package matcher

import (
	"container/heap"
	"context"
	"errors"
	"math"
	"slices"
	"time"
)

// relaxation is an optimum of the flow over a batch (batch.relax).
type relaxation struct {
	// chosen are the pairs the flow carries, ascending.
	chosen []int32
	// bound is the flow's optimum, gains less fairness costs in integer
	// units: no conflict-free plan of the batch does better.
	bound int64
	// lambda is each shift's slot price, the dual of its capacity.
	lambda []int64
	// exact: no volunteer's pairs chain, so the flow is the batch.
	exact          bool
	pivots, solves int
}

// solve finds the optimum of the batch by branch and bound over the flow.
//
// Each node of the search is the batch with some pairs forbidden. Its
// upper bound is the smaller of the flow's optimum (relax) and the
// Lagrangian bound at the flow's shift prices (lagrangeBound): the
// shifts' capacities priced, every volunteer's best schedule is found
// exactly by weighted interval scheduling, so a volunteer's shifts that
// chain are no longer counted as if they could all be taken. When the
// flow gives no volunteer two overlapping shifts it is the node's optimum;
// otherwise its plan is repaired into a conflict-free one (a candidate
// incumbent, relaxAndRepair's plan at the root) and the node branches on
// a volunteer v given overlapping shifts, on the better-paying of the two,
// B: one child forbids v every shift overlapping B (the plans where v
// takes B), the other forbids v B (the plans where v does not). Every
// conflict-free plan lies in a child, and the flow of each child differs
// from its parent's. Nodes are taken best bound first (ties by creation
// order), so the search is deterministic; it ends when no open node's
// bound beats the incumbent: the incumbent is then optimal (Exact).
//
// o.MaxNodes and o.TimeLimit stop it early: the plan is then the best
// found, Bound the largest bound of an open node, and Gap their
// difference. The first flow and its repair are always solved (only ctx
// stops them); the time limit counts from the start of the search, the
// root's subgradient steps and fixing rounds included, and a node's
// steps stop early enough to leave the plan around its schedules
// (scheduleFlow) the time the node's flow took (the only reading of the
// clock besides the limit's own, and only under a limit).
func (b *batch) solve(ctx context.Context) (Plan, error) {
	s := &search{b: b, forbidden: make([]bool, len(b.pairs)), bestVal: -1}
	lctx := ctx
	if b.o.TimeLimit > 0 {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, b.o.TimeLimit)
		defer cancel()
	}
	s.limit = lctx
	root := &bbNode{bound: math.MaxInt64}
	if err := s.evaluate(ctx, root); err != nil {
		return Plan{}, err
	}
	if root.open {
		heap.Push(&s.open, root)
	}
	for s.open.Len() > 0 && s.open[0].bound > s.bestVal {
		if (b.o.MaxNodes > 0 && s.nodes >= b.o.MaxNodes) || s.limited() {
			break
		}
		n := heap.Pop(&s.open).(*bbNode)
		keep := &bbNode{parent: n, forbid: n.overlaps, bound: n.bound}
		drop := &bbNode{parent: n, forbid: []int32{n.branch}, bound: n.bound}
		stopped := false
		for _, c := range []*bbNode{keep, drop} {
			if err := s.evaluate(lctx, c); err != nil {
				if ctx.Err() != nil {
					return Plan{}, ctx.Err()
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					return Plan{}, err
				}
				stopped = true
				break
			}
		}
		if stopped {
			// The node's children were not both bounded: it stays open
			// with its own bound, which covers them.
			heap.Push(&s.open, n)
			break
		}
		for _, c := range []*bbNode{keep, drop} {
			if c.open && c.bound > s.bestVal {
				heap.Push(&s.open, c)
			}
		}
	}
	bound := s.bestVal
	if s.open.Len() > 0 {
		bound = max(bound, s.open[0].bound)
	}
	st := b.newState()
	for _, i := range s.best {
		st.add(i)
	}
	plan := b.plan(st)
	plan.Bound = float64(bound) / b.o.Scale
	plan.Gap = float64(bound-s.bestVal) / b.o.Scale
	plan.Exact = bound == s.bestVal
	plan.Repaired, plan.Refilled = s.repaired, s.refilled
	plan.Pivots, plan.Solves, plan.Nodes = s.pivots, s.solves, s.nodes
	return plan, nil
}

// search is the state of solve's branch and bound.
type search struct {
	b *batch
	// best is the incumbent (pairs of b), bestVal its objective in units.
	best    []int32
	bestVal int64
	// forbidden marks the pairs the node being evaluated forbids.
	forbidden []bool
	// limit ends with o.TimeLimit (or with the caller's ctx).
	limit context.Context
	open  nodeHeap
	// nodes counts the nodes evaluated, nextID numbers them.
	nodes, nextID      int
	pivots, solves     int
	repaired, refilled int
}

// bbNode is a node of the search: its parent's batch less the pairs of
// forbid.
type bbNode struct {
	parent *bbNode
	forbid []int32
	// bound is an upper bound on every plan of the node.
	bound int64
	id    int
	// open: the flow gave a conflict, to branch on: pair branch of b and
	// the pairs of the same volunteer overlapping it (overlaps).
	open     bool
	branch   int32
	overlaps []int32
	// lambda are the best slot prices found for the node (its children
	// start from them).
	lambda []int64
}

// evaluate solves n's flow, bounds n, offers its plan (as it is when it
// has no conflict, repaired otherwise) and a plan built around the
// Lagrangian schedules as the incumbent and, when n's bound still beats
// the incumbent, forbids the pairs no better plan can hold (fixing by
// reduced cost) and solves again, or picks the conflict to branch on.
func (s *search) evaluate(ctx context.Context, n *bbNode) error {
	n.id = s.nextID
	s.nextID++
	s.nodes++
	for round := 0; ; round++ {
		fixed, err := s.evaluateOnce(ctx, n, round)
		if err != nil || len(fixed) == 0 {
			return err
		}
		n.forbid = append(slices.Clip(n.forbid), fixed...)
	}
}

// fixRounds is how many times a node is solved again after fixing pairs,
// fixRoundsRoot the root: the pairs fixed there are fixed for the whole
// search, and a few more rounds at the root cost less than nodes.
const (
	fixRounds     = 3
	fixRoundsRoot = 10
)

// evaluateOnce is one round of evaluate: it returns the pairs (of s.b)
// to forbid and evaluate again, none when n is bounded or branches.
func (s *search) evaluateOnce(ctx context.Context, n *bbNode, round int) ([]int32, error) {
	b := s.b
	var marked []int32
	for m := n; m != nil; m = m.parent {
		for _, i := range m.forbid {
			if !s.forbidden[i] {
				s.forbidden[i] = true
				marked = append(marked, i)
			}
		}
	}
	defer func() {
		for _, i := range marked {
			s.forbidden[i] = false
		}
	}()
	cb, orig := b, []int32(nil)
	if len(marked) > 0 {
		cb, orig = b.restrict(s.forbidden)
	}
	rctx := ctx
	if round > 0 {
		rctx = s.limit
	}
	began := time.Now()
	rel, err := cb.relax(rctx)
	took := time.Since(began)
	if err != nil {
		if s.cutByLimit(ctx) {
			// The last round's bound and branch stand.
			return nil, nil
		}
		return nil, err
	}
	s.pivots += rel.pivots
	s.solves += rel.solves
	toRoot := func(ps []int32) []int32 {
		if orig == nil {
			return ps
		}
		out := make([]int32, len(ps))
		for k, i := range ps {
			out[k] = orig[i]
		}
		return out
	}
	chosen := toRoot(rel.chosen)
	n.open = false
	n.bound = min(n.bound, rel.bound)
	x, y, ok := b.conflict(chosen)
	if !ok {
		// The flow's plan is conflict-free: the node's optimum.
		n.bound = rel.bound
		s.offer(chosen, rel.bound)
		return nil, nil
	}
	st := cb.newState()
	for _, i := range rel.chosen {
		st.add(i)
	}
	dropped, refilled := cb.repair(st)
	if n.parent == nil && round == 0 {
		s.repaired, s.refilled = dropped, refilled
	}
	var fixed []int32
	for i, c := range st.chosen {
		if c {
			fixed = append(fixed, int32(i))
		}
	}
	s.offer(toRoot(fixed), st.value())
	if n.bound <= s.bestVal {
		return nil, nil
	}
	// The Lagrangian bound, from the better of the flow's prices, the
	// last round's and the parent's, improved by subgradient steps.
	start := rel.lambda
	lb := cb.lagrangeBound(start, nil, nil)
	for _, lam := range [][]int64{n.lambda, n.parentLambda()} {
		if lam == nil {
			continue
		}
		if l := cb.lagrangeBound(lam, nil, nil); l < lb {
			start, lb = lam, l
		}
	}
	iters, rounds := subgradientNode, fixRounds
	if n.parent == nil {
		iters, rounds = subgradientRoot, fixRoundsRoot
	}
	// Under a time limit the steps stop early enough to leave the
	// incumbent flow (scheduleFlow, about as long as this node's first
	// flow) its time: a bound without a plan near it proves little. When
	// that time is not left even now, the steps run to the limit.
	canFlow := !s.reserve(took)
	stop := func() bool { return s.limited() || (canFlow && s.reserve(took)) }
	n.lambda, lb = cb.subgradient(start, lb, s.bestVal, iters, stop)
	n.bound = min(n.bound, lb)
	if n.bound <= s.bestVal {
		return nil, nil
	}
	// A plan around the Lagrangian schedules: at the root, and below it
	// in the first round of every scheduleEvery-th node only. The root's
	// plan is usually the optimum already (week_10k_cap2: the 684 flows
	// of the other nodes improved it never), and each such flow costs
	// as much as the node's own.
	if n.parent == nil || (round == 0 && n.id%scheduleEvery == 0) {
		if err := s.scheduleFlow(s.limit, cb, orig, n.lambda); err != nil && !s.cutByLimit(ctx) {
			return nil, err
		}
	}
	if n.bound <= s.bestVal {
		return nil, nil
	}
	// Branch on the better-paying of the two overlapping shifts (ties:
	// the earlier); unless pairs are fixed and the node solved again.
	br := x
	if b.pairs[y].gain > b.pairs[x].gain {
		br = y
	}
	n.open, n.branch, n.overlaps = true, br, nil
	v := b.pairs[br].vol
	for i := b.volStart[v]; i < b.volStart[v+1]; i++ {
		if int32(i) != br && !s.forbidden[i] && b.overlap(b.pairs[i].shift, b.pairs[br].shift) {
			n.overlaps = append(n.overlaps, int32(i))
		}
	}
	if round < rounds && !s.limited() {
		if out := cb.fixByReducedCost(n.lambda, lb, s.bestVal); len(out) > 0 {
			return toRoot(out), nil
		}
	}
	return nil, nil
}

// reserve reports whether less than d is left before the search's time
// limit (never without one).
func (s *search) reserve(d time.Duration) bool {
	if s.limit == nil {
		return false
	}
	end, ok := s.limit.Deadline()
	return ok && time.Until(end) < d
}

// scheduleEvery is how often a node below the root looks for a plan
// around its Lagrangian schedules (scheduleFlow).
const scheduleEvery = 16

// limited reports whether the search's time limit has passed.
func (s *search) limited() bool { return s.limit != nil && s.limit.Err() != nil }

// cutByLimit reports whether an error came from the time limit rather
// than from the caller's ctx.
func (s *search) cutByLimit(ctx context.Context) bool { return ctx.Err() == nil && s.limited() }

// parentLambda returns the parent's slot prices, nil at the root.
func (n *bbNode) parentLambda() []int64 {
	if n.parent == nil {
		return nil
	}
	return n.parent.lambda
}

// fixByReducedCost returns the pairs no plan better than target can hold,
// given the Lagrangian bound lb at the prices lambda: forcing pair p into
// its volunteer's schedule lowers the bound by the schedule's loss, and
// when lb less that loss is at most target, every plan holding p is.
func (b *batch) fixByReducedCost(lambda []int64, lb, target int64) []int32 {
	var out []int32
	var dp forcedDP
	for v := range b.vols {
		lo, hi := b.volStart[v], b.volStart[v+1]
		if lo == hi {
			continue
		}
		dp.items = dp.items[:0]
		for i := lo; i < hi; i++ {
			p := &b.pairs[i]
			s := &b.shifts[p.shift].s
			dp.items = append(dp.items, scheduleItem{start: s.Start.UnixNano(), end: s.End.UnixNano(), w: p.gain - lambda[p.shift], pair: int32(i)})
		}
		dp.forced(b.o.MaxPerVolunteer, b.fairnessCost, func(pair int32, loss int64) {
			if lb-loss <= target {
				out = append(out, pair)
			}
		})
	}
	slices.Sort(out)
	return out
}

// forcedDP finds, for each item of one volunteer, the best schedule that
// holds it: the best before it (by end), the item, the best after it (by
// start), over the counts.
type forcedDP struct {
	items            []scheduleItem
	byStart          []int
	fwd, bwd         []int64
	prevEnd, nextBeg []int
}

// forced calls f with each item's pair and how much less the best schedule
// holding it is worth than the best schedule.
func (d *forcedDP) forced(cap int, cost func(int) int64, f func(pair int32, loss int64)) {
	n := len(d.items)
	slices.SortFunc(d.items, func(x, y scheduleItem) int {
		if x.end != y.end {
			return cmpInt64(x.end, y.end)
		}
		if x.start != y.start {
			return cmpInt64(x.start, y.start)
		}
		return int(x.pair - y.pair)
	})
	k := min(cap, n)
	w := k + 1
	fair := make([]int64, w) // fair[c]: the fairness cost of c shifts
	for c := 1; c <= k; c++ {
		fair[c] = fair[c-1] + cost(c-1)
	}
	// fwd[j*w+c]: best exactly c among the first j items by end.
	d.fwd = resize(d.fwd, (n+1)*w)
	d.prevEnd = resizeInt(d.prevEnd, n)
	for c := range w {
		d.fwd[c] = none
	}
	d.fwd[0] = 0
	for j, it := range d.items {
		p, _ := slices.BinarySearchFunc(d.items[:j], it.start, func(x scheduleItem, t int64) int {
			if x.end <= t {
				return -1
			}
			return 1
		})
		d.prevEnd[j] = p
		row, last, from := d.fwd[(j+1)*w:(j+2)*w], d.fwd[j*w:(j+1)*w], d.fwd[p*w:(p+1)*w]
		row[0] = 0
		for c := 1; c <= k; c++ {
			row[c] = last[c]
			if from[c-1] != none && it.w > 0 {
				row[c] = max(row[c], from[c-1]+it.w)
			}
		}
	}
	// bwd[i*w+c]: best exactly c among the items from the i-th by start.
	d.byStart = resizeInt(d.byStart, n)
	for i := range d.byStart {
		d.byStart[i] = i
	}
	slices.SortFunc(d.byStart, func(x, y int) int {
		if c := cmpInt64(d.items[x].start, d.items[y].start); c != 0 {
			return c
		}
		return x - y
	})
	starts := make([]int64, n)
	for i, j := range d.byStart {
		starts[i] = d.items[j].start
	}
	d.bwd = resize(d.bwd, (n+1)*w)
	for c := range w {
		d.bwd[n*w+c] = none
	}
	d.bwd[n*w] = 0
	for i := n - 1; i >= 0; i-- {
		it := d.items[d.byStart[i]]
		q, _ := slices.BinarySearch(starts, it.end)
		row, next, from := d.bwd[i*w:(i+1)*w], d.bwd[(i+1)*w:(i+2)*w], d.bwd[q*w:(q+1)*w]
		row[0] = 0
		for c := 1; c <= k; c++ {
			row[c] = next[c]
			if from[c-1] != none && it.w > 0 {
				row[c] = max(row[c], from[c-1]+it.w)
			}
		}
	}
	best := int64(0)
	for c := 1; c <= k; c++ {
		if d.fwd[n*w+c] != none {
			best = max(best, d.fwd[n*w+c]-fair[c])
		}
	}
	for j, it := range d.items {
		pre := d.fwd[d.prevEnd[j]*w : (d.prevEnd[j]+1)*w]
		q, _ := slices.BinarySearch(starts, it.end)
		suf := d.bwd[q*w : (q+1)*w]
		with := int64(none)
		for c1 := 0; c1 < k; c1++ {
			if pre[c1] == none {
				continue
			}
			for c2 := 0; c1+c2+1 <= k; c2++ {
				if suf[c2] != none {
					with = max(with, pre[c1]+it.w+suf[c2]-fair[c1+c2+1])
				}
			}
		}
		f(it.pair, best-with)
	}
}

// scheduleItem is a pair of one volunteer in forcedDP.
type scheduleItem struct {
	start, end int64
	w          int64
	pair       int32
}

func resize(x []int64, n int) []int64 { return slices.Grow(x[:0], n)[:n] }
func resizeInt(x []int, n int) []int  { return slices.Grow(x[:0], n)[:n] }

// Subgradient steps on the slot prices at the root and at each other
// node.
const (
	subgradientRoot = 1000
	subgradientNode = 60
)

// subgradient lowers the Lagrangian bound from the prices start (whose
// bound is lb) by subgradient steps of Polyak's size towards target (a
// plan's objective), and returns the best prices met and their bound.
// The prices stay integers, so every bound is exact.
func (b *batch) subgradient(start []int64, lb, target int64, iters int, stop func() bool) ([]int64, int64) {
	lam := slices.Clone(start)
	best := start
	use := make([]int32, len(b.shifts))
	theta, since := 1.0, 0
	for it := 0; it < iters && lb > target && !stop(); it++ {
		l := b.lagrangeBound(lam, use, nil)
		if l < lb {
			best, lb, since = slices.Clone(lam), l, 0
		} else if since++; since >= 10 {
			theta, since = theta/2, 0
		}
		var norm int64
		for s, bs := range b.shifts {
			if g := int64(bs.free) - int64(use[s]); g < 0 || lam[s] > 0 {
				norm += g * g
			}
		}
		if norm == 0 || theta < 1e-6 {
			break
		}
		t := theta * float64(l-target) / float64(norm)
		for s, bs := range b.shifts {
			g := int64(bs.free) - int64(use[s])
			step := int64(math.Round(t * float64(g)))
			lam[s] = max(0, lam[s]-step)
		}
	}
	return best, lb
}

// scheduleFlow offers as the incumbent the optimum over the plans in
// which each volunteer whose pairs chain takes shifts of a chain-free
// family around its best schedule at the prices lambda: the schedule's
// shifts, then the others by gain as long as the family stays chain-free
// (the shifts that overlap form cliques). The flow of such families is
// exact, so the plan is conflict-free. cb is the node's batch, orig its
// pairs' indexes in s.b (nil: s.b itself).
func (s *search) scheduleFlow(ctx context.Context, cb *batch, orig []int32, lambda []int64) error {
	var sched []int32
	cb.lagrangeBound(lambda, nil, &sched)
	inSched := make([]bool, len(cb.pairs))
	for _, i := range sched {
		inSched[i] = true
	}
	drop := make([]bool, len(cb.pairs))
	for v := range cb.vols {
		lo, hi := cb.volStart[v], cb.volStart[v+1]
		if hi-lo < 2 {
			continue
		}
		if _, _, chain := cb.slices(cb.pairs[lo:hi]); !chain {
			continue
		}
		cb.chainFree(lo, hi, inSched, drop)
	}
	fb, forig := cb.restrict(drop)
	rel, err := fb.relax(ctx)
	if err != nil {
		return err
	}
	s.pivots += rel.pivots
	s.solves += rel.solves
	chosen := make([]int32, len(rel.chosen))
	for k, i := range rel.chosen {
		chosen[k] = forig[i]
		if orig != nil {
			chosen[k] = orig[chosen[k]]
		}
	}
	if _, _, bad := s.b.conflict(chosen); !bad {
		s.offer(chosen, rel.bound)
	}
	return nil
}

// chainFree marks in drop the pairs lo..hi (one volunteer's) left out of
// its chain-free family: those of the schedule first, each a group, then
// the others by gain (ties by index), each joining when the members it
// overlaps are exactly one group, or opening a group when it overlaps
// none.
func (b *batch) chainFree(lo, hi int, inSched, drop []bool) {
	group := make([]int, hi-lo)
	size := map[int]int{}
	var rest []int
	for i := lo; i < hi; i++ {
		group[i-lo] = -1
		if inSched[i] {
			group[i-lo] = i
			size[i] = 1
		} else {
			rest = append(rest, i)
		}
	}
	slices.SortFunc(rest, func(x, y int) int {
		if c := cmpInt64(b.pairs[y].gain, b.pairs[x].gain); c != 0 {
			return c
		}
		return x - y
	})
	for _, t := range rest {
		g, n, ok := -1, 0, true
		for i := lo; i < hi && ok; i++ {
			if group[i-lo] < 0 || !b.overlap(b.pairs[i].shift, b.pairs[t].shift) {
				continue
			}
			if g >= 0 && group[i-lo] != g {
				ok = false
			}
			g = group[i-lo]
			n++
		}
		switch {
		case !ok || (g >= 0 && n != size[g]):
			drop[t] = true
		case g < 0:
			group[t-lo] = t
			size[t] = 1
		default:
			group[t-lo] = g
			size[g]++
		}
	}
}

// offer makes the plan of the pairs chosen (ascending) the incumbent
// when its objective val beats it.
func (s *search) offer(chosen []int32, val int64) {
	if val > s.bestVal {
		s.best, s.bestVal = chosen, val
	}
}

// conflict returns the first two of the chosen pairs (ascending, so
// grouped by volunteer and sorted by start) in which one volunteer takes
// overlapping shifts. Sorted by start, a shift that overlaps a later one
// overlaps the next one, so neighbours are enough.
func (b *batch) conflict(chosen []int32) (x, y int32, ok bool) {
	for k := 1; k < len(chosen); k++ {
		p, q := b.pairs[chosen[k-1]], b.pairs[chosen[k]]
		if p.vol == q.vol && b.overlap(p.shift, q.shift) {
			return chosen[k-1], chosen[k], true
		}
	}
	return 0, 0, false
}

// overlap reports whether shifts i and j share an instant.
func (b *batch) overlap(i, j int32) bool {
	return b.shifts[i].s.Overlaps(b.shifts[j].s)
}

// restrict returns the batch without the pairs forbidden marks, and for
// each of its pairs the index of the pair in b.
func (b *batch) restrict(forbidden []bool) (*batch, []int32) {
	c := *b
	c.sched = nil
	c.pairs = make([]batchPair, 0, len(b.pairs))
	c.volStart = make([]int, len(b.vols)+1)
	orig := make([]int32, 0, len(b.pairs))
	for v := range b.vols {
		c.volStart[v] = len(c.pairs)
		for i := b.volStart[v]; i < b.volStart[v+1]; i++ {
			if !forbidden[i] {
				c.pairs = append(c.pairs, b.pairs[i])
				orig = append(orig, int32(i))
			}
		}
	}
	c.volStart[len(b.vols)] = len(c.pairs)
	return &c, orig
}

func cmpInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// value is the objective of the plan in integer units: gains less the
// fairness costs.
func (st *planState) value() int64 {
	b := st.b
	var v int64
	for i, c := range st.chosen {
		if c {
			v += b.pairs[i].gain
		}
	}
	for _, mine := range st.byVol {
		for k := range mine {
			v -= b.fairnessCost(k)
		}
	}
	return v
}

// nodeHeap orders the open nodes best bound first, ties by creation.
type nodeHeap []*bbNode

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	if h[i].bound != h[j].bound {
		return h[i].bound > h[j].bound
	}
	return h[i].id < h[j].id
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*bbNode)) }
func (h *nodeHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}
