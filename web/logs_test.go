package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/internal/testlog"
)

// failingCreate is the real store whose CreateVolunteer fails, once on is
// set, the way a careless adapter's error could: quoting the record it
// could not write.
type failingCreate struct {
	volmatch.Store
	on *atomic.Bool
}

func (s failingCreate) CreateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	if s.on.Load() {
		return fmt.Errorf("bolt: create volunteer %s (%s, %s): disk full", v.ID, v.Name, v.Phone)
	}
	return s.Store.CreateVolunteer(ctx, v)
}

var acceptAction = regexp.MustCompile(`action="/web/invitations/([^"/]+)/accept"`)

// TestNoPersonalDataInPageLogs drives the pages that carry people's data
// with the engine's and the pages' logs captured: three people sign up
// (first with their ID-card number where the phone goes), edit their
// profile (again with the ID-card number), are matched, invited, accept and
// are checked in on the today page that shows their names and phones;
// names, phones and ID-card numbers are typed into searches, the sign-in,
// the certificate check and the scan page; a sign-up fails inside the store
// with an error quoting the person. The log holds a line for every request
// and none of their names, phones, ID-card numbers or volunteer IDs (the
// API's version: api/logs_test.go).
func TestNoPersonalDataInPageLogs(t *testing.T) {
	var logs testlog.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnvWith(t, envOptions{Logger: logger})
	ctx := context.Background()
	today := fixture.Need("N3", fixture.Title("社区老人午餐助餐"), fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(10*time.Hour), 2*time.Hour, 4)))
	if _, err := e.eng.PostNeed(ctx, admin, today); err != nil {
		t.Fatal(err)
	}
	requests := 0
	get := func(c *client, path string) (int, string, string) {
		t.Helper()
		requests++
		return c.get(path)
	}
	post := func(c *client, path string, f url.Values) (int, string, string) {
		t.Helper()
		requests++
		return c.post(path, f)
	}

	// Sign-up and profile.
	people := map[string]*client{} // by phone
	for _, p := range fixture.People {
		c := e.client()
		code := e.issueRegistration()
		_, _, page := get(c, "/web/register?code="+url.QueryEscape(code))
		form := registerForm(code, csrf(t, page))
		form.Set("name", p.Name)
		form.Set("phone", p.IDNumber)
		form.Add("avail", "0-0") // Monday morning: today's shift
		form.Set("share_contact", "1")
		status, _, page := post(c, "/web/register", form)
		if status != http.StatusUnprocessableEntity || fieldError(page, "phone") == "" {
			t.Fatalf("sign-up with an ID-card number as the phone = %d, want 422 beside the phone", status)
		}
		form.Set("csrf", csrf(t, page))
		form.Set("phone", p.Phone)
		if status, _, _ := post(c, "/web/register", form); status != http.StatusSeeOther {
			t.Fatalf("sign-up of %s = %d, want 303", p.Name, status)
		}
		_, _, page = get(c, "/web/profile")
		f := profileValues(t, page)
		f.Set("phone", p.IDNumber)
		if status, _, _ := post(c, "/web/profile", f); status != http.StatusUnprocessableEntity {
			t.Errorf("profile with an ID-card number as the phone = %d, want 422", status)
		}
		f.Set("phone", p.Phone[:3]+" "+p.Phone[3:7]+" "+p.Phone[7:])
		f.Set("name", p.Name+" ")
		if status, _, _ := post(c, "/web/profile", f); status != http.StatusSeeOther {
			t.Errorf("profile save of %s = %d, want 303", p.Name, status)
		}
		if status, _, body := get(c, "/web/profile/data"); status != 200 || !strings.Contains(body, p.Phone) {
			t.Errorf("the data download of %s = %d without the phone", p.Name, status)
		}
		people[p.Phone] = c
	}
	var ids []string
	for _, id := range e.volunteerIDs() {
		if id != "V1" {
			ids = append(ids, id)
		}
	}
	if len(ids) != len(fixture.People) {
		t.Fatalf("volunteers signed up: %v, want %d", ids, len(fixture.People))
	}

	// Matches, invitations, acceptance.
	sw := e.signIn(socialWorker)
	status, _, page := get(sw, "/web/needs/N3?shift=s1")
	if status != 200 || !strings.Contains(page, "王*") {
		t.Fatalf("the matches page = %d, without the people signed up:\n%s", status, page)
	}
	if status, _, _ := post(sw, "/web/needs/N3/invite", url.Values{"csrf": {csrf(t, page)}, "shift": {"s1"}, "top": {"4"}}); status != http.StatusSeeOther {
		t.Fatalf("invite the top 4 (V1 too) = %d", status)
	}
	for _, c := range people {
		_, _, page := get(c, "/web/invitations")
		m := acceptAction.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no invitation to accept:\n%s", page)
		}
		if status, _, _ := post(c, "/web/invitations/"+m[1]+"/accept", url.Values{"csrf": {csrf(t, page)}}); status != http.StatusSeeOther {
			t.Fatalf("accept = %d", status)
		}
	}

	// The day: names and phones on the page, check-ins, the records.
	e.clock.Add(9 * time.Hour)
	status, _, page = get(sw, "/web/today")
	for _, p := range fixture.People {
		if status != 200 || !strings.Contains(page, p.Name) || !strings.Contains(page, p.Phone) {
			t.Fatalf("today's page = %d, lacks %s and the phone (they consented):\n%s", status, p.Name, page)
		}
	}
	for _, m := range regexp.MustCompile(`action="(/web/today/[^"/]+/checkin)"`).FindAllStringSubmatch(page, -1) {
		if status, _, _ := post(sw, m[1], url.Values{"csrf": {csrf(t, page)}}); status != http.StatusSeeOther {
			t.Errorf("check-in = %d", status)
		}
	}
	for _, id := range ids {
		get(sw, "/web/record?volunteer="+url.QueryEscape(id))
	}

	// Personal data typed where it does not belong.
	esc := url.QueryEscape
	for _, p := range fixture.People {
		for _, s := range []string{p.Name, p.Phone, p.IDNumber} {
			get(sw, "/web/taxonomy?kind=skill&q="+esc(s))
			get(sw, "/web/today/scan?code="+esc(s))
			get(sw, "/web/needs/"+esc(s))
			get(e.client(), "/web/verify?code="+esc(s))
			get(e.client(), "/web/verify/"+esc(s))
			get(e.client(), "/web/signin?code="+esc(s)+"&next="+esc("/web/needs?q="+s))
			c := e.client()
			_, _, page := get(c, "/web/signin")
			post(c, "/web/signin", url.Values{"csrf": {csrf(t, page)}, "code": {s}})
		}
	}

	// A store failure quoting the person, on a second server logging to
	// the same place.
	var failing atomic.Bool
	broken := newEnvWith(t, envOptions{Logger: logger, Store: func(st volmatch.Store) volmatch.Store { return failingCreate{st, &failing} }})
	failing.Store(true)
	for _, p := range fixture.People {
		c := broken.client()
		code := broken.issueRegistration()
		_, _, page := get(c, "/web/register?code="+url.QueryEscape(code))
		form := registerForm(code, csrf(t, page))
		form.Set("name", p.Name)
		form.Set("phone", p.Phone)
		if status, _, _ := post(c, "/web/register", form); status != http.StatusInternalServerError {
			t.Errorf("sign-up on a failing store = %d, want 500", status)
		}
	}

	out := logs.String()
	if n := strings.Count(out, `"msg":"page"`); n < requests {
		t.Fatalf("the log holds %d page lines, want at least %d (one per request)", n, requests)
	}
	if !strings.Contains(out, `"msg":"web: page failed"`) {
		t.Fatalf("the log holds no failed page; the failing store was not reached:\n%s", out)
	}
	for i, p := range fixture.People {
		for _, leak := range fixture.Leaks(out, p.Secrets(fmt.Sprint("person ", i))) {
			t.Error(leak)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, leak := range fixture.Leaks(out, map[string]string{"a volunteer ID": id}) {
			t.Error(leak)
		}
	}
	t.Logf("%d requests, %d bytes of log scanned", requests, len(out))
}
