package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// Notifications (volmatch.NotificationStore) are kept as:
//
//	{vm}:note:ID       the notification (JSON); its existence makes
//	                   AddNotifications skip the ID
//	{vm}:inbox:VOL     sorted set (score 0) of TIME:ID, TIME 16 hex digits
//	                   of nanoseconds: ZREVRANGEBYLEX lists newest first
//	{vm}:unread:VOL    set of the unread in-app IDs
//	{vm}:nprefs:VOL    the preferences (JSON)
//	{vm}:dlv:ID        the delivery (JSON), in every state
//	{vm}:outbox        sorted set (score 0) of DUE:ID for the pending ones,
//	                   DUE 16 hex digits of the due time in nanoseconds
//	{vm}:notify:cursor the notifier's event Seq
//
// Each write is a WATCH/MULTI transaction over the keys it reads, retried
// when another client changed them in between (all keys share the hash
// tag, so this works in Redis Cluster too).

func (s *Store) noteKey(id string) string    { return s.k("note", id) }
func (s *Store) inboxKey(vol string) string  { return s.k("inbox", vol) }
func (s *Store) unreadKey(vol string) string { return s.k("unread", vol) }
func (s *Store) dlvKey(id string) string     { return s.k("dlv", id) }

func hex16(n int64) string { return fmt.Sprintf("%016x", uint64(max(n, 0))) }

func inboxMember(n *volmatch.Notification) string {
	return hex16(n.At.UnixNano()) + ":" + n.ID
}

func dueMember(d *volmatch.Delivery) string { return hex16(d.NextAt.UnixNano()) + ":" + d.ID }

// watch runs fn inside WATCH keys until its transaction commits without a
// watched key changing (at most maxTries times).
func (s *Store) watch(ctx context.Context, what string, fn func(tx *goredis.Tx) error, keys ...string) error {
	for try := 0; try < maxTries; try++ {
		err := s.c.Watch(ctx, fn, keys...)
		if err == goredis.TxFailedErr {
			backoff(try)
			continue
		}
		return s.err(what, err)
	}
	return fmt.Errorf("redis: %s: %w", what, volmatch.Errorf(volmatch.EUNAVAILABLE, "the records kept changing; try again"))
}

// AddNotifications stores the new ones of ns with their deliveries and
// moves the cursor, in one transaction.
func (s *Store) AddNotifications(ctx context.Context, cursor uint64, ns []*volmatch.Notification) ([]*volmatch.Notification, error) {
	if err := volmatch.CheckNotifications(ns); err != nil {
		return nil, err
	}
	ck := s.k("notify", "cursor")
	keys := []string{ck}
	for _, n := range ns {
		keys = append(keys, s.noteKey(n.ID))
	}
	var added []*volmatch.Notification
	err := s.watch(ctx, "add notifications", func(tx *goredis.Tx) error {
		added = added[:0]
		seen := map[string]bool{}
		for _, n := range ns {
			if seen[n.ID] {
				continue
			}
			seen[n.ID] = true
			ex, err := tx.Exists(ctx, s.noteKey(n.ID)).Result()
			if err != nil {
				return err
			}
			if ex == 0 {
				added = append(added, n)
			}
		}
		cur, err := tx.Get(ctx, ck).Uint64()
		if err != nil && err != goredis.Nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for _, n := range added {
				p.Set(ctx, s.noteKey(n.ID), mustJSON(n), 0)
				if n.InApp {
					p.ZAdd(ctx, s.inboxKey(n.Volunteer), goredis.Z{Member: inboxMember(n)})
					if n.Unread() {
						p.SAdd(ctx, s.unreadKey(n.Volunteer), n.ID)
					}
				}
				if n.Webhook {
					d := volmatch.NewDelivery(n)
					p.Set(ctx, s.dlvKey(d.ID), mustJSON(d), 0)
					p.ZAdd(ctx, s.k("outbox"), goredis.Z{Member: dueMember(d)})
				}
			}
			if cursor > cur {
				p.Set(ctx, ck, cursor, 0)
			}
			return nil
		})
		return err
	}, keys...)
	if err != nil {
		return nil, err
	}
	return added, nil
}

// NotifyCursor returns the notifier's event Seq.
func (s *Store) NotifyCursor(ctx context.Context) (uint64, error) {
	v, err := s.c.Get(ctx, s.k("notify", "cursor")).Uint64()
	if err == goredis.Nil {
		return 0, nil
	}
	return v, s.err("notify cursor", err)
}

// Inbox returns the volunteer's in-app notifications newest first and the
// unread count.
func (s *Store) Inbox(ctx context.Context, volunteer string, limit int) ([]*volmatch.Notification, int, error) {
	limit = volmatch.InboxLimit(limit)
	members, err := s.c.ZRevRangeByLex(ctx, s.inboxKey(volunteer), &goredis.ZRangeBy{Min: "-", Max: "+", Count: int64(limit)}).Result()
	if err != nil {
		return nil, 0, s.err("inbox", err)
	}
	unread, err := s.c.SCard(ctx, s.unreadKey(volunteer)).Result()
	if err != nil {
		return nil, 0, s.err("inbox", err)
	}
	if len(members) == 0 {
		return nil, int(unread), nil
	}
	keys := make([]string, len(members))
	for i, m := range members {
		_, id, _ := strings.Cut(m, ":")
		keys[i] = s.noteKey(id)
	}
	raws, err := s.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, 0, s.err("inbox", err)
	}
	out := make([]*volmatch.Notification, 0, len(raws))
	for _, raw := range raws {
		str, ok := raw.(string)
		if !ok {
			continue
		}
		n := new(volmatch.Notification)
		if err := json.Unmarshal([]byte(str), n); err != nil {
			return nil, 0, fmt.Errorf("redis: decode notification: %w", err)
		}
		out = append(out, n)
	}
	return out, int(unread), nil
}

