package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

func openSynced(t *testing.T) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), bolt.FileName)
	st, err := bolt.Open(path, bolt.Options{Now: storetest.Now}) // fsync on: the group commit's real case
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, path
}

// TestAppendEventsGroupCommit appends from many goroutines at once (their
// calls share transactions) and checks that every event is there once,
// with gap-free Seqs, each call's events together and in order, and that
// they survive a reopen.
func TestAppendEventsGroupCommit(t *testing.T) {
	ctx := context.Background()
	st, path := openSynced(t)
	const callers, calls, per = 16, 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, callers*calls)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range calls {
				evs := make([]volmatch.Event, per)
				for i := range evs {
					evs[i] = volmatch.Event{Type: volmatch.EventMatchShown, Need: "N1", Batch: fmt.Sprintf("c%d-%d", c, k), Rank: i + 1}
				}
				if err := st.AppendEvents(ctx, evs...); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AppendEvents: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := bolt.Open(path, bolt.Options{Now: storetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Events(ctx, 0, 10*callers*calls*per)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != callers*calls*per {
		t.Fatalf("Events after reopen = %d events, want %d", len(evs), callers*calls*per)
	}
	seen := map[string]bool{}
	for i := 0; i < len(evs); i += per {
		b := evs[i].Batch
		if seen[b] {
			t.Fatalf("batch %s appears twice", b)
		}
		seen[b] = true
		for j := range per {
			e := evs[i+j]
			if e.Seq != uint64(i+j+1) || e.Batch != b || e.Rank != j+1 || !e.At.Equal(storetest.Now()) {
				t.Fatalf("event %d = seq %d batch %s rank %d at %v; want seq %d batch %s rank %d at %v",
					i+j, e.Seq, e.Batch, e.Rank, e.At, i+j+1, b, j+1, storetest.Now())
			}
		}
	}
}

// TestAppendEventsRefused checks that a bad event fails its own call only,
// writing nothing of it, and that a closed store answers EUNAVAILABLE.
func TestAppendEventsRefused(t *testing.T) {
	ctx := context.Background()
	st, _ := openSynced(t)
	err := st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown}, volmatch.Event{})
	if volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Fatalf("AppendEvents with an untyped event = %v, want EINVALID", err)
	}
	if err := st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown, Need: "N1"}); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.Events(ctx, 0, 10)
	if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Need != "N1" {
		t.Fatalf("Events = %+v, want the one good event as seq 1", evs)
	}
	_ = st.Close()
	if err := st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Fatalf("AppendEvents on a closed store = %v, want EUNAVAILABLE", err)
	}
}

