package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/internal/browsertest"
)

// Page budget of issue 14: every page under 150 KB transferred and
// interactive within 1 s on loopback.
const (
	pageBudget       = 150 << 10
	interactiveLimit = 1000.0 // ms
)

// qualityPages are the pages each role reaches, each checked by
// TestPagesAccessibleAndLight.
var qualityPages = []struct {
	who   volmatch.Token
	paths []string
}{
	{socialWorker, []string{"/web/needs", "/web/needs/new", "/web/needs/N1", "/web/today", "/web/record?volunteer=V1&from=2026-13-01",
		"/web/projects", "/web/projects/PJ1", "/web/projects/suggestions"}},
	{volunteer, []string{"/web/menu", "/web/invitations", "/web/shifts", "/web/record", "/web/stations"}},
	{planner, []string{"/", "/web/dashboard/learning", "/web/projects/suggestions", "/web/stations"}},
}

// TestPagesAccessibleAndLight opens every page of every role in real
// Chromium, in Chinese and English, on a phone and a desktop, and checks
// it against WCAG 2.1 A and AA with axe-core (labels, contrast, names,
// landmarks, language) and against the page budget. The sign-in page and a
// form with its errors shown are checked too.
func TestPagesAccessibleAndLight(t *testing.T) {
	e := newEnv(t)
	ctx, _, _ := browser(t)
	check := func(ctx context.Context, path string, width int, lang string) {
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
		if w.Bytes > pageBudget || w.InteractiveMs > interactiveLimit {
			t.Errorf("%s weighs %d bytes in %d resources, interactive at %.0f ms; want at most %d bytes and %.0f ms",
				at, w.Bytes, w.Resources, w.InteractiveMs, pageBudget, interactiveLimit)
		}
		t.Logf("%s: %d bytes, %d resources, interactive at %.0f ms", at, w.Bytes, w.Resources, w.InteractiveMs)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, width := range []int{390, 1280} {
			check(ctx, "/web/signin", width, lang)
			check(ctx, "/web/verify?code=0OI1", width, lang) // public, with its field error
		}
	}
	for _, p := range qualityPages {
		// A browser of its own for each role: each has a time budget
		// (browsertest.Start), and a role's pages fill most of one.
		ctx, _, _ := browser(t)
		e.browserSignIn(ctx, p.who, chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, path := range p.paths {
			for _, lang := range []string{"zh", "en"} {
				for _, width := range []int{390, 1280} {
					check(ctx, path, width, lang)
				}
			}
		}
	}
}
