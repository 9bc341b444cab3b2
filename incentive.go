package volmatch

import (
	"context"
	"strings"
	"time"
)

// Incentives (礼遇, issue 15 item 4): partners (a museum, a transit card)
// give offers to volunteers of a star level or for service points. A
// redemption spends the offer's points from the volunteer's account to the
// partner's in the ledger (double entry), and counts against the offer's
// stock and the volunteer's limit in the same write: never overdrawn,
// never oversold, under any concurrency, on either store.

// Refusal reasons of a redemption.
const (
	ReasonSoldOut       = "sold_out"         // the offer's stock is gone
	ReasonLimitReached  = "limit_reached"    // the volunteer redeemed it as often as allowed
	ReasonOfferClosed   = "offer_closed"     // withdrawn, not yet valid, or expired
	ReasonOfferChanged  = "offer_changed"    // its points changed since it was read
	ReasonStarsTooFew   = "stars_too_few"    // the volunteer's star level is below the offer's
	ReasonRedeemedOther = "redeemed_differs" // a retry's key names another redemption
)

// Bounds of an offer.
const (
	MaxOfferStock        = 1_000_000
	MaxOfferPerVolunteer = 1000
	MaxOfferTextLen      = 2000
)

// PartnerAccount is the ledger account of partner id in a currency:
// "points:partner:P1", credited by the redemptions of its offers.
func PartnerAccount(currency, id string) string { return currency + ":partner:" + id }

// Partner is an organisation that gives volunteers offers (合作单位): a
// museum, a transit card, a cinema.
type Partner struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Validate checks a partner as an admin writes it.
func (p *Partner) Validate() error {
	if err := validID("id", p.ID); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "is required")
	}
	if err := checkLens(textField{"name", p.Name, MaxNameLen}, textField{"description", p.Description, MaxOfferTextLen}); err != nil {
		return err
	}
	return CheckTime("updated_at", p.UpdatedAt)
}

