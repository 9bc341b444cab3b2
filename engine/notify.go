package engine

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"volmatch"
)

// Notifications (flow 7's "each side is told", issue 14): a volunteer's
// inbox holds what happened to them — an invitation received, a sign-up
// request approved or refused, a need or shift they hold or were invited
// to changed or cancelled — and reminders 24 and 2 hours before each shift
// they hold.
//
// The notifier derives them from the event log, which the flows already
// write (plus need.changed and signup.refused, which the engine appends
// where the store's own events do not say what a volunteer needs to
// know), reading it from the cursor kept in the store. The reminders come
// from the clock (Options.Now) and the assignments held. Each notification
// has an ID derived from its cause (EventNoteID, r24-<assignment>,
// r2-<assignment>) and the store keeps one per ID, so a restart, a replay
// and several replicas computing the same notification store it once. The
// volunteer's preferences choose the channels: the inbox, and the outbox of
// the SMS or WeChat gateway (when the deployment has one, Options.Outbox),
// from which a deliverer (package webhook) posts. Live pages subscribe to
// the notifications this process computes (Subscribe).

// Reminder lead times.
const (
	Remind24h = 24 * time.Hour
	Remind2h  = 2 * time.Hour
)

// EventNoteID is the ID of the notification to volunteer vol caused by the
// event with seq: zero-padded, so that of two at the same time the later
// event's sorts after (the inbox lists ties by ID, descending).
func EventNoteID(seq uint64, vol string) string { return fmt.Sprintf("e%016d-%s", seq, vol) }

// NotifyHorizon is how old an event may be and still notify: a notifier
// that starts on a log with a history (a first deployment, an import, a
// long outage) tells volunteers of what is recent, not of every invitation
// of past months. Reminders depend on the shifts held, not on it.
const NotifyHorizon = 48 * time.Hour

// notifyBatch is the number of events read per call to the log.
const notifyBatch = 500

// notifier is the engine's notification state: its place in the event log,
// the held shifts waiting for reminders, and the live subscribers.
type notifier struct {
	mu     sync.Mutex // serialises Notify
	loaded bool
	cursor uint64
	// caughtUp is when (UnixNano, engine clock) the read that found the
	// end of the log began (NotifierCaughtUp); 0 before the first.
	caughtUp atomic.Int64
	held     map[string]heldShift // assignment ID -> the shift it holds
	due      dueHeap              // when to look at each held shift again
	done     map[string]bool      // reminder IDs computed by this process

	subMu sync.Mutex
	subs  map[string]map[*subscriber]struct{} // volunteer -> subscribers
}

// heldShift is a reserved assignment waiting for its reminders.
type heldShift struct {
	volunteer, need, shift string
	start, end, created    time.Time
}

type subscriber struct{ ch chan *volmatch.Notification }

// dueShift is a time at which the notifier looks at held shift id again:
// its 24-hour reminder's, its 2-hour reminder's or its start (when it stops
// being held); the zero time is the next pass.
type dueShift struct {
	at time.Time
	id string
}

// dueHeap is a min-heap of dueShifts by time (container/heap), so that a
// pass looks only at the shifts whose time has come, not at every one
// held.
type dueHeap []dueShift

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueShift)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// hold records that assignment id holds shift h, looked at on the next
// pass.
func (n *notifier) hold(id string, h heldShift) {
	n.held[id] = h
	heap.Push(&n.due, dueShift{id: id})
}

// nextLook is when a held shift is next to be looked at after now: the
// first of its 24-hour reminder's time, its 2-hour reminder's and its start
// that is after now; false when it has begun.
func nextLook(h heldShift, now time.Time) (time.Time, bool) {
	for _, at := range []time.Time{h.start.Add(-Remind24h), h.start.Add(-Remind2h), h.start} {
		if now.Before(at) {
			return at, true
		}
	}
	return time.Time{}, false
}

