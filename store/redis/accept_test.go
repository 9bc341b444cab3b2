package redis_test

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestAcceptCheckedStale changes the invitation, its need or its volunteer
// after AcceptChecked read them and before its reservation script runs
// (inside the caller's check, the window a concurrent write falls in): the
// script must find the change, and the store read the records again and
// call check again on what is stored, never reserve on what check saw.
func TestAcceptCheckedStale(t *testing.T) {
	ctx := context.Background()
	st := openOn(t, redistest.Start(t), redis.Options{})
	sh := dayShift(1, 10)
	vols := putVolunteers(t, st, "V%d", 6)
	if err := st.CreateNeed(ctx, testNeed("N1", sh)); err != nil {
		t.Fatal(err)
	}
	invs := make([]*volmatch.Invitation, len(vols))
	for i := range invs {
		invs[i] = &volmatch.Invitation{ID: fmt.Sprintf("I%d", i), Need: "N1", Shift: "S1", Volunteer: vols[i].ID, SentAt: epoch}
	}
	if err := st.CreateInvitations(ctx, invs); err != nil {
		t.Fatal(err)
	}
	// meddle returns a check that runs write on its first call and
	// records what every call saw.
	type seen struct {
		inv  volmatch.Invitation
		need *volmatch.Need
		vol  *volmatch.Volunteer
	}
	meddle := func(t *testing.T, calls *[]seen, write func() error) volmatch.AcceptCheck {
		return func(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) error {
			s := seen{inv: *inv}
			if n != nil {
				s.need = n.Clone()
			}
			if v != nil {
				c := *v
				s.vol = &c
			}
			*calls = append(*calls, s)
			if len(*calls) == 1 {
				if err := write(); err != nil {
					t.Fatalf("the concurrent write: %v", err)
				}
			}
			return nil
		}
	}

	t.Run("volunteer changed", func(t *testing.T) {
		var calls []seen
		a, err := st.AcceptChecked(ctx, "I0", epoch, meddle(t, &calls, func() error {
			v := testVolunteer("V0")
			v.Name = "changed since read"
			return st.UpdateVolunteer(ctx, v)
		}))
		if err != nil || a.Volunteer != "V0" {
			t.Fatalf("AcceptChecked(I0) = %+v, %v, want an assignment of V0", a, err)
		}
		if len(calls) != 2 || calls[1].vol == nil || calls[1].vol.Name != "changed since read" {
			t.Fatalf("check calls = %d (%+v), want a second call on the changed volunteer", len(calls), calls)
		}
	})
	t.Run("volunteer deleted", func(t *testing.T) {
		var calls []seen
		_, err := st.AcceptChecked(ctx, "I1", epoch, meddle(t, &calls, func() error { return st.DeleteVolunteer(ctx, "V1") }))
		if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("AcceptChecked(I1 of a volunteer deleted meanwhile) error = %v, want conflict", err)
		}
		if len(calls) != 2 || calls[1].vol != nil {
			t.Fatalf("check calls = %+v, want a second call without the volunteer", calls)
		}
	})
	t.Run("invitation declined", func(t *testing.T) {
		var calls []seen
		_, err := st.AcceptChecked(ctx, "I2", epoch, meddle(t, &calls, func() error { _, err := st.Decline(ctx, "I2", epoch); return err }))
		if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("AcceptChecked(I2 declined meanwhile) error = %v, want conflict", err)
		}
		if len(calls) != 2 || calls[1].inv.Status != volmatch.InviteDeclined {
			t.Fatalf("check calls = %+v, want a second call on the declined invitation", calls)
		}
	})
	t.Run("need changed", func(t *testing.T) {
		var calls []seen
		a, err := st.AcceptChecked(ctx, "I3", epoch, meddle(t, &calls, func() error {
			n, err := st.Need(ctx, "N1")
			if err != nil {
				return err
			}
			n.Title = "changed since read"
			return st.UpdateNeed(ctx, n)
		}))
		if err != nil || a.Volunteer != "V3" {
			t.Fatalf("AcceptChecked(I3) = %+v, %v, want an assignment of V3", a, err)
		}
		if len(calls) != 2 || calls[1].need == nil || calls[1].need.Title != "changed since read" {
			t.Fatalf("check calls = %+v, want a second call on the changed need", calls)
		}
	})
	t.Run("need closed", func(t *testing.T) {
		var calls []seen
		_, err := st.AcceptChecked(ctx, "I4", epoch, meddle(t, &calls, func() error {
			n, err := st.Need(ctx, "N1")
			if err != nil {
				return err
			}
			n.Status = volmatch.NeedClosed
			return st.UpdateNeed(ctx, n)
		}))
		if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("AcceptChecked(I4 of a need closed meanwhile) error = %v, want conflict", err)
		}
		if _, err := st.Accept(ctx, "I5", epoch); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("Accept(I5 of a closed need) error = %v, want conflict", err)
		}
	})
	n, err := st.Need(ctx, "N1")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Shifts[0].Filled; got != 2 {
		t.Errorf("filled = %d, want 2 (I0, I3)", got)
	}
	evs := 0
	for _, ev := range allEvents(t, st) {
		if ev.Type == volmatch.EventInviteAccepted {
			evs++
		}
	}
	if evs != 2 {
		t.Errorf("invite.accepted events = %d, want 2", evs)
	}
}

func allEvents(t *testing.T, st *redis.Store) []volmatch.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), 0, 100000)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return evs
}