// Offer is a partner's incentive (礼遇): what it gives (Title), to whom
// (a star level of at least MinStars) and for what (Points spent, 0 for
// none); optionally a stock (Stock > 0: at most that many redemptions in
// all), a limit per volunteer and a validity period [ValidFrom, ValidTo).
// Redeemed is derived: the store counts the redemptions. An offer asks
// for a star level, points, or both.
type Offer struct {
	ID           string    `json:"id"`
	Partner      string    `json:"partner"`
	Title        string    `json:"title"`
	Description  string    `json:"description,omitempty"`
	MinStars     int       `json:"min_stars"`
	Points       int64     `json:"points"`
	Stock        int       `json:"stock,omitempty"`
	PerVolunteer int       `json:"per_volunteer,omitempty"`
	ValidFrom    time.Time `json:"valid_from,omitzero"`
	ValidTo      time.Time `json:"valid_to,omitzero"`
	Withdrawn    bool      `json:"withdrawn,omitempty"`
	Redeemed     int       `json:"redeemed"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// Validate checks an offer as an admin writes it.
func (o *Offer) Validate() error {
	if err := validID("id", o.ID); err != nil {
		return err
	}
	if err := validID("partner", o.Partner); err != nil {
		return err
	}
	if strings.TrimSpace(o.Title) == "" {
		return FieldError("title", "is required")
	}
	if err := checkLens(textField{"title", o.Title, MaxTitleLen}, textField{"description", o.Description, MaxOfferTextLen}); err != nil {
		return err
	}
	switch {
	case o.MinStars < 0 || o.MinStars > len(StarHours):
		return FieldError("min_stars", "must be 0 to %d, got %d", len(StarHours), o.MinStars)
	case o.Points < 0 || o.Points > MaxLedgerAmount:
		return FieldError("points", "must be 0 to %d, got %d", MaxLedgerAmount, o.Points)
	case o.MinStars == 0 && o.Points == 0:
		return FieldError("points", "an offer asks for a star level (min_stars) or points, or both")
	case o.Stock < 0 || o.Stock > MaxOfferStock:
		return FieldError("stock", "must be 0 (unlimited) to %d, got %d", MaxOfferStock, o.Stock)
	case o.PerVolunteer < 0 || o.PerVolunteer > MaxOfferPerVolunteer:
		return FieldError("per_volunteer", "must be 0 (unlimited) to %d, got %d", MaxOfferPerVolunteer, o.PerVolunteer)
	case o.Redeemed < 0:
		return FieldError("redeemed", "must not be negative")
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"valid_from", o.ValidFrom}, {"valid_to", o.ValidTo}, {"updated_at", o.UpdatedAt}} {
		if err := CheckTime(f.name, f.t); err != nil {
			return err
		}
	}
	if !o.ValidFrom.IsZero() && !o.ValidTo.IsZero() && !o.ValidTo.After(o.ValidFrom) {
		return FieldError("valid_to", "must be after valid_from")
	}
	return nil
}

// OpenAt reports whether the offer may be redeemed at t: not withdrawn,
// within its validity period. The refusal carries ReasonOfferClosed.
func (o *Offer) OpenAt(t time.Time) error {
	switch {
	case o.Withdrawn:
		return Reasonf(ECONFLICT, ReasonOfferClosed, "offer %s is withdrawn", o.ID)
	case !o.ValidFrom.IsZero() && t.Before(o.ValidFrom):
		return Reasonf(ECONFLICT, ReasonOfferClosed, "offer %s opens on %s", o.ID, o.ValidFrom.In(Beijing).Format(time.DateOnly))
	case !o.ValidTo.IsZero() && !t.Before(o.ValidTo):
		return Reasonf(ECONFLICT, ReasonOfferClosed, "offer %s has expired", o.ID)
	}
	return nil
}

// Left returns how many redemptions the stock still allows (-1:
// unlimited).
func (o *Offer) Left() int {
	if o.Stock == 0 {
		return -1
	}
	return max(o.Stock-o.Redeemed, 0)
}

// Redemption is a volunteer's redemption of an offer at its points; a
// non-zero Points is the ledger transaction Txn() posts in the same write.
// Its ID is the retry key: a second redemption under one ID is refused.
type Redemption struct {
	ID        string    `json:"id"`
	Offer     string    `json:"offer"`
	Partner   string    `json:"partner"`
	Volunteer string    `json:"volunteer"`
	Title     string    `json:"title"`
	Points    int64     `json:"points"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
}

// Validate checks the fields a store relies on.
func (r *Redemption) Validate() error {
	for _, f := range []struct{ name, v string }{{"id", r.ID}, {"offer", r.Offer}, {"partner", r.Partner}, {"volunteer", r.Volunteer}} {
		if err := validID(f.name, f.v); err != nil {
			return err
		}
	}
	if r.Points < 0 || r.Points > MaxLedgerAmount {
		return FieldError("points", "must be 0 to %d, got %d", MaxLedgerAmount, r.Points)
	}
	if r.Actor == "" {
		return FieldError("actor", "is required")
	}
	if r.At.IsZero() {
		return FieldError("at", "is required")
	}
	return CheckTime("at", r.At)
}

// TxnID is the ID of the redemption's ledger transaction ("" when it
// spends no points).
func (r *Redemption) TxnID() string {
	if r.Points == 0 {
		return ""
	}
	return "redeem-" + r.ID
}

// Txn returns the ledger transaction of the redemption: its points from
// the volunteer's account to the partner's (nil when it spends none).
func (r *Redemption) Txn() *LedgerTxn {
	if r.Points == 0 {
		return nil
	}
	return &LedgerTxn{ID: r.TxnID(), Kind: TxnSpend, Reason: "兑换礼遇：" + r.Title, Actor: r.Actor, At: r.At,
		Entries: []LedgerEntry{
			{Account: VolunteerAccount(CurrencyPoints, r.Volunteer), Amount: -r.Points},
			{Account: PartnerAccount(CurrencyPoints, r.Partner), Amount: r.Points},
		}}
}

