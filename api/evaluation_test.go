package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/internal/testlog"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// demoData is a small generated Beijing population with simulated weeks of
// outcomes, made once per test binary (Simulate writes the volunteers'
// stats, so each test stores it into its own store and never changes it).
type demoData struct {
	pop    *datasets.Population
	events []volmatch.Event
}

var demoOnce = sync.OnceValues(func() (*demoData, error) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 2000, Needs: 200, Seed: 5, Weeks: 3})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	res, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 5})
	if err != nil {
		return nil, err
	}
	return &demoData{pop: pop, events: res.Events}, nil
})

// countingStore records the after argument of every Events call.
type countingStore struct {
	volmatch.Store
	mu    sync.Mutex
	after []uint64
}

func (s *countingStore) Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error) {
	s.mu.Lock()
	s.after = append(s.after, after)
	s.mu.Unlock()
	return s.Store.Events(ctx, after, limit)
}

func (s *countingStore) reads() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.after...)
}

// newDemoEnv is a real server on 127.0.0.1:0 over a real bbolt file holding
// the demo population and its simulated event log, with a token per role
// (admin, planner, sw1 of the first need's organisation, vol1 of the first
// volunteer), served by the real engine over a countingStore.
func newDemoEnv(t *testing.T) (*env, *countingStore, *demoData) {
	t.Helper()
	d, err := demoOnce()
	if err != nil {
		t.Fatalf("simulate the demo: %v", err)
	}
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutStations(ctx, d.pop.Stations); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPools(ctx, d.pop.Pools); err != nil {
		t.Fatal(err)
	}
	if err := st.PutVolunteers(ctx, d.pop.Volunteers); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, d.pop.Needs); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvents(ctx, d.events...); err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: st}
	e := &env{t: t, st: st, logs: &testlog.Buffer{}}
	e.api = api.New(startEngine(t, cs, openText(t), engine.Options{}), api.Options{Rate: -1})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	e.tokens = createTokens(t, st, map[string]volmatch.Token{
		"admin":   {Role: volmatch.RoleAdmin},
		"planner": {Role: volmatch.RolePlanner},
		"sw1":     {Role: volmatch.RoleSocialWorker, Org: d.pop.Needs[0].Org},
		"vol1":    {Role: volmatch.RoleVolunteer, Volunteer: d.pop.Volunteers[0].ID},
	})
	return e, cs, d
}

// evalPaths are the evaluation routes with a query each.
var evalPaths = []string{
	"/v1/evaluation/summary", "/v1/evaluation/funnel", "/v1/evaluation/rates", "/v1/evaluation/gaps",
	"/v1/evaluation/ranking?k=5", "/v1/evaluation/fairness", "/v1/evaluation/weekly",
	"/v1/evaluation/by?key=district", "/v1/evaluation/by?key=street", "/v1/evaluation/by?key=domain",
	"/v1/evaluation/by?key=target_group", "/v1/evaluation/by?key=org",
}

// TestEvaluation checks the evaluation routes on one populated store.
func TestEvaluation(t *testing.T) {
	e, _, d := newDemoEnv(t)
	t.Run("roles", func(t *testing.T) { e.t = t; testEvaluationRoles(t, e) })
	t.Run("figures", func(t *testing.T) { e.t = t; testEvaluationFigures(t, e, d) })
	t.Run("bad filters", func(t *testing.T) { e.t = t; testEvaluationBadFilters(e) })
	t.Run("no personal data", func(t *testing.T) { e.t = t; testEvaluationNoPersonalData(t, e, d) })
}

// testEvaluationRoles checks that only planners and admins read the
// reports, and that the reference data is public.
func testEvaluationRoles(t *testing.T, e *env) {
	for _, p := range evalPaths {
		for who, want := range map[string]int{"planner": 200, "admin": 200, "sw1": 403, "vol1": 403, "": 401, "nope": 401} {
			if got, b := e.do(who, "GET", p, nil, nil); got != want {
				t.Errorf("GET %s as %q = %d %.200s, want %d", p, who, got, b, want)
			}
		}
	}
	for _, p := range []string{"/v1/reference", "/v1/geo/districts"} {
		for _, who := range []string{"", "vol1", "planner"} {
			if got, b := e.do(who, "GET", p, nil, nil); got != 200 {
				t.Errorf("GET %s as %q = %d %.200s, want 200", p, who, got, b)
			}
		}
	}
}

