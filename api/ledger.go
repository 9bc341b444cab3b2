package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch/engine"
)

// Service points and time savings: a volunteer's balances and movements,
// spending and transfers (the volunteer or an admin), adjustments (admin),
// a completed service's earning posted again (the organisation), and the
// totals (planners and admins). The engine rules who may do what.

var (
	opBalances = Op{Summary: "A volunteer's points and time savings (minutes), and their movements (the volunteer or admin)", Tag: "ledger",
		Params: idOnly(), Resp: engine.Balances{}}
	opMove = Op{Summary: "Spend (redeem) or transfer (to: another volunteer) points or minutes; never beyond the balance (409 insufficient_balance)",
		Tag: "ledger", Params: idOnly(), Body: engine.Movement{}, Resp: engine.Balances{}}
	opAdjust = Op{Summary: "Credit or debit a volunteer's balance with a reason (admin)", Tag: "ledger", Params: idOnly(), Body: engine.Movement{}, Resp: engine.Balances{}}
	opEarn   = Op{Summary: "Post a completed service's earning where it is missing (never twice)", Tag: "ledger", Params: idOnly(), Resp: engine.Balances{}}
	opTotals = Op{Summary: "The ledger's totals: issued and redeemed points and minutes (planner, admin)", Tag: "ledger", Resp: engine.LedgerTotals{}}
)

// ledgerRoutes registers the ledger's routes.
func (s *Server) ledgerRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post := http.MethodGet, http.MethodPost
	h(get, "/volunteers/:id/ledger", adminAndSelf, opBalances, getRecord(s, s.eng.Balances))
	h(post, "/volunteers/:id/ledger/move", adminAndSelf, opMove, bodyRoute(s, http.StatusOK, s.decode, byValue(s.eng.Move)))
	h(post, "/volunteers/:id/ledger/adjust", adminOnly, opAdjust, bodyRoute(s, http.StatusOK, s.decode, byValue(s.eng.Adjust)))
	h(post, "/assignments/:id/earn", staff, opEarn, getRecord(s, s.eng.EarnFor))
	h(get, "/ledger/totals", readers, opTotals, s.totals)
}

func (s *Server) totals(c *gin.Context) {
	t, err := s.eng.Totals(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
