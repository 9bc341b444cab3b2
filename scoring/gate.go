package scoring

import (
	"math"
	"time"

	"volmatch"
)

// Names of the hard gates, in the order Gate checks them.
const (
	GateSkill        = "skill"
	GateCertificate  = "certificate"
	GateTraining     = "training"
	GateInsurance    = "insurance"
	GateLanguage     = "language"
	GateDistance     = "distance"
	GateAvailability = "availability"
	GateBusy         = "busy"
)

// Gates returns the names of the hard gates in the order they are checked.
func Gates() []string {
	return []string{GateSkill, GateCertificate, GateTraining, GateInsurance, GateLanguage,
		GateDistance, GateAvailability, GateBusy}
}

// ShiftIndependent reports whether a gate's verdict is the same for every
// shift of a need: a volunteer excluded by it is excluded from them all.
func ShiftIndependent(gate string) bool {
	switch gate {
	case GateSkill, GateTraining, GateLanguage, GateDistance:
		return true
	}
	return false
}

// Gate checks the hard gates of need n's shift s for volunteer v in their
// fixed order and returns the name of the first that fails, "" when all pass.
// The busy gate needs the volunteer's assignments and is checked by Busy.
// Gate allocates nothing.
func Gate(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) string {
	return gate(v, n, s, volmatch.ShiftHours(s.Start, s.End))
}

// gate is Gate with the shift's hours of the week precomputed.
func gate(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift, hours volmatch.Week) string {
	if !HasSkills(v, n.Requires.Skills) {
		return GateSkill
	}
	if !HasCertificates(v, n.Requires.Certificates, s.End) {
		return GateCertificate
	}
	if !HasTrainings(v, n.Requires.Trainings) {
		return GateTraining
	}
	if n.Requires.Insurance && !v.InsuredUntil.After(s.End) {
		return GateInsurance
	}
	if !SpeaksAny(v, n.Requires.Languages) {
		return GateLanguage
	}
	if _, ok := Reach(v, n); !ok {
		return GateDistance
	}
	if !availableHours(v, hours, s.Start, s.End) {
		return GateAvailability
	}
	return ""
}

// Failed returns every hard gate of need n's shift s that volunteer v
// fails, in the order Gate checks them (nil when all pass), the busy gate
// from held, v's holding assignments (see Busy; nil skips it). Gate stops
// at the first; a caller that may let some gates be overridden, or that
// explains a refusal in full, needs them all. Every gate is the same
// function Gate calls, so the two never disagree on the first.
func Failed(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift, held []volmatch.Assignment) []string {
	var out []string
	if !HasSkills(v, n.Requires.Skills) {
		out = append(out, GateSkill)
	}
	if !HasCertificates(v, n.Requires.Certificates, s.End) {
		out = append(out, GateCertificate)
	}
	if !HasTrainings(v, n.Requires.Trainings) {
		out = append(out, GateTraining)
	}
	if n.Requires.Insurance && !v.InsuredUntil.After(s.End) {
		out = append(out, GateInsurance)
	}
	if !SpeaksAny(v, n.Requires.Languages) {
		out = append(out, GateLanguage)
	}
	if _, ok := Reach(v, n); !ok {
		out = append(out, GateDistance)
	}
	if !availableHours(v, volmatch.ShiftHours(s.Start, s.End), s.Start, s.End) {
		out = append(out, GateAvailability)
	}
	if Busy(held, s) {
		out = append(out, GateBusy)
	}
	return out
}

// ClampLevel reads a skill level as the gates do: below 1 is 0 (not held),
// above 3 is 3.
func ClampLevel(l int) int { return min(max(l, 0), 3) }

// ClampMin reads a required minimum level as the gates do: at least 1, at
// most 3.
func ClampMin(l int) int { return min(max(l, 1), 3) }

// LevelOf returns v's level in skill as the gates read it: the highest level
// listed for the skill, clamped to 0..3.
func LevelOf(v *volmatch.Volunteer, skill string) int {
	l := 0
	for _, s := range v.Skills {
		if s.Skill == skill {
			l = max(l, ClampLevel(s.Level))
		}
	}
	return l
}

// HasSkills reports whether v holds every skill of req at or above its
// minimum level (the skill gate).
func HasSkills(v *volmatch.Volunteer, req []volmatch.SkillLevel) bool {
	for _, r := range req {
		if l := LevelOf(v, r.Skill); l == 0 || l < ClampMin(r.Level) {
			return false
		}
	}
	return true
}

// HasCertificates reports whether v holds every certificate of req valid at
// end: some entry of that name Expires after end (the certificate gate).
func HasCertificates(v *volmatch.Volunteer, req []string, end time.Time) bool {
	for _, name := range req {
		ok := false
		for _, c := range v.Certificates {
			if c.Name == name && c.Expires.After(end) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// HasTrainings reports whether v completed every training of req.
func HasTrainings(v *volmatch.Volunteer, req []string) bool {
	for _, t := range req {
		if !containsString(v.Trainings, t) {
			return false
		}
	}
	return true
}

// SpeaksAny reports whether v speaks at least one of langs; true when langs
// is empty.
func SpeaksAny(v *volmatch.Volunteer, langs []string) bool {
	if len(langs) == 0 {
		return true
	}
	for _, l := range langs {
		if containsString(v.Languages, l) {
			return true
		}
	}
	return false
}

// Reach returns the haversine distance in km from v's home to n's point and
// whether it is within min(n.RadiusKm, v.MaxTravelKm) (the distance gate).
// Every user of the distance gate calls this one function, so that the same
// inputs give the same verdict bit for bit.
func Reach(v *volmatch.Volunteer, n *volmatch.Need) (float64, bool) {
	return ReachFrom(v.Home, v.MaxTravelKm, n)
}

// ReachFrom is Reach for a volunteer whose Home is home and MaxTravelKm
// maxKm, for an index that holds copies of the two: the same figures give
// the same verdict bit for bit.
func ReachFrom(home volmatch.Point, maxKm float64, n *volmatch.Need) (float64, bool) {
	d := volmatch.DistanceKm(home, n.Point)
	return d, d <= math.Min(n.RadiusKm, maxKm)
}

// availableHours is Volunteer.AvailableAt with the shift's hours of the week
// precomputed.
func availableHours(v *volmatch.Volunteer, hours volmatch.Week, start, end time.Time) bool {
	if !v.Availability.Covers(hours) {
		return false
	}
	for _, e := range v.Exceptions {
		if e.Start.Before(end) && start.Before(e.End) {
			return false
		}
	}
	return true
}

// Busy reports whether any of held, assignments of one volunteer, holds its
// slot (Status.Holds) and overlaps shift s: the busy gate. An assignment to
// s itself counts, so a volunteer is never offered a shift they hold.
func Busy(held []volmatch.Assignment, s volmatch.Shift) bool {
	for i := range held {
		a := &held[i]
		if a.Status.Holds() && volmatch.Overlap(a.Start, a.End, s.Start, s.End) {
			return true
		}
	}
	return false
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
