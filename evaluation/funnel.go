package evaluation

import (
	"math"
	"sort"
	"time"

	"volmatch"
)

// FunnelStep is one step of a funnel.
type FunnelStep struct {
	Key   string `json:"key"`   // posted, shown, invited, accepted, checked_in, completed, rated
	Label string `json:"label"` // Chinese label with English
	Unit  string `json:"unit"`  // needs, invitations, assignments, ratings
	Count int    `json:"count"`
	// Conversion is Count over the previous step's Count (1 for the first
	// step, 0 when the previous count is 0).
	Conversion float64 `json:"conversion"`
	// Drop is the previous step's Count minus this Count (0 for the first
	// step); negative when a step outgrows the one before (see Actions).
	Drop int `json:"drop"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Durations summarises how long the needs of the cohort took to reach a
// point, in hours: the median and the 90th percentile by the nearest-rank
// method (see Quantile), over the Count needs that reached it; Pending needs
// of the cohort had not reached it by the end of the log.
type Durations struct {
	Count       int     `json:"count"`
	Pending     int     `json:"pending"`
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// FunnelReport is the path from a posted need to a rated service.
type FunnelReport struct {
	// Needs is the cohort funnel in one unit, needs: the needs posted in the
	// window that reached each step (posted, shown, invited, accepted, checked
	// in, completed, rated) at any time in the log. A need counts as reaching
	// a step when it reached that step or a later one (a slot reserved by
	// batch assignment counts as shown and invited), so the counts never
	// rise.
	Needs []FunnelStep `json:"needs"`
	// Actions counts the events in the window: invitations sent
	// (invite.sent), slots reserved (invite.accepted, including batch
	// reservations without an invitation), check-ins, completions
	// (checkout) and ratings. Being counts of events in a window, a step
	// may exceed the one before (a check-in of a slot reserved earlier).
	Actions []FunnelStep `json:"actions"`
	// TimeToFirstMatch runs from need.posted to the need's first
	// invite.accepted (cohort).
	TimeToFirstMatch Durations `json:"time_to_first_match"`
	// TimeToFill runs from need.posted to the accept at which every shift of
	// the need first held all its slots (cohort; a slot freed by a no-show
	// or cancellation must be refilled).
	TimeToFill Durations `json:"time_to_fill"`
	// Overrides counts the invitations sent in the window over hard gates
	// the organisation overrode (invite.sent with gates and a reason): the
	// exceptions to 先培训再上岗 that planners watch.
	Overrides int `json:"overrides"`
}

var needSteps = [stageCount]struct{ key, label string }{
	{"posted", "需求发布 posted"},
	{"shown", "已推荐 shown"},
	{"invited", "已邀请 invited"},
	{"accepted", "已接受 accepted"},
	{"checked_in", "已签到 checked in"},
	{"completed", "已完成 completed"},
	{"rated", "已评价 rated"},
}

// Funnel computes the funnel report.
func Funnel(events []volmatch.Event, f Filter) FunnelReport {
	return newLedger(events, f).funnel()
}

func (l *ledger) funnel() FunnelReport {
	var r FunnelReport
	var counts [stageCount]int
	var first, fill []float64
	for _, n := range l.cohort {
		top := -1
		for s := stageCount - 1; s >= 0; s-- {
			if n.reached[s] {
				top = s
				break
			}
		}
		for s := 0; s <= top; s++ {
			counts[s]++
		}
		if !n.firstAccept.IsZero() {
			first = append(first, hours(n.firstAccept.Sub(n.posted)))
		}
		if !n.filledAt.IsZero() {
			fill = append(fill, hours(n.filledAt.Sub(n.posted)))
		}
	}
	for s, c := range counts {
		r.Needs = append(r.Needs, FunnelStep{Key: needSteps[s].key, Label: needSteps[s].label, Unit: "needs", Count: c})
	}
	chain(r.Needs)
	r.TimeToFirstMatch = durations(first, len(l.cohort))
	r.TimeToFill = durations(fill, len(l.cohort))

	var sent, acc, in, done, rated int
	l.window(func(ev *volmatch.Event) {
		switch ev.Type {
		case volmatch.EventInviteSent:
			sent++
			if len(ev.Gates) > 0 {
				r.Overrides++
			}
		case volmatch.EventInviteAccepted:
			acc++
		case volmatch.EventCheckIn:
			in++
		case volmatch.EventCheckOut:
			done++
		case volmatch.EventRated:
			rated++
		}
	})
	r.Actions = []FunnelStep{
		{Key: "invited", Label: "邀请 invitations sent", Unit: "invitations", Count: sent},
		{Key: "accepted", Label: "接受 slots reserved", Unit: "assignments", Count: acc},
		{Key: "checked_in", Label: "签到 checked in", Unit: "assignments", Count: in},
		{Key: "completed", Label: "完成 completed", Unit: "assignments", Count: done},
		{Key: "rated", Label: "评价 rated", Unit: "ratings", Count: rated},
	}
	chain(r.Actions)
	l.withholdFunnel(&r)
	return r
}

// withholdFunnel withholds the steps that count what volunteers did, and
// the times to a first accept and to fill, when fewer than MinGroup people
// are behind them: the volunteers who reserved slots of the cohort's needs
// for the need funnel and the durations, those named by the window's
// accepts, check-ins, check-outs and ratings for the action funnel. Posted,
// shown and invited count what organisations did and stay.
func (l *ledger) withholdFunnel(r *FunnelReport) {
	step := func(steps []FunnelStep, from string) {
		on := false
		for i := range steps {
			on = on || steps[i].Key == from
			if on {
				withhold(&steps[i], "count", "conversion", "drop")
			}
		}
	}
	if l.small(l.cohortReservers()) {
		step(r.Needs, "accepted")
		withhold(&r.TimeToFirstMatch, "count", "pending", "median_hours", "p90_hours")
		withhold(&r.TimeToFill, "count", "pending", "median_hours", "p90_hours")
	}
	if l.small(l.people(ofType(volmatch.EventInviteAccepted, volmatch.EventCheckIn, volmatch.EventCheckOut, volmatch.EventRated))) {
		step(r.Actions, "accepted")
	}
}

// chain fills in Conversion and Drop from each step's predecessor.
func chain(steps []FunnelStep) {
	for i := range steps {
		if i == 0 {
			steps[i].Conversion = 1
			continue
		}
		steps[i].Conversion = ratio(float64(steps[i].Count), float64(steps[i-1].Count))
		steps[i].Drop = steps[i-1].Count - steps[i].Count
	}
}

// durations summarises xs (hours) out of total needs.
func durations(xs []float64, total int) Durations {
	sort.Float64s(xs)
	return Durations{Count: len(xs), Pending: total - len(xs), MedianHours: Quantile(xs, 0.5), P90Hours: Quantile(xs, 0.9)}
}

func hours(d time.Duration) float64 { return d.Hours() }

// Quantile returns the q-quantile of sorted (ascending) by the nearest-rank
// method: the value at 1-based rank ceil(q·n), clamped to [1, n]; 0 for an
// empty slice. The median of an even count is thus the lower middle value:
// Quantile([1 2 3 4], 0.5) = 2, Quantile([1..10], 0.9) = 9.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// A small tolerance keeps q·n that is an integer in exact arithmetic
	// (0.9·10) from rounding up to the next rank.
	r := int(math.Ceil(q*float64(n) - 1e-9))
	r = max(1, min(n, r))
	return sorted[r-1]
}
