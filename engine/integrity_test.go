package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// Integrity of the record (issue 13): the hard gates on every path, the
// time rules, the places, and qualifications verified rather than claimed.

// newEngineClock is newEngine with a clock the test moves.
func newEngineClock(t testing.TB, clock *time.Time, vs ...*volmatch.Volunteer) (*engine.Engine, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(vs) > 0 {
		if err := st.PutVolunteers(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	e := engine.New(st, text, tax, engine.Options{Now: func() time.Time { return *clock }})
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st
}

// gatedNeed asks for first aid at level 3, the certificate 心理咨询师证 and
// the training sign_language, on Tuesday 09:00–12:00 within 5 km.
func gatedNeed(id string) *volmatch.Need {
	return fixture.Need(id, fixture.Org(""), fixture.Requires(volmatch.Requirements{
		Skills:       []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}},
		Certificates: []string{"心理咨询师证"},
		Trainings:    []string{"sign_language"},
	}))
}

// qualified holds everything gatedNeed asks.
func qualified(id string, opts ...fixture.VolunteerOption) *volmatch.Volunteer {
	opts = append([]fixture.VolunteerOption{
		fixture.Skills(volmatch.SkillLevel{Skill: "first_aid", Level: 3}),
		fixture.Certificates(volmatch.Certificate{Name: "心理咨询师证", Expires: fixture.Base.AddDate(1, 0, 0)}),
		fixture.Trainings("basic", "sign_language"),
	}, opts...)
	return fixture.Volunteer(id, opts...)
}

// notTuesday is free every hour but Tuesday's.
func notTuesday() volmatch.Week {
	w := fixture.FullWeek()
	var out volmatch.Week
	for h := range volmatch.HoursPerWeek {
		if w.Has(h) && (h < 24 || h >= 48) {
			out.Set(h)
		}
	}
	return out
}

// TestInviteHoldsGates: a listed volunteer without the skill, training or
// certificate, 25 km away and not free that day is refused with 422
// naming volunteers[k] and the gates; with an override reason the
// invitation records the gates, invite.sent carries them and planners
// count it; the busy gate is never overridden.
func TestInviteHoldsGates(t *testing.T) {
	ctx := context.Background()
	far := volmatch.Point{Lat: fixture.Site.Lat + 0.225, Lng: fixture.Site.Lng} // 25 km north
	e, st := newEngine(t,
		qualified("V000"),
		fixture.Volunteer("V001", fixture.At(far), fixture.Travel(30), fixture.Available(notTuesday())),
		qualified("V002"),
	)
	if _, err := e.PostNeed(ctx, sw1, gatedNeed("N1")); err != nil {
		t.Fatal(err)
	}
	_, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000", "V001"}})
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "volunteers[1]" {
		t.Fatalf("Invite(an unqualified volunteer) = %v, want EINVALID on volunteers[1]", err)
	}
	want := []string{scoring.GateSkill, scoring.GateCertificate, scoring.GateTraining, scoring.GateDistance, scoring.GateAvailability}
	for _, g := range want {
		if !strings.Contains(volmatch.ErrorMessage(err), g) {
			t.Errorf("the refusal %q does not name the gate %s", volmatch.ErrorMessage(err), g)
		}
	}
	if n := count(events(t, st), volmatch.EventInviteSent); n != 0 {
		t.Fatalf("%d invitations written by a refused request, want none", n)
	}
	for _, o := range []*engine.InviteOverride{{Reason: "  "}, {Reason: strings.Repeat("因", volmatch.MaxReasonLen+1)}} {
		_, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V001"}, Override: o})
		if volmatch.ErrorField(err) != "override.reason" {
			t.Errorf("Invite(override reason of %d characters) = %v, want an error on override.reason", len([]rune(o.Reason)), err)
		}
	}
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Top: 1, Override: &engine.InviteOverride{Reason: "急需"}}); volmatch.ErrorField(err) != "override" {
		t.Errorf("Invite(top with an override) = %v, want an error on override", err)
	}

	reason := "急需手语志愿者，培训与证书下周补上"
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000", "V001"}, Override: &engine.InviteOverride{Reason: reason}})
	if err != nil {
		t.Fatalf("Invite with an override: %v", err)
	}
	if invs[0].Override != nil {
		t.Errorf("the qualified volunteer's invitation records an override %+v, want none", invs[0].Override)
	}
	if o := invs[1].Override; o == nil || o.Reason != reason || !slices.Equal(o.Gates, want) {
		t.Fatalf("the override recorded = %+v, want %q over %v", o, reason, want)
	}
	stored, err := st.Invitation(ctx, invs[1].ID)
	if err != nil || stored.Override == nil || !slices.Equal(stored.Override.Gates, want) {
		t.Errorf("stored invitation override = %+v, %v; want the gates %v", stored, err, want)
	}
	evs, _ := st.Events(ctx, 0, 100)
	overridden := 0
	for _, ev := range evs {
		if ev.Type == volmatch.EventInviteSent && len(ev.Gates) > 0 {
			overridden++
			if ev.Reason != reason || ev.Volunteer != "V001" || !slices.Equal(ev.Gates, want) {
				t.Errorf("invite.sent of the override = %+v, want V001, the reason and the gates", ev)
			}
		}
	}
	if overridden != 1 {
		t.Errorf("%d invite.sent events with overridden gates, want 1", overridden)
	}
	fu, err := e.Funnel(ctx, planner, evaluation.Filter{})
	if err != nil || fu.Overrides != 1 {
		t.Errorf("Funnel(planner).Overrides = %d, %v; want 1", fu.Overrides, err)
	}
	// The accept re-checks every gate but those overridden.
	if _, err := e.Accept(ctx, volunteerToken("V001"), invs[1].ID); err != nil {
		t.Errorf("Accept(the overridden invitation) = %v, want it accepted", err)
	}

	// Busy: V000 now holds the shift of N1; N2's shift overlaps it.
	if _, err := e.Accept(ctx, volunteerToken("V000"), invs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N2", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	_, err = e.Invite(ctx, sw1, "N2", engine.InviteRequest{Volunteers: []string{"V002", "V000"}, Override: &engine.InviteOverride{Reason: reason}})
	if volmatch.ErrorCode(err) != volmatch.ECONFLICT || volmatch.ErrorField(err) != "volunteers[1]" || !strings.Contains(volmatch.ErrorMessage(err), scoring.GateBusy) {
		t.Errorf("Invite(a busy volunteer, overriding) = %v, want ECONFLICT on volunteers[1] naming busy", err)
	}
}

