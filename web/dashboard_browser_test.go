package web_test

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mapState is what the district map draws: its regions' values and the
// ends of its colour scale.
type mapState struct {
	Names  []string  `json:"names"`
	Values []float64 `json:"values"` // -1 for a withheld district
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Text   []string  `json:"text"`
}

const (
	// jsReady: the boundaries are in and every chart has drawn.
	jsReady = `document.body.dataset.dashboard === 'ready' &&
		Array.from(document.querySelectorAll('.chart')).every(function (c) { return c.dataset.rendered === 'true'; })`
	jsMap = `(function () { var o = echarts.getInstanceByDom(document.getElementById('c-districts')).getOption();
		return { names: o.series[0].data.map(function (d) { return d.name; }),
			values: o.series[0].data.map(function (d) { return d.withheld ? -1 : d.value; }),
			min: o.visualMap[0].min, max: o.visualMap[0].max, text: o.visualMap[0].text }; })()`
	jsAxes = `(function () { var out = {};
		['gaps', 'streets', 'weekly', 'fairness'].forEach(function (id) {
			var el = document.getElementById('c-' + id); if (!el) return;
			var o = echarts.getInstanceByDom(el).getOption();
			out[id] = [].concat(o.yAxis[0].data || [], o.xAxis[0].data || []).map(String); });
		return out; })()`
	jsCards = `Array.from(document.querySelectorAll('[data-kpi]')).map(function (c) {
		return [c.dataset.kpi, c.querySelector('.value').textContent, c.classList.contains('withheld') ? 'withheld' : '']; })`
)

