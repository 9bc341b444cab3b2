package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"volmatch"
)

// Placement history (issue 14): an organisation's past placements — the
// assignments that ended completed, as a no-show or cancelled — with their
// hours and ratings, newest shift first, optionally of one period, a page
// at a time, with the period's totals.

// MaxHistoryPage bounds HistoryFilter.Limit.
const MaxHistoryPage = 200

// HistoryFilter selects past placements: those whose shift starts in
// [From, To) (either bound zero: unbounded), the page from Offset of at
// most Limit (20 when 0).
type HistoryFilter struct {
	From, To      time.Time
	Offset, Limit int
}

// History is a page of past placements and the totals of every placement
// the filter selects.
type History struct {
	Placements []*volmatch.Assignment
	// Total is the number of placements selected; the totals below count
	// them all, not only the page's.
	Total                         int
	Completed, NoShows, Cancelled int
	Hours                         float64
	Rated, RatingSum              int
}

// Ended reports whether an assignment's status is final: completed (rated
// or not), no-show or cancelled.
func Ended(s volmatch.AssignmentStatus) bool {
	return s == volmatch.AssignCompleted || s == volmatch.AssignNoShow || s == volmatch.AssignCancelled
}

// History returns the past placements of tok's organisation (every
// organisation's for an admin; EFORBIDDEN for the other roles).
func (e *Engine) History(ctx context.Context, tok *volmatch.Token, f HistoryFilter) (History, error) {
	if tok.Role != volmatch.RoleSocialWorker && tok.Role != volmatch.RoleAdmin {
		return History{}, forbidden("the history of placements is the organisation's")
	}
	switch {
	case f.Offset < 0:
		return History{}, volmatch.FieldError("offset", "must not be negative, got %d", f.Offset)
	case f.Limit < 0 || f.Limit > MaxHistoryPage:
		return History{}, volmatch.FieldError("limit", "must be between 1 and %d, got %d", MaxHistoryPage, f.Limit)
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		return History{}, volmatch.FieldError("to", "must be after from").WithReason(volmatch.ReasonEndBeforeStart)
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	q := volmatch.AssignmentFilter{Org: tok.Org, ListOptions: volmatch.ListOptions{Limit: MaxBatch}}
	var h History
	var all []*volmatch.Assignment
	for {
		page, next, err := e.store.Assignments(ctx, q)
		if err != nil {
			return History{}, fmt.Errorf("engine: history: %w", err)
		}
		for _, a := range page {
			if !Ended(a.Status) || !f.From.IsZero() && a.Start.Before(f.From) || !f.To.IsZero() && !a.Start.Before(f.To) {
				continue
			}
			all = append(all, a)
			switch a.Status {
			case volmatch.AssignCompleted:
				h.Completed++
				h.Hours += a.Hours
			case volmatch.AssignNoShow:
				h.NoShows++
			default:
				h.Cancelled++
			}
			if a.Rating > 0 {
				h.Rated++
				h.RatingSum += a.Rating
			}
		}
		if next == "" || len(page) == 0 {
			break
		}
		q.After = next
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Start.Equal(all[j].Start) {
			return all[i].Start.After(all[j].Start)
		}
		return all[i].ID < all[j].ID
	})
	h.Total = len(all)
	if f.Offset < len(all) {
		h.Placements = all[f.Offset:min(f.Offset+f.Limit, len(all))]
	}
	return h, nil
}