// Notify runs the notifier once: it reads the event log from where it
// stopped and stores the notifications the events give, then those of the
// reminders due at the engine's clock. It returns how many it computed
// (stored now or before, by this process or another). Calls are
// serialised; RunNotifier calls it on a ticker.
func (e *Engine) Notify(ctx context.Context) (int, error) {
	n := &e.notify
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.loaded {
		if err := e.loadNotifier(ctx); err != nil {
			return 0, err
		}
	}
	count := 0
	for {
		readAt := e.now()
		evs, through, err := e.store.EventsOf(ctx, n.cursor, notifyBatch, noticeTypes...)
		if err != nil {
			return count, fmt.Errorf("notify: read events: %w", err)
		}
		if through <= n.cursor {
			n.caughtUp.Store(readAt.UnixNano())
			break
		}
		c := &noteCtx{e: e, prefs: map[string]*volmatch.NotifyPrefs{}, needs: map[string]*volmatch.Need{}}
		var notes []*volmatch.Notification
		stale := e.now().Add(-NotifyHorizon)
		for _, ev := range evs {
			ns, err := c.fromEvent(ctx, ev, ev.At.Before(stale))
			if err != nil {
				return count, err
			}
			notes = append(notes, ns...)
		}
		if err := e.storeNotes(ctx, through, notes); err != nil {
			return count, err
		}
		n.cursor = through
		count += len(notes)
		if len(evs) < notifyBatch {
			n.caughtUp.Store(readAt.UnixNano())
			break
		}
	}
	rs, err := e.reminders(ctx)
	if err != nil {
		return count, err
	}
	return count + rs, nil
}

