package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/internal/fixture"
)

// workerEnv is env with five more volunteers near the need's site, so
// that a need has candidates to rank and invite.
func workerEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	for i, name := range []string{"王小明", "李华", "张伟", "刘芳", "陈静"} {
		v := fixture.Volunteer(fmt.Sprintf("W%d", i))
		v.Name = name
		if _, err := e.eng.RegisterVolunteer(ctx, admin, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.eng.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// needForm is a filled-in need form: a shift on 4 November 2026, 09:00 to
// 11:00 Beijing time, two days after the test clock.
func needForm(page string, t *testing.T) url.Values {
	return url.Values{
		"csrf": {csrf(t, page)}, "title": {"独居老人陪伴"}, "description": {"陪老人聊天、读报"},
		"domain": {"elderly_care"}, "target_group": {"elderly"}, "mode": {"concentrated"},
		"district": {fixture.District}, "street": {fixture.Street}, "radius_km": {"5"},
		"shift0_date": {"2026-11-04"}, "shift0_start": {"09:00"}, "shift0_end": {"11:00"}, "shift0_slots": {"3"},
		"skills": {"first_aid"},
	}
}

var needPath = regexp.MustCompile(`^/web/needs/(n-[0-9a-f]+)$`)

// postNeed posts the form and returns the new need's ID.
func postNeed(t *testing.T, c *client) string {
	t.Helper()
	_, _, page := c.get("/web/needs/new")
	status, loc, body := c.post("/web/needs/new", needForm(page, t))
	m := needPath.FindStringSubmatch(loc)
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("POST the need form = %d to %q, want 303 to its matches:\n%s", status, loc, body)
	}
	return m[1]
}

// TestWorkerPostNeed: the form posts a need of the social worker's
// organisation at the street's centre, in Beijing time.
func TestWorkerPostNeed(t *testing.T) {
	e := workerEnv(t)
	c := e.signIn(socialWorker)
	status, _, page := c.get("/web/needs/new")
	for _, want := range []string{`type="date"`, `type="time"`, "朝阳区", "建外街道", "急救", `type="checkbox" name="skills" value="first_aid"`, `name="certificates"`, `name="trainings"`, `hx-get="/web/taxonomy"`} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET /web/needs/new = %d, lacks %q:\n%s", status, want, page)
		}
	}
	id := postNeed(t, c)
	n, err := e.eng.Need(context.Background(), admin, id)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 4, 9, 0, 0, 0, volmatch.Beijing)
	if n.Org != "O1" || n.Title != "独居老人陪伴" || len(n.Shifts) != 1 || !n.Shifts[0].Start.Equal(start) ||
		!n.Shifts[0].End.Equal(start.Add(2*time.Hour)) || n.Shifts[0].Slots != 3 || len(n.Requires.Skills) != 1 || n.Point.Lat == 0 {
		t.Errorf("posted need = %+v", n)
	}
	if _, _, page := c.get("/web/needs"); !strings.Contains(page, `href="/web/needs/`+id+`"`) {
		t.Errorf("the needs list does not link the new need's matches")
	}
}

