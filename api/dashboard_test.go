package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch/api"
	"volmatch/geo"
	"volmatch/internal/browsertest"
	"volmatch/taxonomy"
)

// TestReferenceAndGeo checks the public reference data and boundaries.
func TestReferenceAndGeo(t *testing.T) {
	e := newEnv(t, api.Options{})
	var ref api.ReferenceResponse
	e.must(200, "", "GET", "/v1/reference", nil, &ref)
	if len(ref.Districts) != 16 || len(ref.TargetGroups) != 5 {
		t.Fatalf("reference: %d districts, %d target groups; want 16 and 5", len(ref.Districts), len(ref.TargetGroups))
	}
	var bounds struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code, Name string
			} `json:"properties"`
		} `json:"features"`
	}
	e.must(200, "", "GET", "/v1/geo/districts", nil, &bounds)
	if bounds.Type != "FeatureCollection" || len(bounds.Features) != 16 {
		t.Fatalf("geo: %s with %d features, want a FeatureCollection of 16", bounds.Type, len(bounds.Features))
	}
	// The map colours a region by name: the reference's names must be the
	// boundaries' names.
	names := map[string]string{}
	for _, f := range bounds.Features {
		names[f.Properties.Code] = f.Properties.Name
	}
	for _, d := range ref.Districts {
		if names[d.Code] != d.Name || d.NameEN == "" || d.NameEN == d.Name {
			t.Errorf("district %s: name %q (boundaries %q), English %q", d.Code, d.Name, names[d.Code], d.NameEN)
		}
	}
	domains := map[string]api.RefDomain{}
	for _, d := range ref.Domains {
		domains[d.Key] = d
	}
	if d := domains["elderly_care"]; d.Name == "" || d.NameEN == "" || d.Kind != "service" {
		t.Errorf("domain elderly_care = %+v, want Chinese and English names, kind service", d)
	}
	if d := domains["health"]; d.Name == "" || d.NameEN == "" || d.Kind != "domain" {
		t.Errorf("domain health = %+v, want Chinese and English names, kind domain", d)
	}
	if len(ref.Domains) != len(taxonomy.Load().Domains()) {
		t.Errorf("reference holds %d domains, the taxonomy %d", len(ref.Domains), len(taxonomy.Load().Domains()))
	}

	// Cacheable: an ETag, 304 on revalidation, gzip when asked.
	get := func(path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	plain := get("/v1/geo/districts", nil)
	body, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("ETag") == "" || !strings.Contains(plain.Header.Get("Cache-Control"), "max-age") ||
		!bytes.Equal(body, geo.DistrictsGeoJSON()) || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("GET /v1/geo/districts: headers %v, %d bytes", plain.Header, len(body))
	}
	if r := get("/v1/geo/districts", map[string]string{"If-None-Match": plain.Header.Get("ETag")}); r.StatusCode != 304 {
		t.Errorf("revalidation = %d, want 304", r.StatusCode)
	}
	gz := get("/v1/geo/districts", map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip answer: %v, headers %v", err, gz.Header)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, body) || gz.ContentLength >= int64(len(body))/2 {
		t.Errorf("gzip answer: %d bytes unzipping to %d, want the same body at under half the size", gz.ContentLength, len(unzipped))
	}
	if r := get("/v1/geo/districts", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 answered %q", r.Header.Get("Content-Encoding"))
	}
}

