package volmatch

import "time"

// EventType names a step in the lifecycle log.
type EventType string

// Event types. Evaluation reads only the event log, so each event carries the
// need's attributes it is grouped by (district, street, domain, target group,
// organisation).
const (
	EventNeedPosted     EventType = "need.posted"
	EventMatchShown     EventType = "match.shown"
	EventInviteSent     EventType = "invite.sent"
	EventInviteAccepted EventType = "invite.accepted"
	EventInviteDeclined EventType = "invite.declined"
	EventInviteExpired  EventType = "invite.expired"
	EventCheckIn        EventType = "checkin"
	EventCheckOut       EventType = "checkout"
	EventNoShow         EventType = "no_show"
	EventCancelled      EventType = "cancelled"
	EventRated          EventType = "rated"
	EventNeedClosed     EventType = "need.closed"
	EventDispatchWave   EventType = "dispatch.wave"

	// EventCheckOutClaimed is a volunteer's own check-out: the time they
	// say they left, which earns no hours until the organisation checks
	// the assignment out (checkout).
	EventCheckOutClaimed EventType = "checkout.claimed"

	// EventSignUpRequested is a volunteer's sign-up from the menu (报名)
	// to a need that asks for approval: a request (an Invitation of
	// origin OriginSignUp) the organisation approves (invite.accepted of
	// origin signup) or declines (invite.declined of origin signup). A
	// sign-up to a need without approval is only its invite.accepted of
	// origin signup.
	EventSignUpRequested EventType = "signup.requested"

	// EventHoursCorrected is the organisation's correction of a completed
	// assignment's hours (Hours the new figure, Reason why).
	EventHoursCorrected EventType = "hours.corrected"
	// EventHoursOpened is an opening balance of hours imported from an
	// earlier system (Hours, Reason the source; At the as-of date).
	EventHoursOpened EventType = "hours.opening"
	// EventStarReached is a volunteer reaching a star level (Stars, and
	// Hours the verified hours then), for the notification that follows.
	EventStarReached EventType = "star.reached"
	// EventCertificateIssued is a service certificate issued for a
	// volunteer (Org its organisation scope, empty for all).
	EventCertificateIssued EventType = "certificate.issued"
	// EventWeightsAdopted is a planner's adoption of fitted scorer
	// weights: Batch is the adoption's ID, Breakdown the weights adopted
	// (each component's Weight; Value unused), Score the held-out NDCG@10
	// difference that justified it. EventWeightsUndone takes
	// the latest adoption in force back: Batch names it, Breakdown holds
	// the weights restored. The weights in use are the fold of the two
	// over the log (engine/learn.go).
	EventWeightsAdopted EventType = "weights.adopted"
	EventWeightsUndone  EventType = "weights.undone"
)

// OriginSignUp marks the records and events of a volunteer's sign-up from
// the menu (Invitation.Origin, Assignment.Origin, Reservation.Origin,
// Event.Origin); the empty origin is the organisation's invitation or
// reservation.
const OriginSignUp = "signup"

