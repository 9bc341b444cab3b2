// Package matcher turns the scorer's verdicts into decisions: Rank lists the
// best volunteers for a need (need -> volunteers), Menu the best shifts for a
// volunteer, Assign, Pair and Dispatch place many volunteers at once. It is
// pure: no I/O, no clock, no globals; ties are broken by volunteer ID, so the
// same input gives the same output on every machine.
//
// # Rank
//
// Rank asks the in-memory feature grid (a *grid.Features, package
// matcher/grid) for the volunteers who may be eligible for a need, gates and
// scores each with a scoring.Scorer, and keeps the best K in a bounded
// min-heap:
//
//	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
//	r := matcher.Rank(need, grid.NewFeatures(volunteers), sc, matcher.RankOptions{K: 10})
//	for _, m := range r.Matches { ... m.Rank, m.Volunteer, m.Score, m.Breakdown ... }
//
// The shifts considered are the need's open ones (Filled < Slots), or only
// RankOptions.Shift when it is set. A volunteer's match is their
// best-scoring eligible shift (ties: the earlier start, then the smaller
// shift ID). Matches are ordered by score, highest first, ties by volunteer
// ID ascending; Rank is 1-based.
//
// A volunteer eligible for no considered shift is counted in
// Ranking.Exclusions under the gate that excluded them on the first
// considered shift (the first open shift in the need's order): that is the
// one reason a social worker is shown per volunteer, and it is well defined
// whatever the number of shifts.
//
// # The grids and the exhaustive scan
//
// grid.All(vs) yields every volunteer: the exhaustive scan, the reference
// answer. A grid.NewFeatures yields only the volunteers it cannot rule out
// and reports how many it ruled out by each gate, so that Rank through it
// returns exactly the Ranking of the exhaustive scan — matches, exclusions
// and counts alike (Scanned aside). Without a busy gate it also leaves out
// volunteers it proves eligible whose score bound (from the prepared need)
// is below the K-th score found so far; Rank counts them as eligible. Rank
// itself skips scoring a yielded volunteer whose bound is below that floor.
// The grid is a speed-up, never a change of answer. Menu reads the open
// shifts the same way: a grid.NewShifts, or grid.AllShifts for the
// exhaustive reference. A caller building many menus passes a
// MenuScratch (one per goroutine, or a sync.Pool of them) in
// MenuOptions.Scratch, so that a menu allocates its result only.
package matcher