// CheckRedemption is the rule every store applies inside its write: the
// offer o (as stored) is r's, open at r.At, at r's points, with stock
// left, and the volunteer has redeemed it fewer than PerVolunteer times
// (mine). ECONFLICT with a reason otherwise.
func CheckRedemption(o *Offer, r *Redemption, mine int) error {
	switch {
	case o.ID != r.Offer || o.Partner != r.Partner:
		return Reasonf(ECONFLICT, ReasonOfferChanged, "offer %s is not the one redeemed", o.ID)
	case o.Points != r.Points:
		return Reasonf(ECONFLICT, ReasonOfferChanged, "offer %s now costs %d points, not %d", o.ID, o.Points, r.Points)
	}
	if err := o.OpenAt(r.At); err != nil {
		return err
	}
	if o.Stock > 0 && o.Redeemed >= o.Stock {
		return Reasonf(ECONFLICT, ReasonSoldOut, "offer %s is sold out", o.ID)
	}
	if o.PerVolunteer > 0 && mine >= o.PerVolunteer {
		return Reasonf(ECONFLICT, ReasonLimitReached, "offer %s may be redeemed %d times per volunteer", o.ID, o.PerVolunteer)
	}
	return nil
}

// OfferFilter selects offers; empty fields match all.
type OfferFilter struct {
	ListOptions
	Partner string
}

// RedemptionFilter selects redemptions; one of Volunteer and Offer is
// set.
type RedemptionFilter struct {
	ListOptions
	Volunteer string
	Offer     string
}

// IncentiveStore keeps partners, their offers and the redemptions.
type IncentiveStore interface {
	// CreatePartner stores a new partner; EINVALID if it fails Validate,
	// ECONFLICT if the ID exists.
	CreatePartner(ctx context.Context, p *Partner) error
	// UpdatePartner replaces a partner; ENOTFOUND if missing.
	UpdatePartner(ctx context.Context, p *Partner) error
	// Partner returns one partner; ENOTFOUND if missing.
	Partner(ctx context.Context, id string) (*Partner, error)
	// Partners lists partners in ID order.
	Partners(ctx context.Context, o ListOptions) ([]*Partner, string, error)
	// CreateOffer stores a new offer with nothing redeemed; EINVALID if
	// it fails Validate, ENOTFOUND if its partner is missing, ECONFLICT
	// if the ID exists.
	CreateOffer(ctx context.Context, o *Offer) error
	// UpdateOffer replaces an offer, keeping its Redeemed count (o gets
	// it); ENOTFOUND if it or its partner is missing; ECONFLICT if it
	// moves to another partner.
	UpdateOffer(ctx context.Context, o *Offer) error
	// Offer returns one offer; ENOTFOUND if missing.
	Offer(ctx context.Context, id string) (*Offer, error)
	// Offers lists offers in ID order.
	Offers(ctx context.Context, f OfferFilter) ([]*Offer, string, error)
	// Redeem stores r, counts it against its offer (CheckRedemption) and
	// posts its ledger transaction (r.Txn), in one write: EINVALID if r
	// fails Validate, ENOTFOUND if the offer is missing, ECONFLICT if the
	// ID exists (no reason), the offer refuses (a reason of
	// CheckRedemption) or the volunteer's points fall short
	// (ReasonInsufficient); nothing written then.
	Redeem(ctx context.Context, r *Redemption) error
	// Redemption returns one redemption; ENOTFOUND if missing.
	Redemption(ctx context.Context, id string) (*Redemption, error)
	// Redemptions lists a volunteer's or an offer's redemptions in ID
	// order.
	Redemptions(ctx context.Context, f RedemptionFilter) ([]*Redemption, string, error)
}

// CheckOfferUpdate readies n to replace the stored offer old: n keeps
// old's Redeemed count; ECONFLICT when it names another partner (a
// partner's redemptions stay its own).
func CheckOfferUpdate(old, n *Offer) error {
	if old.Partner != n.Partner {
		return Errorf(ECONFLICT, "offer %s belongs to partner %s; make a new offer for %s", n.ID, old.Partner, n.Partner)
	}
	n.Redeemed = old.Redeemed
	return nil
}
