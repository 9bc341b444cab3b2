package volmatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// NoticeKind names what a notification tells a volunteer.
type NoticeKind string

// Notice kinds. Each is derived from the event log (engine/notify.go), or,
// for the reminders, from the clock and the assignments held.
const (
	NoticeInvite      NoticeKind = "invite"          // an invitation received (invite.sent)
	NoticeReminder24h NoticeKind = "reminder_24h"    // a shift held begins in 24 hours
	NoticeReminder2h  NoticeKind = "reminder_2h"     // a shift held begins in 2 hours
	NoticeChanged     NoticeKind = "changed"         // a need or shift held or invited to changed (need.changed)
	NoticeCancelled   NoticeKind = "cancelled"       // it was cancelled (need.closed, a shift removed, the organisation's cancel)
	NoticeApproved    NoticeKind = "signup_approved" // a sign-up request approved (invite.accepted of origin signup)
	NoticeRefused     NoticeKind = "signup_refused"  // a sign-up request refused (signup.refused)
)

// NoticeKinds lists every kind, in the order the preferences show them.
var NoticeKinds = []NoticeKind{NoticeInvite, NoticeReminder24h, NoticeReminder2h, NoticeChanged,
	NoticeCancelled, NoticeApproved, NoticeRefused}

// Events the engine appends for notifications, where the store's own
// events do not say what the volunteer needs to know.
const (
	// EventNeedChanged says a need was edited in a way its volunteers
	// care about: its place, title or description (Shift empty), or one
	// shift moved (Shift, ShiftStart, ShiftEnd: the new times) or removed
	// (Shift, Reason "shift_removed").
	EventNeedChanged EventType = "need.changed"
	// EventSignUpRefused says the organisation (not the volunteer, who
	// may withdraw) declined a sign-up request (Invite, Volunteer).
	EventSignUpRefused EventType = "signup.refused"
)

// ReasonShiftRemoved is the Reason of a need.changed that removed a shift.
const ReasonShiftRemoved = "shift_removed"

// Notification is one entry of a volunteer's inbox. Its ID is derived from
// what caused it (the event's Seq, or the assignment and the reminder's
// kind), so that every replica and every restart computing it again
// computes the same ID and the store keeps one.
type Notification struct {
	ID        string     `json:"id"`
	Volunteer string     `json:"volunteer"`
	Kind      NoticeKind `json:"kind"`
	At        time.Time  `json:"at"`
	// What it is about: the need (its title as it was), the shift and
	// its times, the invitation or the assignment.
	Need       string    `json:"need,omitempty"`
	Title      string    `json:"title,omitempty"`
	Shift      string    `json:"shift,omitempty"`
	ShiftStart time.Time `json:"shift_start,omitzero"`
	ShiftEnd   time.Time `json:"shift_end,omitzero"`
	Invite     string    `json:"invite,omitempty"`
	Assignment string    `json:"assignment,omitempty"`
	// Reason is the event's reason code (ReasonShiftRemoved), never
	// free text.
	Reason string `json:"reason,omitempty"`
	// InApp and Webhook are the channels the volunteer's preferences chose
	// when it was made: InApp lists it in the inbox, Webhook puts a
	// Delivery in the outbox.
	InApp   bool `json:"in_app,omitempty"`
	Webhook bool `json:"webhook,omitempty"`
	// ReadAt is when the volunteer marked it read (zero: unread).
	ReadAt time.Time `json:"read_at,omitzero"`
}

// Unread reports whether the volunteer has not yet read n.
func (n *Notification) Unread() bool { return n.ReadAt.IsZero() }

// NotifyPrefs are a volunteer's choices: which kinds they get in the app
// and which also go to the outbound (SMS or WeChat) gateway. The zero
// value (no record) is every kind in the app and none outbound: sending a
// phone number to a gateway is the volunteer's choice.
type NotifyPrefs struct {
	Volunteer string `json:"volunteer"`
	// Muted kinds are not listed in the inbox.
	Muted []NoticeKind `json:"muted,omitempty"`
	// Webhook kinds are also sent to the gateway.
	Webhook []NoticeKind `json:"webhook,omitempty"`
}

// InApp reports whether kind k goes to the inbox.
func (p *NotifyPrefs) InApp(k NoticeKind) bool { return !slices.Contains(p.Muted, k) }

// Outbound reports whether kind k goes to the gateway.
func (p *NotifyPrefs) Outbound(k NoticeKind) bool { return slices.Contains(p.Webhook, k) }

