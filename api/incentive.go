package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// Incentives (礼遇): partners and their offers (admin writes, every role
// reads), a volunteer's offer board and redemptions (the volunteer or an
// admin), an offer's redemptions (admin). The engine rules who may do
// what and when a redemption is refused.

var (
	opCreatePartner = Op{Summary: "Register a partner that gives offers (admin)", Tag: "incentives", Body: volmatch.Partner{}, Status: 201, Resp: volmatch.Partner{}}
	opListPartners  = Op{Summary: "List the partners", Tag: "incentives", Params: pageArgs, Resp: List[volmatch.Partner]{}}
	opGetPartner    = Op{Summary: "Get a partner", Tag: "incentives", Params: idOnly(), Resp: volmatch.Partner{}}
	opUpdatePartner = Op{Summary: "Replace a partner (admin)", Tag: "incentives", Params: idOnly(), Body: volmatch.Partner{}, Resp: volmatch.Partner{}}
	opCreateOffer   = Op{Summary: "Create an offer: the star level (min_stars) or points it asks for, optional stock, per_volunteer limit and validity (admin)", Tag: "incentives",
		Body: volmatch.Offer{}, Status: 201, Resp: volmatch.Offer{}}
	opListOffers    = Op{Summary: "List the offers, of one partner with ?partner=", Tag: "incentives", Params: withPage(q("partner", "partner id")), Resp: List[volmatch.Offer]{}}
	opGetOffer      = Op{Summary: "Get an offer with its count redeemed", Tag: "incentives", Params: idOnly(), Resp: volmatch.Offer{}}
	opUpdateOffer   = Op{Summary: "Replace an offer, keeping its count redeemed; withdrawn: true closes it (admin)", Tag: "incentives", Params: idOnly(), Body: volmatch.Offer{}, Resp: volmatch.Offer{}}
	opOfferRedeemed = Op{Summary: "An offer's redemptions (admin)", Tag: "incentives", Params: withPage(pID), Resp: List[volmatch.Redemption]{}}
	opOfferBoard    = Op{Summary: "A volunteer's open offers: eligible, or short of stars or points, or sold out or at their limit; their stars, points and redemptions (the volunteer or admin)",
		Tag: "incentives", Params: idOnly(), Resp: engine.OfferBoard{}}
	opRedeem = Op{Summary: "Redeem an offer: its points go to the partner in the ledger; a key makes a retry answer the first redemption (409 sold_out, limit_reached, stars_too_few, offer_closed, insufficient_balance)",
		Tag: "incentives", Params: idOnly(), Body: engine.RedeemRequest{}, Status: 201, Resp: volmatch.Redemption{}}
)

func partnerID(p *volmatch.Partner) string { return p.ID }
func offerID(o *volmatch.Offer) string     { return o.ID }

// incentiveRoutes registers the routes of partners, offers and
// redemptions.
func (s *Server) incentiveRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post, put := http.MethodGet, http.MethodPost, http.MethodPut
	h(post, "/partners", adminOnly, opCreatePartner, createRecord(s, created(s.eng.SavePartner), "/v1/partners/", partnerID))
	h(get, "/partners", anyRole, opListPartners, listRecords(s, listOptions, s.eng.Partners))
	h(get, "/partners/:id", anyRole, opGetPartner, getRecord(s, s.eng.Partner))
	h(put, "/partners/:id", adminOnly, opUpdatePartner, bodyRoute(s, http.StatusOK, s.decode, saved(s.eng.SavePartner)))
	h(post, "/offers", adminOnly, opCreateOffer, createRecord(s, created(s.eng.SaveOffer), "/v1/offers/", offerID))
	h(get, "/offers", anyRole, opListOffers, listRecords(s, offerFilter, s.eng.Offers))
	h(get, "/offers/:id", anyRole, opGetOffer, getRecord(s, s.eng.Offer))
	h(put, "/offers/:id", adminOnly, opUpdateOffer, bodyRoute(s, http.StatusOK, s.decode, saved(s.eng.SaveOffer)))
	h(get, "/offers/:id/redemptions", adminOnly, opOfferRedeemed, s.offerRedemptions)
	h(get, "/volunteers/:id/offers", adminAndSelf, opOfferBoard, getRecord(s, s.eng.OfferBoard))
	h(post, "/volunteers/:id/redemptions", adminAndSelf, opRedeem, bodyRoute(s, http.StatusCreated, s.decode, byValue(s.eng.Redeem)))
}

func offerFilter(c *gin.Context) (volmatch.OfferFilter, error) {
	var f volmatch.OfferFilter
	var err error
	if f.ListOptions, err = listOptions(c); err == nil {
		f.Partner, err = idParam(c, "partner")
	}
	return f, err
}

func (s *Server) offerRedemptions(c *gin.Context) {
	o, err := listOptions(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rs, next, err := s.eng.OfferRedemptions(c.Request.Context(), principal(c), c.Param("id"), o)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Redemption]{Items: nonNil(rs), Next: nextCursor(next)})
}
