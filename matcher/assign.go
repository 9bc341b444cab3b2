package matcher

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"volmatch"
	"volmatch/matcher/flow"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// AssignOptions configure Assign and GreedyAssign. The zero value gives one
// shift per volunteer, no fairness cost and a scale of 1e6.
type AssignOptions struct {
	// MaxPerVolunteer is the most shifts one volunteer takes in the plan
	// (default 1).
	MaxPerVolunteer int
	// FairnessStep is the score given up for each additional shift a
	// volunteer takes: the k-th shift of a volunteer (k = 0, 1, ...) costs
	// k × FairnessStep, so the plan spreads shifts over volunteers unless
	// the better fit is worth it.
	FairnessStep float64
	// Scale turns scores into the solver's integer costs: a score s costs
	// −round(s × Scale). Default 1e6, so scores are exact to 1e-6.
	Scale float64
	// Held are assignments already held: a volunteer is not planned into a
	// shift overlapping one they hold (the busy gate).
	Held []volmatch.Assignment
	// Workers is the number of goroutines that gate and score the pairs
	// (default runtime.GOMAXPROCS); they query the grid at once, which is
	// safe. The plan is the same for any number.
	Workers int
	// TimeLimit, when above 0, stops the search for the optimum after
	// that long (wall clock, as a context deadline): the plan is then the
	// best found, with its Bound and Gap, and Exact false unless it was
	// proven by then. The first flow and its repair always finish (only
	// the ctx of Assign stops them). A plan reached before the limit is
	// the same on every run; one cut by it depends on the machine.
	TimeLimit time.Duration
	// MaxNodes, when above 0, stops the search after that many nodes
	// (flows solved): a limit that, unlike TimeLimit, gives the same plan
	// on every machine.
	MaxNodes int
}

