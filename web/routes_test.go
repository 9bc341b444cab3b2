package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/internal/storemock"
	"volmatch/web"
)

// The route table's role matrix: every route the pages register has a row
// here (a route added without one fails TestRouteMatrix), with the exact
// status of a GET, or of a POST carrying the caller's CSRF token, for each
// caller: signed out, an admin, a social worker of O1 (whose need N1 is)
// and of O2, volunteer V1 (whose invitation, assignment and certificate
// the paths name) and V2, and a planner. Every POST is also sent without a
// CSRF token, and every request again once the sessions have expired: both
// refused, nothing written.

// matrixCallers are the callers, in the order of a row's statuses.
var matrixCallers = []string{"out", "admin", "swA", "swB", "vol1", "vol2", "planner"}

var matrixSpecs = map[string]volmatch.Token{
	"admin":   adminSpec,
	"swA":     socialWorker,
	"swB":     {Role: volmatch.RoleSocialWorker, Org: "O2"},
	"vol1":    volunteer,
	"vol2":    {Role: volmatch.RoleVolunteer, Volunteer: "V2"},
	"planner": planner,
}

// routeRow is one route of the table.
type routeRow struct {
	route string // the pattern as registered
	path  string // a path of it; {inv}, {asg} and {cert} are V1's
	want  [7]int // status by matrixCallers
	// form is, for a POST, a form that would write if it were taken (the
	// CSRF token is added or left out by the test).
	form url.Values
	// public routes need no session: an expired one is answered as none.
	public bool
}

// Statuses of the usual access rules.
var (
	staffPage   = [7]int{303, 200, 200, 200, 403, 403, 403}
	workerPage  = [7]int{303, 403, 200, 200, 403, 403, 403}
	volPage     = [7]int{303, 403, 403, 403, 200, 200, 403}
	plannerPage = [7]int{303, 200, 403, 403, 403, 403, 200}
	everyone    = [7]int{200, 200, 200, 200, 200, 200, 200}

	everyoneSignedIn = [7]int{303, 200, 200, 200, 200, 200, 200}
)

