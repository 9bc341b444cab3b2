package engine_test

import (
	"context"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// TestStarProgress: the level and progress of verified hours at and
// around the 100/300/600/1000/1500 h thresholds.
func TestStarProgress(t *testing.T) {
	for _, c := range []struct {
		hours      float64
		level      int
		next, toGo float64
		percent    int
	}{
		{0, 0, 100, 100, 0},
		{99.75, 0, 100, 0.25, 99},
		{100, 1, 300, 200, 0},
		{250, 1, 300, 50, 75},
		{1499, 4, 1500, 1, 99},
		{1500, 5, 0, 0, 100},
		{4000, 5, 0, 0, 100},
	} {
		s := engine.StarProgress(c.hours)
		if s.Level != c.level || s.Next != c.next || s.ToGo != c.toGo || s.Percent != c.percent {
			t.Errorf("StarProgress(%v) = level %d next %v to go %v %d%%, want %d %v %v %d%%",
				c.hours, s.Level, s.Next, s.ToGo, s.Percent, c.level, c.next, c.toGo, c.percent)
		}
	}
}

// TestOpeningBalances: an admin's import of hours from an earlier system
// is validated whole (nothing written on a refusal), counts toward the
// star level with its source, writes hours.opening and star.reached, and
// cannot be imported twice; only an admin imports.
func TestOpeningBalances(t *testing.T) {
	clock := recordClock
	e, st := recordEngine(t, &clock)
	ctx := context.Background()
	asOf := fixture.Base.AddDate(0, -1, 0)
	ob := func(vol string, h float64) *volmatch.OpeningBalance {
		return &volmatch.OpeningBalance{Volunteer: vol, Hours: h, Source: "志愿北京", AsOf: asOf}
	}
	refusals := []struct {
		name  string
		tok   *volmatch.Token
		obs   []*volmatch.OpeningBalance
		code  string
		field string
	}{
		{"a social worker", sw1, []*volmatch.OpeningBalance{ob("V1", 95)}, volmatch.EFORBIDDEN, ""},
		{"a volunteer their own", volunteerToken("V1"), []*volmatch.OpeningBalance{ob("V1", 95)}, volmatch.EFORBIDDEN, ""},
		{"an unregistered volunteer", admin, []*volmatch.OpeningBalance{ob("V1", 95), ob("V404", 3)}, volmatch.EINVALID, "openings[1].volunteer"},
		{"an as-of date to come", admin, []*volmatch.OpeningBalance{ob("V1", 95), {Volunteer: "V2", Hours: 1, Source: "x", AsOf: recordClock.Add(time.Hour)}}, volmatch.EINVALID, "openings[1].as_of"},
		{"hours of 0", admin, []*volmatch.OpeningBalance{ob("V1", 0)}, volmatch.EINVALID, "openings[0].hours"},
		{"none", admin, nil, volmatch.EINVALID, "openings"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.ImportOpenings(ctx, c.tok, c.obs)
			if volmatch.ErrorCode(err) != c.code || volmatch.ErrorField(err) != c.field {
				t.Fatalf("ImportOpenings = %v, want %s on %q", err, c.code, c.field)
			}
			if _, err := st.Opening(ctx, "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Errorf("a refused import wrote V1's balance")
			}
		})
	}
	before := events(t, st)
	got, err := e.ImportOpenings(ctx, admin, []*volmatch.OpeningBalance{ob("V1", 95), ob("V2", 1200)})
	must(t, err)
	if got[0].ImportedBy != "admin" || !got[0].ImportedAt.Equal(recordClock) {
		t.Errorf("stored balance = %+v, want imported by admin at the clock", got[0])
	}
	after := events(t, st)[len(before):]
	// V1: 9.5 + 95 crosses 100 (one star); V2: 3 + 1200 crosses four.
	if count(after, volmatch.EventHoursOpened) != 2 || count(after, volmatch.EventStarReached) != 5 {
		t.Errorf("events of the import = %v, want 2 hours.opening and 5 star.reached", after)
	}
	if _, err := e.ImportOpenings(ctx, admin, []*volmatch.OpeningBalance{ob("V3", 10), ob("V1", 5)}); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("a second balance for V1 = %v, want ECONFLICT", err)
	}

	s, err := e.Stars(ctx, volunteerToken("V1"), "V1")
	must(t, err)
	if s.Level != 1 || s.Hours != 104.5 || s.Recorded != 9.5 || s.Opening == nil || s.Opening.Source != "志愿北京" {
		t.Fatalf("Stars(V1) = level %d, %v h (%v recorded, opening %+v), want 1, 104.5 (9.5, 志愿北京)", s.Level, s.Hours, s.Recorded, s.Opening)
	}
	// 95 opening + 3 (Tue) + 2.5 (Wed) crosses 100 on Wednesday's check-out.
	if len(s.Awards) != 1 || s.Awards[0].Level != 1 || !s.Awards[0].At.Equal(fixture.Base.Add(60*time.Hour)) || s.Awards[0].Opening {
		t.Errorf("Stars(V1).Awards = %+v, want one star reached at Wednesday's check-out", s.Awards)
	}
	s2, err := e.Stars(ctx, admin, "V2")
	must(t, err)
	if s2.Level != 4 || len(s2.Awards) != 4 || !s2.Awards[3].Opening || !s2.Awards[3].At.Equal(asOf) {
		t.Errorf("Stars(V2) = level %d, awards %+v; want 4, all from the opening balance as of %v", s2.Level, s2.Awards, asOf)
	}
	if _, err := e.Stars(ctx, planner, "V1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a planner reading stars = %v, want EFORBIDDEN", err)
	}
	if _, err := e.Stars(ctx, volunteerToken("V2"), "V1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another volunteer reading stars = %v, want EFORBIDDEN", err)
	}
}

// TestStarReachedOnCheckout: the organisation's check-out that takes a
// volunteer over a threshold writes star.reached with the level.
func TestStarReachedOnCheckout(t *testing.T) {
	clock := recordClock
	e, st := recordEngine(t, &clock)
	ctx := context.Background()
	_, err := e.ImportOpenings(ctx, admin, []*volmatch.OpeningBalance{{Volunteer: "V3", Hours: 98, Source: "志愿北京", AsOf: fixture.Base}})
	must(t, err)
	start := recordClock.Add(24 * time.Hour)
	must(t, st.CreateNeed(ctx, fixture.Need("N9", fixture.Shifts(fixture.Shift("s", start, 3*time.Hour, 2)))))
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N9", Shift: "s", Volunteer: "V3"}}, recordClock)
	must(t, err)
	clock = start
	_, err = e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCheckIn})
	must(t, err)
	clock = start.Add(3 * time.Hour)
	_, err = e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCheckOut})
	must(t, err)
	evs, err := st.Events(ctx, 0, 1000)
	must(t, err)
	var reached []volmatch.Event
	for _, ev := range evs {
		if ev.Type == volmatch.EventStarReached {
			reached = append(reached, ev)
		}
	}
	if len(reached) != 1 || reached[0].Volunteer != "V3" || reached[0].Stars != 1 || reached[0].Hours != 101 || !reached[0].At.Equal(clock) {
		t.Errorf("star.reached = %+v, want one: V3, level 1, 101 h, at the check-out", reached)
	}
}
