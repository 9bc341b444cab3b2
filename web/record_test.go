package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// certKey signs the test deployment's certificates (a fixed seed).
var certKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize))

// serveN1 has V1 serve N1's shift (O1's, Tuesday 09:00–12:00 after
// Base) for 3 hours, through the engine, and leaves the clock the next
// day; it returns the assignment.
func (e *env) serveN1() *volmatch.Assignment {
	e.t.Helper()
	ctx := context.Background()
	sw := &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	invs, err := e.eng.Invite(ctx, sw, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V1"}})
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.eng.Accept(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V1"}, invs[0].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Add(33 * time.Hour)
	if _, err := e.eng.Advance(ctx, sw, a.ID, engine.StepRequest{Kind: volmatch.StepCheckIn}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Add(3 * time.Hour)
	if a, err = e.eng.Advance(ctx, sw, a.ID, engine.StepRequest{Kind: volmatch.StepCheckOut}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Add(24 * time.Hour)
	return a
}

var issuedCode = regexp.MustCompile(`issued=([A-Z2-7]{24})`)

// issueOnPage issues the certificate of the page's period through its
// button and returns the code.
func issueOnPage(t *testing.T, c *client, query string) string {
	t.Helper()
	status, _, page := c.get("/web/record" + query)
	if status != 200 {
		t.Fatalf("GET /web/record%s = %d", query, status)
	}
	form := url.Values{"csrf": {csrf(t, page)}}
	for _, f := range []string{"volunteer", "from", "to"} {
		m := regexp.MustCompile(`name="` + f + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m != nil {
			form.Set(f, m[1])
		}
	}
	status, loc, body := c.post("/web/record/certificate", form)
	m := issuedCode.FindStringSubmatch(loc)
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("POST /web/record/certificate = %d to %q, want 303 with the code: %.300s", status, loc, body)
	}
	return m[1]
}

// TestRecordPages: the volunteer sees their record and stars, issues a
// certificate in one tap, downloads it, and anyone verifies it on the
// public page without signing in; refusals are shown beside their field;
// another volunteer cannot download it, another organisation cannot read
// the record, and a corrected record makes the old certificate superseded.
func TestRecordPages(t *testing.T) {
	e := newEnv(t)
	a := e.serveN1()
	ctx := context.Background()
	if _, err := e.eng.RegisterVolunteer(ctx, admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	vol := e.signIn(volunteer)
	status, _, page := vol.get("/web/record")
	for _, want := range []string{"社区助老服务", "合计 3 小时，共 1 次", "朝阳区某街道社工站 O1", "2026-11-03", "累计服务时长 3.0 小时", `href="/web/record" aria-current="page"`} {
		if status != 200 || !strings.Contains(page, want) {
			t.Errorf("GET /web/record = %d, lacks %q", status, want)
		}
	}
	code := issueOnPage(t, vol, "")
	printed := engine.FormatCode(code)
	if _, _, page := vol.get("/web/record?issued=" + code); !strings.Contains(page, printed) || !strings.Contains(page, "/web/certificates/"+code+".pdf") {
		t.Errorf("the page after issuing lacks the code %s or its download", printed)
	}
	resp, err := vol.c.Get(e.srv.URL + "/web/certificates/" + code + ".pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download = %d %s, want a PDF", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	anon := e.client()
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/web/verify/" + code, 200, "证明真实有效"},
		{"/web/verify?code=" + strings.ToLower(printed), 200, "测试志愿者"},
		{"/web/verify/AAAAAAAAAAAAAAAAAAAAAAAA", 404, "未找到使用此验证码的证明"},
		{"/web/verify?code=0OI1", 422, "验证码应为 24 位字母和数字"},
		{"/web/verify", 200, "输入志愿服务记录证明上的验证码"},
		{"/web/verify/" + code + "?lang=en", 200, "Genuine: issued here and unaltered."}, // remembered: keep it last
	} {
		status, _, page := anon.get(c.path)
		if status != c.status || !strings.Contains(page, c.want) {
			t.Errorf("GET %s (no sign-in) = %d, want %d with %q", c.path, status, c.status, c.want)
		}
		if strings.Contains(page, "13800000000") {
			t.Errorf("GET %s shows the volunteer's phone", c.path)
		}
	}

	// Refusals beside their fields, and hostile callers.
	future := e.clock.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	if status, _, page := vol.get("/web/record?from=2026-11-01&to=" + future); status != 422 || !strings.Contains(page, `id="to-error"`) || !strings.Contains(page, "结束日期不能晚于今天") {
		t.Errorf("a period past today = %d, want 422 with the error beside 结束日期", status)
	}
	v2 := e.signIn(volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"})
	if status, _, _ := v2.get("/web/certificates/" + code + ".pdf"); status != 403 {
		t.Errorf("another volunteer downloading the certificate = %d, want 403", status)
	}
	_, _, p2 := v2.get("/web/record?volunteer=V1")
	if strings.Contains(p2, "社区助老服务") {
		t.Errorf("another volunteer naming V1 sees V1's record")
	}
	sw2 := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	if status, _, page := sw2.get("/web/record?volunteer=V1&from=2026-11-01"); status != 403 || strings.Contains(page, "社区助老服务") || !strings.Contains(page, "没有在本机构完成的服务") {
		t.Errorf("another organisation reading V1's record = %d, want 403 with the reason and no record", status)
	}
	sw1 := e.signIn(socialWorker)
	orgCode := issueOnPage(t, sw1, "?volunteer=V1&from=2026-11-01")
	if _, _, page := anon.get("/web/verify/" + orgCode + "?lang=zh"); !strings.Contains(page, "朝阳区某街道社工站 O1") {
		t.Errorf("the organisation's certificate does not name it as issuer")
	}

	// A correction supersedes the certificate.
	if _, err := e.eng.Advance(ctx, &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}, a.ID,
		engine.StepRequest{Kind: volmatch.StepCorrect, Hours: 2.5, Reason: "签退时间记错"}); err != nil {
		t.Fatal(err)
	}
	fresh := issueOnPage(t, vol, "")
	if fresh == code {
		t.Fatalf("after the correction the same certificate was returned")
	}
	if _, _, page := anon.get("/web/verify/" + code); !strings.Contains(page, `data-status="superseded"`) || !strings.Contains(page, "此证明已被更正") {
		t.Errorf("the old certificate's page does not say it is superseded")
	}
	if _, _, page := vol.get("/web/record"); !strings.Contains(page, "已被更正后的证明取代") || !strings.Contains(page, "合计 2.5 小时") {
		t.Errorf("the record page does not list the old certificate as superseded with the corrected total")
	}
}

// TestBrowserRecord: the record page (the volunteer, after issuing) and
// the public verification page in real Chromium, zh and en, 390 and 1280
// px, with screenshots; no page scrolls sideways or raises an error.
func TestBrowserRecord(t *testing.T) {
	e := newEnv(t)
	e.serveN1()
	if _, err := e.eng.ImportOpenings(context.Background(), admin, []*volmatch.OpeningBalance{{Volunteer: "V1", Hours: 120, Source: "志愿北京", AsOf: fixture.Base.AddDate(0, -1, 0)}}); err != nil {
		t.Fatal(err)
	}
	code := issueOnPage(t, e.signIn(volunteer), "")
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, volunteer, chromedp.WaitVisible(chromedp.CSS("main h1")))
	for _, page := range []struct{ name, path, h1zh, h1en string }{
		{"record", "/web/record?issued=" + code, "服务记录与证明", "Service record and certificate"},
		{"verify", "/web/verify/" + code + "?x=1", "证明核验", "Verify a certificate"},
	} {
		for _, lang := range []string{"zh", "en"} {
			for _, width := range []int{390, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900),
					chromedp.Navigate(e.srv.URL+page.path+"&lang="+lang), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatal(err)
				}
				want := page.h1zh
				if lang == "en" {
					want = page.h1en
				}
				if h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1"))); err != nil || h1 != want {
					t.Errorf("%s (%s): h1 = %q, want %q", page.name, lang, h1, want)
				}
				shotPage(t, ctx, dir, fmt.Sprintf("%s-%s-%d", page.name, lang, width))
			}
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors:\n%s", strings.Join(msgs, "\n"))
	}
}

// TestLedgerPage: a completed service shows as points and time savings on
// the record page; the volunteer spends and gives within the balance, a
// spend beyond it is refused beside the form with nothing written.
func TestLedgerPage(t *testing.T) {
	e := newEnv(t)
	e.serveN1() // 3 h of elderly care: 30 points, 180 minutes
	if _, err := e.eng.RegisterVolunteer(context.Background(), admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	vol := e.signIn(volunteer)
	_, _, page := vol.get("/web/record")
	if !strings.Contains(page, `data-points="30"`) || !strings.Contains(page, `data-minutes="180"`) || !strings.Contains(page, "&#43;30 积分") {
		t.Fatalf("the record page lacks 30 points, 180 minutes and the earning:\n%s", page)
	}
	token := csrf(t, page)
	for _, c := range []struct {
		form   url.Values
		status int
		want   string
		points string
	}{
		{url.Values{"currency": {"points"}, "amount": {"40"}, "reason": {"兑换"}}, 422, "余额不足", `data-points="30"`},
		{url.Values{"currency": {"points"}, "amount": {"-5"}, "reason": {"兑换"}}, 422, "请输入正整数数量", `data-points="30"`},
		{url.Values{"currency": {"points"}, "amount": {"5"}, "to": {"V404"}, "reason": {"转赠"}}, 422, "已注册志愿者", `data-points="30"`},
		{url.Values{"currency": {"points"}, "amount": {"10"}, "reason": {"兑换公园年票"}}, 303, "", `data-points="20"`},
		{url.Values{"currency": {"points"}, "amount": {"5"}, "to": {"V2"}, "reason": {"转给家人"}}, 303, "", `data-points="15"`},
		{url.Values{"currency": {"time"}, "amount": {"60"}, "reason": {"兑换陪诊 1 小时"}}, 303, "", `data-minutes="120"`},
	} {
		c.form.Set("csrf", token)
		status, _, body := vol.post("/web/record/move", c.form)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("move %v = %d, want %d with %q", c.form, status, c.status, c.want)
		}
		if _, _, page := vol.get("/web/record"); !strings.Contains(page, c.points) {
			t.Errorf("after move %v the page lacks %s", c.form, c.points)
		}
	}
}