// TestDashboardBrowser opens the dashboard as a planner signed in through
// the form, in real headless Chromium, at 1280 and 390 px wide in Chinese
// and English: every chart draws with no console error and no sideways
// scrolling; the map draws exactly the districts' CSV, its colour scale
// spans the CSV's smallest to largest figure (for either metric), and its
// legend reads in the page's language; axes show names, never codes; the
// headline cards show the CSV's figures; a narrow filter shows withheld
// figures as 少于5人 / <5. Screenshots go to the artifact folder.
func TestDashboardBrowser(t *testing.T) {
	e, pop := newDashEnv(t)
	cl := e.signIn(planner) // for the CSVs the page is checked against
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, planner)
	seen := 0 // browser errors reported so far
	wait := func(what string) {
		t.Helper()
		defer func() {
			if msgs := errs.All(); len(msgs) > seen {
				t.Errorf("%s: the dashboard raised errors:\n%s", what, strings.Join(msgs[seen:], "\n"))
				seen = len(msgs)
			}
		}()
		// Evaluate until true: a navigation under way fails an evaluation.
		var err error
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			var ok bool
			if ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](jsReady)); err == nil && ok {
				return
			}
		}
		t.Fatalf("%s: the dashboard did not finish drawing: %v (browser errors %q)", what, err, errs.All())
	}
	wait("sign in")
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/web/dashboard") {
		t.Fatalf("after signing in, the planner is at %q (%v), want /web/dashboard", loc, err)
	}
	code := regexp.MustCompile(`^\d{6}(\d{6})?$`)

	for _, c := range []struct {
		lang, high, withheld string
		width                int
	}{
		{"zh", "高", "少于5人", 1280}, {"en", "High", "<5", 1280}, {"en", "High", "<5", 390}, {"zh", "高", "少于5人", 390},
	} {
		name := fmt.Sprintf("dashboard-%s-%d", c.lang, c.width)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(c.width), 900),
			chromedp.Navigate(e.srv.URL+"/web/dashboard?lang="+c.lang)); err != nil {
			t.Fatal(err)
		}
		wait(name)
		cl.get("/web/dashboard?lang=" + c.lang) // the CSVs in the page's language
		districts := getCSV(t, cl, "/web/dashboard/districts.csv")[1:]
		m, err := chromedp.Run(ctx, chromedp.Evaluate[mapState](jsMap))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Values) != len(districts) {
			t.Fatalf("%s: the map draws %d districts, the CSV has %d", name, len(m.Values), len(districts))
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, r := range districts {
			want := -1.0
			if r[6] != c.withheld {
				want, _ = strconv.ParseFloat(r[6], 64)
				lo, hi = math.Min(lo, want), math.Max(hi, want)
			}
			if m.Values[i] != want {
				t.Errorf("%s: the map draws %s at %v, its CSV row says %q", name, m.Names[i], m.Values[i], r[6])
			}
		}
		if m.Min != lo || m.Max != hi || lo == 0 && hi == 100 {
			t.Errorf("%s: the colour scale spans %v–%v, the data %v–%v", name, m.Min, m.Max, lo, hi)
		}
		if len(m.Text) != 2 || m.Text[0] != c.high {
			t.Errorf("%s: the map legend reads %q, want %q first", name, m.Text, c.high)
		}
		axes, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](jsAxes))
		if err != nil {
			t.Fatal(err)
		}
		for id, labels := range axes {
			for _, l := range labels {
				if code.MatchString(l) {
					t.Errorf("%s: chart %s shows the code %s, want a name", name, id, l)
				}
			}
		}
		gaps := getCSV(t, cl, "/web/dashboard/gaps.csv")[1:]
		if got, want := axes["gaps"][0], gaps[0][1]; got != want {
			t.Errorf("%s: the gap map's first district is %q, the CSV's %q", name, got, want)
		}
		cards, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](jsCards))
		if err != nil {
			t.Fatal(err)
		}
		kpis := getCSV(t, cl, "/web/dashboard/kpis.csv")[1:]
		for i, card := range cards {
			want := strings.TrimSuffix(card[1], "%")
			if kpis[i][0] != card[0] || kpis[i][2] != want {
				t.Errorf("%s: card %s shows %q, kpis.csv %q", name, card[0], card[1], kpis[i])
			}
		}
		shotPage(t, ctx, dir, name)
	}

	// The other metric: the scale follows the unfilled slots.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/web/dashboard?lang=zh")); err != nil {
		t.Fatal(err)
	}
	wait("zh")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("map-metric"), "unfilled"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('map-metric').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	wait("unfilled")
	m, err := chromedp.Run(ctx, chromedp.Evaluate[mapState](jsMap))
	if err != nil {
		t.Fatal(err)
	}
	cl.get("/web/dashboard?lang=zh")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range getCSV(t, cl, "/web/dashboard/districts.csv")[1:] {
		if v, err := strconv.ParseFloat(r[5], 64); err == nil {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if m.Min != lo || m.Max != hi {
		t.Errorf("unfilled: the colour scale spans %v–%v, the data %v–%v", m.Min, m.Max, lo, hi)
	}

	// A district with its streets, and a street of few people: withheld
	// figures say so.
	street, f := narrowStreet(t, e, pop)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/web/dashboard?lang=zh&district="+f.District)); err != nil {
		t.Fatal(err)
	}
	wait("streets")
	shotPage(t, ctx, dir, "dashboard-streets-zh-1280")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900),
		chromedp.Navigate(e.srv.URL+"/web/dashboard?lang=zh&district="+f.District+"&street="+street)); err != nil {
		t.Fatal(err)
	}
	wait("a street")
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](jsCards))
	if err != nil {
		t.Fatal(err)
	}
	withheld := 0
	for _, c := range cards {
		if c[2] == "withheld" {
			withheld++
			if c[1] != "少于5人" {
				t.Errorf("withheld card %s shows %q, want 少于5人", c[0], c[1])
			}
		}
	}
	if withheld == 0 {
		t.Errorf("street %s: no card withheld", street)
	}
	shotPage(t, ctx, dir, "dashboard-withheld-zh-390")

	wait("the end")
}
