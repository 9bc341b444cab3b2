package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"volmatch"
)

// Incentives (礼遇, issue 15 item 4). An admin keeps the partners (a
// museum, a transit card) and their offers, each asking for a star level,
// points, or both, with an optional stock, limit per volunteer and
// validity period. A volunteer sees every open offer with what they are
// short of (stars, points) or why it is closed to them (sold out, their
// limit reached), and redeems one: the star level is checked here, the
// points, the stock and the limit by the store in the same write as the
// ledger spend (volmatch.IncentiveStore.Redeem), so that no concurrency
// oversells or overdraws. A retry with the same key answers the first
// redemption and spends nothing more.

// maxOffersShown is the most offers a volunteer's board lists.
const maxOffersShown = 1000

// SavePartner creates partner p, or replaces partner id with it when id
// is not "" (admin).
func (e *Engine) SavePartner(ctx context.Context, tok *volmatch.Token, id string, p *volmatch.Partner) error {
	return e.adminWrite(ctx, tok, "partners", func() error {
		if err := e.stamp(id, &p.ID, &p.UpdatedAt, p.Validate); err != nil {
			return err
		}
		return createOrUpdate(ctx, id, p, e.store.CreatePartner, e.store.UpdatePartner)
	})
}

// Partner returns partner id (every role: a partner is public).
func (e *Engine) Partner(ctx context.Context, _ *volmatch.Token, id string) (*volmatch.Partner, error) {
	return e.store.Partner(ctx, id)
}

// Partners lists the partners (every role).
func (e *Engine) Partners(ctx context.Context, _ *volmatch.Token, o volmatch.ListOptions) ([]*volmatch.Partner, string, error) {
	return e.store.Partners(ctx, o)
}

// SaveOffer creates offer o, or replaces offer id with it when id is not
// "" (admin): its partner must be registered (EINVALID naming partner).
// A replacement keeps the count redeemed; lowering the stock below it
// sells the offer out.
func (e *Engine) SaveOffer(ctx context.Context, tok *volmatch.Token, id string, o *volmatch.Offer) error {
	return e.adminWrite(ctx, tok, "offers", func() error {
		if err := e.stamp(id, &o.ID, &o.UpdatedAt, o.Validate); err != nil {
			return err
		}
		if _, err := e.store.Partner(ctx, o.Partner); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return volmatch.FieldError("partner", "no partner %s is registered", o.Partner)
		} else if err != nil {
			return err
		}
		return createOrUpdate(ctx, id, o, e.store.CreateOffer, e.store.UpdateOffer)
	})
}

// Offer returns offer id (every role).
func (e *Engine) Offer(ctx context.Context, _ *volmatch.Token, id string) (*volmatch.Offer, error) {
	return e.store.Offer(ctx, id)
}

// Offers lists the offers, of one partner when f.Partner is set (every
// role).
func (e *Engine) Offers(ctx context.Context, _ *volmatch.Token, f volmatch.OfferFilter) ([]*volmatch.Offer, string, error) {
	return e.store.Offers(ctx, f)
}

// OfferView is an offer as one volunteer sees it: whether they may
// redeem it now, and if not what they are short of (stars, points) or why
// it is closed to them (Blocked: sold_out, limit_reached).
type OfferView struct {
	*volmatch.Offer
	PartnerName string `json:"partner_name"`
	Eligible    bool   `json:"eligible"`
	ShortStars  int    `json:"short_stars,omitempty"`
	ShortPoints int64  `json:"short_points,omitempty"`
	Blocked     string `json:"blocked,omitempty"`
	// Mine is how often the volunteer redeemed it; Left the stock left
	// (-1: unlimited).
	Mine int `json:"mine"`
	Left int `json:"left"`
}

// OfferBoard is what a volunteer may redeem: their stars and points, and
// every open offer, those they qualify for first (then by star level,
// points and ID); and their redemptions, newest first.
type OfferBoard struct {
	Volunteer   string                 `json:"volunteer"`
	Stars       int                    `json:"stars"`
	Points      int64                  `json:"points"`
	Offers      []OfferView            `json:"offers"`
	Redemptions []*volmatch.Redemption `json:"redemptions"`
}

// OfferBoard returns volunteer vol's offers (the volunteer themself or an
// admin).
func (e *Engine) OfferBoard(ctx context.Context, tok *volmatch.Token, vol string) (*OfferBoard, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	st, err := e.stars(ctx, vol)
	if err != nil {
		return nil, err
	}
	pts, err := e.store.Balance(ctx, volmatch.VolunteerAccount(volmatch.CurrencyPoints, vol))
	if err != nil {
		return nil, err
	}
	mine, err := e.redemptions(ctx, vol)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, r := range mine {
		count[r.Offer]++
	}
	b := &OfferBoard{Volunteer: vol, Stars: st.Level, Points: pts, Offers: []OfferView{}, Redemptions: mine}
	offers, _, err := e.store.Offers(ctx, volmatch.OfferFilter{ListOptions: volmatch.ListOptions{Limit: maxOffersShown}})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	now := e.now()
	for _, o := range offers {
		if o.OpenAt(now) != nil {
			continue
		}
		if _, ok := names[o.Partner]; !ok {
			p, err := e.store.Partner(ctx, o.Partner)
			if err != nil {
				return nil, err
			}
			names[o.Partner] = p.Name
		}
		v := OfferView{Offer: o, PartnerName: names[o.Partner], Mine: count[o.ID], Left: o.Left(),
			ShortStars: max(o.MinStars-st.Level, 0), ShortPoints: max(o.Points-pts, 0)}
		switch {
		case v.Left == 0:
			v.Blocked = volmatch.ReasonSoldOut
		case o.PerVolunteer > 0 && v.Mine >= o.PerVolunteer:
			v.Blocked = volmatch.ReasonLimitReached
		}
		v.Eligible = v.Blocked == "" && v.ShortStars == 0 && v.ShortPoints == 0
		b.Offers = append(b.Offers, v)
	}
	slices.SortStableFunc(b.Offers, func(x, y OfferView) int {
		switch {
		case x.Eligible && !y.Eligible:
			return -1
		case y.Eligible && !x.Eligible:
			return 1
		}
		return cmp.Or(cmp.Compare(x.MinStars, y.MinStars), cmp.Compare(x.Points, y.Points), cmp.Compare(x.ID, y.ID))
	})
	return b, nil
}