// TestDashboardFiles checks how the page and its files are served.
func TestDashboardFiles(t *testing.T) {
	e := newEnv(t, api.Options{})
	req, _ := http.NewRequest("GET", e.srv.URL+"/dashboard?x=1", nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/dashboard/?x=1" {
		t.Fatalf("GET /dashboard = %d to %q, want 301 to /dashboard/?x=1", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range []struct{ path, ctype, contains string }{
		{"/dashboard/", "text/html", "志愿服务全流程评估"},
		{"/dashboard/app.js", "text/javascript", "volmatchFormat"},
		{"/dashboard/style.css", "text/css", ".card"},
		{"/dashboard/vendor/echarts/echarts.min.js", "text/javascript", "echarts"},
		{"/dashboard/vendor/echarts/LICENSE", "text/plain", "Apache License"},
	} {
		resp, err := e.srv.Client().Get(e.srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(b), c.contains) ||
			resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d %s %v (%d bytes), want 200 %s holding %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header, len(b), c.ctype, c.contains)
		}
		if c.path == "/dashboard/" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("the page has no Content-Security-Policy: %v", resp.Header)
		}
	}
	var p api.Problem
	if status, b := e.do("", "GET", "/dashboard/nope.js", nil, &p); status != 404 || p.Status != 404 {
		t.Errorf("GET /dashboard/nope.js = %d %s, want a 404 problem", status, b)
	}
}

// kpis are the dashboard's KPI cards and the API figure each shows (the
// same list as KPIS in app.js).
var kpis = map[string]func(s *api.SummaryResponse) float64{
	"needs_posted":         func(s *api.SummaryResponse) float64 { return float64(s.Funnel.Needs[0].Count) },
	"fill_rate":            func(s *api.SummaryResponse) float64 { return s.Rates.FillRate },
	"completion_rate":      func(s *api.SummaryResponse) float64 { return s.Rates.CompletionRate },
	"no_show_rate":         func(s *api.SummaryResponse) float64 { return s.Rates.NoShowRate },
	"mean_rating":          func(s *api.SummaryResponse) float64 { return s.Rates.Satisfaction.Mean },
	"hours":                func(s *api.SummaryResponse) float64 { return s.Hours.Hours },
	"active_volunteers":    func(s *api.SummaryResponse) float64 { return float64(s.Hours.ActiveVolunteers) },
	"gini":                 func(s *api.SummaryResponse) float64 { return s.Fairness.Gini },
	"ndcg_at_k":            func(s *api.SummaryResponse) float64 { return s.Ranking.NDCGAtK },
	"median_hours_to_fill": func(s *api.SummaryResponse) float64 { return s.Funnel.TimeToFill.MedianHours },
}

// card is a KPI card as the page shows it.
type card struct {
	KPI    string `json:"kpi"`
	Value  string `json:"value"`
	Format string `json:"format"`
	Label  string `json:"label"`
	Text   string `json:"text"`
}

// chartState is a chart container as the page shows it.
type chartState struct {
	ID       string `json:"id"`
	Rendered bool   `json:"rendered"`
	Canvas   bool   `json:"canvas"`
	Width    int    `json:"width"`
}

const (
	jsCards = `Array.from(document.querySelectorAll('[data-kpi]')).map(function (c) { return {
		kpi: c.dataset.kpi, value: c.dataset.value, format: c.dataset.format,
		label: c.querySelector('.label').textContent, text: c.querySelector('.value').textContent }; })`
	jsCharts = `Array.from(document.querySelectorAll('.chart')).map(function (c) { return {
		id: c.id, rendered: c.dataset.rendered === 'true', canvas: !!c.querySelector('canvas'),
		width: c.querySelector('canvas') ? c.querySelector('canvas').width : 0 }; })`
	// jsReady is true when the summary for query q is drawn and every
	// chart has finished rendering it.
	jsReady = `(function (q) { return document.body.dataset.loaded === 'true' && document.body.dataset.query === q &&
		Array.from(document.querySelectorAll('.chart')).every(function (c) { return c.dataset.rendered === 'true'; }); })(%q)`
)

