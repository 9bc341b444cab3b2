package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/geo"
	"volmatch/index"
	"volmatch/internal/browsertest"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
	"volmatch/web"
)

// The acceptance test of issue 14: one morning of a street office, from
// the sign-in links to the planner's dashboard, in real headless Chromium
// over the whole server (the JSON API with the pages mounted, as `volmatch
// serve` runs it), each person in a browser context of their own (their
// own cookies). Screenshots of every step go to the artifact folder.

// acceptance is the server of the acceptance test and its clock.
type acceptance struct {
	*env
	browser context.Context // the browser; each person gets a context of it
}

// The volunteers near the need, by name; the last lives farthest and is
// not among the top 3, so it signs up from the menu.
var acceptanceVolunteers = []struct {
	id, name string
	km       float64 // north of the street's point
}{
	{"VA", "王芳", 0.5}, {"VB", "李强", 1.0}, {"VC", "张伟", 1.5}, {"VD", "刘洋", 6.5},
}

func newAcceptance(t *testing.T) *acceptance {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	// Monday 08:00 in Beijing: the shift posted for 10:00 opens its
	// check-in now.
	c := &clock{t: fixture.Base.Add(8 * time.Hour)}
	// Groups of one are shown on the dashboard: the morning's change is
	// two people's (a deployment keeps the default of 5).
	eng := engine.New(st, text, tax, engine.Options{Now: c.Now, MinGroup: 1})
	ctx := context.Background()
	if err := eng.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: "O1", Name: "朝阳区某街道社工站", District: fixture.District}); err != nil {
		t.Fatal(err)
	}
	street := streetPoint(t)
	for _, v := range acceptanceVolunteers {
		p := volmatch.Point{Lat: street.Lat + v.km/111.2, Lng: street.Lng}
		vol := fixture.Volunteer(v.id, fixture.At(p))
		vol.Name = v.name
		if _, err := eng.RegisterVolunteer(ctx, admin, vol); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The notifier, as `volmatch serve` runs it: invitations reach the
	// inbox and its live stream.
	notifier, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go eng.RunNotifier(notifier, 100*time.Millisecond)
	e := &env{t: t, eng: eng, st: st, clock: c}
	pages := web.New(eng, web.Options{})
	e.srv = httptest.NewServer(api.New(eng, api.Options{Web: pages}).Handler())
	t.Cleanup(e.srv.Close)
	errs := &browsertest.Errors{}
	return &acceptance{env: e, browser: browsertest.Start(t, errs, 1280, 900)}
}

// streetPoint is the point of fixture.Street, where the form places the
// need.
func streetPoint(t *testing.T) volmatch.Point {
	t.Helper()
	st, ok := geo.Beijing().Street(fixture.Street)
	if !ok {
		t.Fatalf("street %s is not in the gazetteer", fixture.Street)
	}
	return st.Point
}

// person is one person's browser context (its own cookies) at a width.
type person struct {
	a    *acceptance
	name string
	ctx  context.Context
	dir  string
	step int
}

// person opens a browser context for spec at width px, signed in through a
// one-time link as an admin would hand it over.
func (a *acceptance) person(name string, spec volmatch.Token, width int, dir string) *person {
	a.t.Helper()
	ctx, cancel := chromedp.NewContext(a.browser, chromedp.WithNewBrowserContext())
	a.t.Cleanup(cancel)
	p := &person{a: a, name: name, ctx: ctx, dir: dir}
	p.do(chromedp.EmulateViewport(int64(width), 900))
	a.browserSignIn(ctx, spec)
	return p
}

// clickAndLoad clicks the element and waits until the page it leads to
// has loaded: the old document carries a mark the new one lacks.
func clickAndLoad(ctx context.Context, sel string) error {
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.__leaving = true`),
		chromedp.Click(chromedp.CSS(sel)),
	); err != nil {
		return err
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__leaving && document.readyState === "complete"`))
		if err == nil && loaded {
			return nil
		}
	}
	return fmt.Errorf("clicking %s: the next page did not load in 10 s", sel)
}

// do runs the actions in the person's browser, failing the test on error.
func (p *person) do(actions ...chromedp.Action[chromedp.Void]) {
	p.a.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.a.t.Fatalf("%s: %v", p.name, err)
	}
}

// shot takes the next numbered screenshot of the person's page.
func (p *person) shot(what string) []byte {
	p.a.t.Helper()
	p.step++
	return browsertest.Shot(p.a.t, p.ctx, filepath.Join(p.dir, fmt.Sprintf("%s-%02d-%s.png", p.name, p.step, what)))
}

