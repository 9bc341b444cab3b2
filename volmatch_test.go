package volmatch_test

import (
	"testing"
	"time"

	"volmatch"
)

var monday = time.Date(2026, 11, 2, 0, 0, 0, 0, volmatch.Beijing)

func validNeed() *volmatch.Need {
	at := monday.Add(18 * time.Hour)
	return &volmatch.Need{ID: "N1", Org: "org1", Title: "垃圾分类桶前值守", Domain: "garbage_sorting",
		Mode: volmatch.ModeMenu, Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9, Lng: 116.4},
		RadiusKm: 5, Shifts: []volmatch.Shift{{ID: "s1", Start: at, End: at.Add(2 * time.Hour), Slots: 2}}}
}

func TestNeedValidate(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(n *volmatch.Need)
	}{
		{"valid", "", func(*volmatch.Need) {}},
		{"no id", "id", func(n *volmatch.Need) { n.ID = "" }},
		{"bad id", "id", func(n *volmatch.Need) { n.ID = "N 1" }},
		{"no title", "title", func(n *volmatch.Need) { n.Title = " " }},
		{"bad mode", "mode", func(n *volmatch.Need) { n.Mode = "solo" }},
		{"latitude", "point.lat", func(n *volmatch.Need) { n.Point.Lat = 91 }},
		{"longitude", "point.lng", func(n *volmatch.Need) { n.Point.Lng = -181 }},
		{"radius", "radius_km", func(n *volmatch.Need) { n.RadiusKm = 0 }},
		{"no shifts", "shifts", func(n *volmatch.Need) { n.Shifts = nil }},
		{"end before start", "shifts[0].end", func(n *volmatch.Need) { n.Shifts[0].End = n.Shifts[0].Start.Add(-time.Hour) }},
		{"slots", "shifts[0].slots", func(n *volmatch.Need) { n.Shifts[0].Slots = 0 }},
		{"skill level", "requires.skills[0].level", func(n *volmatch.Need) {
			n.Requires.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 4}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := validNeed()
			tc.edit(n)
			err := n.Validate()
			if got := volmatch.ErrorField(err); got != tc.field {
				t.Fatalf("Validate() field = %q (%v), want %q", got, err, tc.field)
			}
			if tc.field != "" && volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("Validate() code = %q, want %q", volmatch.ErrorCode(err), volmatch.EINVALID)
			}
		})
	}
}

func TestWeek(t *testing.T) {
	// Monday 18:00–20:00 touches hours 18 and 19; Sunday 23:30–Monday 00:30 wraps.
	w := volmatch.ShiftHours(monday.Add(18*time.Hour), monday.Add(20*time.Hour))
	if w.Count() != 2 || !w.Has(18) || !w.Has(19) {
		t.Errorf("ShiftHours(Mon 18–20) = %s, want hours 18 and 19", w)
	}
	sun := monday.AddDate(0, 0, 6).Add(23*time.Hour + 30*time.Minute)
	w = volmatch.ShiftHours(sun, sun.Add(time.Hour))
	if w.Count() != 2 || !w.Has(167) || !w.Has(0) {
		t.Errorf("ShiftHours(Sun 23:30 + 1h) = %s, want hours 167 and 0", w)
	}
	back, err := volmatch.ParseWeek(w.String())
	if err != nil || back != w {
		t.Errorf("ParseWeek(String()) = %v, %v, want %v", back, err, w)
	}
	if _, err := volmatch.ParseWeek("1|0"); err == nil {
		t.Error("ParseWeek(two days) = nil error, want an error")
	}
}

func TestPrepareWrite(t *testing.T) {
	old := validNeed()
	old.Status, old.PostedAt, old.Supply = volmatch.NeedOpen, monday, 7
	old.Shifts[0].Filled = 2
	now := monday.Add(time.Hour)

	n := validNeed()
	if err := n.PrepareWrite(old, now); err != nil {
		t.Fatalf("PrepareWrite(same shifts) = %v", err)
	}
	if n.PostedAt != monday || n.Status != volmatch.NeedOpen || n.Supply != 7 || n.UpdatedAt != now {
		t.Errorf("PrepareWrite kept %v %v %v %v, want the old posting, status, supply and now", n.PostedAt, n.Status, n.Supply, n.UpdatedAt)
	}
	for name, edit := range map[string]func(*volmatch.Need){
		"removed": func(n *volmatch.Need) { n.Shifts[0].ID = "s2" },
		"moved":   func(n *volmatch.Need) { n.Shifts[0].Start = n.Shifts[0].Start.Add(time.Hour) },
		"shrunk":  func(n *volmatch.Need) { n.Shifts[0].Slots = 1 },
	} {
		n := validNeed()
		edit(n)
		if err := n.PrepareWrite(old, now); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("PrepareWrite(shift %s) = %v, want ECONFLICT", name, err)
		}
	}
	fresh := validNeed()
	if err := fresh.PrepareWrite(nil, now); err != nil || fresh.Status != volmatch.NeedOpen || fresh.PostedAt != now {
		t.Errorf("PrepareWrite(new) = %v, status %q posted %v, want open and now", err, fresh.Status, fresh.PostedAt)
	}
}

