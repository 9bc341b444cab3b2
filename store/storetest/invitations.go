package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// batch returns unsent invitations prefix-0, prefix-1, ... to shift S1 of
// needID, one per volunteer.
func batch(prefix, needID string, vols ...string) []*volmatch.Invitation {
	out := make([]*volmatch.Invitation, len(vols))
	for i, v := range vols {
		out[i] = &volmatch.Invitation{ID: fmt.Sprintf("%s-%d", prefix, i), Need: needID, Shift: "S1", Volunteer: v,
			SentAt: at(1), Rank: i + 1, Score: 1 / float64(i+1), Wave: 1}
	}
	return out
}

func testCreateInvitations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 2)))
	invs := batch("I", "N1", "V002", "V000", "V001")
	must(t, "CreateInvitations", st.CreateInvitations(ctx, invs))
	for i, inv := range invs {
		want := &volmatch.Invitation{ID: fmt.Sprintf("I-%d", i), Need: "N1", Shift: "S1", Volunteer: inv.Volunteer, Org: "O1",
			Status: volmatch.InviteSent, SentAt: at(1), Rank: i + 1, Score: 1 / float64(i+1), Wave: 1}
		sameJSON(t, "CreateInvitations element "+want.ID, inv, want)
		got, err := st.Invitation(ctx, want.ID)
		must(t, "Invitation "+want.ID, err)
		sameJSON(t, "Invitation("+want.ID+")", got, want)
	}
	sent := eventsOf(allEvents(t, st), volmatch.EventInviteSent)
	if len(sent) != len(invs) {
		t.Fatalf("invite.sent events = %d, want %d", len(sent), len(invs))
	}
	for i, e := range sent {
		if e.Invite != invs[i].ID || e.Volunteer != invs[i].Volunteer || e.Need != "N1" || e.Org != "O1" || e.Shift != "S1" ||
			e.Rank != i+1 || e.Wave != 1 || !e.At.Equal(at(1)) || !e.ShiftStart.Equal(at(24)) || !e.ShiftEnd.Equal(at(27)) {
			t.Errorf("invite.sent[%d] = %+v, want %s to %s for N1/S1, rank %d, wave 1", i, e, invs[i].ID, invs[i].Volunteer, i+1)
		}
		if i > 0 && e.Seq <= sent[i-1].Seq {
			t.Errorf("invite.sent[%d].Seq = %d, not after %d", i, e.Seq, sent[i-1].Seq)
		}
	}
	// An empty batch writes nothing and is no error.
	before := takeSnapshot(t, st)
	must(t, "CreateInvitations(empty)", st.CreateInvitations(ctx, nil))
	unchanged(t, "CreateInvitations(empty)", st, before)
}

func testCreateInvitationsAllOrNothing(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4), need("N1", "O1", shift("S1", 24, 3, 2)), need("N2", "O1", shift("S1", 24, 3, 2)))
	invite(t, st, "L1", "N1", "S1", "V001") // V001 holds a live invitation to N1/S1
	n2 := need("N2", "O1", shift("S1", 24, 3, 2))
	n2.Status = volmatch.NeedClosed
	must(t, "UpdateNeed close N2", st.UpdateNeed(ctx, n2))

	dupID := batch("D", "N1", "V000", "V002", "V003")
	dupID[2].ID = dupID[0].ID
	cases := []struct {
		name  string
		invs  []*volmatch.Invitation
		code  string
		field string
	}{
		{"second clashes with a live invitation", batch("A", "N1", "V000", "V001", "V002"), volmatch.ECONFLICT, "invitations[1]"},
		{"volunteer twice in the batch", batch("B", "N1", "V000", "V002", "V000"), volmatch.ECONFLICT, "invitations[2]"},
		{"ID twice in the batch", dupID, volmatch.ECONFLICT, "invitations[2]"},
		{"existing ID", append(batch("C", "N1", "V000"), &volmatch.Invitation{ID: "L1", Need: "N1", Shift: "S1", Volunteer: "V002"}), volmatch.ECONFLICT, "invitations[1]"},
		{"missing volunteer", batch("E", "N1", "V000", "V002", "V404"), volmatch.ENOTFOUND, "invitations[2]"},
		{"missing need", append(batch("F", "N1", "V000"), batch("G", "N404", "V002")...), volmatch.ENOTFOUND, "invitations[1]"},
		{"closed need", append(batch("H", "N1", "V000"), batch("J", "N2", "V002")...), volmatch.ECONFLICT, "invitations[1]"},
		{"missing shift", append(batch("K", "N1", "V000"), &volmatch.Invitation{ID: "K-9", Need: "N1", Shift: "S404", Volunteer: "V002"}), volmatch.ENOTFOUND, "invitations[1]"},
		{"invalid ID", append(batch("M", "N1", "V000"), &volmatch.Invitation{Need: "N1", Shift: "S1", Volunteer: "V002"}), volmatch.EINVALID, "invitations[1].id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, st)
			err := st.CreateInvitations(ctx, c.invs)
			wantCode(t, "CreateInvitations: "+c.name, err, c.code)
			if f := volmatch.ErrorField(err); f != c.field {
				t.Errorf("CreateInvitations: %s: field %q (%v), want %q", c.name, f, err, c.field)
			}
			unchanged(t, "CreateInvitations: "+c.name, st, before)
		})
	}
	// The single-record call keeps its errors: no field for a clash.
	err := st.CreateInvitation(ctx, &volmatch.Invitation{ID: "L2", Need: "N1", Shift: "S1", Volunteer: "V001", SentAt: at(1)})
	wantCode(t, "CreateInvitation to a live pair", err, volmatch.ECONFLICT)
	if f := volmatch.ErrorField(err); f != "" {
		t.Errorf("CreateInvitation to a live pair: field %q, want none", f)
	}
}

