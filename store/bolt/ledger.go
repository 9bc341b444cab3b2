package bolt

import (
	"bytes"
	"context"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// The ledger (volmatch.LedgerStore): a transaction, its balances and its
// index entries in one bbolt transaction, which bbolt serialises, so two
// spends of one balance never both pass.
var (
	// bTxns holds transaction ID -> the transaction (JSON).
	bTxns = []byte("ledger_txns")
	// bBalances holds account -> its balance (decimal).
	bBalances = []byte("ledger_balances")
	// bTxnByAccount holds account\x00txnID -> "".
	bTxnByAccount = []byte("ledger_by_account")
)

// PostTxn appends t and moves its balances (see volmatch.LedgerStore).
func (s *Store) PostTxn(ctx context.Context, t *volmatch.LedgerTxn) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error { return postTxn(tx, t) })
}

// postTxn appends t and moves its balances inside tx (t is valid).
func postTxn(tx *bbolt.Tx, t *volmatch.LedgerTxn) error {
	txns, bals, idx := tx.Bucket(bTxns), tx.Bucket(bBalances), tx.Bucket(bTxnByAccount)
	if txns.Get([]byte(t.ID)) != nil {
		return volmatch.ExistsError("ledger transaction", t.ID)
	}
	cur := map[string]int64{}
	for _, e := range t.Entries {
		b, err := balance(bals, e.Account)
		if err != nil {
			return err
		}
		cur[e.Account] = b
	}
	next, err := volmatch.ApplyTxn(t, cur)
	if err != nil {
		return err
	}
	if err := putJSON(txns, []byte(t.ID), t); err != nil {
		return err
	}
	for acc, b := range next {
		if err := bals.Put([]byte(acc), []byte(strconv.FormatInt(b, 10))); err != nil {
			return err
		}
		if err := idx.Put([]byte(acc+"\x00"+t.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// balance reads an account's balance from b (0 when never moved).
func balance(b *bbolt.Bucket, account string) (int64, error) {
	v := b.Get([]byte(account))
	if v == nil {
		return 0, nil
	}
	return strconv.ParseInt(string(v), 10, 64)
}

// Balance returns an account's balance (0 for one never moved).
func (s *Store) Balance(ctx context.Context, account string) (int64, error) {
	var out int64
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, err = balance(tx.Bucket(bBalances), account)
		return err
	})
	return out, err
}

// LedgerTxns lists the transactions that moved an account, in ID order.
func (s *Store) LedgerTxns(ctx context.Context, account string, o volmatch.ListOptions) ([]*volmatch.LedgerTxn, string, error) {
	var out []*volmatch.LedgerTxn
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		prefix := []byte(account + "\x00")
		var ids []string
		c := tx.Bucket(bTxnByAccount).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, string(k[len(prefix):]))
		}
		var err error
		out, next, err = listIDs[volmatch.LedgerTxn](tx.Bucket(bTxns), ids, o, nil)
		return err
	})
	return out, next, err
}

// LedgerTxn returns one transaction; ENOTFOUND if missing.
func (s *Store) LedgerTxn(ctx context.Context, id string) (*volmatch.LedgerTxn, error) {
	t := new(volmatch.LedgerTxn)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bTxns), []byte(id), t)
		if err == nil && !ok {
			err = volmatch.NotFoundError("ledger transaction", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
