package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/internal/testlog"
	"volmatch/web"
)

// TestEditNeed: the edit form is the need's, filled in; a change is
// written with the shifts' IDs and skill levels kept; a held shift moved is
// refused beside the form with nothing written; close and cancel end it;
// another organisation's worker finds nothing.
func TestEditNeed(t *testing.T) {
	e, _, _ := todayEnv(t) // V1 holds a slot of N1's s1
	ctx := context.Background()
	n1, _ := e.eng.Need(ctx, admin, "N1")
	n1.Requires.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}}
	if _, err := e.eng.UpdateNeed(ctx, admin, "N1", n1); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(socialWorker)
	status, _, page := c.get("/web/needs/N1/edit")
	for _, want := range []string{`action="/web/needs/N1/edit"`, `value="社区助老服务"`, `name="shift0_id" value="s1"`, `value="2026-11-03"`,
		`value="09:00"`, `value="12:00"`, `name="rows" value="2"`, `value="first_aid" checked`, `action="/web/needs/N1/close"`, "修改需求"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET /web/needs/N1/edit = %d, lacks %q:\n%s", status, want, page)
		}
	}
	form := url.Values{"csrf": {csrf(t, page)}, "rows": {"2"}, "title": {"社区助老服务（周二）"}, "description": {"陪伴独居老人"},
		"domain": {"elderly_care"}, "target_group": {"elderly"}, "mode": {"concentrated"},
		"district": {fixture.District}, "street": {fixture.Street}, "radius_km": {"5"},
		"lat": {"39.9087"}, "lng": {"116.4605"},
		"shift0_id": {"s1"}, "shift0_date": {"2026-11-03"}, "shift0_start": {"09:00"}, "shift0_end": {"12:00"}, "shift0_slots": {"3"},
		"shift1_date": {"2026-11-05"}, "shift1_start": {"14:00"}, "shift1_end": {"16:00"}, "shift1_slots": {"2"},
		"skills": {"first_aid", "first_aid"}, "certificates": {"first_aid_cert"}, "trainings": {"elderly_care_training"}}
	n0, _ := e.eng.Need(ctx, admin, "N1")
	form.Set("lat", strconvF(n0.Point.Lat))
	form.Set("lng", strconvF(n0.Point.Lng))

	t.Run("a held shift moved", func(t *testing.T) {
		f := cloneForm(form)
		f.Set("shift0_start", "10:00")
		status, _, body := c.post("/web/needs/N1/edit", f)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "已有志愿者的班次不能删除") {
			t.Errorf("moving a held shift = %d, want 422 with the reason:\n%s", status, body)
		}
		if n, _ := e.eng.Need(ctx, admin, "N1"); n.Title != "社区助老服务" || len(n.Shifts) != 1 {
			t.Errorf("the refused edit wrote %q with %d shifts", n.Title, len(n.Shifts))
		}
	})
	t.Run("a bad date beside its field", func(t *testing.T) {
		f := cloneForm(form)
		f.Set("shift1_date", "明天")
		status, _, body := c.post("/web/needs/N1/edit", f)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="shift1_date-error"`) {
			t.Errorf("a bad date = %d, want 422 with the error beside shift1_date:\n%s", status, body)
		}
	})
	t.Run("an unknown skill beside its field", func(t *testing.T) {
		f := cloneForm(form)
		f.Set("skills", "no_such_skill")
		status, _, body := c.post("/web/needs/N1/edit", f)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="skills-error"`) {
			t.Errorf("an unknown skill = %d, want 422 with the error beside the skills:\n%s", status, body)
		}
	})
	t.Run("a huge row count", func(t *testing.T) {
		f := cloneForm(form)
		f.Set("rows", "100000000")
		f.Set("shift0_start", "10:00") // refused: nothing is written
		status, _, body := c.post("/web/needs/N1/edit", f)
		if status != http.StatusUnprocessableEntity || strings.Count(body, `type="date"`) > 50 {
			t.Errorf("rows=1e8 = %d with %d date fields, want 422 and at most 50 rows", status, strings.Count(body, `type="date"`))
		}
	})
	t.Run("without CSRF", func(t *testing.T) {
		f := cloneForm(form)
		f.Del("csrf")
		if status, _, _ := c.post("/web/needs/N1/edit", f); status != http.StatusForbidden {
			t.Errorf("an edit without CSRF = %d, want 403", status)
		}
	})
	status, loc, body := c.post("/web/needs/N1/edit", form)
	if status != http.StatusSeeOther || loc != "/web/needs/N1?updated=1" {
		t.Fatalf("POST the edit = %d to %q, want 303 to the need:\n%s", status, loc, body)
	}
	if _, _, after := c.get(loc); !strings.Contains(after, "需求已保存") || !strings.Contains(after, `href="/web/needs/N1/edit"`) {
		t.Errorf("the need's page after the edit lacks the notice or the edit link")
	}
	n, _ := e.eng.Need(ctx, admin, "N1")
	if n.Title != "社区助老服务（周二）" || len(n.Shifts) != 2 || n.Shifts[0].ID != "s1" || n.Shifts[0].Slots != 3 || n.Shifts[0].Filled != 1 ||
		n.Shifts[1].ID != "s2" || len(n.Requires.Skills) != 1 || n.Requires.Skills[0].Level != 3 ||
		strings.Join(n.Requires.Certificates, ",") != "first_aid_cert" || strings.Join(n.Requires.Trainings, ",") != "elderly_care_training" {
		t.Errorf("after the edit: %q, shifts %+v, requires %+v", n.Title, n.Shifts, n.Requires)
	}

	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	_, _, otherPage := other.get("/web/needs")
	for _, c := range []struct {
		name, method, path string
		status             int
	}{
		{"another organisation's edit form", "GET", "/web/needs/N1/edit", http.StatusNotFound},
		{"another organisation's edit", "POST", "/web/needs/N1/edit", http.StatusNotFound},
		{"another organisation's close", "POST", "/web/needs/N1/close", http.StatusNotFound},
		{"another organisation's cancel", "POST", "/web/needs/N1/cancel", http.StatusNotFound},
		{"no such need", "GET", "/web/needs/nope/edit", http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			var status int
			if c.method == "GET" {
				status, _, _ = other.get(c.path)
			} else {
				f := cloneForm(form)
				f.Set("csrf", csrf(t, otherPage))
				status, _, _ = other.post(c.path, f)
			}
			if status != c.status {
				t.Errorf("%s %s = %d, want %d", c.method, c.path, status, c.status)
			}
		})
	}
	if n, _ := e.eng.Need(ctx, admin, "N1"); n.Status != volmatch.NeedOpen || n.Title != "社区助老服务（周二）" {
		t.Errorf("another organisation changed the need: %s %q", n.Status, n.Title)
	}
	vol := e.signIn(volunteer)
	if status, _, _ := vol.get("/web/needs/N1/edit"); status != http.StatusForbidden {
		t.Errorf("a volunteer opens the edit form: %d, want 403", status)
	}

	_, _, page = c.get("/web/needs/N1/edit")
	status, loc, _ = c.post("/web/needs/N1/close", url.Values{"csrf": {csrf(t, page)}})
	if status != http.StatusSeeOther || loc != "/web/needs?ended=closed" {
		t.Errorf("close = %d to %q", status, loc)
	}
	status, loc, _ = c.post("/web/needs/N2/cancel", url.Values{"csrf": {csrf(t, page)}})
	if status != http.StatusSeeOther || loc != "/web/needs?ended=cancelled" {
		t.Errorf("cancel = %d to %q", status, loc)
	}
	for id, want := range map[string]volmatch.NeedStatus{"N1": volmatch.NeedClosed, "N2": volmatch.NeedCancelled} {
		if n, _ := e.eng.Need(ctx, admin, id); n.Status != want {
			t.Errorf("%s is %s, want %s", id, n.Status, want)
		}
	}
	if _, _, list := c.get("/web/needs?ended=closed"); !strings.Contains(list, "需求已关闭") {
		t.Errorf("the list does not say the need is closed")
	}
}

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// TestTaxonomySearch: the fragment lists the terms found by Chinese name,
// synonym, English name or key, the chosen ones first and ticked; bad
// kinds and field names are refused; a caller without a session is sent
// to sign in.
func TestTaxonomySearch(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(socialWorker)
	for _, tc := range []struct {
		name, query string
		status      int
		want, not   []string
	}{
		{"a skill by Chinese name", "kind=skill&q=" + url.QueryEscape("急救"), 200,
			[]string{`name="skills" value="first_aid"`}, []string{"nursing", " checked"}},
		{"a skill by English name", "kind=skill&q=First+Aid", 200, []string{`value="first_aid"`}, nil},
		{"a skill by key", "kind=skill&q=first_aid", 200, []string{`value="first_aid"`}, nil},
		{"a certificate", "kind=certificate&q=" + url.QueryEscape("红十字"), 200, []string{`name="certificates" value="first_aid_cert"`}, nil},
		{"a training", "kind=training&q=" + url.QueryEscape("手语"), 200, []string{`name="trainings" value="sign_language_training"`}, nil},
		{"the chosen first and ticked", "kind=skill&q=" + url.QueryEscape("急救") + "&skills=nursing", 200,
			[]string{`value="nursing" checked`, `value="first_aid">`}, nil},
		{"another field name", "kind=skill&field=volunteer_skills&q=" + url.QueryEscape("急救"), 200, []string{`name="volunteer_skills" value="first_aid"`}, nil},
		{"nothing found", "kind=skill&q=zzzz", 200, []string{"没有找到"}, []string{"checkbox"}},
		{"an unknown kind", "kind=volunteer&q=a", 400, nil, []string{"checkbox"}},
		{"a field name that breaks out", "kind=skill&field=" + url.QueryEscape(`x"><script>alert(1)</script>`), 400, nil, []string{"<script>"}},
		{"a huge query", "kind=skill&q=" + strings.Repeat("急", 5000), 200, []string{"没有找到"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := c.get("/web/taxonomy?" + tc.query)
			if status != tc.status {
				t.Fatalf("GET /web/taxonomy?%.60s = %d, want %d:\n%s", tc.query, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the fragment lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("the fragment holds %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, "<html") {
				t.Errorf("the fragment is a whole page")
			}
		})
	}
	all := mustGet(t, c, "/web/taxonomy?kind=skill&q=&skills=sign_language")
	if first := strings.Index(all, `value="`); first < 0 || !strings.HasPrefix(all[first:], `value="sign_language" checked`) || strings.Count(all, "checkbox") != 31 {
		t.Errorf("the chosen term is not first and ticked, or not 30 others:\n%s", all)
	}
	if status, loc, _ := e.client().get("/web/taxonomy?kind=skill&q=a"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/web/signin") {
		t.Errorf("without a session = %d to %q, want 303 to sign in", status, loc)
	}
	// The volunteer's pages may use it too.
	if status, _, _ := e.signIn(volunteer).get("/web/taxonomy?kind=skill&q=a"); status != 200 {
		t.Errorf("a volunteer's search = %d, want 200", status)
	}
}

func mustGet(t *testing.T, c *client, path string) string {
	t.Helper()
	status, _, body := c.get(path)
	if status != 200 {
		t.Fatalf("GET %s = %d", path, status)
	}
	return body
}

var (
	digestField = regexp.MustCompile(`name="digest" value="([0-9a-f]+)"`)
	keyField    = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
)

// TestBatchPage: the plan is shown masked with its summary; the commit
// reserves it once however often it is sent; a stale plan is refused
// with the new plan shown; another organisation's need is not found.
func TestBatchPage(t *testing.T) {
	e := workerEnv(t)
	ctx := context.Background()
	c := e.signIn(socialWorker)
	status, _, page := c.get("/web/batch?need=N1")
	for _, want := range []string{"*</td>", "可填补岗位", "2 / 2 个空缺", "已证明为最优安排", `name="digest"`, "确认并安排这 2 位"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET /web/batch?need=N1 = %d, lacks %q:\n%s", status, want, page)
		}
	}
	for _, name := range []string{"王小明", "李华", "张伟", "刘芳", "陈静", "13800000000"} {
		if strings.Contains(page, name) {
			t.Errorf("the plan shows %q unmasked", name)
		}
	}
	form := url.Values{"csrf": {csrf(t, page)}, "need": {"N1"}, "max": {"1"},
		"digest": {digestField.FindStringSubmatch(page)[1]}, "key": {keyField.FindStringSubmatch(page)[1]}}
	held := func() int {
		as, _, err := e.eng.Assignments(ctx, admin, volmatch.AssignmentFilter{Need: "N1"})
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}

	stale := cloneForm(form)
	stale.Set("digest", strings.Repeat("ab", 32))
	stale.Set("key", "other-key-1")
	if status, _, body := c.post("/web/batch", stale); status != http.StatusConflict || !strings.Contains(body, "安排已变化") || held() != 0 {
		t.Errorf("a stale plan = %d, %d held, want 409 with the new plan and nothing written:\n%s", status, held(), body)
	}
	noCSRF := cloneForm(form)
	noCSRF.Del("csrf")
	if status, _, _ := c.post("/web/batch", noCSRF); status != http.StatusForbidden || held() != 0 {
		t.Errorf("a commit without CSRF = %d, want 403 and nothing written", status)
	}
	var locs []string
	for range 3 { // a double (triple) submit
		status, loc, body := c.post("/web/batch", form)
		if status != http.StatusSeeOther {
			t.Fatalf("commit = %d:\n%s", status, body)
		}
		locs = append(locs, loc)
	}
	if held() != 2 || locs[0] != "/web/batch?need=N1&max=1&committed=2" || locs[1] != locs[0] || locs[2] != locs[0] {
		t.Errorf("three submits: %d held, sent to %v; want 2 held and the first answer each time", held(), locs)
	}
	if _, _, done := c.get(locs[0]); !strings.Contains(done, "已安排 2 个岗位") {
		t.Errorf("the page after the commit does not say so")
	}
	reused := cloneForm(form)
	reused.Set("need", "N2")
	if status, _, body := c.post("/web/batch", reused); status != http.StatusConflict || !strings.Contains(body, "此页面已用于另一次提交") {
		t.Errorf("the key reused for another plan = %d:\n%s", status, body)
	}

	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if status, _, _ := other.get("/web/batch?need=N1"); status != http.StatusNotFound {
		t.Errorf("another organisation's plan = %d, want 404", status)
	}
	_, _, op := other.get("/web/needs")
	f := cloneForm(form)
	f.Set("csrf", csrf(t, op))
	f.Set("key", "other-org-key")
	if status, _, _ := other.post("/web/batch", f); status != http.StatusNotFound {
		t.Errorf("another organisation's commit = %d, want 404", status)
	}
	if status, _, body := other.get("/web/batch"); status != http.StatusUnprocessableEntity || !strings.Contains(body, "没有招募中的需求") {
		t.Errorf("an organisation without needs = %d:\n%s", status, body)
	}
	if status, _, _ := e.signIn(volunteer).get("/web/batch"); status != http.StatusForbidden {
		t.Errorf("a volunteer's batch page = %d, want 403", status)
	}
	if status, _, page := c.get("/web/batch"); status != 200 || !strings.Contains(page, "本机构所有招募中的需求") {
		t.Errorf("the plan of every open need = %d", status)
	}
}

// TestDispatchPage: the next wave with its reach; sending it invites
// those volunteers; a need not of the emergency mode says so; another
// organisation's need is not found.
func TestDispatchPage(t *testing.T) {
	e := workerEnv(t)
	ctx := context.Background()
	for i := range 5 {
		v, _ := e.eng.Volunteer(ctx, admin, "W"+strconv.Itoa(i))
		v.Consent.Emergency = true
		if _, err := e.eng.UpdateVolunteer(ctx, admin, v.ID, v); err != nil {
			t.Fatal(err)
		}
	}
	n := fixture.Need("E1", fixture.Title("暴雨应急转移"), func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })
	if _, err := e.eng.PostNeed(ctx, admin, n); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(socialWorker)
	status, _, page := c.get("/web/needs/E1/dispatch?size=3")
	for _, want := range []string{"下一批（第 1 批）", "3 人", "本街道", "发送第 1 批通知（3 人）", "公里"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("GET the dispatch page = %d, lacks %q:\n%s", status, want, page)
		}
	}
	status, loc, _ := c.post("/web/needs/E1/dispatch", url.Values{"csrf": {csrf(t, page)}, "size": {"3"}, "shift": {""}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "sent=3") {
		t.Fatalf("send = %d to %q", status, loc)
	}
	invs, _, _ := e.eng.Invitations(ctx, admin, volmatch.InvitationFilter{Need: "E1"})
	if len(invs) != 3 || invs[0].Wave != 1 {
		t.Errorf("the wave sent %d invitations", len(invs))
	}
	if _, _, next := c.get(loc); !strings.Contains(next, "第 2 批") || !strings.Contains(next, "已向本街道层级的 3 位志愿者发出通知") {
		t.Errorf("after sending, the page does not show the notice and wave 2:\n%s", next)
	}
	if status, _, body := c.get("/web/needs/N1/dispatch"); status != http.StatusUnprocessableEntity || !strings.Contains(body, "只有“应急动员”方式的需求") {
		t.Errorf("a normal need's dispatch = %d:\n%s", status, body)
	}
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if status, _, _ := other.get("/web/needs/E1/dispatch"); status != http.StatusNotFound {
		t.Errorf("another organisation's dispatch page = %d, want 404", status)
	}
	_, _, op := other.get("/web/needs")
	if status, _, _ := other.post("/web/needs/E1/dispatch", url.Values{"csrf": {csrf(t, op)}}); status != http.StatusNotFound {
		t.Errorf("another organisation's send = %d, want 404", status)
	}
	if status, _, _ := c.post("/web/needs/E1/dispatch", url.Values{"size": {"3"}}); status != http.StatusForbidden {
		t.Errorf("a send without CSRF = %d, want 403", status)
	}
	if invs, _, _ := e.eng.Invitations(ctx, admin, volmatch.InvitationFilter{Need: "E1"}); len(invs) != 3 {
		t.Errorf("the refused sends wrote: %d invitations", len(invs))
	}
}

