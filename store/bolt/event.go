package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// AppendEvents appends events in order, giving each its Seq (the caller's
// Seq is ignored) and At now when zero; EINVALID for an event without a
// type. Concurrent calls share one transaction and one fsync (group
// commit, see group.go); each returns once its events are committed, and
// the events of one call stay together and in order.
func (s *Store) AppendEvents(ctx context.Context, evs ...volmatch.Event) error {
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	if len(evs) == 0 {
		return nil
	}
	raws := make([][]byte, len(evs))
	for i, ev := range evs {
		raw, err := encodeEvent(ev)
		if err != nil {
			return err
		}
		raws[i] = raw
	}
	return s.appendGrouped(raws)
}

// seqRange decodes up to limit values with a key above after from a
// sequence-keyed bucket; limit <= 0 means 100.
func seqRange[T any](b *bbolt.Bucket, after uint64, limit int) ([]T, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []T
	c := b.Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, fmt.Errorf("bolt: decode entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		out = append(out, x)
	}
	return out, nil
}

// Events returns up to limit events (100 when limit <= 0) with Seq > after,
// in Seq order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error) {
	var out []volmatch.Event
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, err = seqRange[volmatch.Event](tx.Bucket(bEvents), after, limit)
		return err
	})
	return out, err
}

// Changes returns up to limit changes (100 when limit <= 0) with Seq >
// after, in Seq order.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
	var out []volmatch.Change
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, err = seqRange[volmatch.Change](tx.Bucket(bChanges), after, limit)
		return err
	})
	return out, err
}

// LastChange returns the Seq of the newest change (0 when none).
func (s *Store) LastChange(ctx context.Context) (uint64, error) {
	var seq uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		seq = tx.Bucket(bChanges).Sequence()
		return nil
	})
	return seq, err
}
