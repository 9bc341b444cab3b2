package volmatch_test

import (
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// TestTimesOutOfRange: year 1 and 9999 (and any time outside 2000–2100)
// are refused in every record and step, naming the field.
func TestTimesOutOfRange(t *testing.T) {
	year1 := time.Date(1, 6, 1, 0, 0, 0, 0, time.UTC) // not the zero time, which means "not given"
	year9999 := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name, field string
		check       func() error
	}{
		{"a shift in year 1", "shifts[0].start", func() error {
			n := validNeed()
			n.Shifts[0].Start, n.Shifts[0].End = year1, year1.Add(time.Hour)
			return n.Validate()
		}},
		{"a shift ending in 9999", "shifts[0].end", func() error {
			n := validNeed()
			n.Shifts[0].End = year9999
			return n.Validate()
		}},
		{"a certificate valid to 9999", "certificates[0].expires", func() error {
			return fixture.Volunteer("V1", fixture.Certificates(volmatch.Certificate{Name: "急救证", Expires: year9999})).Validate()
		}},
		{"insured until 9999", "insured_until", func() error {
			return fixture.Volunteer("V1", fixture.InsuredUntil(year9999)).Validate()
		}},
		{"an exception in year 1", "exceptions[0].start", func() error {
			v := fixture.Volunteer("V1")
			v.Exceptions = []volmatch.Exception{{Start: year1, End: monday}}
			return v.Validate()
		}},
		{"an exception from the zero time", "exceptions[0].start", func() error {
			v := fixture.Volunteer("V1")
			v.Exceptions = []volmatch.Exception{{End: monday}}
			return v.Validate()
		}},
		{"a claim valid to 9999", "claims.certificates[0].expires", func() error {
			v := fixture.Volunteer("V1")
			v.Claims = &volmatch.Claims{Certificates: []volmatch.Certificate{{Name: "x", Expires: year9999}}}
			return v.Validate()
		}},
		{"a step at year 1", "at", func() error {
			return volmatch.Step{Kind: volmatch.StepCheckIn, At: year1}.Validate()
		}},
		{"a token expiring in 9999", "expires_at", func() error {
			tok := volmatch.Token{Role: volmatch.RolePlanner, Hash: volmatch.HashToken(volmatch.NewSecret()), ExpiresAt: year9999}
			return tok.Validate()
		}},
		{"an event in year 1", "events[0].at", func() error {
			_, err := volmatch.PrepareEvents([]volmatch.Event{{Type: volmatch.EventNeedPosted, At: year1}}, monday)
			return err
		}},
		{"an invitation sent in 9999", "sent_at", func() error {
			_, err := volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1", Volunteer: "V1", SentAt: year9999}.Prepare(monday)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.check()
			if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != c.field {
				t.Errorf("got %v (field %q), want EINVALID on %s", err, volmatch.ErrorField(err), c.field)
			}
		})
	}
	for _, ok := range []time.Time{{}, volmatch.MinTime, volmatch.MaxTime.Add(-time.Nanosecond), monday} {
		if err := volmatch.CheckTime("t", ok); err != nil {
			t.Errorf("CheckTime(%v) = %v, want nil", ok, err)
		}
	}
}

