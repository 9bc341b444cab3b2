package engine_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// teamNeed is fixture's need asking for teams of size with one first-aider
// (the certificate 急救证), its one shift of slots, and the training
// "basic" of every member.
func teamNeed(id string, size, slots int) *volmatch.Need {
	n := fixture.Need(id, fixture.Org(""), fixture.Requires(volmatch.Requirements{Trainings: []string{"basic"}}))
	n.Shifts[0].Slots = slots
	n.Team = &volmatch.TeamAsk{Size: size, Roles: []volmatch.TeamRole{{Certificate: "急救证", Count: 1}}}
	return n
}

func newTeam(id, org string, members ...string) *volmatch.Team {
	return &volmatch.Team{ID: id, Name: "团队" + id, Org: org, Leader: members[0], Members: members,
		District: fixture.District, Street: fixture.Street}
}

// teamEngine holds V000..V009; V006 lacks the training "basic"; teams T1
// (V000..V004, led by V000), T2 (V005..V007, led by V005, V006 in it) and
// T3 (V007..V009) of O1.
func teamEngine(t *testing.T) (*engine.Engine, volmatch.Store) {
	t.Helper()
	vs := fixture.Volunteers(10)
	vs[6].Trainings = nil
	e, st := newEngine(t, vs...)
	ctx := context.Background()
	for _, tm := range []*volmatch.Team{
		newTeam("T1", "O1", "V000", "V001", "V002", "V003", "V004"),
		newTeam("T2", "O1", "V005", "V006", "V007"),
		newTeam("T3", "O1", "V007", "V008", "V009"),
	} {
		if err := e.SaveTeam(ctx, sw1, "", tm); err != nil {
			t.Fatalf("SaveTeam %s: %v", tm.ID, err)
		}
	}
	return e, st
}

// TestTeamMatchInviteAccept: a team need ranks teams with every member
// gated; a member failing a gate makes the team ineligible with that
// member's reason, masked; the team is invited and accepts as one.
func TestTeamMatchInviteAccept(t *testing.T) {
	ctx := context.Background()
	e, st := teamEngine(t)
	if _, err := e.PostNeed(ctx, sw1, teamNeed("N1", 3, 5)); err != nil {
		t.Fatalf("PostNeed: %v", err)
	}
	m, err := e.TeamMatches(ctx, sw1, "N1", engine.RankOptions{})
	if err != nil {
		t.Fatalf("TeamMatches: %v", err)
	}
	if len(m.Matches) != 2 || m.Matches[0].Rank != 1 {
		t.Fatalf("TeamMatches eligible = %+v, want T1 and T3", m.Matches)
	}
	ids := []string{m.Matches[0].Team, m.Matches[1].Team}
	if !(ids[0] == "T1" && ids[1] == "T3" || ids[0] == "T3" && ids[1] == "T1") {
		t.Errorf("eligible teams %v, want T1 and T3", ids)
	}
	if len(m.Ineligible) != 1 {
		t.Fatalf("ineligible teams = %+v, want T2", m.Ineligible)
	}
	bad := m.Ineligible[0]
	if bad.Team != "T2" || bad.Gate != "training" || bad.MemberIndex != 2 || bad.Member != volmatch.MaskName("测试志愿者") {
		t.Errorf("T2 = %+v, want gate training of member 2, masked", bad)
	}
	if strings.Contains(bad.Detail, "V006") || strings.Contains(bad.Detail, "测试志愿者") {
		t.Errorf("T2's reason %q names the member unmasked", bad.Detail)
	}
	if len(m.Matches[0].Breakdown) == 0 || m.Matches[0].Score <= 0 {
		t.Errorf("a team match has no explanation: %+v", m.Matches[0])
	}

	// Nobody is invited alone to a team need; an ineligible team is refused.
	if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}}); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("Invite a volunteer alone to a team need: %v, want EINVALID", err)
	}
	_, err = e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T2"})
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorReason(err) != volmatch.ReasonGate("training") {
		t.Errorf("InviteTeam(T2) = %v, want EINVALID gate:training", err)
	}
	if _, err := e.InviteTeam(ctx, sw2, "N1", engine.TeamInviteRequest{Team: "T1"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation invites to N1: %v, want EFORBIDDEN", err)
	}
	invs, err := e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T1"})
	if err != nil || len(invs) != 5 {
		t.Fatalf("InviteTeam(T1) = %d, %v; want 5 invitations", len(invs), err)
	}
	if _, err := e.Accept(ctx, volunteerToken("V001"), invs[1].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a member accepts a team invitation alone: %v, want EFORBIDDEN", err)
	}
	if _, err := e.AcceptTeam(ctx, volunteerToken("V001"), invs[1].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a member who is not the leader accepts for the team: %v, want EFORBIDDEN", err)
	}
	as, err := e.AcceptTeam(ctx, volunteerToken("V000"), invs[0].ID)
	if err != nil || len(as) != 5 {
		t.Fatalf("AcceptTeam by the leader = %d, %v; want 5 assignments", len(as), err)
	}
	for _, a := range as {
		if a.Team != "T1" {
			t.Errorf("assignment %s of team %q, want T1", a.ID, a.Team)
		}
	}
	if n, _ := st.Need(ctx, "N1"); n.Shifts[0].Filled != 5 {
		t.Errorf("filled %d, want 5", n.Shifts[0].Filled)
	}
	// Full now: T3 no longer fits.
	m, _ = e.TeamMatches(ctx, sw1, "N1", engine.RankOptions{})
	if len(m.Matches) != 0 {
		t.Errorf("after T1 filled the shift, eligible teams %+v", m.Matches)
	}
}