// TestAcceptRechecksGates: an accept checks the gates again on the
// volunteer's record as it is then, at the shift's dates: a certificate
// that now expires before the shift ends, or insurance lapsed, refuses
// it, even on an invitation that overrode another gate.
func TestAcceptRechecksGates(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, qualified("V000"), qualified("V001", fixture.Trainings("basic")))
	n := gatedNeed("N1")
	n.Requires.Insurance = true
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000", "V001"}, Override: &engine.InviteOverride{Reason: "培训本周完成"}})
	if err != nil {
		t.Fatal(err)
	}
	if !invs[1].Overrides(scoring.GateTraining) {
		t.Fatalf("V001's invitation overrides %+v, want training", invs[1].Override)
	}
	shiftEnd := n.Shifts[0].End
	// Between invitation and accept, V000's certificate is found to end
	// on the shift's day, before its end; V001's insurance lapses.
	v0, _ := st.Volunteer(ctx, "V000")
	v0.Certificates[0].Expires = shiftEnd.Add(-time.Hour)
	if _, err := e.UpdateVolunteer(ctx, admin, "V000", v0); err != nil {
		t.Fatal(err)
	}
	v1, _ := st.Volunteer(ctx, "V001")
	v1.InsuredUntil = shiftEnd.Add(-24 * time.Hour)
	if _, err := e.UpdateVolunteer(ctx, admin, "V001", v1); err != nil {
		t.Fatal(err)
	}
	for i, gate := range []string{scoring.GateCertificate, scoring.GateInsurance} {
		_, err := e.Accept(ctx, volunteerToken(invs[i].Volunteer), invs[i].ID)
		if volmatch.ErrorCode(err) != volmatch.ECONFLICT || !strings.Contains(volmatch.ErrorMessage(err), gate) {
			t.Errorf("Accept(%s) = %v, want ECONFLICT naming %s", invs[i].Volunteer, err, gate)
		}
		if strings.Contains(volmatch.ErrorMessage(err), "training,") {
			t.Errorf("Accept(%s) = %v names the overridden training gate as failed", invs[i].Volunteer, err)
		}
	}
	if n := count(events(t, st), volmatch.EventInviteAccepted); n != 0 {
		t.Errorf("%d accepts written, want none", n)
	}
	// Fixed again, the accept goes through (the training still overridden).
	v1.InsuredUntil = shiftEnd.AddDate(1, 0, 0)
	if _, err := e.UpdateVolunteer(ctx, admin, "V001", v1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Accept(ctx, volunteerToken("V001"), invs[1].ID); err != nil {
		t.Errorf("Accept(V001 insured again) = %v", err)
	}
}

