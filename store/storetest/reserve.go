package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

func testInvitations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(2), need("N1", "O1", shift("S1", 24, 3, 2)))
	inv := &volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V000", Status: volmatch.InviteSent, SentAt: at(1), Rank: 3, Score: 0.75, Wave: 2}
	must(t, "CreateInvitation", st.CreateInvitation(ctx, inv))
	got, err := st.Invitation(ctx, "I1")
	must(t, "Invitation", err)
	sameJSON(t, "Invitation(I1)", got, &volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V000", Org: "O1",
		Status: volmatch.InviteSent, SentAt: at(1), Rank: 3, Score: 0.75, Wave: 2})
	sent := eventsOf(allEvents(t, st), volmatch.EventInviteSent)
	if len(sent) != 1 {
		t.Fatalf("invite.sent events = %d, want 1", len(sent))
	}
	if e := sent[0]; e.Invite != "I1" || e.Volunteer != "V000" || e.Shift != "S1" || e.Need != "N1" || e.Org != "O1" ||
		e.Rank != 3 || e.Score != 0.75 || e.Wave != 2 || !e.At.Equal(at(1)) || !e.ShiftStart.Equal(at(24)) || !e.ShiftEnd.Equal(at(27)) {
		t.Errorf("invite.sent = %+v, want I1 to V000 for N1/S1, rank 3, score 0.75, wave 2, at %v", e, at(1))
	}

	cases := []struct {
		name string
		inv  volmatch.Invitation
		code string
	}{
		{"existing ID", volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V001"}, volmatch.ECONFLICT},
		{"live invitation to the same shift", volmatch.Invitation{ID: "I2", Need: "N1", Shift: "S1", Volunteer: "V000"}, volmatch.ECONFLICT},
		{"missing need", volmatch.Invitation{ID: "I3", Need: "N404", Shift: "S1", Volunteer: "V001"}, volmatch.ENOTFOUND},
		{"missing shift", volmatch.Invitation{ID: "I4", Need: "N1", Shift: "S404", Volunteer: "V001"}, volmatch.ENOTFOUND},
		{"missing volunteer", volmatch.Invitation{ID: "I5", Need: "N1", Shift: "S1", Volunteer: "V404"}, volmatch.ENOTFOUND},
		{"no ID", volmatch.Invitation{Need: "N1", Shift: "S1", Volunteer: "V001"}, volmatch.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, st)
			inv := c.inv
			inv.SentAt = at(1)
			wantCode(t, "CreateInvitation: "+c.name, st.CreateInvitation(ctx, &inv), c.code)
			unchanged(t, "CreateInvitation: "+c.name, st, before)
		})
	}
	_, err = st.Invitation(ctx, "I404")
	wantCode(t, "Invitation(I404)", err, volmatch.ENOTFOUND)

	// A closed need takes no invitations.
	n := need("N1", "O1", shift("S1", 24, 3, 2))
	n.Status = volmatch.NeedClosed
	must(t, "UpdateNeed close", st.UpdateNeed(ctx, n))
	wantCode(t, "CreateInvitation to a closed need", st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I6", Need: "N1", Shift: "S1", Volunteer: "V001", SentAt: at(1)}), volmatch.ECONFLICT)

	// Listing with filters.
	seed(t, st, nil, need("N2", "O2", shift("S1", 24, 3, 2)))
	invite(t, st, "I7", "N2", "S1", "V000")
	invite(t, st, "I8", "N2", "S1", "V001")
	for _, c := range []struct {
		f    volmatch.InvitationFilter
		want string
	}{
		{volmatch.InvitationFilter{}, "[I1 I7 I8]"},
		{volmatch.InvitationFilter{Need: "N2"}, "[I7 I8]"},
		{volmatch.InvitationFilter{Volunteer: "V000"}, "[I1 I7]"},
		{volmatch.InvitationFilter{Org: "O1"}, "[I1]"},
		{volmatch.InvitationFilter{Status: volmatch.InviteAccepted}, "[]"},
		{volmatch.InvitationFilter{ListOptions: volmatch.ListOptions{After: "I1", Limit: 1}}, "[I7]"},
	} {
		invs, _, err := st.Invitations(ctx, c.f)
		must(t, "Invitations", err)
		var ids []string
		for _, inv := range invs {
			ids = append(ids, inv.ID)
		}
		if got := fmt.Sprint(ids); got != c.want && !(c.want == "[]" && len(ids) == 0) {
			t.Errorf("Invitations(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func testAccept(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(2), need("N1", "O1", shift("S1", 24, 3, 2)))
	invite(t, st, "I1", "N1", "S1", "V000")
	before, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	a, err := st.Accept(ctx, "I1", at(2))
	must(t, "Accept", err)
	if a.ID == "" || a.Need != "N1" || a.Shift != "S1" || a.Volunteer != "V000" || a.Org != "O1" || a.Invite != "I1" ||
		a.Status != volmatch.AssignReserved || !a.Start.Equal(at(24)) || !a.End.Equal(at(27)) || !a.CreatedAt.Equal(at(2)) {
		t.Errorf("Accept(I1) = %+v, want a reserved assignment of V000 to N1/S1 from I1 created at %v", a, at(2))
	}
	got, err := st.Assignment(ctx, a.ID)
	must(t, "Assignment", err)
	sameJSON(t, "Assignment after accept", got, a)
	if f := filled(t, st, "N1", "S1"); f != 1 {
		t.Errorf("Need(N1).Shifts[S1].Filled = %d after accept, want 1", f)
	}
	inv, err := st.Invitation(ctx, "I1")
	must(t, "Invitation", err)
	if inv.Status != volmatch.InviteAccepted || !inv.RespondedAt.Equal(at(2)) {
		t.Errorf("Invitation(I1) = %s responded %v, want accepted at %v", inv.Status, inv.RespondedAt, at(2))
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.Load != 1 {
		t.Errorf("Volunteer(V000).Stats.Load = %d after accept, want 1", v.Stats.Load)
	}
	acc := eventsOf(allEvents(t, st), volmatch.EventInviteAccepted)
	if len(acc) != 1 {
		t.Fatalf("invite.accepted events = %d, want 1", len(acc))
	}
	if e := acc[0]; e.Assignment != a.ID || e.Invite != "I1" || e.Volunteer != "V000" || e.Need != "N1" || e.Shift != "S1" ||
		e.Org != "O1" || e.District != "110105" || !e.At.Equal(at(2)) || !e.ShiftStart.Equal(at(24)) || !e.ShiftEnd.Equal(at(27)) {
		t.Errorf("invite.accepted = %+v, want assignment %s of V000 for N1/S1 via I1 at %v", e, a.ID, at(2))
	}
	cs, err := st.Changes(ctx, before, 100)
	must(t, "Changes", err)
	if !hasChange(cs, volmatch.ChangeNeed, "N1") {
		t.Errorf("changes after accept = %+v, want one for need N1 (its fill count moved)", cs)
	}

	refused(t, st, "Accept(I1) twice", volmatch.ECONFLICT, func() error {
		_, err := st.Accept(ctx, "I1", at(3))
		return err
	})
	_, err = st.Accept(ctx, "I404", at(3))
	wantCode(t, "Accept(I404)", err, volmatch.ENOTFOUND)
	_, err = st.Assignment(ctx, "A404")
	wantCode(t, "Assignment(A404)", err, volmatch.ENOTFOUND)

	// After the accept the volunteer may be invited again (the invitation
	// is no longer live), but cannot take the same shift twice.
	invite(t, st, "I2", "N1", "S1", "V000")
	_, err = st.Accept(ctx, "I2", at(3))
	wantCode(t, "Accept(I2) of a shift already held", err, volmatch.ECONFLICT)
	if f := filled(t, st, "N1", "S1"); f != 1 {
		t.Errorf("Filled = %d after a refused accept, want 1", f)
	}
}

func hasChange(cs []volmatch.Change, kind volmatch.ChangeKind, id string) bool {
	for _, c := range cs {
		if c.Kind == kind && c.ID == id {
			return true
		}
	}
	return false
}

func testAcceptFull(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 1)))
	invite(t, st, "I1", "N1", "S1", "V000")
	invite(t, st, "I2", "N1", "S1", "V001")
	_, err := st.Accept(ctx, "I1", at(2))
	must(t, "Accept(I1)", err)
	refused(t, st, "Accept(I2) of a full shift", volmatch.ECONFLICT, func() error {
		_, err := st.Accept(ctx, "I2", at(2))
		return err
	})
	inv, err := st.Invitation(ctx, "I2")
	must(t, "Invitation", err)
	if inv.Status != volmatch.InviteSent {
		t.Errorf("Invitation(I2) = %s after a refused accept, want sent", inv.Status)
	}
	// A closed need takes no more accepts even with free slots.
	seed(t, st, nil, need("N2", "O1", shift("S1", 24, 3, 5)))
	invite(t, st, "I3", "N2", "S1", "V002")
	n := need("N2", "O1", shift("S1", 24, 3, 5))
	n.Status = volmatch.NeedClosed
	must(t, "UpdateNeed close", st.UpdateNeed(ctx, n))
	_, err = st.Accept(ctx, "I3", at(2))
	wantCode(t, "Accept(I3) of a closed need", err, volmatch.ECONFLICT)
}

func testDecline(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", shift("S1", 24, 3, 1)))
	invite(t, st, "I1", "N1", "S1", "V000")
	inv, err := st.Decline(ctx, "I1", at(3))
	must(t, "Decline", err)
	if inv.Status != volmatch.InviteDeclined || !inv.RespondedAt.Equal(at(3)) {
		t.Errorf("Decline(I1) = %s at %v, want declined at %v", inv.Status, inv.RespondedAt, at(3))
	}
	got, err := st.Invitation(ctx, "I1")
	must(t, "Invitation", err)
	sameJSON(t, "Invitation(I1) after decline", got, inv)
	dec := eventsOf(allEvents(t, st), volmatch.EventInviteDeclined)
	if len(dec) != 1 || dec[0].Invite != "I1" || dec[0].Volunteer != "V000" || dec[0].Need != "N1" || !dec[0].At.Equal(at(3)) {
		t.Errorf("invite.declined events = %+v, want one for I1 at %v", dec, at(3))
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.Declined != 1 {
		t.Errorf("Volunteer(V000).Stats.Declined = %d, want 1", v.Stats.Declined)
	}
	_, err = st.Decline(ctx, "I1", at(4))
	wantCode(t, "Decline(I1) twice", err, volmatch.ECONFLICT)
	_, err = st.Accept(ctx, "I1", at(4))
	wantCode(t, "Accept(I1) after decline", err, volmatch.ECONFLICT)
	_, err = st.Decline(ctx, "I404", at(4))
	wantCode(t, "Decline(I404)", err, volmatch.ENOTFOUND)
	// The declined invitation is no longer live: a new one may be sent.
	invite(t, st, "I2", "N1", "S1", "V000")
	if _, err := st.Accept(ctx, "I2", at(5)); err != nil {
		t.Errorf("Accept(I2) after a declined I1: %v", err)
	}
}

func testOverlap(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	// N2's shift overlaps N1's; N3's starts when N1's ends (no overlap).
	seed(t, st, fixture.Volunteers(2),
		need("N1", "O1", shift("S1", 25, 3, 5)),
		need("N2", "O2", shift("S1", 27, 2, 5)),
		need("N3", "O3", shift("S1", 28, 2, 5)))
	invite(t, st, "I1", "N1", "S1", "V000")
	invite(t, st, "I2", "N2", "S1", "V000")
	invite(t, st, "I3", "N3", "S1", "V000")
	invite(t, st, "I4", "N2", "S1", "V001")
	_, err := st.Accept(ctx, "I1", at(1))
	must(t, "Accept(I1)", err)
	refused(t, st, "Accept(I2) overlapping I1", volmatch.ECONFLICT, func() error {
		_, err := st.Accept(ctx, "I2", at(1))
		return err
	})
	if _, err := st.Accept(ctx, "I3", at(1)); err != nil {
		t.Errorf("Accept(I3) right after I1's shift: %v, want success", err)
	}
	if _, err := st.Accept(ctx, "I4", at(1)); err != nil {
		t.Errorf("Accept(I4) by another volunteer: %v, want success", err)
	}
}

func testConcurrentAccept(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const nVols, slots = 50, 5
	// Every volunteer is invited to both N1/S1 and N2/S1, which overlap.
	seed(t, st, fixture.Volunteers(nVols), need("N1", "O1", shift("S1", 24, 4, slots)), need("N2", "O1", shift("S1", 26, 4, slots)))
	var ids []string
	for i := 0; i < nVols; i++ {
		for _, n := range []string{"N1", "N2"} {
			id := fmt.Sprintf("I%s-%03d", n, i)
			invite(t, st, id, n, "S1", fmt.Sprintf("V%03d", i))
			ids = append(ids, id)
		}
	}
	res := make([]*volmatch.Assignment, len(ids))
	errs := race(len(ids), func(i int) (err error) {
		res[i], err = st.Accept(ctx, ids[i], at(1))
		return err
	})

	accepted := 0
	byVol := map[string]int{}
	byNeed := map[string]int{}
	for i, err := range errs {
		if err != nil {
			if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
				t.Errorf("Accept(%s): %v, want success or a conflict", ids[i], err)
			}
			continue
		}
		accepted++
		byVol[res[i].Volunteer]++
		byNeed[res[i].Need]++
	}
	// Each shift fills exactly: a volunteer refused for the overlap holds
	// the other shift, and at most `slots` do.
	if accepted != 2*slots || byNeed["N1"] != slots || byNeed["N2"] != slots {
		t.Errorf("concurrent accepts: %d accepted (%v), want %d per need", accepted, byNeed, slots)
	}
	for v, n := range byVol {
		if n > 1 {
			t.Errorf("volunteer %s holds %d overlapping shifts", v, n)
		}
	}
	for _, n := range []string{"N1", "N2"} {
		if f := filled(t, st, n, "S1"); f != slots {
			t.Errorf("Need(%s).Filled = %d, want %d", n, f, slots)
		}
		if as := allAssignments(t, st, volmatch.AssignmentFilter{Need: n}); len(as) != slots {
			t.Errorf("assignments of %s = %d, want %d", n, len(as), slots)
		}
	}
	if evs := eventsOf(allEvents(t, st), volmatch.EventInviteAccepted); len(evs) != accepted {
		t.Errorf("invite.accepted events = %d, want %d (one per accepted reservation)", len(evs), accepted)
	}
	held := map[string]int{}
	for _, a := range allAssignments(t, st, volmatch.AssignmentFilter{}) {
		held[a.Volunteer]++
		if held[a.Volunteer] > 1 {
			t.Errorf("volunteer %s has two assignments in overlapping shifts", a.Volunteer)
		}
	}
}

func testReserve(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4), need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)))
	rs := []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V001"}}
	as, err := st.Reserve(ctx, rs, at(1))
	must(t, "Reserve", err)
	if len(as) != 3 {
		t.Fatalf("Reserve = %d assignments, want 3", len(as))
	}
	seen := map[string]bool{}
	for i, a := range as {
		r := rs[i]
		if a.Need != r.Need || a.Shift != r.Shift || a.Volunteer != r.Volunteer || a.Status != volmatch.AssignReserved || a.Invite != "" || seen[a.ID] {
			t.Errorf("Reserve[%d] = %+v, want a reserved assignment for %+v with a fresh ID", i, a, r)
		}
		seen[a.ID] = true
	}
	if f1, f2 := filled(t, st, "N1", "S1"), filled(t, st, "N1", "S2"); f1 != 2 || f2 != 1 {
		t.Errorf("filled S1 %d S2 %d after Reserve, want 2 and 1", f1, f2)
	}
	acc := eventsOf(allEvents(t, st), volmatch.EventInviteAccepted)
	if len(acc) != 3 {
		t.Errorf("invite.accepted events = %d after Reserve of 3, want 3", len(acc))
	}
	for i, e := range acc {
		if e.Assignment != as[i].ID || e.Volunteer != as[i].Volunteer {
			t.Errorf("invite.accepted[%d] = %s/%s, want %s/%s", i, e.Assignment, e.Volunteer, as[i].ID, as[i].Volunteer)
		}
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.Load != 2 {
		t.Errorf("Volunteer(V000).Stats.Load = %d after two reservations, want 2", v.Stats.Load)
	}
	as, err = st.Reserve(ctx, nil, at(1))
	if err != nil || len(as) != 0 {
		t.Errorf("Reserve(nil) = %d, %v; want nothing and no error", len(as), err)
	}
}

