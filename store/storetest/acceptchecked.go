package storetest

import (
	"context"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// testAcceptChecked holds AcceptChecked to its contract: check sees the
// stored invitation, its need with Filled and its volunteer; its error is
// returned as it is and nothing is written; it runs before the store's own
// refusals; a missing invitation is ENOTFOUND without a call; a nil check
// is Accept.
func testAcceptChecked(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4), need("N1", "O1", shift("S1", 24, 3, 3)))
	invite(t, st, "I1", "N1", "S1", "V000")
	invite(t, st, "I2", "N1", "S1", "V001")
	invite(t, st, "I3", "N1", "S1", "V002")
	invite(t, st, "I4", "N1", "S1", "V003")

	type seen struct {
		inv  volmatch.Invitation
		need *volmatch.Need
		vol  *volmatch.Volunteer
	}
	var calls []seen
	record := func(err error) volmatch.AcceptCheck {
		return func(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) error {
			s := seen{inv: *inv}
			if n != nil {
				s.need = n.Clone()
			}
			if v != nil {
				c := *v
				s.vol = &c
			}
			calls = append(calls, s)
			return err
		}
	}

	// Refused by check: its own error, nothing written.
	no := volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate("skill"), "check says no")
	refused(t, st, "AcceptChecked(I1) refused by check", volmatch.ECONFLICT, func() error {
		_, err := st.AcceptChecked(ctx, "I1", at(2), record(no))
		if volmatch.ErrorReason(err) != volmatch.ErrorReason(no) || volmatch.ErrorMessage(err) != "check says no" {
			t.Errorf("AcceptChecked(I1) error = %v, want check's own %v", err, no)
		}
		return err
	})
	if len(calls) == 0 {
		t.Fatal("AcceptChecked(I1): check was not called")
	}
	c := calls[len(calls)-1]
	if c.inv.ID != "I1" || c.inv.Status != volmatch.InviteSent || c.inv.Volunteer != "V000" || c.inv.Org != "O1" {
		t.Errorf("check saw invitation %+v, want I1 of V000 as stored", c.inv)
	}
	if c.need == nil || c.need.ID != "N1" || len(c.need.Shifts) != 1 || c.need.Shifts[0].Filled != 0 {
		t.Errorf("check saw need %+v, want N1 with S1 empty", c.need)
	}
	if c.vol == nil || c.vol.ID != "V000" {
		t.Errorf("check saw volunteer %+v, want V000 as stored", c.vol)
	}

	// Passed: the accept is made; the next check sees the fill count.
	calls = nil
	a, err := st.AcceptChecked(ctx, "I1", at(2), record(nil))
	must(t, "AcceptChecked(I1)", err)
	if a.Invite != "I1" || a.Volunteer != "V000" || a.Need != "N1" || a.Shift != "S1" || a.ID == "" {
		t.Errorf("AcceptChecked(I1) = %+v, want an assignment of V000 to N1/S1", a)
	}
	calls = nil
	_, err = st.AcceptChecked(ctx, "I2", at(2), record(nil))
	must(t, "AcceptChecked(I2)", err)
	if len(calls) == 0 || calls[len(calls)-1].need.Shifts[0].Filled != 1 {
		t.Errorf("check of I2 saw %+v, want S1 with one slot filled", calls)
	}

	// An answered invitation: check runs first (an outsider is told no
	// more than check says), then the store refuses it.
	calls = nil
	_, err = st.AcceptChecked(ctx, "I1", at(3), record(nil))
	wantCode(t, "AcceptChecked(I1) twice", err, volmatch.ECONFLICT)
	if len(calls) == 0 || calls[len(calls)-1].inv.Status != volmatch.InviteAccepted {
		t.Errorf("check of an accepted I1 saw %+v, want it called with the accepted invitation", calls)
	}
	forbidden := volmatch.Errorf(volmatch.EFORBIDDEN, "not yours")
	_, err = st.AcceptChecked(ctx, "I1", at(3), record(forbidden))
	wantCode(t, "AcceptChecked(I1) twice, forbidden by check", err, volmatch.EFORBIDDEN)

	// A missing invitation: ENOTFOUND, check not called.
	calls = nil
	_, err = st.AcceptChecked(ctx, "I404", at(3), record(nil))
	wantCode(t, "AcceptChecked(I404)", err, volmatch.ENOTFOUND)
	if len(calls) != 0 {
		t.Errorf("AcceptChecked(I404) called check %d times, want none", len(calls))
	}

	// A deleted volunteer: check sees nil, the store refuses.
	must(t, "DeleteVolunteer(V002)", st.DeleteVolunteer(ctx, "V002"))
	calls = nil
	refused(t, st, "AcceptChecked(I3) of a deleted volunteer", volmatch.ECONFLICT, func() error {
		_, err := st.AcceptChecked(ctx, "I3", at(3), record(nil))
		return err
	})
	if len(calls) == 0 || calls[len(calls)-1].vol != nil {
		t.Errorf("check of I3 saw %+v, want no volunteer", calls)
	}

	// A nil check is Accept.
	if _, err := st.AcceptChecked(ctx, "I4", at(3), nil); err != nil {
		t.Errorf("AcceptChecked(I4, nil): %v", err)
	}
	n, err := st.Need(ctx, "N1")
	must(t, "Need(N1)", err)
	if got := n.Shifts[0].Filled; got != 3 {
		t.Errorf("filled = %d after three accepts, want 3", got)
	}
}
