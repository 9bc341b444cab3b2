package flow

import (
	"fmt"
	"math"

	"volmatch"
)

// Inf is the capacity of an arc without an upper bound.
const Inf int64 = math.MaxInt64

// ErrInfeasible is returned (wrapped) when the supplies cannot be routed to
// the demands within the arc capacities, or when they do not balance. Its
// code is volmatch.EINVALID.
var ErrInfeasible = volmatch.Errorf(volmatch.EINVALID, "the supplies cannot be routed to the demands within the arc capacities")

// ErrUnbounded is returned (wrapped) when a cycle of negative cost has
// unlimited capacity, so the cost has no minimum. Its code is
// volmatch.EINVALID.
var ErrUnbounded = volmatch.Errorf(volmatch.EINVALID, "a cycle of negative cost has unlimited capacity")

// Graph is a min-cost flow problem: nodes 0..Nodes()-1 with supplies
// (positive: the node sends that much flow; negative: it receives) and arcs
// with a lower bound, an upper bound (capacity; Inf for none) and a cost
// per unit of flow. The zero value is an empty graph.
type Graph struct {
	supply []int64
	from   []int32
	to     []int32
	lower  []int64
	upper  []int64
	cost   []int64
}

// NewGraph returns a graph with n nodes of zero supply and no arcs.
func NewGraph(n int) *Graph { return &Graph{supply: make([]int64, n)} }

// Nodes returns the number of nodes.
func (g *Graph) Nodes() int { return len(g.supply) }

// Arcs returns the number of arcs.
func (g *Graph) Arcs() int { return len(g.from) }

// AddNodes adds k nodes of zero supply and returns the index of the first.
func (g *Graph) AddNodes(k int) int {
	first := len(g.supply)
	g.supply = append(g.supply, make([]int64, k)...)
	return first
}

// SetSupply sets node v's supply: positive for a source, negative for a
// sink (a demand).
func (g *Graph) SetSupply(v int, s int64) { g.supply[v] = s }

// AddSupply adds s to node v's supply.
func (g *Graph) AddSupply(v int, s int64) { g.supply[v] += s }

// Supply returns node v's supply.
func (g *Graph) Supply(v int) int64 { return g.supply[v] }

// Grow reserves room for arcs more arcs, to save reallocations while a large
// graph is built.
func (g *Graph) Grow(arcs int) {
	if need := len(g.from) + arcs; need > cap(g.from) {
		grow := func(s []int64) []int64 { return append(make([]int64, 0, need), s...) }
		g.from = append(make([]int32, 0, need), g.from...)
		g.to = append(make([]int32, 0, need), g.to...)
		g.lower, g.upper, g.cost = grow(g.lower), grow(g.upper), grow(g.cost)
	}
}

// AddArc adds an arc from -> to carrying between lower and upper units of
// flow (upper may be Inf) at cost per unit, and returns its index (arcs are
// numbered 0, 1, ... in the order added). It panics if a node is out of
// range; bounds are checked by Solve.
func (g *Graph) AddArc(from, to int, lower, upper, cost int64) int {
	if from < 0 || from >= len(g.supply) || to < 0 || to >= len(g.supply) {
		panic(fmt.Sprintf("flow: AddArc(%d, %d) with %d nodes", from, to, len(g.supply)))
	}
	g.from = append(g.from, int32(from))
	g.to = append(g.to, int32(to))
	g.lower = append(g.lower, lower)
	g.upper = append(g.upper, upper)
	g.cost = append(g.cost, cost)
	return len(g.from) - 1
}

// Arc returns arc i's ends, bounds and cost.
func (g *Graph) Arc(i int) (from, to int, lower, upper, cost int64) {
	return int(g.from[i]), int(g.to[i]), g.lower[i], g.upper[i], g.cost[i]
}

// Result is an optimal flow.
type Result struct {
	// Cost is the total cost: the sum over arcs of flow × cost.
	Cost int64
	// Flow holds the flow on each arc, by arc index.
	Flow []int64
	// Potential holds a node potential p (the dual solution) with reduced
	// cost c(a) + p(from) − p(to) ≥ 0 on every arc whose flow is below its
	// upper bound and ≤ 0 on every arc whose flow is above its lower bound.
	Potential []int64
	// Pivots is the number of simplex pivots made (Solve), or of relabels
	// (SolveScaling).
	Pivots int
	// Pushes is the number of pushes SolveScaling made (0 for Solve).
	Pushes int
}
