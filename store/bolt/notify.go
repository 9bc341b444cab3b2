package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// Notifications (volmatch.NotificationStore) live in buckets of their own:
// the records by ID (which also makes AddNotifications skip an ID seen
// before), the inbox index by volunteer, newest first, the unread set, the
// preferences, and the outbox with its index by due time.
var (
	// bNotes holds notification ID -> the notification (JSON).
	bNotes = []byte("notifications")
	// bInbox holds volunteer\x00<time>\x00ID -> "", read backwards.
	bInbox = []byte("inbox")
	// bUnread holds volunteer\x00ID -> "" for the unread in-app ones.
	bUnread = []byte("inbox_unread")
	// bNotifyPrefs holds volunteer -> the preferences (JSON).
	bNotifyPrefs = []byte("notify_prefs")
	// bOutbox holds delivery ID -> the delivery (JSON), in every state.
	bOutbox = []byte("outbox")
	// bOutboxDue holds <due time>\x00ID -> "" for the pending deliveries.
	bOutboxDue = []byte("outbox_due")
	// bNotifyMeta holds "cursor" -> the notifier's event Seq (8 bytes).
	bNotifyMeta = []byte("notify_meta")
)

func init() {
	allBuckets = append(allBuckets, bNotes, bInbox, bUnread, bNotifyPrefs, bOutbox, bOutboxDue, bNotifyMeta)
}

var cursorKey = []byte("cursor")

// sortTime encodes t so that keys sort by time.
func sortTime(t time.Time) []byte { return u64(uint64(max(t.UnixNano(), 0))) }

// dueKey is the outbox index key of a delivery due at t.
func dueKey(t time.Time, id string) []byte {
	b := make([]byte, 8, 9+len(id))
	binary.BigEndian.PutUint64(b, uint64(max(t.UnixNano(), 0)))
	b = append(b, 0)
	return append(b, id...)
}

func inboxKey(n *volmatch.Notification) []byte {
	return key(n.Volunteer, string(sortTime(n.At)), n.ID)
}

// AddNotifications stores the new ones of ns with their deliveries and
// moves the cursor, in one transaction.
func (s *Store) AddNotifications(ctx context.Context, cursor uint64, ns []*volmatch.Notification) ([]*volmatch.Notification, error) {
	if err := volmatch.CheckNotifications(ns); err != nil {
		return nil, err
	}
	var added []*volmatch.Notification
	err := s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		added = added[:0]
		notes := tx.Bucket(bNotes)
		for _, n := range ns {
			if notes.Get([]byte(n.ID)) != nil {
				continue
			}
			if err := putJSON(notes, []byte(n.ID), n); err != nil {
				return err
			}
			if n.InApp {
				if err := tx.Bucket(bInbox).Put(inboxKey(n), nil); err != nil {
					return err
				}
				if n.Unread() {
					if err := tx.Bucket(bUnread).Put(key(n.Volunteer, n.ID), nil); err != nil {
						return err
					}
				}
			}
			if n.Webhook {
				d := volmatch.NewDelivery(n)
				if err := putDelivery(tx, d, nil); err != nil {
					return err
				}
			}
			added = append(added, n)
		}
		meta := tx.Bucket(bNotifyMeta)
		if cur := meta.Get(cursorKey); cur == nil || binary.BigEndian.Uint64(cur) < cursor {
			return meta.Put(cursorKey, u64(cursor))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: add notifications: %w", err)
	}
	return added, nil
}

// NotifyCursor returns the notifier's event Seq.
func (s *Store) NotifyCursor(ctx context.Context) (uint64, error) {
	var c uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bNotifyMeta).Get(cursorKey); v != nil {
			c = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return c, err
}

// Inbox returns the volunteer's in-app notifications newest first and the
// unread count.
func (s *Store) Inbox(ctx context.Context, volunteer string, limit int) ([]*volmatch.Notification, int, error) {
	limit = volmatch.InboxLimit(limit)
	var out []*volmatch.Notification
	unread := 0
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		prefix := key(volunteer, "")
		notes := tx.Bucket(bNotes)
		c := tx.Bucket(bInbox).Cursor()
		// Newest first: from the end of the volunteer's keys backwards
		// (ties by ID, descending).
		k, _ := c.Seek(append([]byte(volunteer), 1))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			id := k[len(prefix)+9:] // the 8-byte time and its NUL
			n := new(volmatch.Notification)
			if ok, err := getJSON(notes, id, n); err != nil || !ok {
				return err
			}
			out = append(out, n)
		}
		uc := tx.Bucket(bUnread).Cursor()
		for k, _ := uc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = uc.Next() {
			unread++
		}
		return nil
	})
	return out, unread, err
}

