package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/internal/browsertest"
	"volmatch/internal/fixture"
	"volmatch/web"
)

// Page budget of issue 14: every page under 150 KB transferred and
// interactive within 1 s on loopback.
const (
	pageBudget       = 150 << 10
	interactiveLimit = 1000.0 // ms
)

// qualityPages are the pages each role reaches, each checked by
// TestPagesAccessibleAndLight: every page of the route table
// (routes_test.go) that answers HTML, with content (qualityEnv); {scan} is
// V1's check-in code. The taxonomy search answers a fragment of the need
// form (checked with it), a certificate is a PDF, the shifts' .ics a
// calendar.
var qualityPages = []qualityPage{
	{socialWorker, []string{"/web/needs", "/web/needs/new", "/web/needs/N1", "/web/needs/N1/edit", "/web/today",
		"/web/today/scan?code={scan}", "/web/batch", "/web/needs/E1/dispatch", "/web/history",
		"/web/record?volunteer=V1&from=2026-13-01", "/web/training", "/web/projects", "/web/projects/PJ1", "/web/projects/suggestions"}},
	{volunteer, []string{"/web/menu", "/web/invitations", "/web/shifts", "/web/inbox", "/web/profile", "/web/profile/delete",
		"/web/record", "/web/offers", "/web/training", "/web/stations"}},
	{planner, []string{"/", "/web/dashboard/learning", "/web/training", "/web/projects/suggestions", "/web/stations"}},
	{adminSpec, []string{"/"}},
}

// qualityPage is a role and the pages it reaches.
type qualityPage struct {
	who   volmatch.Token
	paths []string
}

// pagesPerBrowser is how many pages one browser checks.
const pagesPerBrowser = 3

// echartsBytes is what the page loaded of ECharts.
const echartsBytes = `performance.getEntriesByType("resource").filter(e => e.name.includes("/vendor/echarts/"))
  .reduce((s, e) => s + Math.max(e.transferSize || 0, e.encodedBodySize || 0), 0)`

// publicPages are the pages without a session: the sign-in, the sign-up,
// a certificate check with its field error, and the not-found page.
var publicPages = []string{"/web/signin", "/web/signin?ended=1", "/web/register", "/web/verify?code=0OI1", "/web/nope"}

