package storetest

import (
	"context"
	"fmt"
	"sync"
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

// testAcceptCheckedAtomic is the property behind AcceptChecked: a check and
// the reservation it allows see one state of the volunteer. One goroutine
// rewrites the volunteer again and again (its name n1, n2, …) while two
// others accept its invitations with a check that refuses an odd name.
// The change sequence orders both: every accept's change of the
// volunteer's load must follow an even number of rewrites, and the
// accepts that succeeded are exactly the load changes.
func testAcceptCheckedAtomic(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const shifts, rewrites = 40, 60
	sh := make([]volmatch.Shift, shifts)
	for i := range sh {
		sh[i] = shift(fmt.Sprintf("S%02d", i), float64(24+6*i), 2, 1) // apart: no overlap
	}
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", sh...))
	ids := make([]string, shifts)
	for i := range ids {
		ids[i] = fmt.Sprintf("I%02d", i)
		invite(t, st, ids[i], "N1", sh[i].ID, "V000")
	}
	after, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)

	even := func(_ *volmatch.Invitation, _ *volmatch.Need, v *volmatch.Volunteer) error {
		var k int
		if v == nil {
			return volmatch.Errorf(volmatch.ENOTFOUND, "no volunteer")
		}
		if _, err := fmt.Sscanf(v.Name, "n%d", &k); err == nil && k%2 == 1 {
			return volmatch.Errorf(volmatch.ECONFLICT, "odd name %s", v.Name)
		}
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	wg.Add(3)
	go func() {
		defer wg.Done()
		for k := 1; k <= rewrites; k++ {
			c := *v
			c.Name = fmt.Sprintf("n%d", k)
			if err := st.UpdateVolunteer(ctx, &c); err != nil {
				t.Errorf("UpdateVolunteer(n%d): %v", k, err)
				return
			}
		}
	}()
	for g := range 2 {
		go func() {
			defer wg.Done()
			for i := g; i < shifts; i += 2 {
				_, err := st.AcceptChecked(ctx, ids[i], at(1), even)
				switch {
				case err == nil:
					mu.Lock()
					accepted++
					mu.Unlock()
				case volmatch.ErrorCode(err) != volmatch.ECONFLICT:
					t.Errorf("AcceptChecked(%s): %v, want success or the check's conflict", ids[i], err)
				}
			}
		}()
	}
	wg.Wait()

	var cs []volmatch.Change
	for {
		page, err := st.Changes(ctx, after, 1000)
		must(t, "Changes", err)
		if len(page) == 0 {
			break
		}
		cs = append(cs, page...)
		after = page[len(page)-1].Seq
	}
	k, loads := 0, 0
	for _, c := range cs {
		if c.Kind != volmatch.ChangeVolunteer || c.ID != "V000" {
			continue
		}
		if !c.Derived {
			k++
			continue
		}
		loads++
		if k%2 == 1 {
			t.Errorf("change %d: an accept committed after rewrite n%d, whose name its check refuses", c.Seq, k)
		}
	}
	if k != rewrites || loads != accepted {
		t.Errorf("changes: %d rewrites and %d accepts, want %d and %d", k, loads, rewrites, accepted)
	}
	if accepted == 0 {
		t.Errorf("no accept succeeded: the property was not exercised")
	}
}
