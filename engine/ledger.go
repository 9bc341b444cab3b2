package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"volmatch"
)

// Service points and time savings (服务积分、时间储蓄, issue 15 item 3): a
// completed service earns points and minutes of time savings by the
// deployment's rules (per hour, a bonus per domain, a bonus for emergency
// service), posted when the organisation checks it out under an ID of the
// assignment, so a retry never pays twice. A volunteer spends their own
// balance (redeemed for a service or an offer) or transfers it to another
// volunteer (a family member); an admin adjusts with a reason. Balances
// never go below zero, under any concurrency, on either store
// (volmatch.LedgerStore). A planner sees the totals, never a person.

// LedgerRules are the earning rules an admin sets for the deployment.
type LedgerRules struct {
	// PointsPerHour are the points an hour of service earns (default 10).
	PointsPerHour int
	// MinutesPerHour are the minutes of time savings an hour of service
	// earns (default 60: an hour banked for an hour served).
	MinutesPerHour int
	// DomainBonus adds a percentage of the points by the need's domain.
	DomainBonus map[string]int
	// EmergencyBonus adds a percentage of the points for an emergency
	// need's service (0: the default 50; negative: none).
	EmergencyBonus int
}

func (r LedgerRules) withDefaults() LedgerRules {
	if r.PointsPerHour <= 0 {
		r.PointsPerHour = 10
	}
	if r.MinutesPerHour <= 0 {
		r.MinutesPerHour = 60
	}
	if r.EmergencyBonus == 0 {
		r.EmergencyBonus = 50 // a negative one (none) is kept: withDefaults runs more than once
	}
	return r
}

// Earning returns the points and minutes hours of service earn for a need
// of the domain and urgency: points per hour plus the domain's and the
// emergency bonus percentages, rounded down; minutes per hour.
func (r LedgerRules) Earning(hours float64, domain string, urgency volmatch.Urgency) (points, minutes int64) {
	r = r.withDefaults()
	bonus := r.DomainBonus[domain]
	if urgency == volmatch.UrgencyEmergency && r.EmergencyBonus > 0 {
		bonus += r.EmergencyBonus
	}
	base := hours * float64(r.PointsPerHour)
	points = int64(math.Floor(base * float64(100+bonus) / 100))
	minutes = int64(math.Floor(hours * float64(r.MinutesPerHour)))
	return points, minutes
}

// earn posts what completed assignment a earns (once: the transactions'
// IDs are the assignment's). A failure is logged and not returned: the
// service is recorded, and EarnFor posts it again.
func (e *Engine) earn(ctx context.Context, a *volmatch.Assignment) {
	if err := e.postEarning(ctx, a, "system"); err != nil {
		e.log.Warn("ledger: earning not posted", "err", volmatch.Scrub(err))
	}
}

// postEarning posts a's earning in each currency, skipping one already
// posted.
func (e *Engine) postEarning(ctx context.Context, a *volmatch.Assignment, actor string) error {
	if a.Status != volmatch.AssignCompleted || a.Hours <= 0 {
		return volmatch.Errorf(volmatch.ECONFLICT, "assignment %s has no completed hours to earn", a.ID)
	}
	domain, urgency := "", volmatch.UrgencyNormal
	if n, err := e.store.Need(ctx, a.Need); err == nil {
		domain, urgency = n.Domain, n.Urgency
	}
	points, minutes := e.rules.Earning(a.Hours, domain, urgency)
	for _, c := range []struct {
		currency string
		amount   int64
	}{{volmatch.CurrencyPoints, points}, {volmatch.CurrencyTime, minutes}} {
		if c.amount <= 0 {
			continue
		}
		t := &volmatch.LedgerTxn{ID: "earn-" + c.currency + "-" + a.ID, Kind: volmatch.TxnEarn, Actor: actor, At: e.now(),
			Reason: fmt.Sprintf("完成志愿服务 %g 小时", a.Hours), Assignment: a.ID,
			Entries: []volmatch.LedgerEntry{
				{Account: volmatch.SystemAccount(c.currency, volmatch.SysIssued), Amount: -c.amount},
				{Account: volmatch.VolunteerAccount(c.currency, a.Volunteer), Amount: c.amount},
			}}
		if err := e.store.PostTxn(ctx, t); err != nil && !isExists(err) {
			return err
		}
	}
	return nil
}

