package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// team returns a team of org whose members are vols, the first leading.
func team(id, org string, vols ...string) *volmatch.Team {
	return &volmatch.Team{ID: id, Name: "团队" + id, Org: org, Leader: vols[0], Members: vols,
		District: fixture.District, Street: fixture.Street}
}

// teamInvite invites every member of tm to a shift as one team, with
// invitation IDs PREFIX-k.
func teamInvite(t *testing.T, st volmatch.Store, prefix, needID, shiftID string, tm *volmatch.Team) []string {
	t.Helper()
	invs := make([]*volmatch.Invitation, len(tm.Members))
	ids := make([]string, len(tm.Members))
	for k, v := range tm.Members {
		ids[k] = fmt.Sprintf("%s-%d", prefix, k)
		invs[k] = fixture.Invitation(ids[k], needID, shiftID, v, at(0))
		invs[k].Team = tm.ID
	}
	must(t, "CreateInvitations "+prefix, st.CreateInvitations(context.Background(), invs))
	return ids
}

func testTeams(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4))
	a := team("T1", "O1", "V000", "V001", "V002")
	must(t, "CreateTeam", st.CreateTeam(ctx, a))
	if a.UpdatedAt.IsZero() {
		t.Errorf("CreateTeam left UpdatedAt zero")
	}
	wantCode(t, "CreateTeam twice", st.CreateTeam(ctx, team("T1", "O1", "V000", "V001")), volmatch.ECONFLICT)
	bad := team("T2", "O1", "V000")
	wantCode(t, "CreateTeam of one member", st.CreateTeam(ctx, bad), volmatch.EINVALID)
	bad = team("T2", "O1", "V000", "V001")
	bad.Leader = "V009"
	wantCode(t, "CreateTeam with an outside leader", st.CreateTeam(ctx, bad), volmatch.EINVALID)
	got, err := st.Team(ctx, "T1")
	must(t, "Team", err)
	sameJSON(t, "Team(T1)", got, a)
	_, err = st.Team(ctx, "T9")
	wantCode(t, "Team(T9)", err, volmatch.ENOTFOUND)

	b := team("T2", "O2", "V001", "V003")
	b.Emergency, b.Tier = true, volmatch.TierDistrict
	must(t, "PutTeams", st.PutTeams(ctx, []*volmatch.Team{b}))
	for _, c := range []struct {
		f    volmatch.TeamFilter
		want []string
	}{
		{volmatch.TeamFilter{}, []string{"T1", "T2"}},
		{volmatch.TeamFilter{Org: "O2"}, []string{"T2"}},
		{volmatch.TeamFilter{Member: "V001"}, []string{"T1", "T2"}},
		{volmatch.TeamFilter{Member: "V002"}, []string{"T1"}},
		{volmatch.TeamFilter{Emergency: true}, []string{"T2"}},
		{volmatch.TeamFilter{ListOptions: volmatch.ListOptions{Limit: 1}}, []string{"T1"}},
	} {
		ts, _, err := st.Teams(ctx, c.f)
		must(t, "Teams", err)
		var ids []string
		for _, x := range ts {
			ids = append(ids, x.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("Teams(%+v) = %v, want %v", c.f, ids, c.want)
		}
	}
	a.Members = append(a.Members, "V003")
	must(t, "UpdateTeam", st.UpdateTeam(ctx, a))
	got, _ = st.Team(ctx, "T1")
	if len(got.Members) != 4 {
		t.Errorf("UpdateTeam: members %v, want 4", got.Members)
	}
	wantCode(t, "UpdateTeam(T9)", st.UpdateTeam(ctx, team("T9", "O1", "V000", "V001")), volmatch.ENOTFOUND)
	must(t, "DeleteTeam", st.DeleteTeam(ctx, "T2"))
	wantCode(t, "DeleteTeam again", st.DeleteTeam(ctx, "T2"), volmatch.ENOTFOUND)
	if !hasChange(allChanges(t, st), volmatch.ChangeTeam, "T1") {
		t.Errorf("no team change for T1 in the change feed")
	}
}

