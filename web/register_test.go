package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// issueRegistration returns a fresh registration code.
func (e *env) issueRegistration() string {
	e.t.Helper()
	code, _, err := e.eng.IssueRegistration(context.Background(), admin, "test", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// volunteerIDs returns the IDs of the stored volunteers.
func (e *env) volunteerIDs() []string {
	e.t.Helper()
	vs, _, err := e.eng.Volunteers(context.Background(), admin, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	return ids
}

// stored returns volunteer id's record as an admin sees it.
func (e *env) stored(id string) *volmatch.Volunteer {
	e.t.Helper()
	v, err := e.eng.Volunteer(context.Background(), admin, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// registerForm is a filled sign-up form: Wednesday evening free, first aid
// claimed at level 2, a first-aid certificate, a training.
func registerForm(code, csrf string) url.Values {
	return url.Values{
		"csrf": {csrf}, "code": {code}, "name": {"李华"}, "phone": {"138 0013 8000"},
		"district": {fixture.District}, "street": {fixture.Street}, "travel": {"5"},
		"avail": {"2-2", "5-0"}, "skill.first_aid": {"2"}, "skill.sign_language": {"0"},
		"cert0_name": {"first_aid_cert"}, "cert0_expires": {"2028-06-30"}, "cert1_name": {""}, "cert1_expires": {""},
		"trainings": {"general_orientation"}, "languages": {"zh", "csl"},
	}
}

// openRegister opens the sign-up link of code in c and returns the page.
func openRegister(t *testing.T, c *client, code string) string {
	t.Helper()
	status, _, page := c.get("/web/register?code=" + url.QueryEscape(code))
	if status != http.StatusOK {
		t.Fatalf("GET the registration link = %d, want 200", status)
	}
	return page
}

// fieldError returns the text of the error beside field id, "" if none.
func fieldError(page, id string) string {
	m := regexp.MustCompile(`<p class="error" id="` + regexp.QuoteMeta(id) + `-error"[^>]*>([^<]*)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestRegisterPage: the link fills the code in, every consent is off,
// the sign-in page links to it, and a spent code is said at once.
func TestRegisterPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	code := e.issueRegistration()
	page := openRegister(t, c, code)
	if !strings.Contains(page, `value="`+code+`"`) || !strings.Contains(page, "志愿者注册") {
		t.Errorf("the sign-up page does not hold the code or its title:\n%s", page)
	}
	for _, name := range []string{"share_contact", "emergency", "findable"} {
		m := regexp.MustCompile(`<input type="checkbox" name="` + name + `"[^>]*>`).FindString(page)
		if m == "" || strings.Contains(m, "checked") {
			t.Errorf("consent %s = %q, want an unticked checkbox", name, m)
		}
	}
	if strings.Contains(page, "https://") || strings.Contains(page, "http://") {
		t.Errorf("the sign-up page refers to another site")
	}
	if _, _, in := c.get("/web/signin"); !strings.Contains(in, `href="/web/register"`) {
		t.Errorf("the sign-in page does not link to the sign-up")
	}
	if _, _, en := c.get("/web/register?lang=en&code=" + url.QueryEscape(code)); !strings.Contains(en, "Volunteer sign-up") {
		t.Errorf("the English sign-up page is not in English")
	}
	c.get("/web/register?lang=zh") // back to Chinese
	// Spent: the link says so before the form is filled in.
	x := fixture.Volunteer("X", func(v *volmatch.Volunteer) { v.Certificates, v.Trainings = nil, nil })
	if _, _, _, err := e.eng.Register(context.Background(), code, x); err != nil {
		t.Fatal(err)
	}
	if got := fieldError(openRegister(t, c, code), "code"); !strings.Contains(got, "注册码无效") {
		t.Errorf("a spent link's error = %q, want 注册码无效…", got)
	}
}

// TestRegisterFlow: the form makes a volunteer with pending claims and
// signs them in to their profile; a replay of the same form is refused
// beside the code and makes nothing.
func TestRegisterFlow(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	code := e.issueRegistration()
	form := registerForm(code, csrf(t, openRegister(t, c, code)))
	status, loc, _ := c.post("/web/register", form)
	if status != http.StatusSeeOther || loc != "/web/profile?welcome=1" {
		t.Fatalf("POST /web/register = %d to %q, want 303 to /web/profile?welcome=1", status, loc)
	}
	ids := e.volunteerIDs()
	if len(ids) != 2 {
		t.Fatalf("volunteers after the sign-up = %v, want V1 and one new", ids)
	}
	id := ids[0]
	if id == "V1" {
		id = ids[1]
	}
	v := e.stored(id)
	switch {
	case v.Name != "李华" || v.Phone != "13800138000":
		t.Errorf("name, phone = %q, %q", v.Name, v.Phone)
	case len(v.Skills) != 0 || v.Claims == nil || len(v.Claims.Skills) != 1 || v.Claims.Skills[0] != (volmatch.SkillLevel{Skill: "first_aid", Level: 2}):
		t.Errorf("skills %v claims %+v, want first_aid 2 pending only", v.Skills, v.Claims)
	case len(v.Claims.Certificates) != 1 || v.Claims.Certificates[0].Name != "first_aid_cert" || len(v.Claims.Trainings) != 1:
		t.Errorf("claims %+v, want the certificate and the training pending", v.Claims)
	case !v.Availability.Has(2*24+18) || !v.Availability.Has(2*24+21) || v.Availability.Has(2*24+22) || !v.Availability.Has(5*24+6) || v.Availability.Count() != 4+6:
		t.Errorf("availability = %s, want Wednesday 18–22 and Saturday 6–12", v.Availability)
	case v.Consent != (volmatch.Consent{}):
		t.Errorf("consent = %+v, want none given", v.Consent)
	case strings.Join(v.Languages, ",") != "csl,zh":
		t.Errorf("languages = %v", v.Languages)
	}
	// Signed in: the profile shows the record, its claims pending.
	status, _, page := c.get("/web/profile?welcome=1")
	if status != http.StatusOK || !strings.Contains(page, "注册成功") || !strings.Contains(page, `value="李华"`) {
		t.Fatalf("GET /web/profile = %d, want 200 with the welcome and the name:\n%s", status, page)
	}
	if n := strings.Count(page, `class="claim pending"`); n != 3 {
		t.Errorf("the profile marks %d claims pending, want 3 (skill, certificate, training)", n)
	}
	if !strings.Contains(page, `href="/web/profile" aria-current="page"`) {
		t.Errorf("the nav has no current link to the profile")
	}
	// Replayed (the back button, a double tap): refused, nothing made.
	status, _, page = c.post("/web/register", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(page, "code"), "已经用过") {
		t.Errorf("replayed sign-up = %d with code error %q, want 422 saying the code was used", status, fieldError(page, "code"))
	}
	if n := len(e.volunteerIDs()); n != 2 {
		t.Errorf("%d volunteers after a replay, want 2", n)
	}
}

// TestRegisterFieldErrors: each fault is shown beside its field in
// Chinese, the typed values kept, nothing stored and the code not spent.
func TestRegisterFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		name, field, want string
		edit              func(f url.Values)
	}{
		{"no name", "name", "请填写您的姓名", func(f url.Values) { f.Set("name", " ") }},
		{"zero-width name", "name", "看不见的特殊字符", func(f url.Values) { f.Set("name", "李\u200b华") }},
		{"bidi override name", "name", "看不见的特殊字符", func(f url.Values) { f.Set("name", "\u202e华李") }},
		{"long name", "name", "不超过 100 个字", func(f url.Values) { f.Set("name", strings.Repeat("李", 101)) }},
		{"bad phone", "phone", "11 位手机号码", func(f url.Values) { f.Set("phone", "12345") }},
		{"no street", "street", "请选择街道", func(f url.Values) { f.Set("street", "") }},
		{"street of another district", "street", "不在所选的区内", func(f url.Values) { f.Set("street", "110108001000") }},
		{"precise point elsewhere", "home", "不在所选街道内", func(f url.Values) { f.Set("lat", "40.20"); f.Set("lng", "116.20") }},
		{"unreadable point", "home", "没能读取精确位置", func(f url.Values) { f.Set("lat", "north"); f.Set("lng", "1") }},
		{"no free time", "avail", "至少勾选一个", func(f url.Values) { f.Del("avail") }},
		{"certificate without date", "cert0", "有效期", func(f url.Values) { f.Set("cert0_expires", "") }},
		{"date without certificate", "cert0", "请选择证书名称", func(f url.Values) { f.Set("cert0_name", "") }},
		{"unknown skill", "skills", "技能", func(f url.Values) { f.Set("skill.juggling", "1") }},
		{"odd level", "skills", "技能水平", func(f url.Values) { f.Set("skill.first_aid", "9") }},
		{"forged certificate", "certs", "证书填写有误", func(f url.Values) { f.Set("cert0_name", "万能证") }},
		{"forged training", "trainings", "培训项目有误", func(f url.Values) { f.Set("trainings", "anything") }},
		{"no code", "code", "请填写注册码", func(f url.Values) { f.Set("code", "") }},
		{"wrong code", "code", "注册码无效", func(f url.Values) { f.Set("code", "vm_0000") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.client()
			code := e.issueRegistration()
			form := registerForm(code, csrf(t, openRegister(t, c, code)))
			tc.edit(form)
			status, _, page := c.post("/web/register", form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("POST = %d, want 422", status)
			}
			id := tc.field
			if got := fieldError(page, id); !strings.Contains(got, tc.want) {
				t.Errorf("error beside %s = %q, want it to say %q", id, got, tc.want)
			}
			if tc.field != "phone" && !strings.Contains(page, `value="138 0013 8000"`) {
				t.Errorf("the typed phone is not kept in the form")
			}
			if n := len(e.volunteerIDs()); n != 1 {
				t.Errorf("%d volunteers after a refused form, want 1", n)
			}
			if tc.field == "code" {
				return
			}
			// The code still works with the form corrected.
			status, _, _ = c.post("/web/register", registerForm(code, csrf(t, page)))
			if status != http.StatusSeeOther {
				t.Errorf("the corrected form = %d, want 303 (the code unspent)", status)
			}
		})
	}
}

// TestRegisterAttacks: no CSRF value, a huge body, and one phone twice
// (answered alike: the caller never learns a phone is registered).
func TestRegisterAttacks(t *testing.T) {
	e := newEnv(t)
	code := e.issueRegistration()
	t.Run("csrf", func(t *testing.T) {
		c := e.client()
		openRegister(t, c, code)
		if status, _, _ := c.post("/web/register", registerForm(code, "")); status != http.StatusForbidden {
			t.Errorf("sign-up without the csrf value = %d, want 403", status)
		}
		other := e.client() // the form's value without its cookie
		if status, _, _ := other.post("/web/register", registerForm(code, csrf(t, openRegister(t, c, code)))); status != http.StatusForbidden {
			t.Errorf("sign-up with another browser's csrf value = %d, want 403", status)
		}
	})
	t.Run("huge body", func(t *testing.T) {
		c := e.client()
		form := registerForm(code, csrf(t, openRegister(t, c, code)))
		form.Set("name", strings.Repeat("李", 40000))
		if status, _, _ := c.post("/web/register", form); status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 120 kB sign-up = %d, want 413", status)
		}
	})
	if n := len(e.volunteerIDs()); n != 1 {
		t.Fatalf("%d volunteers after the refused attempts, want 1", n)
	}
	t.Run("one phone twice", func(t *testing.T) {
		var answers []string
		for range 2 {
			c := e.client()
			code := e.issueRegistration()
			form := registerForm(code, csrf(t, openRegister(t, c, code)))
			form.Set("phone", "13800000000") // V1's
			status, loc, body := c.post("/web/register", form)
			answers = append(answers, strings.Join([]string{http.StatusText(status), loc, body}, "|"))
		}
		if answers[0] != answers[1] || !strings.HasPrefix(answers[0], "See Other|/web/profile?welcome=1") {
			t.Errorf("answers to one phone twice = %q, want the same sign-up answer", answers)
		}
		if n := len(e.volunteerIDs()); n != 3 {
			t.Errorf("%d volunteers, want V1 and two new ones", n)
		}
		if v := e.stored("V1"); v.Name != "测试志愿者" {
			t.Errorf("V1 was changed by a sign-up with its phone: %q", v.Name)
		}
	})
}

// profileValues turns the profile page's form into the values it posts
// as it stands: every field's current value.
func profileValues(t *testing.T, page string) url.Values {
	t.Helper()
	f := url.Values{"csrf": {csrf(t, page)}}
	for _, m := range regexp.MustCompile(`<input type="(?:text|tel|date|hidden)" id="[^"]*" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		f.Set(m[1], htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`<input type="checkbox" name="([^"]+)" value="([^"]*)"[^>]*\bchecked\b`).FindAllStringSubmatch(page, -1) {
		f.Add(m[1], m[2])
	}
	for _, m := range regexp.MustCompile(`(?s)<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(page, -1) {
		if s := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2]); s != nil {
			f.Set(m[1], s[1])
		}
	}
	return f
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

// TestProfile: the form is prefilled; a save that changes nothing changes
// nothing; a raised level waits as a claim beside the verified one; a
// consent is withdrawn; a posted id does not reach another's record; the
// data download is the caller's own record.
func TestProfile(t *testing.T) {
	e := newEnv(t)
	if _, err := e.eng.RegisterVolunteer(context.Background(), admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	before := e.stored("V1")
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/profile")
	if !strings.Contains(page, `value="测试志愿者"`) || !strings.Contains(page, `class="claim verified"`) {
		t.Fatalf("the profile is not prefilled with V1's verified record:\n%s", page)
	}
	form := profileValues(t, page)
	status, loc, _ := c.post("/web/profile", form)
	if status != http.StatusSeeOther || loc != "/web/profile?saved=1" {
		t.Fatalf("save unchanged = %d to %q, want 303 to /web/profile?saved=1", status, loc)
	}
	after := e.stored("V1")
	after.UpdatedAt = before.UpdatedAt
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(before)
	if string(a) != string(b) {
		t.Errorf("a save that changed nothing changed the record:\n got %s\nwant %s", a, b)
	}
	// Raise first aid to expert, withdraw the contact consent, and name
	// V2 in the form: only V1 changes, the raise waits for verification.
	_, _, page = c.get("/web/profile")
	form = profileValues(t, page)
	form.Set("skill.first_aid", "3")
	form.Del("share_contact")
	form.Set("id", "V2")
	form.Set("name", "改过的名字")
	if status, _, _ := c.post("/web/profile", form); status != http.StatusSeeOther {
		t.Fatalf("save = %d, want 303", status)
	}
	v1 := e.stored("V1")
	if v1.SkillLevelOf("first_aid") != 2 || v1.Claims == nil || len(v1.Claims.Skills) != 1 || v1.Claims.Skills[0].Level != 3 {
		t.Errorf("first aid verified %d, claims %+v, want 2 verified and 3 pending", v1.SkillLevelOf("first_aid"), v1.Claims)
	}
	if v1.Consent.ShareContact || v1.Name != "改过的名字" {
		t.Errorf("V1 consent %+v name %q, want the contact consent withdrawn and the name changed", v1.Consent, v1.Name)
	}
	if v2 := e.stored("V2"); v2.Name != "测试志愿者" {
		t.Errorf("V2 was changed through V1's form: %q", v2.Name)
	}
	_, _, page = c.get("/web/profile")
	if !strings.Contains(page, "（已核实：熟练）") || !strings.Contains(page, "1 项资质在等待机构核实") {
		t.Errorf("the profile does not show the pending raise beside the verified level")
	}
	// A verified skill dropped and added again is a claim again: pending.
	for _, level := range []string{"0", "2"} {
		_, _, page = c.get("/web/profile")
		form = profileValues(t, page)
		form.Set("skill.first_aid", level)
		if status, _, _ := c.post("/web/profile", form); status != http.StatusSeeOther {
			t.Fatalf("save with first aid %s = %d, want 303", level, status)
		}
	}
	v1 = e.stored("V1")
	if v1.SkillLevelOf("first_aid") != 0 || v1.Claims == nil || len(v1.Claims.Skills) != 1 || v1.Claims.Skills[0].Level != 2 {
		t.Errorf("first aid re-added: verified %d, claims %+v, want none verified and 2 pending", v1.SkillLevelOf("first_aid"), v1.Claims)
	}
	_, _, page = c.get("/web/profile")
	if !strings.Contains(page, "1 项资质在等待机构核实") {
		t.Errorf("the profile does not count the re-added skill as pending")
	}
	// An error beside the field, nothing saved.
	form = profileValues(t, page)
	form.Set("phone", "phone")
	if status, _, page := c.post("/web/profile", form); status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(page, "phone"), "11 位") {
		t.Errorf("save with a bad phone = %d, error %q", status, fieldError(page, "phone"))
	}
	// What is held: the caller's own record, as a download.
	resp, err := c.c.Get(e.srv.URL + "/web/profile/data")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var held volmatch.Volunteer
	if err := json.NewDecoder(resp.Body).Decode(&held); err != nil || held.ID != "V1" || held.Phone != "13800000000" {
		t.Errorf("the data download = %+v, %v, want V1's whole record", held.ID, err)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition = %q, want an attachment", cd)
	}
	// Other roles have no profile.
	sw := e.signIn(socialWorker)
	if status, _, _ := sw.get("/web/profile"); status != http.StatusForbidden {
		t.Errorf("a social worker's GET /web/profile = %d, want 403", status)
	}
}

// TestProfileDelete: the account is deleted only once confirmed; then the
// record is gone and the session ended.
func TestProfileDelete(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/profile/delete")
	if !strings.Contains(page, "无法恢复") {
		t.Fatalf("the confirmation page does not say what is lost:\n%s", page)
	}
	token := csrf(t, page)
	if status, _, _ := c.post("/web/profile/delete", url.Values{}); status != http.StatusForbidden {
		t.Errorf("delete without csrf = %d, want 403", status)
	}
	status, _, page := c.post("/web/profile/delete", url.Values{"csrf": {token}})
	if status != http.StatusUnprocessableEntity || fieldError(page, "confirm") == "" {
		t.Errorf("delete unconfirmed = %d, error %q, want 422 beside the box", status, fieldError(page, "confirm"))
	}
	if _, err := e.eng.Volunteer(context.Background(), admin, "V1"); err != nil {
		t.Fatalf("V1 after an unconfirmed delete: %v", err)
	}
	status, loc, _ := c.post("/web/profile/delete", url.Values{"csrf": {token}, "confirm": {"yes"}})
	if status != http.StatusSeeOther || loc != "/web/signin?deleted=1" {
		t.Fatalf("delete = %d to %q, want 303 to /web/signin?deleted=1", status, loc)
	}
	if _, err := e.eng.Volunteer(context.Background(), admin, "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("V1 after deletion = %v, want ENOTFOUND", err)
	}
	if _, _, page := c.get(loc); !strings.Contains(page, "账号已注销") {
		t.Errorf("the sign-in page does not say the account is deleted")
	}
	if status, loc, _ := c.get("/web/profile"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/web/signin") {
		t.Errorf("GET /web/profile after deletion = %d to %q, want 303 to sign in", status, loc)
	}
}

// TestRegisterPageWeight: the sign-up and profile pages with every file
// they load stay under the budget of 150 KB transferred (issue 14), in
// both languages.
func TestRegisterPageWeight(t *testing.T) {
	const budget = 150 << 10
	e := newEnv(t)
	v := e.signIn(volunteer)
	asset := regexp.MustCompile(`(?:href|src)="(/web/static/[^"]+)"`)
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{e.client(), "/web/register?lang=zh&code=" + url.QueryEscape(e.issueRegistration())},
		{e.client(), "/web/register?lang=en&code=" + url.QueryEscape(e.issueRegistration())},
		{v, "/web/profile?lang=zh"},
		{v, "/web/profile?lang=en"},
	} {
		status, _, page := tc.c.get(tc.path)
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d", tc.path, status)
		}
		total := len(page)
		for _, m := range asset.FindAllStringSubmatch(page, -1) {
			_, _, body := tc.c.get(m[1])
			total += len(body)
		}
		t.Logf("%s: page %d bytes, with its files %d bytes", tc.path[:strings.Index(tc.path, "=")+3], len(page), total)
		if total > budget {
			t.Errorf("%s weighs %d bytes with its files, over the budget of %d", tc.path, total, budget)
		}
	}
}

// TestRegisterPageRoles: each page and form action of the sign-up and the
// profile, as every caller: the profile is the volunteer's alone (a form
// action by another role is refused even with its CSRF token), the sign-up
// is open to anyone holding a code.
func TestRegisterPageRoles(t *testing.T) {
	e := newEnv(t)
	clients := map[string]*client{
		"out":           e.client(),
		"admin":         e.signIn(adminSpec),
		"social_worker": e.signIn(socialWorker),
		"volunteer":     e.signIn(volunteer),
		"planner":       e.signIn(planner),
	}
	volunteerOnly := map[string]int{"out": 303, "admin": 403, "social_worker": 403, "volunteer": 200, "planner": 403}
	everyone := map[string]int{"out": 200, "admin": 200, "social_worker": 200, "volunteer": 200, "planner": 200}
	for _, c := range []struct {
		path string
		want map[string]int
	}{
		{"/web/profile", volunteerOnly},
		{"/web/profile/data", volunteerOnly},
		{"/web/profile/delete", volunteerOnly},
		{"/web/register", everyone},
		{"/web/static/profile.css", everyone},
		{"/web/static/register.js", everyone},
	} {
		for who, want := range c.want {
			status, loc, _ := clients[who].get(c.path)
			if status != want || want == 303 && !strings.HasPrefix(loc, "/web/signin") {
				t.Errorf("GET %s as %s = %d to %q, want %d", c.path, who, status, loc, want)
			}
		}
	}
	// Form actions by the other roles, each with its own session's CSRF
	// token: refused, nothing changed or deleted.
	for _, who := range []string{"admin", "social_worker", "planner"} {
		c := clients[who]
		_, _, page := c.get("/web/needs") // a social worker's and an admin's home
		if who == "planner" {
			_, _, page = c.get("/web/dashboard") // a planner's home
		}
		token := csrf(t, page)
		for _, path := range []string{"/web/profile", "/web/profile/delete"} {
			if status, _, _ := c.post(path, url.Values{"csrf": {token}, "confirm": {"yes"}, "name": {"x"}}); status != http.StatusForbidden {
				t.Errorf("POST %s as %s = %d, want 403", path, who, status)
			}
		}
	}
	if status, loc, _ := clients["out"].post("/web/profile", url.Values{"name": {"x"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/web/signin") {
		t.Errorf("POST /web/profile signed out = %d to %q, want 303 to sign in", status, loc)
	}
	if v := e.stored("V1"); v.Name != "测试志愿者" {
		t.Errorf("V1 was changed by another role's form: %q", v.Name)
	}
}