// cover writes cover.png, the README's picture (docs/screenshot.png is a
// copy): the social worker's explained matches beside the volunteer's
// phone with the invitation that has just arrived live, as the test shot
// them, cropped and scaled onto one 1200 by 640 px image.
func (a *acceptance) cover(dir string, desktop, phone []byte) {
	a.t.Helper()
	ctx, cancel := chromedp.NewContext(a.browser, chromedp.WithNewBrowserContext())
	defer cancel()
	page := fmt.Sprintf(`<body style="margin:0;padding:20px;display:flex;gap:24px;background:#e9ebee">`+
		`<div style="width:836px;height:600px;overflow:hidden;border-radius:8px;box-shadow:0 2px 8px #0004">`+
		`<img style="width:1050px;margin-left:-105px;display:block" src="data:image/png;base64,%s"></div>`+
		`<div style="width:300px;height:600px;overflow:hidden;border-radius:18px;box-shadow:0 2px 8px #0004">`+
		`<img style="width:300px;display:block" src="data:image/png;base64,%s"></div></body>`,
		base64.StdEncoding.EncodeToString(desktop), base64.StdEncoding.EncodeToString(phone))
	js, _ := json.Marshal(page)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(1200, 640), chromedp.Navigate("about:blank"),
		chromedp.Evaluate[chromedp.Void](`document.documentElement.innerHTML = `+string(js)),
		chromedp.Evaluate[chromedp.Void](`Promise.all([...document.images].map(i => i.decode()))`, chromedp.EvalAwaitPromise))
	var png []byte
	if err == nil {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		a.t.Fatalf("cover: %v", err)
	}
	file := filepath.Join(dir, "cover.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("cover %s (%d bytes)", file, len(png))
}

// kpi returns the text of a dashboard figure (data-kpi="key").
func (p *person) kpi(key string) string {
	p.a.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(`[data-kpi="`+key+`"] .value`)))
	if err != nil {
		p.a.t.Fatalf("%s: dashboard figure %s: %v", p.name, key, err)
	}
	return strings.TrimSpace(s)
}

// text returns the text of the page's main element.
func (p *person) text() string {
	p.a.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		p.a.t.Fatalf("%s: %v", p.name, err)
	}
	return s
}

