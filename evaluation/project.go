package evaluation

import (
	"time"

	"volmatch"
)

// Group computes the headline figures of the events that pass f as one
// GroupReport under the key: a project's, when f.Needs holds its needs.
func Group(events []volmatch.Event, f Filter, key string) GroupReport {
	return newLedger(events, f).group(key)
}

// Month is the first instant of t's calendar month in Beijing.
func Month(t time.Time) time.Time {
	t = t.In(volmatch.Beijing)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, volmatch.Beijing)
}

// Monthly computes a GroupReport per calendar month (Beijing) of the events
// that pass f, keyed "2026-11": f's window narrowed to the month, so that
// the cohort figures (fill) are of the needs posted in the month and the
// activity figures (completion, no-shows, ratings, hours) of what happened
// in it. Every month from the first to the last event that passes f is
// listed (empty ones included), oldest first.
func Monthly(events []volmatch.Event, f Filter) []GroupReport {
	var first, last time.Time
	for i := range events {
		ev := &events[i]
		if !f.Matches(ev) || !f.InWindow(ev.At) {
			continue
		}
		if m := Month(ev.At); first.IsZero() || m.Before(first) {
			first = m
		}
		if m := Month(ev.At); m.After(last) {
			last = m
		}
	}
	if first.IsZero() {
		return nil
	}
	var out []GroupReport
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		g := f
		g.From, g.To = later(f.From, m), earlier(f.To, m.AddDate(0, 1, 0))
		out = append(out, newLedger(events, g).group(m.Format("2006-01")))
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