func TestCheckReservation(t *testing.T) {
	n := validNeed()
	s := n.Shifts[0]
	held := []*volmatch.Assignment{{Volunteer: "V1", Need: "N9", Shift: "x", Start: s.Start.Add(time.Hour), End: s.End.Add(time.Hour), Status: volmatch.AssignReserved}}
	for _, tc := range []struct {
		name   string
		filled int
		held   []*volmatch.Assignment
		ok     bool
	}{
		{"free", 0, nil, true},
		{"full", 2, nil, false},
		{"overlapping shift held", 0, held, false},
		{"overlap freed by a no-show", 0, []*volmatch.Assignment{{Volunteer: "V1", Start: held[0].Start, End: held[0].End, Status: volmatch.AssignNoShow}}, true},
	} {
		err := volmatch.CheckReservation(n, s, tc.filled, tc.held, "V1")
		if (err == nil) != tc.ok || err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("CheckReservation(%s) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestStepApply(t *testing.T) {
	n := validNeed()
	a := &volmatch.Assignment{ID: "A1", Volunteer: "V1", Status: volmatch.AssignReserved}
	var st volmatch.VolunteerStats
	st.Load = 1
	steps := []volmatch.Step{
		{Kind: volmatch.StepCheckIn, At: monday.Add(18 * time.Hour)},
		{Kind: volmatch.StepCheckOut, At: monday.Add(20*time.Hour + 5*time.Minute)},
		{Kind: volmatch.StepRate, Rating: 5},
	}
	for _, s := range steps {
		ev, stats, err := s.Apply(a, n)
		if err != nil {
			t.Fatalf("Apply(%s) = %v", s.Kind, err)
		}
		if ev.Assignment != "A1" || ev.Need != "N1" {
			t.Errorf("Apply(%s) event = %+v, want it to name A1 of N1", s.Kind, ev)
		}
		if stats != nil {
			stats(&st)
		}
	}
	if a.Hours != 2 || st.Hours != 2 || st.Completed != 1 || st.Load != 0 || a.Rating != 5 {
		t.Errorf("after check-in, check-out and rating: hours %v/%v completed %d load %d rating %d, want 2/2 1 0 5",
			a.Hours, st.Hours, st.Completed, st.Load, a.Rating)
	}
	if _, _, err := (volmatch.Step{Kind: volmatch.StepRate, Rating: 4}).Apply(a, n); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("rating twice = %v, want ECONFLICT", err)
	}
	if _, _, err := (volmatch.Step{Kind: volmatch.StepCheckIn}).Apply(a, n); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("check-in after completion = %v, want ECONFLICT", err)
	}
}

// TestCheckOutHoursBoundedByShift: service hours, the record stars and credit
// rest on, never exceed the shift's length, whether stated or timed.
func TestCheckOutHoursBoundedByShift(t *testing.T) {
	n := validNeed()
	start := monday.Add(18 * time.Hour)
	checkedIn := func() *volmatch.Assignment {
		return &volmatch.Assignment{ID: "A1", Volunteer: "V1", Status: volmatch.AssignCheckedIn,
			Start: start, End: start.Add(3 * time.Hour), CheckIn: start}
	}
	for _, tc := range []struct {
		name  string
		step  volmatch.Step
		hours float64
		field string
	}{
		{"stated within the shift", volmatch.Step{Kind: volmatch.StepCheckOut, At: start.Add(3 * time.Hour), Hours: 2.5}, 2.5, ""},
		{"stated over the shift", volmatch.Step{Kind: volmatch.StepCheckOut, At: start.Add(3 * time.Hour), Hours: 150}, 0, "hours"},
		{"timed past the shift's end", volmatch.Step{Kind: volmatch.StepCheckOut, At: start.Add(9 * time.Hour)}, 3, ""},
		{"check-out before check-in with hours", volmatch.Step{Kind: volmatch.StepCheckOut, At: start.Add(-time.Hour), Hours: 1}, 0, "at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := checkedIn()
			_, _, err := tc.step.Apply(a, n)
			if tc.field != "" {
				if volmatch.ErrorField(err) != tc.field || a.Status != volmatch.AssignCheckedIn {
					t.Fatalf("Apply = %v (status %s), want an error on %s and no change", err, a.Status, tc.field)
				}
				return
			}
			if err != nil || a.Hours != tc.hours {
				t.Fatalf("Apply = %v, hours %v, want %v", err, a.Hours, tc.hours)
			}
		})
	}
}

