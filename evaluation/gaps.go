package evaluation

import (
	"sort"
	"time"

	"volmatch"
)

// Time-of-week buckets of the gap map: weekday (Monday–Friday) or weekend,
// by the shift's start in Beijing time: night [0,6), morning [6,12),
// afternoon [12,18), evening [18,24).
var TimeOfWeekBuckets = []Bucket{
	{"weekday_night", "工作日夜间 weekday night"},
	{"weekday_morning", "工作日上午 weekday morning"},
	{"weekday_afternoon", "工作日下午 weekday afternoon"},
	{"weekday_evening", "工作日晚上 weekday evening"},
	{"weekend_night", "周末夜间 weekend night"},
	{"weekend_morning", "周末上午 weekend morning"},
	{"weekend_afternoon", "周末下午 weekend afternoon"},
	{"weekend_evening", "周末晚上 weekend evening"},
}

// Bucket is a time-of-week bucket: its key and label.
type Bucket struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// TimeOfWeek returns the index in TimeOfWeekBuckets of t's bucket.
func TimeOfWeek(t time.Time) int {
	h := volmatch.HourOfWeek(t)
	day, hour := h/24, h%24
	b := hour / 6
	if day >= 5 {
		b += 4
	}
	return b
}

// GapCell is one cell of the supply–demand gap map: the shifts of the
// cohort's needs in a district and domain whose start falls in a
// time-of-week bucket.
type GapCell struct {
	District   string  `json:"district"`
	Domain     string  `json:"domain"`
	TimeOfWeek string  `json:"time_of_week"` // a TimeOfWeekBuckets key
	Needs      int     `json:"needs"`        // distinct needs with a shift in the cell
	Slots      int     `json:"slots"`        // slots asked
	Filled     int     `json:"filled"`       // slots held at the end of the log (see RatesReport)
	Unfilled   int     `json:"unfilled"`     // Slots − Filled
	FillRate   float64 `json:"fill_rate"`
	// EligibleMean is the mean over the cell's needs of need.posted's
	// Eligible: the volunteers within reach who passed every hard gate when
	// the need was posted. EligiblePerSlot = (Σ Eligible over the cell's
	// needs) / Slots: the supply behind each asked slot.
	EligibleMean    float64 `json:"eligible_mean"`
	EligiblePerSlot float64 `json:"eligible_per_slot"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// DistrictGap is the gap of one district, for the map.
type DistrictGap struct {
	District     string  `json:"district"`
	Needs        int     `json:"needs"`
	Slots        int     `json:"slots"`
	Filled       int     `json:"filled"`
	Unfilled     int     `json:"unfilled"`
	FillRate     float64 `json:"fill_rate"`
	EligibleMean float64 `json:"eligible_mean"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// GapsReport is the supply–demand gap map over the needs posted in the
// window (cohort).
type GapsReport struct {
	Buckets []Bucket `json:"buckets"` // TimeOfWeekBuckets, in order
	// Cells lists every cell with slots asked, the largest Unfilled first
	// (cells whose Unfilled is withheld after the others), then by
	// district, domain and bucket order. A cell's filled, unfilled and
	// fill rate are withheld when fewer than Filter.MinGroup volunteers
	// reserved its slots; its supply (eligible mean and per slot) when the
	// most eligible volunteers of one of its needs are fewer (the supply
	// behind a cell is at least that many people).
	Cells []GapCell `json:"cells"`
	// Districts lists every district with slots asked, by district code.
	Districts []DistrictGap `json:"districts"`
}

// Gaps computes the gap map.
func Gaps(events []volmatch.Event, f Filter) GapsReport {
	return newLedger(events, f).gaps()
}

func (l *ledger) gaps() GapsReport {
	type cellKey struct {
		district, domain string
		bucket           int
	}
	type acc struct {
		slots, filled, eligible, maxEligible int
		needs, people                        map[string]bool
	}
	cells := map[cellKey]*acc{}
	dist := map[string]*acc{}
	get := func(m map[cellKey]*acc, k cellKey) *acc {
		if m[k] == nil {
			m[k] = &acc{needs: map[string]bool{}, people: map[string]bool{}}
		}
		return m[k]
	}
	for _, n := range l.cohort {
		d := dist[n.attrs.District]
		if d == nil {
			d = &acc{needs: map[string]bool{}, people: map[string]bool{}}
			dist[n.attrs.District] = d
		}
		for _, s := range n.shifts {
			c := get(cells, cellKey{n.attrs.District, n.attrs.Domain, TimeOfWeek(s.Start)})
			for _, a := range []*acc{c, d} {
				a.slots += s.Slots
				a.filled += n.filled(s)
				n.reservers(a.people, s.ID)
				if !a.needs[n.id] {
					a.needs[n.id] = true
					a.eligible += n.eligible
					a.maxEligible = max(a.maxEligible, n.eligible)
				}
			}
		}
	}
	r := GapsReport{Buckets: TimeOfWeekBuckets, Cells: []GapCell{}, Districts: []DistrictGap{}}
	for k, c := range cells {
		if c.slots == 0 {
			continue
		}
		g := GapCell{
			District: k.district, Domain: k.domain, TimeOfWeek: TimeOfWeekBuckets[k.bucket].Key,
			Needs: len(c.needs), Slots: c.slots, Filled: c.filled, Unfilled: c.slots - c.filled,
			FillRate:        ratio(float64(c.filled), float64(c.slots)),
			EligibleMean:    ratio(float64(c.eligible), float64(len(c.needs))),
			EligiblePerSlot: ratio(float64(c.eligible), float64(c.slots)),
		}
		if l.small(len(c.people)) {
			withhold(&g, "filled", "unfilled", "fill_rate")
		}
		if l.small(c.maxEligible) {
			withhold(&g, "eligible_mean", "eligible_per_slot")
		}
		r.Cells = append(r.Cells, g)
	}
	order := map[string]int{}
	for i, b := range TimeOfWeekBuckets {
		order[b.Key] = i
	}
	sort.Slice(r.Cells, func(i, j int) bool {
		a, b := r.Cells[i], r.Cells[j]
		if wa, wb := a.Suppressed.Has("unfilled"), b.Suppressed.Has("unfilled"); wa != wb {
			return wb // an order by a withheld figure would tell it
		}
		if a.Unfilled != b.Unfilled {
			return a.Unfilled > b.Unfilled
		}
		if a.District != b.District {
			return a.District < b.District
		}
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return order[a.TimeOfWeek] < order[b.TimeOfWeek]
	})
	for _, k := range sortedKeys(dist) {
		d := dist[k]
		if d.slots == 0 {
			continue
		}
		g := DistrictGap{
			District: k, Needs: len(d.needs), Slots: d.slots, Filled: d.filled, Unfilled: d.slots - d.filled,
			FillRate:     ratio(float64(d.filled), float64(d.slots)),
			EligibleMean: ratio(float64(d.eligible), float64(len(d.needs))),
		}
		if l.small(len(d.people)) {
			withhold(&g, "filled", "unfilled", "fill_rate")
		}
		if l.small(d.maxEligible) {
			withhold(&g, "eligible_mean")
		}
		r.Districts = append(r.Districts, g)
	}
	return r
}
