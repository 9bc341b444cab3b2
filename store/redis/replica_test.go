package redis_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestReplicasAccept runs accepts from two stores (two replicas) on one
// server at once: every shift overlaps every other, so each volunteer gets
// at most one, and no shift takes more than its slots.
func TestReplicasAccept(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var reps [2]*redis.Store
	for i := range reps {
		st, err := redis.Open(ctx, srv.URL(1), redis.Options{Namespace: "replicas"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		reps[i] = st
	}
	const needs, slots, vols = 5, 3, 40
	vs := putVolunteers(t, reps[0], "V%03d", vols)
	var invites []string
	for n := 0; n < needs; n++ {
		// Shifts start an hour apart and last six hours: all five overlap.
		start := epoch.Add(time.Duration(24+n) * time.Hour)
		nd := testNeed(fmt.Sprintf("N%d", n), volmatch.Shift{ID: "S1", Start: start, End: start.Add(6 * time.Hour), Slots: slots})
		if err := reps[n%2].CreateNeed(ctx, nd); err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			inv := &volmatch.Invitation{ID: fmt.Sprintf("I-%s-%s", nd.ID, v.ID), Need: nd.ID, Shift: "S1", Volunteer: v.ID}
			if err := reps[0].CreateInvitation(ctx, inv); err != nil {
				t.Fatal(err)
			}
			invites = append(invites, inv.ID)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for i, id := range invites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := reps[i%2].Accept(ctx, id, epoch)
			mu.Lock()
			defer mu.Unlock()
			switch volmatch.ErrorCode(err) {
			case "":
				accepted++
			case volmatch.ECONFLICT:
			default:
				t.Errorf("Accept(%s) = %v, want success or conflict", id, err)
			}
		}()
	}
	wg.Wait()
	if accepted != needs*slots {
		t.Errorf("accepted %d, want %d (every slot, no more)", accepted, needs*slots)
	}
	as, _, err := reps[1].Assignments(ctx, volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	perVol := map[string]int{}
	perShift := map[string]int{}
	for _, a := range as {
		perVol[a.Volunteer]++
		perShift[a.Need]++
	}
	for v, c := range perVol {
		if c > 1 {
			t.Errorf("volunteer %s holds %d overlapping assignments, want at most 1", v, c)
		}
	}
	for n := 0; n < needs; n++ {
		id := fmt.Sprintf("N%d", n)
		nd, err := reps[n%2].Need(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if nd.Shifts[0].Filled != slots || perShift[id] != slots {
			t.Errorf("need %s: Filled %d, assignments %d, want %d", id, nd.Shifts[0].Filled, perShift[id], slots)
		}
	}
	evs, err := reps[0].Events(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has Seq %d, want %d (dense)", i, ev.Seq, i+1)
		}
		if ev.Type == volmatch.EventInviteAccepted {
			n++
		}
	}
	if n != accepted {
		t.Errorf("invite.accepted events = %d, want %d", n, accepted)
	}
	var load int
	for _, v := range vs {
		got, err := reps[1].Volunteer(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		load += got.Stats.Load
	}
	if load != accepted {
		t.Errorf("sum of volunteer loads = %d, want %d", load, accepted)
	}
}

// TestNamespacesIsolated checks that two namespaces on one server do not
// see each other's records.
func TestNamespacesIsolated(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a, err := redis.Open(ctx, srv.URL(0), redis.Options{Namespace: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := redis.Open(ctx, srv.URL(0), redis.Options{Namespace: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.CreateVolunteer(ctx, testVolunteer("V1")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Volunteer(ctx, "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("Volunteer(V1) in namespace b = %v, want not found", err)
	}
	if seq, err := b.LastChange(ctx); err != nil || seq != 0 {
		t.Errorf("LastChange in namespace b = %d, %v, want 0", seq, err)
	}
	// The namespace may come in the URL.
	c, err := redis.Open(ctx, srv.URL(0)+"?namespace=a", redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Volunteer(ctx, "V1"); err != nil {
		t.Errorf("Volunteer(V1) through ?namespace=a = %v, want it", err)
	}
	if _, err := redis.Open(ctx, srv.URL(0)+"?namespace=a:b", redis.Options{}); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("Open with namespace a:b = %v, want invalid", err)
	}
}

// TestWaitChange checks that a blocked WaitChange wakes on a write from
// another store.
func TestWaitChange(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a, b := openOn(t, srv, redis.Options{}), openOn(t, srv, redis.Options{})
	got := make(chan bool, 1)
	go func() {
		ok, err := a.WaitChange(ctx, 0, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- ok
	}()
	time.Sleep(50 * time.Millisecond)
	if err := b.CreateVolunteer(ctx, testVolunteer("V1")); err != nil {
		t.Fatal(err)
	}
	if !<-got {
		t.Errorf("WaitChange(0) = false after a write, want true")
	}
	if ok, err := a.WaitChange(ctx, 1, 100*time.Millisecond); err != nil || ok {
		t.Errorf("WaitChange(1) with no newer change = %v, %v, want false", ok, err)
	}
}
