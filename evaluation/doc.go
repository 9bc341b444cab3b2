// Package evaluation computes the full-process evaluation (全流程评估指标体系)
// of volunteer service from the lifecycle event log alone: the funnel from a
// posted need to a rated service, time to first match and to fill, fill,
// completion, no-show and cancellation rates, satisfaction, hours and star
// levels, fairness of the hours, the supply–demand gap map, the quality of
// the ranked lists (match.shown against outcomes) and weekly trends.
//
// The package is pure: no I/O, no clock, no globals; the same log and
// filter give the same report, with every list in a documented, stable order.
//
// # Two kinds of window
//
// A Filter selects events by the need attributes every event carries
// (district, street, domain, target group, organisation) and by a time
// window [From, To) on the event's At. The window is read in one of two ways,
// named on every field it matters for:
//
//   - Cohort metrics follow the needs POSTED in the window (their need.posted
//     falls in [From, To)) through the whole log, before or after To: the need
//     funnel, time to first match, time to fill, fill rate and the gap map.
//     A need without a need.posted event in the log is not in any cohort.
//   - Activity metrics count the events that HAPPENED in the window: the
//     action funnel, acceptance, completion, no-show and cancellation rates,
//     ratings, hours, fairness, ranking quality (listings shown in the window,
//     judged by outcomes anywhere in the log) and weekly trends.
//
// Events are read in log order: sorted by Seq when Seq is set, otherwise in
// the order given (simulated logs carry no Seq). Assignments are joined by
// Event.Assignment (falling back to need, shift and volunteer when it is
// empty), invitations by Event.Invite.
//
// # Minimum group size
//
// A report narrowed far enough (a one-minute window, one organisation)
// describes one person: their hours, rating, no-show. With Filter.MinGroup
// = k above 1, every figure about people computed from fewer than k of them
// (but at least one) is withheld: zero in Go, null in JSON, its JSON name
// listed in the Suppressed field of its cell, never a silent 0. The people
// behind a figure are the volunteers its events name: who reserved slots
// of the cohort's needs (fill, time to fill, the need funnel from
// accepted), who answered invitations (acceptance), whose assignments were
// resolved (completion, no-show, cancellation), who were rated
// (satisfaction), who checked out (hours, stars, fairness), who were shown
// (ranking quality; per rank, who were shown at it), who took part
// (coverage), per week who reserved, served or were rated; the supply of a
// gap cell is withheld when the most eligible volunteers of one of its
// needs are fewer than k. Counts of what organisations did (needs posted,
// slots asked, candidates shown, invitations sent) stay. A cell of nobody
// says nothing about anyone and is shown. Lists ordered by a figure put
// the cells whose figure is withheld last, so the order does not tell it.
// The engine always applies its minimum (5 by default, DefaultMinGroup).
//
// All reports are JSON-friendly: snake_case tags, rates as fractions in
// [0,1] (0 when the denominator is 0), durations in hours, lists sorted.
package evaluation