// Validate checks the kinds are known and each listed once.
func (p *NotifyPrefs) Validate() error {
	if err := ValidID("volunteer", p.Volunteer); err != nil {
		return err
	}
	for _, l := range []struct {
		field string
		ks    []NoticeKind
	}{{"muted", p.Muted}, {"webhook", p.Webhook}} {
		for i, k := range l.ks {
			if !slices.Contains(NoticeKinds, k) {
				return FieldError(fmt.Sprintf("%s[%d]", l.field, i), "unknown kind %q", k)
			}
			if slices.Index(l.ks, k) != i {
				return FieldError(fmt.Sprintf("%s[%d]", l.field, i), "kind %q is listed twice", k)
			}
		}
	}
	return nil
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // the gateway answered 2xx
	DeliveryDead      = "dead"      // dead-lettered: attempts exhausted or undeliverable
)

// Delivery is a notification in the outbox: what the deliverer posts to
// the gateway and how far it got. Its ID is the notification's, and is the
// idempotency key of every attempt.
type Delivery struct {
	ID           string       `json:"id"`
	Notification Notification `json:"notification"`
	State        string       `json:"state"`
	// Attempts counts the claims (a claim is an attempt begun).
	Attempts int `json:"attempts"`
	// NextAt is when it is due: its next attempt, or the end of the lease
	// of the attempt under way.
	NextAt time.Time `json:"next_at"`
	// Lease is the nonce of the claim under way ("" when none): only its
	// holder settles it.
	Lease       string    `json:"lease,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// NotificationStore keeps the volunteers' inboxes, their preferences, the
// notifier's place in the event log and the outbox of the gateway.
type NotificationStore interface {
	// AddNotifications stores each of ns whose ID is new (the others are
	// skipped) with its Delivery when it has Webhook set (state pending,
	// due at its At), and moves the notifier's cursor to cursor when that
	// is beyond it, all in one write. It returns the ones added. EINVALID
	// for one without an ID, volunteer or kind.
	AddNotifications(ctx context.Context, cursor uint64, ns []*Notification) ([]*Notification, error)
	// NotifyCursor returns the event Seq the notifier has read up to.
	NotifyCursor(ctx context.Context) (uint64, error)
	// Inbox returns up to limit (0: 100, at most 1000) of the volunteer's
	// in-app notifications, newest first (ties by ID, descending), and how many of all
	// of them are unread.
	Inbox(ctx context.Context, volunteer string, limit int) ([]*Notification, int, error)
	// MarkRead marks the volunteer's notifications ids read at at (every
	// one of theirs when ids is empty) and returns how many were unread;
	// an ID that is not the volunteer's is ignored.
	MarkRead(ctx context.Context, volunteer string, ids []string, at time.Time) (int, error)
	// NotifyPrefs returns the volunteer's preferences (the zero value with
	// Volunteer set when none are stored).
	NotifyPrefs(ctx context.Context, volunteer string) (*NotifyPrefs, error)
	// PutNotifyPrefs stores the preferences; EINVALID if they fail
	// Validate.
	PutNotifyPrefs(ctx context.Context, p *NotifyPrefs) error
	// ClaimDeliveries claims up to limit pending deliveries due at now,
	// oldest due first: each gets a new Lease, one more Attempt and NextAt
	// now+lease, so that no other claim takes it until then.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// SettleDelivery stores the outcome of the attempt that holds d.Lease
	// (State, NextAt, LastError, DeliveredAt) and ends the lease;
	// ECONFLICT when the lease is no longer d's, ENOTFOUND if missing.
	SettleDelivery(ctx context.Context, d *Delivery) error
	// Delivery returns one delivery; ENOTFOUND if missing.
	Delivery(ctx context.Context, id string) (*Delivery, error)
}

// CheckNotifications checks what AddNotifications stores.
func CheckNotifications(ns []*Notification) error {
	for i, n := range ns {
		if n.ID == "" {
			return AtIndex("notifications", i, FieldError("id", "is required"))
		}
		if n.Volunteer == "" {
			return AtIndex("notifications", i, FieldError("volunteer", "is required"))
		}
		if !slices.Contains(NoticeKinds, n.Kind) {
			return AtIndex("notifications", i, FieldError("kind", "unknown kind %q", n.Kind))
		}
	}
	return nil
}

// NewDelivery returns the outbox entry of n, due at its At.
func NewDelivery(n *Notification) *Delivery {
	return &Delivery{ID: n.ID, Notification: *n, State: DeliveryPending, NextAt: n.At}
}

// InboxLimit applies the inbox's listing defaults: 0 is 100, at most 1000.
func InboxLimit(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > 1000:
		return 1000
	}
	return limit
}

// NewLease returns a fresh random nonce for a delivery's claim.
func NewLease() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