// TestStepTimeWindows: check-in only from 2 h before the shift to its end,
// check-out no later than 6 h after the end, hours timed within the shift.
func TestStepTimeWindows(t *testing.T) {
	n := validNeed()
	start := monday.Add(18 * time.Hour)
	end := start.Add(3 * time.Hour)
	reserved := func() *volmatch.Assignment {
		return &volmatch.Assignment{ID: "A1", Volunteer: "V1", Status: volmatch.AssignReserved, Start: start, End: end}
	}
	checkedIn := func(at time.Time) *volmatch.Assignment {
		a := reserved()
		a.Status, a.CheckIn = volmatch.AssignCheckedIn, at
		return a
	}
	for _, c := range []struct {
		name  string
		a     *volmatch.Assignment
		step  volmatch.Step
		field string  // "" when accepted
		hours float64 // after a check-out
	}{
		{"check-in a week early", reserved(), volmatch.Step{Kind: volmatch.StepCheckIn, At: start.AddDate(0, 0, -7)}, "at", 0},
		{"check-in 2 h 1 min early", reserved(), volmatch.Step{Kind: volmatch.StepCheckIn, At: start.Add(-2*time.Hour - time.Minute)}, "at", 0},
		{"check-in 2 h early", reserved(), volmatch.Step{Kind: volmatch.StepCheckIn, At: start.Add(-2 * time.Hour)}, "", 0},
		{"check-in at the end", reserved(), volmatch.Step{Kind: volmatch.StepCheckIn, At: end}, "", 0},
		{"check-in after the end", reserved(), volmatch.Step{Kind: volmatch.StepCheckIn, At: end.Add(time.Minute)}, "at", 0},
		{"check-out a day late", checkedIn(start), volmatch.Step{Kind: volmatch.StepCheckOut, At: end.Add(24 * time.Hour)}, "at", 0},
		{"check-out 6 h late", checkedIn(start), volmatch.Step{Kind: volmatch.StepCheckOut, At: end.Add(6 * time.Hour)}, "", 3},
		{"early arrival counts from the start", checkedIn(start.Add(-2 * time.Hour)), volmatch.Step{Kind: volmatch.StepCheckOut, At: start.Add(time.Hour)}, "", 1},
		{"check-out before check-in", checkedIn(start.Add(time.Hour)), volmatch.Step{Kind: volmatch.StepCheckOut, At: start}, "at", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := *c.a
			_, _, err := c.step.Apply(c.a, n)
			if c.field != "" {
				if volmatch.ErrorField(err) != c.field || *c.a != before {
					t.Fatalf("Apply = %v (assignment %+v), want an error on %s and no change", err, c.a, c.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply = %v, want it accepted", err)
			}
			if c.step.Kind == volmatch.StepCheckOut && (c.a.Status != volmatch.AssignCompleted || c.a.Hours != c.hours) {
				t.Errorf("after check-out: %s, %v hours; want completed, %v", c.a.Status, c.a.Hours, c.hours)
			}
		})
	}
}

// TestSelfCheckOutEarnsNothing: a volunteer's own check-out records the
// time and leaves the assignment checked in, with no hours and no stats;
// the organisation's check-out completes it with the hours served.
func TestSelfCheckOutEarnsNothing(t *testing.T) {
	n := validNeed()
	start := monday.Add(18 * time.Hour)
	a := &volmatch.Assignment{ID: "A1", Volunteer: "V1", Status: volmatch.AssignCheckedIn, Start: start, End: start.Add(3 * time.Hour), CheckIn: start}
	left := start.Add(2 * time.Hour)
	ev, stats, err := volmatch.Step{Kind: volmatch.StepCheckOut, At: left, Self: true}.Apply(a, n)
	if err != nil {
		t.Fatalf("self check-out: %v", err)
	}
	if a.Status != volmatch.AssignCheckedIn || a.Hours != 0 || !a.CheckOut.Equal(left) || stats != nil || ev.Type != volmatch.EventCheckOutClaimed || ev.Hours != 0 {
		t.Fatalf("self check-out: status %s hours %v check-out %v stats %v event %s/%v; want checked_in, 0, %v, none, checkout.claimed/0",
			a.Status, a.Hours, a.CheckOut, stats != nil, ev.Type, ev.Hours, left)
	}
	if _, _, err := (volmatch.Step{Kind: volmatch.StepCheckOut, At: left, Self: true}).Apply(a, n); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("a second self check-out = %v, want ECONFLICT", err)
	}
	if _, _, err := (volmatch.Step{Kind: volmatch.StepCheckOut, At: left, Self: true, Hours: 3}).Apply(a, n); volmatch.ErrorCode(err) == "" {
		t.Errorf("a self check-out with hours was accepted")
	}
	ev, stats, err = volmatch.Step{Kind: volmatch.StepCheckOut, At: a.CheckOut}.Apply(a, n)
	if err != nil {
		t.Fatalf("the organisation's check-out: %v", err)
	}
	var st volmatch.VolunteerStats
	stats(&st)
	if a.Status != volmatch.AssignCompleted || a.Hours != 2 || ev.Type != volmatch.EventCheckOut || st.Hours != 2 || st.Completed != 1 {
		t.Errorf("confirmed: status %s hours %v event %s stats %+v; want completed, 2, checkout, 2 hours", a.Status, a.Hours, ev.Type, st)
	}
}

