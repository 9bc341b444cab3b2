package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// notifyEngine returns a started engine over st (a new bbolt file when
// nil) on clock c.
func notifyEngine(t *testing.T, st *bolt.Store, c *movingClock, o engine.Options, vs ...*volmatch.Volunteer) (*engine.Engine, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	if st == nil {
		var err error
		if st, err = bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true, Now: c.Now}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	if len(vs) > 0 {
		if err := st.PutVolunteers(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	o.Now = c.Now
	e := engine.New(st, nil, taxonomy.Load(), o)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st
}

// inbox returns the kinds in vol's inbox, newest first, as "kind:shift",
// and the unread count.
func inbox(t *testing.T, e *engine.Engine, vol string) ([]string, int) {
	t.Helper()
	in, err := e.Inbox(context.Background(), volunteerToken(vol), 0)
	if err != nil {
		t.Fatalf("Inbox(%s): %v", vol, err)
	}
	var out []string
	for _, n := range in.Items {
		out = append(out, string(n.Kind)+":"+n.Shift)
	}
	return out, in.Unread
}

func mustNotify(t *testing.T, e *engine.Engine) int {
	t.Helper()
	n, err := e.Notify(context.Background())
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	return n
}

func mustDo(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestNotifyFlows: each flow that concerns a volunteer gives them one
// notification, derived from the event log, and nothing else does: an
// invitation, a change to a need or shift they hold or were invited to, a
// shift removed, the organisation's cancel (not their own), the need
// closed; run again, the notifier adds nothing.
func TestNotifyFlows(t *testing.T) {
	ctx := context.Background()
	c := &movingClock{t: fixture.Base.Add(8 * time.Hour)}
	e, _ := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(4)...)
	s1 := fixture.Base.Add(33 * time.Hour)
	n := fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", s1, 3*time.Hour, 2), fixture.Shift("s2", s1.Add(24*time.Hour), 3*time.Hour, 2)))
	_, err := e.PostNeed(ctx, sw1, n)
	mustDo(t, "PostNeed", err)
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000", "V001", "V002"}})
	mustDo(t, "Invite s1", err)
	_, err = e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s2", Volunteers: []string{"V003"}})
	mustDo(t, "Invite s2", err)
	if got := mustNotify(t, e); got != 4 {
		t.Fatalf("Notify after 4 invitations = %d, want 4", got)
	}
	in, err := e.Inbox(ctx, volunteerToken("V000"), 0)
	mustDo(t, "Inbox", err)
	if len(in.Items) != 1 || in.Unread != 1 {
		t.Fatalf("Inbox(V000) = %+v, want one unread invitation", in)
	}
	x := in.Items[0]
	if x.Kind != volmatch.NoticeInvite || x.Title != "社区助老服务" || !x.ShiftStart.Equal(s1) || x.Invite != invs[0].ID || !x.InApp || x.Webhook {
		t.Fatalf("V000's notification = %+v, want an in-app invitation to s1 of 社区助老服务 naming %s", x, invs[0].ID)
	}
	if got := mustNotify(t, e); got != 0 {
		t.Fatalf("Notify again = %d, want 0", got)
	}

	// V000 accepts, V001 declines: their own answers tell them nothing.
	_, err = e.Accept(ctx, volunteerToken("V000"), invs[0].ID)
	mustDo(t, "Accept", err)
	_, err = e.Decline(ctx, volunteerToken("V001"), invs[1].ID)
	mustDo(t, "Decline", err)
	mustNotify(t, e)

	// A new title: the holder and the live invitees are told, not V001.
	n, err = e.Need(ctx, sw1, "N1")
	mustDo(t, "Need", err)
	n.Title = "社区助老服务（改）"
	_, err = e.UpdateNeed(ctx, sw1, "N1", n)
	mustDo(t, "UpdateNeed title", err)
	// s2 moves an hour later, then is removed: only V003 is told.
	n.Shifts[1].Start, n.Shifts[1].End = n.Shifts[1].Start.Add(time.Hour), n.Shifts[1].End.Add(time.Hour)
	_, err = e.UpdateNeed(ctx, sw1, "N1", n)
	mustDo(t, "UpdateNeed move s2", err)
	n.Shifts = n.Shifts[:1]
	_, err = e.UpdateNeed(ctx, sw1, "N1", n)
	mustDo(t, "UpdateNeed remove s2", err)
	mustNotify(t, e)

	want := map[string][]string{
		"V000": {"changed:s1", "invite:s1"},
		"V001": {"invite:s1"},
		"V002": {"changed:s1", "invite:s1"},
		"V003": {"cancelled:s2", "changed:s2", "changed:s2", "invite:s2"},
	}
	for vol, w := range want {
		if got, _ := inbox(t, e, vol); !slices.Equal(got, w) {
			t.Errorf("inbox(%s) = %v, want %v", vol, got, w)
		}
	}
	in, _ = e.Inbox(ctx, volunteerToken("V003"), 0)
	if in.Items[0].Reason != volmatch.ReasonShiftRemoved || !in.Items[1].ShiftStart.Equal(s1.Add(25*time.Hour)) {
		t.Errorf("V003's newest = %+v, %+v; want the removal, then the move to its new start", in.Items[0], in.Items[1])
	}

	// The organisation cancels V000's slot: told. The need closes: V002's
	// live invitation is told; V000 no longer holds anything.
	as, _, err := e.Assignments(ctx, volunteerToken("V000"), volmatch.AssignmentFilter{})
	mustDo(t, "Assignments", err)
	_, err = e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCancel, Reason: "活动调整"})
	mustDo(t, "cancel", err)
	_, err = e.CloseNeed(ctx, sw1, "N1")
	mustDo(t, "CloseNeed", err)
	mustNotify(t, e)
	if got, _ := inbox(t, e, "V000"); !slices.Equal(got, []string{"cancelled:s1", "changed:s1", "invite:s1"}) {
		t.Errorf("inbox(V000) after the organisation's cancel and the close = %v", got)
	}
	if got, _ := inbox(t, e, "V002"); !slices.Equal(got, []string{"cancelled:s1", "changed:s1", "invite:s1"}) {
		t.Errorf("inbox(V002) after the close = %v", got)
	}
	if got, _ := inbox(t, e, "V001"); !slices.Equal(got, []string{"invite:s1"}) {
		t.Errorf("inbox(V001) = %v, want only its invitation (it declined)", got)
	}
}