// testEvaluationFigures checks that each route answers exactly what package
// evaluation computes from the store's log under the filter the query
// means: dates are whole days in Beijing time, both ends included.
func testEvaluationFigures(t *testing.T, e *env, d *demoData) {
	evs := e.events()
	district := d.pop.Needs[0].District
	day := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, volmatch.Beijing) }
	cases := []struct {
		query string
		f     evaluation.Filter
	}{
		{"", evaluation.Filter{}},
		{"?from=2026-11-09&to=2026-11-15", evaluation.Filter{From: day(2026, 11, 9), To: day(2026, 11, 16)}},
		{"?from=2026-11-09T08:00:00%2B08:00&to=2026-11-20T00:00:00Z",
			evaluation.Filter{From: day(2026, 11, 9).Add(8 * time.Hour), To: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}},
		{"?from=2026-11-09T08:00:00+08:00", evaluation.Filter{From: day(2026, 11, 9).Add(8 * time.Hour)}}, // '+' read as a space
		{"?district=" + district + "&domain=" + d.pop.Needs[0].Domain, evaluation.Filter{District: district, Domain: d.pop.Needs[0].Domain}},
		{"?street=" + d.pop.Needs[0].Street + "&target_group=" + d.pop.Needs[0].TargetGroup + "&org=" + d.pop.Needs[0].Org,
			evaluation.Filter{Street: d.pop.Needs[0].Street, TargetGroup: d.pop.Needs[0].TargetGroup, Org: d.pop.Needs[0].Org}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			f := c.f
			f.MinGroup = evaluation.DefaultMinGroup // the server's minimum group size, echoed (issue 13)
			want := map[string]any{
				"summary":  evaluation.Summary(evs, f),
				"funnel":   api.FunnelResponse{Filter: f, Funnel: evaluation.Funnel(evs, f)},
				"rates":    api.RatesResponse{Filter: f, Rates: evaluation.Rates(evs, f)},
				"gaps":     api.GapsResponse{Filter: f, Gaps: evaluation.Gaps(evs, f)},
				"fairness": api.FairnessResponse{Filter: f, Fairness: evaluation.Fairness(evs, f), Hours: evaluation.Hours(evs, f)},
				"ranking":  api.RankingResponse{Filter: f, Ranking: evaluation.Ranking(evs, f, evaluation.DefaultK)},
				"by":       api.GroupsResponse{Filter: f, Key: "domain", Groups: evaluation.By(evs, f, evaluation.ByDomainKey)},
			}
			for name, w := range want {
				path := "/v1/evaluation/" + name + c.query
				if name == "by" {
					path = "/v1/evaluation/by" + strings.Replace(c.query, "?", "?key=domain&", 1)
					if c.query == "" {
						path += "?key=domain"
					}
				}
				wb, err := json.Marshal(w)
				if err != nil {
					t.Fatal(err)
				}
				// Twice: computed, then from the cache of encoded reports.
				for i := 0; i < 2; i++ {
					status, got := e.do("planner", "GET", path, nil, nil)
					if status != 200 || !bytes.Equal(got, wb) {
						t.Fatalf("GET %s (#%d) = %d\n%.400s\nwant\n%.400s", path, i+1, status, got, wb)
					}
				}
			}
		})
	}
	// The demo must give figures worth comparing.
	s := evaluation.Summary(evs, evaluation.Filter{})
	if s.Funnel.Needs[0].Count != len(d.pop.Needs) || s.Hours.Hours == 0 || s.Ranking.Listings == 0 {
		t.Fatalf("demo summary: %d needs posted, %v hours, %d listings; want %d needs and some of each",
			s.Funnel.Needs[0].Count, s.Hours.Hours, s.Ranking.Listings, len(d.pop.Needs))
	}
	var r api.RankingResponse
	e.must(200, "planner", "GET", "/v1/evaluation/ranking?k=3", nil, &r)
	if r.Ranking.K != 3 {
		t.Errorf("ranking?k=3 answered k = %d", r.Ranking.K)
	}
}

// testEvaluationBadFilters checks that a bad filter value is a 400
// problem naming the parameter.
func testEvaluationBadFilters(e *env) {
	cases := []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"from=2026-02-30", "from"},
		{"to=2026-13-01", "to"},
		{"to=2026-11-09T25:00:00Z", "to"},
		{"from=2026-11-10&to=2026-11-09", "to"},
		{"from=2026-11-10T00:00:00Z&to=2026-11-10T00:00:00Z", "to"},
		{"district=999999", "district"},
		{"district=%E6%9C%9D%E9%98%B3%E5%8C%BA", "district"}, // a name, not a code
		{"district=110105001000", "district"},                // a street code
		{"street=110105", "street"},
		{"street=x", "street"},
		{"domain=no_such_domain", "domain"},
		{"domain=a%20b", "domain"},
		{"target_group=pets", "target_group"},
		{"org=a%20b", "org"},
	}
	for _, c := range cases {
		for _, route := range []string{"summary", "funnel", "gaps", "ranking", "fairness", "by?key=district"} {
			path := "/v1/evaluation/" + route
			if strings.Contains(path, "?") {
				path += "&" + c.query
			} else {
				path += "?" + c.query
			}
			e.wantProblem(path, c.field)
		}
	}
	for _, c := range []struct{ path, field string }{
		{"/v1/evaluation/ranking?k=0", "k"},
		{"/v1/evaluation/ranking?k=101", "k"},
		{"/v1/evaluation/ranking?k=ten", "k"},
		{"/v1/evaluation/by", "key"},
		{"/v1/evaluation/by?key=volunteer", "key"},
	} {
		e.wantProblem(c.path, c.field)
	}
}

