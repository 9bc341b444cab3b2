package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
)

// TestPageRoles: each role's home, and what each page shows its callers
// (the statuses of every route for every caller are in TestRouteMatrix).
func TestPageRoles(t *testing.T) {
	e := newEnv(t)
	clients := map[string]*client{
		"out":           e.client(),
		"admin":         e.signIn(adminSpec),
		"social_worker": e.signIn(socialWorker),
		"volunteer":     e.signIn(volunteer),
		"planner":       e.signIn(planner),
	}
	for who, want := range map[string]string{"out": "/web/signin", "social_worker": "/web/needs", "volunteer": "/web/menu", "planner": "/web/dashboard"} {
		if status, loc, _ := clients[who].get("/"); status != http.StatusSeeOther || loc != want {
			t.Errorf("GET / as %s = %d to %q, want 303 to %q", who, status, loc, want)
		}
	}
	if status, _, page := clients["admin"].get("/"); status != 200 || !strings.Contains(page, `href="/web/dashboard"`) {
		t.Errorf("GET / as an admin = %d, want 200 with the links to the pages", status)
	}
	// Each role's navigation names every page apart (two links of one
	// name to two pages confuse a screen reader's list of links).
	navLinks := regexp.MustCompile(`<a href="(/[^"]*)"[^>]*>([^<]+)`)
	for who, home := range map[string]string{"admin": "/", "social_worker": "/web/needs", "volunteer": "/web/menu", "planner": "/web/dashboard"} {
		for _, lang := range []string{"zh", "en"} {
			_, _, page := clients[who].get(home + "?lang=" + lang)
			nav, _, _ := strings.Cut(page[strings.Index(page, "<nav"):], "</nav>")
			seen := map[string]string{}
			for _, m := range navLinks.FindAllStringSubmatch(nav, -1) {
				if other, ok := seen[m[2]]; ok && other != m[1] {
					t.Errorf("%s's navigation (%s) names %s and %s alike: %q", who, lang, other, m[1], m[2])
				}
				seen[m[2]] = m[1]
			}
		}
		clients[who].get(home + "?lang=zh")
	}
	// A social worker's navigation names the organisation, not its code.
	if _, _, page := clients["social_worker"].get("/web/needs"); !strings.Contains(page, `class="who">社工 · 朝阳区某街道社工站 O1<`) {
		t.Errorf("the social worker's navigation does not name the organisation:\n%s", page)
	}
	// What each page shows its callers.
	if _, _, page := clients["social_worker"].get("/web/needs"); !strings.Contains(page, "社区助老服务") ||
		!strings.Contains(page, "社区垃圾分类宣传") || !strings.Contains(page, "缺 2 人") {
		t.Errorf("the social worker's needs page lacks the needs or their fill state:\n%s", page)
	}
	if _, _, page := clients["volunteer"].get("/web/menu"); !strings.Contains(page, `data-need="N2"`) {
		t.Errorf("the volunteer's menu lacks need N2:\n%s", page)
	}
	// Another organisation's social worker sees none of O1's needs.
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if _, _, page := other.get("/web/needs"); strings.Contains(page, "社区助老服务") || !strings.Contains(page, "还没有发布需求") {
		t.Errorf("O2's social worker sees O1's needs:\n%s", page)
	}
}