// TestNotifySelfCancelAndSignUps: a volunteer's own cancel tells them
// nothing; a sign-up request approved or refused by the organisation is
// told, one withdrawn by the volunteer is not.
func TestNotifySelfCancelAndSignUps(t *testing.T) {
	ctx := context.Background()
	c := &movingClock{t: fixture.Base.Add(8 * time.Hour)}
	e, _ := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(4)...)
	n := menuNeed("M1")
	n.Approval = true
	_, err := e.PostNeed(ctx, sw1, n)
	mustDo(t, "PostNeed", err)
	req := map[string]string{}
	for _, v := range []string{"V000", "V001", "V002"} {
		r, err := self(ctx, e, v, "M1")
		mustDo(t, "SignUp "+v, err)
		req[v] = r.Request.ID
	}
	a, err := e.Approve(ctx, sw1, req["V000"])
	mustDo(t, "Approve", err)
	_, err = e.Decline(ctx, sw1, req["V001"])
	mustDo(t, "Decline by the organisation", err)
	_, err = e.Decline(ctx, volunteerToken("V002"), req["V002"])
	mustDo(t, "withdraw", err)
	_, err = e.Advance(ctx, volunteerToken("V000"), a.ID, engine.StepRequest{Kind: volmatch.StepCancel})
	mustDo(t, "self cancel", err)
	mustNotify(t, e)
	for vol, w := range map[string][]string{"V000": {"signup_approved:s1"}, "V001": {"signup_refused:s1"}, "V002": nil} {
		if got, _ := inbox(t, e, vol); !slices.Equal(got, w) {
			t.Errorf("inbox(%s) = %v, want %v", vol, got, w)
		}
	}
}