// TestHistoryPage: the past placements by month with totals and pages;
// a bad month is named; another organisation sees none of them.
func TestHistoryPage(t *testing.T) {
	e, today, _ := todayEnv(t)
	ctx := context.Background()
	e.clock.Add(10 * time.Hour) // today's shift, 10:00
	sw := socialWorker
	for _, s := range []engine.StepRequest{{Kind: volmatch.StepCheckIn}, {Kind: volmatch.StepCheckOut, Hours: 1.5}, {Kind: volmatch.StepRate, Rating: 5}} {
		if _, err := e.eng.Advance(ctx, &sw, today, s); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(socialWorker)
	for _, tc := range []struct {
		query  string
		status int
		want   []string
		not    []string
	}{
		{"", 200, []string{"共 1 条记录", "社区老人午餐助餐", "测*", "1.5", "5 ★", "已完成"}, []string{"测试志愿者"}},
		{"?month=2026-11", 200, []string{"共 1 条记录", `value="2026-11"`}, nil},
		{"?month=2026-10", 200, []string{"共 0 条记录", "这段时间没有已结束的服务记录"}, nil},
		{"?month=" + url.QueryEscape("十一月"), 422, []string{"月份格式应为", `id="month-error"`}, nil},
		{"?page=99", 200, []string{"第 99 / 1 页", `href="/web/history?page=1"`}, nil},
		{"?page=-1&lang=en", 200, []string{"Placements: 1", "Completed"}, nil},
	} {
		status, _, body := c.get("/web/history" + tc.query)
		for _, w := range tc.want {
			if status != tc.status || !strings.Contains(body, w) {
				t.Errorf("GET /web/history%s = %d, lacks %q (want %d)", tc.query, status, w, tc.status)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("GET /web/history%s shows %q", tc.query, w)
			}
		}
	}
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if status, _, body := other.get("/web/history"); status != 200 || !strings.Contains(body, "共 0 条记录") {
		t.Errorf("another organisation's history = %d, not empty", status)
	}
	if status, _, _ := e.signIn(volunteer).get("/web/history"); status != http.StatusForbidden {
		t.Errorf("a volunteer's history page = %d, want 403", status)
	}
}

// TestNeedsFillState: each shift's fill, the total of the shifts not yet
// over, and an ended shift marked as over.
func TestNeedsFillState(t *testing.T) {
	e, _, _ := todayEnv(t) // N3 (today 10–12, 1 of 2), N1 (tomorrow, 1 of 2), N2 (menu, 0 of 3 twice)
	e.clock.Add(13 * time.Hour)
	c := e.signIn(socialWorker)
	_, _, page := c.get("/web/needs")
	n3 := needCard(t, page, "N3")
	for _, want := range []string{"1/2 人", "已结束", `class="ended"`} {
		if !strings.Contains(n3, want) {
			t.Errorf("N3's card lacks %q:\n%s", want, n3)
		}
	}
	if strings.Contains(n3, "未结束班次已报名") {
		t.Errorf("N3's card counts its ended shift")
	}
	for id, want := range map[string]string{"N1": "未结束班次已报名 1 / 2 人", "N2": "未结束班次已报名 0 / 6 人"} {
		if card := needCard(t, page, id); !strings.Contains(card, want) || !strings.Contains(card, "/web/needs/"+id+"/edit") {
			t.Errorf("%s's card lacks %q or its edit link:\n%s", id, want, card)
		}
	}
}

// needCard is the list item of need id in the needs page.
func needCard(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `data-need="`+id+`"`)
	if i < 0 {
		t.Fatalf("no card of %s", id)
	}
	j := strings.Index(page[i:], "</li>")
	return page[i : i+j]
}