func TestMaskingAndStars(t *testing.T) {
	v := &volmatch.Volunteer{Name: "王小明", Phone: "13812345678", Home: volmatch.Point{Lat: 39.91234, Lng: 116.39876}, Bio: "住在幸福里3号楼", Hidden: &volmatch.HiddenPreferences{}}
	m := v.Masked()
	if m.Name != "王**" || m.Phone != "*******5678" || m.Hidden != nil || m.Bio != "" {
		t.Errorf("Masked() = %q %q bio %q hidden=%v, want 王** *******5678, no bio, nil", m.Name, m.Phone, m.Bio, m.Hidden)
	}
	if want := (volmatch.Point{Lat: 39.91, Lng: 116.4}); m.Home != want {
		t.Errorf("Masked().Home = %v, want %v (about a kilometre)", m.Home, want)
	}
	if v.Home.Lat != 39.91234 {
		t.Errorf("Masked changed the original's home to %v", v.Home)
	}
	for _, tc := range []struct {
		hours float64
		want  int
	}{{99.9, 0}, {100, 1}, {300, 2}, {600, 3}, {999, 3}, {1000, 4}, {1500, 5}} {
		if got := volmatch.Stars(tc.hours); got != tc.want {
			t.Errorf("Stars(%v) = %d, want %d", tc.hours, got, tc.want)
		}
	}
	if got := volmatch.AtIndex("volunteers", 2, volmatch.FieldError("name", "is required")); volmatch.ErrorField(got) != "volunteers[2].name" {
		t.Errorf("AtIndex field = %q, want volunteers[2].name", volmatch.ErrorField(got))
	}
}

func TestNeedWriteEventAndInvitationPrepare(t *testing.T) {
	n := validNeed()
	n.Supply, n.PostedAt = 12, monday
	n.Shifts[0].Filled = 1
	ev, ok := n.WriteEvent(nil, monday.Add(time.Hour))
	if !ok || ev.Type != volmatch.EventNeedPosted || ev.Eligible != 12 || ev.At != monday || len(ev.Shifts) != 1 || ev.Shifts[0].Filled != 0 {
		t.Errorf("WriteEvent(new) = %+v, %v, want need.posted at the posting time with Eligible 12 and unfilled shifts", ev, ok)
	}
	if n.Shifts[0].Filled != 1 {
		t.Errorf("WriteEvent changed the need's Filled to %d", n.Shifts[0].Filled)
	}
	closed := *n
	closed.Status = volmatch.NeedClosed
	if ev, ok := closed.WriteEvent(n, monday); !ok || ev.Type != volmatch.EventNeedClosed {
		t.Errorf("WriteEvent(closing) = %v, %v, want need.closed", ev.Type, ok)
	}
	if _, ok := n.WriteEvent(n, monday); ok {
		t.Error("WriteEvent(unchanged status) = an event, want none")
	}

	inv, err := volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1", Volunteer: "V1"}.Prepare(monday)
	if err != nil || inv.Status != volmatch.InviteSent || inv.SentAt != monday {
		t.Errorf("Prepare = %+v, %v, want sent at monday", inv, err)
	}
	if _, err := (volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1"}).Prepare(monday); volmatch.ErrorField(err) != "volunteer" {
		t.Errorf("Prepare(no volunteer) field = %q, want volunteer", volmatch.ErrorField(err))
	}
	if _, err := (volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1", Volunteer: "V1", Status: volmatch.InviteAccepted}).Prepare(monday); volmatch.ErrorField(err) != "status" {
		t.Errorf("Prepare(accepted) field = %q, want status", volmatch.ErrorField(err))
	}
}

// TestPrepareInvitations: a batch names the first invitation that breaks a
// rule, an ID or a volunteer-and-shift listed twice among them.
func TestPrepareInvitations(t *testing.T) {
	inv := func(id, vol string) *volmatch.Invitation {
		return &volmatch.Invitation{ID: id, Need: "N1", Shift: "S1", Volunteer: vol}
	}
	for _, tc := range []struct {
		name string
		invs []*volmatch.Invitation
		at   int
		code string
	}{
		{"fine", []*volmatch.Invitation{inv("I1", "V1"), inv("I2", "V2")}, -1, ""},
		{"bad id", []*volmatch.Invitation{inv("I1", "V1"), inv("", "V2")}, 1, volmatch.EINVALID},
		{"id twice", []*volmatch.Invitation{inv("I1", "V1"), inv("I1", "V2")}, 1, volmatch.ECONFLICT},
		{"volunteer twice", []*volmatch.Invitation{inv("I1", "V1"), inv("I2", "V2"), inv("I3", "V1")}, 2, volmatch.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, at, err := volmatch.PrepareInvitations(tc.invs, monday)
			if at != tc.at || volmatch.ErrorCode(err) != tc.code {
				t.Fatalf("PrepareInvitations = %d, %v, want %d and code %q", at, err, tc.at, tc.code)
			}
			if err == nil && (len(cs) != len(tc.invs) || cs[0].Status != volmatch.InviteSent || !cs[0].SentAt.Equal(monday)) {
				t.Errorf("PrepareInvitations = %+v, want every invitation sent at %v", cs, monday)
			}
		})
	}
}
