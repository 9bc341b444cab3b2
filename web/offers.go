package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"volmatch"
	"volmatch/engine"
)

// Incentives (礼遇, issue 15): /web/offers shows a volunteer their star
// level and points, every open offer with what it asks for and, for the
// ones they may not redeem yet, what they are short of; one tap redeems.
// The form carries a key made when the page was drawn, so a double tap or
// a resent form redeems once. Every rule is the engine's.

// offerRoutes registers the page.
func (s *Server) offerRoutes() {
	s.mux.Handle("GET /web/offers", s.page(volunteers, s.offersPage))
	s.mux.Handle("POST /web/offers/redeem", s.page(volunteers, s.redeem))
}

// parseOfferPage parses the page's template with the layout.
func parseOfferPage(pages map[string]*template.Template, funcs template.FuncMap) {
	pages["offers"] = template.Must(template.New("offers").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/offers.html"))
}

// offersData is the offers page.
type offersData struct {
	Star        starLevel
	Points      int64
	Notice      *notice
	Offers      []offerCard
	Redemptions []redemptionRow
	Key         string // the retry key of the page's redeem forms
}

// offerCard is an offer as the page shows it.
type offerCard struct {
	engine.OfferView
	Stars    string   // ★★ of the star level asked
	Asks     []string // what it asks for, in words
	Terms    []string // stock left, limit, validity
	Short    string   // what the volunteer is short of, or why it is closed to them
	Redeemed bool     // the one just redeemed
	Key      string   // the retry key of its redeem form
}

// redemptionRow is a redemption as the page lists it.
type redemptionRow struct {
	ID, Date, Title, Points string
}

// offersPage shows the volunteer's offers.
func (s *Server) offersPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	var n *notice
	if q.Get("msg") == "flash.redeemed" {
		n = &notice{Text: fmt.Sprintf(msg(r.lang, "offers.redeemed"), q.Get("code")), OK: true}
	}
	s.showOffers(w, r, http.StatusOK, n, q.Get("offer"))
}

