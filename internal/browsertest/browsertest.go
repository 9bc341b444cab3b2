// Package browsertest starts headless Chromium for the tests that drive
// volmatch's pages in a real browser (the dashboard, the web pages), and
// collects what the pages report and the screenshots they take.
//
//	errs := &browsertest.Errors{}
//	ctx := browsertest.Start(t, errs, 1280, 900)
//	browsertest.Shot(t, ctx, filepath.Join(browsertest.Artifacts(t), "page.png"))
package browsertest

import (
	"bytes"
	"context"
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
)

// Errors collects the console errors, uncaught exceptions and error entries
// of the browser log of a page (a refused asset or a CSP violation shows
// there).
type Errors struct {
	mu   sync.Mutex
	msgs []string
}

// Listen is the browser's event listener.
func (b *Errors) Listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
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

// All returns the messages collected so far.
func (b *Errors) All() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.msgs...)
}

// Start starts headless Chromium (Chinese first, a window of width by
// height) for the test, with errs listening, or skips the test when
// Chromium is not installed (fails when CI=true, where make deps installs
// it). Chromium stops when the test ends.
func Start(t testing.TB, errs *Errors, width, height int) context.Context {
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
	// Without a Chinese font the page draws boxes; the checks still pass,
	// so say it (and fail in CI, where make deps installs one).
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chinese font (fonts-wqy-microhei; make deps installs it): %v", err)
		}
		t.Logf("no Chinese font found (fonts-wqy-microhei): the screenshots will show boxes")
	}
	// Chromium now and then exits before it listens when the machine is
	// loaded (several browsers starting at once on two cores); a start is
	// tried three times before the test fails.
	var last error
	for attempt := 1; attempt <= 3; attempt++ {
		bctx, stop, err := launch(path, errs, width, height, t.TempDir())
		if err == nil {
			t.Cleanup(stop)
			return bctx
		}
		stop()
		last = err
		t.Logf("start chromium, attempt %d: %v", attempt, err)
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
	t.Fatalf("start chromium: %v", last)
	return nil
}

// launch starts one Chromium with its own profile folder; stop ends it.
func launch(path string, errs *Errors, width, height int, profile string) (bctx context.Context, stop func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithListener(errs.Listen))
	stop = func() { bcancel(); acancel(); cancel() }
	return bctx, stop, chromedp.Do(bctx)
}

// Artifacts is the folder screenshots go to: $VOLMATCH_ARTIFACTS/<test
// name> when the variable is set, the test's temporary folder otherwise.
func Artifacts(t testing.TB) string {
	t.Helper()
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

// Shot writes a full-page PNG screenshot of the page to file and returns
// it.
func Shot(t testing.TB, ctx context.Context, file string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG")
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", file, len(png))
	return png
}