// TestTeamNeverPartial: a member who declines, or who no longer passes a
// gate, stops the whole team; nothing of it is reserved.
func TestTeamNeverPartial(t *testing.T) {
	ctx := context.Background()
	e, st := teamEngine(t)
	if _, err := e.PostNeed(ctx, sw1, teamNeed("N1", 3, 6)); err != nil {
		t.Fatal(err)
	}
	invs, err := e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decline(ctx, volunteerToken("V008"), invs[1].ID); err != nil {
		t.Fatalf("a member declines: %v", err)
	}
	if _, err := e.AcceptTeam(ctx, volunteerToken("V007"), invs[0].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("AcceptTeam with a member declined: %v, want ECONFLICT", err)
	}

	invs, err = e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	// V003's training is withdrawn after the invitation.
	v, _ := st.Volunteer(ctx, "V003")
	v.Trainings = nil
	if err := st.UpdateVolunteer(ctx, v); err != nil {
		t.Fatal(err)
	}
	_, err = e.AcceptTeam(ctx, volunteerToken("V000"), invs[0].ID)
	if volmatch.ErrorCode(err) != volmatch.ECONFLICT || volmatch.ErrorField(err) != "members[3]" || volmatch.ErrorReason(err) != volmatch.ReasonGate("training") {
		t.Errorf("AcceptTeam with a member failing a gate: %v (field %q), want ECONFLICT on members[3], gate:training", err, volmatch.ErrorField(err))
	}
	if n, _ := st.Need(ctx, "N1"); n.Shifts[0].Filled != 0 {
		t.Errorf("a refused team filled %d slots", n.Shifts[0].Filled)
	}
	if as, _, _ := st.Assignments(ctx, volmatch.AssignmentFilter{Need: "N1"}); len(as) != 0 {
		t.Errorf("a refused team left %d assignments", len(as))
	}
}

// TestTeamConcurrentAccepts: two teams of 3 race for a shift of 5; exactly
// one gets in, whole.
func TestTeamConcurrentAccepts(t *testing.T) {
	ctx := context.Background()
	e, st := teamEngine(t)
	for _, id := range []string{"T4", "T5"} {
		ms := map[string][]string{"T4": {"V000", "V001", "V002"}, "T5": {"V003", "V004", "V009"}}[id]
		if err := e.SaveTeam(ctx, sw1, "", newTeam(id, "O1", ms...)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.PostNeed(ctx, sw1, teamNeed("N1", 3, 5)); err != nil {
		t.Fatal(err)
	}
	var leaders []string
	var ids []string
	for _, id := range []string{"T4", "T5"} {
		invs, err := e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: id})
		if err != nil {
			t.Fatalf("InviteTeam %s: %v", id, err)
		}
		leaders, ids = append(leaders, invs[0].Volunteer), append(ids, invs[0].ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.AcceptTeam(ctx, volunteerToken(leaders[i]), ids[i])
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("AcceptTeam: %v, want success or ECONFLICT", err)
		}
	}
	as, _, _ := st.Assignments(ctx, volmatch.AssignmentFilter{Need: "N1"})
	if ok != 1 || len(as) != 3 {
		t.Errorf("%d teams accepted, %d assignments; want one whole team of 3", ok, len(as))
	}
}