// MarkRead marks the volunteer's notifications read.
func (s *Store) MarkRead(ctx context.Context, volunteer string, ids []string, at time.Time) (int, error) {
	marked := 0
	err := s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		marked = 0
		unread := tx.Bucket(bUnread)
		prefix := key(volunteer, "")
		if len(ids) == 0 {
			c := unread.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				ids = append(ids, string(k[len(prefix):]))
				if err := unread.Delete(k); err != nil {
					return err
				}
			}
		}
		notes := tx.Bucket(bNotes)
		for _, id := range ids {
			var n volmatch.Notification
			ok, err := getJSON(notes, []byte(id), &n)
			if err != nil {
				return err
			}
			if !ok || n.Volunteer != volunteer || !n.Unread() {
				continue
			}
			n.ReadAt = at
			if err := putJSON(notes, []byte(id), &n); err != nil {
				return err
			}
			if err := unread.Delete(key(volunteer, id)); err != nil {
				return err
			}
			marked++
		}
		return nil
	})
	return marked, err
}

// NotifyPrefs returns the volunteer's preferences.
func (s *Store) NotifyPrefs(ctx context.Context, volunteer string) (*volmatch.NotifyPrefs, error) {
	p := &volmatch.NotifyPrefs{Volunteer: volunteer}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		_, err := getJSON(tx.Bucket(bNotifyPrefs), []byte(volunteer), p)
		return err
	})
	return p, err
}

// PutNotifyPrefs stores the preferences.
func (s *Store) PutNotifyPrefs(ctx context.Context, p *volmatch.NotifyPrefs) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		return putJSON(tx.Bucket(bNotifyPrefs), []byte(p.Volunteer), p)
	})
}

// putDelivery writes d and keeps the due index: old is the stored one
// (nil when new), whose index entry is replaced.
func putDelivery(tx *bbolt.Tx, d, old *volmatch.Delivery) error {
	due := tx.Bucket(bOutboxDue)
	if old != nil && old.State == volmatch.DeliveryPending {
		if err := due.Delete(dueKey(old.NextAt, old.ID)); err != nil {
			return err
		}
	}
	if d.State == volmatch.DeliveryPending {
		if err := due.Put(dueKey(d.NextAt, d.ID), nil); err != nil {
			return err
		}
	}
	return putJSON(tx.Bucket(bOutbox), []byte(d.ID), d)
}

// ClaimDeliveries claims the pending deliveries due at now.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*volmatch.Delivery, error) {
	limit = volmatch.InboxLimit(limit)
	var out []*volmatch.Delivery
	err := s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		out = out[:0]
		var ids [][]byte
		c := tx.Bucket(bOutboxDue).Cursor()
		end := uint64(max(now.UnixNano(), 0))
		for k, _ := c.First(); k != nil && len(ids) < limit && binary.BigEndian.Uint64(k[:8]) <= end; k, _ = c.Next() {
			ids = append(ids, append([]byte(nil), k[9:]...))
		}
		for _, id := range ids {
			var old volmatch.Delivery
			if ok, err := getJSON(tx.Bucket(bOutbox), id, &old); err != nil || !ok {
				return err
			}
			d := old
			d.Attempts++
			d.Lease = volmatch.NewLease()
			d.NextAt = now.Add(lease)
			if err := putDelivery(tx, &d, &old); err != nil {
				return err
			}
			out = append(out, &d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: claim deliveries: %w", err)
	}
	return out, nil
}

// SettleDelivery stores the outcome of the attempt holding d.Lease.
func (s *Store) SettleDelivery(ctx context.Context, d *volmatch.Delivery) error {
	return s.updatePlain(ctx, func(tx *bbolt.Tx) error {
		var old volmatch.Delivery
		ok, err := getJSON(tx.Bucket(bOutbox), []byte(d.ID), &old)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.Errorf(volmatch.ENOTFOUND, "delivery %s not found", d.ID)
		}
		if old.Lease == "" || old.Lease != d.Lease {
			return volmatch.Errorf(volmatch.ECONFLICT, "delivery %s: the attempt's lease has passed to another", d.ID)
		}
		c := old
		c.State, c.NextAt, c.LastError, c.DeliveredAt, c.Lease = d.State, d.NextAt, d.LastError, d.DeliveredAt, ""
		return putDelivery(tx, &c, &old)
	})
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (*volmatch.Delivery, error) {
	d := new(volmatch.Delivery)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bOutbox), []byte(id), d)
		if err == nil && !ok {
			err = volmatch.Errorf(volmatch.ENOTFOUND, "delivery %s not found", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
