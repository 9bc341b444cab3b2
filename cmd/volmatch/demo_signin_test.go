package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestDemoSignInLinks runs a small demo and signs in through each printed
// web sign-in link as a browser does: GET the link (the form with the code
// filled in and its CSRF field and cookie), POST the form, then open the
// role's page with the session cookie. A link works once.
func TestDemoSignInLinks(t *testing.T) {
	data := t.TempDir() + "/demo"
	p := start(t, nil, "demo", "--data", data, "--volunteers", "400", "--needs", "60", "--weeks", "1",
		"--addr", "127.0.0.1:0", "--rate", "-1")
	base := strings.TrimSpace(strings.TrimPrefix(p.waitLine(t, "URL: "), "URL: "))
	for _, c := range []struct{ prefix, home, page string }{
		{"  social worker web: ", "/", "/web/today"},
		{"  volunteer web:     ", "/", "/web/menu"},
		{"  planner dashboard: ", "/", "/web/dashboard"},
	} {
		f := strings.Fields(strings.TrimPrefix(p.waitLine(t, c.prefix), c.prefix))
		if len(f) == 0 || !strings.HasPrefix(f[0], base+"/web/signin?code=") {
			t.Fatalf("%q line = %q, want a link on %s", c.prefix, f, base)
		}
		link := f[0]
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		status, _, page := fetch(t, cl, "GET", link, nil)
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
		u, _ := url.Parse(link)
		code := u.Query().Get("code")
		if status != 200 || m == nil || !strings.Contains(page, code) {
			t.Fatalf("GET %s = %d, want the form with the code and a csrf field:\n%s", link, status, page)
		}
		form := url.Values{"csrf": {m[1]}, "code": {code}}
		if status, loc, body := fetch(t, cl, "POST", base+"/web/signin", form); status != http.StatusSeeOther || loc != c.home {
			t.Fatalf("POST the sign-in form of %s = %d to %q:\n%s", c.prefix, status, loc, body)
		}
		if status, _, body := fetch(t, cl, "GET", base+c.page, nil); status != 200 {
			t.Errorf("signed in with %s, GET %s = %d:\n%s", strings.TrimSpace(c.prefix), c.page, status, body)
		}
		// The code is spent.
		jar2, _ := cookiejar.New(nil)
		cl2 := &http.Client{Jar: jar2, CheckRedirect: cl.CheckRedirect}
		_, _, page = fetch(t, cl2, "GET", link, nil)
		if m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page); m != nil {
			if status, _, _ := fetch(t, cl2, "POST", base+"/web/signin", url.Values{"csrf": {m[1]}, "code": {code}}); status == http.StatusSeeOther {
				t.Errorf("the %s link signed in twice", strings.TrimSpace(c.prefix))
			}
		}
	}
	// The registration link opens the sign-up form with its code.
	const prefix = "  volunteer sign-up: "
	f := strings.Fields(strings.TrimPrefix(p.waitLine(t, prefix), prefix))
	if len(f) == 0 || !strings.HasPrefix(f[0], base+"/web/register?code=") {
		t.Fatalf("%q line = %q, want a registration link on %s", prefix, f, base)
	}
	u, _ := url.Parse(f[0])
	if status, _, page := fetch(t, http.DefaultClient, "GET", f[0], nil); status != 200 || !strings.Contains(page, u.Query().Get("code")) || strings.Contains(page, `id="code-error"`) {
		t.Errorf("GET %s = %d, want the sign-up form with the code, no error:\n%s", f[0], status, page)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	for range p.lines {
	}
	if err := <-p.done; err != nil {
		t.Fatalf("demo after SIGTERM: %v", err)
	}
}

// fetch sends a request (a form when form is not nil) and returns the
// status, Location and body.
func fetch(t *testing.T, cl *http.Client, method, u string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