// shows checks, independently of the page's formatter, that text shows v
// in format: the decimals the format asks for, and the value rounded to
// them (a percentage for pct).
func shows(text, format string, v float64) error {
	decimals := map[string]int{"int": 0, "pct": 1, "dec1": 1, "dec2": 2, "dec3": 3}[format]
	num := text
	if format == "pct" {
		var ok bool
		if num, ok = strings.CutSuffix(text, "%"); !ok {
			return fmt.Errorf("text %q of a pct card has no %%", text)
		}
		v *= 100
	} else if _, ok := map[string]bool{"int": true, "dec1": true, "dec2": true, "dec3": true}[format]; !ok {
		return fmt.Errorf("unknown format %q", format)
	}
	got, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return fmt.Errorf("text %q is not a number", text)
	}
	_, frac, _ := strings.Cut(num, ".")
	if len(frac) != decimals {
		return fmt.Errorf("text %q has %d decimals, want %d (%s)", text, len(frac), decimals, format)
	}
	if math.Abs(got-v) > 0.5*math.Pow(10, -float64(decimals))+1e-9 {
		return fmt.Errorf("text %q does not show %v", text, v)
	}
	return nil
}

// TestDashboardBrowser loads the dashboard in real headless Chromium
// against a server over a simulated demo store: no console errors, every
// chart rendered, the KPI cards equal to the API's figures (also after a
// district filter), an English switch, and a screenshot.
func TestDashboardBrowser(t *testing.T) {
	e, _, d := newDemoEnv(t)
	errs := &browsertest.Errors{}
	ctx := browsertest.Start(t, errs, 1440, 1000)
	planner := e.tokens["planner"]

	summary := func(q string) *api.SummaryResponse {
		var s api.SummaryResponse
		e.must(200, "planner", "GET", "/v1/evaluation/summary"+q, nil, &s)
		return &s
	}
	waitReady := func(q string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(jsReady, q),
			chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
			t.Fatalf("the dashboard did not finish loading %q: %v (status %q; browser errors %q)", q, err, status, errs.All())
		}
	}
	checkCards := func(q string) []card {
		t.Helper()
		want := summary(q)
		cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]card](jsCards))
		if err != nil {
			t.Fatal(err)
		}
		if len(cards) != len(kpis) {
			t.Fatalf("%d KPI cards, want %d: %+v", len(cards), len(kpis), cards)
		}
		for _, c := range cards {
			fig, ok := kpis[c.KPI]
			if !ok {
				t.Errorf("unknown KPI card %q", c.KPI)
				continue
			}
			if kpiWithheld[c.KPI](want) || c.Value == "null" { // fewer people than the minimum group (issue 13)
				checkWithheld(t, c, want, q)
				continue
			}
			figure := fig(want)
			got, err := strconv.ParseFloat(c.Value, 64)
			if err != nil || got != figure {
				t.Errorf("card %s (query %q): data-value %q, want the API's %v", c.KPI, q, c.Value, figure)
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf("window.volmatchFormat[%q](%s)",
				c.Format, strconv.FormatFloat(figure, 'g', -1, 64))))
			if err != nil {
				t.Fatalf("format %s: %v", c.Format, err)
			}
			if c.Text != text || text == "" {
				t.Errorf("card %s (query %q): text %q, want %q (the API's %v formatted %s)", c.KPI, q, c.Text, text, figure, c.Format)
			}
			if err := shows(c.Text, c.Format, figure); err != nil {
				t.Errorf("card %s (query %q): %v", c.KPI, q, err)
			}
		}
		return cards
	}

	// Load through the /dashboard redirect; the token rides in the fragment.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/dashboard#token="+planner)); err != nil {
		t.Fatal(err)
	}
	waitReady("")
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartState](jsCharts))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 6 {
		t.Fatalf("%d chart containers, want 6: %+v", len(charts), charts)
	}
	for _, c := range charts {
		if !c.Rendered || !c.Canvas || c.Width < 100 {
			t.Errorf("chart %s: rendered %v, canvas %v (width %d), want a rendered canvas", c.ID, c.Rendered, c.Canvas, c.Width)
		}
	}
	// The map has the district boundaries and a value for each district
	// with needs (an empty map also "renders").
	regions, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[echarts.getMap('beijing').geoJSON.features.length,
		echarts.getInstanceByDom(document.getElementById('c-map')).getOption().series[0].data.length]`))
	if err != nil || regions[0] != 16 || regions[1] == 0 {
		t.Errorf("map: %v regions and values (err %v), want 16 regions and some values", regions, err)
	}
	all := checkCards("")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "token") {
		t.Errorf("the token stays in the address bar: %s", loc)
	}
	shot(t, ctx, "dashboard.png", true)

	// English.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang"))); err != nil {
		t.Fatal(err)
	}
	waitReady("")
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if title != "Volunteer service: full-process evaluation" {
		t.Errorf("after the switch the title is %q, want the English one", title)
	}
	en := checkCards("")
	if en[0].Label == all[0].Label || en[0].Label != "Needs posted" {
		t.Errorf("card label after the switch = %q (before %q), want Needs posted", en[0].Label, all[0].Label)
	}

	// A district filter: the cards follow the API for that district.
	district := d.pop.Needs[0].District
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-district"), district),
		chromedp.Click(chromedp.CSS(`#filters button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitReady("?district=" + district)
	filtered := checkCards("?district=" + district)
	if filtered[0].Value == all[0].Value {
		t.Errorf("needs posted in district %s = %s, the same as in all Beijing", district, filtered[0].Value)
	}
	// And a period.
	if err := chromedp.Do(ctx,
		// SetValue cannot choose the option whose value is "".
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-district').selectedIndex = 0`),
		chromedp.SetValue(chromedp.ID("f-from"), "2026-11-09"),
		chromedp.SetValue(chromedp.ID("f-to"), "2026-11-15"),
		chromedp.Click(chromedp.CSS(`#filters button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitReady("?from=2026-11-09&to=2026-11-15")
	checkCards("?from=2026-11-09&to=2026-11-15")
	shot(t, ctx, "dashboard-en.png", false)

	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the page wrote %d console errors or exceptions:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}

	// An empty store draws empty charts, no errors.
	empty := newEnv(t, api.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(empty.srv.URL+"/dashboard/#token="+empty.tokens["planner"])); err != nil {
		t.Fatal(err)
	}
	waitReady("")
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]card](jsCards))
	if err != nil || len(cards) != len(kpis) {
		t.Fatalf("empty store: cards %+v (err %v)", cards, err)
	}
	for _, c := range cards {
		if c.Value != "0" {
			t.Errorf("empty store: card %s = %q, want 0", c.KPI, c.Value)
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("on an empty store the page wrote console errors or exceptions:\n%s", strings.Join(msgs, "\n"))
	}

	// A token that is not valid: the sign-in form and the error, no exception.
	if err := chromedp.Do(ctx, chromedp.Navigate(empty.srv.URL+"/dashboard/#token=vm_not_a_token")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById('login').hidden &&
		document.getElementById('status').className === 'error'`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("a bad token did not bring up the sign-in form: %v", err)
	}
	for _, m := range errs.All() {
		if !strings.HasPrefix(m, "log: Failed to load resource: the server responded with a status of 401") {
			t.Errorf("with a bad token the page wrote %q; want only the 401 of the failed requests", m)
		}
	}
}

// shot writes a full-page PNG screenshot to the test's artifact folder and,
// when toNotes and /work/notes exists, a copy there for people to look at.
func shot(t *testing.T, ctx context.Context, name string, toNotes bool) {
	t.Helper()
	png := browsertest.Shot(t, ctx, filepath.Join(t.ArtifactDir(), name))
	if os.Getenv("VOLMATCH_SHOTS") != "" { // keep every screenshot for a look
		_ = os.WriteFile(filepath.Join(os.Getenv("VOLMATCH_SHOTS"), name), png, 0o644)
	}
	if toNotes {
		if st, err := os.Stat("/work/notes"); err == nil && st.IsDir() {
			if err := os.WriteFile("/work/notes/"+name, png, 0o644); err != nil {
				t.Logf("copy the screenshot to /work/notes: %v", err)
			}
		}
	}
}