func testReserveAllOrNothing(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4),
		need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)),
		need("N2", "O2", shift("S1", 25, 3, 2)))
	_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S2", Volunteer: "V003"}}, at(0))
	must(t, "Reserve", err)
	cases := []struct {
		name string
		rs   []volmatch.Reservation
		code string
	}{
		{"the third overfills a shift", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V001"}, {Need: "N1", Shift: "S1", Volunteer: "V002"}}, volmatch.ECONFLICT},
		{"one volunteer in two overlapping shifts", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V001"}, {Need: "N2", Shift: "S1", Volunteer: "V000"}}, volmatch.ECONFLICT},
		{"the same slot twice", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V000"}}, volmatch.ECONFLICT},
		{"clash with a stored reservation", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V003"}}, volmatch.ECONFLICT},
		{"a missing need", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N404", Shift: "S1", Volunteer: "V001"}}, volmatch.ENOTFOUND},
		{"a missing shift", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S404", Volunteer: "V001"}}, volmatch.ENOTFOUND},
		{"a missing volunteer", []volmatch.Reservation{
			{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V404"}}, volmatch.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, st)
			as, err := st.Reserve(ctx, c.rs, at(1))
			wantCode(t, "Reserve: "+c.name, err, c.code)
			if len(as) != 0 {
				t.Errorf("Reserve: %s returned %d assignments, want none", c.name, len(as))
			}
			unchanged(t, "Reserve: "+c.name, st, before)
		})
	}
}

func testListAssignments(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 5), shift("S2", 48, 3, 5)), need("N2", "O2", shift("S1", 72, 3, 5)))
	rs := []volmatch.Reservation{
		{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V000"}, {Need: "N2", Shift: "S1", Volunteer: "V000"},
		{Need: "N1", Shift: "S1", Volunteer: "V001"}, {Need: "N2", Shift: "S1", Volunteer: "V002"},
	}
	as, err := st.Reserve(ctx, rs, at(1))
	must(t, "Reserve", err)
	_, err = st.Advance(ctx, as[3].ID, volmatch.Step{Kind: volmatch.StepCancel, At: at(2)})
	must(t, "Advance cancel", err)
	for _, c := range []struct {
		f    volmatch.AssignmentFilter
		want []int
	}{
		{volmatch.AssignmentFilter{}, []int{0, 1, 2, 3, 4}},
		{volmatch.AssignmentFilter{Volunteer: "V000"}, []int{0, 1, 2}},
		{volmatch.AssignmentFilter{Need: "N1"}, []int{0, 1, 3}},
		{volmatch.AssignmentFilter{Need: "N1", Shift: "S1"}, []int{0, 3}},
		{volmatch.AssignmentFilter{Org: "O2"}, []int{2, 4}},
		{volmatch.AssignmentFilter{Status: volmatch.AssignCancelled}, []int{3}},
		{volmatch.AssignmentFilter{Volunteer: "V000", Need: "N2"}, []int{2}},
		{volmatch.AssignmentFilter{Need: "N1", Shift: "S1", Status: volmatch.AssignReserved}, []int{0}},
	} {
		var want []string
		for _, i := range c.want {
			want = append(want, as[i].ID)
		}
		for _, limit := range []int{1, 2, 100} {
			f := c.f
			f.Limit = limit
			var got []string
			for _, a := range allAssignments(t, st, f) {
				got = append(got, a.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Assignments(%+v) = %v, want %v", f, got, want)
			}
		}
	}
}

func testAdvance(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)))
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V000"}}, at(1))
	must(t, "Reserve", err)
	id := as[0].ID

	steps := []struct {
		name   string
		step   volmatch.Step
		code   string
		status volmatch.AssignmentStatus
	}{
		{"checkout before checkin", volmatch.Step{Kind: volmatch.StepCheckOut, At: at(27)}, volmatch.ECONFLICT, volmatch.AssignReserved},
		{"rate before completion", volmatch.Step{Kind: volmatch.StepRate, At: at(27), Rating: 5}, volmatch.ECONFLICT, volmatch.AssignReserved},
		{"unknown step", volmatch.Step{Kind: "teleport", At: at(24)}, volmatch.EINVALID, volmatch.AssignReserved},
		{"checkin", volmatch.Step{Kind: volmatch.StepCheckIn, At: at(24)}, "", volmatch.AssignCheckedIn},
		{"checkin twice", volmatch.Step{Kind: volmatch.StepCheckIn, At: at(24)}, volmatch.ECONFLICT, volmatch.AssignCheckedIn},
		{"no-show after checkin", volmatch.Step{Kind: volmatch.StepNoShow, At: at(24)}, volmatch.ECONFLICT, volmatch.AssignCheckedIn},
		{"checkout with bad hours", volmatch.Step{Kind: volmatch.StepCheckOut, At: at(27), Hours: -1}, volmatch.EINVALID, volmatch.AssignCheckedIn},
		{"checkout", volmatch.Step{Kind: volmatch.StepCheckOut, At: at(27), Hours: 3}, "", volmatch.AssignCompleted},
		{"cancel a completed one", volmatch.Step{Kind: volmatch.StepCancel, At: at(27)}, volmatch.ECONFLICT, volmatch.AssignCompleted},
		{"rate 0", volmatch.Step{Kind: volmatch.StepRate, At: at(28), Rating: 0}, volmatch.EINVALID, volmatch.AssignCompleted},
		{"rate 6", volmatch.Step{Kind: volmatch.StepRate, At: at(28), Rating: 6}, volmatch.EINVALID, volmatch.AssignCompleted},
		{"rate 4", volmatch.Step{Kind: volmatch.StepRate, At: at(28), Rating: 4}, "", volmatch.AssignCompleted},
		{"rate again", volmatch.Step{Kind: volmatch.StepRate, At: at(29), Rating: 5}, volmatch.ECONFLICT, volmatch.AssignCompleted},
	}
	for _, s := range steps {
		before := takeSnapshot(t, st)
		a, err := st.Advance(ctx, id, s.step)
		wantCode(t, "Advance: "+s.name, err, s.code)
		if s.code != "" {
			unchanged(t, "Advance: "+s.name, st, before)
		} else if a.Status != s.status {
			t.Errorf("Advance: %s = status %s, want %s", s.name, a.Status, s.status)
		}
		got, err := st.Assignment(ctx, id)
		must(t, "Assignment", err)
		if got.Status != s.status {
			t.Errorf("after %s: stored status %s, want %s", s.name, got.Status, s.status)
		}
	}
	got, err := st.Assignment(ctx, id)
	must(t, "Assignment", err)
	if got.Hours != 3 || got.Rating != 4 || !got.CheckIn.Equal(at(24)) || !got.CheckOut.Equal(at(27)) {
		t.Errorf("Assignment = hours %v rating %d in %v out %v; want 3, 4, %v, %v", got.Hours, got.Rating, got.CheckIn, got.CheckOut, at(24), at(27))
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.Hours != 3 || v.Stats.Completed != 1 || v.Stats.Load != 1 {
		t.Errorf("Volunteer(V000).Stats = %+v, want hours 3, completed 1, load 1", v.Stats)
	}
	if f := filled(t, st, "N1", "S1"); f != 1 {
		t.Errorf("filled S1 = %d after completion, want 1 (a completed assignment keeps its slot)", f)
	}
	evs := allEvents(t, st)
	var types []string
	for _, e := range evs {
		if e.Assignment == id && e.Type != volmatch.EventInviteAccepted {
			types = append(types, string(e.Type))
		}
	}
	if fmt.Sprint(types) != "[checkin checkout rated]" {
		t.Errorf("events of %s = %v, want [checkin checkout rated]", id, types)
	}
	for _, e := range evs {
		if e.Type == volmatch.EventCheckOut && e.Hours != 3 {
			t.Errorf("checkout event hours = %v, want 3", e.Hours)
		}
		if e.Type == volmatch.EventRated && (e.Rating != 4 || e.Need != "N1" || e.Volunteer != "V000") {
			t.Errorf("rated event = %+v, want rating 4 of V000 on N1", e)
		}
	}

	// Hours from the clock when not given: 24.0 -> 26.6 is 2.5 hours to the quarter.
	id2 := as[1].ID
	_, err = st.Advance(ctx, id2, volmatch.Step{Kind: volmatch.StepCheckIn, At: at(48)})
	must(t, "Advance checkin", err)
	a, err := st.Advance(ctx, id2, volmatch.Step{Kind: volmatch.StepCheckOut, At: at(50.6)})
	must(t, "Advance checkout", err)
	if a.Hours != 2.5 {
		t.Errorf("checkout hours from times = %v, want 2.5", a.Hours)
	}
	_, err = st.Advance(ctx, "A404", volmatch.Step{Kind: volmatch.StepCheckIn, At: at(24)})
	wantCode(t, "Advance(A404)", err, volmatch.ENOTFOUND)
}

func testAdvanceFreesSlot(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 2)))
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V001"}}, at(1))
	must(t, "Reserve", err)
	_, err = st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V002"}}, at(1))
	wantCode(t, "Reserve of a full shift", err, volmatch.ECONFLICT)

	last, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	a, err := st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepNoShow, At: at(25)})
	must(t, "Advance no-show", err)
	if a.Status != volmatch.AssignNoShow {
		t.Errorf("status after no-show = %s, want no_show", a.Status)
	}
	if f := filled(t, st, "N1", "S1"); f != 1 {
		t.Errorf("filled = %d after a no-show, want 1 (slot freed)", f)
	}
	cs, err := st.Changes(ctx, last, 100)
	must(t, "Changes", err)
	if !hasChange(cs, volmatch.ChangeNeed, "N1") {
		t.Errorf("changes after a no-show = %+v, want one for need N1", cs)
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.NoShows != 1 || v.Stats.Load != 0 || v.Stats.Reliability != v.Stats.ReliabilityScore() {
		t.Errorf("Volunteer(V000).Stats = %+v, want one no-show, load 0, reliability recomputed", v.Stats)
	}
	_, err = st.Advance(ctx, as[1].ID, volmatch.Step{Kind: volmatch.StepCancel, At: at(20), Reason: "病了"})
	must(t, "Advance cancel", err)
	if f := filled(t, st, "N1", "S1"); f != 0 {
		t.Errorf("filled = %d after a cancel, want 0", f)
	}
	can := eventsOf(allEvents(t, st), volmatch.EventCancelled)
	if len(can) != 1 || can[0].Reason != "病了" || can[0].Assignment != as[1].ID {
		t.Errorf("cancelled events = %+v, want one for %s with the reason", can, as[1].ID)
	}
	// The freed slots can be taken again, also by the volunteer who cancelled.
	_, err = st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V002"}, {Need: "N1", Shift: "S1", Volunteer: "V001"}}, at(21))
	must(t, "Reserve after freeing", err)
	if f := filled(t, st, "N1", "S1"); f != 2 {
		t.Errorf("filled = %d after re-reserving, want 2", f)
	}
}
