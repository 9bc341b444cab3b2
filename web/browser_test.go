package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"volmatch"
)

// browserErrors collects the page's console errors, exceptions and
// browser log errors (a refused asset or a CSP violation shows there).
type browserErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (b *browserErrors) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg = "console." + string(ev.Type)
		for _, a := range ev.Args {
			msg += " " + string(a.Value) + a.Description
		}
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	b.mu.Lock()
	b.msgs = append(b.msgs, msg)
	b.mu.Unlock()
}

func (b *browserErrors) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.msgs...)
}

// browser starts headless Chromium for the test (the set-up of
// api/dashboard_test.go), or skips (fails in CI) when it is not installed.
func browser(t *testing.T, errs *browserErrors) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		path, err = exec.LookPath("chromium-browser")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed (make deps installs it): %v", err)
		}
		t.Skipf("chromium is not on PATH (make deps installs it): %v", err)
	}
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chinese font (fonts-wqy-microhei; make deps installs it): %v", err)
		}
		t.Logf("no Chinese font found (fonts-wqy-microhei): the screenshots will show boxes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithListener(errs.listen))
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// artifacts is the folder screenshots go to: $VOLMATCH_ARTIFACTS when
// set, the test's temporary folder otherwise.
func artifacts(t *testing.T) string {
	dir := os.Getenv("VOLMATCH_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserSignIn signs a social worker and a volunteer in with codes
// in real headless Chromium, through the form, and takes a screenshot of
// each one's page at 1280 and 390 px wide, in Chinese and English; the
// pages raise no console error (every asset is served, the CSP holds).
func TestBrowserSignIn(t *testing.T) {
	e := newEnv(t)
	errs := &browserErrors{}
	ctx := browser(t, errs)
	dir := artifacts(t)

	signIn := func(spec volmatch.Token, home string) {
		t.Helper()
		code := e.issue(spec)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/web/signin?code="+url.QueryEscape(code)),
			chromedp.WaitVisible(chromedp.ID("code")),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		); err != nil {
			t.Fatalf("sign in as %s: %v", spec.Role, err)
		}
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
		var buf []byte
		h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if err != nil || h1 != want {
			t.Errorf("%s (%s, %d px): h1 = %q (%v), want %q", name, lang, width, h1, err, want)
		}
		// No horizontal scrolling on a phone.
		if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
			t.Errorf("%s (%s, %d px) scrolls sideways", name, lang, width)
		}
		buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", name, lang, width))
		if err := os.WriteFile(file, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", file)
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

	if msgs := errs.all(); len(msgs) > 0 {
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
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "signin-error-zh-390.png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
