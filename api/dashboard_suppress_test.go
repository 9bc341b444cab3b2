package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/evaluation"
)

// oneVolunteerLog appends the log of one need served by one volunteer:
// posted, shown, invited, accepted, checked in and out (3 h), rated 5.
func oneVolunteerLog(t *testing.T, e *env) {
	t.Helper()
	n := need("n1", "org1")
	sh := n.Shifts[0]
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	mk := func(typ volmatch.EventType, when time.Time, f func(*volmatch.Event)) volmatch.Event {
		ev := volmatch.NeedEvent(typ, &n, when)
		ev.Shift, ev.Volunteer, ev.Invite, ev.Assignment = sh.ID, "v1", "i1", "a1"
		if f != nil {
			f(&ev)
		}
		return ev
	}
	evs := []volmatch.Event{
		mk(volmatch.EventNeedPosted, at(0), func(ev *volmatch.Event) {
			ev.Shift, ev.Volunteer, ev.Invite, ev.Assignment = "", "", "", ""
			ev.Shifts, ev.Eligible = n.Shifts, 1
		}),
		mk(volmatch.EventMatchShown, at(time.Minute), func(ev *volmatch.Event) { ev.Rank, ev.Batch, ev.Invite, ev.Assignment = 1, "b1", "", "" }),
		mk(volmatch.EventInviteSent, at(2*time.Minute), func(ev *volmatch.Event) { ev.Assignment = "" }),
		mk(volmatch.EventInviteAccepted, at(time.Hour), nil),
		mk(volmatch.EventCheckIn, sh.Start, nil),
		mk(volmatch.EventCheckOut, sh.End, func(ev *volmatch.Event) { ev.Hours = 3 }),
		mk(volmatch.EventRated, sh.End.Add(time.Hour), func(ev *volmatch.Event) { ev.Rating = 5 }),
	}
	if err := e.st.AppendEvents(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
}

// TestSummaryWithheld: over a log of one volunteer's service the API
// withholds every figure about people (fewer than 5): null in JSON and
// named in the cell's suppressed list. (The dashboard page's side of it is
// web.TestDashboardWithheld.)
func TestSummaryWithheld(t *testing.T) {
	e := newEnv(t, api.Options{})
	oneVolunteerLog(t, e)
	var s api.SummaryResponse
	e.must(200, "planner", "GET", "/v1/evaluation/summary", nil, &s)
	if s.Filter.MinGroup != evaluation.DefaultMinGroup || !s.Hours.Suppressed.Has("hours") || !s.Rates.Satisfaction.Suppressed.Has("mean") {
		t.Fatalf("summary: min_group %d, hours withheld %v, satisfaction withheld %v; want 5 and both withheld",
			s.Filter.MinGroup, s.Hours.Suppressed, s.Rates.Satisfaction.Suppressed)
	}
	_, raw := e.do("planner", "GET", "/v1/evaluation/summary", nil, nil)
	if !strings.Contains(string(raw), `"hours":null`) || !strings.Contains(string(raw), `"suppressed":[`) {
		t.Errorf("summary JSON has no null hours and suppressed list: %.300s", raw)
	}

}
