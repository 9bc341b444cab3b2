package matcher

import "volmatch"

// Source yields the volunteers that may be eligible for a need. It must never
// omit one that is eligible for some shift of the need; it may yield any
// number that are not (the scorer gates each exactly).
type Source interface {
	Candidates(n *volmatch.Need, fn func(v *volmatch.Volunteer))
}

// Pruner is a Source that skips volunteers it proves ineligible and accounts
// for them, so that exclusion counts stay exact.
type Pruner interface {
	Source
	// Prune calls fn for every volunteer that may be eligible for one of
	// shifts (shifts of n, at least one) and returns, for every volunteer
	// it did not pass to fn, a count under the first hard gate
	// (scoring.Gate) that volunteer fails on shifts[0]. Every volunteer it
	// skips must be ineligible for all of shifts. Entries are positive.
	Prune(n *volmatch.Need, shifts []volmatch.Shift, fn func(v *volmatch.Volunteer)) volmatch.Exclusions
}

// All returns the exhaustive Source: it yields every volunteer of vs, in
// order. vs is read at each call, not copied.
func All(vs []*volmatch.Volunteer) Source { return all(vs) }

type all []*volmatch.Volunteer

func (a all) Candidates(_ *volmatch.Need, fn func(v *volmatch.Volunteer)) {
	for _, v := range a {
		fn(v)
	}
}

// Bounder gives upper bounds of a volunteer's score on the considered shifts
// from figures an index can hold compactly. scoring.Prepared is one.
type Bounder interface {
	// DomainPreference returns the domain_preference value of a volunteer
	// whose one preferred domain is key.
	DomainPreference(key string) float64
	// BoundFrom returns a score no considered shift gives a volunteer at
	// least minKm from the need, with weekly pattern avail, no skill above
	// maxLevel (clamped, 0..3) and a domain preference value at most pref,
	// whatever their Stats (which may change in place).
	BoundFrom(minKm float64, avail volmatch.Week, maxLevel int, pref float64) float64
}

// FitBounder is a Bounder that also bounds the skill fit by the skills a
// volunteer holds and can take the volunteer's stats, so that an index
// holding skills compactly bounds scores more tightly. scoring.Prepared is
// one.
type FitBounder interface {
	Bounder
	// SkillBound returns a skill_fit value that no volunteer exceeds whose
	// every skill (key at level) has a SkillBound at most that value.
	SkillBound(key string, level int) float64
	// BoundWith is BoundFrom with the skill fit at most skill and, when
	// stats is not nil, the volunteer's current stats.
	BoundWith(minKm float64, avail volmatch.Week, skill, pref float64, stats *volmatch.VolunteerStats) float64
}

// BoundedPruner is a Pruner that can also leave out volunteers it proves
// eligible but unable to enter the ranking, so that the scorer never reads
// them.
type BoundedPruner interface {
	Pruner
	// PruneBounded works as Prune, with fn returning the floor: the score
	// a volunteer must reach to enter the ranking (-Inf while it is not
	// full). It may also leave out, without calling fn, a volunteer who
	// passes every gate but busy on one of shifts and whose bound is below
	// the floor fn last returned; it returns how many it left out that way.
	// The caller must not rank with a busy gate through it.
	PruneBounded(n *volmatch.Need, shifts []volmatch.Shift, b Bounder, fn func(v *volmatch.Volunteer) float64) (volmatch.Exclusions, int)
}

// ShiftHoursSource is a ShiftSource that also hands over, for each shift,
// its index in the need's Shifts, its hours of the week
// (volmatch.ShiftHours of its start and end) and the volunteer's distance
// to the need (as scoring.Reach computes it), so that Menu and RankShifts
// compute none of them. Like Shifts it must never omit an eligible shift; it
// yields only needs within the distance gate, and may leave out shifts whose
// hours the volunteer's weekly availability does not cover.
type ShiftHoursSource interface {
	ShiftSource
	ShiftHours(v *volmatch.Volunteer, fn func(n *volmatch.Need, i int, hours volmatch.Week, dist float64))
}