// Event is one entry of the append-only lifecycle log. Seq is given by the
// store on append and orders the log.
type Event struct {
	Seq  uint64    `json:"seq"`
	Type EventType `json:"type"`
	At   time.Time `json:"at"`

	Need        string `json:"need,omitempty"`
	Org         string `json:"org,omitempty"`
	District    string `json:"district,omitempty"`
	Street      string `json:"street,omitempty"`
	Domain      string `json:"domain,omitempty"`
	TargetGroup string `json:"target_group,omitempty"`
	Urgency     string `json:"urgency,omitempty"`

	Shift      string    `json:"shift,omitempty"`
	ShiftStart time.Time `json:"shift_start,omitzero"`
	ShiftEnd   time.Time `json:"shift_end,omitzero"`
	Volunteer  string    `json:"volunteer,omitempty"`
	Invite     string    `json:"invite,omitempty"`
	Assignment string    `json:"assignment,omitempty"`

	// need.posted: the shifts asked and the eligible supply within reach.
	Shifts   []Shift `json:"shifts,omitempty"`
	Eligible int     `json:"eligible,omitempty"`

	// match.shown: the candidate's rank (1-based), score and its parts; a
	// listing shown at once shares a Batch id.
	Rank      int         `json:"rank,omitempty"`
	Score     float64     `json:"score,omitempty"`
	Breakdown []Component `json:"breakdown,omitempty"`
	Batch     string      `json:"batch,omitempty"`

	Hours  float64 `json:"hours,omitempty"`  // checkout
	Stars  int     `json:"stars,omitempty"`  // star.reached: the level
	Rating int     `json:"rating,omitempty"` // rated
	Wave   int     `json:"wave,omitempty"`   // dispatch.wave, invite.sent by dispatch
	Tier   string  `json:"tier,omitempty"`   // dispatch.wave: street, district, city
	Count  int     `json:"count,omitempty"`  // dispatch.wave: invitations sent
	Reason string  `json:"reason,omitempty"`
	// Origin is OriginSignUp on the events of a sign-up from the menu
	// (signup.requested, and its invite.accepted or invite.declined).
	Origin string `json:"origin,omitempty"`
	// Gates are, on an invite.sent over an override, the hard gates the
	// organisation overrode (Reason says why).
	Gates []string `json:"gates,omitempty"`
	// Self is set on a volunteer's own cancel (cancelled): the notifier
	// tells a volunteer only of what others did.
	Self bool `json:"self,omitempty"`
}

// NeedEvent returns an event of the type about need n at t, with the need's
// grouping attributes filled in.
func NeedEvent(typ EventType, n *Need, at time.Time) Event {
	return Event{
		Type: typ, At: at, Need: n.ID, Org: n.Org, District: n.District, Street: n.Street,
		Domain: n.Domain, TargetGroup: n.TargetGroup, Urgency: string(n.Urgency),
	}
}

// PrepareEvents checks events a client appends (EINVALID naming
// events[i] for one without a type) and returns copies with At set to now
// where it is zero, leaving evs as they were. Every store calls it.
func PrepareEvents(evs []Event, now time.Time) ([]Event, error) {
	for i, ev := range evs {
		if ev.Type == "" {
			return nil, AtIndex("events", i, FieldError("type", "is required"))
		}
		if !validEventType(ev.Type) {
			return nil, AtIndex("events", i, FieldError("type", "must be lower-case letters, digits, '.', '_' or '-', at most 64"))
		}
		if err := CheckTime("at", ev.At); err != nil {
			return nil, AtIndex("events", i, err)
		}
	}
	out := make([]Event, len(evs))
	for i, ev := range evs {
		if ev.At.IsZero() {
			ev.At = now
		}
		out[i] = ev
	}
	return out, nil
}

// validEventType tells whether t is a type the stores can index: the
// characters of the types defined here (EventTypeOf reads it from the head
// of the encoding, with no escape).
func validEventType(t EventType) bool {
	if len(t) > 64 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// EventTypeOf reads an event's type from its JSON encoding without decoding
// the rest. It relies on the order Event's fields are encoded in
// ({"seq":N,"type":"T",...}) and reports false when raw does not start so,
// or the type holds an escape; the caller then decodes the event whole.
// The stores use it to skip, undecoded, the events a typed read
// (EventLog.EventsOf) does not ask for.
func EventTypeOf[T ~string | ~[]byte](raw T) (EventType, bool) {
	const head, mid = `{"seq":`, `,"type":"`
	if len(raw) < len(head) || string(raw[:len(head)]) != head {
		return "", false
	}
	i := len(head)
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	if i == len(head) || len(raw)-i < len(mid) || string(raw[i:i+len(mid)]) != mid {
		return "", false
	}
	i += len(mid)
	for j := i; j < len(raw); j++ {
		switch raw[j] {
		case '"':
			return EventType(raw[i:j]), true
		case '\\':
			return "", false
		}
	}
	return "", false
}