// TestTeamAccess: who writes and reads a team, and what outsiders see.
func TestTeamAccess(t *testing.T) {
	ctx := context.Background()
	e, _ := teamEngine(t)
	if err := e.SaveTeam(ctx, sw2, "T1", newTeam("T1", "O2", "V000", "V001")); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation takes over T1: %v, want EFORBIDDEN", err)
	}
	if err := e.SaveTeam(ctx, sw1, "", newTeam("T9", "O1", "V000", "nobody")); volmatch.ErrorField(err) != "members[1]" {
		t.Errorf("a team with an unregistered member: %v, want members[1]", err)
	}
	if err := e.SaveTeam(ctx, volunteerToken("V000"), "", newTeam("T9", "O1", "V000", "V001")); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a volunteer writes a team: %v, want EFORBIDDEN", err)
	}
	if _, err := e.Team(ctx, planner, "T1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a planner reads a team: %v, want EFORBIDDEN", err)
	}
	if _, err := e.Team(ctx, volunteerToken("V009"), "T1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("an outside volunteer reads T1: %v, want EFORBIDDEN", err)
	}
	out, err := e.Team(ctx, sw2, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if out.Manage || len(out.Members) != 0 || out.Leader != "" || out.Org != "" || len(out.Roster) != 5 {
		t.Errorf("an outsider's view of T1 = %+v, want the roster masked, no IDs", out)
	}
	for _, m := range out.Roster {
		if m.ID != "" || m.Name != volmatch.MaskName("测试志愿者") {
			t.Errorf("outsider's roster entry %+v, want a masked name and no ID", m)
		}
	}
	mine, _, err := e.Teams(ctx, volunteerToken("V007"), volmatch.TeamFilter{})
	if err != nil || len(mine) != 2 || mine[0].Manage || len(mine[0].Members) != 0 {
		t.Errorf("V007's teams = %d, %v; want T2 and T3, the other members' IDs hidden", len(mine), err)
	}
	if _, _, err := e.Teams(ctx, sw2, volmatch.TeamFilter{Org: "O1"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation lists O1's teams: %v, want EFORBIDDEN", err)
	}
}

// TestTeamSearch: teams are found by text (the domain's Chinese name
// too) and by place, by their organisation's staff and admins only, with
// their member count, never their members.
func TestTeamSearch(t *testing.T) {
	ctx := context.Background()
	e, _ := teamEngine(t)
	psy := newTeam("TP", "O1", "V001", "V002")
	psy.Name, psy.Domain, psy.Description = "朝阳心理援助队", "psychology", "为社区居民提供心理疏导"
	if err := e.SaveTeam(ctx, sw1, "", psy); err != nil {
		t.Fatal(err)
	}
	em := newTeam("TE", "O2", "V003", "V004")
	em.Name, em.Emergency, em.Tier = "建外街道应急救援队", true, volmatch.TierStreet
	if err := e.SaveTeam(ctx, sw2, "", em); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		q    volmatch.SearchQuery
		want []string
	}{
		{"心理 finds the psychology team", sw1, volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangeTeam}, []string{"TP"}},
		{"another organisation does not find it", sw2, volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangeTeam}, nil},
		{"a volunteer finds no team", volunteerToken("V001"), volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangeTeam}, nil},
		{"emergency tier words", sw2, volmatch.SearchQuery{Text: "应急", Kind: volmatch.ChangeTeam}, []string{"TE"}},
		{"by place", admin, volmatch.SearchQuery{Kind: volmatch.ChangeTeam, Near: &fixture.Site, WithinKm: 5, Text: "援助"}, []string{"TP"}},
		{"by district", admin, volmatch.SearchQuery{Kind: volmatch.ChangeTeam, District: fixture.District, Text: "应急"}, []string{"TE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.Search(ctx, c.tok, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := foundIDs(p); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("Search(%+v) = %v, want %v", c.q, got, c.want)
			}
			for _, f := range p.Items {
				if f.Record == nil || f.Record.Count != 2 {
					t.Errorf("hit %s carries %+v, want a count of 2", f.ID, f.Record)
				}
			}
		})
	}
}

