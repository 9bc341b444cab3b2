package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"volmatch"
)

// note returns an in-app notification of kind k for vol at hour h.
func note(id, vol string, k volmatch.NoticeKind, h float64) *volmatch.Notification {
	return &volmatch.Notification{ID: id, Volunteer: vol, Kind: k, At: at(h), Need: "N1", Title: "助老", InApp: true}
}

func inboxIDs(t *testing.T, st volmatch.Store, vol string, limit int) ([]string, int) {
	t.Helper()
	ns, unread, err := st.Inbox(context.Background(), vol, limit)
	must(t, "Inbox "+vol, err)
	var ids []string
	for _, n := range ns {
		ids = append(ids, n.ID)
	}
	return ids, unread
}

// testNotifications: AddNotifications keeps one record per ID (a replay,
// another replica), moves the cursor only forward, lists each volunteer's
// own in-app ones newest first (ties by ID), and MarkRead touches only the
// volunteer's own.
func testNotifications(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	c, err := st.NotifyCursor(ctx)
	must(t, "NotifyCursor", err)
	if c != 0 {
		t.Fatalf("NotifyCursor of an empty store = %d, want 0", c)
	}
	hidden := note("n-muted", "V1", volmatch.NoticeChanged, 5)
	hidden.InApp = false
	added, err := st.AddNotifications(ctx, 7, []*volmatch.Notification{
		note("n-a", "V1", volmatch.NoticeInvite, 1), note("n-c", "V1", volmatch.NoticeInvite, 2),
		note("n-b", "V1", volmatch.NoticeInvite, 2), note("n-x", "V2", volmatch.NoticeInvite, 3), hidden,
	})
	must(t, "AddNotifications", err)
	if len(added) != 5 {
		t.Fatalf("AddNotifications added %d, want 5", len(added))
	}
	// The same IDs again (a replay) add nothing, even with other content,
	// and an older cursor leaves it where it is.
	again := note("n-a", "V1", volmatch.NoticeCancelled, 9)
	added, err = st.AddNotifications(ctx, 3, []*volmatch.Notification{again, note("n-d", "V1", volmatch.NoticeReminder2h, 0.5)})
	must(t, "AddNotifications again", err)
	if len(added) != 1 || added[0].ID != "n-d" {
		t.Fatalf("AddNotifications of a seen ID added %v, want only n-d", added)
	}
	if c, _ := st.NotifyCursor(ctx); c != 7 {
		t.Fatalf("NotifyCursor = %d after cursors 7 then 3, want 7", c)
	}
	ids, unread := inboxIDs(t, st, "V1", 0)
	if got, want := fmt.Sprint(ids), "[n-c n-b n-a n-d]"; got != want || unread != 4 {
		t.Fatalf("Inbox(V1) = %s, %d unread; want %s, 4 (newest first, ties by ID descending, the muted one not listed)", got, unread, want)
	}
	if ids, _ := inboxIDs(t, st, "V1", 2); fmt.Sprint(ids) != "[n-c n-b]" {
		t.Fatalf("Inbox(V1, 2) = %v, want [n-c n-b]", ids)
	}
	ns, _, _ := st.Inbox(ctx, "V1", 0)
	if ns[2].Kind != volmatch.NoticeInvite || !ns[2].At.Equal(at(1)) {
		t.Fatalf("n-a = %+v, want the first one stored kept", ns[2])
	}

	// V2 cannot mark V1's as read; V1 marks one, then all.
	n, err := st.MarkRead(ctx, "V2", []string{"n-a", "n-x"}, at(4))
	must(t, "MarkRead V2", err)
	if n != 1 {
		t.Fatalf("MarkRead(V2, n-a n-x) = %d, want 1 (n-a is V1's)", n)
	}
	if _, unread := inboxIDs(t, st, "V1", 0); unread != 4 {
		t.Fatalf("V1 unread = %d after V2 marked n-a, want 4", unread)
	}
	n, err = st.MarkRead(ctx, "V1", []string{"n-c", "n-c", "nope"}, at(4))
	must(t, "MarkRead V1 n-c", err)
	if _, unread := inboxIDs(t, st, "V1", 0); n != 1 || unread != 3 {
		t.Fatalf("MarkRead(V1, n-c) = %d leaving %d unread, want 1 and 3", n, unread)
	}
	n, err = st.MarkRead(ctx, "V1", nil, at(5))
	must(t, "MarkRead V1 all", err)
	if _, unread := inboxIDs(t, st, "V1", 0); n != 3 || unread != 0 {
		t.Fatalf("MarkRead(V1, all) = %d leaving %d unread, want 3 and 0", n, unread)
	}
	ns, _, _ = st.Inbox(ctx, "V1", 0)
	for _, x := range ns {
		want := at(5)
		if x.ID == "n-c" {
			want = at(4)
		}
		if !x.ReadAt.Equal(want) {
			t.Errorf("%s ReadAt = %v, want %v", x.ID, x.ReadAt, want)
		}
	}
	if _, unread := inboxIDs(t, st, "V2", 0); unread != 0 {
		t.Fatalf("V2 unread = %d after marking n-x, want 0", unread)
	}
	wantCode(t, "AddNotifications without a kind", func() error {
		_, err := st.AddNotifications(ctx, 9, []*volmatch.Notification{note("n-ok", "V1", volmatch.NoticeInvite, 1), {ID: "n-bad", Volunteer: "V1"}})
		return err
	}(), volmatch.EINVALID)
	if ids, _ := inboxIDs(t, st, "V1", 0); len(ids) != 4 {
		t.Fatalf("a refused AddNotifications wrote: inbox %v", ids)
	}

	// Preferences: the default, stored, and refused.
	p, err := st.NotifyPrefs(ctx, "V1")
	must(t, "NotifyPrefs", err)
	sameJSON(t, "NotifyPrefs default", p, &volmatch.NotifyPrefs{Volunteer: "V1"})
	want := &volmatch.NotifyPrefs{Volunteer: "V1", Muted: []volmatch.NoticeKind{volmatch.NoticeChanged},
		Webhook: []volmatch.NoticeKind{volmatch.NoticeInvite, volmatch.NoticeReminder2h}}
	must(t, "PutNotifyPrefs", st.PutNotifyPrefs(ctx, want))
	p, _ = st.NotifyPrefs(ctx, "V1")
	sameJSON(t, "NotifyPrefs", p, want)
	wantCode(t, "PutNotifyPrefs with an unknown kind",
		st.PutNotifyPrefs(ctx, &volmatch.NotifyPrefs{Volunteer: "V1", Webhook: []volmatch.NoticeKind{"spam"}}), volmatch.EINVALID)
	p, _ = st.NotifyPrefs(ctx, "V1")
	sameJSON(t, "NotifyPrefs after a refusal", p, want)
}