// MarkRead marks the volunteer's notifications read.
func (s *Store) MarkRead(ctx context.Context, volunteer string, ids []string, at time.Time) (int, error) {
	uk := s.unreadKey(volunteer)
	marked := 0
	err := s.watch(ctx, "mark read", func(tx *goredis.Tx) error {
		marked = 0
		unread, err := tx.SMembers(ctx, uk).Result()
		if err != nil {
			return err
		}
		set := map[string]bool{}
		for _, id := range unread {
			set[id] = true
		}
		want := ids
		if len(want) == 0 {
			want = unread
		}
		var notes []*volmatch.Notification
		for _, id := range want {
			if !set[id] {
				continue
			}
			set[id] = false
			raw, err := tx.Get(ctx, s.noteKey(id)).Bytes()
			if err == goredis.Nil {
				continue
			}
			if err != nil {
				return err
			}
			n := new(volmatch.Notification)
			if err := json.Unmarshal(raw, n); err != nil {
				return fmt.Errorf("redis: decode notification: %w", err)
			}
			if n.Volunteer != volunteer {
				continue
			}
			n.ReadAt = at
			notes = append(notes, n)
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for _, n := range notes {
				p.Set(ctx, s.noteKey(n.ID), mustJSON(n), 0)
				p.SRem(ctx, uk, n.ID)
			}
			return nil
		})
		marked = len(notes)
		return err
	}, uk)
	return marked, err
}

// NotifyPrefs returns the volunteer's preferences.
func (s *Store) NotifyPrefs(ctx context.Context, volunteer string) (*volmatch.NotifyPrefs, error) {
	p := &volmatch.NotifyPrefs{Volunteer: volunteer}
	raw, err := s.c.Get(ctx, s.k("nprefs", volunteer)).Bytes()
	if err == goredis.Nil {
		return p, nil
	}
	if err != nil {
		return nil, s.err("notify prefs", err)
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("redis: decode notify prefs: %w", err)
	}
	return p, nil
}

// PutNotifyPrefs stores the preferences.
func (s *Store) PutNotifyPrefs(ctx context.Context, p *volmatch.NotifyPrefs) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.err("put notify prefs", s.c.Set(ctx, s.k("nprefs", p.Volunteer), mustJSON(p), 0).Err())
}

// readDelivery reads delivery id in tx (nil when missing).
func (s *Store) readDelivery(ctx context.Context, c goredis.Cmdable, id string) (*volmatch.Delivery, error) {
	raw, err := c.Get(ctx, s.dlvKey(id)).Bytes()
	if err == goredis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := new(volmatch.Delivery)
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("redis: decode delivery: %w", err)
	}
	return d, nil
}

// ClaimDeliveries claims the pending deliveries due at now.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*volmatch.Delivery, error) {
	limit = volmatch.InboxLimit(limit)
	ob := s.k("outbox")
	var out []*volmatch.Delivery
	err := s.watch(ctx, "claim deliveries", func(tx *goredis.Tx) error {
		out = out[:0]
		members, err := tx.ZRangeByLex(ctx, ob, &goredis.ZRangeBy{Min: "-", Max: "(" + hex16(now.UnixNano()+1), Count: int64(limit)}).Result()
		if err != nil {
			return err
		}
		var old []string
		for _, m := range members {
			_, id, _ := strings.Cut(m, ":")
			d, err := s.readDelivery(ctx, tx, id)
			if err != nil {
				return err
			}
			if d == nil || d.State != volmatch.DeliveryPending {
				continue
			}
			d.Attempts++
			d.Lease = volmatch.NewLease()
			d.NextAt = now.Add(lease)
			out = append(out, d)
			old = append(old, m)
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for i, d := range out {
				p.ZRem(ctx, ob, old[i])
				p.ZAdd(ctx, ob, goredis.Z{Member: dueMember(d)})
				p.Set(ctx, s.dlvKey(d.ID), mustJSON(d), 0)
			}
			return nil
		})
		return err
	}, ob)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SettleDelivery stores the outcome of the attempt holding d.Lease.
func (s *Store) SettleDelivery(ctx context.Context, d *volmatch.Delivery) error {
	ob, dk := s.k("outbox"), s.dlvKey(d.ID)
	return s.watch(ctx, "settle delivery", func(tx *goredis.Tx) error {
		old, err := s.readDelivery(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if old == nil {
			return volmatch.Errorf(volmatch.ENOTFOUND, "delivery %s not found", d.ID)
		}
		if old.Lease == "" || old.Lease != d.Lease {
			return volmatch.Errorf(volmatch.ECONFLICT, "delivery %s: the attempt's lease has passed to another", d.ID)
		}
		c := *old
		c.State, c.NextAt, c.LastError, c.DeliveredAt, c.Lease = d.State, d.NextAt, d.LastError, d.DeliveredAt, ""
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.ZRem(ctx, ob, dueMember(old))
			if c.State == volmatch.DeliveryPending {
				p.ZAdd(ctx, ob, goredis.Z{Member: dueMember(&c)})
			}
			p.Set(ctx, dk, mustJSON(&c), 0)
			return nil
		})
		return err
	}, dk, ob)
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (*volmatch.Delivery, error) {
	d, err := s.readDelivery(ctx, s.c, id)
	if err != nil {
		return nil, s.err("delivery", err)
	}
	if d == nil {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "delivery %s not found", id)
	}
	return d, nil
}