var qrLink = regexp.MustCompile(`href="(http://[^"]+/web/today/scan\?code=[^"]+)" class="qr-link"`)

// TestScanCheckIn: the volunteer's shift shows a QR code of the scan link;
// a social worker of the organisation opens it in the window and checks the
// volunteer in with one tap; a replay, another organisation's worker, a
// volunteer and a forged code are refused.
func TestScanCheckIn(t *testing.T) {
	e, today, tomorrow := todayEnv(t)
	ctx := context.Background()
	vol := e.signIn(volunteer)
	status, _, shifts := vol.get("/web/shifts")
	links := qrLink.FindAllStringSubmatch(shifts, -1)
	if status != 200 || len(links) != 2 || strings.Count(shifts, `<svg xmlns="http://www.w3.org/2000/svg"`) != 2 {
		t.Fatalf("GET /web/shifts = %d with %d scan links, want 2 QR codes:\n%s", status, len(links), shifts)
	}
	link := html.UnescapeString(links[0][1])
	if !strings.Contains(link, url.QueryEscape(today)) && !strings.Contains(link, today) {
		t.Fatalf("the first QR code (today's shift) is for %s", link)
	}
	// The QR code encodes that link: drawn again from it, it is the same.
	if want, err := web.QRSVG(link); err != nil || !strings.Contains(shifts, string(want)) {
		t.Errorf("the QR code on the page is not the link's (%v)", err)
	}
	u, _ := url.Parse(link)
	path := u.RequestURI()
	code := u.Query().Get("code")

	sw := e.signIn(socialWorker)
	// At midnight the check-in of today's 10:00 shift is not open yet.
	if status, _, body := sw.get(path); status != http.StatusConflict || !strings.Contains(body, "现在不能签到") || strings.Contains(body, "确认签到") {
		t.Errorf("a scan 10 h early = %d, want 409 with the window and no button:\n%s", status, body)
	}
	e.clock.Add(9 * time.Hour) // 09:00, the window is open
	status, _, page := sw.get(path)
	for _, want := range []string{"测*", "社区老人午餐助餐", "10:00–12:00", "确认签到"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Fatalf("the scan page = %d, lacks %q:\n%s", status, want, page)
		}
	}
	if strings.Contains(page, "测试志愿者") || strings.Contains(page, "13800000000") {
		t.Errorf("the scan page shows the volunteer unmasked")
	}
	token := csrf(t, page)
	hostile := []struct {
		name   string
		c      *client
		page   string // a page of theirs, for their CSRF token
		code   string
		status int
	}{
		{"another organisation's worker", e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"}), "/web/needs", code, http.StatusNotFound},
		{"a forged code", sw, "/web/needs", code[:len(code)-2] + "xx", http.StatusNotFound},
		{"tomorrow's code with today's MAC", sw, "/web/needs", tomorrow + code[strings.LastIndexByte(code, '.'):], http.StatusNotFound},
		{"the volunteer themself", vol, "/web/menu", code, http.StatusForbidden},
		{"a planner", e.signIn(planner), "/web/dashboard", code, http.StatusForbidden},
	}
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			if status, _, _ := h.c.get("/web/today/scan?code=" + url.QueryEscape(h.code)); status != h.status {
				t.Errorf("GET the scan = %d, want %d", status, h.status)
			}
			_, _, own := h.c.get(h.page)
			if status, _, _ := h.c.post("/web/today/scan", url.Values{"csrf": {csrf(t, own)}, "code": {h.code}}); status != h.status {
				t.Errorf("POST the scan = %d, want %d", status, h.status)
			}
			if a := e.assignment(today); a.Status != volmatch.AssignReserved {
				t.Errorf("after a refused scan the assignment is %s", a.Status)
			}
		})
	}
	if status, _, _ := sw.post("/web/today/scan", url.Values{"code": {code}}); status != http.StatusForbidden {
		t.Errorf("a check-in without CSRF = %d, want 403", status)
	}
	status, loc, _ := sw.post("/web/today/scan", url.Values{"csrf": {token}, "code": {code}})
	if status != http.StatusSeeOther || loc != "/web/today?done=checkin" {
		t.Fatalf("the one-tap check-in = %d to %q", status, loc)
	}
	if a := e.assignment(today); a.Status != volmatch.AssignCheckedIn || !a.CheckIn.Equal(e.clock.Now()) {
		t.Errorf("after the scan: %s at %v", a.Status, a.CheckIn)
	}
	if status, _, body := sw.get(path); status != http.StatusConflict || !strings.Contains(body, "服务中") || strings.Contains(body, "确认签到") {
		t.Errorf("a replay after check-in = %d, want 409 naming the state:\n%s", status, body)
	}
	if _, _, shifts := vol.get("/web/shifts"); strings.Count(shifts, "qr-link") != 1 {
		t.Errorf("after check-in the shift still shows its QR code (%d codes)", strings.Count(shifts, "qr-link"))
	}
	e.clock.Add(2 * time.Hour) // 11:00 (the session, from midnight, lasts until noon)
	swTok := socialWorker
	if _, err := e.eng.Advance(ctx, &swTok, today, engine.StepRequest{Kind: volmatch.StepCheckOut}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := sw.post("/web/today/scan", url.Values{"csrf": {token}, "code": {code}}); status != http.StatusConflict {
		t.Errorf("a replay after check-out = %d, want 409", status)
	}
	if a := e.assignment(today); a.Status != volmatch.AssignCompleted {
		t.Errorf("after the replay the assignment is %s", a.Status)
	}
}

