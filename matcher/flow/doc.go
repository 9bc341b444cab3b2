// Package flow solves minimum-cost flow problems exactly: a directed graph
// with integer arc capacities (and lower bounds), int64 arc costs (negative
// ones allowed) and integer node supplies, where the flow must leave every
// supply node and reach every demand node at the least total cost.
//
// The solver is the primal network simplex method with a block-search pivot
// rule and the spanning-tree representation of LEMON's NetworkSimplex
// (Kovács, "Minimum-cost flow algorithms: an experimental evaluation", 2015):
// parent, thread and reverse-thread lists, subtree sizes and last successors,
// so that a pivot touches only the part of the tree that changes. It starts
// from an artificial tree (every node tied to a root by an arc of a large
// cost) and pivots until no arc has a negative reduced cost; an artificial
// arc that still carries flow at the end means the supplies cannot be routed.
// It is exact (integer arithmetic throughout), deterministic (the pivot
// order depends only on the arc order) and honours context cancellation.
//
//	g := flow.NewGraph(3)
//	g.SetSupply(0, 2)
//	g.SetSupply(2, -2)
//	g.AddArc(0, 1, 0, 2, 1)
//	g.AddArc(1, 2, 0, 2, 1)
//	res, err := flow.Solve(ctx, g)
//	// res.Cost == 4, res.Flow[0] == 2
//
// A Solver re-solves a graph that grew by a few arcs from the last optimal
// spanning tree rather than from the start (matcher.Assign's verify rounds).
// SolveScaling is Goldberg's cost-scaling push-relabel method, with global
// price updates and partial augment-relabel, for the same problems.
//
// Dense assignment problems (an n×m cost matrix, n ≤ m) are solved by
// AssignDense: Jonker–Volgenant's shortest augmenting paths in Crouse's
// form (scipy's linear_sum_assignment), O(n²m) at worst.
package flow