// qualityEnv is newEnv with content on every page: an emergency need E1
// (dispatch), V1 invited to N1 (invitations, inbox) and holding a slot of
// today's N3 from 10:00, whose check-in is open at 09:00, when it leaves
// the clock; it returns V1's check-in code.
func qualityEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	em := fixture.Need("E1", fixture.Title("暴雨应急转移"), func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })
	n3 := fixture.Need("N3", fixture.Title("社区老人午餐助餐"), fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(10*time.Hour), 2*time.Hour, 2)))
	for _, n := range []*volmatch.Need{em, n3} {
		if _, err := e.eng.PostNeed(ctx, admin, n); err != nil {
			t.Fatal(err)
		}
	}
	sw, vol := socialWorker, volunteer
	invs, err := e.eng.Invite(ctx, &sw, "N3", engineInvite("s1", "V1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Accept(ctx, &vol, invs[0].ID); err != nil {
		t.Fatal(err)
	}
	e.invite("V1")
	e.notify()
	e.clock.Add(9 * time.Hour)
	_, _, shifts := e.signIn(volunteer).get("/web/shifts")
	m := qrLink.FindStringSubmatch(shifts) // workspace_test.go
	if m == nil {
		t.Fatalf("no check-in code on V1's shifts:\n%s", shifts)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return e, url.QueryEscape(u.Query().Get("code"))
}

// TestPagesAccessibleAndLight opens every page of every role in real
// Chromium, in Chinese and English, on a phone and a desktop, and checks
// it against WCAG 2.1 A and AA with axe-core (labels, contrast, names,
// landmarks, language) and against the page budget. The sign-in page and a
// form with its errors shown are checked too.
func TestPagesAccessibleAndLight(t *testing.T) {
	e, scan := qualityEnv(t)
	check := func(t *testing.T, ctx context.Context, e *env, path string, width int, lang string) {
		t.Helper()
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900),
			chromedp.Navigate(e.srv.URL+path+sep+"lang="+lang), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		at := fmt.Sprintf("%s (%s, %d px)", path, lang, width)
		vs, err := browsertest.Audit(ctx)
		if err != nil {
			t.Fatalf("%s: %v", at, err)
		}
		for _, v := range vs {
			t.Errorf("%s breaks %s", at, v)
		}
		w, err := browsertest.Weigh(ctx)
		if err != nil {
			t.Fatalf("%s: %v", at, err)
		}
		// The dashboard's ECharts is outside the budget (issue 14).
		if charts, err := chromedp.Run(ctx, chromedp.Evaluate[int64](echartsBytes)); err == nil && charts > 0 {
			t.Logf("%s: ECharts aside (%d bytes)", at, charts)
			w.Bytes -= charts
		}
		if w.Bytes > pageBudget || w.InteractiveMs > interactiveLimit {
			t.Errorf("%s weighs %d bytes in %d resources, interactive at %.0f ms; want at most %d bytes and %.0f ms",
				at, w.Bytes, w.Resources, w.InteractiveMs, pageBudget, interactiveLimit)
		}
		t.Logf("%s: %d bytes, %d resources, interactive at %.0f ms", at, w.Bytes, w.Resources, w.InteractiveMs)
	}
	// A browser for each few pages of a role (a browser lives 90 s at
	// most, and a loaded machine takes 2 s or more for a page's check).
	t.Run("public", func(t *testing.T) {
		ctx, _, _ := browser(t)
		for _, lang := range []string{"zh", "en"} {
			for _, width := range []int{390, 1280} {
				for _, path := range publicPages {
					check(t, ctx, e, path, width, lang)
				}
			}
		}
	})
	// The team pages (team_test.go) over a city of their own: O1's teams,
	// T1 invited to N1.
	te := newEnv(t)
	te.seedTeams(true)
	for _, g := range []struct {
		name  string
		e     *env
		pages []qualityPage
	}{{"", e, qualityPages}, {"teams/", te, teamQualityPages}} {
		e := g.e
		for _, p := range g.pages {
			for i := 0; i < len(p.paths); i += pagesPerBrowser {
				paths := p.paths[i:min(i+pagesPerBrowser, len(p.paths))]
				t.Run(fmt.Sprintf("%s%s/%d", g.name, p.who.Role, i/pagesPerBrowser), func(t *testing.T) {
					ctx, _, _ := browser(t)
					e.browserSignIn(ctx, p.who, chromedp.WaitVisible(chromedp.CSS("main h1")))
					for _, path := range paths {
						path = strings.ReplaceAll(path, "{scan}", scan)
						for _, lang := range []string{"zh", "en"} {
							for _, width := range []int{390, 1280} {
								check(t, ctx, e, path, width, lang)
							}
						}
					}
				})
			}
		}
	}
}

// notPages are the GET routes that answer no page of their own: files,
// the live stream, downloads (CSV, JSON, iCalendar, PDF) and the taxonomy
// search's fragment of the need form.
var notPages = map[string]bool{
	"GET /web/static/": true, "GET /web/static/vendor/echarts/echarts.min.js": true, "GET /web/static/htmx.min.js": true,
	"GET /web/inbox/stream": true, "GET /web/dashboard/{file}": true, "GET /web/profile/data": true,
	"GET /web/shifts.ics": true, "GET /web/certificates/{code}": true, "GET /web/taxonomy": true,
	"GET /web/verify/{code}": true, // the page of /web/verify, with the code in the path
}

// TestQualityPagesCoverRoutes: every GET route that answers a page is
// among the pages TestPagesAccessibleAndLight checks.
func TestQualityPagesCoverRoutes(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	for _, r := range web.Routes(web.New(e.eng, web.Options{})) {
		mux.HandleFunc(r, func(http.ResponseWriter, *http.Request) {})
	}
	covered := map[string]bool{}
	paths := append([]string(nil), publicPages...)
	for _, p := range append(append([]qualityPage(nil), qualityPages...), teamQualityPages...) {
		paths = append(paths, p.paths...)
	}
	for _, path := range paths {
		req := httptest.NewRequest(http.MethodGet, strings.ReplaceAll(path, "{scan}", "x"), nil)
		_, pattern := mux.Handler(req)
		covered[pattern] = true
	}
	covered["GET /web/dashboard"] = true // a planner's "/" is the dashboard
	for _, r := range web.Routes(web.New(e.eng, web.Options{})) {
		if (strings.HasPrefix(r, "GET ") || r == "/") && !notPages[r] && !covered[r] {
			t.Errorf("page %q is not in qualityPages (nor publicPages)", r)
		}
	}
}
