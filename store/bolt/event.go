package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

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

// seqRange decodes up to limit values (100 when limit <= 0) with a key
// above after from a sequence-keyed bucket, in one read transaction.
func seqRange[T any](ctx context.Context, s *Store, bucket []byte, after uint64, limit int) ([]T, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("bolt: decode entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Events returns up to limit events (100 when limit <= 0) with Seq > after,
// in Seq order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error) {
	return seqRange[volmatch.Event](ctx, s, bEvents, after, limit)
}

// Changes returns up to limit changes (100 when limit <= 0) with Seq >
// after, in Seq order.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
	return seqRange[volmatch.Change](ctx, s, bChanges, after, limit)
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

// EventsOf returns up to limit events (100 when limit <= 0) of the given
// types with Seq > after, in Seq order, and the Seq through which it read
// (see volmatch.EventLog). The other events are skipped by their type
// alone (volmatch.EventTypeOf), undecoded, in one read transaction.
func (s *Store) EventsOf(ctx context.Context, after uint64, limit int, types ...volmatch.EventType) ([]volmatch.Event, uint64, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []volmatch.Event
	through := after
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			through = binary.BigEndian.Uint64(k)
			if t, ok := volmatch.EventTypeOf(v); ok && !slices.Contains(types, t) {
				continue
			}
			var ev volmatch.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("bolt: decode event %d: %w", through, err)
			}
			if slices.Contains(types, ev.Type) {
				out = append(out, ev)
			}
		}
		return nil
	})
	if err != nil {
		return nil, after, err
	}
	return out, through, nil
}