// TestTeamDispatchTiers: an emergency dispatch asks the standing teams
// first, street tier, then district, then city, then single volunteers;
// a team with a member who did not consent to emergency mobilisation is
// not asked.
func TestTeamDispatchTiers(t *testing.T) {
	ctx := context.Background()
	vs := fixture.Volunteers(12)
	for _, v := range vs {
		v.Consent.Emergency = true
	}
	vs[11].Consent.Emergency = false
	e, st := newEngine(t, vs...)
	mk := func(id string, tier volmatch.TeamTier, district, street string, ms ...string) {
		tm := newTeam(id, "O1", ms...)
		tm.Emergency, tm.Tier, tm.District, tm.Street = true, tier, district, street
		if err := e.SaveTeam(ctx, sw1, "", tm); err != nil {
			t.Fatalf("SaveTeam %s: %v", id, err)
		}
	}
	mk("TC", volmatch.TierCity, "110101", "110101001000", "V000", "V001")
	mk("TD", volmatch.TierDistrict, fixture.District, "110105002000", "V002", "V003")
	mk("TS", volmatch.TierStreet, fixture.District, fixture.Street, "V004", "V005")
	mk("TX", volmatch.TierStreet, fixture.District, fixture.Street, "V010", "V011") // V011 did not consent
	mk("TO", volmatch.TierStreet, fixture.District, "110105002000", "V006", "V007") // another street
	n := fixture.Need("N1", fixture.Org(""))
	n.Urgency, n.Shifts[0].Slots = volmatch.UrgencyEmergency, 8
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	p, err := e.NextWave(ctx, sw1, "N1", engine.DispatchRequest{})
	if err != nil || p.Tier != "team:street" || len(p.Teams) != 1 || p.Teams[0].Team != "TS" {
		t.Fatalf("NextWave = %+v, %v; want the street tier's team TS", p, err)
	}
	var tiers []string
	var teams []string
	for range 4 {
		w, err := e.Dispatch(ctx, sw1, "N1", engine.DispatchRequest{WaveSize: 2})
		if err != nil {
			t.Fatalf("Dispatch: %v", err)
		}
		tiers = append(tiers, w.Tier)
		seen := map[string]bool{}
		for _, inv := range w.Invitations {
			if inv.Team != "" && !seen[inv.Team] {
				seen[inv.Team] = true
				teams = append(teams, inv.Team)
			}
		}
	}
	if strings.Join(tiers[:3], " ") != "team:street team:district team:city" || strings.HasPrefix(tiers[3], "team:") {
		t.Errorf("dispatch tiers = %v, want street, district and city teams, then single volunteers", tiers)
	}
	if strings.Join(teams, " ") != "TS TD TC" {
		t.Errorf("teams asked = %v, want TS TD TC", teams)
	}
	if got := count(events(t, st), volmatch.EventDispatchWave); got != 4 {
		t.Errorf("dispatch.wave events = %d, want 4", got)
	}
}

// TestTeamBatch: a batch fills a team need with whole teams first and the
// other needs with single volunteers, never a team need with single
// volunteers, never a member in two overlapping shifts.
func TestTeamBatch(t *testing.T) {
	ctx := context.Background()
	e, st := teamEngine(t)
	if _, err := e.PostNeed(ctx, sw1, teamNeed("N1", 3, 7)); err != nil {
		t.Fatal(err)
	}
	n2 := fixture.Need("N2", fixture.Org("")) // the same time as N1
	n2.Shifts[0].Slots = 10
	if _, err := e.PostNeed(ctx, sw1, n2); err != nil {
		t.Fatal(err)
	}
	dry := true
	b, err := e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"N1", "N2"}, DryRun: &dry})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if len(b.Teams) != 1 || b.Teams[0].Team != "T1" || len(b.Teams[0].Members) != 5 {
		t.Fatalf("team placements = %+v, want T1 whole (T3 no longer fits beside it)", b.Teams)
	}
	for _, p := range b.Plan.Placements {
		if p.Need == "N1" {
			t.Errorf("a single volunteer %s placed on the team need", p.Volunteer)
		}
	}
	b, err = e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"N1", "N2"}, DryRun: new(bool)})
	if err != nil {
		t.Fatalf("Batch commit: %v", err)
	}
	held := map[string]int{}
	all, _, _ := st.Assignments(ctx, volmatch.AssignmentFilter{})
	for _, a := range all {
		held[a.Volunteer]++
		if a.Need == "N1" && a.Team != "T1" {
			t.Errorf("N1 assignment %s of team %q, want T1", a.ID, a.Team)
		}
	}
	for v, k := range held {
		if k > 1 {
			t.Errorf("volunteer %s holds %d overlapping shifts", v, k)
		}
	}
	if held["V000"] != 1 || len(all) != 10 {
		t.Errorf("%d assignments (%v), want T1's 5 and 5 single volunteers on N2", len(all), held)
	}
}