var routeTable = []routeRow{
	// Public: the sign-in, the sign-up, certificate checks, files.
	{route: "GET /web/static/", path: "/web/static/style.css", want: everyone, public: true},
	{route: "GET /web/static/vendor/echarts/echarts.min.js", path: "/web/static/vendor/echarts/echarts.min.js", want: everyone, public: true},
	{route: "GET /web/static/htmx.min.js", path: "/web/static/htmx.min.js", want: everyone, public: true},
	{route: "GET /web/signin", path: "/web/signin", want: everyone, public: true},
	{route: "POST /web/signin", path: "/web/signin", want: [7]int{403, 403, 403, 403, 403, 403, 403}, public: true,
		form: url.Values{"code": {"vm_x"}}}, // its own double-submit token, never a session's
	{route: "GET /web/register", path: "/web/register", want: everyone, public: true},
	{route: "POST /web/register", path: "/web/register", want: [7]int{403, 403, 403, 403, 403, 403, 403}, public: true,
		form: url.Values{"name": {"李华"}, "phone": {"13800138000"}}},
	{route: "GET /web/verify", path: "/web/verify", want: everyone, public: true},
	{route: "GET /web/verify/{code}", path: "/web/verify/{cert}", want: everyone, public: true},
	{route: "/", path: "/web/nope", want: [7]int{404, 404, 404, 404, 404, 404, 404}, public: true},

	// Every signed-in caller.
	{route: "GET /{$}", path: "/", want: [7]int{303, 200, 303, 303, 303, 303, 303}},
	{route: "POST /web/signout", path: "/web/signout", want: [7]int{303, 303, 303, 303, 303, 303, 303}},
	{route: "GET /web/taxonomy", path: "/web/taxonomy?kind=skill&q=急救", want: [7]int{303, 200, 200, 200, 200, 200, 200}},

	// The social worker's workspace.
	{route: "GET /web/needs", path: "/web/needs", want: staffPage},
	{route: "GET /web/needs/new", path: "/web/needs/new", want: workerPage},
	{route: "POST /web/needs/new", path: "/web/needs/new", want: [7]int{303, 403, 422, 422, 403, 403, 403},
		form: url.Values{"title": {"新需求"}, "domain": {"elderly_care"}, "mode": {"pairing"}}},
	{route: "GET /web/needs/{id}", path: "/web/needs/N1", want: [7]int{303, 200, 200, 404, 403, 403, 403}},
	{route: "POST /web/needs/{id}/invite", path: "/web/needs/N2/invite", want: [7]int{303, 303, 303, 404, 403, 403, 403},
		form: url.Values{"shift": {"s2"}, "v": {"V2"}}},
	{route: "GET /web/needs/{id}/edit", path: "/web/needs/N1/edit", want: [7]int{303, 403, 200, 404, 403, 403, 403}},
	{route: "POST /web/needs/{id}/edit", path: "/web/needs/N1/edit", want: [7]int{303, 403, 422, 404, 403, 403, 403},
		form: url.Values{"title": {"改过的标题"}}},
	{route: "POST /web/needs/{id}/close", path: "/web/needs/N1/close", want: [7]int{303, 403, 303, 404, 403, 403, 403}},
	{route: "POST /web/needs/{id}/cancel", path: "/web/needs/N1/cancel", want: [7]int{303, 403, 303, 404, 403, 403, 403}},
	// N1 is no emergency: its dispatch is refused in words.
	{route: "GET /web/needs/{id}/dispatch", path: "/web/needs/N1/dispatch", want: [7]int{303, 403, 422, 404, 403, 403, 403}},
	{route: "POST /web/needs/{id}/dispatch", path: "/web/needs/N1/dispatch", want: [7]int{303, 403, 422, 404, 403, 403, 403},
		form: url.Values{"shift": {"s1"}, "size": {"5"}}},
	{route: "GET /web/today", path: "/web/today", want: workerPage},
	{route: "POST /web/today/{id}/{step}", path: "/web/today/{asg}/rate", want: [7]int{303, 403, 303, 404, 403, 403, 403},
		form: url.Values{"rating": {"4"}}},
	// A code that checks nobody in: "not valid" to every organisation.
	{route: "GET /web/today/scan", path: "/web/today/scan?code=X", want: [7]int{303, 403, 404, 404, 403, 403, 403}},
	{route: "POST /web/today/scan", path: "/web/today/scan", want: [7]int{303, 403, 404, 404, 403, 403, 403},
		form: url.Values{"code": {"X"}}},
	// O2 has no open need to plan: said in words.
	{route: "GET /web/batch", path: "/web/batch", want: [7]int{303, 403, 200, 422, 403, 403, 403}},
	{route: "POST /web/batch", path: "/web/batch", want: [7]int{303, 403, 422, 422, 403, 403, 403},
		form: url.Values{"key": {"k1"}}},
	{route: "GET /web/history", path: "/web/history", want: workerPage},
	// Projects (project.go): O1's PJ1 holds N1 (seedProjects).
	{route: "GET /web/projects", path: "/web/projects", want: [7]int{303, 200, 200, 200, 403, 403, 200}},
	{route: "POST /web/projects", path: "/web/projects", want: [7]int{303, 422, 422, 422, 403, 403, 403},
		form: url.Values{"name": {"新项目"}}},
	{route: "GET /web/projects/suggestions", path: "/web/projects/suggestions", want: [7]int{303, 200, 200, 200, 403, 403, 200}},
	{route: "GET /web/projects/{id}", path: "/web/projects/PJ1", want: [7]int{303, 200, 200, 200, 403, 403, 200}},
	{route: "POST /web/projects/{id}", path: "/web/projects/PJ1", want: [7]int{303, 422, 422, 403, 403, 403, 403},
		form: url.Values{"name": {"改名的项目"}}},
	{route: "POST /web/projects/{id}/needs", path: "/web/projects/PJ1/needs", want: [7]int{303, 303, 303, 403, 403, 403, 403},
		form: url.Values{"need": {"N1"}, "detach": {"1"}}},
	{route: "GET /web/stations", path: "/web/stations", want: everyoneSignedIn},
	// Teams (team.go): the matrix's city has none, and N1 asks for none.
	{route: "GET /web/needs/{id}/teams", path: "/web/needs/N1/teams", want: [7]int{303, 200, 200, 404, 403, 403, 403}},
	{route: "POST /web/needs/{id}/teams/invite", path: "/web/needs/N1/teams/invite", want: [7]int{303, 422, 422, 404, 403, 403, 403},
		form: url.Values{"team": {"T1"}}},
	{route: "GET /web/teams", path: "/web/teams", want: [7]int{303, 200, 200, 200, 200, 200, 403}},
	{route: "GET /web/teams/{id}", path: "/web/teams/T1", want: [7]int{303, 404, 404, 404, 404, 404, 403}},

	// The volunteer's pages.
	{route: "GET /web/menu", path: "/web/menu", want: volPage},
	{route: "POST /web/menu/signup", path: "/web/menu/signup", want: [7]int{303, 403, 403, 403, 303, 303, 403},
		form: url.Values{"need": {"N2"}, "shift": {"s2"}}},
	{route: "GET /web/invitations", path: "/web/invitations", want: volPage},
	{route: "POST /web/invitations/{id}/accept", path: "/web/invitations/{inv}/accept", want: [7]int{303, 403, 403, 403, 303, 403, 403}},
	{route: "POST /web/invitations/{id}/decline", path: "/web/invitations/{inv}/decline", want: [7]int{303, 403, 403, 403, 303, 403, 403}},
	// V1's invitation is no team's, and V2's not at all: refused back on
	// the invitations page, nothing written.
	{route: "POST /web/invitations/{id}/accept-team", path: "/web/invitations/{inv}/accept-team", want: [7]int{303, 403, 403, 403, 303, 303, 403}},
	{route: "GET /web/shifts", path: "/web/shifts", want: volPage},
	{route: "GET /web/shifts.ics", path: "/web/shifts.ics", want: volPage},
	{route: "GET /web/inbox", path: "/web/inbox", want: volPage},
	{route: "POST /web/inbox/read", path: "/web/inbox/read", want: [7]int{303, 403, 403, 403, 303, 303, 403},
		form: url.Values{"all": {"1"}}},
	{route: "POST /web/inbox/prefs", path: "/web/inbox/prefs", want: [7]int{303, 403, 403, 403, 303, 303, 403},
		form: url.Values{"app.invitation": {"on"}}},
	{route: "GET /web/inbox/stream", path: "/web/inbox/stream", want: [7]int{401, 403, 403, 403, 200, 200, 403}},
	{route: "GET /web/offers", path: "/web/offers", want: volPage},
	{route: "POST /web/offers/redeem", path: "/web/offers/redeem", want: [7]int{303, 403, 403, 403, 409, 409, 403}, // no such offer: refused on the page
		form: url.Values{"offer": {"OF1"}, "key": {"k1"}}},
	{route: "GET /web/profile", path: "/web/profile", want: volPage},
	{route: "POST /web/profile", path: "/web/profile", want: [7]int{303, 403, 403, 403, 422, 422, 403},
		form: url.Values{"name": {"改名"}}},
	{route: "GET /web/profile/data", path: "/web/profile/data", want: volPage},
	{route: "GET /web/profile/delete", path: "/web/profile/delete", want: volPage},
	{route: "POST /web/profile/delete", path: "/web/profile/delete", want: [7]int{303, 403, 403, 403, 303, 303, 403},
		form: url.Values{"confirm": {"yes"}}},

	// Records and certificates: the volunteer's own, an organisation's
	// for its volunteers, an admin's for anyone.
	// O2 never placed V1: it may not read nor certify V1's record; a
	// certificate is downloaded by its holder (and an admin) only.
	{route: "GET /web/record", path: "/web/record?volunteer=V1", want: [7]int{303, 200, 200, 403, 200, 200, 403}},
	{route: "POST /web/record/certificate", path: "/web/record/certificate", want: [7]int{303, 303, 303, 403, 303, 422, 403},
		form: url.Values{"volunteer": {"V1"}}},
	{route: "GET /web/certificates/{code}", path: "/web/certificates/{cert}.pdf", want: [7]int{303, 200, 403, 403, 200, 403, 403}},
	// V1 has a point to give V2; V2 has none.
	{route: "POST /web/record/move", path: "/web/record/move", want: [7]int{303, 403, 403, 403, 303, 422, 403},
		form: url.Values{"currency": {"points"}, "amount": {"1"}, "to": {"V2"}, "reason": {"谢谢"}}},

	// Training: the page for every role (what it shows is the role's);
	// enrolling and cancelling the volunteer's, attendance the staff's.
	// The course and enrolment named do not exist: refused, not found.
	{route: "GET /web/training", path: "/web/training", want: [7]int{303, 200, 200, 200, 200, 200, 200}},
	{route: "POST /web/training/enrol", path: "/web/training/enrol", want: [7]int{303, 403, 403, 403, 404, 404, 403},
		form: url.Values{"course": {"C9"}, "session": {"s1"}}},
	{route: "POST /web/training/cancel", path: "/web/training/cancel", want: [7]int{303, 403, 403, 403, 404, 404, 403},
		form: url.Values{"enrolment": {"E9"}}},
	{route: "POST /web/training/attendance", path: "/web/training/attendance", want: [7]int{303, 404, 404, 404, 403, 403, 403},
		form: url.Values{"enrolment": {"E9"}, "attended": {"1"}}},

	// The planner's dashboard and learning panel.
	{route: "GET /web/dashboard", path: "/web/dashboard", want: plannerPage},
	{route: "GET /web/dashboard/{file}", path: "/web/dashboard/kpis.csv", want: plannerPage},
	{route: "GET /web/dashboard/learning", path: "/web/dashboard/learning", want: plannerPage},
	// Nothing to adopt or undo: the panel says why (?err=).
	{route: "POST /web/dashboard/learning/adopt", path: "/web/dashboard/learning/adopt", want: [7]int{303, 303, 403, 403, 403, 403, 303},
		form: url.Values{"proposal": {"p1"}}},
	{route: "POST /web/dashboard/learning/undo", path: "/web/dashboard/learning/undo", want: [7]int{303, 303, 403, 403, 403, 403, 303},
		form: url.Values{"adoption": {"a1"}}},
}

