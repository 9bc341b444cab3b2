package matcher

import (
	"math"
	"sort"

	"volmatch"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// Dispatch tiers (应急动员 through the three tiers of teams), nearest first.
const (
	TierStreet   = "street"   // the volunteer lives in the need's street
	TierDistrict = "district" // in the need's district, another street
	TierCity     = "city"     // anywhere else within reach
)

// DefaultWaveSize is the wave size Dispatch uses when none is given.
const DefaultWaveSize = 10

// DispatchOptions configure Dispatch; the zero value works.
type DispatchOptions struct {
	// WaveSize is the number of invitations a wave sends (DefaultWaveSize
	// when 0 or less). A wave never spans two tiers.
	WaveSize int
	// Exclude lists volunteers already invited (or otherwise not to be
	// asked): they are in no wave.
	Exclude map[string]bool
	// Free is the number of slots still to fill; 0 means the shift's free
	// slots (Slots − Filled). It is reported, not used to cut the plan:
	// how many accept is not known in advance.
	Free int
	// Shift names the shift to fill; "" means the need's first open shift.
	Shift string
	// FirstWave is the number of the first planned wave (1 when 0), so that
	// a dispatch continued after earlier waves keeps counting.
	FirstWave int
	// Busy returns a volunteer's assignments, for the busy gate (nil: none
	// beyond the slots the feature index keeps, which always count).
	Busy func(volunteerID string) []volmatch.Assignment
}

// DispatchWave is one wave of invitations: the volunteers of one tier,
// nearest first.
type DispatchWave struct {
	Tier       string           `json:"tier"`
	Wave       int              `json:"wave"`
	Volunteers []volmatch.Match `json:"volunteers"`
}

// DispatchPlan is the escalation plan for an emergency need.
type DispatchPlan struct {
	Need  string `json:"need"`
	Shift string `json:"shift"`
	Free  int    `json:"free"`
	// Waves are in the order to send them: the street tier's, then the
	// district's, then the city's. Waves[0] is the next to send.
	Waves []DispatchWave `json:"waves"`
	// Eligible counts the eligible volunteers by tier.
	Eligible map[string]int `json:"eligible"`
	// Exclusions counts the volunteers the source yielded that are not
	// eligible, by gate ("consent" for no emergency consent; "excluded"
	// for Exclude).
	Exclusions volmatch.Exclusions `json:"exclusions"`
}

// GateConsent names the dispatch's extra gate: the volunteer has not
// consented to emergency mobilisation (Consent.Emergency).
const GateConsent = "consent"

// Dispatch plans the emergency mobilisation of need n (应急动员): the
// volunteers of feats who pass every hard gate of sc on the shift (the
// busy gate through o.Busy) and have consented to emergency mobilisation,
// minus o.Exclude, in tiers — the need's street, then its district, then
// the rest of the city — nearest first within a tier (ties by volunteer
// ID), cut into waves of o.WaveSize. The caller sends Waves[0], records a
// dispatch.wave event, and calls Dispatch again with the invited volunteers
// in Exclude and FirstWave moved on, until the slots are filled or no wave
// is left. The plan lists every wave so that a coordinator sees how far the
// escalation can go. Dispatch is pure; it returns an EINVALID error when n
// is not an open emergency need or the shift is unknown or full.
func Dispatch(n *volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o DispatchOptions) (DispatchPlan, error) {
	if n.Urgency != volmatch.UrgencyEmergency {
		return DispatchPlan{}, volmatch.FieldError("urgency", "dispatch is for emergency needs; need %s is %s", n.ID, n.Urgency)
	}
	if n.Status != volmatch.NeedOpen && n.Status != "" {
		return DispatchPlan{}, volmatch.Errorf(volmatch.ECONFLICT, "need %s is %s", n.ID, n.Status)
	}
	shifts := OpenShifts(n, o.Shift)
	if len(shifts) == 0 {
		if o.Shift != "" {
			return DispatchPlan{}, volmatch.FieldError("shift", "shift %q of need %s is unknown or full", o.Shift, n.ID)
		}
		return DispatchPlan{}, volmatch.Errorf(volmatch.ECONFLICT, "every shift of need %s is full", n.ID)
	}
	s := shifts[0]
	size := o.WaveSize
	if size <= 0 {
		size = DefaultWaveSize
	}
	first := o.FirstWave
	if first <= 0 {
		first = 1
	}
	plan := DispatchPlan{Need: n.ID, Shift: s.ID, Free: o.Free, Eligible: map[string]int{}, Exclusions: volmatch.Exclusions{}, Waves: []DispatchWave{}}
	if plan.Free <= 0 {
		plan.Free = s.Slots - s.Filled
	}
	p := sc.Prepare(n, []volmatch.Shift{s})
	tiers := map[string][]volmatch.Match{}
	seen := map[string]bool{}
	// The busy gate reads the slots the index keeps (held) and, when set,
	// o.Busy; with no bound, nothing is left out.
	visit := func(v *volmatch.Volunteer, held grid.Held) {
		if seen[v.ID] {
			return
		}
		seen[v.ID] = true
		if o.Exclude[v.ID] {
			plan.Exclusions["excluded"]++
			return
		}
		res := p.Evaluate(v, 0)
		if res.Reason == "" && (held.Busy(s) || o.Busy != nil && scoring.Busy(o.Busy(v.ID), s)) {
			res.Reason = scoring.GateBusy
		}
		if res.Reason == "" && !v.Consent.Emergency {
			res.Reason = GateConsent
		}
		if res.Reason != "" {
			plan.Exclusions[res.Reason]++
			return
		}
		tier := TierCity
		switch {
		case n.Street != "" && v.Street == n.Street:
			tier = TierStreet
		case n.District != "" && v.District == n.District:
			tier = TierDistrict
		}
		tiers[tier] = append(tiers[tier], volmatch.Match{
			Volunteer: v.ID, Need: n.ID, Shift: s.ID, Score: res.Score, DistanceKm: res.DistanceKm,
			Breakdown: sc.Breakdown(res.Values),
		})
	}
	feats.PruneBounded(n, []volmatch.Shift{s}, nil, func(v *volmatch.Volunteer, held grid.Held) float64 {
		visit(v, held)
		return math.Inf(-1)
	})
	wave := first
	for _, tier := range []string{TierStreet, TierDistrict, TierCity} {
		ms := tiers[tier]
		plan.Eligible[tier] = len(ms)
		sort.Slice(ms, func(i, j int) bool {
			if ms[i].DistanceKm != ms[j].DistanceKm {
				return ms[i].DistanceKm < ms[j].DistanceKm
			}
			return ms[i].Volunteer < ms[j].Volunteer
		})
		for lo := 0; lo < len(ms); lo += size {
			w := DispatchWave{Tier: tier, Wave: wave, Volunteers: ms[lo:min(lo+size, len(ms))]}
			for i := range w.Volunteers {
				w.Volunteers[i].Rank = lo + i + 1
			}
			plan.Waves = append(plan.Waves, w)
			wave++
		}
	}
	return plan, nil
}
