package evaluation

import (
	"fmt"
	"time"

	"volmatch"
)

// WeekStat is one ISO week (Monday to Sunday in Beijing time) of activity.
type WeekStat struct {
	Week   string `json:"week"`   // ISO week, "2025-W03"
	Monday string `json:"monday"` // its Monday in Beijing, "2025-01-13"
	Posted int    `json:"posted"` // needs posted (need.posted)
	// Filled is the slots reserved in the week (invite.accepted, batch
	// reservations included); Freed the slots given up by a no-show or a
	// cancellation in the week.
	Filled     int     `json:"filled"`
	Freed      int     `json:"freed"`
	Completed  int     `json:"completed"`
	Hours      float64 `json:"hours"`
	Ratings    int     `json:"ratings"`
	MeanRating float64 `json:"mean_rating"` // 0 when no ratings
	// Filled, Freed, Completed, Hours, Ratings and MeanRating are withheld
	// when fewer than Filter.MinGroup volunteers are named by the week's
	// accepts, no-shows, cancellations, check-outs and ratings.

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Weekly computes the activity per ISO week of the events in the window,
// every week from the first to the last with an event listed (empty weeks
// included), oldest first.
func Weekly(events []volmatch.Event, f Filter) []WeekStat {
	return newLedger(events, f).weekly()
}

// monday returns the Monday 00:00 in Beijing of t's week.
func monday(t time.Time) time.Time {
	t = t.In(volmatch.Beijing)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, volmatch.Beijing)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func (l *ledger) weekly() []WeekStat {
	type acc struct {
		WeekStat
		sum    int
		people map[string]bool
	}
	weeks := map[time.Time]*acc{}
	var first, last time.Time
	l.window(func(ev *volmatch.Event) {
		m := monday(ev.At)
		w := weeks[m]
		if w == nil {
			w = &acc{people: map[string]bool{}}
			weeks[m] = w
			if first.IsZero() || m.Before(first) {
				first = m
			}
			if m.After(last) {
				last = m
			}
		}
		switch ev.Type {
		case volmatch.EventInviteAccepted, volmatch.EventNoShow, volmatch.EventCancelled, volmatch.EventCheckOut, volmatch.EventRated:
			if ev.Volunteer != "" {
				w.people[ev.Volunteer] = true
			}
		}
		switch ev.Type {
		case volmatch.EventNeedPosted:
			w.Posted++
		case volmatch.EventInviteAccepted:
			w.Filled++
		case volmatch.EventNoShow, volmatch.EventCancelled:
			w.Freed++
		case volmatch.EventCheckOut:
			w.Completed++
			w.Hours += ev.Hours
		case volmatch.EventRated:
			if ev.Rating >= 1 && ev.Rating <= 5 {
				w.Ratings++
				w.sum += ev.Rating
			}
		}
	})
	out := []WeekStat{}
	if first.IsZero() {
		return out
	}
	for m := first; !m.After(last); m = m.AddDate(0, 0, 7) {
		var s WeekStat
		if w := weeks[m]; w != nil {
			s = w.WeekStat
			s.MeanRating = ratio(float64(w.sum), float64(w.Ratings))
			if l.small(len(w.people)) {
				withhold(&s, "filled", "freed", "completed", "hours", "ratings", "mean_rating")
			}
		}
		y, wk := m.ISOWeek()
		s.Week = fmt.Sprintf("%04d-W%02d", y, wk)
		s.Monday = m.Format("2006-01-02")
		out = append(out, s)
	}
	return out
}
