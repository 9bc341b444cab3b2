package volmatch

import (
	"context"
	"strings"
	"time"
)

// Service points and time savings (服务积分、时间储蓄): a double-entry,
// append-only ledger. Every movement is a LedgerTxn of two or more entries
// in one currency that sum to zero, with a kind, a reason and an actor; a
// posted transaction is never changed or removed (a mistake is undone by
// another transaction). A volunteer's account never goes below zero; the
// system's accounts (the issuer of earned points, the sink of redeemed
// ones) may, and their totals are what a planner sees.

// Currencies of the ledger: service points, and time savings in minutes.
const (
	CurrencyPoints = "points"
	CurrencyTime   = "time"
)

// Ledger transaction kinds.
const (
	TxnEarn     = "earn"     // earned by a completed service, by the rules
	TxnSpend    = "spend"    // spent or redeemed (for a service, an offer)
	TxnTransfer = "transfer" // to another volunteer (a family member)
	TxnAdjust   = "adjust"   // an admin's correction
)

// System accounts' owners: SysIssued is debited by earnings and
// adjustments, SysRedeemed credited by spending.
const (
	SysIssued   = "sys:issued"
	SysRedeemed = "sys:redeemed"
)

// VolunteerAccount is the account of volunteer id in a currency:
// "points:vol:V1".
func VolunteerAccount(currency, id string) string { return currency + ":vol:" + id }

// SystemAccount is a system account in a currency: "points:sys:issued".
func SystemAccount(currency, sys string) string { return currency + ":" + sys }

// AccountCurrency returns the currency an account is kept in.
func AccountCurrency(account string) string {
	c, _, _ := strings.Cut(account, ":")
	return c
}

// MayGoNegative reports whether an account may hold a negative balance:
// only the system's.
func MayGoNegative(account string) bool { return strings.Contains(account, ":sys:") }

// LedgerEntry is one side of a transaction: an amount (positive credits,
// negative debits) on an account.
type LedgerEntry struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// LedgerTxn is one movement of the ledger.
type LedgerTxn struct {
	ID      string        `json:"id"`
	Kind    string        `json:"kind"`
	Reason  string        `json:"reason"`
	Actor   string        `json:"actor"`
	At      time.Time     `json:"at"`
	Entries []LedgerEntry `json:"entries"`
	// Assignment is the completed service an earning is for.
	Assignment string `json:"assignment,omitempty"`
}

// MaxLedgerAmount bounds one entry's amount (a year of minutes, many
// times over).
const MaxLedgerAmount = 100_000_000

// Validate checks a transaction: an ID, a known kind, a reason and an
// actor, and two to ten entries on distinct, well-formed accounts of one
// currency, each amount non-zero and within MaxLedgerAmount, summing to
// zero (double entry).
func (t *LedgerTxn) Validate() error {
	if err := validID("id", t.ID); err != nil {
		return err
	}
	switch t.Kind {
	case TxnEarn, TxnSpend, TxnTransfer, TxnAdjust:
	default:
		return FieldError("kind", "must be earn, spend, transfer or adjust, got %q", t.Kind)
	}
	if strings.TrimSpace(t.Reason) == "" {
		return FieldError("reason", "is required: every movement says why")
	}
	if err := checkLens(textField{"reason", t.Reason, MaxReasonLen}, textField{"actor", t.Actor, MaxNameLen}); err != nil {
		return err
	}
	if t.Actor == "" {
		return FieldError("actor", "is required")
	}
	if len(t.Entries) < 2 || len(t.Entries) > 10 {
		return FieldError("entries", "must be 2 to 10, got %d", len(t.Entries)).WithReason(ReasonTooMany)
	}
	if err := CheckTime("at", t.At); err != nil {
		return err
	}
	var sum int64
	seen := map[string]bool{}
	cur := AccountCurrency(t.Entries[0].Account)
	for i, e := range t.Entries {
		f := fieldIndex("entries", i)
		parts := strings.SplitN(e.Account, ":", 3)
		if len(parts) != 3 || (parts[0] != CurrencyPoints && parts[0] != CurrencyTime) || (parts[1] != "vol" && parts[1] != "sys" && parts[1] != "partner") || validID(f, parts[2]) != nil {
			return FieldError(f+".account", "must be CURRENCY:vol:ID, CURRENCY:partner:ID or CURRENCY:sys:NAME, got %q", e.Account)
		}
		if parts[0] != cur {
			return FieldError(f+".account", "mixes currencies %s and %s in one transaction", cur, parts[0])
		}
		if seen[e.Account] {
			return FieldError(f+".account", "appears twice")
		}
		seen[e.Account] = true
		if e.Amount == 0 || e.Amount > MaxLedgerAmount || e.Amount < -MaxLedgerAmount {
			return FieldError(f+".amount", "must be non-zero and within ±%d, got %d", MaxLedgerAmount, e.Amount)
		}
		sum += e.Amount
	}
	if sum != 0 {
		return FieldError("entries", "must sum to zero (double entry), got %d", sum)
	}
	return nil
}

// ReasonInsufficient is the reason of a refusal that would take an
// account below zero.
const ReasonInsufficient = "insufficient_balance"

// InsufficientError is the refusal of a transaction that would leave
// account at balance (below zero).
func InsufficientError(account string, balance int64) *Error {
	return Reasonf(ECONFLICT, ReasonInsufficient, "account %s would go below zero (to %d)", account, balance)
}

// ApplyTxn returns the balances after t over the current ones (by
// account), or InsufficientError when an account that may not go negative
// would. Every store calls it inside its write.
func ApplyTxn(t *LedgerTxn, current map[string]int64) (map[string]int64, error) {
	next := make(map[string]int64, len(t.Entries))
	for _, e := range t.Entries {
		b := current[e.Account] + e.Amount
		if b < 0 && !MayGoNegative(e.Account) {
			return nil, InsufficientError(e.Account, b)
		}
		next[e.Account] = b
	}
	return next, nil
}

// LedgerStore keeps the ledger.
type LedgerStore interface {
	// PostTxn appends t and moves its accounts' balances in one write:
	// EINVALID if t fails Validate, ECONFLICT if its ID exists (a retried
	// earning is not paid twice) or an account would go below zero
	// (ReasonInsufficient); nothing written then.
	PostTxn(ctx context.Context, t *LedgerTxn) error
	// Balance returns an account's balance (0 for one never moved).
	Balance(ctx context.Context, account string) (int64, error)
	// LedgerTxns lists the transactions that moved an account, in ID
	// order.
	LedgerTxns(ctx context.Context, account string, o ListOptions) ([]*LedgerTxn, string, error)
	// LedgerTxn returns one transaction; ENOTFOUND if missing.
	LedgerTxn(ctx context.Context, id string) (*LedgerTxn, error)
}
