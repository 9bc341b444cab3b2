package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/geo"
	"volmatch/index"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
	"volmatch/web"
)

// demo is a small generated Beijing population with three simulated weeks
// of outcomes, made once per test binary and stored into each test's own
// bbolt file.
var demo = sync.OnceValues(func() (*datasets.Population, error) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 2000, Needs: 200, Seed: 5, Weeks: 3})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	res, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 5})
	if err != nil {
		return nil, err
	}
	demoEvents = res.Events
	return pop, nil
})

var demoEvents []volmatch.Event

// newDashEnv is the web pages over a real engine (minimum group size 5)
// on a bbolt file holding the demo population and its event log.
func newDashEnv(t *testing.T) (*env, *datasets.Population) {
	t.Helper()
	pop, err := demo()
	if err != nil {
		t.Fatalf("simulate the demo: %v", err)
	}
	e := newPopulatedEnv(t, pop, demoEvents, time.Date(2026, 11, 30, 9, 0, 0, 0, volmatch.Beijing),
		&volmatch.Organisation{ID: "O1", Name: "某街道社工站"})
	return e, pop
}

// newPopulatedEnv is a web server over a real bbolt file holding pop's
// volunteers and needs and the events, with the organisation org, its
// engine's clock at now and its indexes started.
func newPopulatedEnv(t *testing.T, pop *datasets.Population, events []volmatch.Event, now time.Time, org *volmatch.Organisation) *env {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutVolunteers(ctx, pop.Volunteers); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvents(ctx, events...); err != nil {
		t.Fatal(err)
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	c := &clock{t: now}
	eng := engine.New(st, text, tax, engine.Options{Now: c.Now})
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.CreateOrganisation(ctx, admin, org); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, eng: eng, clock: c}
	e.srv = httptest.NewServer(web.New(eng, web.Options{}).Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// charts are the dashboard's charts, each downloadable as CSV.
var charts = []string{"kpis", "funnel", "weekly", "districts", "gaps", "ranking", "fairness"}

// TestDashboardAccess is the dashboard's role matrix: planners and admins
// read the page and every CSV with their session cookie; social workers
// and volunteers get the pages' 403; without a session, or with a bearer
// token instead of one, the browser is sent to sign in.
func TestDashboardAccess(t *testing.T) {
	e := newEnv(t)
	paths := []string{"/web/dashboard", "/web/dashboard?lang=en", "/web/dashboard/districts.geojson"}
	for _, c := range charts {
		paths = append(paths, "/web/dashboard/"+c+".csv")
	}
	for _, c := range []struct {
		name   string
		client func() *client
		status int
		to     string
	}{
		{"planner", func() *client { return e.signIn(planner) }, 200, ""},
		{"admin", func() *client { return e.signIn(adminSpec) }, 200, ""},
		{"social worker", func() *client { return e.signIn(socialWorker) }, 403, ""},
		{"volunteer", func() *client { return e.signIn(volunteer) }, 403, ""},
		{"no session", e.client, 303, "/web/signin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := c.client()
			for _, p := range paths {
				status, loc, body := cl.get(p)
				if c.to != "" {
					want := c.to + "?next=" + url.QueryEscape(p) // back to the page after signing in
					if status != c.status || loc != want {
						t.Errorf("GET %s = %d to %q, want %d to %q", p, status, loc, c.status, want)
					}
					continue
				}
				if status != c.status || loc != c.to {
					t.Errorf("GET %s = %d to %q, want %d to %q", p, status, loc, c.status, c.to)
				}
				if status == 403 && !strings.Contains(body, "没有权限") && !strings.Contains(body, "may not") {
					t.Errorf("GET %s: 403 without the pages' forbidden message", p)
				}
			}
		})
	}
	t.Run("bearer token is not a session", func(t *testing.T) {
		secret := volmatch.NewSecret()
		if err := e.eng.CreateToken(context.Background(), secret, &volmatch.Token{Role: volmatch.RolePlanner, Name: "api"}, 0); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/web/dashboard", "/web/dashboard/kpis.csv"} {
			req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/web/signin?next="+url.QueryEscape(p) {
				t.Errorf("GET %s with a bearer token = %d to %q, want 303 to /web/signin", p, resp.StatusCode, resp.Header.Get("Location"))
			}
			// Nor does a bearer secret work as the cookie.
			req, _ = http.NewRequest("GET", e.srv.URL+p, nil)
			req.AddCookie(&http.Cookie{Name: "vm_session", Value: secret})
			resp, err = http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/web/signin") {
				t.Errorf("GET %s with a bearer secret as the cookie = %d to %q, want 303 to sign in", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
	t.Run("nothing to post", func(t *testing.T) {
		cl := e.signIn(planner)
		_, _, page := cl.get("/web/dashboard")
		for _, p := range []string{"/web/dashboard", "/web/dashboard/kpis.csv"} {
			if status, _, _ := cl.post(p, map[string][]string{"csrf": {csrf(t, page)}}); status != http.StatusMethodNotAllowed && status != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404 or 405: the dashboard changes nothing", p, status)
			}
		}
	})
	t.Run("navigation", func(t *testing.T) {
		cl := e.signIn(planner)
		if status, loc, _ := cl.get("/"); status != 303 || loc != "/web/dashboard" {
			t.Errorf("a planner's home = %d to %q, want 303 to /web/dashboard", status, loc)
		}
		_, _, page := cl.get("/web/dashboard")
		for _, want := range []string{`href="/web/dashboard" aria-current="page"`, `action="/web/signout"`, `href="?lang=en"`, `lang="zh-CN"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the dashboard page lacks %s", want)
			}
		}
		_, _, en := cl.get("/web/dashboard?lang=en")
		if !strings.Contains(en, "Volunteer service: full-process evaluation") || !strings.Contains(en, `href="?lang=zh"`) {
			t.Errorf("the English page lacks its title or the switch back")
		}
		// The switch keeps the filter.
		_, _, filtered := cl.get("/web/dashboard?district=110105&from=2026-11-02&lang=zh")
		if want := `href="?district=110105&amp;from=2026-11-02&amp;lang=en"`; !strings.Contains(filtered, want) {
			t.Errorf("the language switch of a filtered page is not %s", want)
		}
	})
}

// getCSV downloads a chart's CSV and checks the envelope: text/csv, an
// attachment, a UTF-8 byte order mark.
func getCSV(t *testing.T, cl *client, path string) [][]string {
	t.Helper()
	resp, err := cl.c.Get(cl.e.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("GET %s: Content-Disposition %q, want an attachment", path, cd)
	}
	body, ok := bytes.CutPrefix(b, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Errorf("GET %s: no UTF-8 byte order mark", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return recs
}

var (
	tableRE = regexp.MustCompile(`(?s)<table class="data" data-chart="([a-z]+)">(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// pageTables returns the data tables of a dashboard page by chart, as
// text.
func pageTables(page string) map[string][][]string {
	out := map[string][][]string{}
	for _, m := range tableRE.FindAllStringSubmatch(page, -1) {
		var rows [][]string
		for _, r := range rowRE.FindAllStringSubmatch(m[2], -1) {
			var row []string
			for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
				row = append(row, unescape(c[1]))
			}
			rows = append(rows, row)
		}
		out[m[1]] = rows
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#39;", "'", "&#34;", `"`).Replace(s)
}

// TestDashboardCSV downloads every chart's CSV and checks it against the
// engine's report, computed here independently of the page (names from
// package geo, percentages rounded to 0.1), and against the data table the
// page shows under the chart, in Chinese and in English; and that a figure
// the engine withheld is withheld in the CSV.
func TestDashboardCSV(t *testing.T) {
	e, pop := newDashEnv(t)
	cl := e.signIn(planner)
	ctx := context.Background()
	pl := &volmatch.Token{Role: volmatch.RolePlanner}
	sum, err := e.eng.Summary(ctx, pl, evaluation.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"zh", "en"} {
		t.Run("tables equal the page's "+lang, func(t *testing.T) {
			_, _, page := cl.get("/web/dashboard?lang=" + lang)
			tables := pageTables(page)
			for _, c := range charts {
				got := getCSV(t, cl, "/web/dashboard/"+c+".csv")
				if diff := cmp.Diff(tables[c], got); diff != "" {
					t.Errorf("%s.csv (%s) differs from the page's table (-page +csv):\n%s", c, lang, diff)
				}
			}
		})
	}

	t.Run("districts", func(t *testing.T) {
		cl.get("/web/dashboard?lang=zh")
		got := getCSV(t, cl, "/web/dashboard/districts.csv")
		want := [][]string{{"区代码", "区", "需求数", "需要名额", "已补位名额", "未满足名额", "补位率（%）"}}
		ds := append([]evaluation.DistrictGap(nil), sum.Gaps.Districts...)
		sort.Slice(ds, func(i, j int) bool { return ds[i].District < ds[j].District })
		for _, d := range ds {
			name, _ := geo.Beijing().District(d.District)
			fill := strconv.FormatFloat(float64(int(d.FillRate*1000+0.5))/10, 'f', 1, 64)
			if d.Suppressed.Has("fill_rate") {
				fill = "少于5人"
			}
			want = append(want, []string{d.District, name.Name, strconv.Itoa(d.Needs), strconv.Itoa(d.Slots),
				maybe(d.Filled, d.Suppressed.Has("filled")), maybe(d.Unfilled, d.Suppressed.Has("unfilled")), fill})
		}
		if len(want) < 5 {
			t.Fatalf("the demo has needs in %d districts; the test needs several", len(want)-1)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("districts.csv differs from the engine's gap report (-want +got):\n%s", diff)
		}
	})

	t.Run("funnel and headline figures", func(t *testing.T) {
		got := getCSV(t, cl, "/web/dashboard/funnel.csv")
		if len(got) != len(sum.Funnel.Needs)+1 {
			t.Fatalf("funnel.csv has %d rows, want %d", len(got), len(sum.Funnel.Needs)+1)
		}
		for i, st := range sum.Funnel.Needs {
			zh, _, _ := strings.Cut(st.Label, " ")
			if want := []string{st.Key, zh, maybe(st.Count, st.Suppressed.Has("count"))}; !cmp.Equal(got[i+1], want) {
				t.Errorf("funnel.csv row %d = %q, want %q", i+1, got[i+1], want)
			}
		}
		kpis := getCSV(t, cl, "/web/dashboard/kpis.csv")
		if kpis[1][0] != "needs_posted" || kpis[1][2] != strconv.Itoa(sum.Funnel.Needs[0].Count) {
			t.Errorf("kpis.csv row 1 = %q, want needs_posted %d", kpis[1], sum.Funnel.Needs[0].Count)
		}
		if want := strconv.FormatFloat(float64(int(sum.Rates.FillRate*1000+0.5))/10, 'f', 1, 64); kpis[2][0] != "fill_rate" || kpis[2][2] != want {
			t.Errorf("kpis.csv row 2 = %q, want fill_rate %s", kpis[2], want)
		}
	})

	t.Run("English names and headings", func(t *testing.T) {
		cl.get("/web/dashboard?lang=en")
		defer cl.get("/web/dashboard?lang=zh")
		got := getCSV(t, cl, "/web/dashboard/gaps.csv")
		if got[0][1] != "District" || got[0][3] != "Time of week" {
			t.Errorf("gaps.csv headings in English = %q", got[0])
		}
		for _, r := range got[1:] {
			d, _ := geo.Beijing().District(r[0])
			if r[1] != d.NameEN || strings.ContainsAny(r[3], "工周") {
				t.Fatalf("gaps.csv row %q: want the English names of %s and of the time", r, r[0])
			}
		}
	})

	t.Run("streets of a district", func(t *testing.T) {
		district := pop.Needs[0].District
		got := getCSV(t, cl, "/web/dashboard/streets.csv?district="+district)
		groups, err := e.eng.By(ctx, pl, evaluation.Filter{District: district}, evaluation.ByStreetKey)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(groups)+1 || len(groups) == 0 {
			t.Fatalf("streets.csv has %d rows, the engine %d streets", len(got), len(groups))
		}
		for i, g := range groups {
			st, _ := geo.Beijing().Street(g.Key)
			if got[i+1][0] != g.Key || got[i+1][1] != st.Name || st.Name == "" || got[i+1][2] != strconv.Itoa(g.Needs) {
				t.Errorf("streets.csv row %d = %q, want %s %s with %d needs", i+1, got[i+1], g.Key, st.Name, g.Needs)
			}
		}
		if status, _, _ := cl.get("/web/dashboard/streets.csv"); status != 400 {
			t.Errorf("streets.csv without a district = %d, want 400", status)
		}
	})

	// A narrow filter: a street with few people. Whatever the engine
	// withholds is "少于5人" in the CSV, never a number.
	t.Run("suppression holds", func(t *testing.T) {
		street, f := narrowStreet(t, e, pop)
		rep, err := e.eng.Summary(ctx, pl, f)
		if err != nil {
			t.Fatal(err)
		}
		q := "?district=" + f.District + "&street=" + street
		kpis := getCSV(t, cl, "/web/dashboard/kpis.csv"+q)
		withheld := map[string]bool{
			"fill_rate": rep.Rates.Suppressed.Has("fill_rate"), "hours": rep.Hours.Suppressed.Has("hours"),
			"active_volunteers": rep.Hours.Suppressed.Has("active_volunteers"), "gini": rep.Fairness.Suppressed.Has("gini"),
			"mean_rating": rep.Rates.Satisfaction.Suppressed.Has("mean"),
		}
		n := 0
		for _, r := range kpis[1:] {
			w, ok := withheld[r[0]]
			if !ok {
				continue
			}
			if w != (r[2] == "少于5人") {
				t.Errorf("kpis.csv%s: %s = %q; the engine withheld it: %v", q, r[0], r[2], w)
			}
			if w {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("street %s withholds nothing; pick a narrower filter", street)
		}
		for _, c := range charts {
			for _, r := range getCSV(t, cl, "/web/dashboard/"+c+".csv"+q)[1:] {
				for _, x := range r {
					if strings.Contains(x, "少于") && x != "少于5人" {
						t.Errorf("%s.csv: cell %q", c, x)
					}
				}
			}
		}
		dist := getCSV(t, cl, "/web/dashboard/districts.csv"+q)
		for i, d := range rep.Gaps.Districts {
			if d.Suppressed.Has("fill_rate") != (dist[i+1][6] == "少于5人") {
				t.Errorf("districts.csv%s row %q; the engine withheld fill_rate: %v", q, dist[i+1], d.Suppressed.Has("fill_rate"))
			}
		}
	})

	t.Run("a bad filter", func(t *testing.T) {
		for _, q := range []string{"?from=2026-13-01", "?from=2026-11-10&to=2026-11-01", "?district=999999", "?district=110101&street=110105001000", "?domain=nope"} {
			status, _, page := cl.get("/web/dashboard" + q)
			if status != 422 || !strings.Contains(page, `class="error"`) || strings.Contains(page, `id="dash-data"`) {
				t.Errorf("GET /web/dashboard%s = %d, want 422 with the error beside the field and no figures", q, status)
			}
			if status, _, _ := cl.get("/web/dashboard/kpis.csv" + q); status != 422 {
				t.Errorf("GET kpis.csv%s = %d, want 422", q, status)
			}
		}
	})
}

func maybe(n int, withheld bool) string {
	if withheld {
		return "少于5人"
	}
	return strconv.Itoa(n)
}

// narrowStreet finds a street of the demo whose needs were served by fewer
// than 5 volunteers, so that the engine withholds its figures.
func narrowStreet(t *testing.T, e *env, pop *datasets.Population) (string, evaluation.Filter) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range pop.Needs {
		if seen[n.Street] || n.Street == "" {
			continue
		}
		seen[n.Street] = true
		f := evaluation.Filter{District: n.District, Street: n.Street}
		r, err := e.eng.Rates(context.Background(), &volmatch.Token{Role: volmatch.RolePlanner}, f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Suppressed.Has("fill_rate") {
			return n.Street, f
		}
	}
	t.Fatal("no street of the demo has its fill rate withheld")
	return "", evaluation.Filter{}
}

// TestDashboardBudget: the page and everything it loads, ECharts aside,
// come to under 150 KB on the wire (a browser asks for gzip); the map's
// boundaries are the rounded copy, still all 16 districts.
func TestDashboardBudget(t *testing.T) {
	e, _ := newDashEnv(t)
	cl := e.signIn(planner)
	total := 0
	for _, p := range []string{"/web/dashboard?district=110105", "/web/static/dashboard.js", "/web/static/dashboard.css",
		"/web/static/style.css", "/web/static/volunteer.css", "/web/static/workspace.css", "/web/static/profile.css",
		"/web/static/htmx.min.js", "/web/dashboard/districts.geojson"} { // every file the layout and the page load
		req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the body stays as sent
		for _, c := range cl.c.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", p, resp.StatusCode)
		}
		t.Logf("GET %s: %d bytes (%s)", p, len(b), resp.Header.Get("Content-Encoding"))
		total += len(b)
	}
	t.Logf("total %d bytes", total)
	if total > 150<<10 {
		t.Errorf("the dashboard loads %d bytes besides ECharts, want under 150 KB", total)
	}
	_, _, body := cl.get("/web/dashboard/districts.geojson")
	if n := strings.Count(body, `"code":`); n != 16 || len(body) > len(geo.DistrictsGeoJSON())/2 {
		t.Errorf("the map's boundaries: %d districts in %d bytes (full: %d)", n, len(body), len(geo.DistrictsGeoJSON()))
	}
}
