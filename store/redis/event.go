package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// The event log and the change feed are Redis streams whose entry IDs are
// SEQ-0, SEQ a dense counter INCRed by the same script that writes, so a
// Seq is an uint64 with no gaps, in commit order.

// AppendEvents appends events in order in one script, giving each its Seq
// (the caller's Seq is ignored) and At now when zero; EINVALID for an
// event without a type.
func (s *Store) AppendEvents(ctx context.Context, evs ...volmatch.Event) error {
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	return s.apply(ctx, "append events", func(o *ops) error {
		for _, ev := range evs {
			if err := o.event(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// xrange reads up to limit entries (100 when limit <= 0) of a stream with
// a Seq above after.
func (s *Store) xrange(ctx context.Context, stream string, after uint64, limit int) ([]goredis.XMessage, error) {
	if limit <= 0 {
		limit = 100
	}
	msgs, err := s.c.XRangeN(ctx, stream, strconv.FormatUint(after+1, 10)+"-0", "+", int64(limit)).Result()
	if err != nil {
		return nil, s.err("read stream", err)
	}
	return msgs, nil
}

// Events returns up to limit events (100 when limit <= 0) with Seq > after,
// in Seq order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error) {
	msgs, err := s.xrange(ctx, s.keys[1], after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]volmatch.Event, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["e"].(string)
		var ev volmatch.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return nil, fmt.Errorf("redis: decode event %s: %w", m.ID, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// Changes returns up to limit changes (100 when limit <= 0) with Seq >
// after, in Seq order.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
	msgs, err := s.xrange(ctx, s.keys[3], after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]volmatch.Change, 0, len(msgs))
	for _, m := range msgs {
		seq, err := streamSeq(m.ID)
		if err != nil {
			return nil, err
		}
		k, _ := m.Values["k"].(string)
		id, _ := m.Values["i"].(string)
		d, _ := m.Values["d"].(string)
		out = append(out, volmatch.Change{Seq: seq, Kind: volmatch.ChangeKind(k), ID: id, Deleted: d == "1"})
	}
	return out, nil
}

// LastChange returns the Seq of the newest change (0 when none).
func (s *Store) LastChange(ctx context.Context) (uint64, error) {
	v, err := s.c.Get(ctx, s.keys[2]).Uint64()
	if err == goredis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, s.err("last change", err)
	}
	return v, nil
}

// WaitChange blocks until a change with Seq > after exists, the timeout
// passes or ctx ends, so a follower can wake at once instead of polling. It
// reports whether a newer change exists.
func (s *Store) WaitChange(ctx context.Context, after uint64, timeout time.Duration) (bool, error) {
	res, err := s.c.XRead(ctx, &goredis.XReadArgs{
		Streams: []string{s.keys[3], strconv.FormatUint(after, 10) + "-0"},
		Count:   1, Block: timeout,
	}).Result()
	if err == goredis.Nil {
		return false, nil
	}
	if err != nil {
		return false, s.err("wait for change", err)
	}
	return len(res) > 0 && len(res[0].Messages) > 0, nil
}

func streamSeq(id string) (uint64, error) {
	ms, _, _ := strings.Cut(id, "-")
	seq, err := strconv.ParseUint(ms, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("redis: bad stream entry ID %q", id)
	}
	return seq, nil
}