func (o AssignOptions) withDefaults() AssignOptions {
	if o.MaxPerVolunteer <= 0 {
		o.MaxPerVolunteer = 1
	}
	if o.Scale <= 0 {
		o.Scale = 1e6
	}
	if o.FairnessStep < 0 {
		o.FairnessStep = 0
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Placement is one volunteer planned into one shift of a need.
type Placement struct {
	Volunteer string  `json:"volunteer"`
	Need      string  `json:"need"`
	Shift     string  `json:"shift"`
	Score     float64 `json:"score"`
}

// ShiftFill is how a plan fills one shift.
type ShiftFill struct {
	Need    string    `json:"need"`
	Shift   string    `json:"shift"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Free    int       `json:"free"`    // slots free before the plan
	Planned int       `json:"planned"` // slots the plan fills
}

// Plan is a batch assignment.
type Plan struct {
	// Placements are sorted by need, shift and volunteer ID.
	Placements []Placement `json:"placements"`
	// Total is the sum of the placements' scores.
	Total float64 `json:"total"`
	// Objective is Total less the fairness costs: what the plan maximises.
	Objective float64 `json:"objective"`
	// Bound is proven: no conflict-free plan does better (up to the
	// rounding of scores to 1/Scale). Bound == Objective when Exact.
	Bound float64 `json:"bound"`
	// Gap is Bound − Objective: 0 when Exact, else what a limit
	// (TimeLimit, MaxNodes) left unproven.
	Gap float64 `json:"gap"`
	// Shifts lists every shift with free slots that was planned, in need
	// and shift order.
	Shifts []ShiftFill `json:"shifts"`
	// Unfilled is the number of free slots the plan leaves empty.
	Unfilled int `json:"unfilled"`
	// Volunteers is the number of volunteers with at least one eligible
	// shift, Eligible the number of eligible (volunteer, shift) pairs.
	Volunteers int `json:"volunteers"`
	Eligible   int `json:"eligible"`
	// Exact reports that Objective is proven optimal: it equals Bound,
	// in the integer units of Scale. It is true whenever nothing could
	// conflict (no volunteer's eligible shifts chain, or one shift per
	// volunteer), and otherwise once the branch and bound closed.
	Exact bool `json:"exact"`
	// Repaired counts the placements the first flow's conflict repair
	// dropped, Refilled those it added back greedily.
	Repaired int `json:"repaired"`
	Refilled int `json:"refilled"`
	// Pivots is the number of network simplex pivots, over all solves.
	Pivots int `json:"pivots"`
	// Solves is the number of flow solves: the sparse graph first, then
	// again after each round of arcs and slices added back, over every
	// node of the search.
	Solves int `json:"solves"`
	// Nodes is the number of nodes of the branch and bound (1: the first
	// flow settled it).
	Nodes int `json:"nodes"`
}

// Assign plans many volunteers into many shifts (集中服务), maximising the
// total score less the fairness costs, exactly, with a proof: a min-cost
// flow over the sparse graph of eligible pairs,
//
//	source ─(MaxPerVolunteer parallel arcs, the k-th costing k×FairnessStep)→ volunteer
//	volunteer ─(capacity 1)→ time slice ─(capacity 1, cost −score)→ shift
//	shift ─(capacity: free slots)→ sink;  source ─(cost 0)→ sink (bypass)
//
// The source supplies, and the sink takes, every free slot; the bypass arc
// carries what is better left unfilled, so the flow's amount is free and its
// least cost is the greatest score. A pair is eligible when the need is open,
// the shift has free slots, the volunteer is one feats cannot rule out (of
// grid.All: any), passes every hard gate of sc (the busy gate against o.Held included) and scores
// above 0.
//
// # Overlapping shifts
//
// A volunteer serves at most one shift at a time. The volunteer's eligible
// shifts, sorted by start, are cut into time slices: a shift joins the
// current slice when it starts before every shift of the slice ends (so the
// slice's shifts all share an instant), and opens a new slice otherwise.
// Each slice is a node of capacity 1. When the shifts that overlap form
// cliques (every two of a group overlap, the common case of one event's
// parallel shifts) the slices are exactly the groups and the flow is
// exact. An interval chain — A overlaps B, B overlaps C, A does not overlap
// C — falls into two slices ({A,B},{C}), so the flow may give the volunteer
// B and C at once: the flow is then a relaxation and its optimum an
// upper bound. Assign then finds the optimum by branch and bound (see
// batch.solve in exact.go): each node is the batch with some pairs
// forbidden, bounded by the flow and by the Lagrangian relaxation of the
// shifts' capacities (each volunteer's best schedule by weighted interval
// scheduling, at slot prices improved by subgradient steps), with pairs
// no better plan can hold fixed out by reduced cost; incumbents come from
// the flow's plan repaired (each volunteer keeps the best-scoring subset
// without overlap, the freed slots refilled greedily: the plan Assign
// gave before it was exact) and from the flow over chain-free families
// around the Lagrangian schedules. It branches on a volunteer's
// overlapping shift B: v takes nothing overlapping B, or v does not take
// B. Plan.Exact says the optimum is proven (Objective == Bound in units
// of 1/Scale); o.TimeLimit or o.MaxNodes may stop the search first, and
// the plan then says the proven Gap.
//
// Ties are broken by IDs: the same input gives the same plan. Assign honours
// ctx (ctx.Err() is returned) and returns an error only for a cancelled
// context or a solver failure.
func Assign(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (Plan, error) {
	o = o.withDefaults()
	b, err := collect(ctx, needs, feats, sc, o)
	if err != nil {
		return Plan{}, err
	}
	return b.solve(ctx)
}

// GreedyAssign plans the same batch as Assign by taking the eligible pairs
// highest score first (ties by volunteer, need and shift ID) whenever the
// shift has a free slot, the volunteer is under the cap and free at that
// time, and the score beats the fairness cost. It is the baseline Assign is
// measured against; Bound is 0.
func GreedyAssign(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (Plan, error) {
	o = o.withDefaults()
	b, err := collect(ctx, needs, feats, sc, o)
	if err != nil {
		return Plan{}, err
	}
	st := b.newState()
	order := b.byScore()
	for _, p := range order {
		st.tryAdd(p)
	}
	plan := b.plan(st)
	plan.Exact = false
	return plan, nil
}

// batch is the eligible-pair graph of an assignment problem.
type batch struct {
	o      AssignOptions
	vols   []*volmatch.Volunteer // sorted by ID
	shifts []batchShift          // in need ID order, then the need's shift order
	// pairs are grouped by volunteer (in vols order), then sorted by the
	// shift's start, end and index; volStart[v] is the first pair of v.
	pairs    []batchPair
	volStart []int
	// each shift keeps sparseFactor × free + sparseExtra pairs in the
	// first, sparse round of solve
	sparseFactor, sparseExtra int
	// solver, when set, solves each round's flow from the start (tests
	// use flow.Solve and flow.SolveScaling as references); nil: the
	// network simplex re-solved from the last round's optimum
	// (flow.Solver)
	solver func(context.Context, *flow.Graph) (flow.Result, error)
	// sched is what lagrangeBound reads, built on first use
	// (b.schedules); nil in a copy with other pairs.
	sched *schedules
}

type batchShift struct {
	need *volmatch.Need
	s    volmatch.Shift
	free int
}

type batchPair struct {
	vol, shift int32
	score      float64
	gain       int64 // round(score × Scale) > 0
}

// collect finds the eligible pairs: the needs are shared out among
// o.Workers goroutines, each with its own volunteer numbering, which are
// merged by volunteer ID at the end.
func collect(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) (*batch, error) {
	b := &batch{o: o, sparseFactor: sparseFactor, sparseExtra: sparseExtra}
	work := b.openShifts(needs)
	parts := gatherPairs(ctx, work, feats, sc, o)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mergeVolunteers(parts)
	timeRank := make([]int32, len(b.shifts))
	b.rankShiftsByTime(timeRank)
	b.groupPairs(parts, timeRank)
	b.dropDuplicatePairs()
	return b, nil
}

// needWork is the share of one need in collect: its shifts with free
// slots, numbered in b.shifts from first.
type needWork struct {
	n     *volmatch.Need
	first int
	open  []volmatch.Shift
}

// openShifts numbers into b.shifts the shifts with free slots of the open
// needs, in need ID order and then the need's shift order, and returns the
// needs that have any.
func (b *batch) openShifts(needs []*volmatch.Need) []needWork {
	ns := append([]*volmatch.Need(nil), needs...)
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	var work []needWork
	for _, n := range ns {
		if n.Status != volmatch.NeedOpen && n.Status != "" {
			continue
		}
		first := len(b.shifts)
		var open []volmatch.Shift
		for _, s := range n.Shifts {
			if free := s.Slots - s.Filled; free > 0 {
				b.shifts = append(b.shifts, batchShift{need: n, s: s, free: free})
				open = append(open, s)
			}
		}
		if len(open) > 0 {
			work = append(work, needWork{n, first, open})
		}
	}
	return work
}

// gatherPairs gates and scores the pairs of work on up to o.Workers
// goroutines, which take the needs in turn; it returns each worker's
// share. A cancelled ctx stops them early (the caller checks ctx.Err()).
func gatherPairs(ctx context.Context, work []needWork, feats *grid.Features, sc *scoring.Scorer, o AssignOptions) []collected {
	held := map[string][]volmatch.Assignment{}
	for _, a := range o.Held {
		held[a.Volunteer] = append(held[a.Volunteer], a)
	}
	workers := max(1, min(o.Workers, len(work)))
	parts := make([]collected, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range parts {
		wg.Add(1)
		go func(c *collected) {
			defer wg.Done()
			c.run(ctx, work, &next, feats, sc, held, o.Scale)
		}(&parts[w])
	}
	wg.Wait()
	return parts
}

// run takes the next need of work (next counts them out) until none is
// left or ctx is done, and collects the pairs of each.
func (c *collected) run(ctx context.Context, work []needWork, next *atomic.Int64, feats *grid.Features, sc *scoring.Scorer, held map[string][]volmatch.Assignment, scale float64) {
	c.idx = map[*volmatch.Volunteer]int32{}
	for {
		k := int(next.Add(1) - 1)
		if k >= len(work) || ctx.Err() != nil {
			return
		}
		c.need(k, work[k], feats, sc, held, scale)
	}
}

// need appends to c.raw the eligible pairs of need k (nw) with each
// volunteer feats yields for it: passing every gate of the scorer, not
// busy by held, with a gain (score × scale, rounded) above 0.
func (c *collected) need(k int, nw needWork, feats *grid.Features, sc *scoring.Scorer, held map[string][]volmatch.Assignment, scale float64) {
	p := sc.Prepare(nw.n, nw.open)
	feats.Prune(nw.n, nw.open, func(v *volmatch.Volunteer) {
		vi, first := c.offer(v, k)
		if !first {
			return
		}
		var hv []volmatch.Assignment
		if len(held) > 0 {
			hv = held[v.ID]
		}
		for i, s := range nw.open {
			res := p.Evaluate(v, i)
			if res.Reason != "" {
				if scoring.ShiftIndependent(res.Reason) {
					break
				}
				continue
			}
			if hv != nil && scoring.Busy(hv, s) {
				continue
			}
			gain := int64(math.Round(res.Score * scale))
			if gain <= 0 {
				continue
			}
			c.raw = append(c.raw, rawPair{vi, int32(nw.first + i), res.Score, gain})
		}
	})
}

// offer numbers v in the order c meets it and reports whether this is
// its first offer for need k (a source may yield one volunteer twice).
func (c *collected) offer(v *volmatch.Volunteer, k int) (int32, bool) {
	vi, ok := c.idx[v]
	if !ok {
		vi = int32(len(c.vols))
		c.idx[v] = vi
		c.vols = append(c.vols, v)
		c.stamp = append(c.stamp, -1)
	}
	if c.stamp[vi] == k {
		return vi, false
	}
	c.stamp[vi] = k
	return vi, true
}

// mergeVolunteers merges the workers' volunteers by ID into b.vols (a
// source may yield one volunteer as two pointers), numbered in ID order so
// that the plan does not depend on the order the source yields them in,
// and sets each worker's global numbers.
func (b *batch) mergeVolunteers(parts []collected) {
	byID := map[string]int32{}
	for w := range parts {
		c := &parts[w]
		c.global = make([]int32, len(c.vols))
		for li, v := range c.vols {
			gi, ok := byID[v.ID]
			if !ok {
				gi = int32(len(b.vols))
				byID[v.ID] = gi
				b.vols = append(b.vols, v)
			}
			c.global[li] = gi
		}
	}
	order := make([]int32, len(b.vols))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool { return b.vols[order[i]].ID < b.vols[order[j]].ID })
	rank := make([]int32, len(order))
	vols := make([]*volmatch.Volunteer, len(order))
	for r, old := range order {
		rank[old] = int32(r)
		vols[r] = b.vols[old]
	}
	b.vols = vols
	for w := range parts {
		for li, gi := range parts[w].global {
			parts[w].global[li] = rank[gi]
		}
	}
}

// rankShiftsByTime sets timeRank[i] to shift i's rank by start, end and
// index, so that the pairs sort on integers.
func (b *batch) rankShiftsByTime(timeRank []int32) {
	byTime := make([]int32, len(b.shifts))
	for i := range byTime {
		byTime[i] = int32(i)
	}
	slices.SortFunc(byTime, func(x, y int32) int {
		sx, sy := &b.shifts[x].s, &b.shifts[y].s
		if c := sx.Start.Compare(sy.Start); c != 0 {
			return c
		}
		if c := sx.End.Compare(sy.End); c != 0 {
			return c
		}
		return int(x - y)
	})
	for r, i := range byTime {
		timeRank[i] = int32(r)
	}
}

// groupPairs moves the workers' raw pairs into b.pairs, grouped by
// volunteer (a counting sort, b.volStart) and each volunteer's sorted by
// their shift's timeRank.
func (b *batch) groupPairs(parts []collected, timeRank []int32) {
	b.volStart = make([]int, len(b.vols)+1)
	for w := range parts {
		for _, p := range parts[w].raw {
			b.volStart[parts[w].global[p.vol]+1]++
		}
	}
	for v := 0; v < len(b.vols); v++ {
		b.volStart[v+1] += b.volStart[v]
	}
	next := append([]int(nil), b.volStart[:len(b.vols)]...)
	b.pairs = make([]batchPair, b.volStart[len(b.vols)])
	for w := range parts {
		for _, p := range parts[w].raw {
			v := parts[w].global[p.vol]
			b.pairs[next[v]] = batchPair{vol: v, shift: p.shift, score: p.score, gain: p.gain}
			next[v]++
		}
		parts[w].raw = nil
	}
	for v := range b.vols {
		slices.SortFunc(b.pairs[b.volStart[v]:b.volStart[v+1]], func(p, q batchPair) int {
			return int(timeRank[p.shift] - timeRank[q.shift])
		})
	}
}

// dropDuplicatePairs keeps the first of each volunteer's pairs with one
// shift: a source that yields one volunteer as two pointers for one need
// gives the pair twice.
func (b *batch) dropDuplicatePairs() {
	pairs, start := b.pairs, b.volStart
	w := 0
	for v := range b.vols {
		lo, hi := start[v], start[v+1]
		start[v] = w
		for i := lo; i < hi; i++ {
			if i > lo && pairs[i].shift == pairs[i-1].shift {
				continue
			}
			pairs[w] = pairs[i]
			w++
		}
	}
	start[len(b.vols)] = w
	b.pairs = pairs[:w]
}

// collected is one worker's share of collect: its volunteers (numbered
// in the order met, idx), the last need each was offered for (against
// duplicates), its raw pairs and, after the merge, each volunteer's global
// number.
type collected struct {
	idx    map[*volmatch.Volunteer]int32
	vols   []*volmatch.Volunteer
	stamp  []int
	raw    []rawPair
	global []int32
}

type rawPair struct {
	vol, shift int32
	score      float64
	gain       int64
}

// fairnessCost returns the integer cost of a volunteer's k-th shift
// (k = 0, 1, ...).
func (b *batch) fairnessCost(k int) int64 {
	return int64(k) * int64(math.Round(b.o.FairnessStep*b.o.Scale))
}

// The first round's sparse graph keeps each shift's
// sparseFactor × free + sparseExtra best-scoring pairs.
const (
	sparseFactor = 3
	sparseExtra  = 4
)

// relax solves the flow, the relaxation of the batch in which a
// volunteer's shifts conflict only within a time slice (exact when no
// volunteer's eligible shifts chain).
//
// The flow is solved exactly but first on a sparse graph: every volunteer
// and shift node is there, but of the pair arcs only each shift's best few
// (sparseFactor × free + sparseExtra by gain) and each volunteer's best
// MaxPerVolunteer are kept, and a time slice has a node only when it holds
// two eligible pairs and a kept arc (a slice of one arc needs none: the
// arc's capacity 1 is the slice's). The sparse optimum's node potentials
// are then checked against every dropped pair arc (a slice without a node
// taking the volunteer's potential): if none has a negative reduced cost,
// the potentials and the flow (zero on the dropped arcs) satisfy
// complementary slackness on the whole graph, so the sparse optimum is the
// optimum of the full model. Otherwise the violating arcs are added and
// the flow solved again, until none is left. The network simplex re-solves
// from the last round's optimal tree (flow.Solver), so a round that adds a
// few arcs costs a few pivots; an added arc whose slice now needs a node (a
// second kept arc in a slice without one) makes the graph be built anew.
func (b *batch) relax(ctx context.Context) (relaxation, error) {
	keep := b.sparseKeep()
	var (
		g                *flow.Graph
		sv               *flow.Solver
		res              flow.Result
		arcOf            []int
		from             []int32
		srcArc, sliceArc []int32
		exact            bool
		err              error
		pivots, solves   int
		added            []int32
	)
	for {
		if g == nil {
			g, arcOf, from, srcArc, sliceArc, exact = b.graph(keep)
			sv = flow.NewSolver(g)
		}
		if b.solver != nil {
			res, err = b.solver(ctx, g)
		} else {
			res, err = sv.Solve(ctx)
		}
		if err != nil {
			return relaxation{}, fmt.Errorf("matcher: assign: %w", err)
		}
		pivots += res.Pivots
		solves++
		added = added[:0]
		for v := range b.vols {
			if b.localFeasible(g, v, keep, &res, arcOf, from, srcArc, sliceArc) {
				continue
			}
			for i := b.volStart[v]; i < b.volStart[v+1]; i++ {
				p := &b.pairs[i]
				if !keep[i] && -p.gain+res.Potential[from[i]]-res.Potential[2+int(p.shift)] < 0 {
					keep[i] = true
					added = append(added, int32(i))
				}
			}
		}
		if len(added) == 0 {
			break
		}
		// The arcs added join the graph and the solver starts from its
		// last optimum; unless one falls in a slice without a node that
		// now holds two kept arcs (it needs a node): then the graph is
		// built and solved anew. A reference solver always starts anew.
		if b.solver != nil || b.needsSliceNode(added, keep, sliceArc) {
			g = nil
			continue
		}
		for _, i := range added {
			p := &b.pairs[i]
			arcOf[i] = g.AddArc(int(from[i]), 2+int(p.shift), 0, 1, -p.gain)
		}
	}
	rel := relaxation{bound: -res.Cost, exact: exact, pivots: pivots, solves: solves, lambda: make([]int64, len(b.shifts))}
	for i := range b.pairs {
		if arcOf[i] >= 0 && res.Flow[arcOf[i]] > 0 {
			rel.chosen = append(rel.chosen, int32(i))
		}
	}
	// A shift's slot price is the dual of its capacity: the arc shift →
	// sink has reduced cost p(shift) − p(sink), ≤ 0 when the shift is full.
	const sink = 1
	for s := range b.shifts {
		rel.lambda[s] = max(0, res.Potential[sink]-res.Potential[2+s])
	}
	return rel, nil
}

// relaxAndRepair is the plan Assign gave before it was exact: the flow's
// optimum, its conflicts repaired (each volunteer keeps the best subset of
// its planned shifts without overlap) and the freed slots refilled
// greedily. Bound is the flow's optimum. Kept for comparison
// (BenchmarkAssignOverlap) and as the branch and bound's first incumbent.
func (b *batch) relaxAndRepair(ctx context.Context) (Plan, error) {
	rel, err := b.relax(ctx)
	if err != nil {
		return Plan{}, err
	}
	st := b.newState()
	for _, i := range rel.chosen {
		st.add(i)
	}
	repaired, refilled := 0, 0
	if !rel.exact {
		repaired, refilled = b.repair(st)
	}
	plan := b.plan(st)
	plan.Bound = float64(rel.bound) / b.o.Scale
	plan.Exact = rel.exact
	plan.Repaired, plan.Refilled = repaired, refilled
	plan.Pivots = rel.pivots
	plan.Solves = rel.solves
	return plan, nil
}

// sparseKeep picks the pair arcs of the first, sparse round: each shift's
// best sparseFactor × free + sparseExtra pairs and each volunteer's best
// MaxPerVolunteer, ties by volunteer and shift.
func (b *batch) sparseKeep() []bool {
	keep := make([]bool, len(b.pairs))
	better := func(x, y int32) int {
		p, q := &b.pairs[x], &b.pairs[y]
		if p.gain != q.gain {
			if p.gain > q.gain {
				return -1
			}
			return 1
		}
		if p.vol != q.vol {
			return int(p.vol - q.vol)
		}
		return int(p.shift - q.shift)
	}
	// Group the pairs by shift (counting sort).
	start := make([]int32, len(b.shifts)+1)
	for _, p := range b.pairs {
		start[p.shift+1]++
	}
	for s := range b.shifts {
		start[s+1] += start[s]
	}
	byShift := make([]int32, len(b.pairs))
	next := append([]int32(nil), start[:len(b.shifts)]...)
	for i, p := range b.pairs {
		byShift[next[p.shift]] = int32(i)
		next[p.shift]++
	}
	for s, bs := range b.shifts {
		ps := byShift[start[s]:start[s+1]]
		m := b.sparseFactor*bs.free + b.sparseExtra
		if len(ps) > m {
			slices.SortFunc(ps, better)
			ps = ps[:m]
		}
		for _, i := range ps {
			keep[i] = true
		}
	}
	for v := range b.vols {
		lo, hi := b.volStart[v], b.volStart[v+1]
		if hi-lo <= b.o.MaxPerVolunteer {
			for i := lo; i < hi; i++ {
				keep[i] = true
			}
			continue
		}
		idx := make([]int32, 0, hi-lo)
		for i := lo; i < hi; i++ {
			idx = append(idx, int32(i))
		}
		slices.SortFunc(idx, better)
		for _, i := range idx[:b.o.MaxPerVolunteer] {
			keep[i] = true
		}
	}
	return keep
}

// graph builds the flow over the volunteer and shift nodes, the pair arcs
// keep marks and a node for each slice holding two kept arcs. arcOf[i] is
// pair i's arc (−1 when dropped), from[i] the node its arc leaves (the
// volunteer's or the slice's).
func (b *batch) graph(keep []bool) (g *flow.Graph, arcOf []int, from, srcArc, sliceArc []int32, exact bool) {
	const source, sink = 0, 1
	g = flow.NewGraph(2 + len(b.shifts))
	var supply int64
	for si, s := range b.shifts {
		supply += int64(s.free)
		g.AddArc(2+si, sink, 0, int64(s.free), 0)
	}
	g.SetSupply(source, supply)
	g.SetSupply(sink, -supply)
	g.AddArc(source, sink, 0, supply, 0)
	kept := 0
	for _, k := range keep {
		if k {
			kept++
		}
	}
	g.Grow(kept + len(b.vols)*(b.o.MaxPerVolunteer+1))
	arcOf = make([]int, len(b.pairs))
	from = make([]int32, len(b.pairs))
	sliceArc = make([]int32, len(b.pairs))
	srcArc = make([]int32, 2*len(b.vols))
	exact = true
	for v := range b.vols {
		ps := b.pairs[b.volStart[v]:b.volStart[v+1]]
		if len(ps) == 0 {
			continue
		}
		slice, nSlices, chain := b.slices(ps)
		if chain {
			exact = false
		}
		take := min(b.o.MaxPerVolunteer, nSlices)
		vn := g.AddNodes(1)
		srcArc[2*v] = int32(g.Arcs())
		if b.o.FairnessStep == 0 {
			g.AddArc(source, vn, 0, int64(take), 0)
		} else {
			for k := 0; k < take; k++ {
				g.AddArc(source, vn, 0, 1, b.fairnessCost(k))
			}
		}
		srcArc[2*v+1] = int32(g.Arcs())
		// A slice needs no node of its own when it holds one eligible
		// pair, or no kept arc (an arc added to it later hangs from the
		// volunteer while it is the slice's only one).
		size := make([]int, nSlices)
		kept := make([]bool, nSlices)
		for i, s := range slice {
			size[s]++
			kept[s] = kept[s] || keep[b.volStart[v]+i]
		}
		sliceNode := make([]int, nSlices)
		sliceIn := make([]int32, nSlices)
		for s := range sliceNode {
			sliceNode[s] = vn
			sliceIn[s] = -1
			if size[s] > 1 && kept[s] && nSlices > 1 {
				sliceNode[s] = g.AddNodes(1)
				sliceIn[s] = int32(g.AddArc(vn, sliceNode[s], 0, 1, 0))
			}
		}
		for i, p := range ps {
			pi := b.volStart[v] + i
			from[pi] = int32(sliceNode[slice[i]])
			sliceArc[pi] = sliceIn[slice[i]]
			arcOf[pi] = -1
			if keep[pi] {
				arcOf[pi] = g.AddArc(sliceNode[slice[i]], 2+int(p.shift), 0, 1, -p.gain)
			}
		}
	}
	return g, arcOf, from, srcArc, sliceArc, exact
}

// needsSliceNode reports whether one of the pairs just added hangs from its
// volunteer's node (its slice had no node) while its slice now holds
// another kept pair.
func (b *batch) needsSliceNode(added []int32, keep []bool, sliceArc []int32) bool {
	for _, i := range added {
		if sliceArc[i] >= 0 {
			continue // its slice has a node
		}
		v := b.pairs[i].vol
		lo, hi := b.volStart[v], b.volStart[v+1]
		if hi-lo < 2 {
			continue
		}
		slice, n, _ := b.slices(b.pairs[lo:hi])
		if n < 2 {
			continue // a single slice: the volunteer's node is the slice's
		}
		for j := lo; j < hi; j++ {
			if j != int(i) && keep[j] && slice[j-lo] == slice[int(i)-lo] {
				return true
			}
		}
	}
	return false
}

// localFeasible reports whether volunteer v's own nodes (the volunteer and
// its slices) can be given potentials that, with the solver's potentials of
// the source and the shifts, satisfy complementary slackness on all of v's
// arcs, the dropped pair arcs (flow 0) included. When every volunteer's
// nodes can, the flow is optimal on the full graph. srcArc[v] and
// srcArc[v+1] bound v's source arcs (written in order by graph, so the
// next volunteer's first arc follows).
func (b *batch) localFeasible(g *flow.Graph, v int, keep []bool, res *flow.Result, arcOf []int, from, srcArc, sliceArc []int32) bool {
	lo, hi := b.volStart[v], b.volStart[v+1]
	if lo == hi {
		return true
	}
	const inf = math.MaxInt64
	pot := res.Potential
	p0 := pot[0]
	lv, uv := int64(-inf), int64(inf)
	for a := int(srcArc[2*v]); a < int(srcArc[2*v+1]); a++ {
		_, _, _, capA, c := g.Arc(a)
		f := res.Flow[a]
		if f < capA {
			uv = min(uv, p0+c)
		}
		if f > 0 {
			lv = max(lv, p0+c)
		}
	}
	for i := lo; i < hi; {
		z := from[i]
		lz, uz := int64(-inf), int64(inf)
		j := i
		for ; j < hi && from[j] == z; j++ {
			bound := pot[2+int(b.pairs[j].shift)] + b.pairs[j].gain
			if keep[j] && res.Flow[arcOf[j]] > 0 {
				uz = min(uz, bound)
			} else {
				lz = max(lz, bound)
			}
		}
		if sa := sliceArc[i]; sa < 0 {
			lv, uv = max(lv, lz), min(uv, uz)
		} else {
			if lz > uz {
				return false
			}
			if res.Flow[sa] > 0 {
				uv = min(uv, uz)
			} else {
				lv = max(lv, lz)
			}
		}
		i = j
	}
	return lv <= uv
}

// slices cuts one volunteer's pairs (sorted by start) into time slices: a
// pair joins the current slice when it starts before every shift of the
// slice ends. chain reports a pair that opens a new slice while it still
// overlaps an earlier one.
func (b *batch) slices(ps []batchPair) (slice []int, n int, chain bool) {
	slice = make([]int, len(ps))
	var sliceEnd, maxEnd time.Time
	for i, p := range ps {
		s := &b.shifts[p.shift].s
		if i > 0 && s.Start.Before(sliceEnd) {
			slice[i] = n - 1
			if s.End.Before(sliceEnd) {
				sliceEnd = s.End
			}
		} else {
			if i > 0 && s.Start.Before(maxEnd) {
				chain = true
			}
			slice[i] = n
			n++
			sliceEnd = s.End
		}
		if s.End.After(maxEnd) {
			maxEnd = s.End
		}
	}
	return slice, n, chain
}

// planState is a plan being built: the chosen pairs, each volunteer's
// chosen pairs and each shift's remaining free slots.
type planState struct {
	b      *batch
	chosen []bool
	byVol  [][]int32
	free   []int
}

func (b *batch) newState() *planState {
	st := &planState{b: b, chosen: make([]bool, len(b.pairs)), byVol: make([][]int32, len(b.vols)), free: make([]int, len(b.shifts))}
	for i, s := range b.shifts {
		st.free[i] = s.free
	}
	return st
}

func (st *planState) add(i int32) {
	p := st.b.pairs[i]
	st.chosen[i] = true
	st.byVol[p.vol] = append(st.byVol[p.vol], i)
	st.free[p.shift]--
}

// tryAdd adds pair i when the shift has a free slot, the volunteer is
// under the cap and free at that time, and the score beats the fairness
// cost of one more shift.
func (st *planState) tryAdd(i int32) bool {
	b := st.b
	p := b.pairs[i]
	if st.chosen[i] || st.free[p.shift] <= 0 {
		return false
	}
	mine := st.byVol[p.vol]
	if len(mine) >= b.o.MaxPerVolunteer || p.gain <= b.fairnessCost(len(mine)) {
		return false
	}
	s := b.shifts[p.shift].s
	for _, j := range mine {
		if b.shifts[b.pairs[j].shift].s.Overlaps(s) {
			return false
		}
	}
	st.add(i)
	return true
}

// byScore returns the pair indexes, highest score first, ties by
// volunteer, need and shift ID.
func (b *batch) byScore() []int32 {
	order := make([]int32, len(b.pairs))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool {
		p, q := &b.pairs[order[i]], &b.pairs[order[j]]
		if p.gain != q.gain {
			return p.gain > q.gain
		}
		if p.vol != q.vol {
			return p.vol < q.vol
		}
		return p.shift < q.shift // shifts are in need ID, then shift order
	})
	return order
}

// repair makes the plan conflict-free: each volunteer given overlapping
// shifts keeps the best-scoring subset without overlap; the slots freed are
// then refilled greedily.
func (b *batch) repair(st *planState) (dropped, refilled int) {
	for v, mine := range st.byVol {
		if !b.hasOverlap(mine) {
			continue
		}
		keep := b.bestIndependent(mine)
		kept := mine[:0:0]
		for _, i := range mine {
			if keep[i] {
				kept = append(kept, i)
				continue
			}
			st.chosen[i] = false
			st.free[b.pairs[i].shift]++
			dropped++
		}
		st.byVol[v] = kept
	}
	if dropped == 0 {
		return 0, 0
	}
	for _, i := range b.byScore() {
		if st.tryAdd(i) {
			refilled++
		}
	}
	return dropped, refilled
}

func (b *batch) hasOverlap(mine []int32) bool {
	for x := 0; x < len(mine); x++ {
		for y := x + 1; y < len(mine); y++ {
			if b.shifts[b.pairs[mine[x]].shift].s.Overlaps(b.shifts[b.pairs[mine[y]].shift].s) {
				return true
			}
		}
	}
	return false
}

// bestIndependent solves weighted interval scheduling over the pairs:
// the subset of largest total gain with no two shifts overlapping.
func (b *batch) bestIndependent(mine []int32) map[int32]bool {
	ps := append([]int32(nil), mine...)
	shift := func(i int32) volmatch.Shift { return b.shifts[b.pairs[i].shift].s }
	sort.Slice(ps, func(x, y int) bool {
		sx, sy := shift(ps[x]), shift(ps[y])
		if !sx.End.Equal(sy.End) {
			return sx.End.Before(sy.End)
		}
		return ps[x] < ps[y]
	})
	best := make([]int64, len(ps)+1) // best[k]: over the first k by end
	prev := make([]int, len(ps))     // the count of pairs ending by ps[k]'s start
	for k, i := range ps {
		s := shift(i)
		prev[k] = sort.Search(k, func(j int) bool { return shift(ps[j]).End.After(s.Start) })
		best[k+1] = max(best[k], best[prev[k]]+b.pairs[i].gain)
	}
	keep := map[int32]bool{}
	for k := len(ps); k > 0; {
		if best[k] == best[k-1] {
			k--
			continue
		}
		keep[ps[k-1]] = true
		k = prev[k-1]
	}
	return keep
}

// plan renders the chosen pairs.
func (b *batch) plan(st *planState) Plan {
	plan := Plan{Volunteers: 0, Eligible: len(b.pairs)}
	var gain, fair int64
	for v := range b.vols {
		if b.volStart[v+1] > b.volStart[v] {
			plan.Volunteers++
		}
		for k := range st.byVol[v] {
			fair += b.fairnessCost(k)
		}
	}
	planned := make([]int, len(b.shifts))
	for i, p := range b.pairs {
		if !st.chosen[i] {
			continue
		}
		s := b.shifts[p.shift]
		plan.Placements = append(plan.Placements, Placement{Volunteer: b.vols[p.vol].ID, Need: s.need.ID, Shift: s.s.ID, Score: p.score})
		plan.Total += p.score
		gain += p.gain
		planned[p.shift]++
	}
	sort.Slice(plan.Placements, func(i, j int) bool {
		p, q := plan.Placements[i], plan.Placements[j]
		if p.Need != q.Need {
			return p.Need < q.Need
		}
		if p.Shift != q.Shift {
			return p.Shift < q.Shift
		}
		return p.Volunteer < q.Volunteer
	})
	for si, s := range b.shifts {
		plan.Shifts = append(plan.Shifts, ShiftFill{Need: s.need.ID, Shift: s.s.ID, Start: s.s.Start, End: s.s.End, Free: s.free, Planned: planned[si]})
		plan.Unfilled += s.free - planned[si]
	}
	plan.Objective = float64(gain-fair) / b.o.Scale
	return plan
}
