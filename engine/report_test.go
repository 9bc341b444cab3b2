package engine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// newEngineWith is newEngine with options (the clock is the tests' now).
func newEngineWith(t testing.TB, o engine.Options, vs ...*volmatch.Volunteer) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutVolunteers(ctx, vs); err != nil {
		t.Fatal(err)
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	o.Now = func() time.Time { return now }
	e := engine.New(st, text, tax, o)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// serveAll posts need N1 of O1 with one shift of n slots, invites the top
// n, and has each invitee accept, serve 3 hours and be rated 5; it returns
// the shift.
func serveAll(t *testing.T, e *engine.Engine, n int) volmatch.Shift {
	t.Helper()
	ctx := context.Background()
	sh := fixture.Shift("s1", fixture.Base.Add(33*time.Hour), 3*time.Hour, n)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Shifts(sh))); err != nil {
		t.Fatalf("PostNeed: %v", err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Top: n})
	if err != nil || len(invs) != n {
		t.Fatalf("Invite top %d = %d, %v", n, len(invs), err)
	}
	for _, inv := range invs {
		a, err := e.Accept(ctx, volunteerToken(inv.Volunteer), inv.ID)
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		for _, s := range []engine.StepRequest{
			{Kind: volmatch.StepCheckIn, At: &sh.Start},
			{Kind: volmatch.StepCheckOut, At: &sh.End, Hours: 3},
			{Kind: volmatch.StepRate, Rating: 5},
		} {
			if a, err = e.Advance(ctx, sw1, a.ID, s); err != nil {
				t.Fatalf("Advance %s: %v", s.Kind, err)
			}
		}
	}
	return sh
}

// TestReportsMinGroup checks the engine's minimum group size on every
// report: one volunteer's service shows as withheld figures (null and
// "suppressed" on the wire), whatever MinGroup the caller's filter asks
// for and whoever asks; six volunteers' service shows its figures; a
// deployment may set another minimum (Options.MinGroup).
func TestReportsMinGroup(t *testing.T) {
	ctx := context.Background()
	one := newEngineWith(t, engine.Options{}, fixture.Volunteers(1)...)
	serveAll(t, one, 1)
	six := newEngineWith(t, engine.Options{}, fixture.Volunteers(6)...)
	serveAll(t, six, 6)
	lax := newEngineWith(t, engine.Options{MinGroup: 1}, fixture.Volunteers(1)...)
	serveAll(t, lax, 1)
	if got := one.MinGroup(); got != evaluation.DefaultMinGroup {
		t.Errorf("MinGroup() = %d, want the default %d", got, evaluation.DefaultMinGroup)
	}

	type reports struct {
		summary  evaluation.SummaryReport
		rates    evaluation.RatesReport
		fairness engine.HoursFairness
		weekly   []evaluation.WeekStat
		by       []evaluation.GroupReport
		ranking  evaluation.RankingReport
	}
	read := func(t *testing.T, e *engine.Engine, tok *volmatch.Token, f evaluation.Filter) reports {
		t.Helper()
		var r reports
		var e1, e2, e3, e4, e5, e6 error
		r.summary, e1 = e.Summary(ctx, tok, f)
		r.rates, e2 = e.Rates(ctx, tok, f)
		r.fairness, e3 = e.Fairness(ctx, tok, f)
		r.weekly, e4 = e.Weekly(ctx, tok, f)
		r.by, e5 = e.By(ctx, tok, f, evaluation.ByOrgKey)
		r.ranking, e6 = e.RankingQuality(ctx, tok, f, 3)
		for _, err := range []error{e1, e2, e3, e4, e5, e6} {
			if err != nil {
				t.Fatalf("reports: %v", err)
			}
		}
		return r
	}
	for _, c := range []struct {
		name     string
		e        *engine.Engine
		tok      *volmatch.Token
		f        evaluation.Filter
		withheld bool
		hours    float64 // when shown
	}{
		{"one volunteer", one, planner, evaluation.Filter{}, true, 0},
		{"one volunteer, the caller asks for MinGroup 1", one, planner, evaluation.Filter{MinGroup: 1, Org: "O1"}, true, 0},
		{"one volunteer, an admin", one, admin, evaluation.Filter{}, true, 0},
		{"six volunteers", six, planner, evaluation.Filter{}, false, 18},
		{"one volunteer, a deployment's MinGroup 1", lax, planner, evaluation.Filter{}, false, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := read(t, c.e, c.tok, c.f)
			if r.summary.Filter.MinGroup != c.e.MinGroup() {
				t.Errorf("summary filter MinGroup = %d, want the engine's %d", r.summary.Filter.MinGroup, c.e.MinGroup())
			}
			cells := []struct {
				name string
				s    evaluation.Suppressed
				key  string
			}{
				{"summary hours", r.summary.Hours.Suppressed, "hours"},
				{"summary fairness", r.summary.Fairness.Suppressed, "gini"},
				{"summary satisfaction", r.summary.Rates.Satisfaction.Suppressed, "mean"},
				{"summary ranking", r.summary.Ranking.Suppressed, "coverage"},
				{"rates", r.rates.Suppressed, "completion_rate"},
				{"rates fill", r.rates.Suppressed, "fill_rate"},
				{"fairness", r.fairness.Fairness.Suppressed, "gini"},
				{"hours", r.fairness.Hours.Suppressed, "hours_per_volunteer"},
				{"ranking", r.ranking.Suppressed, "active_volunteers"},
			}
			if len(r.weekly) > 0 {
				cells = append(cells, struct {
					name string
					s    evaluation.Suppressed
					key  string
				}{"weekly", r.weekly[len(r.weekly)-1].Suppressed, "hours"})
			}
			if len(r.by) == 1 {
				cells = append(cells, struct {
					name string
					s    evaluation.Suppressed
					key  string
				}{"by org", r.by[0].Suppressed, "mean_rating"})
			} else {
				t.Errorf("By org = %d groups, want 1", len(r.by))
			}
			for _, cell := range cells {
				if got := cell.s.Has(cell.key); got != c.withheld {
					t.Errorf("%s: %s withheld = %v (suppressed %v), want %v", cell.name, cell.key, got, cell.s, c.withheld)
				}
			}
			b, err := json.Marshal(r.summary)
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(b), `"hours":null`); has != c.withheld {
				t.Errorf("summary JSON has \"hours\":null = %v, want %v: %s", has, c.withheld, b)
			}
			if r.summary.Hours.Hours != c.hours || r.summary.Rates.Satisfaction.Mean != 5 && !c.withheld {
				t.Errorf("summary = %v h, mean rating %v; want %v h, 5", r.summary.Hours.Hours, r.summary.Rates.Satisfaction.Mean, c.hours)
			}
		})
	}
}
