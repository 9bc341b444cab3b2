package storetest

import (
	"context"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// testHeldSlots follows a volunteer's held slots through every write that
// changes them (reserve, accept, check-in and check-out, no-show, cancel):
// HeldSlots equals the holding assignments as listed, and each such write
// appends a change of the volunteer, which a follower re-reads them on.
func testHeldSlots(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3),
		need("N1", "O1", shift("S1", 24, 3, 3), shift("S2", 48, 3, 3)),
		need("N2", "O1", shift("S1", 72, 2, 3)))
	check := func(what string, vols ...string) {
		t.Helper()
		as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
		must(t, what+": Assignments", err)
		want := map[string][]volmatch.HeldSlot{}
		for _, a := range as {
			if a.Status.Holds() {
				want[a.Volunteer] = append(want[a.Volunteer], volmatch.HeldSlot{Assignment: a.ID, Start: a.Start, End: a.End})
			}
		}
		all, err := st.HeldSlots(ctx)
		must(t, what+": HeldSlots()", err)
		sameHeld(t, what+": HeldSlots()", all, want)
		named, err := st.HeldSlots(ctx, vols...)
		must(t, what+": HeldSlots(named)", err)
		wantNamed := map[string][]volmatch.HeldSlot{}
		for _, v := range vols {
			if hs, ok := want[v]; ok {
				wantNamed[v] = hs
			}
		}
		sameHeld(t, what+": HeldSlots(named)", named, wantNamed)
	}
	changed := func(what string, last uint64, vol string) uint64 {
		t.Helper()
		cs, err := st.Changes(ctx, last, 100)
		must(t, what+": Changes", err)
		if !hasChange(cs, volmatch.ChangeVolunteer, vol) {
			t.Errorf("%s: changes %+v, want one of volunteer %s", what, cs, vol)
		}
		// Stats, held slots and fill counts only: Derived, so a follower
		// need not index the volunteer's or the need's text again.
		for _, c := range cs {
			if !c.Derived || c.Deleted {
				t.Errorf("%s: change %+v, want Derived (only derived figures changed)", what, c)
			}
		}
		n, err := st.LastChange(ctx)
		must(t, what+": LastChange", err)
		return n
	}
	last, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	check("before any", "V000", "V001", "V002", "nobody")

	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V000"},
		{Need: "N1", Shift: "S1", Volunteer: "V001"}}, at(1))
	must(t, "Reserve", err)
	last = changed("Reserve", last, "V000")
	check("after Reserve", "V000", "V001", "V002", "nobody")
	check("after Reserve, one named", "V001")

	invite(t, st, "I1", "N2", "S1", "V002")
	last, err = st.LastChange(ctx)
	must(t, "LastChange", err)
	_, err = st.Accept(ctx, "I1", at(2))
	must(t, "Accept", err)
	last = changed("Accept", last, "V002")
	check("after Accept", "V002", "V000")

	must(t, "CheckIn", advanceErr(ctx, st, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckIn, At: as[0].Start}))
	must(t, "CheckOut", advanceErr(ctx, st, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckOut, At: as[0].End}))
	last, err = st.LastChange(ctx)
	must(t, "LastChange", err)
	check("after a completed shift (it still holds)", "V000")

	must(t, "NoShow", advanceErr(ctx, st, as[2].ID, volmatch.Step{Kind: volmatch.StepNoShow, At: as[2].End.Add(time.Hour)}))
	last = changed("NoShow", last, "V001")
	check("after a no-show", "V001", "V000")
	must(t, "Cancel", advanceErr(ctx, st, as[1].ID, volmatch.Step{Kind: volmatch.StepCancel, At: at(3)}))
	last = changed("Cancel", last, "V000")
	check("after a cancel", "V000", "V001", "V002")

	// A client's write is no derived change.
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	v.Bio = "改了简介"
	must(t, "UpdateVolunteer", st.UpdateVolunteer(ctx, v))
	cs, err := st.Changes(ctx, last, 100)
	must(t, "Changes", err)
	if len(cs) != 1 || cs[0].Derived || cs[0].ID != "V000" {
		t.Errorf("changes after UpdateVolunteer = %+v, want one of V000, not Derived", cs)
	}
}

func advanceErr(ctx context.Context, st volmatch.Store, id string, s volmatch.Step) error {
	_, err := st.Advance(ctx, id, s)
	return err
}

// sameHeld fails unless got and want hold the same slots (times compared
// as instants).
func sameHeld(t *testing.T, what string, got, want map[string][]volmatch.HeldSlot) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for v, ws := range want {
		gs := got[v]
		if len(gs) != len(ws) {
			t.Errorf("%s[%s] = %v, want %v", what, v, gs, ws)
			continue
		}
		for i := range ws {
			if gs[i].Assignment != ws[i].Assignment || !gs[i].Start.Equal(ws[i].Start) || !gs[i].End.Equal(ws[i].End) {
				t.Errorf("%s[%s][%d] = %+v, want %+v", what, v, i, gs[i], ws[i])
			}
		}
	}
}