// TestNotifyReminders moves the clock: the 24-hour and 2-hour reminders
// come once each at their times, not for an assignment made after the
// reminder's time, not after a cancel; a restarted engine and a second
// replica over the same store, at the same time, store none twice.
func TestNotifyReminders(t *testing.T) {
	ctx := context.Background()
	start := fixture.Base.Add(33 * time.Hour) // Tuesday 09:00
	c := &movingClock{t: start.Add(-30 * time.Hour)}
	e, st := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(4)...)
	_, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 4))))
	mustDo(t, "PostNeed", err)
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000", "V001", "V002", "V003"}})
	mustDo(t, "Invite", err)
	for _, i := range []int{0, 1} {
		_, err = e.Accept(ctx, volunteerToken(invs[i].Volunteer), invs[i].ID)
		mustDo(t, "Accept", err)
	}
	mustNotify(t, e)
	steps := []struct {
		at   time.Duration // before the start
		late []int         // invitations accepted at this step
		want map[string][]string
	}{
		{at: 24*time.Hour + time.Second, want: map[string][]string{"V000": {"invite:s1"}}},
		{at: 24 * time.Hour, want: map[string][]string{"V000": {"reminder_24h:s1", "invite:s1"}, "V001": {"reminder_24h:s1", "invite:s1"}}},
		{at: 10 * time.Hour, late: []int{2}, want: map[string][]string{"V000": {"reminder_24h:s1", "invite:s1"}, "V002": {"invite:s1"}}},
		{at: 2 * time.Hour, want: map[string][]string{"V000": {"reminder_2h:s1", "reminder_24h:s1", "invite:s1"}, "V002": {"reminder_2h:s1", "invite:s1"}}},
		{at: time.Hour, want: map[string][]string{"V000": {"reminder_2h:s1", "reminder_24h:s1", "invite:s1"}}},
		{at: -time.Hour, want: map[string][]string{"V000": {"reminder_2h:s1", "reminder_24h:s1", "invite:s1"}}},
	}
	for _, s := range steps {
		t.Run(fmt.Sprintf("T-%v", s.at), func(t *testing.T) {
			c.Set(start.Add(-s.at))
			for _, i := range s.late {
				_, err := e.Accept(ctx, volunteerToken(invs[i].Volunteer), invs[i].ID)
				mustDo(t, "Accept late", err)
			}
			if s.at == 10*time.Hour {
				// V001 cancels before the 2-hour reminder.
				as, _, _ := e.Assignments(ctx, volunteerToken("V001"), volmatch.AssignmentFilter{})
				_, err := e.Advance(ctx, volunteerToken("V001"), as[0].ID, engine.StepRequest{Kind: volmatch.StepCancel})
				mustDo(t, "cancel", err)
			}
			mustNotify(t, e)
			mustNotify(t, e)
			for vol, w := range s.want {
				if got, _ := inbox(t, e, vol); !slices.Equal(got, w) {
					t.Errorf("inbox(%s) = %v, want %v", vol, got, w)
				}
			}
		})
	}
	if got, _ := inbox(t, e, "V001"); !slices.Equal(got, []string{"reminder_24h:s1", "invite:s1"}) {
		t.Errorf("inbox(V001) = %v, want no 2-hour reminder after its cancel", got)
	}

	// A restart (a new engine over the store) and a racing replica at the
	// 2-hour mark of a second need store each reminder once.
	start2 := start.Add(48 * time.Hour)
	_, err = e.PostNeed(ctx, sw1, fixture.Need("N2", fixture.Org(""), fixture.Shifts(fixture.Shift("s9", start2, 2*time.Hour, 4))))
	mustDo(t, "PostNeed N2", err)
	invs, err = e.Invite(ctx, sw1, "N2", engine.InviteRequest{Shift: "s9", Volunteers: []string{"V003"}})
	mustDo(t, "Invite N2", err)
	_, err = e.Accept(ctx, volunteerToken("V003"), invs[0].ID)
	mustDo(t, "Accept N2", err)
	c.Set(start2.Add(-90 * time.Minute))
	var engines []*engine.Engine
	for range 3 {
		r, _ := notifyEngine(t, st, c, engine.Options{})
		engines = append(engines, r)
	}
	var wg sync.WaitGroup
	for _, r := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := r.Notify(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got, _ := inbox(t, e, "V003"); !slices.Equal(got, []string{"reminder_2h:s9", "invite:s9", "invite:s1"}) {
		t.Errorf("inbox(V003) after a restart and racing replicas = %v, want one 2-hour reminder", got)
	}
}

