// Package matcher turns the scorer's verdicts into decisions: Rank lists the
// best volunteers for a need (need -> volunteers). It is pure: no I/O, no
// clock, no globals; ties are broken by volunteer ID, so the same input gives
// the same output on every machine.
//
// # Rank
//
// Rank asks a Source for the volunteers who may be eligible for a need,
// gates and scores each with a scoring.Scorer, and keeps the best K in a
// bounded min-heap:
//
//	sc := scoring.NewScorer(datasets.LoadTaxonomy(), scoring.Options{})
//	r := matcher.Rank(need, features, sc, matcher.RankOptions{K: 10})
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
// # Sources
//
// All(vs) yields every volunteer: the exhaustive scan, the reference answer.
// A faster Source (index.Features, the in-memory feature index) yields only
// the volunteers it cannot rule out; if it also implements Pruner it reports
// how many it ruled out by each gate, so that Rank through it returns exactly
// the Ranking of the exhaustive scan — matches, exclusions and counts alike
// (Scanned aside). A BoundedPruner also leaves out volunteers it proves
// eligible whose score bound (a Bounder, the prepared need) is below the
// K-th score found so far; Rank counts them as eligible. Rank itself skips
// scoring a yielded volunteer whose bound is below that floor. The index is
// a speed-up, never a change of answer.
package matcher
