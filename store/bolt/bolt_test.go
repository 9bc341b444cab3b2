package bolt_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) volmatch.Store {
		st, err := bolt.Open(filepath.Join(t.TempDir(), bolt.FileName), bolt.Options{NoSync: true, Now: storetest.Now})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

// TestDurable writes through every kind of write with fsync on, closes the
// file, reopens it and finds everything there.
func TestDurable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), bolt.FileName)
	st, err := bolt.Open(path, bolt.Options{Now: storetest.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	v := &volmatch.Volunteer{ID: "V1", Name: "张三", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}
	n := &volmatch.Need{ID: "N1", Org: "O1", Title: "助老", Domain: "elderly_care", Mode: volmatch.ModeMenu,
		Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 3,
		Shifts: []volmatch.Shift{{ID: "S1", Start: storetest.Epoch.Add(time.Hour), End: storetest.Epoch.Add(3 * time.Hour), Slots: 2}}}
	steps := []func() error{
		func() error { return st.CreateVolunteer(ctx, v) },
		func() error { return st.CreateNeed(ctx, n) },
		func() error { return st.CreatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "法律", Domain: "law"}) },
		func() error {
			return st.CreateStation(ctx, &volmatch.Station{ID: "ST1", Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}})
		},
		func() error {
			return st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V1", SentAt: storetest.Epoch})
		},
		func() error { _, err := st.Accept(ctx, "I1", storetest.Epoch); return err },
		func() error {
			return st.CreateToken(ctx, &volmatch.Token{Hash: volmatch.HashToken("s"), Role: volmatch.RoleAdmin})
		},
	}
	for i, f := range steps {
		if err := f(); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	wantEvents, err := st.Events(ctx, 0, 100)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	wantLast, err := st.LastChange(ctx)
	if err != nil {
		t.Fatalf("LastChange: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := st.Ping(ctx); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Errorf("Ping after Close = %v, want unavailable", err)
	}

	st, err = bolt.Open(path, bolt.Options{Now: storetest.Now})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if got, err := st.Volunteer(ctx, "V1"); err != nil || got.Name != "张三" || got.Stats.Load != 1 {
		t.Errorf("Volunteer(V1) after reopen = %+v, %v; want it with load 1", got, err)
	}
	if got, err := st.Need(ctx, "N1"); err != nil || got.Shifts[0].Filled != 1 {
		t.Errorf("Need(N1) after reopen = %+v, %v; want shift S1 filled 1", got, err)
	}
	if _, err := st.Pool(ctx, "P1"); err != nil {
		t.Errorf("Pool(P1) after reopen: %v", err)
	}
	if _, err := st.Station(ctx, "ST1"); err != nil {
		t.Errorf("Station(ST1) after reopen: %v", err)
	}
	if inv, err := st.Invitation(ctx, "I1"); err != nil || inv.Status != volmatch.InviteAccepted {
		t.Errorf("Invitation(I1) after reopen = %+v, %v; want accepted", inv, err)
	}
	if as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: "V1"}); err != nil || len(as) != 1 {
		t.Errorf("Assignments(V1) after reopen = %d, %v; want 1", len(as), err)
	}
	if _, err := st.TokenByHash(ctx, volmatch.HashToken("s")); err != nil {
		t.Errorf("TokenByHash after reopen: %v", err)
	}
	gotEvents, err := st.Events(ctx, 0, 100)
	if err != nil || len(gotEvents) != len(wantEvents) || len(gotEvents) == 0 {
		t.Errorf("Events after reopen = %d, %v; want %d", len(gotEvents), err, len(wantEvents))
	}
	if last, err := st.LastChange(ctx); err != nil || last != wantLast {
		t.Errorf("LastChange after reopen = %d, %v; want %d", last, err, wantLast)
	}
	// Sequences continue after a reopen: no Seq or ID is given twice.
	if err := st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	evs, err := st.Events(ctx, wantEvents[len(wantEvents)-1].Seq, 10)
	if err != nil || len(evs) != 1 || !evs[0].At.Equal(storetest.Epoch) {
		t.Errorf("event appended after reopen = %+v, %v; want one, stamped by the clock", evs, err)
	}
}

// TestOpenLocked: a second Open of a file in use fails with a clear
// EUNAVAILABLE error after the lock timeout, not by hanging.
func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), bolt.FileName)
	st, err := bolt.Open(path, bolt.Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	done := make(chan error, 1)
	go func() {
		st2, err := bolt.Open(path, bolt.Options{NoSync: true, LockTimeout: 100 * time.Millisecond})
		if err == nil {
			st2.Close()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("second Open still waiting after 30s, want a failure after its 100ms lock timeout")
	}
	if volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open = %v, want unavailable: in use by another process", err)
	}
	// Once closed, the file opens again.
	st.Close()
	st3, err := bolt.Open(path, bolt.Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	st3.Close()
}

// TestStoreID: the identity survives a reopen and differs between files.
func TestStoreID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ids := map[string]bool{}
	for _, name := range []string{"a", "b"} {
		path := filepath.Join(dir, name, bolt.FileName)
		var first string
		for range 2 {
			st, err := bolt.Open(path, bolt.Options{NoSync: true})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			id, err := st.StoreID(ctx)
			if err != nil {
				t.Fatalf("StoreID: %v", err)
			}
			if first != "" && id != first {
				t.Errorf("StoreID of %s after a reopen = %q, want %q", name, id, first)
			}
			first = id
			_ = st.Close()
		}
		if ids[first] {
			t.Errorf("two files have the identity %q", first)
		}
		ids[first] = true
	}
}
