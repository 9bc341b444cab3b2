// Package scoring decides whether a volunteer may serve a shift of a need
// and, when they may, how well they fit it. It is pure: no I/O, no clock, no
// globals, no randomness; every date it needs comes from the shift.
//
// # Hard gates
//
// Gate checks the hard constraints in a fixed order and names the first one
// that excludes the volunteer (the names are the Gate* constants):
//
//	skill        every required skill held at or above its minimum level
//	certificate  every required certificate held and valid on the shift's
//	             date: an entry of that name Expires after the shift's End
//	training     every required training completed (先培训再上岗)
//	insurance    when required: InsuredUntil after the shift's End
//	language     when the need lists languages: at least one spoken
//	distance     haversine distance home -> need point at most
//	             min(need.RadiusKm, volunteer.MaxTravelKm)
//	availability Volunteer.AvailableAt(shift.Start, shift.End)
//	busy         the volunteer holds an assignment overlapping the shift
//	             (only when the caller supplies assignments, see Busy)
//
// Skill levels are read clamped to 1..3 (Validate rejects others): a held
// level above 3 counts as 3, a required minimum below 1 as 1 and above 3 as
// 3, a held level below 1 as not held. When a skill is listed twice the
// higher level counts. The gates skill, training, language and distance do
// not depend on the shift (see ShiftIndependent).
//
// # Soft scores
//
// Each soft score is a value in [0,1] multiplied by a named weight
// (Weights); a volunteer's score is the sum of the contributions, and the
// breakdown ([]volmatch.Component, in the order of Names) is both the
// explanation a social worker sees and the feature vector weight fitting
// learns from:
//
//	skill_fit          with required skills: the mean over them of
//	                   base + (1-base)·0.5·rel, where base = (l-m+1)/(4-m) for
//	                   a held level l and minimum m (1 when the volunteer has
//	                   the top level, 1/3 for a basic holder of a basic
//	                   requirement), and rel is the best level/3 among the
//	                   volunteer's other skills that the taxonomy calls
//	                   Related to the required one. Without required skills:
//	                   the best over held skills of level/3 when the skill's
//	                   domain (Taxonomy.DomainOf) is the need's domain, or
//	                   half of that when the skill or its domain is Related to
//	                   the need's domain; 0 when none is.
//	distance           2^(-d/h): 1 at home, 1/2 at h km (Options.DistanceHalfKm,
//	                   3 km by default), 1/4 at 2h.
//	availability_slack the share of the hours around the shift on its day (up
//	                   to Options.SlackHours, 3 by default, before the start
//	                   and after the end, clipped to the shift's calendar
//	                   days in Beijing time) that the weekly pattern marks
//	                   free: a volunteer who is free around the shift is more
//	                   likely to accept than one who squeezes it in. 1 when
//	                   there are no such hours (a shift filling its days).
//	reliability        Stats.Reliability, or Stats.ReliabilityScore() when it
//	                   is 0 (no record yet: a newcomer gets 0.8).
//	load               1/(1+Stats.Load): favours the less used volunteers.
//	domain_preference  1 when need.Domain is a preferred domain, 0.75 when
//	                   its domain (DomainOf) is, 0.5 when a preferred domain
//	                   is Related to either, else 0.
//
// The score does not depend on the gates: Score works on any volunteer, and
// Evaluate returns the first failing gate and the score together.
//
// # Speed
//
// Gate allocates nothing. Scorer.Prepare precomputes a need's shifts (their
// hours of the week and the slack windows) and memoises taxonomy look-ups;
// the matcher prepares each need once and evaluates every candidate with
// Prepared.Evaluate.
package scoring