// isExists reports the refusal of a transaction whose ID is taken (the
// earning was posted before).
func isExists(err error) bool {
	return volmatch.ErrorCode(err) == volmatch.ECONFLICT && volmatch.ErrorReason(err) == ""
}

// EarnFor posts the earning of completed assignment id again where it is
// missing (after a failure); the organisation's staff or an admin. Never
// pays twice.
func (e *Engine) EarnFor(ctx context.Context, tok *volmatch.Token, id string) (*Balances, error) {
	a, err := e.store.Assignment(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, a.Org); err != nil {
		return nil, err
	}
	if err := e.postEarning(ctx, a, issuer(tok)); err != nil {
		return nil, err
	}
	return e.balances(ctx, a.Volunteer)
}

// Balances are a volunteer's points and time savings, and their
// movements, newest first.
type Balances struct {
	Volunteer string                `json:"volunteer"`
	Points    int64                 `json:"points"`
	Minutes   int64                 `json:"minutes"`
	Txns      []*volmatch.LedgerTxn `json:"txns"`
}

// maxLedgerShown is the most movements Balances lists per currency.
const maxLedgerShown = 1000

// Balances returns volunteer vol's balances: the volunteer themself or an
// admin.
func (e *Engine) Balances(ctx context.Context, tok *volmatch.Token, vol string) (*Balances, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	return e.balances(ctx, vol)
}

func selfOrAdmin(tok *volmatch.Token, vol string) error {
	if tok.Role == volmatch.RoleAdmin || tok.Role == volmatch.RoleVolunteer && tok.Volunteer == vol {
		return nil
	}
	return forbidden("a volunteer's points are theirs and an admin's to read")
}

