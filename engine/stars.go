package engine

import (
	"context"
	"slices"
	"time"

	"volmatch"
)

// Star levels (星级认定): one to five stars at 100/300/600/1000/1500
// verified hours (volmatch.StarHours). Verified hours are those the
// organisations recorded here (check-outs by their staff, corrections
// included) plus an opening balance imported from an earlier system, so a
// city that starts using volmatch keeps everyone's stars. The history (the
// date each level was reached) is derived from those records, which are
// never deleted; reaching a level also writes star.reached, which a
// notification follows.

// MaxOpenings is the most opening balances one import may carry.
const MaxOpenings = 10000

// StarLevel is a volunteer's star level, their progress to the next, and
// the history of levels reached.
type StarLevel struct {
	Level    int     `json:"level"`    // 0..5
	Hours    float64 `json:"hours"`    // verified hours: Recorded + the opening balance
	Recorded float64 `json:"recorded"` // hours recorded here
	Imported float64 `json:"imported"` // hours imported from other deployments (exchange.go)
	Next     float64 `json:"next"`     // hours of the next level; 0 at the top
	ToGo     float64 `json:"to_go"`    // hours still to serve for it
	Percent  int     `json:"percent"`  // progress from this level to the next, 0..100
	// Opening is the balance brought from an earlier system, if any.
	Opening *volmatch.OpeningBalance `json:"opening,omitempty"`
	// Awards are the levels reached, in order, with their dates.
	Awards []volmatch.StarAward `json:"awards"`
}

// StarProgress returns the level of verified hours and the progress to the
// next (no history).
func StarProgress(hours float64) StarLevel {
	s := StarLevel{Hours: hours, Level: volmatch.Stars(hours), Awards: []volmatch.StarAward{}}
	if s.Level == len(volmatch.StarHours) {
		s.Percent = 100
		return s
	}
	prev := 0.0
	if s.Level > 0 {
		prev = volmatch.StarHours[s.Level-1]
	}
	s.Next = volmatch.StarHours[s.Level]
	s.ToGo = s.Next - hours
	s.Percent = int((hours - prev) / (s.Next - prev) * 100)
	return s
}

// Stars returns volunteer id's star level with its history, as tok may
// see the volunteer (themself, an admin, a social worker who may browse
// them; never a planner).
func (e *Engine) Stars(ctx context.Context, tok *volmatch.Token, id string) (*StarLevel, error) {
	if _, err := e.Volunteer(ctx, tok, id); err != nil {
		return nil, err
	}
	return e.stars(ctx, id)
}

// stars computes volunteer id's level and history from the opening
// balance and the completed assignments, in check-out order (ties by
// assignment ID).
func (e *Engine) stars(ctx context.Context, id string) (*StarLevel, error) {
	opening, err := e.opening(ctx, id)
	if err != nil {
		return nil, err
	}
	done, err := e.completed(ctx, id, "")
	if err != nil {
		return nil, err
	}
	imported, err := e.store.ImportedServices(ctx, id)
	if err != nil {
		return nil, err
	}
	// Every service in time order (ties by ID): check-outs here, and the
	// Beijing dates of imported ones.
	type served struct {
		at       time.Time
		id       string
		hours    float64
		imported bool
	}
	all := make([]served, 0, len(done)+len(imported))
	for _, a := range done {
		all = append(all, served{a.CheckOut, a.ID, a.Hours, false})
	}
	for _, x := range imported {
		all = append(all, served{importedAt(x), x.Key, x.Hours, true})
	}
	slices.SortFunc(all, func(a, b served) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return compareStrings(a.id, b.id)
	})
	var awards []volmatch.StarAward
	total, recorded, fromElsewhere := 0.0, 0.0, 0.0
	reach := func(h float64, at time.Time, fromOpening, fromImport bool) {
		for lvl := volmatch.Stars(total) + 1; lvl <= volmatch.Stars(total+h); lvl++ {
			awards = append(awards, volmatch.StarAward{Level: lvl, At: at, Hours: total + h, Opening: fromOpening, Imported: fromImport})
		}
		total += h
	}
	if opening != nil {
		reach(opening.Hours, opening.AsOf, true, false)
	}
	for _, a := range all {
		reach(a.hours, a.at, false, a.imported)
		if a.imported {
			fromElsewhere += a.hours
		} else {
			recorded += a.hours
		}
	}
	s := StarProgress(total)
	s.Recorded, s.Imported, s.Opening = recorded, fromElsewhere, opening
	if awards != nil {
		s.Awards = awards
	}
	return &s, nil
}