// TestRequestLog: each page request is logged with its method, route
// pattern, status and duration, and nothing personal: no path IDs, no
// query string (a check-in or sign-in code), no cookie, no name.
func TestRequestLog(t *testing.T) {
	e, today, _ := todayEnv(t)
	var logs testlog.Buffer
	srv := httptest.NewServer(web.New(e.eng, web.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Handler())
	t.Cleanup(srv.Close)
	e.srv = srv
	vol := e.signIn(volunteer)
	_, _, shifts := vol.get("/web/shifts")
	code := ""
	if m := qrLink.FindStringSubmatch(shifts); m != nil {
		u, _ := url.Parse(html.UnescapeString(m[1]))
		code = u.Query().Get("code")
	}
	sw := e.signIn(socialWorker)
	sw.get("/web/today/scan?code=" + url.QueryEscape(code))
	sw.get("/web/needs/N1?shift=s1")
	sw.get("/web/nowhere/secret-path")
	out := logs.String()
	for _, want := range []string{`route=/web/shifts`, `route=/web/today/scan`, `route=/web/needs/{id}`, `route=/web/signin`,
		`method=GET`, `status=200`, `status=409`, `status=303`, `status=404`, `duration_ms=`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{code, today, "N1", "secret-path", "vm_session", "测试志愿者", "13800000000", "shift=s1", "code="} {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}