func (e *Engine) balances(ctx context.Context, vol string) (*Balances, error) {
	b := &Balances{Volunteer: vol, Txns: []*volmatch.LedgerTxn{}}
	for _, c := range []struct {
		currency string
		into     *int64
	}{{volmatch.CurrencyPoints, &b.Points}, {volmatch.CurrencyTime, &b.Minutes}} {
		acc := volmatch.VolunteerAccount(c.currency, vol)
		var err error
		if *c.into, err = e.store.Balance(ctx, acc); err != nil {
			return nil, err
		}
		ts, _, err := e.store.LedgerTxns(ctx, acc, volmatch.ListOptions{Limit: maxLedgerShown})
		if err != nil {
			return nil, err
		}
		b.Txns = append(b.Txns, ts...)
	}
	slices.SortStableFunc(b.Txns, func(x, y *volmatch.LedgerTxn) int {
		if c := y.At.Compare(x.At); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return b, nil
}

// Movement asks to move Amount (points, or minutes of time savings) out
// of a volunteer's account: spent (To empty: redeemed for a service or an
// offer) or transferred to volunteer To. Reason is required.
type Movement struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
	To       string `json:"to,omitempty"`
	Reason   string `json:"reason"`
}

// Move spends or transfers from volunteer vol's balance (the volunteer
// themself, or an admin): EINVALID for a bad amount or currency, a
// transfer to themself or to nobody registered; ECONFLICT
// (volmatch.ReasonInsufficient) beyond the balance, nothing written.
func (e *Engine) Move(ctx context.Context, tok *volmatch.Token, vol string, m Movement) (*Balances, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if m.Currency != volmatch.CurrencyPoints && m.Currency != volmatch.CurrencyTime {
		return nil, volmatch.FieldError("currency", "must be points or time, got %q", m.Currency)
	}
	if m.Amount <= 0 || m.Amount > volmatch.MaxLedgerAmount {
		return nil, volmatch.FieldError("amount", "must be 1 to %d, got %d", volmatch.MaxLedgerAmount, m.Amount)
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	kind, to := volmatch.TxnSpend, volmatch.SystemAccount(m.Currency, volmatch.SysRedeemed)
	if m.To != "" {
		if m.To == vol {
			return nil, volmatch.FieldError("to", "is the volunteer themself")
		}
		if _, err := e.store.Volunteer(ctx, m.To); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError("to", "no volunteer %s is registered", m.To)
		} else if err != nil {
			return nil, err
		}
		kind, to = volmatch.TxnTransfer, volmatch.VolunteerAccount(m.Currency, m.To)
	}
	t := &volmatch.LedgerTxn{ID: NewID("txn"), Kind: kind, Reason: m.Reason, Actor: issuer(tok), At: e.now(),
		Entries: []volmatch.LedgerEntry{{Account: volmatch.VolunteerAccount(m.Currency, vol), Amount: -m.Amount}, {Account: to, Amount: m.Amount}}}
	if err := e.store.PostTxn(ctx, t); err != nil {
		return nil, err
	}
	return e.balances(ctx, vol)
}

// Adjust credits (Amount > 0) or debits (Amount < 0) volunteer vol's
// account against the issuing account, admin only, with a reason; a
// debit beyond the balance is refused.
func (e *Engine) Adjust(ctx context.Context, tok *volmatch.Token, vol string, m Movement) (*Balances, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("only an admin adjusts a balance")
	}
	if m.Currency != volmatch.CurrencyPoints && m.Currency != volmatch.CurrencyTime {
		return nil, volmatch.FieldError("currency", "must be points or time, got %q", m.Currency)
	}
	if m.Amount == 0 {
		return nil, volmatch.FieldError("amount", "must not be 0")
	}
	if _, err := e.store.Volunteer(ctx, vol); err != nil {
		return nil, err
	}
	t := &volmatch.LedgerTxn{ID: NewID("txn"), Kind: volmatch.TxnAdjust, Reason: m.Reason, Actor: "admin", At: e.now(),
		Entries: []volmatch.LedgerEntry{{Account: volmatch.SystemAccount(m.Currency, volmatch.SysIssued), Amount: -m.Amount},
			{Account: volmatch.VolunteerAccount(m.Currency, vol), Amount: m.Amount}}}
	if err := e.store.PostTxn(ctx, t); err != nil {
		return nil, err
	}
	return e.balances(ctx, vol)
}

// LedgerTotals are the deployment's totals: issued (earned and adjusted)
// and redeemed, per currency. They name nobody.
type LedgerTotals struct {
	IssuedPoints   int64 `json:"issued_points"`
	RedeemedPoints int64 `json:"redeemed_points"`
	IssuedMinutes  int64 `json:"issued_minutes"`
	RedeemedMinute int64 `json:"redeemed_minutes"`
	// PartnerPoints are the points redeemed for partners' offers (礼遇).
	PartnerPoints int64 `json:"partner_points"`
}

// Totals returns the ledger's totals (a planner or an admin).
func (e *Engine) Totals(ctx context.Context, tok *volmatch.Token) (*LedgerTotals, error) {
	if tok.Role != volmatch.RolePlanner && tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("ledger totals are for planners and admins")
	}
	var t LedgerTotals
	for _, c := range []struct {
		account string
		into    *int64
		sign    int64
	}{
		{volmatch.SystemAccount(volmatch.CurrencyPoints, volmatch.SysIssued), &t.IssuedPoints, -1},
		{volmatch.SystemAccount(volmatch.CurrencyPoints, volmatch.SysRedeemed), &t.RedeemedPoints, 1},
		{volmatch.SystemAccount(volmatch.CurrencyTime, volmatch.SysIssued), &t.IssuedMinutes, -1},
		{volmatch.SystemAccount(volmatch.CurrencyTime, volmatch.SysRedeemed), &t.RedeemedMinute, 1},
	} {
		b, err := e.store.Balance(ctx, c.account)
		if err != nil {
			return nil, err
		}
		*c.into = c.sign * b
	}
	var err error
	t.PartnerPoints, err = e.partnerPoints(ctx)
	return &t, err
}
