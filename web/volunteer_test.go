package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/browsertest"
	"volmatch/internal/fixture"
)

// item returns the menu's <li> of need and shift, or "".
func item(page, need, shift string) string {
	re := regexp.MustCompile(`(?s)<li class="card item" data-need="` + need + `" data-shift="` + shift + `">.*?</li>`)
	return re.FindString(page)
}

// TestMenuSignUp: 报名 on a menu-mode item reserves the slot; a second
// tap is refused politely; an item of a need the organisation invites for
// has no button; a sign-up without the CSRF token is refused.
func TestMenuSignUp(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/menu")
	li := item(page, "N2", "s1")
	if li == "" || !strings.Contains(li, `action="/web/menu/signup"`) || !strings.Contains(li, "报名") {
		t.Fatalf("the menu item N2/s1 has no 报名 button:\n%s", page)
	}
	if !strings.Contains(li, `class="why"`) {
		t.Errorf("the menu item does not say why it suits the volunteer:\n%s", li)
	}
	for _, want := range []string{"地点", "朝阳区", "公里"} { // where, by name, and how far
		if !strings.Contains(li, want) {
			t.Errorf("the menu item lacks %q:\n%s", want, li)
		}
	}
	// Without the CSRF token: refused, nothing reserved.
	if status, _, _ := c.post("/web/menu/signup", url.Values{"need": {"N2"}, "shift": {"s1"}}); status != http.StatusForbidden {
		t.Errorf("sign-up without csrf = %d, want 403", status)
	}
	if as := e.assignments("V1"); len(as) != 0 {
		t.Fatalf("a refused sign-up reserved %d assignments", len(as))
	}
	form := url.Values{"csrf": {csrf(t, page)}, "need": {"N2"}, "shift": {"s1"}}
	status, loc, _ := c.post("/web/menu/signup", form)
	if status != http.StatusSeeOther || loc != "/web/menu?msg=flash.reserved" {
		t.Fatalf("sign-up = %d to %q, want 303 to /web/menu?msg=flash.reserved", status, loc)
	}
	if _, _, page := c.get(loc); !strings.Contains(page, "报名成功") {
		t.Errorf("the menu does not say the sign-up succeeded:\n%s", page)
	}
	as := e.assignments("V1")
	if len(as) != 1 || as[0].Need != "N2" || as[0].Shift != "s1" || as[0].Status != volmatch.AssignReserved || as[0].Origin != volmatch.OriginSignUp {
		t.Fatalf("after the sign-up V1 holds %+v, want N2/s1 reserved of origin signup", as)
	}
	// A second tap: refused in Chinese, nothing more reserved.
	status, loc, _ = c.post("/web/menu/signup", form)
	if status != http.StatusSeeOther || loc != "/web/menu?msg=refused.held" {
		t.Fatalf("second sign-up = %d to %q, want 303 to /web/menu?msg=refused.held", status, loc)
	}
	if _, _, page := c.get(loc); !strings.Contains(page, "您已经报名了这个班次") {
		t.Errorf("the second sign-up's refusal is not shown:\n%s", page)
	}
	if n := len(e.assignments("V1")); n != 1 {
		t.Errorf("after a second tap V1 holds %d assignments, want 1", n)
	}
	// A need the organisation invites for (N1, concentrated) is no
	// sign-up: the engine refuses it, and the menu shows no button.
	if li := item(page, "N1", "s1"); li != "" && strings.Contains(li, "<form") {
		t.Errorf("the non-menu item N1 has a sign-up form:\n%s", li)
	}
	status, loc, _ = c.post("/web/menu/signup", url.Values{"csrf": {csrf(t, page)}, "need": {"N1"}, "shift": {"s1"}})
	if status != http.StatusSeeOther || loc != "/web/menu?msg=refused.notmenu" {
		t.Errorf("sign-up to N1 = %d to %q, want 303 to /web/menu?msg=refused.notmenu", status, loc)
	}
	// A begun shift is refused as begun.
	e.clock.Add(82 * time.Hour)
	c = e.signIn(volunteer) // the first session has ended
	_, _, page = c.get("/web/shifts")
	status, loc, _ = c.post("/web/menu/signup", url.Values{"csrf": {csrf(t, page)}, "need": {"N2"}, "shift": {"s2"}})
	if status != http.StatusSeeOther || loc != "/web/menu?msg=refused.begun" {
		t.Errorf("sign-up to a begun shift = %d to %q, want 303 to /web/menu?msg=refused.begun", status, loc)
	}
}

