package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// seedOffers registers two partners and three offers: a park pass for
// volunteers of one star, a transit top-up for 30 points (one each, 50
// in stock) and a museum ticket for 10 points (one in stock).
func seedOffers(t *testing.T, eng *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []*volmatch.Partner{{ID: "park", Name: "北京市公园管理中心"}, {ID: "transit", Name: "北京市政交通一卡通"}} {
		if err := eng.SavePartner(ctx, admin, "", p); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []*volmatch.Offer{
		{ID: "pass", Partner: "park", Title: "公园年票九折", Description: "凭兑换码在各公园售票处办理", MinStars: 1},
		{ID: "topup", Partner: "transit", Title: "一卡通充值 10 元", Points: 30, Stock: 50, PerVolunteer: 1, ValidTo: fixture.Base.AddDate(0, 2, 0)},
		{ID: "ticket", Partner: "park", Title: "首都博物馆特展门票", Points: 10, Stock: 1},
	} {
		if err := eng.SaveOffer(ctx, admin, "", o); err != nil {
			t.Fatal(err)
		}
	}
}

var redeemForm = regexp.MustCompile(`name="offer" value="([a-z]+)">\s*<input type="hidden" name="key" value="([^"]+)"`)

// TestOffersPage: a volunteer without points sees what they are short
// of; after a service they redeem in one tap, a double tap (the same
// form sent again and at once) redeems once; a refusal says why with
// nothing spent; another role may not open the page.
func TestOffersPage(t *testing.T) {
	e := newEnv(t)
	vol := e.signIn(volunteer)
	status, _, page := vol.get("/web/offers")
	for _, want := range []string{"还差 1 星", "还差 30 积分", "还差 10 积分", "剩余 50 份", "每人限 1 次（已兑 0 次）", `href="/web/offers" aria-current="page"`, "北京市公园管理中心"} {
		if status != 200 || !strings.Contains(page, want) {
			t.Errorf("GET /web/offers = %d, lacks %q", status, want)
		}
	}
	if strings.Contains(page, `action="/web/offers/redeem"`) {
		t.Errorf("a volunteer with no points and no stars is offered a redeem button")
	}
	e.serveN1() // 30 points; the clock moves past the session
	vol = e.signIn(volunteer)
	_, _, page = vol.get("/web/offers")
	forms := map[string]url.Values{}
	for _, m := range redeemForm.FindAllStringSubmatch(page, -1) {
		forms[m[1]] = url.Values{"csrf": {csrf(t, page)}, "offer": {m[1]}, "key": {m[2]}}
	}
	if len(forms) != 2 || forms["topup"] == nil || forms["ticket"] == nil {
		t.Fatalf("with 30 points the page offers %v, want topup and ticket:\n%s", forms, page)
	}
	// A double tap: the same form, twice at once and once more after.
	var wg sync.WaitGroup
	locs := make([]string, 3)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); _, locs[i], _ = vol.post("/web/offers/redeem", forms["topup"]) }()
	}
	wg.Wait()
	_, locs[2], _ = vol.post("/web/offers/redeem", forms["topup"])
	for _, l := range locs {
		if !strings.HasPrefix(l, "/web/offers?") || l != locs[0] {
			t.Errorf("the taps went to %q, want one redemption's page each", locs)
			break
		}
	}
	status, _, page = vol.get(locs[0])
	if status != 200 || !strings.Contains(page, "兑换成功") || !strings.Contains(page, `data-points="0"`) || strings.Count(page, "data-redemption=") != 1 {
		t.Errorf("after a double tap: %d, want one redemption and 0 points left:\n%.2000s", status, page)
	}
	// The ticket's form, drawn when there were points: refused now.
	status, _, page = vol.post("/web/offers/redeem", forms["ticket"])
	if status != 409 || !strings.Contains(page, "积分不足，未兑换") || !strings.Contains(page, `data-points="0"`) {
		t.Errorf("redeem beyond the points = %d, want 409 saying so:\n%.1500s", status, page)
	}
	bad := url.Values{"csrf": forms["ticket"]["csrf"], "offer": {"nope"}, "key": {"k1"}}
	if status, _, page := vol.post("/web/offers/redeem", bad); status != 409 || !strings.Contains(page, "未能兑换") {
		t.Errorf("redeem an unknown offer = %d, want 409 with a message", status)
	}
	// An offer whose ID is as long as an ID may be still redeems in a tap.
	long := strings.Repeat("x", 64)
	if err := e.eng.SaveOffer(context.Background(), admin, "", &volmatch.Offer{ID: long, Partner: "park", Title: "长编号礼遇", Points: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Adjust(context.Background(), admin, "V1", engine.Movement{Currency: volmatch.CurrencyPoints, Amount: 1, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	_, _, page = vol.get("/web/offers")
	m := regexp.MustCompile(`name="offer" value="` + long + `">\s*<input type="hidden" name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no redeem form for the long offer:\n%s", page)
	}
	if status, loc, _ := vol.post("/web/offers/redeem", url.Values{"csrf": {csrf(t, page)}, "offer": {long}, "key": {m[1]}}); status != 303 || !strings.Contains(loc, "flash.redeemed") {
		t.Errorf("redeem the long offer = %d to %q, want 303 redeemed", status, loc)
	}
	for _, spec := range []volmatch.Token{socialWorker, planner, adminSpec} {
		if status, _, _ := e.signIn(spec).get("/web/offers"); status != 403 {
			t.Errorf("GET /web/offers as %s = %d, want 403", spec.Role, status)
		}
	}
}

// TestBrowserOffers: the offers page in real Chromium, zh and en, 390 and
// 1280 px, with screenshots, before and after a one-tap redemption; no
// page scrolls sideways or raises an error.
func TestBrowserOffers(t *testing.T) {
	e := newEnv(t)
	e.serveN1()
	if _, err := e.eng.ImportOpenings(context.Background(), admin, []*volmatch.OpeningBalance{{Volunteer: "V1", Hours: 120, Source: "志愿北京", AsOf: fixture.Base.AddDate(0, -1, 0)}}); err != nil {
		t.Fatal(err)
	}
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, volunteer, chromedp.WaitVisible(chromedp.CSS("main h1")))
	shoot := func(step string) {
		for _, lang := range []string{"zh", "en"} {
			for _, width := range []int{390, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900),
					chromedp.Navigate(e.srv.URL+"/web/offers?lang="+lang), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatal(err)
				}
				shotPage(t, ctx, dir, fmt.Sprintf("offers-%s-%s-%d", step, lang, width))
			}
		}
	}
	shoot("before")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(e.srv.URL+"/web/offers?lang=zh"),
		chromedp.Click(chromedp.CSS(`li[data-offer="pass"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash.ok`))); err != nil {
		t.Fatal(err)
	}
	if flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash.ok`))); err != nil || !strings.Contains(flash, "兑换成功") {
		t.Errorf("after a tap the page says %q (%v), want 兑换成功", flash, err)
	}
	shotPage(t, ctx, dir, "offers-redeemed-zh-390")
	shoot("after")
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the page raised errors:\n%s", strings.Join(msgs, "\n"))
	}
}
