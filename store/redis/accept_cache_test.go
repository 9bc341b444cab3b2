package redis_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestAcceptFromCache: replica A sent the invitations and read the
// volunteer for an earlier accept, so its accepts take them from its caches
// and make one call to the server; replica B changes each record behind
// A's back, and A must then reserve on what is stored, never on what it
// held, and refuse only on what is stored.
func TestAcceptFromCache(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	a := openOn(t, srv, redis.Options{})
	b := openOn(t, srv, redis.Options{})
	putVolunteers(t, a, "V%d", 1)
	const needs = 9
	for d := 1; d <= needs; d++ {
		start := epoch.Add(time.Duration(d) * 24 * time.Hour)
		sh := volmatch.Shift{ID: "S1", Start: start, End: start.Add(time.Hour), Slots: 5}
		if err := a.CreateNeed(ctx, testNeed(fmt.Sprintf("N%d", d), sh)); err != nil {
			t.Fatal(err)
		}
	}
	invs := make([]*volmatch.Invitation, needs)
	for i := range invs {
		invs[i] = &volmatch.Invitation{ID: fmt.Sprintf("I%d", i+1), Need: fmt.Sprintf("N%d", i+1), Shift: "S1", Volunteer: "V0", SentAt: epoch}
	}
	if err := a.CreateInvitations(ctx, invs); err != nil {
		t.Fatal(err)
	}
	scriptCalls := func() int { return srv.Calls("evalsha", "eval") }
	// seen records the volunteer's name and the need's title at each call
	// of check; refuse, when set, refuses what it names.
	type call struct{ name, title string }
	checker := func(calls *[]call, refuse func(call) bool) volmatch.AcceptCheck {
		return func(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) error {
			c := call{}
			if v != nil {
				c.name = v.Name
			}
			if n != nil {
				c.title = n.Title
			}
			*calls = append(*calls, c)
			if refuse != nil && refuse(c) {
				return volmatch.Errorf(volmatch.EFORBIDDEN, "refused %+v", c)
			}
			return nil
		}
	}
	accept := func(t *testing.T, id string, refuse func(call) bool) (*volmatch.Assignment, []call, int, error) {
		t.Helper()
		var calls []call
		before := scriptCalls()
		asg, err := a.AcceptChecked(ctx, id, epoch, checker(&calls, refuse))
		return asg, calls, scriptCalls() - before, err
	}
	update := func(t *testing.T, name string) {
		t.Helper()
		v := testVolunteer("V0")
		v.Name = name
		if err := b.UpdateVolunteer(ctx, v); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("first accept reads", func(t *testing.T) {
		asg, calls, trips, err := accept(t, "I1", nil)
		// Two script calls (the read, the reservation), each run once more
		// with its source on the server's first NOSCRIPT.
		if err != nil || asg.Need != "N1" || len(calls) != 1 || trips != 2 && trips != 4 {
			t.Fatalf("accept I1 = %+v, %v, check calls %v, script calls %d; want N1, one check, 2 script calls (read, reserve)", asg, err, calls, trips)
		}
	})
	t.Run("next accept is one call", func(t *testing.T) {
		asg, calls, trips, err := accept(t, "I2", nil)
		if err != nil || asg.Need != "N2" || len(calls) != 1 || trips != 1 {
			t.Fatalf("accept I2 = %+v, %v, check calls %v, script calls %d; want N2, one check, 1 script call", asg, err, calls, trips)
		}
	})
	t.Run("retry of an accepted invitation", func(t *testing.T) {
		_, _, _, err := accept(t, "I2", nil)
		if volmatch.ErrorReason(err) != volmatch.ReasonAnswered {
			t.Fatalf("accept I2 again: %v, want conflict %s", err, volmatch.ReasonAnswered)
		}
	})
	t.Run("volunteer changed on B", func(t *testing.T) {
		update(t, "renamed")
		asg, calls, trips, err := accept(t, "I3", nil)
		if err != nil || asg.Need != "N3" {
			t.Fatalf("accept I3 = %+v, %v", asg, err)
		}
		if len(calls) != 2 || calls[0].name != "测试" || calls[1].name != "renamed" || trips != 3 {
			t.Fatalf("check calls %v, script calls %d; want the held record, then the stored one, 3 script calls", calls, trips)
		}
	})
	t.Run("held record refused, stored one passes", func(t *testing.T) {
		update(t, "renamed again")
		asg, calls, _, err := accept(t, "I4", func(c call) bool { return c.name == "renamed" })
		if err != nil || asg.Need != "N4" || len(calls) != 2 || calls[1].name != "renamed again" {
			t.Fatalf("accept I4 = %+v, %v, check calls %v; want an assignment on the stored record", asg, err, calls)
		}
	})
	t.Run("held record passes, stored one refused", func(t *testing.T) {
		update(t, "refuse me")
		_, calls, _, err := accept(t, "I5", func(c call) bool { return c.name == "refuse me" })
		if volmatch.ErrorCode(err) != volmatch.EFORBIDDEN || len(calls) != 2 || calls[0].name != "renamed again" {
			t.Fatalf("accept I5 = %v, check calls %v; want the stored record refused", err, calls)
		}
	})
	t.Run("invitation declined on B", func(t *testing.T) {
		// A holds the volunteer as stored (it read it for I5) and I6 as sent.
		if _, err := b.Decline(ctx, "I6", epoch); err != nil {
			t.Fatal(err)
		}
		_, calls, _, err := accept(t, "I6", nil)
		if volmatch.ErrorReason(err) != volmatch.ReasonAnswered {
			t.Fatalf("accept I6, declined on B: %v (check calls %v), want conflict %s", err, calls, volmatch.ReasonAnswered)
		}
	})
	t.Run("need changed on B", func(t *testing.T) {
		n, err := b.Need(ctx, "N7")
		if err != nil {
			t.Fatal(err)
		}
		n.Title = "retitled"
		if err := b.UpdateNeed(ctx, n); err != nil {
			t.Fatal(err)
		}
		asg, calls, _, err := accept(t, "I7", nil)
		if err != nil || asg.Need != "N7" || calls[len(calls)-1].title != "retitled" {
			t.Fatalf("accept I7 = %+v, %v, check calls %v; want an assignment checked on the retitled need", asg, err, calls)
		}
	})
	t.Run("volunteer deleted on B", func(t *testing.T) {
		if _, _, _, err := accept(t, "I8", nil); err != nil { // A holds V0 as stored again
			t.Fatal(err)
		}
		if err := b.DeleteVolunteer(ctx, "V0"); err != nil {
			t.Fatal(err)
		}
		_, calls, _, err := accept(t, "I9", nil)
		if volmatch.ErrorCode(err) != volmatch.ECONFLICT || len(calls) == 0 || calls[len(calls)-1].name != "" {
			t.Fatalf("accept I9 of a deleted volunteer = %v, check calls %v; want conflict, checked without the volunteer", err, calls)
		}
	})
	// What was reserved is what the answers said: I1 I2 I3 I4 I7 I8.
	got := map[string]int{}
	for d := 1; d <= needs; d++ {
		n, err := b.Need(ctx, fmt.Sprintf("N%d", d))
		if err != nil {
			t.Fatal(err)
		}
		got[n.ID] = n.Shifts[0].Filled
	}
	for d := 1; d <= needs; d++ {
		want := 0
		if strings.Contains(" 1 2 3 4 7 8 ", fmt.Sprintf(" %d ", d)) {
			want = 1
		}
		if got[fmt.Sprintf("N%d", d)] != want {
			t.Errorf("N%d filled = %d, want %d", d, got[fmt.Sprintf("N%d", d)], want)
		}
	}
}

// TestVolunteersByID reads the volunteers of a page of changes in one
// call, with their stats, leaving out the missing ones.
func TestVolunteersByID(t *testing.T) {
	ctx := context.Background()
	st := openOn(t, redistest.Start(t), redis.Options{})
	putVolunteers(t, st, "V%d", 3)
	got, err := st.VolunteersByID(ctx, []string{"V2", "gone", "V0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["V2"] == nil || got["V2"].ID != "V2" || got["V0"] == nil || got["V0"].ID != "V0" || got["gone"] != nil {
		t.Fatalf("VolunteersByID(V2, gone, V0) = %v, want V2 and V0", got)
	}
	one, err := st.Volunteer(ctx, "V2")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*one) != fmt.Sprint(*got["V2"]) {
		t.Errorf("VolunteersByID's V2 = %+v, Volunteer's = %+v", got["V2"], one)
	}
}