// open navigates to path and waits for the page's heading.
func (p *person) open(path string) {
	p.a.t.Helper()
	p.do(chromedp.Navigate(p.a.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// submit clicks the button and waits for the next page's heading.
func (p *person) submit(sel string) {
	p.a.t.Helper()
	if err := clickAndLoad(p.ctx, sel); err != nil {
		p.a.t.Fatalf("%s: %v", p.name, err)
	}
}

func TestAcceptanceOneMorning(t *testing.T) {
	a := newAcceptance(t)
	dir := browsertest.Artifacts(t)

	// 1. An admin issues the sign-in links; the planner reads the
	// dashboard before the morning, the social worker signs in.
	dash := a.person("planner", planner, 1280, dir)
	dash.open("/web/dashboard")
	hoursBefore, activeBefore := dash.kpi("hours"), dash.kpi("active_volunteers")
	dash.shot("dashboard-before")
	worker := a.person("worker", socialWorker, 1280, dir)
	worker.shot("signed-in")

	// 2. She posts a need through the form, with a field error first: the
	// end before the start.
	worker.open("/web/needs/new")
	worker.do(
		chromedp.SetValue(chromedp.ID("title"), "重阳节敬老院陪伴活动"),
		chromedp.SetValue(chromedp.ID("description"), "陪伴老人聊天、读报，协助午餐"),
		chromedp.SetValue(chromedp.ID("domain"), "elderly_care"),
		chromedp.SetValue(chromedp.ID("mode"), string(volmatch.ModeMenu)),
		chromedp.SetValue(chromedp.ID("district"), fixture.District),
		chromedp.SetValue(chromedp.ID("street"), fixture.Street),
		chromedp.SetValue(chromedp.ID("radius_km"), "10"),
		chromedp.SetValue(chromedp.ID("shift0_date"), "2026-11-02"),
		chromedp.SetValue(chromedp.ID("shift0_start"), "10:00"),
		chromedp.SetValue(chromedp.ID("shift0_end"), "09:00"),
		chromedp.SetValue(chromedp.ID("shift0_slots"), "4"),
	)
	worker.submit(`form.wide-form button[type=submit]`)
	fieldErr, err := chromedp.Run(worker.ctx, chromedp.Text(chromedp.ID("shift0_end-error")))
	if err != nil {
		t.Fatalf("no error beside the end time: %v", err)
	}
	if !strings.Contains(fieldErr, "结束") {
		t.Errorf("the error beside the end time = %q, want a sentence about the end", fieldErr)
	}
	worker.shot("need-form-error")
	worker.do(chromedp.SetValue(chromedp.ID("shift0_end"), "12:00"))
	worker.submit(`form.wide-form button[type=submit]`)
	loc, err := chromedp.Run(worker.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/web/needs/n") {
		t.Fatalf("after posting the need the browser is at %s, want the need's page", loc)
	}
	needPath := strings.TrimPrefix(loc, a.srv.URL)

	// 3. The explained matches: masked names, distances, reasons.
	page := worker.text()
	for _, want := range []string{"王*", "公里"} {
		if !strings.Contains(page, want) {
			t.Errorf("the matches page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "王芳") {
		t.Errorf("the matches page shows a full name")
	}
	matches := worker.shot("matches")

	// 4. A volunteer (390 px) has her inbox open; the page is marked, so
	// that a reload would show.
	li := a.person("volunteer-b", volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "VB"}, 390, dir)
	li.open("/web/inbox")
	li.do(chromedp.WaitVisible(chromedp.ID("inbox-empty")), chromedp.Evaluate[chromedp.Void](`window.__stayed = true`))
	li.shot("inbox-empty")
	time.Sleep(300 * time.Millisecond) // the page's EventSource connects

	// 5. The worker invites the top 3.
	worker.submit(`form.top-form button[type=submit]`)
	page = worker.text()
	_, sent, _ := strings.Cut(page, "邀请情况")
	if !strings.Contains(page, "已发出 3 份邀请") || strings.Count(sent, "已发送，待答复") != 3 {
		t.Errorf("after inviting the top 3 the page does not show 3 invitations sent:\n%s", page)
	}
	worker.shot("invited-top-3")

	// 6. The invitation appears in her open inbox, live, without a
	// reload; she accepts it there in one tap.
	invited := time.Now()
	if err := chromedp.Do(li.ctx, chromedp.WaitVisible(chromedp.CSS(`#inbox-list li[data-kind="invite"] form[action$="/accept"] button`))); err != nil {
		t.Fatalf("the invitation did not appear in the open inbox: %v", err)
	}
	t.Logf("the invitation reached the open inbox %v after the worker's tap", time.Since(invited).Round(time.Millisecond))
	if stayed, err := chromedp.Run(li.ctx, chromedp.Evaluate[bool](`window.__stayed === true`)); err != nil || !stayed {
		t.Errorf("the inbox reloaded (%v), want the invitation added live", err)
	}
	if !strings.Contains(li.text(), "重阳节敬老院陪伴活动") {
		t.Fatalf("the invitation in the inbox lacks the need's title:\n%s", li.text())
	}
	a.cover(dir, matches, li.shot("inbox-invitation-live"))
	li.submit(`#inbox-list li[data-kind="invite"] form[action$="/accept"] button`)
	if page := li.text(); !strings.Contains(page, "已接受") {
		t.Errorf("after accepting in the inbox the page does not say so:\n%s", page)
	}
	li.shot("accepted")

	// 7. Another volunteer, farther away and not invited, signs up from
	// her menu in one tap.
	liu := a.person("volunteer-d", volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "VD"}, 390, dir)
	liu.open("/web/menu")
	if !strings.Contains(liu.text(), "重阳节敬老院陪伴活动") {
		t.Fatalf("the need is not on the far volunteer's menu:\n%s", liu.text())
	}
	if strings.Contains(liu.text(), "守时守约") {
		t.Errorf("the menu praises a newcomer's record she does not have:\n%s", liu.text())
	}
	liu.shot("menu")
	liu.submit(`form[action="/web/menu/signup"] button`)
	liu.shot("signed-up")

	// 8. At 10:05 the worker checks both in; at 12:10 out, with the
	// hours, and rates them.
	a.clock.Add(2*time.Hour + 5*time.Minute)
	worker.open("/web/today")
	worker.shot("today")
	for range 2 {
		worker.submit(`form[action$="/checkin"] button`)
	}
	a.clock.Add(2 * time.Hour)
	for range 2 {
		worker.open("/web/today")
		worker.submit(`form[action$="/checkout"] button`)
	}
	for range 2 {
		worker.open("/web/today")
		worker.submit(`form[action$="/rate"] button`)
	}
	page = worker.text()
	if strings.Count(page, "已记录 2 小时") != 2 || strings.Count(page, "已评分：5 星") != 2 {
		t.Errorf("today's page does not show 2 hours and 5 stars for both:\n%s", page)
	}
	// Both consented to share their contact: the one who accepted and the
	// one who signed up from the menu.
	for _, want := range []string{"李强", "刘洋"} {
		if !strings.Contains(page, want) {
			t.Errorf("today's page lacks %s, who took the service and consents to share:\n%s", want, page)
		}
	}
	worker.shot("today-done")

	// 9. The volunteer sees her hours and her progress to the first star.
	li.open("/web/shifts")
	page = li.text()
	for _, want := range []string{"累计服务时长 2.0 小时", "100 小时"} {
		if !strings.Contains(page, want) {
			t.Errorf("my shifts lacks %q:\n%s", want, page)
		}
	}
	li.shot("shifts")

	// 10. The planner's dashboard shows the morning: hours served and
	// volunteers active moved.
	dash.open("/web/dashboard")
	hoursAfter, activeAfter := dash.kpi("hours"), dash.kpi("active_volunteers")
	if hoursAfter == hoursBefore || hoursAfter != "4.0" || activeAfter == activeBefore {
		t.Errorf("the dashboard's hours %s -> %s and active volunteers %s -> %s, want the 4.0 hours of two volunteers shown",
			hoursBefore, hoursAfter, activeBefore, activeAfter)
	}
	t.Logf("dashboard: hours %s -> %s, active volunteers %s -> %s", hoursBefore, hoursAfter, activeBefore, activeAfter)
	dash.shot("dashboard-after")
	_ = needPath
}
