package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
// a Seq above after, decoding each with decode.
func xrange[T any](ctx context.Context, s *Store, stream string, after uint64, limit int, decode func(goredis.XMessage) (T, error)) ([]T, error) {
	if limit <= 0 {
		limit = 100
	}
	msgs, err := s.c.XRangeN(ctx, stream, strconv.FormatUint(after+1, 10)+"-0", "+", int64(limit)).Result()
	if err != nil {
		return nil, s.err("read stream", err)
	}
	out := make([]T, len(msgs))
	for i, m := range msgs {
		if out[i], err = decode(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Events returns up to limit events (100 when limit <= 0) with Seq > after,
// in Seq order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error) {
	return xrange(ctx, s, s.keys[1], after, limit, func(m goredis.XMessage) (volmatch.Event, error) {
		raw, _ := m.Values["e"].(string)
		var ev volmatch.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return ev, fmt.Errorf("redis: decode event %s: %w", m.ID, err)
		}
		return ev, nil
	})
}

// eventsOfPage is how many entries of the event stream one call of the
// scanning script reads at most (a script blocks the server while it runs).
const eventsOfPage = 1000

// EventsOf returns up to limit events (100 when limit <= 0) of the given
// types with Seq > after, in Seq order, and the Seq through which it read
// (see volmatch.EventLog). It reads the streams of those types
// (eventsIndexedSrc), so the other events are neither read, sent nor
// decoded; the events written before the type index began are scanned by
// the server, which sends only those of the types asked (eventsScanSrc).
func (s *Store) EventsOf(ctx context.Context, after uint64, limit int, types ...volmatch.EventType) ([]volmatch.Event, uint64, error) {
	if limit <= 0 {
		limit = 100
	}
	types = slices.Compact(slices.Sorted(slices.Values(types))) // each stream once
	var out []volmatch.Event
	for {
		args := make([]any, 0, 2+len(types))
		args = append(args, after, limit-len(out))
		for _, t := range types {
			args = append(args, string(t))
		}
		res, err := s.pipe.run(ctx, eventsIndexedScript, s.keys, args...).Slice()
		if err != nil {
			return nil, after, s.err("read events by type", err)
		}
		if len(res) < 2 {
			return nil, after, fmt.Errorf("redis: read events by type: short answer")
		}
		from, _ := res[0].(int64)
		last, _ := res[1].(int64)
		if from == 0 || after+1 < uint64(from) {
			// Written before the type index: scan up to where it begins.
			end := "+"
			if from > 0 {
				end = strconv.FormatInt(from-1, 10) + "-0"
			}
			evs, through, err := s.scanEventsOf(ctx, after, limit-len(out), end, types)
			if err != nil {
				return nil, after, err
			}
			out = append(out, evs...)
			if len(out) == limit || from == 0 || through == after {
				return out, through, nil
			}
			after = max(through, uint64(from)-1)
			continue
		}
		evs, err := decodeEventPairs(res[2:])
		if err != nil {
			return nil, after, err
		}
		out = append(out, evs...)
		if len(out) == limit {
			return out, out[len(out)-1].Seq, nil
		}
		return out, max(after, uint64(last)), nil
	}
}

// decodeEventPairs decodes a script's answer of entry IDs each followed by
// its event's JSON.
func decodeEventPairs(res []any) ([]volmatch.Event, error) {
	out := make([]volmatch.Event, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		id, _ := res[i].(string)
		raw, _ := res[i+1].(string)
		var ev volmatch.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return nil, fmt.Errorf("redis: decode event %s: %w", id, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// scanEventsOf scans the event stream above after up to the entry ID end
// for up to limit events of the given types (eventsScanSrc), and returns
// them with the Seq through which it read.
func (s *Store) scanEventsOf(ctx context.Context, after uint64, limit int, end string, types []volmatch.EventType) ([]volmatch.Event, uint64, error) {
	args := make([]any, 3, 3+len(types))
	args[1], args[2] = eventsOfPage, end
	for _, t := range types {
		args = append(args, string(t))
	}
	var out []volmatch.Event
	through := after
	for len(out) < limit {
		args[0] = strconv.FormatUint(through+1, 10) + "-0"
		res, err := s.pipe.run(ctx, eventsScanScript, s.keys, args...).Slice()
		if err != nil {
			return nil, after, s.err("scan events by type", err)
		}
		if len(res) < 2 {
			return nil, after, fmt.Errorf("redis: scan events by type: short answer")
		}
		last, _ := res[0].(string)
		read, _ := res[1].(int64)
		evs, err := decodeEventPairs(res[2:])
		if err != nil {
			return nil, after, err
		}
		for _, ev := range evs {
			if !slices.Contains(types, ev.Type) {
				continue // its head could not be read: decoded to tell
			}
			out = append(out, ev)
			if len(out) == limit {
				return out, ev.Seq, nil
			}
		}
		if last == "" {
			break
		}
		if through, err = streamSeq(last); err != nil {
			return nil, after, err
		}
		if read < eventsOfPage {
			break
		}
	}
	return out, through, nil
}

// Changes returns up to limit changes (100 when limit <= 0) with Seq >
// after, in Seq order.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]volmatch.Change, error) {
	return xrange(ctx, s, s.keys[3], after, limit, func(m goredis.XMessage) (volmatch.Change, error) {
		seq, err := streamSeq(m.ID)
		k, _ := m.Values["k"].(string)
		id, _ := m.Values["i"].(string)
		d, _ := m.Values["d"].(string)
		x, _ := m.Values["x"].(string)
		return volmatch.Change{Seq: seq, Kind: volmatch.ChangeKind(k), ID: id, Deleted: d == "1", Derived: x == "1"}, err
	})
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