// showOffers renders the page with a notice (a refusal or a success).
func (s *Server) showOffers(w http.ResponseWriter, r *request, status int, n *notice, just string) {
	b, err := s.eng.OfferBoard(r.Context(), r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	st, err := s.eng.Stars(r.Context(), r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d := offersData{Star: starOf(st.Hours), Points: b.Points, Notice: n, Key: engine.NewID("k")}
	for i, o := range b.Offers {
		c := offerCardOf(o, r.lang, just)
		c.Key = fmt.Sprintf("%s-%d", d.Key, i) // one key per form: a key names one offer
		d.Offers = append(d.Offers, c)
	}
	for _, x := range b.Redemptions[:min(len(b.Redemptions), maxMovesShown)] {
		pts := msg(r.lang, "offers.free")
		if x.Points > 0 {
			pts = fmt.Sprintf("-%d %s", x.Points, msg(r.lang, "ledger.unit.points"))
		}
		d.Redemptions = append(d.Redemptions, redemptionRow{ID: x.ID, Date: x.At.In(volmatch.Beijing).Format(time.DateOnly), Title: x.Title, Points: pts})
	}
	s.render(w, r.Request, status, "offers", r.view("offers.title", d))
}

// offerCardOf words an offer for the volunteer.
func offerCardOf(o engine.OfferView, lang, just string) offerCard {
	c := offerCard{OfferView: o, Stars: strings.Repeat("★", o.MinStars), Redeemed: o.ID == just}
	if o.MinStars > 0 {
		c.Asks = append(c.Asks, fmt.Sprintf(msg(lang, "offers.asks.stars"), o.MinStars))
	}
	if o.Points > 0 {
		c.Asks = append(c.Asks, fmt.Sprintf(msg(lang, "offers.asks.points"), o.Points))
	}
	if o.Left >= 0 {
		c.Terms = append(c.Terms, fmt.Sprintf(msg(lang, "offers.left"), o.Left))
	}
	if o.PerVolunteer > 0 {
		c.Terms = append(c.Terms, fmt.Sprintf(msg(lang, "offers.per"), o.PerVolunteer, o.Mine))
	}
	if !o.ValidTo.IsZero() {
		c.Terms = append(c.Terms, fmt.Sprintf(msg(lang, "offers.until"), o.ValidTo.In(volmatch.Beijing).Format(time.DateOnly)))
	}
	switch {
	case o.Blocked != "":
		c.Short = msg(lang, "offers.blocked."+o.Blocked)
	case o.ShortStars > 0 && o.ShortPoints > 0:
		c.Short = fmt.Sprintf(msg(lang, "offers.short.both"), o.ShortStars, o.ShortPoints)
	case o.ShortStars > 0:
		c.Short = fmt.Sprintf(msg(lang, "offers.short.stars"), o.ShortStars)
	case o.ShortPoints > 0:
		c.Short = fmt.Sprintf(msg(lang, "offers.short.points"), o.ShortPoints)
	}
	return c
}

// redeem redeems the form's offer and returns to the page; a refusal is
// shown at the top of the page with nothing spent.
func (s *Server) redeem(w http.ResponseWriter, r *request) {
	offer := r.PostFormValue("offer")
	red, err := s.eng.Redeem(r.Context(), r.tok, r.tok.Volunteer, engine.RedeemRequest{Offer: offer, Key: r.PostFormValue("key")})
	if err == nil {
		v := url.Values{"msg": {"flash.redeemed"}, "code": {red.ID}, "offer": {red.Offer}}
		http.Redirect(w, r.Request, "/web/offers?"+v.Encode(), http.StatusSeeOther)
		return
	}
	key := "offers.err.other"
	switch reason := volmatch.ErrorReason(err); {
	case reason == volmatch.ReasonInsufficient:
		key = "offers.err.points"
	case reason != "":
		key = "offers.err." + reason
	case volmatch.ErrorCode(err) != volmatch.EINVALID:
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.showOffers(w, r, http.StatusConflict, &notice{Text: msg(r.lang, key)}, "")
}

func init() {
	for k, v := range map[string]string{
		"nav.offers":                   "礼遇",
		"offers.title":                 "志愿者礼遇",
		"offers.mine":                  "我的星级与积分",
		"offers.points":                "服务积分",
		"offers.list":                  "可兑换的礼遇",
		"offers.none":                  "暂时没有礼遇。",
		"offers.asks.stars":            "%d 星及以上志愿者",
		"offers.asks.points":           "%d 积分",
		"offers.free":                  "免积分",
		"offers.left":                  "剩余 %d 份",
		"offers.per":                   "每人限 %d 次（已兑 %d 次）",
		"offers.until":                 "%s 前有效",
		"offers.short.stars":           "还差 %d 星",
		"offers.short.points":          "还差 %d 积分",
		"offers.short.both":            "还差 %d 星和 %d 积分",
		"offers.blocked.sold_out":      "已兑完",
		"offers.blocked.limit_reached": "已达兑换上限",
		"offers.redeem":                "兑换",
		"offers.redeem.label":          "兑换：%s",
		"offers.redeemed":              "兑换成功。兑换码：%s（请向合作单位出示）",
		"offers.history":               "我的兑换",
		"offers.history.none":          "还没有兑换过礼遇。",
		"offers.err.points":            "积分不足，未兑换。",
		"offers.err.sold_out":          "这项礼遇已兑完，未兑换。",
		"offers.err.limit_reached":     "已达这项礼遇的兑换上限，未兑换。",
		"offers.err.stars_too_few":     "星级未达到这项礼遇的要求，未兑换。",
		"offers.err.offer_closed":      "这项礼遇已下架或不在有效期内，未兑换。",
		"offers.err.offer_changed":     "这项礼遇刚刚更新了，请看清后再兑换。",
		"offers.err.redeemed_differs":  "请刷新页面后再兑换。",
		"offers.err.other":             "未能兑换，请刷新后重试。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.offers":                   "Offers",
		"offers.title":                 "Offers for volunteers",
		"offers.mine":                  "My stars and points",
		"offers.points":                "Service points",
		"offers.list":                  "Offers",
		"offers.none":                  "No offers at the moment.",
		"offers.asks.stars":            "Volunteers with %d or more stars",
		"offers.asks.points":           "%d points",
		"offers.free":                  "no points",
		"offers.left":                  "%d left",
		"offers.per":                   "%d per volunteer (you: %d)",
		"offers.until":                 "valid until %s",
		"offers.short.stars":           "%d more stars needed",
		"offers.short.points":          "%d more points needed",
		"offers.short.both":            "%d more stars and %d more points needed",
		"offers.blocked.sold_out":      "Sold out",
		"offers.blocked.limit_reached": "You have redeemed it as often as allowed",
		"offers.redeem":                "Redeem",
		"offers.redeem.label":          "Redeem: %s",
		"offers.redeemed":              "Redeemed. Code: %s (show it to the partner)",
		"offers.history":               "My redemptions",
		"offers.history.none":          "Nothing redeemed yet.",
		"offers.err.points":            "Not enough points; nothing was redeemed.",
		"offers.err.sold_out":          "This offer is sold out; nothing was redeemed.",
		"offers.err.limit_reached":     "You have redeemed this offer as often as allowed; nothing was redeemed.",
		"offers.err.stars_too_few":     "Your star level is below this offer's; nothing was redeemed.",
		"offers.err.offer_closed":      "This offer is withdrawn or not valid now; nothing was redeemed.",
		"offers.err.offer_changed":     "This offer just changed; look again before redeeming.",
		"offers.err.redeemed_differs":  "Reload the page and redeem again.",
		"offers.err.other":             "Not redeemed; reload and try again.",
	} {
		messages[langEN][k] = v
	}
}
