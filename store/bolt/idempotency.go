package bolt

import (
	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// Idempotency keys are kept in the bucket idempotency under scope\x00key;
// an expired record stays until a request claims its key again.

// ClaimIdempotency stores rec unless the record held for its key is not
// Claimable at now (volmatch.IdempotencyStore).
func (s *Store) ClaimIdempotency(ctx context.Context, rec *volmatch.Idempotency, now time.Time) (*volmatch.Idempotency, bool, error) {
	var held *volmatch.Idempotency
	err := s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bIdem)
		k := key(rec.Scope, rec.Key)
		var old volmatch.Idempotency
		ok, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		if ok && !(&old).Claimable(now) {
			held = &old
			return nil
		}
		return putJSON(b, k, rec)
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
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bIdem)
		k := key(rec.Scope, rec.Key)
		var old volmatch.Idempotency
		ok, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		if !ok || old.Nonce != rec.Nonce {
			return volmatch.FenceLost(rec.Key)
		}
		c := *rec
		c.State = volmatch.IdemDone
		return putJSON(b, k, &c)
	})
}

// ReleaseIdempotency forgets a pending claim with the nonce.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, idemKey, nonce string) error {
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bIdem)
		k := key(scope, idemKey)
		var old volmatch.Idempotency
		ok, err := getJSON(b, k, &old)
		if err != nil || !ok || old.Nonce != nonce || old.State != volmatch.IdemPending {
			return err
		}
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("bolt: release idempotency key: %w", err)
		}
		return nil
	})
}

// RenewIdempotency moves the lease of the claim with the nonce.
func (s *Store) RenewIdempotency(ctx context.Context, scope, idemKey, nonce string, until time.Time) error {
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bIdem)
		k := key(scope, idemKey)
		var old volmatch.Idempotency
		ok, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		if !ok || old.Nonce != nonce {
			return volmatch.FenceLost(idemKey)
		}
		old.LeaseUntil = until
		return putJSON(b, k, &old)
	})
}

// fence checks and marks f's record in tx (volmatch.Fence.Check).
func fence(tx *bbolt.Tx, f volmatch.Fence) error {
	b := tx.Bucket(bIdem)
	k := key(f.Scope, f.Key)
	var cur volmatch.Idempotency
	ok, err := getJSON(b, k, &cur)
	if err != nil {
		return err
	}
	rec := &cur
	if !ok {
		rec = nil
	}
	mark, err := f.Check(rec)
	if err != nil || !mark {
		return err
	}
	cur.State = volmatch.IdemCommitted
	return putJSON(b, k, &cur)
}

// updatePlain is update without the fence: the writes of the idempotency
// records themselves.
func (s *Store) updatePlain(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	return dbErr(s.db.Update(fn))
}

// CreateJob stores a new job; ECONFLICT if the ID exists.
func (s *Store) CreateJob(ctx context.Context, j *volmatch.Job) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bJobs)
		if b.Get([]byte(j.ID)) != nil {
			return volmatch.ExistsError("job", j.ID)
		}
		return putJob(b, j)
	})
}

// UpdateJob replaces a job; ENOTFOUND if missing.
func (s *Store) UpdateJob(ctx context.Context, j *volmatch.Job) error {
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bJobs)
		if b.Get([]byte(j.ID)) == nil {
			return volmatch.NotFoundError("job", j.ID)
		}
		return putJob(b, j)
	})
}

// jobRecord is a job as stored: its Owner too, which the API never shows.
type jobRecord struct {
	volmatch.Job
	Owner string `json:"owner"`
}

func putJob(b *bbolt.Bucket, j *volmatch.Job) error {
	return putJSON(b, []byte(j.ID), jobRecord{Job: *j, Owner: j.Owner})
}

// Job returns one job; ENOTFOUND if missing.
func (s *Store) Job(ctx context.Context, id string) (*volmatch.Job, error) {
	var r jobRecord
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bJobs), []byte(id), &r)
		if err == nil && !ok {
			err = volmatch.NotFoundError("job", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Job.Owner = r.Owner
	return &r.Job, nil
}