// TestShiftBegun: no invitation and no accept once the shift has begun.
func TestShiftBegun(t *testing.T) {
	ctx := context.Background()
	clock := now
	e, _ := newEngineClock(t, &clock, fixture.Volunteers(3)...)
	n, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org("")))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	clock = n.Shifts[0].Start
	if _, err := e.Accept(ctx, volunteerToken("V000"), invs[0].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Accept at the shift's start = %v, want ECONFLICT", err)
	}
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V001"}}); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Invite at the shift's start = %v, want ECONFLICT", err)
	}
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Top: 1}); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Invite(top) at the shift's start = %v, want ECONFLICT", err)
	}
}

// TestSelfServiceTimes: a volunteer checks in only within 2 h of the
// start, and their own check-out earns nothing until the organisation
// confirms it; the hours then count from the shift's start at the
// server's clock.
func TestSelfServiceTimes(t *testing.T) {
	ctx := context.Background()
	clock := now
	e, st := newEngineClock(t, &clock, fixture.Volunteers(1)...)
	n, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org("")))
	if err != nil {
		t.Fatal(err)
	}
	sh := n.Shifts[0]
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	vol := volunteerToken("V000")
	a, err := e.Accept(ctx, vol, invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// A day early (the attack: check in a week early, check out, hours).
	if _, err := e.Advance(ctx, vol, a.ID, engine.StepRequest{Kind: volmatch.StepCheckIn}); volmatch.ErrorField(err) != "at" {
		t.Fatalf("self check-in a day early = %v, want EINVALID on at", err)
	}
	year1 := time.Date(1, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := e.Advance(ctx, sw1, a.ID, engine.StepRequest{Kind: volmatch.StepCheckIn, At: &year1}); volmatch.ErrorField(err) != "at" {
		t.Fatalf("check-in in year 1 = %v, want EINVALID on at", err)
	}
	clock = sh.Start.Add(-time.Hour)
	if a, err = e.Advance(ctx, vol, a.ID, engine.StepRequest{Kind: volmatch.StepCheckIn}); err != nil {
		t.Fatalf("self check-in an hour early: %v", err)
	}
	clock = sh.Start.Add(2 * time.Hour)
	if a, err = e.Advance(ctx, vol, a.ID, engine.StepRequest{Kind: volmatch.StepCheckOut}); err != nil {
		t.Fatalf("self check-out: %v", err)
	}
	v, _ := st.Volunteer(ctx, "V000")
	if a.Status != volmatch.AssignCheckedIn || a.Hours != 0 || !a.CheckOut.Equal(clock) || v.Stats.Hours != 0 || v.Stats.Completed != 0 {
		t.Fatalf("after the volunteer's own check-out: %s, %v hours, out %v; stats %v hours %d completed; want checked_in, 0, %v, 0, 0",
			a.Status, a.Hours, a.CheckOut, v.Stats.Hours, v.Stats.Completed, clock)
	}
	if _, err := e.Advance(ctx, vol, a.ID, engine.StepRequest{Kind: volmatch.StepRate, Rating: 5}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a volunteer rating = %v, want EFORBIDDEN", err)
	}
	clock = sh.End.Add(24 * time.Hour) // the organisation confirms the next day
	if a, err = e.Advance(ctx, sw1, a.ID, engine.StepRequest{Kind: volmatch.StepCheckOut}); err != nil {
		t.Fatalf("the organisation's confirmation: %v", err)
	}
	v, _ = st.Volunteer(ctx, "V000")
	if a.Status != volmatch.AssignCompleted || a.Hours != 2 || v.Stats.Hours != 2 || v.Stats.Completed != 1 {
		t.Errorf("confirmed: %s, %v hours; stats %v hours, %d completed; want completed, 2 (from the start), 2, 1", a.Status, a.Hours, v.Stats.Hours, v.Stats.Completed)
	}
	ts := events(t, st)
	if count(ts, volmatch.EventCheckOutClaimed) != 1 || count(ts, volmatch.EventCheckOut) != 1 {
		t.Errorf("events %v, want one checkout.claimed and one checkout", ts)
	}
}

// TestNeedPlace: a need's point lies in Beijing, in the district it names
// and near its street.
func TestNeedPlace(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t)
	tiananmen := volmatch.Point{Lat: 39.9087, Lng: 116.3975}
	for i, c := range []struct {
		name             string
		p                volmatch.Point
		district, street string
		field            string
	}{
		{"fixture's place", fixture.Site, fixture.District, fixture.Street, ""},
		{"Tiananmen in Dongcheng", tiananmen, "110101", "110101001000", ""},
		{"Tiananmen said to be in Chaoyang", tiananmen, "110105", "", "point"},
		{"Hebei", volmatch.Point{Lat: 39.523, Lng: 116.704}, "", "", "point"},
		{"Shanghai", volmatch.Point{Lat: 31.2304, Lng: 121.4737}, "110105", "", "point"},
		{"an unknown district", tiananmen, "999999", "", "district"},
		{"a street of another district", tiananmen, "110101", "110105004000", "street"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := fixture.Need(fmt.Sprintf("NP%d", i), fixture.Org(""), fixture.Place(c.p, 5))
			n.District, n.Street = c.district, c.street
			_, err := e.PostNeed(ctx, sw1, n)
			if c.field == "" && err != nil || c.field != "" && (volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != c.field) {
				t.Errorf("PostNeed at %v in %q %q = %v, want field %q", c.p, c.district, c.street, err, c.field)
			}
		})
	}
}