// testAcceptAll: a team's invitations are accepted as one, each member's
// slot reserved, the invitations answered and the assignments carrying
// the team; a refusal of one member writes nothing of the others.
func testAcceptAll(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(6), need("N1", "O1", shift("S1", 24, 4, 4)), need("N2", "O1", shift("S1", 25, 2, 5)))
	tm := team("T1", "O1", "V000", "V001", "V002")
	must(t, "CreateTeam", st.CreateTeam(ctx, tm))
	ids := teamInvite(t, st, "IA", "N1", "S1", tm)
	as, err := st.AcceptAll(ctx, ids, at(1))
	must(t, "AcceptAll", err)
	if len(as) != 3 {
		t.Fatalf("AcceptAll: %d assignments, want 3", len(as))
	}
	for k, a := range as {
		if a.Team != "T1" || a.Volunteer != tm.Members[k] || a.Invite != ids[k] || a.ID == "" {
			t.Errorf("AcceptAll assignment %d = %+v, want team T1, volunteer %s, invite %s", k, a, tm.Members[k], ids[k])
		}
		inv, err := st.Invitation(ctx, ids[k])
		must(t, "Invitation", err)
		if inv.Status != volmatch.InviteAccepted {
			t.Errorf("invitation %s is %s, want accepted", ids[k], inv.Status)
		}
	}
	if f := filled(t, st, "N1", "S1"); f != 3 {
		t.Errorf("filled = %d, want 3", f)
	}
	_, err = st.AcceptAll(ctx, ids, at(1))
	wantCode(t, "AcceptAll again", err, volmatch.ECONFLICT)

	// A second team overlapping on V002 (who holds N1/S1): refused whole,
	// naming V002's invitation, and nothing of the others written.
	tm2 := team("T2", "O1", "V003", "V004", "V002")
	must(t, "CreateTeam T2", st.CreateTeam(ctx, tm2))
	ids2 := teamInvite(t, st, "IB", "N2", "S1", tm2)
	before := len(allEvents(t, st))
	_, err = st.AcceptAll(ctx, ids2, at(1))
	wantCode(t, "AcceptAll with a busy member", err, volmatch.ECONFLICT)
	if f := volmatch.ErrorField(err); f != "invitations[2]" {
		t.Errorf("AcceptAll refusal field %q (%v), want invitations[2]", f, err)
	}
	if r := volmatch.ErrorReason(err); r != volmatch.ReasonShiftClash {
		t.Errorf("AcceptAll refusal reason %q, want %s", r, volmatch.ReasonShiftClash)
	}
	if f := filled(t, st, "N2", "S1"); f != 0 {
		t.Errorf("a refused team accept filled %d slots, want 0", f)
	}
	for _, id := range ids2 {
		inv, _ := st.Invitation(ctx, id)
		if inv.Status != volmatch.InviteSent {
			t.Errorf("a refused team accept left invitation %s %s, want sent", id, inv.Status)
		}
	}
	if n := len(allEvents(t, st)); n != before {
		t.Errorf("a refused team accept appended %d events", n-before)
	}
	_, err = st.AcceptAll(ctx, []string{"IB-0", "nope"}, at(1))
	wantCode(t, "AcceptAll of a missing invitation", err, volmatch.ENOTFOUND)
	_, err = st.AcceptAll(ctx, nil, at(1))
	wantCode(t, "AcceptAll of none", err, volmatch.EINVALID)
	_, err = st.AcceptAll(ctx, []string{"IB-0", "IB-0"}, at(1))
	wantCode(t, "AcceptAll twice the same", err, volmatch.EINVALID)
}

// testConcurrentTeamAccepts: teams racing for one shift of 8 slots (teams
// of 3, so at most two fit) and for a second, overlapping shift never
// overfill either, never leave a partial team, and never put a member in
// two overlapping shifts.
func testConcurrentTeamAccepts(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const nTeams, size, slots = 8, 3, 8
	vols := fixture.Volunteers(nTeams * 2)
	seed(t, st, vols, need("N1", "O1", shift("S1", 24, 4, slots)), need("N2", "O1", shift("S1", 26, 4, slots)))
	var groups [][]string
	for i := 0; i < nTeams; i++ {
		// Team i shares a member with team i+1 (mod n): members 2i, 2i+1, 2i+2.
		m := []string{vols[2*i].ID, vols[2*i+1].ID, vols[(2*i+2)%len(vols)].ID}
		tm := team(fmt.Sprintf("T%d", i), "O1", m...)
		must(t, "CreateTeam", st.CreateTeam(ctx, tm))
		for _, n := range []string{"N1", "N2"} {
			groups = append(groups, nil)
			// A member already invited by the neighbouring team to the
			// shift would clash: each team is invited to its own need only
			// when none of its members has a live invitation there.
			ids := make([]string, size)
			invs := make([]*volmatch.Invitation, size)
			for k, v := range m {
				ids[k] = fmt.Sprintf("I%s-%s-%d", n, tm.ID, k)
				invs[k] = fixture.Invitation(ids[k], n, "S1", v, at(0))
				invs[k].Team = tm.ID
			}
			if err := st.CreateInvitations(ctx, invs); err != nil {
				groups = groups[:len(groups)-1]
				continue
			}
			groups[len(groups)-1] = ids
		}
	}
	errs := race(len(groups), func(i int) error {
		_, err := st.AcceptAll(ctx, groups[i], at(1))
		return err
	})
	for i, err := range errs {
		if err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("AcceptAll(%v): %v, want success or a conflict", groups[i], err)
		}
	}
	byTeamShift := map[string]int{}
	byNeed := map[string]int{}
	held := map[string]int{}
	for _, a := range allAssignments(t, st, volmatch.AssignmentFilter{}) {
		byTeamShift[a.Team+"/"+a.Need]++
		byNeed[a.Need]++
		held[a.Volunteer]++
		if a.Team == "" {
			t.Errorf("assignment %s carries no team", a.ID)
		}
	}
	for k, n := range byTeamShift {
		if n != size {
			t.Errorf("team/need %s holds %d slots, want a whole team of %d", k, n, size)
		}
	}
	for _, n := range []string{"N1", "N2"} {
		if byNeed[n] > slots || filled(t, st, n, "S1") != byNeed[n] {
			t.Errorf("need %s: %d assignments, filled %d, slots %d", n, byNeed[n], filled(t, st, n, "S1"), slots)
		}
		if byNeed[n] == 0 {
			t.Errorf("need %s: no team got in", n)
		}
	}
	for v, n := range held {
		if n > 1 {
			t.Errorf("volunteer %s holds %d overlapping shifts", v, n)
		}
	}
}