// TestInboxAccess: an inbox is its volunteer's own; marking another's
// notification read changes nothing; bad input is named.
func TestInboxAccess(t *testing.T) {
	ctx := context.Background()
	c := &movingClock{t: fixture.Base.Add(8 * time.Hour)}
	e, _ := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(2)...)
	_, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org("")))
	mustDo(t, "PostNeed", err)
	_, err = e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000", "V001"}})
	mustDo(t, "Invite", err)
	mustNotify(t, e)
	in, _ := e.Inbox(ctx, volunteerToken("V000"), 0)
	other := in.Items[0].ID
	for _, tok := range []*volmatch.Token{admin, sw1, planner, {Role: volmatch.RoleVolunteer}} {
		if _, err := e.Inbox(ctx, tok, 0); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Inbox(%s) = %v, want forbidden", tok.Role, err)
		}
		if _, _, err := e.Subscribe(tok); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Subscribe(%s) = %v, want forbidden", tok.Role, err)
		}
	}
	if n, err := e.MarkRead(ctx, volunteerToken("V001"), []string{other}); err != nil || n != 0 {
		t.Errorf("MarkRead(V001, V000's) = %d, %v; want 0", n, err)
	}
	if _, unread := inbox(t, e, "V000"); unread != 1 {
		t.Errorf("V000 unread = %d after V001 tried, want 1", unread)
	}
	cases := []struct {
		name  string
		ids   []string
		field string
	}{
		{"bad id", []string{"../x"}, "ids[0]"},
		{"too many", make([]string, engine.MaxMarkRead+1), "ids"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.MarkRead(ctx, volunteerToken("V000"), tc.ids)
			if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != tc.field {
				t.Errorf("MarkRead(%s) = %v, want EINVALID on %s", tc.name, err, tc.field)
			}
		})
	}
	if n, err := e.MarkRead(ctx, volunteerToken("V000"), nil); err != nil || n != 1 {
		t.Errorf("MarkRead(V000, all) = %d, %v; want 1", n, err)
	}
	if _, err := e.SetNotifyPrefs(ctx, volunteerToken("V000"), &volmatch.NotifyPrefs{Volunteer: "V001"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("SetNotifyPrefs for another = %v, want forbidden", err)
	}
	_, err = e.SetNotifyPrefs(ctx, volunteerToken("V000"), &volmatch.NotifyPrefs{Webhook: []volmatch.NoticeKind{volmatch.NoticeInvite}})
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "webhook" {
		t.Errorf("SetNotifyPrefs(webhook) without a gateway = %v, want EINVALID on webhook", err)
	}
}

// TestNotifyPrefsAndOutbox: a muted kind stays out of the inbox; a kind
// chosen for the gateway goes to the outbox (with the gateway configured),
// and a live subscriber gets the in-app ones as they are computed.
func TestNotifyPrefsAndOutbox(t *testing.T) {
	ctx := context.Background()
	c := &movingClock{t: fixture.Base.Add(8 * time.Hour)}
	e, st := notifyEngine(t, nil, c, engine.Options{Outbox: true}, fixture.Volunteers(2)...)
	_, err := e.SetNotifyPrefs(ctx, volunteerToken("V000"), &volmatch.NotifyPrefs{Muted: []volmatch.NoticeKind{volmatch.NoticeInvite}, Webhook: []volmatch.NoticeKind{volmatch.NoticeInvite}})
	mustDo(t, "SetNotifyPrefs", err)
	live, stop, err := e.Subscribe(volunteerToken("V001"))
	mustDo(t, "Subscribe", err)
	defer stop()
	_, err = e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org("")))
	mustDo(t, "PostNeed", err)
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000", "V001"}})
	mustDo(t, "Invite", err)
	mustNotify(t, e)
	if got, _ := inbox(t, e, "V000"); len(got) != 0 {
		t.Errorf("inbox(V000) = %v with invitations muted, want empty", got)
	}
	in, _ := e.Inbox(ctx, volunteerToken("V001"), 0)
	d, err := st.Delivery(ctx, engine.EventNoteID(2, "V000"))
	if err != nil {
		evs, _ := st.Events(ctx, 0, 100)
		t.Fatalf("Delivery of V000's invitation: %v (events %+v)", err, evs)
	}
	if d.State != volmatch.DeliveryPending || d.Notification.Invite != invs[0].ID {
		t.Errorf("delivery = %+v, want pending for V000's invitation", d)
	}
	if _, err := st.Delivery(ctx, in.Items[0].ID); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("V001's invitation in the outbox (%v); V001 chose none", err)
	}
	select {
	case x := <-live:
		if x.Volunteer != "V001" || x.Kind != volmatch.NoticeInvite {
			t.Errorf("live = %+v, want V001's invitation", x)
		}
	default:
		t.Error("the subscriber got nothing")
	}
	select {
	case x := <-live:
		t.Errorf("live got a second %+v, want only its own one", x)
	default:
	}
}