// redemptions returns volunteer vol's redemptions, newest first (ties by
// ID).
func (e *Engine) redemptions(ctx context.Context, vol string) ([]*volmatch.Redemption, error) {
	out := []*volmatch.Redemption{}
	f := volmatch.RedemptionFilter{Volunteer: vol, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		page, next, err := e.store.Redemptions(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" || len(out) >= maxLedgerShown {
			break
		}
		f.After = next
	}
	slices.SortStableFunc(out, func(x, y *volmatch.Redemption) int {
		return cmp.Or(y.At.Compare(x.At), cmp.Compare(x.ID, y.ID))
	})
	return out, nil
}

// RedeemRequest asks to redeem Offer. Key, when given, makes a retry
// safe: the same volunteer's redemption under the same key is made once,
// and a retry answers it.
type RedeemRequest struct {
	Offer string `json:"offer"`
	Key   string `json:"key,omitempty"`
}

// Redeem redeems an offer for volunteer vol (the volunteer themself or an
// admin): EINVALID for a missing or unknown offer or a bad key;
// ECONFLICT with a reason when the offer is closed (offer_closed), sold
// out, the volunteer's limit is reached, their star level is too low
// (stars_too_few) or their points too few (insufficient_balance);
// nothing is written then. The points go from the volunteer's account to
// the partner's in the ledger.
func (e *Engine) Redeem(ctx context.Context, tok *volmatch.Token, vol string, req RedeemRequest) (*volmatch.Redemption, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if err := volmatch.ValidID("offer", req.Offer); err != nil {
		return nil, err
	}
	id := NewID("rd")
	if req.Key != "" {
		if err := volmatch.ValidID("key", req.Key); err != nil {
			return nil, err
		}
		h := sha256.Sum256([]byte(vol + "\x00" + req.Key))
		id = "rd-" + hex.EncodeToString(h[:12])
		if r, err := e.store.Redemption(ctx, id); err == nil {
			return sameRedemption(r, vol, req.Offer)
		}
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	o, err := e.store.Offer(ctx, req.Offer)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, volmatch.FieldError("offer", "no offer %s exists", req.Offer)
	} else if err != nil {
		return nil, err
	}
	now := e.now()
	if err := o.OpenAt(now); err != nil {
		return nil, err
	}
	if o.MinStars > 0 {
		st, err := e.stars(ctx, vol)
		if err != nil {
			return nil, err
		}
		if st.Level < o.MinStars {
			return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonStarsTooFew,
				"offer %s is for volunteers of %d stars or more; this volunteer has %d", o.ID, o.MinStars, st.Level)
		}
	}
	r := &volmatch.Redemption{ID: id, Offer: o.ID, Partner: o.Partner, Volunteer: vol, Title: o.Title, Points: o.Points,
		Actor: issuer(tok), At: now}
	err = e.store.Redeem(ctx, r)
	if volmatch.ErrorCode(err) == volmatch.ECONFLICT && volmatch.ErrorReason(err) == "" && req.Key != "" {
		// The same key raced this request and won: answer its redemption.
		if first, rerr := e.store.Redemption(ctx, id); rerr == nil {
			return sameRedemption(first, vol, req.Offer)
		}
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// sameRedemption answers a retry with the redemption r made first under
// its key, unless the retry names another offer.
func sameRedemption(r *volmatch.Redemption, vol, offer string) (*volmatch.Redemption, error) {
	if r.Volunteer != vol || r.Offer != offer {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonRedeemedOther,
			"key already redeemed offer %s; use a new key for another offer", r.Offer)
	}
	return r, nil
}

// Redemptions lists volunteer vol's redemptions, newest first (the
// volunteer themself or an admin).
func (e *Engine) Redemptions(ctx context.Context, tok *volmatch.Token, vol string) ([]*volmatch.Redemption, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	return e.redemptions(ctx, vol)
}

// OfferRedemptions lists offer id's redemptions in ID order (admin: they
// name volunteers).
func (e *Engine) OfferRedemptions(ctx context.Context, tok *volmatch.Token, id string, o volmatch.ListOptions) ([]*volmatch.Redemption, string, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, "", forbidden("only an admin lists an offer's redemptions")
	}
	if _, err := e.store.Offer(ctx, id); err != nil {
		return nil, "", err
	}
	return e.store.Redemptions(ctx, volmatch.RedemptionFilter{Offer: id, ListOptions: o})
}

// partnerPoints sums the points every partner's account holds.
func (e *Engine) partnerPoints(ctx context.Context) (int64, error) {
	var sum int64
	o := volmatch.ListOptions{Limit: 1000}
	for {
		ps, next, err := e.store.Partners(ctx, o)
		if err != nil {
			return 0, err
		}
		for _, p := range ps {
			b, err := e.store.Balance(ctx, volmatch.PartnerAccount(volmatch.CurrencyPoints, p.ID))
			if err != nil {
				return 0, err
			}
			sum += b
		}
		if next == "" {
			return sum, nil
		}
		o.After = next
	}
}
