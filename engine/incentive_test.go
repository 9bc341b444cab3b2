package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
)

// TestIncentiveFlows: an admin keeps partners and offers; a volunteer
// sees what they qualify for and what they are short of; a redemption
// spends the points to the partner once, even retried with its key or
// sent many times at once; limits, star levels, closed offers and other
// people's tokens are refused with nothing spent.
func TestIncentiveFlows(t *testing.T) {
	clock := recordClock
	e, _ := recordEngine(t, &clock)
	ctx := context.Background()
	v1, v2 := volunteerToken("V1"), volunteerToken("V2")

	if err := e.SavePartner(ctx, sw1, "", &volmatch.Partner{ID: "P1", Name: "首都博物馆"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a social worker's SavePartner = %v, want EFORBIDDEN", err)
	}
	must(t, e.SavePartner(ctx, admin, "", &volmatch.Partner{ID: "P1", Name: "首都博物馆"}))
	must(t, e.SavePartner(ctx, admin, "", &volmatch.Partner{ID: "P2", Name: "北京市政交通一卡通"}))
	err := e.SaveOffer(ctx, admin, "", &volmatch.Offer{ID: "X", Partner: "P9", Title: "x", Points: 1})
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "partner" {
		t.Errorf("SaveOffer of an unknown partner = %v, want EINVALID on partner", err)
	}
	for _, o := range []*volmatch.Offer{
		{ID: "OPTS", Partner: "P2", Title: "交通卡充值 10 元", Points: 30, Stock: 100, PerVolunteer: 1},
		{ID: "OSTAR", Partner: "P1", Title: "免费参观", MinStars: 1},
		{ID: "OBOTH", Partner: "P1", Title: "特展门票", MinStars: 2, Points: 10},
		{ID: "OLATE", Partner: "P1", Title: "明年的展览", Points: 1, ValidFrom: recordClock.Add(90 * 24 * time.Hour)},
	} {
		must(t, e.SaveOffer(ctx, admin, "", o))
	}
	_, err = e.ImportOpenings(ctx, admin, []*volmatch.OpeningBalance{{Volunteer: "V1", Hours: 150, Source: "志愿北京", AsOf: recordClock.Add(-24 * time.Hour)}})
	must(t, err)
	_, err = e.Adjust(ctx, admin, "V1", engine.Movement{Currency: volmatch.CurrencyPoints, Amount: 50, Reason: "开户"})
	must(t, err)

	b, err := e.OfferBoard(ctx, v1, "V1")
	must(t, err)
	want := []struct {
		id       string
		eligible bool
		stars    int
		points   int64
	}{{"OPTS", true, 0, 0}, {"OSTAR", true, 0, 0}, {"OBOTH", false, 1, 0}}
	if b.Stars != 1 || b.Points != 50 || len(b.Offers) != len(want) {
		t.Fatalf("OfferBoard(V1) = %d stars, %d points, %d offers; want 1, 50, %d (the one not yet open hidden)", b.Stars, b.Points, len(b.Offers), len(want))
	}
	for i, w := range want {
		got := b.Offers[i]
		if got.ID != w.id || got.Eligible != w.eligible || got.ShortStars != w.stars || got.ShortPoints != w.points {
			t.Errorf("OfferBoard(V1).Offers[%d] = %s eligible %v short %d stars %d points; want %+v", i, got.ID, got.Eligible, got.ShortStars, got.ShortPoints, w)
		}
	}
	b2, err := e.OfferBoard(ctx, v2, "V2")
	must(t, err)
	for _, o := range b2.Offers {
		if o.Eligible {
			t.Errorf("OfferBoard(V2): %s eligible with no stars and no points", o.ID)
		}
	}
	if _, err := e.OfferBoard(ctx, v2, "V1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another volunteer's OfferBoard = %v, want EFORBIDDEN", err)
	}

	// Many taps of one key at once: one redemption, paid once.
	var wg sync.WaitGroup
	ids := make([]string, 10)
	errs := make([]error, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Redeem(ctx, v1, "V1", engine.RedeemRequest{Offer: "OPTS", Key: "tap-1"})
			if r != nil {
				ids[i] = r.ID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("tap %d of one key = %s, %v; want the first redemption %s", i, ids[i], errs[i], ids[0])
		}
	}
	if bal, _ := e.Balances(ctx, v1, "V1"); bal.Points != 20 {
		t.Errorf("after one redemption of 30 from 50: %d points, want 20", bal.Points)
	}
	for _, c := range []struct {
		name   string
		tok    *volmatch.Token
		vol    string
		req    engine.RedeemRequest
		code   string
		reason string
	}{
		{"the key for another offer", v1, "V1", engine.RedeemRequest{Offer: "OSTAR", Key: "tap-1"}, volmatch.ECONFLICT, volmatch.ReasonRedeemedOther},
		{"past the volunteer's limit", v1, "V1", engine.RedeemRequest{Offer: "OPTS", Key: "tap-2"}, volmatch.ECONFLICT, volmatch.ReasonLimitReached},
		{"too few stars", v1, "V1", engine.RedeemRequest{Offer: "OBOTH"}, volmatch.ECONFLICT, volmatch.ReasonStarsTooFew},
		{"not yet open", v1, "V1", engine.RedeemRequest{Offer: "OLATE"}, volmatch.ECONFLICT, volmatch.ReasonOfferClosed},
		{"too few points", v2, "V2", engine.RedeemRequest{Offer: "OPTS"}, volmatch.ECONFLICT, volmatch.ReasonInsufficient},
		{"an unknown offer", v1, "V1", engine.RedeemRequest{Offer: "NOPE"}, volmatch.EINVALID, ""},
		{"a bad key", v1, "V1", engine.RedeemRequest{Offer: "OPTS", Key: "a key"}, volmatch.EINVALID, ""},
		{"for another volunteer", v2, "V1", engine.RedeemRequest{Offer: "OSTAR"}, volmatch.EFORBIDDEN, ""},
		{"a social worker", sw1, "V1", engine.RedeemRequest{Offer: "OSTAR"}, volmatch.EFORBIDDEN, ""},
		{"a planner", planner, "V1", engine.RedeemRequest{Offer: "OSTAR"}, volmatch.EFORBIDDEN, ""},
	} {
		_, err := e.Redeem(ctx, c.tok, c.vol, c.req)
		if volmatch.ErrorCode(err) != c.code || volmatch.ErrorReason(err) != c.reason {
			t.Errorf("Redeem %s = %v, want %s %s", c.name, err, c.code, c.reason)
		}
	}
	r, err := e.Redeem(ctx, v1, "V1", engine.RedeemRequest{Offer: "OSTAR"})
	must(t, err)
	if r.Points != 0 || r.Partner != "P1" {
		t.Errorf("star offer's redemption = %+v, want no points to P1", r)
	}
	if bal, _ := e.Balances(ctx, v1, "V1"); bal.Points != 20 {
		t.Errorf("after refusals and a free offer: %d points, want 20", bal.Points)
	}
	rs, err := e.Redemptions(ctx, v1, "V1")
	must(t, err)
	if len(rs) != 2 {
		t.Errorf("Redemptions(V1) = %d, want 2", len(rs))
	}
	tot, err := e.Totals(ctx, planner)
	must(t, err)
	if tot.PartnerPoints != 30 {
		t.Errorf("Totals.PartnerPoints = %d, want 30", tot.PartnerPoints)
	}
	if _, _, err := e.OfferRedemptions(ctx, planner, "OPTS", volmatch.ListOptions{}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a planner's OfferRedemptions = %v, want EFORBIDDEN (they name volunteers)", err)
	}

	// Withdrawn: gone from the board, refused; an update keeps the count.
	o := &volmatch.Offer{ID: "OPTS", Partner: "P2", Title: "交通卡充值 10 元", Points: 30, Stock: 100, PerVolunteer: 1, Withdrawn: true}
	must(t, e.SaveOffer(ctx, admin, "OPTS", o))
	if o.Redeemed != 1 {
		t.Errorf("SaveOffer replaced the count: %d, want 1", o.Redeemed)
	}
	b, err = e.OfferBoard(ctx, v1, "V1")
	must(t, err)
	for _, x := range b.Offers {
		if x.ID == "OPTS" {
			t.Errorf("a withdrawn offer is on the board")
		}
	}
	if _, err := e.Redeem(ctx, v2, "V2", engine.RedeemRequest{Offer: "OPTS"}); volmatch.ErrorReason(err) != volmatch.ReasonOfferClosed {
		t.Errorf("Redeem a withdrawn offer = %v, want %s", err, volmatch.ReasonOfferClosed)
	}
}
