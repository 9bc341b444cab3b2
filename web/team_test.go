package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// seedTeams registers V2 and V3 (V3 never free, so that a team with them
// is ineligible for N1) and O1's teams T1 (V1 leading, V2) and T2 (V2,
// V3); with invite, T1 is invited to N1.
func (e *env) seedTeams(invite bool) {
	e.t.Helper()
	ctx := context.Background()
	v3 := fixture.Volunteer("V3")
	v3.Availability = volmatch.Week{}
	for _, v := range []*volmatch.Volunteer{fixture.Volunteer("V2"), v3} {
		v.Name = map[string]string{"V2": "李秀英", "V3": "张伟东"}[v.ID]
		if _, err := e.eng.RegisterVolunteer(ctx, admin, v); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, tm := range []*volmatch.Team{
		{ID: "T1", Name: "建外助老服务队", Org: "O1", Leader: "V1", Members: []string{"V1", "V2"}, Street: fixture.Street,
			Description: "每周陪伴独居老人"},
		{ID: "T2", Name: "建外应急救援队", Org: "O1", Leader: "V2", Members: []string{"V2", "V3"}, Street: fixture.Street,
			Emergency: true, Tier: volmatch.TierStreet},
	} {
		if err := e.eng.SaveTeam(ctx, admin, "", tm); err != nil {
			e.t.Fatal(err)
		}
	}
	if invite {
		if _, err := e.eng.InviteTeam(ctx, admin, "N1", engine.TeamInviteRequest{Team: "T1"}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// teamQualityPages are the team pages each role reaches, checked by
// TestPagesAccessibleAndLight (WCAG audit and page budget) over seedTeams.
var teamQualityPages = []qualityPage{
	{socialWorker, []string{"/web/needs/N1/teams", "/web/teams", "/web/teams/T1"}},
	{volunteer, []string{"/web/invitations", "/web/teams", "/web/teams/T1"}},
}

// TestTeamPages: who opens the team pages; the social worker sees the
// ranked and the excluded teams (a member's reason masked) and invites a
// team; the leader accepts for everyone, a member may only decline.
func TestTeamPages(t *testing.T) {
	e := newEnv(t)
	e.seedTeams(false)
	clients := map[string]*client{
		"out": e.client(), "admin": e.signIn(adminSpec), "social_worker": e.signIn(socialWorker),
		"volunteer": e.signIn(volunteer), "planner": e.signIn(planner),
		"other_sw": e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"}),
	}
	for _, c := range []struct {
		path string
		want map[string]int
	}{
		{"/web/teams", map[string]int{"out": 303, "admin": 200, "social_worker": 200, "volunteer": 200, "planner": 403, "other_sw": 200}},
		{"/web/teams/T1", map[string]int{"out": 303, "admin": 200, "social_worker": 200, "volunteer": 200, "planner": 403}},
		{"/web/needs/N1/teams", map[string]int{"out": 303, "admin": 200, "social_worker": 200, "volunteer": 403, "planner": 403, "other_sw": 404}},
	} {
		for who, want := range c.want {
			if status, _, _ := clients[who].get(c.path); status != want {
				t.Errorf("GET %s as %s = %d, want %d", c.path, who, status, want)
			}
		}
	}
	if _, _, page := clients["other_sw"].get("/web/teams"); strings.Contains(page, "建外助老服务队") {
		t.Errorf("another organisation's team list shows O1's team")
	}
	if _, _, page := clients["volunteer"].get("/web/teams/T1"); !strings.Contains(page, "李*") || strings.Contains(page, "李秀英") || strings.Contains(page, "V2") {
		t.Errorf("a member's team page shows the other member unmasked or by number:\n%s", page)
	}
	sw := clients["social_worker"]
	_, _, page := sw.get("/web/needs/N1/teams")
	for _, want := range []string{"建外助老服务队", "建外应急救援队", "第 2 位成员 张**：该时段没空", "街道级应急队伍"} {
		if !strings.Contains(page, want) {
			t.Errorf("the team matches page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "张伟东") || strings.Contains(page, "V3") {
		t.Errorf("the team matches page names the failing member unmasked")
	}
	if _, _, need := sw.get("/web/needs/N1"); !strings.Contains(need, "/web/needs/N1/teams") {
		t.Errorf("the need page does not link to its team matches")
	}
	status, loc, _ := sw.post("/web/needs/N1/teams/invite", url.Values{"csrf": {csrf(t, page)}, "team": {"T2"}, "shift": {"s1"}})
	if status != 422 {
		t.Errorf("inviting the ineligible team = %d, want 422", status)
	}
	status, loc, _ = sw.post("/web/needs/N1/teams/invite", url.Values{"csrf": {csrf(t, page)}, "team": {"T1"}, "shift": {"s1"}})
	if status != 303 || !strings.Contains(loc, "flash.team.invited") {
		t.Fatalf("inviting T1 = %d to %q, want 303 with the notice", status, loc)
	}
	v2 := e.signIn(volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"})
	if _, _, page := v2.get("/web/invitations"); !strings.Contains(page, "由队长代表全队接受") || strings.Contains(page, "代表全队接受</button>") {
		t.Errorf("a member's invitations page lets them accept for the team:\n%s", page)
	}
	v1 := clients["volunteer"]
	_, _, page = v1.get("/web/invitations")
	if !strings.Contains(page, "团队邀请：建外助老服务队") || !strings.Contains(page, "代表全队接受") {
		t.Fatalf("the leader's invitations page lacks the team accept:\n%s", page)
	}
	id := strings.Split(strings.Split(page, `action="/web/invitations/`)[1], "/")[0]
	status, loc, _ = v1.post("/web/invitations/"+id+"/accept-team", url.Values{"csrf": {csrf(t, page)}})
	if status != 303 || !strings.Contains(loc, "flash.team.accepted") {
		t.Fatalf("the leader's accept = %d to %q, want 303 with the notice", status, loc)
	}
	n, err := e.eng.Need(context.Background(), admin, "N1")
	if err != nil || n.Shifts[0].Filled != 2 {
		t.Errorf("N1 filled %d (%v), want the whole team of 2", n.Shifts[0].Filled, err)
	}
}

// TestTeamBrowser: the social worker's team matches and invite, and the
// leader's accept on a phone, in real Chromium, zh and en, 390 and 1280
// px wide, with screenshots.
func TestTeamBrowser(t *testing.T) {
	e := newEnv(t)
	e.seedTeams(false)
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, socialWorker, chromedp.WaitVisible(chromedp.CSS("main h1")))
	for _, lang := range []string{"zh", "en"} {
		for _, w := range []int64{390, 1280} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900),
				chromedp.Navigate(e.srv.URL+"/web/needs/N1/teams?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`[data-team="T1"]`))); err != nil {
				t.Fatal(err)
			}
			shotPage(t, ctx, dir, "team-matches-"+lang+"-"+itoa(w))
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(e.srv.URL+"/web/needs/N1/teams?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`[data-team="T1"] button`))); err != nil {
		t.Fatal(err)
	}
	if err := clickAndLoad(ctx, `[data-team="T1"] button`); err != nil {
		t.Fatal(err)
	}
	shotPage(t, ctx, dir, "team-invited-zh-390")
	e.browserSignIn(ctx, volunteer, chromedp.WaitVisible(chromedp.CSS("main h1")))
	for _, lang := range []string{"en", "zh"} {
		for _, w := range []int64{1280, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+"/web/invitations?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`.team-invite`))); err != nil {
				t.Fatal(err)
			}
			shotPage(t, ctx, dir, "team-invitation-"+lang+"-"+itoa(w))
		}
	}
	if err := clickAndLoad(ctx, `form[action$="/accept-team"] button`); err != nil {
		t.Fatal(err)
	}
	if flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash"))); err != nil || !strings.Contains(flash, "代表全队接受") {
		t.Errorf("after the leader's accept, the notice = %q (%v)", flash, err)
	}
	shotPage(t, ctx, dir, "team-accepted-zh-390")
	for _, lang := range []string{"zh", "en"} {
		for _, w := range []int64{390, 1280} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+"/web/teams/T1?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`.roster`))); err != nil {
				t.Fatal(err)
			}
			shotPage(t, ctx, dir, "team-page-"+lang+"-"+itoa(w))
		}
	}
	if es := errs.All(); len(es) > 0 {
		t.Errorf("the pages raised errors: %v", es)
	}
}

func itoa(w int64) string { return strconv.FormatInt(w, 10) }

// TestTeamDispatchPage: the dispatch page names the standing teams the
// next wave asks, and sending it invites every member.
func TestTeamDispatchPage(t *testing.T) {
	e := newEnv(t)
	e.seedTeams(false)
	ctx := context.Background()
	for _, id := range []string{"V1", "V2", "V3"} {
		v, err := e.eng.Volunteer(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		v.Consent.Emergency, v.Availability = true, fixture.FullWeek()
		if _, err := e.eng.UpdateVolunteer(ctx, admin, id, v); err != nil {
			t.Fatal(err)
		}
	}
	n := fixture.Need("N9", fixture.Title("防汛转移"))
	n.Urgency, n.Shifts[0].Slots = volmatch.UrgencyEmergency, 4
	if _, err := e.eng.PostNeed(ctx, admin, n); err != nil {
		t.Fatal(err)
	}
	sw := e.signIn(socialWorker)
	_, _, page := sw.get("/web/needs/N9/dispatch")
	if !strings.Contains(page, "街道级应急队伍") || !strings.Contains(page, "建外应急救援队 · 2 人") {
		t.Fatalf("the dispatch page does not name the street team:\n%s", page)
	}
	status, _, _ := sw.post("/web/needs/N9/dispatch", url.Values{"csrf": {csrf(t, page)}, "shift": {"s1"}, "size": {"20"}})
	if status != 303 {
		t.Fatalf("send the team wave = %d, want 303", status)
	}
	invs, _, err := e.eng.Invitations(ctx, admin, volmatch.InvitationFilter{Need: "N9"})
	if err != nil || len(invs) != 2 || invs[0].Team != "T2" {
		t.Errorf("after the team wave, invitations %+v (%v), want T2's two members", invs, err)
	}
}