// TestSignInOnce: a code works once, an unknown or expired one is refused
// beside the field, and neither a code nor a session is a bearer token.
func TestSignInOnce(t *testing.T) {
	e := newEnv(t)
	code := e.issue(volunteer)
	c := e.client()
	_, _, page := c.get("/web/signin")
	form := url.Values{"csrf": {csrf(t, page)}, "code": {code}}
	if status, loc, _ := c.post("/web/signin", form); status != 303 || loc != "/" {
		t.Fatalf("first redeem = %d to %q, want 303 to /", status, loc)
	}
	again := e.client()
	_, _, page = again.get("/web/signin")
	form.Set("csrf", csrf(t, page))
	status, _, page := again.post("/web/signin", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="code-error"`) || !strings.Contains(page, "已经用过") {
		t.Errorf("second redeem = %d, want 422 with the error beside the field:\n%s", status, page)
	}
	if _, err := e.eng.Authenticate(context.Background(), e.issue(adminSpec)); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate(sign-in code) = %v, want EUNAUTHORIZED", err)
	}
	secret, _, err := e.eng.RedeemSignIn(context.Background(), e.issue(adminSpec))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Authenticate(context.Background(), secret); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("Authenticate(session secret) = %v, want EUNAUTHORIZED", err)
	}
	// An expired code is refused, and spent.
	late := e.issue(volunteer)
	e.clock.Add(engine.DefaultSignInTTL)
	if _, _, err := e.eng.RedeemSignIn(context.Background(), late); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("RedeemSignIn(expired) = %v, want EUNAUTHORIZED", err)
	}
	// Only an admin issues codes.
	if _, _, err := e.eng.IssueSignIn(context.Background(), &socialWorker, volunteer, 0); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("IssueSignIn as a social worker = %v, want EFORBIDDEN", err)
	}
	if _, _, err := e.eng.IssueSignIn(context.Background(), admin, volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "NOPE"}, 0); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("IssueSignIn for an unknown organisation = %v, want EINVALID", err)
	}
}

// TestCSRF: a POST without the session's token, or with another's, is
// refused 403 and does nothing; the sign-in form needs its own.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	other := e.signIn(volunteer)
	_, _, otherPage := other.get("/web/menu")
	for name, form := range map[string]url.Values{
		"none":    {},
		"empty":   {"csrf": {""}},
		"wrong":   {"csrf": {strings.Repeat("0", 64)}},
		"another": {"csrf": {csrf(t, otherPage)}},
	} {
		if status, _, _ := c.post("/web/signout", form); status != http.StatusForbidden {
			t.Errorf("sign-out with %s csrf = %d, want 403", name, status)
		}
	}
	if status, _, _ := c.get("/web/menu"); status != 200 {
		t.Errorf("after refused sign-outs, GET /web/menu = %d, want 200 (still signed in)", status)
	}
	// The sign-in form without its double-submit value.
	fresh := e.client()
	if status, _, _ := fresh.post("/web/signin", url.Values{"code": {e.issue(volunteer)}}); status != http.StatusForbidden {
		t.Errorf("sign-in without csrf = %d, want 403", status)
	}
}

// TestSessionExpires: a session ends SessionTTL after sign-in.
func TestSessionExpires(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(socialWorker)
	e.clock.Add(engine.SessionTTL - time.Minute)
	if status, _, _ := c.get("/web/needs"); status != 200 {
		t.Fatalf("a minute before the end, GET /web/needs = %d, want 200", status)
	}
	e.clock.Add(time.Minute)
	status, loc, _ := c.get("/web/needs")
	if status != http.StatusSeeOther || loc != "/web/signin?ended=1&next=%2Fweb%2Fneeds" {
		t.Fatalf("at the end, GET /web/needs = %d to %q, want 303 to /web/signin?ended=1&next=%%2Fweb%%2Fneeds", status, loc)
	}
	if _, _, page := c.get(loc); !strings.Contains(page, "登录已过期") {
		t.Errorf("the sign-in page does not say the session ended:\n%s", page)
	}
}

// TestSignOut: sign-out revokes the session; the old cookie no longer
// works, even when replayed.
func TestSignOut(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/menu")
	u, _ := url.Parse(e.srv.URL)
	old := c.c.Jar.Cookies(u)
	status, loc, _ := c.post("/web/signout", url.Values{"csrf": {csrf(t, page)}})
	if status != http.StatusSeeOther || loc != "/web/signin?out=1" {
		t.Fatalf("sign-out = %d to %q, want 303 to /web/signin?out=1", status, loc)
	}
	if status, _, _ := c.get("/web/menu"); status != http.StatusSeeOther {
		t.Errorf("after sign-out, GET /web/menu = %d, want 303", status)
	}
	replay := e.client()
	replay.c.Jar.SetCookies(u, old)
	if status, _, _ := replay.get("/web/menu"); status != http.StatusSeeOther {
		t.Errorf("the old session cookie replayed: GET /web/menu = %d, want 303", status)
	}
}

// TestCookiesAndLanguage: the session cookie's attributes, the headers of
// a page, and the English switch.
func TestCookiesAndLanguage(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	u, _ := url.Parse(e.srv.URL)
	_ = u
	code := e.issue(volunteer)
	fresh := e.client()
	resp, err := fresh.c.Get(e.srv.URL + "/web/signin?code=" + code)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	_, _, page := fresh.get("/web/signin")
	r, err := fresh.c.PostForm(e.srv.URL+"/web/signin", url.Values{"csrf": {csrf(t, page)}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	var set string
	for _, h := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "vm_session=") {
			set = h
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	if _, _, page := c.get("/web/menu?lang=en"); !strings.Contains(page, "My service menu") || !strings.Contains(page, `lang="en"`) {
		t.Errorf("?lang=en did not switch to English:\n%s", page)
	}
	if _, _, page := c.get("/web/menu"); !strings.Contains(page, "My service menu") {
		t.Errorf("the English choice was not remembered")
	}
	if _, _, page := c.get("/web/menu?lang=zh"); !strings.Contains(page, "我的服务菜单") {
		t.Errorf("?lang=zh did not switch back")
	}
}

// TestSignInNext: a page asked for signed out is opened after the sign-in
// (its query kept: a scanned check-in code); only a path of this site is
// followed, never another host however it is spelt.
func TestSignInNext(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	asked := "/web/needs/N1?shift=s1&lang=zh"
	status, loc, _ := c.get(asked)
	if want := "/web/signin?next=" + url.QueryEscape(asked); status != http.StatusSeeOther || loc != want {
		t.Fatalf("GET %s signed out = %d to %q, want 303 to %q", asked, status, loc, want)
	}
	signInVia := func(c *client, link string) (string, string) {
		t.Helper()
		_, _, page := c.get(link)
		form := url.Values{"csrf": {csrf(t, page)}, "code": {e.issue(socialWorker)}}
		if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page); m != nil {
			form.Set("next", htmlUnescape(m[1]))
		}
		status, loc, _ := c.post("/web/signin", form)
		if status != http.StatusSeeOther {
			t.Fatalf("sign in through %s = %d, want 303", link, status)
		}
		return loc, page
	}
	if to, _ := signInVia(c, loc); to != asked {
		t.Errorf("after signing in the browser goes to %q, want %q", to, asked)
	}
	if status, _, _ := c.get(asked); status != 200 {
		t.Errorf("GET %s after signing in = %d", asked, status)
	}
	// A wrong code keeps the page to go to.
	fresh := e.client()
	_, _, page := fresh.get(loc)
	if _, _, again := fresh.post("/web/signin", url.Values{"csrf": {csrf(t, page)}, "code": {"vm_wrong"}, "next": {asked}}); !strings.Contains(again, `name="next" value="`+html.EscapeString(asked)+`"`) {
		t.Errorf("the form shown again after a wrong code lost the page to go to:\n%s", again)
	}

	for _, evil := range []string{
		"//evil.example", "//evil.example/web/needs", "https://evil.example/", "http:evil.example", "/\\evil.example",
		"/\\/evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\x00/evil.example",
		"javascript:alert(1)", "evil.example", "web/needs", "/web/signin?next=//evil.example", "/web/signin",
		"/" + strings.Repeat("a", 3000), "/web/needs\xff",
	} {
		c := e.client()
		to, page := signInVia(c, "/web/signin?next="+url.QueryEscape(evil))
		if strings.Contains(page, `name="next"`) {
			t.Errorf("next=%q: the sign-in form carries it", evil)
		}
		if to != "/" {
			t.Errorf("next=%q (from the link): sent to %q, want /", evil, to)
		}
		// Posted straight, past the form.
		_, _, page = c.get("/web/signin")
		if status, to, _ := c.post("/web/signin", url.Values{"csrf": {csrf(t, page)}, "code": {e.issue(volunteer)}, "next": {evil}}); status != http.StatusSeeOther || to != "/" {
			t.Errorf("next=%q (posted): %d to %q, want 303 to /", evil, status, to)
		}
	}
	// A form's POST signed out is not replayed after signing in.
	if status, loc, _ := e.client().post("/web/needs/N1/invite", url.Values{"shift": {"s1"}, "top": {"3"}}); status != http.StatusSeeOther || loc != "/web/signin" {
		t.Errorf("POST signed out = %d to %q, want 303 to /web/signin (no next)", status, loc)
	}
}
