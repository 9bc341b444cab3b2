package engine

import (
	"context"
	"fmt"
	"sync"

	"volmatch"
	"volmatch/evaluation"
)

// Flow 9: the full-process evaluation (全流程评估), for planners and admins.
// Every report is an aggregate computed by package evaluation from the
// event log alone: counts, rates, hours and keys of districts, streets,
// domains, target groups and organisations; never a volunteer's ID, name or
// phone. Every figure about people computed from fewer than the engine's
// minimum group size (Options.MinGroup, 5 by default) is withheld (issue
// 13): a window, place or organisation narrowed to one person shows null
// and "suppressed", not their hours or rating. The engine keeps a copy of the log, caught up on each request
// (only the events after the last Seq seen are read), and the reports of the
// log as of its newest Seq (a summary over a large log takes a while, and a
// dashboard asks the same one again).

// Summary is every evaluation report for f.
func (e *Engine) Summary(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (evaluation.SummaryReport, error) {
	return report(ctx, e, tok, "summary", f, evaluation.Summary)
}

// Funnel is the funnel from posted to rated.
func (e *Engine) Funnel(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (evaluation.FunnelReport, error) {
	return report(ctx, e, tok, "funnel", f, evaluation.Funnel)
}

// Rates are the fill, acceptance, completion, no-show and cancellation
// rates and the satisfaction.
func (e *Engine) Rates(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (evaluation.RatesReport, error) {
	return report(ctx, e, tok, "rates", f, evaluation.Rates)
}

// Gaps is the supply–demand gap map.
func (e *Engine) Gaps(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (evaluation.GapsReport, error) {
	return report(ctx, e, tok, "gaps", f, evaluation.Gaps)
}

// RankingQuality is the ranking-quality report at cut-off k.
func (e *Engine) RankingQuality(ctx context.Context, tok *volmatch.Token, f evaluation.Filter, k int) (evaluation.RankingReport, error) {
	return report(ctx, e, tok, fmt.Sprintf("ranking@%d", k), f, func(evs []volmatch.Event, f evaluation.Filter) evaluation.RankingReport {
		return evaluation.Ranking(evs, f, k)
	})
}

// HoursFairness is the fairness of the hours and the hours report.
type HoursFairness struct {
	Fairness evaluation.FairnessReport
	Hours    evaluation.HoursReport
}

// Fairness is the fairness of the hours (Gini, top-decile share), hours and
// star levels.
func (e *Engine) Fairness(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (HoursFairness, error) {
	return report(ctx, e, tok, "fairness", f, func(evs []volmatch.Event, f evaluation.Filter) HoursFairness {
		return HoursFairness{Fairness: evaluation.Fairness(evs, f), Hours: evaluation.Hours(evs, f)}
	})
}

// Weekly is the activity per ISO week (never nil).
func (e *Engine) Weekly(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) ([]evaluation.WeekStat, error) {
	return report(ctx, e, tok, "weekly", f, func(evs []volmatch.Event, f evaluation.Filter) []evaluation.WeekStat {
		return nonNil(evaluation.Weekly(evs, f))
	})
}

// By is the headline figures per value of key (never nil).
func (e *Engine) By(ctx context.Context, tok *volmatch.Token, f evaluation.Filter, key evaluation.GroupKey) ([]evaluation.GroupReport, error) {
	return report(ctx, e, tok, "by:"+string(key), f, func(evs []volmatch.Event, f evaluation.Filter) []evaluation.GroupReport {
		return nonNil(evaluation.By(evs, f, key))
	})
}

// MinGroup returns the minimum group size the reports hold to: the
// MinGroup of every filter they are computed under.
func (e *Engine) MinGroup() int { return e.minGroup }

// report returns the cached report name for f as of the log's newest
// event, or computes it with fn. The filter's MinGroup is always the
// engine's, whatever the caller set: no transport and no caller (an admin
// included) reads a figure about fewer people than that.
func report[T any](ctx context.Context, e *Engine, tok *volmatch.Token, name string, f evaluation.Filter, fn func([]volmatch.Event, evaluation.Filter) T) (T, error) {
	var zero T
	if tok.Role != volmatch.RoleAdmin && tok.Role != volmatch.RolePlanner {
		return zero, forbidden("the %s role may not read evaluation reports", tok.Role)
	}
	if err := volmatch.CheckTime("from", f.From); err != nil {
		return zero, err
	}
	if err := volmatch.CheckTime("to", f.To); err != nil {
		return zero, err
	}
	f.MinGroup = e.minGroup
	evs, seq, err := e.reports.log.snapshot(ctx, e.store)
	if err != nil {
		return zero, err
	}
	key := fmt.Sprintf("%s?%+v", name, f)
	if v, ok := e.reports.get(seq, key); ok {
		return v.(T), nil
	}
	v := fn(evs, f)
	e.reports.put(seq, key, v)
	return v, nil
}

// maxCachedReports bounds the reports kept for the current log.
const maxCachedReports = 256

// reports is the copy of the log and the reports computed at its newest
// Seq.
type reports struct {
	log eventCache

	mu    sync.Mutex
	seq   uint64 // the Seq the cached reports were computed at
	byKey map[string]any
}

func newReports() *reports { return &reports{byKey: map[string]any{}} }

func (r *reports) get(seq uint64, key string) (any, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seq != seq {
		clear(r.byKey)
		r.seq = seq
	}
	v, ok := r.byKey[key]
	return v, ok
}

func (r *reports) put(seq uint64, key string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seq != seq {
		return // the log moved on while v was computed
	}
	if len(r.byKey) >= maxCachedReports {
		clear(r.byKey)
	}
	r.byKey[key] = v
}

// eventPage is how many events one read of the log asks for.
const eventPage = 5000

// eventCache is an in-memory copy of the event log: each read appends only
// the events after the last Seq seen, so a request never re-reads the whole
// log. The log is append-only and read in Seq order, so the copy is a prefix
// of it, and a returned slice stays valid while later reads append. The
// copy drops the score breakdowns of match.shown (package evaluation reads
// ranks, batches and outcomes, never the breakdowns), which would otherwise
// be most of its memory.
type eventCache struct {
	mu     sync.Mutex
	events []volmatch.Event
	last   uint64
}

// snapshot catches the copy up with log and returns it with the Seq of its
// newest event.
func (c *eventCache) snapshot(ctx context.Context, log volmatch.EventLog) ([]volmatch.Event, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		evs, err := log.Events(ctx, c.last, eventPage)
		if err != nil {
			return nil, 0, fmt.Errorf("engine: read the event log after %d: %w", c.last, err)
		}
		for _, ev := range evs {
			if ev.Seq <= c.last { // never count an event twice
				continue
			}
			ev.Breakdown = nil
			c.events = append(c.events, ev)
			c.last = ev.Seq
		}
		if len(evs) < eventPage {
			break
		}
	}
	n := len(c.events)
	return c.events[:n:n], c.last, nil
}

// nonNil turns a nil slice into an empty one, so lists answer [] not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