// TestClaimsArePending: a volunteer who raises their skill level, claims
// certificates valid to 2099, a training, insurance and a talent pool
// qualifies for nothing more until staff verify; the pool's record alone
// says who is in it.
func TestClaimsArePending(t *testing.T) {
	ctx := context.Background()
	// Findable: an organisation verifies only volunteers it may browse.
	e, st := newEngine(t, fixture.Volunteers(3, func(v *volmatch.Volunteer) { v.Consent.Findable = true })...)
	if _, err := e.PostNeed(ctx, sw1, gatedNeed("N1")); err != nil {
		t.Fatal(err)
	}
	if err := e.SavePool(ctx, admin, "", &volmatch.TalentPool{ID: "P1", Name: "手语人才库", Domain: "disability_help", Members: []string{"V001"}}); err != nil {
		t.Fatal(err)
	}
	vol := volunteerToken("V000")
	v, err := e.Volunteer(ctx, vol, "V000")
	if err != nil {
		t.Fatal(err)
	}
	y2099 := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	v.Phone = "13911112222"
	v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}}
	v.Certificates = append(v.Certificates, volmatch.Certificate{Name: "心理咨询师证", Expires: y2099})
	v.Certificates[0].Expires = y2099
	v.Trainings = append(v.Trainings, "sign_language")
	v.InsuredUntil = y2099
	v.Pools = []string{"P1"}
	got, err := e.UpdateVolunteer(ctx, vol, "V000", v)
	if err != nil {
		t.Fatalf("UpdateVolunteer(self): %v", err)
	}
	stored, _ := st.Volunteer(ctx, "V000")
	for _, x := range []*volmatch.Volunteer{got, stored} {
		if x.SkillLevelOf("first_aid") != 2 || len(x.Certificates) != 1 || x.Certificates[0].Expires.Equal(y2099) ||
			slices.Contains(x.Trainings, "sign_language") || x.InsuredUntil.Equal(y2099) || len(x.Pools) != 0 || x.Phone != "13911112222" {
			t.Errorf("after claiming: level %d certificates %v trainings %v insured %v pools %v phone %s; want the verified values, no pool, the new phone",
				x.SkillLevelOf("first_aid"), x.Certificates, x.Trainings, x.InsuredUntil, x.Pools, x.Phone)
		}
	}
	if c := stored.Claims; c == nil || len(c.Skills) != 1 || len(c.Certificates) != 2 || len(c.Trainings) != 1 || !c.InsuredUntil.Equal(y2099) {
		t.Fatalf("claims = %+v, want the skill, two certificates, the training and the insurance pending", stored.Claims)
	}
	m, err := e.Matches(ctx, sw1, "N1", engine.RankOptions{K: 5})
	if err != nil || m.Eligible != 0 {
		t.Fatalf("Matches before verification = %d eligible, %v; want none (claims pass no gate)", m.Eligible, err)
	}
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}}); volmatch.ErrorField(err) != "volunteers[0]" {
		t.Errorf("Invite(a volunteer with claims only) = %v, want refused on volunteers[0]", err)
	}

	// Only staff verify.
	for _, tok := range []*volmatch.Token{vol, planner} {
		if _, err := e.VerifyVolunteer(ctx, tok, "V000", volmatch.Verification{All: true}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("VerifyVolunteer(%s) = %v, want EFORBIDDEN", tok.Role, err)
		}
	}
	if _, err := e.VerifyVolunteer(ctx, sw1, "V000", volmatch.Verification{Certificates: []string{"急救证"}, Reject: true}); err != nil {
		t.Fatal(err)
	}
	got, err = e.VerifyVolunteer(ctx, sw1, "V000", volmatch.Verification{All: true})
	if err != nil {
		t.Fatalf("VerifyVolunteer(all): %v", err)
	}
	if got.Claims != nil || got.VerifiedBy != "O1" || got.SkillLevelOf("first_aid") != 3 || !slices.Contains(got.Trainings, "sign_language") {
		t.Errorf("verified: %+v by %q, level %d, trainings %v", got.Claims, got.VerifiedBy, got.SkillLevelOf("first_aid"), got.Trainings)
	}
	if m, err = e.Matches(ctx, sw1, "N1", engine.RankOptions{K: 5}); err != nil || m.Eligible != 1 {
		t.Errorf("Matches after verification = %d eligible, %v; want V000", m.Eligible, err)
	}

	// Pools: the pool's record is the source.
	v1, err := e.Volunteer(ctx, admin, "V001")
	if err != nil || !slices.Equal(v1.Pools, []string{"P1"}) {
		t.Errorf("V001's pools = %v, %v; want [P1] from the pool's record", v1.Pools, err)
	}
	v1.Pools = nil
	if v1, err = e.UpdateVolunteer(ctx, admin, "V001", v1); err != nil || !slices.Equal(v1.Pools, []string{"P1"}) {
		t.Errorf("V001's pools after an update that drops them = %v, %v; want [P1]", v1.Pools, err)
	}
	vs, _, err := e.Volunteers(ctx, admin, volmatch.VolunteerFilter{Pool: "P1"})
	if err != nil || len(vs) != 1 || vs[0].ID != "V001" {
		t.Errorf("Volunteers(pool P1) = %d, %v; want V001 only", len(vs), err)
	}
	if err := e.SavePool(ctx, admin, "P1", &volmatch.TalentPool{Name: "手语人才库", Domain: "disability_help", Members: []string{"V001", "V999"}}); volmatch.ErrorField(err) != "members[1]" {
		t.Errorf("SavePool(an unknown member) = %v, want an error on members[1]", err)
	}
	if err := e.SavePool(ctx, admin, "P1", &volmatch.TalentPool{Name: "手语人才库", Domain: "disability_help", Members: []string{"V000"}}); err != nil {
		t.Fatal(err)
	}
	if v0, _ := e.Volunteer(ctx, vol, "V000"); !slices.Equal(v0.Pools, []string{"P1"}) {
		t.Errorf("V000's pools after the admin added them = %v, want [P1]", v0.Pools)
	}
	if v1, _ := e.Volunteer(ctx, admin, "V001"); len(v1.Pools) != 0 {
		t.Errorf("V001's pools after the admin removed them = %v, want none", v1.Pools)
	}
}