// opening returns volunteer id's opening balance, nil when none.
func (e *Engine) opening(ctx context.Context, id string) (*volmatch.OpeningBalance, error) {
	o, err := e.store.Opening(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, nil
	}
	return o, err
}

// completed returns every completed assignment of the volunteer (with org,
// only that organisation's).
func (e *Engine) completed(ctx context.Context, vol, org string) ([]*volmatch.Assignment, error) {
	var out []*volmatch.Assignment
	f := volmatch.AssignmentFilter{Volunteer: vol, Org: org, Status: volmatch.AssignCompleted, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		page, next, err := e.store.Assignments(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// starEvents returns the star.reached events of verified hours moving
// from before to after at t (none when no level is crossed upward).
func starEvents(vol string, before, after float64, at time.Time) []volmatch.Event {
	var evs []volmatch.Event
	for lvl := volmatch.Stars(before) + 1; lvl <= volmatch.Stars(after); lvl++ {
		evs = append(evs, volmatch.Event{Type: volmatch.EventStarReached, At: at, Volunteer: vol, Stars: lvl, Hours: after})
	}
	return evs
}

// noteStars writes star.reached for the levels a step that changed the
// volunteer's recorded hours by delta made them reach. The step is
// durable already: a failure here is logged, and the level is still
// derived from the records (Stars).
func (e *Engine) noteStars(ctx context.Context, vol string, delta float64, at time.Time) {
	if delta <= 0 {
		return
	}
	v, err := e.store.Volunteer(ctx, vol)
	if err != nil {
		e.log.Warn("star level: read volunteer", "err", volmatch.Scrub(err))
		return
	}
	o, err := e.opening(ctx, vol)
	if err != nil {
		e.log.Warn("star level: read opening balance", "err", volmatch.Scrub(err))
		return
	}
	after := v.Stats.Hours
	if o != nil {
		after += o.Hours
	}
	if h, err := e.importedHours(ctx, vol); err == nil {
		after += h
	}
	if evs := starEvents(vol, after-delta, after, at); len(evs) > 0 {
		if err := e.store.AppendEvents(ctx, evs...); err != nil {
			e.log.Warn("star level: append star.reached", "err", volmatch.Scrub(err))
		}
	}
}

// ImportOpenings stores the opening balances obs (hours from an earlier
// system, each with its source and as-of date), admin only: every row
// valid, every volunteer registered and without a balance yet, no as-of
// date after today, or nothing is written (the refusal names
// openings[i]). Each balance writes hours.opening, and star.reached for
// the levels it makes its volunteer reach, in the same write. It returns
// the balances as stored.
func (e *Engine) ImportOpenings(ctx context.Context, tok *volmatch.Token, obs []*volmatch.OpeningBalance) ([]*volmatch.OpeningBalance, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("only an admin imports opening balances")
	}
	switch {
	case len(obs) == 0:
		return nil, volmatch.FieldError("openings", "is required: at least one balance")
	case len(obs) > MaxOpenings:
		return nil, volmatch.FieldError("openings", "at most %d balances at once, got %d", MaxOpenings, len(obs)).WithReason(volmatch.ReasonTooMany)
	}
	if err := volmatch.PrepareOpenings(obs); err != nil {
		return nil, err
	}
	now := e.now()
	out := make([]*volmatch.OpeningBalance, len(obs))
	var evs []volmatch.Event
	for i, o := range obs {
		if o.AsOf.After(now) {
			return nil, volmatch.AtIndex("openings", i, volmatch.FieldError("as_of", "must not be after now: a balance counts hours served"))
		}
		v, err := e.store.Volunteer(ctx, o.Volunteer)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.AtIndex("openings", i, volmatch.FieldError("volunteer", "no volunteer %s is registered", o.Volunteer))
		} else if err != nil {
			return nil, err
		}
		c := *o
		c.ImportedAt, c.ImportedBy = now, "admin"
		out[i] = &c
		ev := volmatch.Event{Type: volmatch.EventHoursOpened, At: c.AsOf, Volunteer: c.Volunteer, Hours: c.Hours, Reason: c.Source}
		evs = append(evs, ev)
		evs = append(evs, starEvents(c.Volunteer, v.Stats.Hours, v.Stats.Hours+c.Hours, now)...)
	}
	if err := e.store.PutOpenings(ctx, out, evs...); err != nil {
		return nil, err
	}
	return out, nil
}