// wantProblem checks that GET path as the planner is a 400 problem+json
// naming field.
func (e *env) wantProblem(path, field string) {
	e.t.Helper()
	var p api.Problem
	status, b := e.do("planner", "GET", path, nil, &p)
	if status != 400 || p.Status != 400 || p.Field != field || p.Detail == "" {
		e.t.Errorf("GET %s = %d %s, want a 400 problem naming %q", path, status, b, field)
	}
}

// testEvaluationNoPersonalData checks that no report of a populated store
// holds a volunteer's name, phone or ID.
func testEvaluationNoPersonalData(t *testing.T, e *env, d *demoData) {
	idPattern := regexp.MustCompile(`BJ\d{8}`) // the generator's volunteer IDs
	if !idPattern.MatchString(d.pop.Volunteers[0].ID) {
		t.Fatalf("volunteer ID %q does not look generated; fix the pattern", d.pop.Volunteers[0].ID)
	}
	var all []string
	for _, p := range evalPaths {
		for _, q := range []string{"", "district=" + d.pop.Needs[0].District} {
			path := p
			if q != "" {
				path += map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")] + q
			}
			_, b := e.do("planner", "GET", path, nil, nil)
			all = append(all, string(b))
			if m := idPattern.FindString(string(b)); m != "" {
				t.Errorf("GET %s holds the volunteer ID %s", path, m)
			}
			for _, v := range d.pop.Volunteers {
				if strings.Contains(string(b), v.Phone) || strings.Contains(string(b), v.ID) {
					t.Fatalf("GET %s holds volunteer %s's phone or ID", path, v.ID)
				}
				if v.Name != "" && strings.Contains(string(b), v.Name) {
					t.Fatalf("GET %s holds volunteer %s's name", path, v.ID)
				}
			}
		}
	}
	// The check must have looked at real reports.
	if joined := strings.Join(all, ""); !strings.Contains(joined, `"hours"`) || len(joined) < 10000 {
		t.Fatalf("the reports are suspiciously small (%d bytes)", len(joined))
	}
	if len(d.pop.Volunteers) == 0 || d.pop.Volunteers[0].Phone == "" || d.pop.Volunteers[0].Name == "" {
		t.Fatal("the demo volunteers have no name or phone to look for")
	}
}

// TestEvaluationFollowsTheLog checks that the server keeps a copy of the
// log and reads only the events after the last one it has, and that the
// reports follow new events.
func TestEvaluationFollowsTheLog(t *testing.T) {
	e, cs, d := newDemoEnv(t)
	ctx := context.Background()
	last := e.events()[len(e.events())-1].Seq
	var s1 api.SummaryResponse
	e.must(200, "planner", "GET", "/v1/evaluation/summary", nil, &s1)
	first := cs.reads()
	if len(first) == 0 || first[0] != 0 {
		t.Fatalf("first reads of the log after %v, want a start at 0", first)
	}
	e.must(200, "planner", "GET", "/v1/evaluation/funnel", nil, nil)
	if got := cs.reads()[len(first):]; len(got) != 1 || got[0] != last {
		t.Fatalf("second request read the log after %v, want once after %d (the last Seq)", got, last)
	}

	// A new need posted: the next summary counts it, reading only from last.
	n := *d.pop.Needs[0]
	n.ID = "N-new-1"
	n.Shifts = append([]volmatch.Shift(nil), n.Shifts...)
	if err := e.st.CreateNeed(ctx, &n); err != nil {
		t.Fatal(err)
	}
	before := len(cs.reads())
	var s2 api.SummaryResponse
	e.must(200, "planner", "GET", "/v1/evaluation/summary", nil, &s2)
	if got := cs.reads()[before:]; len(got) != 1 || got[0] != last {
		t.Fatalf("after a new event the log was read after %v, want once after %d", got, last)
	}
	if got, want := s2.Funnel.Needs[0].Count, s1.Funnel.Needs[0].Count+1; got != want {
		t.Fatalf("needs posted after one more = %d, want %d", got, want)
	}
}

// TestEventCachePaging checks the copy of a log longer than one page.
func TestEventCachePaging(t *testing.T) {
	e := newEnv(t, api.Options{})
	ctx := context.Background()
	const n = 12001 // more than two pages of 5000
	evs := make([]volmatch.Event, n)
	for i := range evs {
		evs[i] = volmatch.Event{Type: volmatch.EventCheckOut, At: t0.Add(time.Duration(i) * time.Minute), Need: "n1", Shift: "s1",
			Volunteer: fmt.Sprintf("v%d", i%7), Assignment: fmt.Sprintf("a%d", i), District: "110105", Hours: 1}
	}
	if err := e.st.AppendEvents(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	var h api.FairnessResponse
	e.must(200, "planner", "GET", "/v1/evaluation/fairness", nil, &h)
	if h.Hours.Hours != n || h.Hours.ActiveVolunteers != 7 {
		t.Fatalf("fairness over %d checkouts = %v hours by %d volunteers, want %d by 7", n, h.Hours.Hours, h.Hours.ActiveVolunteers, n)
	}
}