// NotifierCaughtUp returns when the notifier last began a read of the
// event log that reached its end (by the engine's clock): the notifications
// of every event written before then are stored. It is zero until the first
// such read. Operators watch its age (the metric
// volmatch_notifier_caught_up_timestamp_seconds); a load test waits on it
// so that a run does not also carry the notices of its own setup.
func (e *Engine) NotifierCaughtUp() time.Time {
	ns := e.notify.caughtUp.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// RunNotifier calls Notify every interval until ctx is done, logging
// failures (IDs and codes only).
func (e *Engine) RunNotifier(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := e.Notify(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("notifier failed", "err", volmatch.Scrub(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// loadNotifier reads the cursor and the reserved assignments whose shifts
// have not begun.
func (e *Engine) loadNotifier(ctx context.Context) error {
	n := &e.notify
	c, err := e.store.NotifyCursor(ctx)
	if err != nil {
		return fmt.Errorf("notify: cursor: %w", err)
	}
	n.held, n.done, n.due = map[string]heldShift{}, map[string]bool{}, nil
	now := e.now()
	f := volmatch.AssignmentFilter{Status: volmatch.AssignReserved, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		as, next, err := e.store.Assignments(ctx, f)
		if err != nil {
			return fmt.Errorf("notify: held shifts: %w", err)
		}
		for _, a := range as {
			if a.Start.After(now) {
				n.hold(a.ID, heldShift{volunteer: a.Volunteer, need: a.Need, shift: a.Shift, start: a.Start, end: a.End, created: a.CreatedAt})
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	n.cursor, n.loaded = c, true
	return nil
}

// storeNotes stores notes, moving the cursor to cursor, and hands the
// in-app ones to this process's subscribers: all of them, added now or by
// another replica before, since each process tells its own subscribers.
func (e *Engine) storeNotes(ctx context.Context, cursor uint64, notes []*volmatch.Notification) error {
	if _, err := e.store.AddNotifications(ctx, cursor, notes); err != nil {
		return fmt.Errorf("notify: store: %w", err)
	}
	e.publish(notes)
	return nil
}

// noteCtx caches what a batch of events reads.
type noteCtx struct {
	e     *Engine
	prefs map[string]*volmatch.NotifyPrefs
	needs map[string]*volmatch.Need
}

// need returns need id (nil when deleted).
func (c *noteCtx) need(ctx context.Context, id string) (*volmatch.Need, error) {
	if n, ok := c.needs[id]; ok {
		return n, nil
	}
	n, err := c.e.store.Need(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		n, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: need %s: %w", id, err)
	}
	c.needs[id] = n
	return n, nil
}

// note returns the notification of kind k for volunteer vol from ev, with
// the channels of the volunteer's preferences (nil when they want none).
func (c *noteCtx) note(ctx context.Context, id, vol string, k volmatch.NoticeKind, ev volmatch.Event) (*volmatch.Notification, error) {
	p, ok := c.prefs[vol]
	if !ok {
		var err error
		if p, err = c.e.store.NotifyPrefs(ctx, vol); err != nil {
			return nil, fmt.Errorf("notify: preferences: %w", err)
		}
		c.prefs[vol] = p
	}
	x := &volmatch.Notification{ID: id, Volunteer: vol, Kind: k, At: ev.At, Need: ev.Need, Shift: ev.Shift,
		ShiftStart: ev.ShiftStart, ShiftEnd: ev.ShiftEnd, Invite: ev.Invite, Assignment: ev.Assignment,
		InApp: p.InApp(k), Webhook: c.e.outbox && p.Outbound(k)}
	if ev.Reason == volmatch.ReasonShiftRemoved {
		x.Reason = ev.Reason
	}
	if !x.InApp && !x.Webhook {
		return nil, nil
	}
	n, err := c.need(ctx, ev.Need)
	if err != nil {
		return nil, err
	}
	if n != nil {
		x.Title = n.Title
		if sh, ok := n.Shift(ev.Shift); ok && x.ShiftStart.IsZero() {
			x.ShiftStart, x.ShiftEnd = sh.Start, sh.End
		}
	}
	return x, nil
}

// noticeTypes are the events fromEvent reads: the notifier reads only these.
var noticeTypes = []volmatch.EventType{volmatch.EventInviteSent, volmatch.EventInviteAccepted, volmatch.EventSignUpRefused,
	volmatch.EventCancelled, volmatch.EventCheckIn, volmatch.EventNoShow, volmatch.EventNeedClosed, volmatch.EventNeedChanged}

// fromEvent returns the notifications ev gives and keeps the held shifts;
// a stale event (older than NotifyHorizon) gives none.
func (c *noteCtx) fromEvent(ctx context.Context, ev volmatch.Event, stale bool) ([]*volmatch.Notification, error) {
	held := c.e.notify.held
	one := func(k volmatch.NoticeKind) ([]*volmatch.Notification, error) {
		if stale {
			return nil, nil
		}
		x, err := c.note(ctx, EventNoteID(ev.Seq, ev.Volunteer), ev.Volunteer, k, ev)
		if x == nil || err != nil {
			return nil, err
		}
		return []*volmatch.Notification{x}, nil
	}
	switch ev.Type {
	case volmatch.EventInviteSent:
		return one(volmatch.NoticeInvite)
	case volmatch.EventInviteAccepted:
		if ev.Assignment != "" && ev.ShiftStart.After(c.e.now()) {
			c.e.notify.hold(ev.Assignment, heldShift{volunteer: ev.Volunteer, need: ev.Need, shift: ev.Shift,
				start: ev.ShiftStart, end: ev.ShiftEnd, created: ev.At})
		}
		// An approval: the organisation accepted a sign-up request (a
		// sign-up without approval has no invitation, and the volunteer
		// did it themself).
		if ev.Origin == volmatch.OriginSignUp && ev.Invite != "" {
			return one(volmatch.NoticeApproved)
		}
	case volmatch.EventSignUpRefused:
		return one(volmatch.NoticeRefused)
	case volmatch.EventCancelled:
		delete(held, ev.Assignment)
		if !ev.Self {
			return one(volmatch.NoticeCancelled)
		}
	case volmatch.EventCheckIn, volmatch.EventNoShow:
		delete(held, ev.Assignment)
	case volmatch.EventNeedClosed:
		if stale {
			return nil, nil
		}
		return c.toNeed(ctx, ev, volmatch.NoticeCancelled)
	case volmatch.EventNeedChanged:
		if stale {
			return nil, nil
		}
		k := volmatch.NoticeChanged
		if ev.Reason == volmatch.ReasonShiftRemoved {
			k = volmatch.NoticeCancelled
		}
		return c.toNeed(ctx, ev, k)
	}
	return nil, nil
}

// toNeed returns notifications of kind k from ev for everyone who holds a
// slot of the need (of ev.Shift when set) or a live invitation to it, once
// per volunteer.
func (c *noteCtx) toNeed(ctx context.Context, ev volmatch.Event, k volmatch.NoticeKind) ([]*volmatch.Notification, error) {
	st := c.e.store
	type who struct{ vol, shift, invite, asg string }
	var ws []who
	af := volmatch.AssignmentFilter{Need: ev.Need, Shift: ev.Shift, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		as, next, err := st.Assignments(ctx, af)
		if err != nil {
			return nil, fmt.Errorf("notify: holders of %s: %w", ev.Need, err)
		}
		for _, a := range as {
			if a.Status == volmatch.AssignReserved || a.Status == volmatch.AssignCheckedIn {
				ws = append(ws, who{a.Volunteer, a.Shift, a.Invite, a.ID})
			}
		}
		if af.After = next; next == "" {
			break
		}
	}
	inf := volmatch.InvitationFilter{Need: ev.Need, Status: volmatch.InviteSent, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		is, next, err := st.Invitations(ctx, inf)
		if err != nil {
			return nil, fmt.Errorf("notify: invitees of %s: %w", ev.Need, err)
		}
		for _, inv := range is {
			if ev.Shift == "" || inv.Shift == ev.Shift {
				ws = append(ws, who{vol: inv.Volunteer, shift: inv.Shift, invite: inv.ID})
			}
		}
		if inf.After = next; next == "" {
			break
		}
	}
	var out []*volmatch.Notification
	seen := map[string]bool{}
	for _, w := range ws {
		if seen[w.vol] {
			continue
		}
		seen[w.vol] = true
		x := ev
		x.Volunteer, x.Invite, x.Assignment = w.vol, w.invite, w.asg
		if x.Shift == "" {
			x.Shift = w.shift
		}
		n, err := c.note(ctx, EventNoteID(ev.Seq, w.vol), w.vol, k, x)
		if err != nil {
			return nil, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// reminders stores the reminders due at the engine's clock: the 24-hour
// one from 24 to 2 hours before the start, the 2-hour one from 2 hours
// before to the start, each only when the assignment was made before its
// time (an accept 10 hours ahead gets no 24-hour reminder) and still holds
// its open need's slot. It looks only at the held shifts whose time has
// come (n.due), and sets when to look at each again: at its next time, or
// on the next pass when this one failed.
func (e *Engine) reminders(ctx context.Context) (int, error) {
	n := &e.notify
	now := e.now()
	var ids []string
	for len(n.due) > 0 && !now.Before(n.due[0].at) {
		d := heap.Pop(&n.due).(dueShift)
		if _, ok := n.held[d.id]; ok {
			ids = append(ids, d.id)
		}
	}
	slices.Sort(ids) // a stable order: the same run gives the same writes
	ids = slices.Compact(ids)
	count, err := e.remind(ctx, ids, now)
	for _, id := range ids {
		h, ok := n.held[id]
		switch {
		case !ok:
		case err != nil:
			heap.Push(&n.due, dueShift{id: id})
		default:
			if at, ok := nextLook(h, now); ok {
				heap.Push(&n.due, dueShift{at: at, id: id})
			}
		}
	}
	return count, err
}

// remind stores the reminders due at now of the held shifts ids (see
// reminders).
func (e *Engine) remind(ctx context.Context, ids []string, now time.Time) (int, error) {
	n := &e.notify
	c := &noteCtx{e: e, prefs: map[string]*volmatch.NotifyPrefs{}, needs: map[string]*volmatch.Need{}}
	var notes []*volmatch.Notification
	for _, id := range ids {
		h := n.held[id]
		if !now.Before(h.start) {
			delete(n.held, id)
			continue
		}
		var k volmatch.NoticeKind
		var due time.Time
		switch {
		case !now.Before(h.start.Add(-Remind2h)):
			k, due = volmatch.NoticeReminder2h, h.start.Add(-Remind2h)
		case !now.Before(h.start.Add(-Remind24h)):
			k, due = volmatch.NoticeReminder24h, h.start.Add(-Remind24h)
		default:
			continue
		}
		rid := "r24-" + id
		if k == volmatch.NoticeReminder2h {
			rid = "r2-" + id
		}
		if n.done[rid] || due.Before(h.created) {
			continue
		}
		n.done[rid] = true
		a, err := e.store.Assignment(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			delete(n.held, id)
			continue
		}
		if err != nil {
			delete(n.done, rid)
			return 0, fmt.Errorf("notify: assignment %s: %w", id, err)
		}
		need, err := c.need(ctx, a.Need)
		if err != nil {
			delete(n.done, rid)
			return 0, err
		}
		if a.Status != volmatch.AssignReserved || need == nil || need.Status != volmatch.NeedOpen {
			delete(n.held, id)
			continue
		}
		ev := volmatch.Event{At: due, Need: a.Need, Shift: a.Shift, ShiftStart: a.Start, ShiftEnd: a.End, Assignment: a.ID, Invite: a.Invite}
		x, err := c.note(ctx, rid, a.Volunteer, k, ev)
		if err != nil {
			delete(n.done, rid)
			return 0, err
		}
		if x != nil {
			notes = append(notes, x)
		}
	}
	if len(notes) == 0 {
		return 0, nil
	}
	if err := e.storeNotes(ctx, n.cursor, notes); err != nil {
		for _, x := range notes {
			delete(n.done, x.ID)
		}
		return 0, err
	}
	return len(notes), nil
}

// Subscribe returns the in-app notifications this process computes for
// tok's volunteer from now on, and the function that ends the
// subscription. A subscriber that does not keep up misses some (its page
// reloads the inbox on the next one it gets).
func (e *Engine) Subscribe(tok *volmatch.Token) (<-chan *volmatch.Notification, func(), error) {
	vol, err := inboxOwner(tok)
	if err != nil {
		return nil, nil, err
	}
	s := &subscriber{ch: make(chan *volmatch.Notification, 32)}
	n := &e.notify
	n.subMu.Lock()
	if n.subs == nil {
		n.subs = map[string]map[*subscriber]struct{}{}
	}
	if n.subs[vol] == nil {
		n.subs[vol] = map[*subscriber]struct{}{}
	}
	n.subs[vol][s] = struct{}{}
	n.subMu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			n.subMu.Lock()
			delete(n.subs[vol], s)
			if len(n.subs[vol]) == 0 {
				delete(n.subs, vol)
			}
			n.subMu.Unlock()
		})
	}, nil
}

// publish hands the in-app notes to their volunteers' subscribers without
// waiting for any.
func (e *Engine) publish(notes []*volmatch.Notification) {
	n := &e.notify
	n.subMu.Lock()
	defer n.subMu.Unlock()
	for _, x := range notes {
		if !x.InApp {
			continue
		}
		for s := range n.subs[x.Volunteer] {
			select {
			case s.ch <- x:
			default:
			}
		}
	}
}

// inboxOwner returns the volunteer whose inbox tok may read: a volunteer's
// own only.
func inboxOwner(tok *volmatch.Token) (string, error) {
	if tok == nil || tok.Role != volmatch.RoleVolunteer || tok.Volunteer == "" {
		return "", forbidden("an inbox is its volunteer's own")
	}
	return tok.Volunteer, nil
}

// Inbox is a page of a volunteer's inbox.
type Inbox struct {
	Items  []*volmatch.Notification `json:"items"`
	Unread int                      `json:"unread"`
}

// Inbox returns up to limit (0: 100) of tok's volunteer's notifications,
// newest first, and the count unread.
func (e *Engine) Inbox(ctx context.Context, tok *volmatch.Token, limit int) (*Inbox, error) {
	vol, err := inboxOwner(tok)
	if err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, volmatch.FieldError("limit", "must not be negative, got %d", limit)
	}
	items, unread, err := e.store.Inbox(ctx, vol, limit)
	if err != nil {
		return nil, err
	}
	return &Inbox{Items: items, Unread: unread}, nil
}

// MaxMarkRead bounds the IDs of one MarkRead.
const MaxMarkRead = 100

// MarkRead marks tok's volunteer's notifications ids read (all of them when
// ids is empty) and returns how many were unread. IDs of other volunteers'
// notifications change nothing.
func (e *Engine) MarkRead(ctx context.Context, tok *volmatch.Token, ids []string) (int, error) {
	vol, err := inboxOwner(tok)
	if err != nil {
		return 0, err
	}
	if len(ids) > MaxMarkRead {
		return 0, volmatch.FieldError("ids", "at most %d at a time, got %d", MaxMarkRead, len(ids)).WithReason(volmatch.ReasonTooMany)
	}
	for i, id := range ids {
		if err := volmatch.ValidID(fmt.Sprintf("ids[%d]", i), id); err != nil {
			return 0, err
		}
	}
	return e.store.MarkRead(ctx, vol, ids, e.now())
}

// NotifyPrefs returns tok's volunteer's notification preferences.
func (e *Engine) NotifyPrefs(ctx context.Context, tok *volmatch.Token) (*volmatch.NotifyPrefs, error) {
	vol, err := inboxOwner(tok)
	if err != nil {
		return nil, err
	}
	return e.store.NotifyPrefs(ctx, vol)
}

// SetNotifyPrefs stores tok's volunteer's preferences (p.Volunteer is
// theirs; another is EFORBIDDEN). The gateway kinds are refused
// (EINVALID, field webhook) when the deployment has no gateway.
func (e *Engine) SetNotifyPrefs(ctx context.Context, tok *volmatch.Token, p *volmatch.NotifyPrefs) (*volmatch.NotifyPrefs, error) {
	vol, err := inboxOwner(tok)
	if err != nil {
		return nil, err
	}
	if p.Volunteer != "" && p.Volunteer != vol {
		return nil, forbidden("a volunteer sets only their own preferences")
	}
	p.Volunteer = vol
	if len(p.Webhook) > 0 && !e.outbox {
		return nil, volmatch.FieldError("webhook", "this deployment has no SMS or WeChat gateway")
	}
	if err := e.store.PutNotifyPrefs(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Outbox reports whether the deployment has an outbound gateway
// (Options.Outbox).
func (e *Engine) Outbox() bool { return e.outbox }

// needChanges returns the need.changed events of writing n over old: one
// for its place, title or description, one per shift moved or removed.
// A closing write gives none (need.closed says it).
func needChanges(old, n *volmatch.Need, at time.Time) []volmatch.Event {
	if n.Status == volmatch.NeedClosed || old.Status == volmatch.NeedClosed {
		return nil
	}
	var evs []volmatch.Event
	if old.Title != n.Title || old.Description != n.Description || old.Point != n.Point ||
		old.District != n.District || old.Street != n.Street || old.Station != n.Station {
		evs = append(evs, volmatch.NeedEvent(volmatch.EventNeedChanged, n, at))
	}
	for _, o := range old.Shifts {
		sh, ok := n.Shift(o.ID)
		switch {
		case !ok:
			ev := volmatch.NeedEvent(volmatch.EventNeedChanged, n, at)
			ev.Shift, ev.ShiftStart, ev.ShiftEnd, ev.Reason = o.ID, o.Start, o.End, volmatch.ReasonShiftRemoved
			evs = append(evs, ev)
		case !sh.Start.Equal(o.Start) || !sh.End.Equal(o.End):
			ev := volmatch.NeedEvent(volmatch.EventNeedChanged, n, at)
			ev.Shift, ev.ShiftStart, ev.ShiftEnd = sh.ID, sh.Start, sh.End
			evs = append(evs, ev)
		}
	}
	return evs
}

// appendNotices appends events written for the notifier after the write
// they tell of. The write stands when this fails (it is logged): what is
// lost is the notification, not the record.
func (e *Engine) appendNotices(ctx context.Context, evs ...volmatch.Event) {
	if len(evs) == 0 {
		return
	}
	if err := e.store.AppendEvents(ctx, evs...); err != nil {
		e.log.Warn("notify: append events failed", "type", string(evs[0].Type), "need", evs[0].Need, "err", volmatch.Scrub(err))
	}
}

// signUpRefused is the signup.refused event of a request inv declined by
// its organisation.
func signUpRefused(inv *volmatch.Invitation, at time.Time) volmatch.Event {
	return volmatch.Event{Type: volmatch.EventSignUpRefused, At: at, Need: inv.Need, Org: inv.Org, Shift: inv.Shift,
		Volunteer: inv.Volunteer, Invite: inv.ID, Origin: volmatch.OriginSignUp}
}
