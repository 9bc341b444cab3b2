package web_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/internal/browsertest"
)

// TestBrowserSignIn signs a social worker and a volunteer in with codes
// in real headless Chromium, through the form, and takes a screenshot of
// each one's page at 1280 and 390 px wide, in Chinese and English; the
// pages raise no console error (every asset is served, the CSP holds).
func TestBrowserSignIn(t *testing.T) {
	e := newEnv(t)
	ctx, errs, dir := browser(t)

	signIn := func(spec volmatch.Token, home string) {
		t.Helper()
		e.browserSignIn(ctx, spec)
		var loc string
		var err error
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if loc, err = chromedp.Run(ctx, chromedp.Location()); err == nil && strings.HasSuffix(loc, home) {
				break
			}
		}
		if err != nil || !strings.HasSuffix(loc, home) {
			t.Fatalf("after signing in as %s the browser is at %q (%v), want %s", spec.Role, loc, err, home)
		}
	}
	shoot := func(name string, width int, lang, want string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(int64(width), 900),
			chromedp.Navigate(e.srv.URL+"?lang="+lang),
		); err != nil {
			t.Fatal(err)
		}
		// ?lang= on / redirects home; take the page itself.
		h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if err != nil || h1 != want {
			t.Errorf("%s (%s, %d px): h1 = %q (%v), want %q", name, lang, width, h1, err, want)
		}
		// No horizontal scrolling on a phone (shotPage checks).
		shotPage(t, ctx, dir, fmt.Sprintf("%s-%s-%d", name, lang, width))
	}

	signIn(socialWorker, "/web/needs")
	shoot("needs", 1280, "zh", "本机构的需求")
	shoot("needs", 1280, "en", "Our organisation's needs")
	shoot("needs", 390, "en", "Our organisation's needs")
	shoot("needs", 390, "zh", "本机构的需求")

	signIn(volunteer, "/web/menu")
	shoot("menu", 390, "zh", "我的服务菜单")
	shoot("menu", 390, "en", "My service menu")
	shoot("menu", 1280, "en", "My service menu")
	shoot("menu", 1280, "zh", "我的服务菜单")

	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors:\n%s", strings.Join(msgs, "\n"))
	}

	// A wrong code: the error beside the field (the 422 is logged by the
	// browser, so the error check is above).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(e.srv.URL+"/web/signin?lang=zh"),
		chromedp.WaitVisible(chromedp.ID("code"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("code"), "vm_wrong"),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("code-error"))); err != nil {
		t.Fatalf("a wrong code: %v", err)
	}
	browsertest.Shot(t, ctx, filepath.Join(dir, "signin-error-zh-390.png"))
}