// TestWaitChange checks that WaitChange wakes on a write made meanwhile,
// and times out when none comes.
func TestWaitChange(t *testing.T) {
	ctx := context.Background()
	st, _ := openSynced(t)
	if ok, err := st.WaitChange(ctx, 0, 10*time.Millisecond); err != nil || ok {
		t.Fatalf("WaitChange on an empty feed = %v, %v; want false, nil", ok, err)
	}
	done := make(chan bool, 1)
	go func() {
		ok, err := st.WaitChange(ctx, 0, time.Minute)
		done <- ok && err == nil
	}()
	if err := st.CreateVolunteer(ctx, &volmatch.Volunteer{ID: "V1", Name: "张三", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}); err != nil {
		t.Fatal(err)
	}
	if !<-done {
		t.Fatalf("WaitChange(0) did not report the new change")
	}
	if ok, err := st.WaitChange(ctx, 1, 10*time.Millisecond); err != nil || ok {
		t.Fatalf("WaitChange(1) with no newer change = %v, %v; want false, nil", ok, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.WaitChange(cctx, 1, time.Minute); err == nil {
		t.Fatalf("WaitChange with a cancelled context = nil error, want one")
	}
}

// TestAssignmentsOfNeverAssigned checks the listing by volunteer around the
// in-memory set of volunteers with assignments: nothing before an accept,
// the assignment after it (also after a reopen, which rebuilds the set),
// EINVALID for a bad limit and EUNAVAILABLE once closed.
func TestAssignmentsOfNeverAssigned(t *testing.T) {
	ctx := context.Background()
	st, path := openSynced(t)
	v := &volmatch.Volunteer{ID: "V1", Name: "张三", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}
	n := &volmatch.Need{ID: "N1", Org: "O1", Title: "助老", Domain: "elderly_care", Mode: volmatch.ModeMenu,
		Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 3,
		Shifts: []volmatch.Shift{{ID: "S1", Start: storetest.Epoch.Add(time.Hour), End: storetest.Epoch.Add(3 * time.Hour), Slots: 2}}}
	if err := st.CreateVolunteer(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateNeed(ctx, n); err != nil {
		t.Fatal(err)
	}
	byVol := volmatch.AssignmentFilter{Volunteer: "V1"}
	if as, next, err := st.Assignments(ctx, byVol); err != nil || len(as) != 0 || next != "" {
		t.Fatalf("Assignments(V1) before any = %v, %q, %v; want none", as, next, err)
	}
	bad := byVol
	bad.Limit = -1
	if _, _, err := st.Assignments(ctx, bad); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Fatalf("Assignments(V1, limit -1) = %v, want EINVALID", err)
	}
	if err := st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V1", SentAt: storetest.Epoch}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Accept(ctx, "I1", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if as, _, err := st.Assignments(ctx, byVol); err != nil || len(as) != 1 || as[0].ID != a.ID {
		t.Fatalf("Assignments(V1) after the accept = %v, %v; want %s", as, err, a.ID)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = bolt.Open(path, bolt.Options{Now: storetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if as, _, err := st.Assignments(ctx, byVol); err != nil || len(as) != 1 || as[0].ID != a.ID {
		t.Fatalf("Assignments(V1) after a reopen = %v, %v; want %s", as, err, a.ID)
	}
	_ = st.Close()
	if _, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: "V2"}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Fatalf("Assignments(V2) on a closed store = %v, want EUNAVAILABLE", err)
	}
}

// TestLiveInvitationsListing checks the listing of a volunteer's sent
// invitations to a need, which reads the live index instead of scanning:
// the same answer as the filter over every invitation.
func TestLiveInvitationsListing(t *testing.T) {
	ctx := context.Background()
	st, _ := openSynced(t)
	for _, id := range []string{"V1", "V2"} {
		if err := st.CreateVolunteer(ctx, &volmatch.Volunteer{ID: id, Name: "张三", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"N1", "N2"} {
		n := &volmatch.Need{ID: id, Org: "O1", Title: "助老", Domain: "elderly_care", Mode: volmatch.ModeMenu,
			Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 3}
		for k := range 3 {
			s := storetest.Epoch.Add(time.Duration(k+1) * 24 * time.Hour)
			n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("S%d", k+1), Start: s, End: s.Add(time.Hour), Slots: 2})
		}
		if err := st.CreateNeed(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, inv := range []volmatch.Invitation{
		{ID: "I5", Need: "N1", Shift: "S1", Volunteer: "V1"}, {ID: "I2", Need: "N1", Shift: "S2", Volunteer: "V1"},
		{ID: "I3", Need: "N1", Shift: "S3", Volunteer: "V1"}, {ID: "I4", Need: "N2", Shift: "S1", Volunteer: "V1"},
		{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V2"},
	} {
		inv.SentAt = storetest.Epoch
		if err := st.CreateInvitation(ctx, &inv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Decline(ctx, "I3", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Accept(ctx, "I2", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    volmatch.InvitationFilter
		want string
	}{
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V1", Status: volmatch.InviteSent}, "[I5]"},
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V1"}, "[I2 I3 I5]"},
		{volmatch.InvitationFilter{Need: "N2", Volunteer: "V1", Status: volmatch.InviteSent}, "[I4]"},
		{volmatch.InvitationFilter{Need: "N2", Volunteer: "V1", Status: volmatch.InviteSent, Org: "O2"}, "[]"},
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V2", Status: volmatch.InviteSent, ListOptions: volmatch.ListOptions{After: "I1"}}, "[]"},
		{volmatch.InvitationFilter{Need: "N1", Volunteer: "V2", Status: volmatch.InviteSent}, "[I1]"},
	} {
		invs, _, err := st.Invitations(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, inv := range invs {
			ids = append(ids, inv.ID)
		}
		if got := fmt.Sprint(ids); got != c.want {
			t.Errorf("Invitations(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
}

// TestAcceptCheckPanics holds the group commit to its promise when an
// accept's check panics (it may run on another caller's goroutine, the
// group's leader): that caller gets an internal error, the other accepts
// commit, and nobody waits forever.
func TestAcceptCheckPanics(t *testing.T) {
	ctx := context.Background()
	st, _ := openSynced(t)
	const n = 8
	at := storetest.Epoch.Add(24 * time.Hour)
	if err := st.PutVolunteers(ctx, fixture.Volunteers(n)); err != nil {
		t.Fatal(err)
	}
	need := fixture.Need("N1", fixture.Org("O1"), fixture.Shifts(fixture.Shift("S1", at, 4*time.Hour, n)), fixture.Posted(storetest.Epoch.Add(-time.Hour), 7))
	if err := st.PutNeeds(ctx, []*volmatch.Need{need}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := st.CreateInvitation(ctx, fixture.Invitation(fmt.Sprintf("I%d", i), "N1", "S1", fmt.Sprintf("V%03d", i), storetest.Epoch)); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = st.AcceptChecked(ctx, fmt.Sprintf("I%d", i), storetest.Epoch, func(inv *volmatch.Invitation, _ *volmatch.Need, _ *volmatch.Volunteer) error {
				if inv.ID == "I3" {
					panic("a bug in the caller's rules")
				}
				return nil
			})
		}()
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("accepts still waiting 30 s after a check panicked")
	}
	for i, err := range errs {
		if i == 3 {
			if volmatch.ErrorCode(err) != volmatch.EINTERNAL {
				t.Errorf("AcceptChecked(I3) with a panicking check: error %v, want internal", err)
			}
		} else if err != nil {
			t.Errorf("AcceptChecked(I%d): %v", i, err)
		}
	}
	inv, err := st.Invitation(ctx, "I3")
	if err != nil || inv.Status != volmatch.InviteSent {
		t.Errorf("Invitation(I3) after its check panicked = %v, %v, want still sent", inv, err)
	}
}