// TestWorkerBadTime: an end before the start is refused beside the end
// field in Chinese, the values typed are kept, and nothing is written.
func TestWorkerBadTime(t *testing.T) {
	e := workerEnv(t)
	c := e.signIn(socialWorker)
	_, _, page := c.get("/web/needs/new")
	form := needForm(page, t)
	form.Set("shift0_end", "08:00")
	status, _, body := c.post("/web/needs/new", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="shift0_end-error"`) ||
		!strings.Contains(body, "结束时间须晚于开始时间") || !strings.Contains(body, `value="独居老人陪伴"`) {
		t.Errorf("end before start = %d, want 422 with the error beside the end:\n%s", status, body)
	}
	for _, leak := range []string{"2006-01-02", "shifts[0]", "must be after"} {
		if strings.Contains(body, leak) {
			t.Errorf("the form shows %q", leak)
		}
	}
	ns, _, err := e.eng.Needs(context.Background(), admin, volmatch.NeedFilter{Org: "O1"})
	if err != nil || len(ns) != 2 {
		t.Errorf("after a refused form O1 has %d needs (%v), want the 2 of the fixture", len(ns), err)
	}
	// A missing date is the form's own error, beside the date.
	form.Set("shift0_end", "11:00")
	form.Set("shift0_date", "")
	if status, _, body := c.post("/web/needs/new", form); status != 422 || !strings.Contains(body, `id="shift0_date-error"`) {
		t.Errorf("no date = %d, want 422 beside the date:\n%s", status, body)
	}
}

// TestWorkerMatchesAndInvite: the matches page explains each candidate,
// inviting the top 3 sends 3 invitations the page then lists.
func TestWorkerMatchesAndInvite(t *testing.T) {
	e := workerEnv(t)
	c := e.signIn(socialWorker)
	id := postNeed(t, c)
	status, _, page := c.get("/web/needs/" + id)
	for _, want := range []string{"王**", "李*", "约 ", "公里", "技能基本符合要求", "周三上午有空", "0/3 人", `name="top"`, `name="one"`, `name="v"`, "还没有发出邀请"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET matches = %d, lacks %q:\n%s", status, want, page)
		}
	}
	if strings.Contains(page, "王小明") {
		t.Errorf("the matches page shows a full name")
	}
	status, loc, _ := c.post("/web/needs/"+id+"/invite", url.Values{"csrf": {csrf(t, page)}, "shift": {"s1"}, "top": {"3"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "invited=3") {
		t.Fatalf("invite top 3 = %d to %q", status, loc)
	}
	invs, _, err := e.eng.Invitations(context.Background(), admin, volmatch.InvitationFilter{Need: id})
	if err != nil || len(invs) != 3 {
		t.Fatalf("after inviting the top 3: %d invitations (%v), want 3", len(invs), err)
	}
	_, _, page = c.get(loc)
	if !strings.Contains(page, "已发出 3 份邀请") || strings.Count(page, "已发送，待答复") < 3 {
		t.Errorf("the page does not list the 3 invitations:\n%s", page)
	}
	// One more by its row's button; inviting someone again is refused.
	var rest string
	for _, v := range []string{"W0", "W1", "W2", "W3", "W4", "V1"} {
		if strings.Contains(page, `name="one" value="`+v+`"`) {
			rest = v
			break
		}
	}
	if rest == "" {
		t.Fatalf("no uninvited candidate left:\n%s", page)
	}
	if status, _, _ := c.post("/web/needs/"+id+"/invite", url.Values{"csrf": {csrf(t, page)}, "shift": {"s1"}, "one": {rest}}); status != 303 {
		t.Errorf("invite one = %d, want 303", status)
	}
	if status, _, body := c.post("/web/needs/"+id+"/invite", url.Values{"csrf": {csrf(t, page)}, "shift": {"s1"}, "v": {rest}}); status != http.StatusConflict || !strings.Contains(body, "邀请未发出") {
		t.Errorf("inviting again = %d, want 409 with the reason:\n%s", status, body)
	}
}

// TestWorkerOtherOrg: another organisation's social worker neither sees
// nor invites for the need; a volunteer may not open the form.
func TestWorkerOtherOrg(t *testing.T) {
	e := workerEnv(t)
	c := e.signIn(socialWorker)
	id := postNeed(t, c)
	_, _, page := c.get("/web/needs/" + id)
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if status, _, body := other.get("/web/needs/" + id); status != 404 && status != 403 || strings.Contains(body, "独居老人陪伴") {
		t.Errorf("O2's social worker GET the need = %d, want 404", status)
	}
	_, _, otherPage := other.get("/web/needs/new")
	if status, _, _ := other.post("/web/needs/"+id+"/invite", url.Values{"csrf": {csrf(t, otherPage)}, "shift": {"s1"}, "top": {"3"}}); status != 404 && status != 403 {
		t.Errorf("O2's social worker invites = %d, want 404", status)
	}
	if invs, _, _ := e.eng.Invitations(context.Background(), admin, volmatch.InvitationFilter{Need: id}); len(invs) != 0 {
		t.Errorf("O2's invite wrote %d invitations", len(invs))
	}
	_ = page
	if status, _, _ := e.signIn(volunteer).get("/web/needs/new"); status != 403 {
		t.Errorf("a volunteer GET /web/needs/new = %d, want 403", status)
	}
	if status, _, _ := e.signIn(volunteer).get("/web/needs/" + id); status != 403 {
		t.Errorf("a volunteer GET the matches = %d, want 403", status)
	}
}

// TestWorkerCSRF: the need form and the invitations refuse a POST without
// the session's token, and write nothing.
func TestWorkerCSRF(t *testing.T) {
	e := workerEnv(t)
	c := e.signIn(socialWorker)
	id := postNeed(t, c)
	_, _, page := c.get("/web/needs/new")
	form := needForm(page, t)
	form.Del("csrf")
	if status, _, _ := c.post("/web/needs/new", form); status != http.StatusForbidden {
		t.Errorf("need form without csrf = %d, want 403", status)
	}
	if status, _, _ := c.post("/web/needs/"+id+"/invite", url.Values{"shift": {"s1"}, "top": {"3"}, "csrf": {strings.Repeat("0", 64)}}); status != http.StatusForbidden {
		t.Errorf("invite with a wrong csrf = %d, want 403", status)
	}
	ns, _, _ := e.eng.Needs(context.Background(), admin, volmatch.NeedFilter{Org: "O1"})
	invs, _, _ := e.eng.Invitations(context.Background(), admin, volmatch.InvitationFilter{Need: id})
	if len(ns) != 3 || len(invs) != 0 {
		t.Errorf("refused posts wrote: %d needs (want 3), %d invitations (want 0)", len(ns), len(invs))
	}
}

// TestBrowserWorker posts a need in headless Chromium with an error first
// (end before start), corrects it, and takes screenshots of the form with
// the error and of the matches at 1280 and 390 px, in Chinese and English.
func TestBrowserWorker(t *testing.T) {
	e := workerEnv(t)
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, socialWorker, chromedp.WaitVisible(chromedp.CSS(`a[href="/web/needs/new"]`)))
	shot := func(name string) {
		t.Helper()
		shotPage(t, ctx, dir, name)
	}
	var matches string
	for _, lang := range []string{"zh", "en"} {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(e.srv.URL+"/web/needs/new?lang="+lang),
				chromedp.WaitVisible(chromedp.ID("title")),
				chromedp.SendKeys(chromedp.ID("title"), "独居老人陪伴"),
				chromedp.SetValue(chromedp.ID("domain"), "elderly_care"),
				chromedp.SetValue(chromedp.ID("district"), fixture.District),
				chromedp.SetValue(chromedp.ID("street"), fixture.Street),
				chromedp.SetValue(chromedp.ID("shift0_date"), "2026-11-04"),
				chromedp.SetValue(chromedp.ID("shift0_start"), "09:00"),
				chromedp.SetValue(chromedp.ID("shift0_end"), "08:00"),
				chromedp.SetValue(chromedp.ID("shift0_slots"), "3"),
				chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("shift0_end-error")),
			); err != nil {
				t.Fatalf("the form with an error (%s, %d): %v", lang, width, err)
			}
			shot(fmt.Sprintf("need-form-error-%s-%d", lang, width))
			if matches == "" {
				if err := chromedp.Do(ctx,
					chromedp.SetValue(chromedp.ID("shift0_end"), "11:00"),
					chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
					chromedp.WaitVisible(chromedp.CSS(`ol.candidates`)),
				); err != nil {
					t.Fatalf("the corrected form: %v", err)
				}
				loc, err := chromedp.Run(ctx, chromedp.Location())
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(loc)
				matches = u.Path
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+matches+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`ol.candidates`))); err != nil {
				t.Fatal(err)
			}
			shot(fmt.Sprintf("matches-%s-%d", lang, width))
		}
	}
	// Invite the top 3 in the browser.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+matches+"?lang=zh"),
		chromedp.WaitVisible(chromedp.ID("top")),
		chromedp.Click(chromedp.CSS(`.top-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	); err != nil {
		t.Fatalf("invite the top 3: %v", err)
	}
	shot("matches-invited-zh-1280")
	for _, m := range errs.All() {
		if !strings.Contains(m, "status of 422") { // the refused form, on purpose
			t.Errorf("browser error: %s", m)
		}
	}
}
