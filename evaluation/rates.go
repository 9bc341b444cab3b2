package evaluation

import (
	"volmatch"
)

// RatesReport holds the service rates.
type RatesReport struct {
	// SlotsAsked is the slots of the shifts of the needs posted in the
	// window (cohort); SlotsFilled the slots held at the end of the log by
	// assignments that were reserved, checked in or completed (a slot freed
	// by a no-show or a cancellation is not filled unless taken again),
	// counted per shift up to its slots; FillRate = SlotsFilled / SlotsAsked.
	SlotsAsked  int     `json:"slots_asked"`
	SlotsFilled int     `json:"slots_filled"`
	FillRate    float64 `json:"fill_rate"`

	// Invitations answered in the window: accepted (invite.accepted with an
	// invitation), declined and expired; AcceptanceRate = accepted /
	// (accepted + declined + expired). A volunteer's sign-up request and
	// its approval or refusal (Event.Origin signup) answer no invitation
	// of the organisation's and are left out.
	InvitesAccepted int     `json:"invites_accepted"`
	InvitesDeclined int     `json:"invites_declined"`
	InvitesExpired  int     `json:"invites_expired"`
	AcceptanceRate  float64 `json:"acceptance_rate"`

	// Assignments resolved in the window: completed (checkout), no-show and
	// cancelled. Each rate is its count over Resolved = the sum of the
	// three, so the three rates add up to 1.
	Completed        int     `json:"completed"`
	NoShows          int     `json:"no_shows"`
	Cancelled        int     `json:"cancelled"`
	Resolved         int     `json:"resolved"`
	CompletionRate   float64 `json:"completion_rate"`
	NoShowRate       float64 `json:"no_show_rate"`
	CancellationRate float64 `json:"cancellation_rate"`

	Satisfaction Satisfaction `json:"satisfaction"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Satisfaction summarises the ratings (1–5, by the recipient side) given in
// the window.
type Satisfaction struct {
	Ratings int     `json:"ratings"`
	Mean    float64 `json:"mean"` // 0 when there are no ratings
	// Distribution counts the ratings by value: index 0 holds the 1-star
	// ratings, index 4 the 5-star ones.
	Distribution [5]int `json:"distribution"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Rates computes the rates report.
func Rates(events []volmatch.Event, f Filter) RatesReport {
	return newLedger(events, f).rates()
}

func (l *ledger) rates() RatesReport {
	var r RatesReport
	for _, n := range l.cohort {
		for _, s := range n.shifts {
			r.SlotsAsked += s.Slots
			r.SlotsFilled += n.filled(s)
		}
	}
	r.FillRate = ratio(float64(r.SlotsFilled), float64(r.SlotsAsked))
	sum := 0
	l.window(func(ev *volmatch.Event) {
		switch ev.Type {
		case volmatch.EventInviteAccepted:
			if ev.Invite != "" && ev.Origin == "" {
				r.InvitesAccepted++
			}
		case volmatch.EventInviteDeclined:
			if ev.Origin == "" {
				r.InvitesDeclined++
			}
		case volmatch.EventInviteExpired:
			r.InvitesExpired++
		case volmatch.EventCheckOut:
			r.Completed++
		case volmatch.EventNoShow:
			r.NoShows++
		case volmatch.EventCancelled:
			r.Cancelled++
		case volmatch.EventRated:
			if ev.Rating >= 1 && ev.Rating <= 5 {
				r.Satisfaction.Ratings++
				r.Satisfaction.Distribution[ev.Rating-1]++
				sum += ev.Rating
			}
		}
	})
	r.AcceptanceRate = ratio(float64(r.InvitesAccepted), float64(r.InvitesAccepted+r.InvitesDeclined+r.InvitesExpired))
	r.Resolved = r.Completed + r.NoShows + r.Cancelled
	r.CompletionRate = ratio(float64(r.Completed), float64(r.Resolved))
	r.NoShowRate = ratio(float64(r.NoShows), float64(r.Resolved))
	r.CancellationRate = ratio(float64(r.Cancelled), float64(r.Resolved))
	r.Satisfaction.Mean = ratio(float64(sum), float64(r.Satisfaction.Ratings))
	l.withholdRates(&r)
	return r
}

// withholdRates withholds each part of r computed from fewer than MinGroup
// people: the fill from the volunteers who reserved slots of the cohort's
// needs, the acceptance from those who answered invitations in the window,
// the outcomes from those whose assignments were resolved in it, the
// satisfaction from those rated in it.
func (l *ledger) withholdRates(r *RatesReport) {
	if l.small(l.cohortReservers()) {
		withhold(r, "slots_filled", "fill_rate")
	}
	answered := func(ev *volmatch.Event) bool {
		return ev.Origin == "" && (ev.Type == volmatch.EventInviteAccepted && ev.Invite != "" ||
			ev.Type == volmatch.EventInviteDeclined || ev.Type == volmatch.EventInviteExpired)
	}
	if l.small(l.people(answered)) {
		withhold(r, "invites_accepted", "invites_declined", "invites_expired", "acceptance_rate")
	}
	if l.small(l.people(ofType(volmatch.EventCheckOut, volmatch.EventNoShow, volmatch.EventCancelled))) {
		withhold(r, "completed", "no_shows", "cancelled", "resolved", "completion_rate", "no_show_rate", "cancellation_rate")
	}
	if l.small(l.people(func(ev *volmatch.Event) bool {
		return ev.Type == volmatch.EventRated && ev.Rating >= 1 && ev.Rating <= 5
	})) {
		withhold(&r.Satisfaction, "ratings", "mean", "distribution")
	}
}

// cohortReservers counts the volunteers who reserved a slot of a need of
// the cohort (whether they kept it or not).
func (l *ledger) cohortReservers() int {
	set := map[string]bool{}
	for _, n := range l.cohort {
		n.reservers(set, "")
	}
	return len(set)
}
