package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
)

// incentive makes sure partner pt1 and its offer of1 (1 point, no limits)
// exist, and returns the offer's ID.
func (w *world) incentive() string {
	w.e.t.Helper()
	ctx := context.Background()
	if _, err := w.e.st.Offer(ctx, "of1"); err == nil {
		return "of1"
	}
	if err := w.e.st.CreatePartner(ctx, &volmatch.Partner{ID: "pt1", Name: "首都博物馆"}); err != nil {
		w.e.t.Fatal(err)
	}
	if err := w.e.st.CreateOffer(ctx, &volmatch.Offer{ID: "of1", Partner: "pt1", Title: "免费参观", Points: 1}); err != nil {
		w.e.t.Fatal(err)
	}
	return "of1"
}

// incentiveRows are the matrix rows of partners, offers and redemptions.
func incentiveRows() []access {
	adminWrite := "401 401 401 201 403 403 403 403 403"
	return []access{
		{method: "POST", route: "/v1/partners", want: adminWrite, req: func(w *world, _ string) call {
			return call{"/v1/partners", map[string]any{"id": fmt.Sprintf("fxpt%03d", w.next()), "name": "北京市政交通一卡通"}}
		}},
		{method: "GET", route: "/v1/partners", want: anyRole, req: func(w *world, _ string) call { w.incentive(); return call{path: "/v1/partners"} }},
		{method: "GET", route: "/v1/partners/:id", want: anyRole, req: func(w *world, _ string) call { w.incentive(); return call{path: "/v1/partners/pt1"} }},
		{method: "PUT", route: "/v1/partners/:id", want: adminRead, req: func(w *world, _ string) call {
			w.incentive()
			return call{"/v1/partners/pt1", map[string]any{"id": "pt1", "name": "首都博物馆"}}
		}},
		{method: "POST", route: "/v1/offers", want: adminWrite, req: func(w *world, _ string) call {
			w.incentive()
			return call{"/v1/offers", map[string]any{"id": fmt.Sprintf("fxof%03d", w.next()), "partner": "pt1", "title": "特展门票", "min_stars": 1}}
		}},
		{method: "GET", route: "/v1/offers", want: anyRole, req: func(w *world, _ string) call { w.incentive(); return call{path: "/v1/offers?partner=pt1"} }},
		{method: "GET", route: "/v1/offers/:id", want: anyRole, req: func(w *world, _ string) call { return call{path: "/v1/offers/" + w.incentive()} }},
		{method: "PUT", route: "/v1/offers/:id", want: adminRead, req: func(w *world, _ string) call {
			return call{"/v1/offers/" + w.incentive(), map[string]any{"id": "of1", "partner": "pt1", "title": "免费参观", "points": 1}}
		}},
		{method: "GET", route: "/v1/offers/:id/redemptions", want: adminRead, req: func(w *world, _ string) call {
			return call{path: "/v1/offers/" + w.incentive() + "/redemptions"}
		}},
		{method: "GET", route: "/v1/volunteers/:id/offers", want: selfOnly, req: func(w *world, _ string) call {
			w.incentive()
			return call{path: "/v1/volunteers/v1/offers"}
		}},
		{method: "POST", route: "/v1/volunteers/:id/redemptions", want: "401 401 401 201 403 403 201 403 403", req: func(w *world, _ string) call {
			w.credit("v1", 1)
			return call{"/v1/volunteers/v1/redemptions", map[string]any{"offer": w.incentive(), "key": fmt.Sprintf("k%03d", w.next())}}
		}},
	}
}

// TestIncentivesOverHTTP: an admin registers a partner and a limited
// offer; a volunteer reads their board and redeems once (a retry with
// the key answers the same redemption and spends nothing); refusals are
// 409 with a reason, bad input 400/422, and none of them writes.
func TestIncentivesOverHTTP(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	e.must(201, "admin", "POST", "/v1/partners", map[string]any{"id": "museum", "name": "首都博物馆"}, nil)
	e.must(201, "admin", "POST", "/v1/offers", map[string]any{"id": "ticket", "partner": "museum", "title": "特展门票", "points": 4, "stock": 1}, nil)
	before := e.snapshot()
	for _, c := range []struct {
		name, who string
		status    int
		body      any
		want      string
	}{
		{"too few points", "vol1", 409, map[string]any{"offer": "ticket"}, `"reason":"insufficient_balance"`},
		{"an unknown field", "vol1", 400, `{"offer":"ticket","points":0}`, `points`},
		{"an unknown offer", "vol1", 422, map[string]any{"offer": "none"}, `"offer"`},
		{"a key that is no ID", "vol1", 422, map[string]any{"offer": "ticket", "key": strings.Repeat("长", 10)}, `"key"`},
	} {
		st, b := e.do(c.who, "POST", "/v1/volunteers/v1/redemptions", c.body, nil)
		if st != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, st, b, c.status, c.want)
		}
	}
	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"an offer asking for nothing", map[string]any{"id": "free", "partner": "museum", "title": "x"}, `"points"`},
		{"an unknown partner", map[string]any{"id": "x1", "partner": "nobody", "title": "x", "points": 1}, `"partner"`},
		{"a title of 201 characters", map[string]any{"id": "x2", "partner": "museum", "title": strings.Repeat("长", 201), "points": 1}, `"title"`},
		{"six stars", map[string]any{"id": "x3", "partner": "museum", "title": "x", "min_stars": 6}, `"min_stars"`},
	} {
		st, b := e.do("admin", "POST", "/v1/offers", c.body, nil)
		if st != 422 || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s, want 422 naming %s", c.name, st, b, c.want)
		}
	}
	if e.snapshot() != before {
		t.Errorf("a refused request wrote")
	}
	w.credit("v1", 10)
	var r1, r2 volmatch.Redemption
	e.must(201, "vol1", "POST", "/v1/volunteers/v1/redemptions", map[string]any{"offer": "ticket", "key": "tap1"}, &r1)
	e.must(201, "vol1", "POST", "/v1/volunteers/v1/redemptions", map[string]any{"offer": "ticket", "key": "tap1"}, &r2)
	if r1.ID == "" || r1.ID != r2.ID {
		t.Errorf("a retry with the key = %s, want the first redemption %s", r2.ID, r1.ID)
	}
	var board engine.OfferBoard
	e.must(200, "vol1", "GET", "/v1/volunteers/v1/offers", nil, &board)
	if board.Points != 6 || len(board.Redemptions) != 1 || len(board.Offers) != 1 || board.Offers[0].Blocked != volmatch.ReasonSoldOut {
		t.Errorf("board after one redemption: %d points, %d redemptions, offers %+v; want 6, 1, ticket sold out", board.Points, len(board.Redemptions), board.Offers)
	}
	w.credit("v2", 10)
	st, b := e.do("vol2", "POST", "/v1/volunteers/v2/redemptions", map[string]any{"offer": "ticket"}, nil)
	if st != 409 || !strings.Contains(string(b), `"reason":"sold_out"`) {
		t.Errorf("the second of a stock of one = %d %s, want 409 sold_out", st, b)
	}
	var offer volmatch.Offer
	e.must(200, "planner", "GET", "/v1/offers/ticket", nil, &offer)
	if offer.Redeemed != 1 {
		t.Errorf("offer redeemed %d, want 1", offer.Redeemed)
	}
	st, b = e.do("planner", "GET", "/v1/ledger/totals", nil, nil)
	if st != 200 || !strings.Contains(string(b), `"partner_points":4`) {
		t.Errorf("totals = %d %s, want partner_points 4", st, b)
	}
}