// TestNotifyHorizon: a notifier started on a log with a history tells of
// the recent events only (NotifyHorizon), yet still reminds of shifts held
// from before.
func TestNotifyHorizon(t *testing.T) {
	ctx := context.Background()
	start := fixture.Base.Add(33 * time.Hour)
	c := &movingClock{t: start.Add(-60 * time.Hour)}
	e, _ := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(2)...)
	_, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 4))))
	mustDo(t, "PostNeed", err)
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000"}})
	mustDo(t, "Invite", err)
	_, err = e.Accept(ctx, volunteerToken("V000"), invs[0].ID)
	mustDo(t, "Accept", err)
	// The notifier first runs after the horizon, 2 hours before the start:
	// no invitation notice (stale), the 2-hour reminder.
	c.Set(start.Add(-2 * time.Hour))
	if 58*time.Hour <= engine.NotifyHorizon {
		t.Fatal("the test's gap is within the horizon")
	}
	mustNotify(t, e)
	if got, _ := inbox(t, e, "V000"); !slices.Equal(got, []string{"reminder_2h:s1"}) {
		t.Errorf("inbox = %v, want only the 2-hour reminder", got)
	}
}

// TestNotifierCaughtUp: the notifier's caught-up time is zero before its
// first pass, the clock of the pass's last read after it, and does not
// move while events wait unread.
func TestNotifierCaughtUp(t *testing.T) {
	ctx := context.Background()
	c := &movingClock{t: fixture.Base.Add(8 * time.Hour)}
	e, _ := notifyEngine(t, nil, c, engine.Options{}, fixture.Volunteers(3)...)
	if got := e.NotifierCaughtUp(); !got.IsZero() {
		t.Fatalf("NotifierCaughtUp before any pass = %v, want zero", got)
	}
	t0 := c.Now()
	mustNotify(t, e)
	if got := e.NotifierCaughtUp(); !got.Equal(t0) {
		t.Fatalf("NotifierCaughtUp after a pass at %v = %v", t0, got)
	}
	c.Add(time.Hour)
	s1 := fixture.Base.Add(33 * time.Hour)
	_, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", s1, 3*time.Hour, 3))))
	mustDo(t, "PostNeed", err)
	_, err = e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000", "V001", "V002"}})
	mustDo(t, "Invite", err)
	if got := e.NotifierCaughtUp(); !got.Equal(t0) {
		t.Fatalf("NotifierCaughtUp with unread invitations = %v, want %v (the last pass)", got, t0)
	}
	t1 := c.Now()
	if got := mustNotify(t, e); got != 3 {
		t.Fatalf("Notify = %d, want 3", got)
	}
	if got := e.NotifierCaughtUp(); !got.Equal(t1) {
		t.Fatalf("NotifierCaughtUp after the second pass = %v, want %v", got, t1)
	}
}

// failingNotes is the bbolt store whose AddNotifications fails while armed.
type failingNotes struct {
	*bolt.Store
	armed bool
}

func (f *failingNotes) AddNotifications(ctx context.Context, cursor uint64, ns []*volmatch.Notification) ([]*volmatch.Notification, error) {
	if f.armed {
		return nil, fmt.Errorf("injected: the store is away")
	}
	return f.Store.AddNotifications(ctx, cursor, ns)
}

// TestRemindersAfterFailure: a reminder whose write failed is written by the
// next pass, not left for the shift's next reminder time (the notifier
// looks only at the held shifts whose time has come).
func TestRemindersAfterFailure(t *testing.T) {
	ctx := context.Background()
	start := fixture.Base.Add(33 * time.Hour)
	c := &movingClock{t: start.Add(-30 * time.Hour)}
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true, Now: c.Now})
	mustDo(t, "Open", err)
	t.Cleanup(func() { st.Close() })
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, fixture.Volunteers(1)))
	fs := &failingNotes{Store: st}
	e := engine.New(fs, nil, taxonomy.Load(), engine.Options{Now: c.Now})
	mustDo(t, "Start", e.Start(ctx))
	_, err = e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 1))))
	mustDo(t, "PostNeed", err)
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000"}})
	mustDo(t, "Invite", err)
	_, err = e.Accept(ctx, volunteerToken("V000"), invs[0].ID)
	mustDo(t, "Accept", err)
	mustNotify(t, e)

	c.Set(start.Add(-23 * time.Hour))
	fs.armed = true
	if _, err := e.Notify(ctx); err == nil {
		t.Fatal("Notify with the store away = nil error")
	}
	fs.armed = false
	mustNotify(t, e)
	if got, _ := inbox(t, e, "V000"); !slices.Equal(got, []string{"reminder_24h:s1", "invite:s1"}) {
		t.Fatalf("inbox after the failed pass and the next = %v, want the 24-hour reminder", got)
	}
}