// matrixWorld is newEnv with volunteer V2 and V1's record: V1 served N1's
// shift for O1 (the assignment asg, completed), holds a certificate of it
// (cert) and an invitation of O1 to N2's later shift (inv); each caller is
// signed in, with its session secret and CSRF token.
type matrixWorld struct {
	*env
	st                   volmatch.Store
	inv, asg, cert       string
	secret, token        map[string]string
	sessionsEndAfterThis time.Time
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.eng.RegisterVolunteer(ctx, admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	w := &matrixWorld{env: e, st: e.st, secret: map[string]string{}, token: map[string]string{}}
	w.asg = e.serveN1().ID
	w.cert = issueOnPage(t, e.signIn(volunteer), "")
	sw := socialWorker
	invs, err := e.eng.Invite(ctx, &sw, "N2", engine.InviteRequest{Shift: "s2", Volunteers: []string{"V1"}})
	if err != nil {
		t.Fatal(err)
	}
	w.inv = invs[0].ID
	u, _ := url.Parse(e.srv.URL)
	for who, spec := range matrixSpecs {
		c := e.signIn(spec)
		for _, k := range c.c.Jar.Cookies(u) {
			if k.Name == "vm_session" {
				w.secret[who] = k.Value
			}
		}
		home := map[volmatch.Role]string{volmatch.RoleAdmin: "/", volmatch.RoleSocialWorker: "/web/needs",
			volmatch.RoleVolunteer: "/web/menu", volmatch.RolePlanner: "/web/dashboard/learning"}[spec.Role]
		_, _, page := c.get(home)
		w.token[who] = csrf(t, page)
	}
	w.sessionsEndAfterThis = e.clock.Now().Add(engine.SessionTTL)
	return w
}

// expand fills a row's path in.
func (w *matrixWorld) expand(path string) string {
	return strings.NewReplacer("{inv}", w.inv, "{asg}", w.asg, "{cert}", w.cert).Replace(path)
}

// send makes one request as who ("out": no cookie) and returns the status
// and Location; the body is not read (the live stream does not end).
func (w *matrixWorld) send(method, path, who string, form url.Values) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, w.srv.URL+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s := w.secret[who]; s != "" {
		req.AddCookie(&http.Cookie{Name: "vm_session", Value: s})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		w.t.Fatalf("%s %s as %s: %v", method, path, who, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// snapshot is the store's records and event log.
func (w *matrixWorld) snapshot() string {
	w.t.Helper()
	s, err := storemock.Snapshot(context.Background(), w.st)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// withToken returns a copy of form with the CSRF token tok ("" for none).
func withToken(form url.Values, tok string) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if tok != "" {
		f.Set("csrf", tok)
	}
	return f
}

// signinTo is where a signed-out request is sent: the sign-in page, and
// back to the page asked for after it when a GET asked for one.
func signinTo(method, path string, ended bool) string {
	q := url.Values{}
	if ended {
		q.Set("ended", "1")
	}
	if method == http.MethodGet && path != "/" {
		q.Set("next", path)
	}
	if len(q) == 0 {
		return "/web/signin"
	}
	return "/web/signin?" + q.Encode()
}

func TestRouteMatrix(t *testing.T) {
	w := newMatrixWorld(t)

	// Every route registered has a row, and every row a route.
	rows := map[string]bool{}
	for _, r := range routeTable {
		if rows[r.route] {
			t.Errorf("route %q has two rows", r.route)
		}
		rows[r.route] = true
	}
	registered := web.Routes(web.New(w.eng, web.Options{}))
	sort.Strings(registered)
	for _, r := range registered {
		if !rows[r] {
			t.Errorf("route %q has no row in the role matrix (routeTable)", r)
		}
		delete(rows, r)
	}
	for r := range rows {
		t.Errorf("the role matrix has a row for %q, which is not a route", r)
	}

	method := func(r routeRow) string {
		if strings.HasPrefix(r.route, "POST ") {
			return http.MethodPost
		}
		return http.MethodGet
	}
	check := func(r routeRow, who string, ended bool, status int, loc string, want int) {
		t.Helper()
		m, path := method(r), w.expand(r.path)
		what := who
		if ended {
			what += " (session expired)"
		}
		if status != want {
			t.Errorf("%s %s as %s = %d to %q, want %d", m, r.path, what, status, loc, want)
			return
		}
		// Sent to sign in: and on to the page after it.
		if status == http.StatusSeeOther && !r.public && (who == "out" || ended) {
			if to := signinTo(m, path, ended); loc != to {
				t.Errorf("%s %s as %s = 303 to %q, want to %q", m, r.path, what, loc, to)
			}
		}
	}

	// GETs, each caller, in one world (a GET writes at most a log of the
	// matches shown).
	for _, r := range routeTable {
		if method(r) != http.MethodGet {
			continue
		}
		for i, who := range matrixCallers {
			status, loc := w.send(http.MethodGet, w.expand(r.path), who, nil)
			check(r, who, false, status, loc, r.want[i])
		}
	}

	// POSTs without a CSRF token, each caller: refused, nothing written,
	// nobody signed out.
	before := w.snapshot()
	for _, r := range routeTable {
		if method(r) != http.MethodPost {
			continue
		}
		for _, who := range matrixCallers {
			want := http.StatusForbidden
			if who == "out" && !r.public {
				want = http.StatusSeeOther
			}
			for _, tok := range []string{"", strings.Repeat("0", 64), w.token[otherCaller(who)]} {
				status, loc := w.send(http.MethodPost, w.expand(r.path), who, withToken(r.form, tok))
				check(r, who, false, status, loc, want)
			}
		}
	}
	if after := w.snapshot(); after != before {
		t.Errorf("POSTs without a CSRF token wrote to the store")
	}
	for _, who := range matrixCallers[1:] {
		if status, _ := w.send(http.MethodGet, "/web/taxonomy?kind=skill&q=x", who, nil); status != 200 {
			t.Errorf("after the refused POSTs %s is signed out (%d)", who, status)
		}
	}

	// POSTs with the caller's token: the refused ones write nothing; each
	// one taken is taken in a world of its own, so that the next starts
	// from the same state.
	for _, r := range routeTable {
		if method(r) != http.MethodPost || r.public {
			continue
		}
		for i, who := range matrixCallers[1:] {
			want := r.want[i+1]
			if want == http.StatusForbidden || want == http.StatusNotFound {
				before := w.snapshot()
				status, loc := w.send(http.MethodPost, w.expand(r.path), who, withToken(r.form, w.token[who]))
				check(r, who, false, status, loc, want)
				if w.snapshot() != before {
					t.Errorf("POST %s as %s (refused, %d) wrote to the store", r.path, who, status)
				}
				continue
			}
			fresh := newMatrixWorld(t)
			status, loc := fresh.send(http.MethodPost, fresh.expand(r.path), who, withToken(r.form, fresh.token[who]))
			check(r, who, false, status, loc, want)
		}
	}

	// Sessions expired: every request of a signed-in caller is sent to
	// sign in again (with the page to return to), and a POST with the
	// token that was valid writes nothing.
	w.clock.Add(w.sessionsEndAfterThis.Sub(w.clock.Now()))
	before = w.snapshot()
	for _, r := range routeTable {
		for _, who := range matrixCallers[1:] {
			want := http.StatusSeeOther
			switch {
			case r.route == "GET /web/inbox/stream":
				want = http.StatusUnauthorized
			case r.public:
				want = r.want[0]
				if method(r) == http.MethodPost {
					want = http.StatusForbidden
				}
			}
			var form url.Values
			if method(r) == http.MethodPost {
				form = withToken(r.form, w.token[who])
			}
			status, loc := w.send(method(r), w.expand(r.path), who, form)
			check(r, who, true, status, loc, want)
		}
	}
	if w.snapshot() != before {
		t.Errorf("requests with expired sessions wrote to the store")
	}
}

// otherCaller is a caller whose CSRF token is not who's.
func otherCaller(who string) string {
	if who == "admin" {
		return "swA"
	}
	return "admin"
}