// TestTeamHostile: what a hostile caller tries — a huge team, a member
// twice, a place that is not one, a retried invitation or accept, another
// organisation's staff accepting, an unknown team — is refused, naming
// the field, and writes nothing.
func TestTeamHostile(t *testing.T) {
	ctx := context.Background()
	e, st := teamEngine(t)
	big := make([]string, volmatch.MaxTeamMembers+1)
	for i := range big {
		big[i] = "V000"
	}
	cases := []struct {
		name  string
		team  *volmatch.Team
		field string
	}{
		{"too many members", newTeam("TB", "O1", big...), "members"},
		{"a member twice", newTeam("TB", "O1", "V000", "V001", "V000"), "members[2]"},
		{"an unknown street", func() *volmatch.Team { x := newTeam("TB", "O1", "V000", "V001"); x.Street = "999"; return x }(), "street"},
		{"a street of another district", func() *volmatch.Team { x := newTeam("TB", "O1", "V000", "V001"); x.District = "110101"; return x }(), "district"},
		{"a tier without emergency", func() *volmatch.Team { x := newTeam("TB", "O1", "V000", "V001"); x.Tier = volmatch.TierCity; return x }(), "tier"},
		{"emergency without a tier", func() *volmatch.Team { x := newTeam("TB", "O1", "V000", "V001"); x.Emergency = true; return x }(), "tier"},
		{"a huge name", func() *volmatch.Team {
			x := newTeam("TB", "O1", "V000", "V001")
			x.Name = strings.Repeat("队", 101)
			return x
		}(), "name"},
	}
	for _, c := range cases {
		err := e.SaveTeam(ctx, sw1, "", c.team)
		if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != c.field {
			t.Errorf("%s: %v (field %q), want EINVALID on %s", c.name, err, volmatch.ErrorField(err), c.field)
		}
	}
	if _, err := st.Team(ctx, "TB"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("a refused team was stored: %v", err)
	}
	bad := teamNeed("NB", 3, 5)
	bad.Team.Roles = []volmatch.TeamRole{{Skill: "first_aid", Certificate: "急救证", Count: 1}}
	if _, err := e.PostNeed(ctx, sw1, bad); volmatch.ErrorField(err) != "team.roles[0]" {
		t.Errorf("a role naming both a skill and a certificate: %v, want team.roles[0]", err)
	}
	bad = teamNeed("NB", 6, 5)
	if _, err := e.PostNeed(ctx, sw1, bad); volmatch.ErrorField(err) != "shifts[0].slots" {
		t.Errorf("a team bigger than the shift: %v, want shifts[0].slots", err)
	}

	if _, err := e.PostNeed(ctx, sw1, teamNeed("N1", 3, 5)); err != nil {
		t.Fatal(err)
	}
	invs, err := e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.InviteTeam(ctx, sw1, "N1", engine.TeamInviteRequest{Team: "T3"}); volmatch.ErrorCode(err) != volmatch.ECONFLICT || volmatch.ErrorField(err) != "team" {
		t.Errorf("the same team invited twice: %v, want ECONFLICT on team", err)
	}
	if _, err := e.AcceptTeam(ctx, sw2, invs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation accepts for the team: %v, want EFORBIDDEN", err)
	}
	if _, err := e.AcceptTeam(ctx, sw1, invs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("the organisation accepts for the team: %v, want EFORBIDDEN (the leader answers)", err)
	}
	if _, err := e.AcceptTeam(ctx, volunteerToken("V007"), invs[0].ID); err != nil {
		t.Fatalf("the leader's accept: %v", err)
	}
	if _, err := e.AcceptTeam(ctx, volunteerToken("V007"), invs[0].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("a retried accept: %v, want ECONFLICT (answered), nothing twice", err)
	}
	if as, _, _ := st.Assignments(ctx, volmatch.AssignmentFilter{Need: "N1"}); len(as) != 3 {
		t.Errorf("after a retried accept, %d assignments, want 3", len(as))
	}
	// An unknown team.
	if _, err := e.PostNeed(ctx, sw1, teamNeed("N2", 2, 5)); err != nil {
		t.Fatal(err)
	}
	inv2, err := e.InviteTeam(ctx, sw1, "N2", engine.TeamInviteRequest{Team: "T4x"})
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "team" || inv2 != nil {
		t.Errorf("an unknown team: %v, want EINVALID on team", err)
	}
}
