package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
)

func partner(id string) *volmatch.Partner {
	return &volmatch.Partner{ID: id, Name: "首都博物馆", UpdatedAt: at(0)}
}

func offer(id, partner string, stars int, pts int64, stock, per int) *volmatch.Offer {
	return &volmatch.Offer{ID: id, Partner: partner, Title: "免费参观", MinStars: stars, Points: pts, Stock: stock, PerVolunteer: per,
		ValidFrom: at(-24), ValidTo: at(24 * 30), UpdatedAt: at(0)}
}

func redemption(id, of, vol string, pts int64) *volmatch.Redemption {
	return &volmatch.Redemption{ID: id, Offer: of, Partner: "P1", Volunteer: vol, Title: "免费参观", Points: pts, Actor: vol, At: at(1)}
}

func wantOfferRedeemed(t *testing.T, st volmatch.Store, id string, want int) {
	t.Helper()
	o, err := st.Offer(context.Background(), id)
	must(t, "Offer "+id, err)
	if o.Redeemed != want {
		t.Errorf("Offer(%s).Redeemed = %d, want %d", id, o.Redeemed, want)
	}
}

// testIncentives: partners and offers are written and listed; an offer
// needs its partner and keeps its count across updates; a redemption
// moves the points from the volunteer to the partner with its counts,
// and one refused (a repeated ID, too few points, sold out, over the
// volunteer's limit, closed, a changed price) writes nothing.
func testIncentives(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	wantCode(t, "offer without partner", st.CreateOffer(ctx, offer("O1", "P1", 0, 30, 2, 1)), volmatch.ENOTFOUND)
	must(t, "CreatePartner", st.CreatePartner(ctx, partner("P1")))
	wantCode(t, "CreatePartner twice", st.CreatePartner(ctx, partner("P1")), volmatch.ECONFLICT)
	wantCode(t, "UpdatePartner missing", st.UpdatePartner(ctx, partner("P9")), volmatch.ENOTFOUND)
	wantCode(t, "invalid partner", st.CreatePartner(ctx, &volmatch.Partner{ID: "P2"}), volmatch.EINVALID)
	must(t, "CreatePartner P2", st.CreatePartner(ctx, partner("P2")))
	p := partner("P2")
	p.Name = "一卡通"
	must(t, "UpdatePartner", st.UpdatePartner(ctx, p))
	got, err := st.Partner(ctx, "P2")
	must(t, "Partner", err)
	sameJSON(t, "Partner(P2)", got, p)
	ps := pages(t, "Partners", func(after string) ([]*volmatch.Partner, string, error) {
		return st.Partners(ctx, volmatch.ListOptions{After: after, Limit: 1})
	})
	if len(ps) != 2 || ps[0].ID != "P1" || ps[1].ID != "P2" {
		t.Errorf("Partners = %d, want P1 and P2", len(ps))
	}

	o1 := offer("O1", "P1", 0, 30, 2, 1)
	o1.Redeemed = 9 // derived: the store ignores it
	must(t, "CreateOffer", st.CreateOffer(ctx, o1))
	if o1.Redeemed != 0 {
		t.Errorf("CreateOffer left Redeemed %d, want 0", o1.Redeemed)
	}
	must(t, "CreateOffer O2", st.CreateOffer(ctx, offer("O2", "P2", 2, 0, 0, 0)))
	wantCode(t, "CreateOffer twice", st.CreateOffer(ctx, offer("O1", "P1", 0, 30, 2, 1)), volmatch.ECONFLICT)
	wantCode(t, "UpdateOffer missing", st.UpdateOffer(ctx, offer("O9", "P1", 0, 30, 2, 1)), volmatch.ENOTFOUND)
	wantCode(t, "UpdateOffer to another partner", st.UpdateOffer(ctx, offer("O1", "P2", 0, 30, 2, 1)), volmatch.ECONFLICT)
	wantCode(t, "invalid offer", st.CreateOffer(ctx, offer("O3", "P1", 0, 0, 0, 0)), volmatch.EINVALID)
	os := pages(t, "Offers", func(after string) ([]*volmatch.Offer, string, error) {
		return st.Offers(ctx, volmatch.OfferFilter{Partner: "P2", ListOptions: volmatch.ListOptions{After: after, Limit: 1}})
	})
	if len(os) != 1 || os[0].ID != "O2" {
		t.Errorf("Offers(partner P2) = %d, want O2", len(os))
	}

	must(t, "earn", st.PostTxn(ctx, txn("E1", volmatch.TxnEarn, issued, points("V1"), 50)))
	must(t, "earn", st.PostTxn(ctx, txn("E2", volmatch.TxnEarn, issued, points("V2"), 100)))
	must(t, "Redeem", st.Redeem(ctx, redemption("R1", "O1", "V1", 30)))
	wantBalance(t, st, points("V1"), 20)
	wantBalance(t, st, volmatch.PartnerAccount(volmatch.CurrencyPoints, "P1"), 30)
	wantOfferRedeemed(t, st, "O1", 1)
	tx, err := st.LedgerTxn(ctx, "redeem-R1")
	must(t, "LedgerTxn(redeem-R1)", err)
	if tx.Kind != volmatch.TxnSpend || len(tx.Entries) != 2 {
		t.Errorf("redemption's transaction = %+v, want a spend of two entries", tx)
	}
	// An update keeps the count.
	o1 = offer("O1", "P1", 0, 30, 2, 1)
	o1.Title = "免费参观（周二至周日）"
	must(t, "UpdateOffer", st.UpdateOffer(ctx, o1))
	if o1.Redeemed != 1 {
		t.Errorf("UpdateOffer: Redeemed = %d, want the stored 1", o1.Redeemed)
	}
	wantOfferRedeemed(t, st, "O1", 1)

	closed := offer("O4", "P1", 0, 5, 0, 0)
	closed.Withdrawn = true
	must(t, "CreateOffer O4", st.CreateOffer(ctx, closed))
	expired := offer("O5", "P1", 0, 5, 0, 0)
	expired.ValidFrom, expired.ValidTo = at(-48), at(0)
	must(t, "CreateOffer O5", st.CreateOffer(ctx, expired))

	for _, c := range []struct {
		name, code, reason string
		r                  *volmatch.Redemption
	}{
		{"a repeated ID", volmatch.ECONFLICT, "", redemption("R1", "O1", "V2", 30)},
		{"too few points", volmatch.ECONFLICT, volmatch.ReasonInsufficient, redemption("R2", "O1", "V3", 30)},
		{"over the volunteer's limit", volmatch.ECONFLICT, volmatch.ReasonLimitReached, redemption("R2", "O1", "V1", 30)},
		{"a changed price", volmatch.ECONFLICT, volmatch.ReasonOfferChanged, redemption("R2", "O1", "V2", 20)},
		{"a withdrawn offer", volmatch.ECONFLICT, volmatch.ReasonOfferClosed, redemption("R2", "O4", "V2", 5)},
		{"an expired offer", volmatch.ECONFLICT, volmatch.ReasonOfferClosed, redemption("R2", "O5", "V2", 5)},
		{"a missing offer", volmatch.ENOTFOUND, "", redemption("R2", "O9", "V2", 5)},
		{"no actor", volmatch.EINVALID, "", &volmatch.Redemption{ID: "R2", Offer: "O1", Partner: "P1", Volunteer: "V2", Points: 30, At: at(1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := st.Redeem(ctx, c.r)
			wantCode(t, c.name, err, c.code)
			if volmatch.ErrorReason(err) != c.reason {
				t.Errorf("%s: reason %q, want %q", c.name, volmatch.ErrorReason(err), c.reason)
			}
			wantBalance(t, st, points("V1"), 20)
			wantBalance(t, st, points("V2"), 100)
			wantOfferRedeemed(t, st, "O1", 1)
			if _, err := st.Redemption(ctx, "R2"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Errorf("%s wrote its redemption", c.name)
			}
			if _, err := st.LedgerTxn(ctx, "redeem-R2"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Errorf("%s wrote its transaction", c.name)
			}
		})
	}
	// A star offer spends nothing; the last of a stock sells it out.
	must(t, "Redeem O2", st.Redeem(ctx, &volmatch.Redemption{ID: "R3", Offer: "O2", Partner: "P2", Volunteer: "V1", Title: "x", Actor: "V1", At: at(1)}))
	wantBalance(t, st, points("V1"), 20)
	if _, err := st.LedgerTxn(ctx, "redeem-R3"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("a redemption of no points posted a transaction")
	}
	must(t, "Redeem R4", st.Redeem(ctx, redemption("R4", "O1", "V2", 30)))
	must(t, "earn", st.PostTxn(ctx, txn("E3", volmatch.TxnEarn, issued, points("V3"), 100)))
	err = st.Redeem(ctx, redemption("R5", "O1", "V3", 30))
	if volmatch.ErrorReason(err) != volmatch.ReasonSoldOut {
		t.Errorf("Redeem beyond the stock = %v, want %s", err, volmatch.ReasonSoldOut)
	}
	wantBalance(t, st, points("V3"), 100)
	rs := pages(t, "Redemptions(V1)", func(after string) ([]*volmatch.Redemption, string, error) {
		return st.Redemptions(ctx, volmatch.RedemptionFilter{Volunteer: "V1", ListOptions: volmatch.ListOptions{After: after, Limit: 1}})
	})
	if len(rs) != 2 || rs[0].ID != "R1" || rs[1].ID != "R3" {
		t.Errorf("Redemptions(V1) = %d, want R1 and R3", len(rs))
	}
	rs = pages(t, "Redemptions(O1)", func(after string) ([]*volmatch.Redemption, string, error) {
		return st.Redemptions(ctx, volmatch.RedemptionFilter{Offer: "O1", ListOptions: volmatch.ListOptions{After: after}})
	})
	if len(rs) != 2 || rs[0].ID != "R1" || rs[1].ID != "R4" {
		t.Errorf("Redemptions(O1) = %d, want R1 and R4", len(rs))
	}
	one, err := st.Redemption(ctx, "R4")
	must(t, "Redemption", err)
	sameJSON(t, "Redemption(R4)", one, redemption("R4", "O1", "V2", 30))
}

// testIncentivesConcurrentRedeem: redemptions released at once never
// oversell a stock, never pass a volunteer's limit and never overdraw a
// balance: 24 volunteers at a stock of 5 give exactly 5; 12 tries of one
// volunteer at a limit of 1 give exactly 1; 12 tries of one volunteer
// whose points pay for 3 give exactly 3. The refused write nothing.
func testIncentivesConcurrentRedeem(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	must(t, "CreatePartner", st.CreatePartner(ctx, partner("P1")))
	for _, c := range []struct {
		name        string
		offer       *volmatch.Offer
		vols        func(i int) string
		earn        int64
		tries, want int
		reason      string
	}{
		{"stock", offer("OS", "P1", 0, 10, 5, 0), func(i int) string { return fmt.Sprintf("VS%02d", i) }, 100, 24, 5, volmatch.ReasonSoldOut},
		{"limit", offer("OL", "P1", 0, 10, 0, 1), func(int) string { return "VL" }, 1000, 12, 1, volmatch.ReasonLimitReached},
		{"balance", offer("OB", "P1", 0, 10, 0, 0), func(int) string { return "VB" }, 35, 12, 3, volmatch.ReasonInsufficient},
	} {
		t.Run(c.name, func(t *testing.T) {
			must(t, "CreateOffer", st.CreateOffer(ctx, c.offer))
			for i := range c.tries {
				if v := c.vols(i); i == 0 || v != c.vols(i-1) {
					must(t, "earn", st.PostTxn(ctx, txn("E-"+v, volmatch.TxnEarn, issued, points(v), c.earn)))
				}
			}
			errs := race(c.tries, func(i int) error {
				return st.Redeem(ctx, redemption(fmt.Sprintf("R-%s-%02d", c.name, i), c.offer.ID, c.vols(i), 10))
			})
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case volmatch.ErrorReason(err) != c.reason:
					t.Errorf("a concurrent redemption failed with %v, want %s", err, c.reason)
				}
			}
			if ok != c.want {
				t.Errorf("%d of %d concurrent redemptions passed, want exactly %d", ok, c.tries, c.want)
			}
			wantOfferRedeemed(t, st, c.offer.ID, c.want)
			rs := pages(t, "Redemptions", func(after string) ([]*volmatch.Redemption, string, error) {
				return st.Redemptions(ctx, volmatch.RedemptionFilter{Offer: c.offer.ID, ListOptions: volmatch.ListOptions{After: after}})
			})
			if len(rs) != c.want {
				t.Errorf("%d redemptions stored, want %d", len(rs), c.want)
			}
			var held, earned int64
			for i := range c.tries {
				if v := c.vols(i); i == 0 || v != c.vols(i-1) {
					b, err := st.Balance(ctx, points(v))
					must(t, "Balance", err)
					if b < 0 {
						t.Errorf("balance of %s is %d", v, b)
					}
					held, earned = held+b, earned+c.earn
				}
			}
			if spent := int64(10 * c.want); held != earned-spent {
				t.Errorf("volunteers hold %d of %d earned after %d spent: points made or lost", held, earned, spent)
			}
		})
	}
	paid, err := st.Balance(ctx, volmatch.PartnerAccount(volmatch.CurrencyPoints, "P1"))
	must(t, "Balance", err)
	if paid != 90 {
		t.Errorf("partner holds %d after 9 redemptions of 10, want 90", paid)
	}
}