// testOutbox: a notification with Webhook set enqueues its delivery; a
// claim takes the due ones oldest first under a lease no other claim
// breaks until it ends; only the lease holder settles; retried, delivered
// and dead deliveries behave so.
func testOutbox(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	var ns []*volmatch.Notification
	for i, h := range []float64{3, 1, 2, 10} {
		n := note(fmt.Sprintf("d%d", i), "V1", volmatch.NoticeInvite, h)
		n.Webhook = true
		ns = append(ns, n)
	}
	plain := note("plain", "V1", volmatch.NoticeInvite, 0)
	_, err := st.AddNotifications(ctx, 1, append(ns, plain))
	must(t, "AddNotifications", err)
	_, err = st.Delivery(ctx, "plain")
	wantCode(t, "Delivery of an in-app-only notification", err, volmatch.ENOTFOUND)

	got, err := st.ClaimDeliveries(ctx, at(5), time.Minute, 2)
	must(t, "ClaimDeliveries", err)
	if len(got) != 2 || got[0].ID != "d1" || got[1].ID != "d2" {
		t.Fatalf("ClaimDeliveries(at 5h, 2) = %v, want d1 d2 (due first)", deliveryIDs(got))
	}
	for _, d := range got {
		if d.Attempts != 1 || d.Lease == "" || !d.NextAt.Equal(at(5).Add(time.Minute)) || d.Notification.Title != "助老" {
			t.Fatalf("claimed %+v, want attempt 1 under a lease to 5h+1m with its notification", d)
		}
	}
	rest, err := st.ClaimDeliveries(ctx, at(5), time.Minute, 10)
	must(t, "ClaimDeliveries again", err)
	if fmt.Sprint(deliveryIDs(rest)) != "[d0]" {
		t.Fatalf("second claim = %v, want only d0 (d1, d2 leased; d3 not due)", deliveryIDs(rest))
	}

	// A stale lease cannot settle; the holder retries d1 later, delivers d2.
	stale := *got[0]
	stale.Lease = "other"
	stale.State = volmatch.DeliveryDelivered
	wantCode(t, "SettleDelivery with another lease", st.SettleDelivery(ctx, &stale), volmatch.ECONFLICT)
	retry := *got[0]
	retry.NextAt, retry.LastError = at(6), "HTTP 500"
	must(t, "SettleDelivery retry", st.SettleDelivery(ctx, &retry))
	wantCode(t, "SettleDelivery twice", st.SettleDelivery(ctx, &retry), volmatch.ECONFLICT)
	done := *got[1]
	done.State, done.DeliveredAt = volmatch.DeliveryDelivered, at(5)
	must(t, "SettleDelivery delivered", st.SettleDelivery(ctx, &done))
	dead := *rest[0]
	dead.State, dead.LastError = volmatch.DeliveryDead, "HTTP 410"
	must(t, "SettleDelivery dead", st.SettleDelivery(ctx, &dead))

	if got, _ := st.ClaimDeliveries(ctx, at(5.9), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claim before the retry is due = %v, want none", deliveryIDs(got))
	}
	got, err = st.ClaimDeliveries(ctx, at(6), time.Minute, 10)
	must(t, "ClaimDeliveries at 6h", err)
	if fmt.Sprint(deliveryIDs(got)) != "[d1]" || got[0].Attempts != 2 {
		t.Fatalf("claim at 6h = %v, want d1 on its second attempt", got)
	}
	// A lease that ends (the process died) lets the next claim take it.
	got, err = st.ClaimDeliveries(ctx, at(6).Add(time.Minute), time.Minute, 10)
	must(t, "ClaimDeliveries after the lease", err)
	if fmt.Sprint(deliveryIDs(got)) != "[d1]" || got[0].Attempts != 3 {
		t.Fatalf("claim after the lease = %v, want d1 on its third attempt", got)
	}
	d, err := st.Delivery(ctx, "d2")
	must(t, "Delivery d2", err)
	if d.State != volmatch.DeliveryDelivered || !d.DeliveredAt.Equal(at(5)) || d.Lease != "" {
		t.Fatalf("Delivery(d2) = %+v, want delivered at 5h, no lease", d)
	}
	d, _ = st.Delivery(ctx, "d0")
	if d.State != volmatch.DeliveryDead || d.LastError != "HTTP 410" {
		t.Fatalf("Delivery(d0) = %+v, want dead with its error", d)
	}
	if got, _ := st.ClaimDeliveries(ctx, at(100), time.Minute, 10); fmt.Sprint(deliveryIDs(got)) != "[d1 d3]" {
		t.Fatalf("claim at 100h = %v, want d1 d3 (never the delivered or dead)", deliveryIDs(got))
	}
}

// testConcurrentClaims: claims racing from many clients (replicas) take
// each delivery once.
func testConcurrentClaims(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	var ns []*volmatch.Notification
	for i := range 40 {
		n := note(fmt.Sprintf("c%02d", i), "V1", volmatch.NoticeInvite, 1)
		n.Webhook = true
		ns = append(ns, n)
	}
	_, err := st.AddNotifications(ctx, 1, ns)
	must(t, "AddNotifications", err)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := st.ClaimDeliveries(ctx, at(2), time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Fatalf("claimed %d distinct deliveries, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times under one lease, want once", id, n)
		}
	}
}

func deliveryIDs(ds []*volmatch.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