// TestOverrideRecorded: an invitation's override needs a reason within the
// length limit and at least one gate, and its invite.sent carries both.
func TestOverrideRecorded(t *testing.T) {
	inv := volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1", Volunteer: "V1"}
	long := string(make([]rune, volmatch.MaxReasonLen+1))
	for _, c := range []struct {
		name  string
		o     *volmatch.Override
		field string
	}{
		{"no reason", &volmatch.Override{Reason: " ", Gates: []string{"training"}}, "override.reason"},
		{"too long", &volmatch.Override{Reason: long, Gates: []string{"training"}}, "override.reason"},
		{"no gate", &volmatch.Override{Reason: "急需"}, "override.gates"},
	} {
		i := inv
		i.Override = c.o
		if _, err := i.Prepare(monday); volmatch.ErrorField(err) != c.field {
			t.Errorf("Prepare(%s) = %v, want an error on %s", c.name, err, c.field)
		}
	}
	inv.Override = &volmatch.Override{Reason: "急需手语志愿者", Gates: []string{"training", "distance"}}
	p, err := inv.Prepare(monday)
	if err != nil {
		t.Fatal(err)
	}
	inv.Override.Gates[0] = "changed" // the prepared copy is its own
	n := validNeed()
	ev := p.SentEvent(n, n.Shifts[0])
	if ev.Reason != "急需手语志愿者" || !slices.Equal(ev.Gates, []string{"training", "distance"}) || !p.Overrides("distance") || p.Overrides("skill") {
		t.Errorf("invite.sent reason %q gates %v, Overrides(distance) %v; want the override's", ev.Reason, ev.Gates, p.Overrides("distance"))
	}
}

