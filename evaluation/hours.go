package evaluation

import (
	"math"
	"sort"

	"volmatch"
)

// HoursReport holds the hours delivered and the star levels.
type HoursReport struct {
	// Hours is the sum of checkout hours in the window; ActiveVolunteers
	// the distinct volunteers with at least one checkout in the window;
	// HoursPerVolunteer = Hours / ActiveVolunteers.
	Hours             float64 `json:"hours"`
	ActiveVolunteers  int     `json:"active_volunteers"`
	HoursPerVolunteer float64 `json:"hours_per_volunteer"`
	// Stars counts the active volunteers by star level (星级, index 0 = no
	// star .. 5 = five stars) from volmatch.Stars of their hours in the
	// selection up to the end of the window (stars are cumulative, so From
	// is ignored for them).
	Stars [6]int `json:"stars"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// FairnessReport tells how evenly the hours are spread over the volunteers
// active in the window (at least one checkout there).
type FairnessReport struct {
	ActiveVolunteers int `json:"active_volunteers"`
	// Gini of the active volunteers' hours in the window: Σ_i Σ_j |x_i − x_j|
	// / (2 n² mean), 0 when all are equal, towards 1 when one does all.
	Gini float64 `json:"gini"`
	// TopDecileShare is the share of all hours done by the top 10% of the
	// active volunteers by hours (ceil(n/10) volunteers).
	TopDecileShare float64 `json:"top_decile_share"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Hours computes the hours report.
func Hours(events []volmatch.Event, f Filter) HoursReport {
	return newLedger(events, f).hours()
}

// Fairness computes the fairness report.
func Fairness(events []volmatch.Event, f Filter) FairnessReport {
	return newLedger(events, f).fairness()
}

// volunteerHours returns the hours per volunteer with a checkout in the
// window.
func (l *ledger) volunteerHours() map[string]float64 {
	h := map[string]float64{}
	l.window(func(ev *volmatch.Event) {
		if ev.Type == volmatch.EventCheckOut {
			h[ev.Volunteer] += ev.Hours
		}
	})
	return h
}

func (l *ledger) hours() HoursReport {
	var r HoursReport
	active := l.volunteerHours()
	for _, v := range sortedKeys(active) {
		r.Hours += active[v]
	}
	r.ActiveVolunteers = len(active)
	r.HoursPerVolunteer = ratio(r.Hours, float64(r.ActiveVolunteers))
	upTo := map[string]float64{}
	for _, ev := range l.events {
		if ev.Type == volmatch.EventCheckOut && (l.f.To.IsZero() || ev.At.Before(l.f.To)) {
			upTo[ev.Volunteer] += ev.Hours
		}
	}
	for v := range active {
		r.Stars[volmatch.Stars(upTo[v])]++
	}
	if l.small(len(active)) {
		withhold(&r, "hours", "active_volunteers", "hours_per_volunteer", "stars")
	}
	return r
}

func (l *ledger) fairness() FairnessReport {
	h := l.volunteerHours()
	xs := make([]float64, 0, len(h))
	for _, v := range sortedKeys(h) {
		xs = append(xs, h[v])
	}
	r := FairnessReport{ActiveVolunteers: len(xs), Gini: Gini(xs), TopDecileShare: TopShare(xs, 0.1)}
	if l.small(len(xs)) {
		withhold(&r, "active_volunteers", "gini", "top_decile_share")
	}
	return r
}

// Gini returns the Gini coefficient of xs (non-negative values): Σ_i Σ_j
// |x_i − x_j| / (2 n² mean), computed from the ascending order as
// 2 Σ_i i·x_(i) / (n Σ x) − (n+1)/n with 1-based i. It is 0 for an empty
// slice or a zero sum. xs is not modified.
func Gini(xs []float64) float64 {
	n := len(xs)
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	var sum, w float64
	for i, x := range s {
		sum += x
		w += float64(i+1) * x
	}
	if n == 0 || sum == 0 {
		return 0
	}
	g := 2*w/(float64(n)*sum) - float64(n+1)/float64(n)
	return math.Max(0, g)
}

// TopShare returns the share of the sum of xs held by the largest
// ceil(frac·n) values; 0 for an empty slice or a zero sum.
func TopShare(xs []float64, frac float64) float64 {
	n := len(xs)
	s := append([]float64(nil), xs...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	var sum, top float64
	k := int(math.Ceil(frac*float64(n) - 1e-9))
	for i, x := range s {
		sum += x
		if i < k {
			top += x
		}
	}
	return ratio(top, sum)
}

// sortedKeys returns m's keys in ascending order (sums in a fixed order give
// the same float on every run).
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
