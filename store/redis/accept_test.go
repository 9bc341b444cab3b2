package redis_test

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestAcceptInvitationStale hands AcceptInvitation invitations and needs
// that changed after they were read: the store must act on what is stored,
// not on the caller's copy nor on its own cached need.
func TestAcceptInvitationStale(t *testing.T) {
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
	read := func(id string) *volmatch.Invitation {
		t.Helper()
		inv, err := st.Invitation(ctx, id)
		if err != nil {
			t.Fatalf("Invitation(%q): %v", id, err)
		}
		return inv
	}

	t.Run("fresh", func(t *testing.T) {
		a, err := st.AcceptInvitation(ctx, read("I0"), epoch)
		if err != nil || a.Invite != "I0" || a.Volunteer != "V0" || a.ID == "" {
			t.Fatalf("AcceptInvitation(I0) = %+v, %v, want an assignment of V0", a, err)
		}
		if got := read("I0"); got.Status != volmatch.InviteAccepted {
			t.Errorf("I0 status = %s, want accepted", got.Status)
		}
	})
	t.Run("declined since read", func(t *testing.T) {
		inv := read("I1")
		if _, err := st.Decline(ctx, "I1", epoch); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AcceptInvitation(ctx, inv, epoch); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("AcceptInvitation(declined I1) error = %v, want conflict", err)
		}
	})
	t.Run("accepted twice", func(t *testing.T) {
		inv := read("I2")
		if _, err := st.AcceptInvitation(ctx, inv, epoch); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AcceptInvitation(ctx, inv, epoch); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("second AcceptInvitation(I2) error = %v, want conflict", err)
		}
	})
	t.Run("caller's copy differs", func(t *testing.T) {
		inv := read("I3")
		inv.Volunteer, inv.Shift = "V0", "S9" // not what is stored
		a, err := st.AcceptInvitation(ctx, inv, epoch)
		if err != nil || a.Volunteer != "V3" || a.Shift != "S1" {
			t.Fatalf("AcceptInvitation(altered I3) = %+v, %v, want the stored V3 on S1", a, err)
		}
	})
	t.Run("need closed since cached", func(t *testing.T) {
		inv := read("I4")
		n, err := st.Need(ctx, "N1")
		if err != nil {
			t.Fatal(err)
		}
		n.Status = volmatch.NeedClosed
		if err := st.UpdateNeed(ctx, n); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AcceptInvitation(ctx, inv, epoch); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("AcceptInvitation(I4 of a closed need) error = %v, want conflict", err)
		}
		if _, err := st.Accept(ctx, "I5", epoch); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Fatalf("Accept(I5 of a closed need) error = %v, want conflict", err)
		}
	})
	n, err := st.Need(ctx, "N1")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Shifts[0].Filled; got != 3 {
		t.Errorf("filled = %d, want 3 (I0, I2, I3)", got)
	}
	evs := 0
	for _, ev := range allEvents(t, st) {
		if ev.Type == volmatch.EventInviteAccepted {
			evs++
		}
	}
	if evs != 3 {
		t.Errorf("invite.accepted events = %d, want 3", evs)
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