// TestMenuNonMenuItem: an item of a need that is not menu-mode says the
// organisation invites for it, with no form.
func TestMenuNonMenuItem(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/menu")
	li := item(page, "N1", "s1")
	if li == "" {
		t.Skipf("the menu does not list N1:\n%s", page)
	}
	if strings.Contains(li, "<form") || !strings.Contains(li, "由机构邀请") {
		t.Errorf("the non-menu item N1 offers a sign-up or does not say it is by invitation:\n%s", li)
	}
}

// invite has O1's social worker invite vol to N1's shift s1.
func (e *env) invite(vol string) string {
	e.t.Helper()
	sw := socialWorker
	invs, err := e.eng.Invite(context.Background(), &sw, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{vol}})
	if err != nil {
		e.t.Fatal(err)
	}
	return invs[0].ID
}

// assignments returns the volunteer's assignments.
func (e *env) assignments(vol string) []*volmatch.Assignment {
	e.t.Helper()
	as, _, err := e.eng.Assignments(context.Background(), admin, volmatch.AssignmentFilter{Volunteer: vol})
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

// TestInvitationsAcceptDecline: the invitations page shows the title,
// place, time and reason; accept creates the assignment; decline declines;
// another volunteer's invitation cannot be accepted; CSRF is required.
func TestInvitationsAcceptDecline(t *testing.T) {
	e := newEnv(t)
	if _, err := e.eng.RegisterVolunteer(context.Background(), admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	id := e.invite("V1")
	other := e.invite("V2")
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/invitations")
	if !strings.Contains(page, `data-invite="`+id+`"`) || !strings.Contains(page, "社区助老服务") || !strings.Contains(page, "机构特别邀请您") {
		t.Fatalf("the invitations page lacks V1's invitation, its title or reason:\n%s", page)
	}
	if strings.Contains(page, other) {
		t.Errorf("V1 sees V2's invitation:\n%s", page)
	}
	token := csrf(t, page)
	if status, _, _ := c.post("/web/invitations/"+id+"/accept", url.Values{}); status != http.StatusForbidden {
		t.Errorf("accept without csrf = %d, want 403", status)
	}
	if status, _, _ := c.post("/web/invitations/"+other+"/accept", url.Values{"csrf": {token}}); status != http.StatusForbidden {
		t.Errorf("accepting V2's invitation as V1 = %d, want 403", status)
	}
	if n := len(e.assignments("V2")); n != 0 {
		t.Errorf("V2 holds %d assignments after V1 tried their invitation", n)
	}
	status, loc, _ := c.post("/web/invitations/"+id+"/accept", url.Values{"csrf": {token}})
	if status != http.StatusSeeOther || loc != "/web/invitations?msg=flash.accepted" {
		t.Fatalf("accept = %d to %q, want 303 to /web/invitations?msg=flash.accepted", status, loc)
	}
	if as := e.assignments("V1"); len(as) != 1 || as[0].Need != "N1" || as[0].Invite != id {
		t.Fatalf("after accepting V1 holds %+v, want N1/s1 of invitation %s", as, id)
	}
	if _, _, page := c.get(loc); !strings.Contains(page, "已接受邀请") || strings.Contains(page, `data-invite="`+id+`"`) {
		t.Errorf("after accepting, the page does not say so or still lists the invitation:\n%s", page)
	}
	// Answering again is refused in words.
	if _, loc, _ := c.post("/web/invitations/"+id+"/decline", url.Values{"csrf": {token}}); loc != "/web/invitations?msg=refused.answered" {
		t.Errorf("declining an accepted invitation went to %q, want refused.answered", loc)
	}

	// V2 declines theirs.
	c2 := e.signIn(volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"})
	_, _, page = c2.get("/web/invitations")
	status, loc, _ = c2.post("/web/invitations/"+other+"/decline", url.Values{"csrf": {csrf(t, page)}})
	if status != http.StatusSeeOther || loc != "/web/invitations?msg=flash.declined" {
		t.Fatalf("decline = %d to %q, want 303 to /web/invitations?msg=flash.declined", status, loc)
	}
	inv, err := e.eng.Invitation(context.Background(), admin, other)
	if err != nil || inv.Status != volmatch.InviteDeclined {
		t.Errorf("after declining, the invitation is %+v (%v), want declined", inv, err)
	}
	if n := len(e.assignments("V2")); n != 0 {
		t.Errorf("V2 holds %d assignments after declining", n)
	}
}

// TestShiftsAndCalendar: my shifts lists the upcoming assignment and the
// star progress; the .ics download is a calendar with one VEVENT in UTC,
// its UID stable.
func TestShiftsAndCalendar(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/menu")
	if _, loc, _ := c.post("/web/menu/signup", url.Values{"csrf": {csrf(t, page)}, "need": {"N2"}, "shift": {"s1"}}); loc != "/web/menu?msg=flash.reserved" {
		t.Fatalf("sign-up went to %q", loc)
	}
	status, _, page := c.get("/web/shifts")
	if status != 200 || !strings.Contains(page, "社区垃圾分类宣传") || !strings.Contains(page, "已报名") || !strings.Contains(page, "100 小时") {
		t.Fatalf("my shifts = %d, lacks the assignment or the star progress:\n%s", status, page)
	}
	resp, err := c.c.Get(e.srv.URL + "/web/shifts.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("Content-Type = %q, want text/calendar", ct)
	}
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	sc.Split(crlfLines)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 || lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("the calendar is not a VCALENDAR (CRLF lines):\n%q", lines)
	}
	start := fixture.Base.Add(57 * time.Hour).UTC().Format("20060102T150405Z")
	var events int
	var uid string
	for _, l := range lines {
		switch {
		case l == "BEGIN:VEVENT":
			events++
		case strings.HasPrefix(l, "UID:"):
			uid = l
		case strings.HasPrefix(l, "DTSTART"):
			if l != "DTSTART:"+start {
				t.Errorf("%s, want DTSTART:%s (UTC)", l, start)
			}
		}
	}
	as := e.assignments("V1")
	if events != 1 || uid != "UID:"+as[0].ID+"@volmatch" {
		t.Errorf("the calendar has %d events, UID %q; want 1 with the assignment's UID", events, uid)
	}
}

// crlfLines splits at CRLF only: a bare LF is no line end in iCalendar.
func crlfLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.Index(string(data), "\r\n"); i >= 0 {
		return i + 2, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// TestBrowserVolunteer: in headless Chromium at 390 px a volunteer taps
// 报名 on the menu, sees the invitations page and their shifts; each page
// is shot at 390 px (zh and en) and 1280 px, without sideways scrolling.
func TestBrowserVolunteer(t *testing.T) {
	e := newEnv(t)
	e.invite("V1")
	ctx, errs, dir := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900)); err != nil {
		t.Fatal(err)
	}
	e.browserSignIn(ctx, volunteer, chromedp.WaitVisible(chromedp.CSS(`li[data-need="N2"] form button`)))
	shoot := func(name string, width int, lang string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900),
			chromedp.Navigate(e.srv.URL+"/web/"+name+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		shotPage(t, ctx, dir, fmt.Sprintf("%s-%s-%d", name, lang, width))
	}
	shoot("menu", 390, "zh")
	// Tap 报名 on the first N2 item: the menu says it is reserved.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`li[data-need="N2"] form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`))); err != nil {
		t.Fatalf("tap 报名: %v", err)
	}
	browsertest.Shot(t, ctx, filepath.Join(dir, "menu-signed-up-zh-390.png"))
	if n := len(e.assignments("V1")); n != 1 {
		t.Errorf("after tapping 报名 V1 holds %d assignments, want 1", n)
	}
	for _, lang := range []string{"en", "zh"} {
		for _, width := range []int{390, 1280} {
			for _, page := range []string{"menu", "invitations", "shifts"} {
				shoot(page, width, lang)
			}
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors:\n%s", strings.Join(msgs, "\n"))
	}
}
