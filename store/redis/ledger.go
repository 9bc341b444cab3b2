package redis

import (
	"context"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// The ledger (volmatch.LedgerStore): txn:ID (JSON), bal:ACCOUNT (decimal)
// and the sorted set ix:txnacc:ACCOUNT of the transactions that moved an
// account. A post reads the balances, checks them (volmatch.ApplyTxn) and
// writes them in one script that compares each balance read: a concurrent
// post in between makes it read again, so two spends of one balance never
// both pass, on any number of replicas.

// PostTxn appends t and moves its balances (see volmatch.LedgerStore).
func (s *Store) PostTxn(ctx context.Context, t *volmatch.LedgerTxn) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.apply(ctx, "post ledger transaction", func(o *ops) error { return s.txnOps(ctx, o, t) })
}

// txnOps reads the balances t moves, checks them (volmatch.ApplyTxn) and
// adds t's writes to o, each conditioned on the balance read.
func (s *Store) txnOps(ctx context.Context, o *ops, t *volmatch.LedgerTxn) error {
	p := s.c.Pipeline()
	gets := make([]*goredis.StringCmd, len(t.Entries))
	for i, e := range t.Entries {
		gets[i] = p.Get(ctx, s.k("bal", e.Account))
	}
	if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
		return s.err("read balances", err)
	}
	cur, raw := map[string]int64{}, map[string]string{}
	for i, e := range t.Entries {
		v, err := gets[i].Result()
		if err == goredis.Nil {
			v = ""
		} else if err != nil {
			return s.err("read balance", err)
		}
		raw[e.Account] = v
		if v != "" {
			b, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return err
			}
			cur[e.Account] = b
		}
	}
	next, err := volmatch.ApplyTxn(t, cur)
	if err != nil {
		return err
	}
	key := s.k("txn", t.ID)
	e := volmatch.ExistsError("ledger transaction", t.ID)
	o.absent(key, e.Code, e.Message)
	o.set(key, mustJSON(t))
	for _, en := range t.Entries {
		bk := s.k("bal", en.Account)
		o.eq(bk, raw[en.Account])
		o.set(bk, []byte(strconv.FormatInt(next[en.Account], 10)))
		o.zadd(s.k("ix", "txnacc", en.Account), t.ID)
	}
	return nil
}

// Balance returns an account's balance (0 for one never moved).
func (s *Store) Balance(ctx context.Context, account string) (int64, error) {
	v, ok, err := s.get(ctx, s.k("bal", account))
	if err != nil || !ok {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// LedgerTxns lists the transactions that moved an account, in ID order.
func (s *Store) LedgerTxns(ctx context.Context, account string, o volmatch.ListOptions) ([]*volmatch.LedgerTxn, string, error) {
	return list[volmatch.LedgerTxn](ctx, s, s.k("ix", "txnacc", account), func(id string) string { return s.k("txn", id) }, o, nil, nil)
}

// LedgerTxn returns one transaction; ENOTFOUND if missing.
func (s *Store) LedgerTxn(ctx context.Context, id string) (*volmatch.LedgerTxn, error) {
	t := new(volmatch.LedgerTxn)
	_, ok, err := s.getJSON(ctx, s.k("txn", id), t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("ledger transaction", id)
	}
	return t, nil
}