func testConcurrentCreateInvitations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const nVols, size = 12, 3
	seed(t, st, fixture.Volunteers(nVols), need("N1", "O1", shift("S1", 24, 3, 5)))
	// Batch g invites V(g), V(g+1), V(g+2) (a ring): each overlaps its
	// neighbours, and every batch also invites V000.
	batches := make([][]*volmatch.Invitation, nVols)
	for g := range batches {
		vs := []string{"V000"}
		for j := 1; j < size; j++ {
			vs = append(vs, fmt.Sprintf("V%03d", 1+(g+j)%(nVols-1)))
		}
		batches[g] = batch(fmt.Sprintf("G%02d", g), "N1", vs...)
	}
	errs := race(len(batches), func(g int) error { return st.CreateInvitations(ctx, batches[g]) })

	ok := 0
	for g, err := range errs {
		if err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("CreateInvitations(batch %d): %v, want success or a conflict", g, err)
		}
		if err == nil {
			ok++
		}
		for _, inv := range batches[g] {
			_, gerr := st.Invitation(ctx, inv.ID)
			if err == nil && gerr != nil {
				t.Errorf("batch %d succeeded but Invitation(%s): %v", g, inv.ID, gerr)
			}
			if err != nil && volmatch.ErrorCode(gerr) != volmatch.ENOTFOUND {
				t.Errorf("batch %d failed (%v) but Invitation(%s) = %v, want not found", g, err, inv.ID, gerr)
			}
		}
	}
	// Every batch invites V000, so exactly one succeeds.
	if ok != 1 {
		t.Errorf("concurrent batches: %d succeeded, want exactly 1", ok)
	}
	stored := takeSnapshot(t, st).Invitations
	live := map[string]int{}
	for _, inv := range stored {
		if inv.Status == volmatch.InviteSent {
			live[inv.Volunteer+"/"+inv.Need+"/"+inv.Shift]++
		}
	}
	for k, n := range live {
		if n != 1 {
			t.Errorf("%s holds %d live invitations, want 1", k, n)
		}
	}
	if evs := eventsOf(allEvents(t, st), volmatch.EventInviteSent); len(evs) != len(stored) || len(stored) != ok*size {
		t.Errorf("invite.sent events = %d, invitations = %d, want %d each", len(evs), len(stored), ok*size)
	}

	// Without V000 the ring batches overlap pairwise: whichever win, no
	// pair holds two live invitations and the losers wrote nothing.
	seed(t, st, nil, need("N2", "O1", shift("S1", 24, 3, 5)))
	ring := make([][]*volmatch.Invitation, nVols)
	for g := range ring {
		ring[g] = batch(fmt.Sprintf("R%02d", g), "N2", fmt.Sprintf("V%03d", g), fmt.Sprintf("V%03d", (g+1)%nVols))
	}
	rerrs := race(len(ring), func(g int) error { return st.CreateInvitations(ctx, ring[g]) })
	won := 0
	for g, err := range rerrs {
		if err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("CreateInvitations(ring %d): %v, want success or a conflict", g, err)
		}
		if err == nil {
			won++
		}
	}
	n2, _, err := st.Invitations(ctx, volmatch.InvitationFilter{Need: "N2", ListOptions: volmatch.ListOptions{Limit: 1000}})
	must(t, "Invitations(N2)", err)
	byVol := map[string]int{}
	for _, inv := range n2 {
		byVol[inv.Volunteer]++
	}
	for v, n := range byVol {
		if n != 1 {
			t.Errorf("%s holds %d live invitations to N2/S1, want 1", v, n)
		}
	}
	if won == 0 || len(n2) != 2*won {
		t.Errorf("ring: %d batches won, %d invitations stored, want at least 1 and 2 per win", won, len(n2))
	}
}

func testListLiveInvitations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(2), need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2), shift("S3", 72, 3, 2)),
		need("N2", "O1", shift("S1", 24, 3, 2)))
	invite(t, st, "A1", "N1", "S1", "V000")
	invite(t, st, "A2", "N1", "S2", "V000")
	invite(t, st, "A3", "N1", "S3", "V000")
	invite(t, st, "A4", "N1", "S1", "V001")
	invite(t, st, "A5", "N2", "S1", "V000")
	_, err := st.Decline(ctx, "A2", at(2))
	must(t, "Decline A2", err)
	sent := volmatch.InvitationFilter{Need: "N1", Volunteer: "V000", Status: volmatch.InviteSent}
	for _, c := range []struct {
		f    volmatch.InvitationFilter
		want string
	}{
		{sent, "[A1 A3]"},
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V000"}, "[A1 A2 A3]"},
		{volmatch.InvitationFilter{Need: "N2", Volunteer: "V000", Status: volmatch.InviteSent}, "[A5]"},
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V001", Status: volmatch.InviteSent, Org: "O2"}, "[]"},
	} {
		invs, next, err := st.Invitations(ctx, c.f)
		must(t, "Invitations", err)
		var ids []string
		for _, inv := range invs {
			ids = append(ids, inv.ID)
		}
		if got := fmt.Sprint(ids); got != c.want || next != "" {
			t.Errorf("Invitations(%+v) = %s next %q, want %s next \"\"", c.f, got, next, c.want)
		}
	}
	// Paged one at a time.
	var ids []string
	f := sent
	f.Limit = 1
	for _, inv := range allInvitations(t, st, f) {
		ids = append(ids, inv.ID)
	}
	if got := fmt.Sprint(ids); got != "[A1 A3]" {
		t.Errorf("Invitations(%+v) paged by 1 = %s, want [A1 A3]", sent, got)
	}
}
