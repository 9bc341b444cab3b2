package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
)

// txn is a ledger transaction of kind moving amount from one account to
// another.
func txn(id, kind, from, to string, amount int64) *volmatch.LedgerTxn {
	return &volmatch.LedgerTxn{ID: id, Kind: kind, Reason: "测试", Actor: "admin", At: at(1),
		Entries: []volmatch.LedgerEntry{{Account: from, Amount: -amount}, {Account: to, Amount: amount}}}
}

var (
	issued   = volmatch.SystemAccount(volmatch.CurrencyPoints, volmatch.SysIssued)
	redeemed = volmatch.SystemAccount(volmatch.CurrencyPoints, volmatch.SysRedeemed)
)

func points(vol string) string { return volmatch.VolunteerAccount(volmatch.CurrencyPoints, vol) }

func wantBalance(t *testing.T, st volmatch.Store, account string, want int64) {
	t.Helper()
	got, err := st.Balance(context.Background(), account)
	must(t, "Balance "+account, err)
	if got != want {
		t.Errorf("Balance(%s) = %d, want %d", account, got, want)
	}
}

// testLedger: transactions post with their balances; one that would take
// a volunteer below zero, repeats an ID, or does not balance is refused
// with nothing written; the system's issuing account goes negative;
// listings by account.
func testLedger(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	must(t, "earn", st.PostTxn(ctx, txn("T1", volmatch.TxnEarn, issued, points("V1"), 100)))
	must(t, "spend", st.PostTxn(ctx, txn("T2", volmatch.TxnSpend, points("V1"), redeemed, 30)))
	wantBalance(t, st, points("V1"), 70)
	wantBalance(t, st, issued, -100)
	wantBalance(t, st, redeemed, 30)
	wantBalance(t, st, points("V9"), 0)
	for _, c := range []struct {
		name, code, reason string
		t                  *volmatch.LedgerTxn
	}{
		{"an overdraft", volmatch.ECONFLICT, volmatch.ReasonInsufficient, txn("T3", volmatch.TxnSpend, points("V1"), redeemed, 71)},
		{"a transfer of more than held", volmatch.ECONFLICT, volmatch.ReasonInsufficient, txn("T3", volmatch.TxnTransfer, points("V1"), points("V2"), 80)},
		{"a repeated ID", volmatch.ECONFLICT, "", txn("T1", volmatch.TxnEarn, issued, points("V1"), 5)},
		{"entries that do not balance", volmatch.EINVALID, "", &volmatch.LedgerTxn{ID: "T3", Kind: volmatch.TxnAdjust, Reason: "x", Actor: "admin", At: at(1),
			Entries: []volmatch.LedgerEntry{{Account: issued, Amount: -5}, {Account: points("V1"), Amount: 6}}}},
		{"two currencies", volmatch.EINVALID, "", &volmatch.LedgerTxn{ID: "T3", Kind: volmatch.TxnAdjust, Reason: "x", Actor: "admin", At: at(1),
			Entries: []volmatch.LedgerEntry{{Account: issued, Amount: -5}, {Account: volmatch.VolunteerAccount(volmatch.CurrencyTime, "V1"), Amount: 5}}}},
		{"no reason", volmatch.EINVALID, "", &volmatch.LedgerTxn{ID: "T3", Kind: volmatch.TxnEarn, Actor: "admin", At: at(1),
			Entries: []volmatch.LedgerEntry{{Account: issued, Amount: -5}, {Account: points("V1"), Amount: 5}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := st.PostTxn(ctx, c.t)
			wantCode(t, c.name, err, c.code)
			if volmatch.ErrorReason(err) != c.reason {
				t.Errorf("%s: reason %q, want %q", c.name, volmatch.ErrorReason(err), c.reason)
			}
			wantBalance(t, st, points("V1"), 70)
			wantBalance(t, st, points("V2"), 0)
			if _, err := st.LedgerTxn(ctx, "T3"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Errorf("%s wrote its transaction", c.name)
			}
		})
	}
	got := pages(t, "LedgerTxns(V1)", func(after string) ([]*volmatch.LedgerTxn, string, error) {
		return st.LedgerTxns(ctx, points("V1"), volmatch.ListOptions{After: after, Limit: 1})
	})
	if len(got) != 2 || got[0].ID != "T1" || got[1].ID != "T2" {
		t.Errorf("LedgerTxns(V1) = %d, want T1 and T2", len(got))
	}
	one, err := st.LedgerTxn(ctx, "T2")
	must(t, "LedgerTxn", err)
	sameJSON(t, "LedgerTxn(T2)", one, txn("T2", volmatch.TxnSpend, points("V1"), redeemed, 30))
}

// testLedgerConcurrentSpends: spends released at once against one balance
// never take it below zero: of 12 spends of the whole balance exactly one
// passes; of 20 spends of 10 from 55, exactly five; the refused ones
// write nothing, and every other balance agrees.
func testLedgerConcurrentSpends(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	for _, c := range []struct {
		vol                 string
		balance, spend      int64
		spenders, wantSpent int
	}{
		{"V1", 50, 50, 12, 1},
		{"V2", 55, 10, 20, 5},
	} {
		must(t, "earn", st.PostTxn(ctx, txn("E-"+c.vol, volmatch.TxnEarn, issued, points(c.vol), c.balance)))
		errs := race(c.spenders, func(i int) error {
			// Half spend, half transfer to another volunteer (a family member).
			if i%2 == 0 {
				return st.PostTxn(ctx, txn(fmt.Sprintf("S-%s-%d", c.vol, i), volmatch.TxnSpend, points(c.vol), redeemed, c.spend))
			}
			return st.PostTxn(ctx, txn(fmt.Sprintf("S-%s-%d", c.vol, i), volmatch.TxnTransfer, points(c.vol), points("F-"+c.vol), c.spend))
		})
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case volmatch.ErrorReason(err) != volmatch.ReasonInsufficient:
				t.Errorf("%s: a concurrent spend failed with %v, want %s", c.vol, err, volmatch.ReasonInsufficient)
			}
		}
		if ok != c.wantSpent {
			t.Errorf("%s: %d of %d concurrent spends of %d from %d passed, want exactly %d", c.vol, ok, c.spenders, c.spend, c.balance, c.wantSpent)
		}
		left := c.balance - int64(ok)*c.spend
		wantBalance(t, st, points(c.vol), left)
		moved := pages(t, "LedgerTxns", func(after string) ([]*volmatch.LedgerTxn, string, error) {
			return st.LedgerTxns(ctx, points(c.vol), volmatch.ListOptions{After: after})
		})
		if len(moved) != 1+ok {
			t.Errorf("%s: %d transactions on the account, want %d (the earning and the spends that passed)", c.vol, len(moved), 1+ok)
		}
		r, err := st.Balance(ctx, redeemed)
		must(t, "Balance", err)
		f, err := st.Balance(ctx, points("F-"+c.vol))
		must(t, "Balance", err)
		if left < 0 || left+f > c.balance || r < 0 {
			t.Errorf("%s: balances %d left, %d to family, %d redeemed: money made or lost", c.vol, left, f, r)
		}
	}
	wantBalance(t, st, issued, -105)
}
