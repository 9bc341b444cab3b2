package evaluation

import (
	"sort"

	"volmatch"
)

// SummaryReport is the whole evaluation for one filter: every report below,
// computed from one reading of the log.
type SummaryReport struct {
	Filter   Filter         `json:"filter"`
	Funnel   FunnelReport   `json:"funnel"`
	Rates    RatesReport    `json:"rates"`
	Hours    HoursReport    `json:"hours"`
	Fairness FairnessReport `json:"fairness"`
	Gaps     GapsReport     `json:"gaps"`
	Ranking  RankingReport  `json:"ranking"` // at DefaultK
	Weekly   []WeekStat     `json:"weekly"`
}

// Summary computes every report for f.
func Summary(events []volmatch.Event, f Filter) SummaryReport {
	l := newLedger(events, f)
	return SummaryReport{
		Filter: f, Funnel: l.funnel(), Rates: l.rates(), Hours: l.hours(), Fairness: l.fairness(),
		Gaps: l.gaps(), Ranking: l.ranking(DefaultK), Weekly: l.weekly(),
	}
}

// GroupReport is the headline figures of one group (a district, a domain
// ...) under the filter narrowed to it; the fields mean what they mean in
// RatesReport, HoursReport and Durations.
type GroupReport struct {
	Key         string  `json:"key"` // the group's value: a district code, a domain key ...
	Needs       int     `json:"needs"`
	SlotsAsked  int     `json:"slots_asked"`
	SlotsFilled int     `json:"slots_filled"`
	Unfilled    int     `json:"unfilled"`
	FillRate    float64 `json:"fill_rate"`
	// EligibleMean is the mean Eligible of the group's needs posted in the
	// window.
	EligibleMean      float64 `json:"eligible_mean"`
	CompletionRate    float64 `json:"completion_rate"`
	NoShowRate        float64 `json:"no_show_rate"`
	CancellationRate  float64 `json:"cancellation_rate"`
	Hours             float64 `json:"hours"`
	ActiveVolunteers  int     `json:"active_volunteers"`
	Ratings           int     `json:"ratings"`
	MeanRating        float64 `json:"mean_rating"`
	MedianHoursToFill float64 `json:"median_hours_to_fill"`

	// A figure is withheld as in the report it comes from (RatesReport,
	// HoursReport, Durations); EligibleMean when the most eligible
	// volunteers of one of the group's needs are fewer than Filter.MinGroup.

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// By computes a GroupReport for every value of key among the events that
// pass f (events with an empty value are left out), sorted by Key. It
// returns nil for an unknown key.
func By(events []volmatch.Event, f Filter, key GroupKey) []GroupReport {
	if !key.Valid() {
		return nil
	}
	seen := map[string]bool{}
	for i := range events {
		if v := key.value(&events[i]); v != "" && f.Matches(&events[i]) {
			seen[v] = true
		}
	}
	vals := make([]string, 0, len(seen))
	for v := range seen {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	out := make([]GroupReport, 0, len(vals))
	for _, v := range vals {
		out = append(out, newLedger(events, key.narrow(f, v)).group(v))
	}
	return out
}

// group is the GroupReport of the ledger's filter, under the key.
func (l *ledger) group(key string) GroupReport {
	r, h, fu := l.rates(), l.hours(), l.funnel()
	g := GroupReport{
		Key: key, Needs: len(l.cohort), SlotsAsked: r.SlotsAsked, SlotsFilled: r.SlotsFilled,
		Unfilled: r.SlotsAsked - r.SlotsFilled, FillRate: r.FillRate,
		CompletionRate: r.CompletionRate, NoShowRate: r.NoShowRate, CancellationRate: r.CancellationRate,
		Hours: h.Hours, ActiveVolunteers: h.ActiveVolunteers,
		Ratings: r.Satisfaction.Ratings, MeanRating: r.Satisfaction.Mean,
		MedianHoursToFill: fu.TimeToFill.MedianHours,
	}
	e, most := 0, 0
	for _, n := range l.cohort {
		e += n.eligible
		most = max(most, n.eligible)
	}
	g.EligibleMean = ratio(float64(e), float64(len(l.cohort)))
	if r.Suppressed.Has("fill_rate") {
		withhold(&g, "slots_filled", "unfilled", "fill_rate")
	}
	if fu.TimeToFill.Suppressed.Has("median_hours") {
		withhold(&g, "median_hours_to_fill")
	}
	if r.Suppressed.Has("completion_rate") {
		withhold(&g, "completion_rate", "no_show_rate", "cancellation_rate")
	}
	if h.Suppressed.Has("hours") {
		withhold(&g, "hours", "active_volunteers")
	}
	if r.Satisfaction.Suppressed.Has("mean") {
		withhold(&g, "ratings", "mean_rating")
	}
	if l.small(most) {
		withhold(&g, "eligible_mean")
	}
	return g
}

// ByDistrict is By(events, f, ByDistrictKey): fill rate and unmet slots per
// district for the map.
func ByDistrict(events []volmatch.Event, f Filter) []GroupReport {
	return By(events, f, ByDistrictKey)
}