// TestHoldClaims: what a volunteer writes that would qualify them for more
// is held as a claim while the verified values stay in force; what lowers
// a qualification applies at once; pools and verification are not theirs
// to write; Verify turns claims into verified values.
func TestHoldClaims(t *testing.T) {
	year := fixture.Base.AddDate(1, 0, 0)
	old := fixture.Volunteer("V1", func(v *volmatch.Volunteer) {
		v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 1}, {Skill: "patrol", Level: 2}}
		v.Pools = []string{"pool-health"}
		v.VerifiedBy = "O1"
	})
	v := fixture.Volunteer("V1", func(v *volmatch.Volunteer) {
		v.Phone = "13900000000"
		v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}, {Skill: "psych_support", Level: 3}} // raise, add; drop patrol
		v.Certificates = []volmatch.Certificate{{Name: "急救证", Expires: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}, {Name: "心理咨询师证", Expires: year}}
		v.Trainings = []string{"basic", "sign_language"}
		v.InsuredUntil = year.AddDate(5, 0, 0)
		v.Pools = []string{"pool-health", "pool-law"}
		v.VerifiedBy = "me"
	})
	now := fixture.Base.Add(time.Hour)
	v.HoldClaims(old, now)
	if want := []volmatch.SkillLevel{{Skill: "first_aid", Level: 1}}; !slices.Equal(v.Skills, want) {
		t.Errorf("skills = %v, want %v (raise held, new one held, patrol dropped)", v.Skills, want)
	}
	if len(v.Certificates) != 1 || !v.Certificates[0].Expires.Equal(year) {
		t.Errorf("certificates = %v, want 急救证 to %v only", v.Certificates, year)
	}
	if !slices.Equal(v.Trainings, []string{"basic"}) || !v.InsuredUntil.Equal(year) {
		t.Errorf("trainings %v insured %v, want [basic] and %v", v.Trainings, v.InsuredUntil, year)
	}
	if !slices.Equal(v.Pools, []string{"pool-health"}) || v.VerifiedBy != "O1" || v.Phone != "13900000000" {
		t.Errorf("pools %v verified by %q phone %q; want the stored pools and verifier, the new phone", v.Pools, v.VerifiedBy, v.Phone)
	}
	c := v.Claims
	if c == nil || len(c.Skills) != 2 || len(c.Certificates) != 2 || !slices.Equal(c.Trainings, []string{"sign_language"}) ||
		!c.InsuredUntil.Equal(year.AddDate(5, 0, 0)) || !c.At.Equal(now) {
		t.Fatalf("claims = %+v, want 2 skills, 2 certificates, sign_language, insurance, at %v", c, now)
	}

	// Writing back what was read keeps the claims; lowering withdraws.
	again := *v
	again.Claims = nil
	again.HoldClaims(v, now.Add(time.Hour))
	if again.Claims == nil || len(again.Claims.Skills) != 2 || !again.Claims.At.Equal(now) {
		t.Errorf("claims after writing back the record = %+v, want them kept as they were", again.Claims)
	}
	lower := *v
	lower.Claims = nil
	lower.Skills = nil
	lower.InsuredUntil = time.Time{}
	lower.HoldClaims(v, now)
	if lower.SkillLevelOf("first_aid") != 0 || !lower.InsuredUntil.IsZero() || lower.Claims.InsuredUntil.After(time.Time{}) {
		t.Errorf("lowered: first_aid %d insured %v claim %v; want dropped at once, the insurance claim withdrawn",
			lower.SkillLevelOf("first_aid"), lower.InsuredUntil, lower.Claims.InsuredUntil)
	}

	// Verification.
	if err := v.Verify(volmatch.Verification{Skills: []string{"cooking"}}, "O2", now); volmatch.ErrorField(err) != "skills[0]" {
		t.Errorf("Verify(a skill not claimed) = %v, want an error on skills[0]", err)
	}
	if err := v.Verify(volmatch.Verification{}, "O2", now); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("Verify(nothing) = %v, want EINVALID", err)
	}
	if err := v.Verify(volmatch.Verification{Certificates: []string{"急救证"}, Reject: true}, "O2", now); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(volmatch.Verification{Skills: []string{"first_aid"}, Trainings: []string{"sign_language"}}, "O2", now); err != nil {
		t.Fatal(err)
	}
	if v.SkillLevelOf("first_aid") != 3 || !slices.Contains(v.Trainings, "sign_language") || v.VerifiedBy != "O2" ||
		len(v.Claims.Certificates) != 1 || v.Claims.Certificates[0].Name != "心理咨询师证" || !v.Certificates[0].Expires.Equal(year) {
		t.Errorf("after verifying: first_aid %d trainings %v by %q claims %+v certificates %v",
			v.SkillLevelOf("first_aid"), v.Trainings, v.VerifiedBy, v.Claims, v.Certificates)
	}
	if err := v.Verify(volmatch.Verification{All: true}, "admin", now); err != nil || v.Claims != nil || v.SkillLevelOf("psych_support") != 3 {
		t.Errorf("Verify(all) = %v, claims %+v, psych_support %d; want every claim verified", err, v.Claims, v.SkillLevelOf("psych_support"))
	}
	if err := v.Validate(); err != nil {
		t.Errorf("Validate after verification: %v", err)
	}
}

// TestPoolMembersUnique: a pool lists a volunteer once.
func TestPoolMembersUnique(t *testing.T) {
	p := &volmatch.TalentPool{ID: "P1", Name: "法律", Domain: "law", Members: []string{"V1", "V2", "V1"}}
	if err := p.Validate(); volmatch.ErrorField(err) != "members[2]" {
		t.Errorf("Validate(V1 twice) = %v, want an error on members[2]", err)
	}
}
