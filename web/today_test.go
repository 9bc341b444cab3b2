package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// todayEnv is env with need N3 of O1 whose shift is today (Monday 2
// November 2026, 10:00 to 12:00 Beijing time) and V1 holding a slot of it
// (invited and accepted); V1 also holds a slot of N1's shift tomorrow. It
// returns the two assignments' IDs, today's first.
func todayEnv(t *testing.T) (*env, string, string) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	n := fixture.Need("N3", fixture.Title("社区老人午餐助餐"), fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(10*time.Hour), 2*time.Hour, 2)))
	if _, err := e.eng.PostNeed(ctx, admin, n); err != nil {
		t.Fatal(err)
	}
	sw, vol := socialWorker, volunteer
	var ids []string
	for _, need := range []string{"N3", "N1"} {
		invs, err := e.eng.Invite(ctx, &sw, need, engineInvite("s1", "V1"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.eng.Accept(ctx, &vol, invs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	return e, ids[0], ids[1]
}

// assignment returns assignment id as stored.
func (e *env) assignment(id string) *volmatch.Assignment {
	e.t.Helper()
	a, err := e.eng.Assignment(context.Background(), admin, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// TestTodayRunTheDay: today's shift lists its volunteer; check-in, then
// check-out with hours, then a rating complete the assignment through the
// page's forms; a check-in 10 hours early is refused beside the row and a
// day early above the list, in Chinese.
func TestTodayRunTheDay(t *testing.T) {
	e, today, tomorrow := todayEnv(t)
	c := e.signIn(socialWorker)
	if _, _, home := c.get("/web/needs"); !strings.Contains(home, `href="/web/today"`) {
		t.Errorf("the social worker's navigation does not link /web/today")
	}
	status, _, page := c.get("/web/today")
	for _, want := range []string{"社区老人午餐助餐", "10:00–12:00", "测试志愿者", "已报名", `action="/web/today/` + today + `/checkin"`, `action="/web/today/` + today + `/noshow"`} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET /web/today = %d, lacks %q:\n%s", status, want, page)
		}
	}
	if strings.Contains(page, tomorrow) || strings.Contains(page, "社区助老服务") {
		t.Errorf("the page lists tomorrow's shift")
	}
	tok := csrf(t, page)
	// At midnight the check-in (open from 08:00) is refused beside the row.
	status, _, body := c.post("/web/today/"+today+"/checkin", url.Values{"csrf": {tok}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-`+today+`"`) || !strings.Contains(body, "现在不能签到") || !strings.Contains(body, "08:00") {
		t.Errorf("check-in 10 h early = %d, want 422 with the window beside the row:\n%s", status, body)
	}
	// Tomorrow's assignment, a day early: refused in Chinese above the list.
	status, _, body = c.post("/web/today/"+tomorrow+"/checkin", url.Values{"csrf": {tok}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "现在不能签到") || strings.Contains(body, "check-in is open") {
		t.Errorf("check-in a day early = %d, want 422 in Chinese:\n%s", status, body)
	}
	if a := e.assignment(tomorrow); a.Status != volmatch.AssignReserved {
		t.Errorf("a refused check-in left the assignment %s", a.Status)
	}
	// 09:00: check in.
	e.clock.Add(9 * time.Hour)
	status, loc, _ := c.post("/web/today/"+today+"/checkin", url.Values{"csrf": {tok}})
	if status != http.StatusSeeOther || loc != "/web/today?done=checkin" {
		t.Fatalf("check-in = %d to %q, want 303", status, loc)
	}
	_, _, page = c.get(loc)
	if !strings.Contains(page, "已签到") || !strings.Contains(page, `name="hours" value="2"`) || !strings.Contains(page, "服务中") {
		t.Errorf("after check-in the page lacks the notice or the hours field (default 2):\n%s", page)
	}
	if a := e.assignment(today); a.Status != volmatch.AssignCheckedIn {
		t.Fatalf("after check-in the assignment is %s", a.Status)
	}
	// Hours longer than the shift are refused; 1.5 hours at 11:00 complete it.
	e.clock.Add(2 * time.Hour)
	if status, _, body := c.post("/web/today/"+today+"/checkout", url.Values{"csrf": {tok}, "hours": {"5"}}); status != 422 || !strings.Contains(body, "不能超过班次时长 2 小时") {
		t.Errorf("check-out with 5 h = %d, want 422 in Chinese:\n%s", status, body)
	}
	if status, loc, _ := c.post("/web/today/"+today+"/checkout", url.Values{"csrf": {tok}, "hours": {"1.5"}}); status != 303 || loc != "/web/today?done=checkout" {
		t.Fatalf("check-out = %d to %q, want 303", status, loc)
	}
	_, _, page = c.get("/web/today")
	if !strings.Contains(page, "已记录 1.5 小时") || !strings.Contains(page, `name="rating"`) {
		t.Errorf("after check-out the page lacks the hours or the rating:\n%s", page)
	}
	if status, loc, _ := c.post("/web/today/"+today+"/rate", url.Values{"csrf": {tok}, "rating": {"5"}}); status != 303 || loc != "/web/today?done=rate" {
		t.Fatalf("rate = %d to %q, want 303", status, loc)
	}
	a := e.assignment(today)
	if a.Status != volmatch.AssignCompleted || a.Hours != 1.5 || a.Rating != 5 {
		t.Errorf("after check-in, check-out and rating: %+v, want completed, 1.5 h, 5 stars", a)
	}
	_, _, page = c.get("/web/today")
	if !strings.Contains(page, "已评分：5 星") || strings.Contains(page, `name="rating"`) {
		t.Errorf("after rating the page still offers it:\n%s", page)
	}
	if status, _, body := c.post("/web/today/"+today+"/rate", url.Values{"csrf": {tok}, "rating": {"4"}}); status != http.StatusConflict || !strings.Contains(body, "已经评过分") {
		t.Errorf("rating again = %d, want 409 in Chinese", status)
	}
}

// TestTodayNoShow: 未到 marks the assignment a no-show.
func TestTodayNoShow(t *testing.T) {
	e, today, _ := todayEnv(t)
	c := e.signIn(socialWorker)
	_, _, page := c.get("/web/today")
	e.clock.Add(11 * time.Hour)
	if status, loc, body := c.post("/web/today/"+today+"/noshow", url.Values{"csrf": {csrf(t, page)}}); status != 303 || loc != "/web/today?done=noshow" {
		t.Fatalf("no-show = %d:\n%s", status, body)
	}
	if a := e.assignment(today); a.Status != volmatch.AssignNoShow {
		t.Errorf("after 未到 the assignment is %s", a.Status)
	}
}

// TestTodayOtherOrgAndCSRF: another organisation's social worker neither
// sees nor steps O1's assignment; a volunteer may not open the page; a
// POST without the session's CSRF token is refused; nothing is written.
func TestTodayOtherOrgAndCSRF(t *testing.T) {
	e, today, _ := todayEnv(t)
	e.clock.Add(9 * time.Hour)
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	status, _, page := other.get("/web/today")
	if status != 200 || strings.Contains(page, "社区老人午餐助餐") || strings.Contains(page, today) {
		t.Errorf("O2's today = %d, lists O1's shift:\n%s", status, page)
	}
	for _, step := range []string{"checkin", "noshow"} {
		if status, _, _ := other.post("/web/today/"+today+"/"+step, url.Values{"csrf": {csrf(t, page)}}); status != 404 && status != 403 {
			t.Errorf("O2's %s = %d, want 404", step, status)
		}
	}
	if status, _, _ := e.signIn(volunteer).get("/web/today"); status != 403 {
		t.Errorf("a volunteer GET /web/today = %d, want 403", status)
	}
	c := e.signIn(socialWorker)
	if status, _, _ := c.post("/web/today/"+today+"/checkin", url.Values{}); status != http.StatusForbidden {
		t.Errorf("check-in without csrf = %d, want 403", status)
	}
	if status, _, _ := c.post("/web/today/"+today+"/checkin", url.Values{"csrf": {strings.Repeat("0", 64)}}); status != http.StatusForbidden {
		t.Errorf("check-in with a wrong csrf = %d, want 403", status)
	}
	if a := e.assignment(today); a.Status != volmatch.AssignReserved {
		t.Errorf("refused posts left the assignment %s", a.Status)
	}
}

// TestBrowserToday checks a volunteer in on /web/today in headless
// Chromium and takes screenshots at 1280 and 390 px, in Chinese and
// English: the refused early check-in with its error beside the row, and
// the checked-in row with its hours field.
func TestBrowserToday(t *testing.T) {
	e, today, _ := todayEnv(t)
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, socialWorker, chromedp.WaitVisible(chromedp.CSS(`a[href="/web/today"]`)))
	shot := func(name string) {
		t.Helper()
		shotPage(t, ctx, dir, name)
	}
	checkin := fmt.Sprintf(`form[action="/web/today/%s/checkin"] button`, today)
	for _, lang := range []string{"zh", "en"} {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(e.srv.URL+"/web/today?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(checkin)),
				chromedp.Click(chromedp.CSS(checkin)),
				chromedp.WaitVisible(chromedp.ID("err-"+today)),
			); err != nil {
				t.Fatalf("early check-in (%s, %d): %v", lang, width, err)
			}
			shot(fmt.Sprintf("today-early-%s-%d", lang, width))
		}
	}
	e.clock.Add(9 * time.Hour)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/web/today?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(checkin)),
		chromedp.Click(chromedp.CSS(checkin)),
		chromedp.WaitVisible(chromedp.ID("hours-"+today)),
	); err != nil {
		t.Fatalf("check-in: %v", err)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(e.srv.URL+"/web/today?lang="+lang),
				chromedp.WaitVisible(chromedp.ID("hours-"+today))); err != nil {
				t.Fatal(err)
			}
			shot(fmt.Sprintf("today-%s-%d", lang, width))
		}
	}
	if a := e.assignment(today); a.Status != volmatch.AssignCheckedIn {
		t.Errorf("after the browser's check-in the assignment is %s", a.Status)
	}
	for _, m := range errs.All() {
		if !strings.Contains(m, "status of 422") { // the refused check-in, on purpose
			t.Errorf("browser error: %s", m)
		}
	}
}

func engineInvite(shift string, vols ...string) engine.InviteRequest {
	return engine.InviteRequest{Shift: shift, Volunteers: vols}
}
