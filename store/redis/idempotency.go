package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// An idempotency key is the hash idem:SCOPE:KEY with the fields state,
// nonce (the fence the scripts check and mark, see lua.go) and rec (the
// record's JSON); Redis expires it after the record's lifetime. A job is
// job:ID (JSON).

func (s *Store) idemKey(scope, key string) string { return s.k("idem", scope, key) }

func (s *Store) jobKey(id string) string { return s.k("job", id) }

// readIdem decodes the record of a hash read with HGETALL (nil when empty).
func readIdem(h map[string]string) (*volmatch.Idempotency, error) {
	if len(h) == 0 || h["rec"] == "" {
		return nil, nil
	}
	var rec volmatch.Idempotency
	if err := json.Unmarshal([]byte(h["rec"]), &rec); err != nil {
		return nil, fmt.Errorf("redis: decode idempotency record: %w", err)
	}
	rec.State, rec.Nonce = h["state"], h["nonce"]
	return &rec, nil
}

// watchIdem runs fn on the record of scope and key inside WATCH, so that
// the writes fn queues happen only if the record did not change since it
// was read; it retries while it did.
func (s *Store) watchIdem(ctx context.Context, what, scope, key string, fn func(cur *volmatch.Idempotency, p goredis.Pipeliner) error) error {
	k := s.idemKey(scope, key)
	for try := 0; try < maxTries; try++ {
		err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
			h, err := tx.HGetAll(ctx, k).Result()
			if err != nil {
				return err
			}
			cur, err := readIdem(h)
			if err != nil {
				return err
			}
			var fnErr error
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				fnErr = fn(cur, p)
				return fnErr
			})
			if fnErr != nil {
				return fnErr
			}
			return err
		}, k)
		if err == goredis.TxFailedErr {
			backoff(try)
			continue
		}
		return s.err(what, err)
	}
	return fmt.Errorf("redis: %s: %w", what, volmatch.Errorf(volmatch.EUNAVAILABLE, "the idempotency key kept changing; try again"))
}

// putIdem queues the writes of rec on p.
func (s *Store) putIdem(ctx context.Context, p goredis.Pipeliner, rec *volmatch.Idempotency) {
	k := s.idemKey(rec.Scope, rec.Key)
	p.Del(ctx, k)
	p.HSet(ctx, k, "state", rec.State, "nonce", rec.Nonce, "rec", mustJSON(rec))
	// Redis forgets the key when the record's lifetime has passed on the
	// server's clock (the record's own times are the engine's clock).
	if ttl := rec.ExpiresAt.Sub(rec.CreatedAt); ttl > 0 {
		p.PExpire(ctx, k, ttl)
	}
}

// ClaimIdempotency stores rec unless the record held for its key is not
// Claimable at now (volmatch.IdempotencyStore).
func (s *Store) ClaimIdempotency(ctx context.Context, rec *volmatch.Idempotency, now time.Time) (*volmatch.Idempotency, bool, error) {
	var held *volmatch.Idempotency
	err := s.watchIdem(ctx, "claim idempotency key", rec.Scope, rec.Key, func(cur *volmatch.Idempotency, p goredis.Pipeliner) error {
		held = nil
		if cur != nil && !cur.Claimable(now) {
			held = cur
			return nil
		}
		s.putIdem(ctx, p, rec)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if held != nil {
		return held, false, nil
	}
	return rec, true, nil
}

// CompleteIdempotency stores rec's answer while the key is still rec's.
func (s *Store) CompleteIdempotency(ctx context.Context, rec *volmatch.Idempotency) error {
	return s.watchIdem(ctx, "complete idempotency key", rec.Scope, rec.Key, func(cur *volmatch.Idempotency, p goredis.Pipeliner) error {
		if cur == nil || cur.Nonce != rec.Nonce {
			return volmatch.FenceLost(rec.Key)
		}
		c := *rec
		c.State = volmatch.IdemDone
		s.putIdem(ctx, p, &c)
		return nil
	})
}

// ReleaseIdempotency forgets a pending claim with the nonce.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, key, nonce string) error {
	return s.watchIdem(ctx, "release idempotency key", scope, key, func(cur *volmatch.Idempotency, p goredis.Pipeliner) error {
		if cur != nil && cur.Nonce == nonce && cur.State == volmatch.IdemPending {
			p.Del(ctx, s.idemKey(scope, key))
		}
		return nil
	})
}

// RenewIdempotency moves the lease of the claim with the nonce.
func (s *Store) RenewIdempotency(ctx context.Context, scope, key, nonce string, until time.Time) error {
	return s.watchIdem(ctx, "renew idempotency key", scope, key, func(cur *volmatch.Idempotency, p goredis.Pipeliner) error {
		if cur == nil || cur.Nonce != nonce {
			return volmatch.FenceLost(key)
		}
		cur.LeaseUntil = until
		p.HSet(ctx, s.idemKey(scope, key), "rec", mustJSON(cur))
		return nil
	})
}

// jobRecord is a job as stored: its Owner too, which the API never shows.
type jobRecord struct {
	volmatch.Job
	Owner string `json:"owner"`
}

// CreateJob stores a new job; ECONFLICT if the ID exists.
func (s *Store) CreateJob(ctx context.Context, j *volmatch.Job) error {
	return s.apply(ctx, "create job", func(o *ops) error {
		o.absent(s.jobKey(j.ID), volmatch.ECONFLICT, volmatch.ErrorMessage(volmatch.ExistsError("job", j.ID)))
		o.set(s.jobKey(j.ID), mustJSON(jobRecord{Job: *j, Owner: j.Owner}))
		return nil
	})
}

// UpdateJob replaces a job; ENOTFOUND if missing.
func (s *Store) UpdateJob(ctx context.Context, j *volmatch.Job) error {
	ok, err := s.c.SetXX(ctx, s.jobKey(j.ID), mustJSON(jobRecord{Job: *j, Owner: j.Owner}), 0).Result()
	if err != nil {
		return s.err("update job", err)
	}
	if !ok {
		return volmatch.NotFoundError("job", j.ID)
	}
	return nil
}

// Job returns one job; ENOTFOUND if missing.
func (s *Store) Job(ctx context.Context, id string) (*volmatch.Job, error) {
	var r jobRecord
	_, ok, err := s.getJSON(ctx, s.jobKey(id), &r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("job", id)
	}
	r.Job.Owner = r.Owner
	return &r.Job, nil
}
