package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/api"
	"volmatch/evaluation"
	"volmatch/internal/browsertest"
)

// kpiWithheld tells, per KPI card, whether the API withheld the figure the
// card shows (the same list as kpis).
var kpiWithheld = map[string]func(s *api.SummaryResponse) bool{
	"needs_posted":         func(s *api.SummaryResponse) bool { return s.Funnel.Needs[0].Suppressed.Has("count") },
	"fill_rate":            func(s *api.SummaryResponse) bool { return s.Rates.Suppressed.Has("fill_rate") },
	"completion_rate":      func(s *api.SummaryResponse) bool { return s.Rates.Suppressed.Has("completion_rate") },
	"no_show_rate":         func(s *api.SummaryResponse) bool { return s.Rates.Suppressed.Has("no_show_rate") },
	"mean_rating":          func(s *api.SummaryResponse) bool { return s.Rates.Satisfaction.Suppressed.Has("mean") },
	"hours":                func(s *api.SummaryResponse) bool { return s.Hours.Suppressed.Has("hours") },
	"active_volunteers":    func(s *api.SummaryResponse) bool { return s.Hours.Suppressed.Has("active_volunteers") },
	"gini":                 func(s *api.SummaryResponse) bool { return s.Fairness.Suppressed.Has("gini") },
	"ndcg_at_k":            func(s *api.SummaryResponse) bool { return s.Ranking.Suppressed.Has("ndcg_at_k") },
	"median_hours_to_fill": func(s *api.SummaryResponse) bool { return s.Funnel.TimeToFill.Suppressed.Has("median_hours") },
}

// withheldNotes are the texts of a withheld figure in Chinese and English
// (minimum group size 5).
var withheldNotes = map[string]bool{"少于5人": true, "<5": true}

// checkWithheld checks a KPI card whose figure the API withheld, or that
// the page shows as withheld: both must hold, and the card shows the note,
// never a number.
func checkWithheld(t *testing.T, c card, want *api.SummaryResponse, q string) {
	t.Helper()
	if !kpiWithheld[c.KPI](want) || c.Value != "null" || !withheldNotes[c.Text] {
		t.Errorf("card %s (query %q): value %q, text %q; the API withheld it: %v; want both withheld and the note shown",
			c.KPI, q, c.Value, c.Text, kpiWithheld[c.KPI](want))
	}
}

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

// TestDashboardSuppressed loads the dashboard over a log of one volunteer's
// service in real headless Chromium: the API withholds every figure about
// people (fewer than 5), and the page shows each as "少于5人" ("<5" in
// English), never as 0, with every chart drawn and no console error; the
// count of needs posted, about no person, is shown.
func TestDashboardSuppressed(t *testing.T) {
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

	errs := &browsertest.Errors{}
	ctx := browsertest.Start(t, errs, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/dashboard/#token="+e.tokens["planner"])); err != nil {
		t.Fatal(err)
	}
	ready := func() {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(jsReady, ""),
			chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
			t.Fatalf("the dashboard did not finish loading: %v (status %q; browser errors %q)", err, status, errs.All())
		}
	}
	type suppressedCard struct {
		card
		Suppressed bool `json:"suppressed"`
	}
	const jsSuppressedCards = `Array.from(document.querySelectorAll('[data-kpi]')).map(function (c) { return {
		kpi: c.dataset.kpi, value: c.dataset.value, text: c.querySelector('.value').textContent,
		suppressed: c.dataset.suppressed === 'true' }; })`
	check := func(lang, note string) {
		t.Helper()
		ready()
		cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]suppressedCard](jsSuppressedCards))
		if err != nil {
			t.Fatal(err)
		}
		if len(cards) != len(kpis) {
			t.Fatalf("%s: %d KPI cards, want %d", lang, len(cards), len(kpis))
		}
		for _, c := range cards {
			if c.KPI == "needs_posted" {
				if c.Text != "1" || c.Suppressed {
					t.Errorf("%s: needs posted card = %q (suppressed %v), want 1 shown", lang, c.Text, c.Suppressed)
				}
				continue
			}
			if !kpiWithheld[c.KPI](&s) {
				t.Errorf("%s: the API did not withhold the figure of card %s", lang, c.KPI)
			}
			if !c.Suppressed || c.Text != note || c.Value != "null" {
				t.Errorf("%s: card %s = %q (value %q, suppressed %v), want %q withheld", lang, c.KPI, c.Text, c.Value, c.Suppressed, note)
			}
		}
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartState](jsCharts))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			if !c.Rendered || !c.Canvas {
				t.Errorf("%s: chart %s rendered %v, canvas %v; want drawn", lang, c.ID, c.Rendered, c.Canvas)
			}
		}
		gini, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`echarts.getInstanceByDom(document.getElementById('c-fairness')).getOption().title[0].text`))
		if err != nil || gini != "Gini "+note {
			t.Errorf("%s: fairness title = %q (err %v), want %q", lang, gini, err, "Gini "+note)
		}
	}
	check("zh", "少于5人")
	shot(t, ctx, "dashboard-suppressed.png", true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang"))); err != nil {
		t.Fatal(err)
	}
	check("en", "<5")
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the page wrote %d console errors or exceptions:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
}
