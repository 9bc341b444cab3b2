package engine

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/matcher"
)

// Flow 2: ranked matches for a need. The feature grid gives the volunteers
// within reach, pre-filtered by skill and certificate bitsets; the scorer
// applies every hard gate exactly and the soft scores; the top k come back
// with their breakdowns and the count excluded per gate. Each shown
// candidate is logged as match.shown, sharing a batch ID. The busy gate
// reads the slots the grid keeps, fed by the follower (follow.go), not the
// store: a ranking makes no store read per candidate and keeps the grid's
// bounded pruning, and equals the exhaustive ranking over the store
// whenever the follower has caught up (WaitApplied).
//
// The grid holds every volunteer's home at the masked point (see
// Follower), so a ranking's distances, scores, order and exclusion counts
// are those of the masked points, whoever asks; the distances are shown to
// volmatch.ShownKmStep.

// RankOptions ask for the top K of one shift ("" for every shift).
type RankOptions struct {
	K     int
	Shift string
}

// Ranking is the ranked, explained list and what the gates excluded.
type Ranking struct {
	Matches    []volmatch.Match
	Exclusions volmatch.Exclusions
	Considered int // volunteers looked at
	Eligible   int // volunteers passing every hard gate
}

// Matches is a ranking as shown to a social worker: Batch is the ID shared
// by its match.shown events.
type Matches struct {
	Need  *volmatch.Need
	Shift string
	Batch string
	Ranking
}

// Matches ranks the volunteers for need id (one shift of it, or every open
// shift) and logs each shown candidate as match.shown. Shifts that have
// begun are left out: nobody is matched to work already begun or past.
func (e *Engine) Matches(ctx context.Context, tok *volmatch.Token, id string, o RankOptions) (Matches, error) {
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil {
		return Matches{}, err
	}
	if o.Shift != "" {
		if _, ok := n.Shift(o.Shift); !ok {
			return Matches{}, volmatch.Errorf(volmatch.ENOTFOUND, "need %s has no shift %q", n.ID, o.Shift)
		}
	}
	r, err := e.rank(ctx, n, o)
	if err != nil {
		return Matches{}, err
	}
	m := Matches{Need: n, Shift: o.Shift, Batch: NewID("b"), Ranking: r}
	if m.Exclusions == nil {
		m.Exclusions = volmatch.Exclusions{}
	}
	if err := e.logShown(ctx, n, m); err != nil {
		return Matches{}, err
	}
	return m, nil
}

// logShown appends a match.shown event for each candidate of m.
func (e *Engine) logShown(ctx context.Context, n *volmatch.Need, m Matches) error {
	if len(m.Matches) == 0 {
		return nil
	}
	evs := make([]volmatch.Event, 0, len(m.Matches))
	now := e.now()
	for _, mt := range m.Matches {
		ev := volmatch.NeedEvent(volmatch.EventMatchShown, n, now)
		ev.Shift, ev.Volunteer, ev.Rank, ev.Score, ev.Breakdown, ev.Batch = mt.Shift, mt.Volunteer, mt.Rank, mt.Score, mt.Breakdown, m.Batch
		if sh, ok := n.Shift(mt.Shift); ok {
			ev.ShiftStart, ev.ShiftEnd = sh.Start, sh.End
		}
		evs = append(evs, ev)
	}
	return e.store.AppendEvents(ctx, evs...)
}

// rank runs matcher.Rank over the feature grid with the scorer in use; the
// busy gate is the grid's held slots.
func (e *Engine) rank(ctx context.Context, n *volmatch.Need, o RankOptions) (Ranking, error) {
	if err := ctx.Err(); err != nil {
		return Ranking{}, fmt.Errorf("rank need %s: %w", n.ID, err)
	}
	rk := matcher.Rank(n, e.grid, e.scorer(), matcher.RankOptions{K: o.K, Shift: o.Shift, After: e.now()})
	for i := range rk.Matches {
		rk.Matches[i].DistanceKm = volmatch.DisplayKm(rk.Matches[i].DistanceKm)
	}
	return Ranking{Matches: rk.Matches, Exclusions: rk.Exclusions, Considered: rk.Considered, Eligible: rk.Eligible}, nil
}

// holding returns the assignments that hold a slot: the volunteer's, or
// everyone's when volunteer is "".
func (e *Engine) holding(ctx context.Context, volunteer string) ([]volmatch.Assignment, error) {
	return Holding(ctx, e.store, volunteer)
}

// Holding returns the assignments of st that hold a slot: the volunteer's,
// or everyone's when volunteer is "". It is the input of the busy gate and
// of a plan's held slots, for the engine and for tools that rank over the
// store directly (the CLI's match).
func Holding(ctx context.Context, st volmatch.Store, volunteer string) ([]volmatch.Assignment, error) {
	var held []volmatch.Assignment
	f := volmatch.AssignmentFilter{Volunteer: volunteer, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		as, next, err := st.Assignments(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("read assignments: %w", err)
		}
		for _, a := range as {
			if a.Status.Holds() {
				held = append(held, *a)
			}
		}
		if next == "" || len(as) == 0 {
			return held, nil
		}
		f.After = next
	}
}