// TestReportTimesInRange: an evaluation window in year 1 or 9999 is
// refused naming from or to.
func TestReportTimesInRange(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	for _, c := range []struct {
		field string
		f     evaluation.Filter
	}{
		{"from", evaluation.Filter{From: time.Date(1, 6, 1, 0, 0, 0, 0, time.UTC)}},
		{"to", evaluation.Filter{To: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		if _, err := e.Funnel(ctx, planner, c.f); volmatch.ErrorField(err) != c.field {
			t.Errorf("Funnel(%+v) = %v, want EINVALID on %s", c.f, err, c.field)
		}
	}
}

// TestVerifyOnlyWhomYouDealWith: an organisation with no dealings with a
// volunteer (not a candidate, never invited, not findable) cannot verify
// their claims; one that invited them can.
func TestVerifyOnlyWhomYouDealWith(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(1)...)
	vol := volunteerToken("V000")
	v, err := e.Volunteer(ctx, vol, "V000")
	if err != nil {
		t.Fatal(err)
	}
	v.Trainings = append(v.Trainings, "sign_language")
	if _, err := e.UpdateVolunteer(ctx, vol, "V000", v); err != nil {
		t.Fatal(err)
	}
	if _, err := e.VerifyVolunteer(ctx, sw2, "V000", volmatch.Verification{All: true}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("VerifyVolunteer by a stranger organisation = %v, want EFORBIDDEN", err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.VerifyVolunteer(ctx, sw1, "V000", volmatch.Verification{All: true})
	if err != nil || got.Claims != nil {
		t.Errorf("VerifyVolunteer by the inviting organisation = %+v, %v; want verified", got, err)
	}
}
