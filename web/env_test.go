package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/browsertest"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
	"volmatch/web"
)

// clock is the engine's clock, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var admin = &volmatch.Token{Role: volmatch.RoleAdmin}

// env is a web server over a real engine on a bbolt file, holding
// organisations O1 and O2, volunteer V1 and two needs of O1 (one with a
// filled slot).
type env struct {
	t     *testing.T
	eng   *engine.Engine
	st    volmatch.Store
	clock *clock
	srv   *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, envOptions{})
}

// envOptions change newEnv's server for a test.
type envOptions struct {
	// Logger receives the engine's and the pages' logs (default: none).
	Logger *slog.Logger
	// Store, when set, wraps the store the engine is given (an injected
	// failure).
	Store func(volmatch.Store) volmatch.Store
}

func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var engStore volmatch.Store = st
	if o.Store != nil {
		engStore = o.Store(st)
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	c := &clock{t: fixture.Base}
	eng := engine.New(engStore, text, tax, engine.Options{Now: c.Now, TokenTTL: time.Nanosecond, Logger: o.Logger,
		Certificates: engine.CertificateOptions{Key: certKey}}) // record_test.go
	ctx := context.Background()
	for _, id := range []string{"O1", "O2"} {
		if err := eng.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: id, Name: "朝阳区某街道社工站 " + id, District: fixture.District}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.RegisterVolunteer(ctx, admin, fixture.Volunteer("V1")); err != nil {
		t.Fatal(err)
	}
	menu := fixture.Need("N2", fixture.Title("社区垃圾分类宣传"), fixture.Domain("garbage_sorting"), fixture.Shifts(
		fixture.Shift("s1", fixture.Base.Add(57*time.Hour), 2*time.Hour, 3),
		fixture.Shift("s2", fixture.Base.Add(81*time.Hour), 2*time.Hour, 3)))
	menu.Mode = volmatch.ModeMenu
	for _, n := range []*volmatch.Need{fixture.Need("N1"), menu} {
		if _, err := eng.PostNeed(ctx, admin, n); err != nil {
			t.Fatal(err)
		}
	}
	seedOffers(t, eng)   // offers_test.go
	seedProjects(t, eng) // project_test.go
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, eng: eng, st: st, clock: c}
	e.srv = httptest.NewServer(web.New(eng, web.Options{Logger: o.Logger}).Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// client is a browser-like client with its own cookies that does not
// follow redirects.
type client struct {
	e *env
	c *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get returns the status, Location and body of GET path.
func (c *client) get(path string) (int, string, string) {
	c.e.t.Helper()
	resp, err := c.c.Get(c.e.srv.URL + path)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// post sends a form.
func (c *client) post(path string, form url.Values) (int, string, string) {
	c.e.t.Helper()
	resp, err := c.c.PostForm(c.e.srv.URL+path, form)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf returns the CSRF token in a page's form.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// issue returns a sign-in code for the role and scope.
func (e *env) issue(spec volmatch.Token) string {
	e.t.Helper()
	code, _, err := e.eng.IssueSignIn(context.Background(), admin, spec, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// signIn signs a new client in with a fresh code for spec, through the
// form, and returns it.
func (e *env) signIn(spec volmatch.Token) *client {
	e.t.Helper()
	c := e.client()
	code := e.issue(spec)
	status, _, page := c.get("/web/signin?code=" + url.QueryEscape(code))
	if status != 200 || !strings.Contains(page, code) {
		e.t.Fatalf("GET sign-in link = %d, want 200 with the code filled in", status)
	}
	status, loc, _ := c.post("/web/signin", url.Values{"csrf": {csrf(e.t, page)}, "code": {code}})
	if status != http.StatusSeeOther || loc != "/" {
		e.t.Fatalf("POST /web/signin = %d to %q, want 303 to /", status, loc)
	}
	return c
}

var (
	socialWorker = volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	volunteer    = volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V1"}
	planner      = volmatch.Token{Role: volmatch.RolePlanner}
	adminSpec    = volmatch.Token{Role: volmatch.RoleAdmin}
)

// browser starts headless Chromium (1280 by 900 px) for the test and
// returns it, the errors its pages raise and the folder for screenshots.
func browser(t *testing.T) (context.Context, *browsertest.Errors, string) {
	t.Helper()
	errs := &browsertest.Errors{}
	ctx := browsertest.Start(t, errs, 1280, 900)
	return ctx, errs, browsertest.Artifacts(t)
}

// browserSignIn signs the browser in with a fresh code for spec, through
// the sign-in form, then runs then (waiting for the page signed in to).
func (e *env) browserSignIn(ctx context.Context, spec volmatch.Token, then ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	code := e.issue(spec)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/web/signin?code="+url.QueryEscape(code)),
		chromedp.WaitVisible(chromedp.ID("code")))
	if err == nil {
		err = clickAndLoad(ctx, `main form button[type=submit]`)
	}
	if err == nil {
		err = chromedp.Do(ctx, then...)
	}
	if err != nil {
		e.t.Fatalf("sign in as %s: %v", spec.Role, err)
	}
}

// shotPage writes a screenshot of the browser's page to dir/name.png and
// fails the test when the page scrolls sideways.
func shotPage(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
		t.Errorf("%s scrolls sideways", name)
	}
	browsertest.Shot(t, ctx, filepath.Join(dir, name+".png"))
}
