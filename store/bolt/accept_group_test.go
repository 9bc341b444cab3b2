package bolt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

// TestAcceptGroupCommit (issue 17): accepts from many goroutines at once,
// with event appends between them, share transactions. Each shift takes
// exactly its slots, each volunteer at most one of two overlapping shifts,
// a refused accept leaves its invitation sent and writes nothing, and
// after a reopen every acknowledged accept is there with its event.
func TestAcceptGroupCommit(t *testing.T) {
	ctx := context.Background()
	st, path := openSynced(t)
	const nVols, slots = 60, 12
	at := storetest.Epoch.Add(24 * time.Hour)
	vols := fixture.Volunteers(nVols)
	if err := st.PutVolunteers(ctx, vols); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"N1", "N2"} {
		start := at
		if id == "N2" {
			start = at.Add(2 * time.Hour) // overlaps N1's shift
		}
		n := fixture.Need(id, fixture.Org("O1"), fixture.Shifts(fixture.Shift("S1", start, 4*time.Hour, slots)), fixture.Posted(storetest.Epoch.Add(-time.Hour), 7))
		if err := st.PutNeeds(ctx, []*volmatch.Need{n}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i, v := range vols {
		for _, n := range []string{"N1", "N2"} {
			inv := fixture.Invitation(fmt.Sprintf("I%s-%03d", n, i), n, "S1", v.ID, storetest.Epoch)
			if err := st.CreateInvitation(ctx, inv); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inv.ID)
		}
	}
	var wg sync.WaitGroup
	res := make([]*volmatch.Assignment, len(ids))
	errs := make([]error, len(ids))
	start := make(chan struct{})
	for i := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			res[i], errs[i] = st.Accept(ctx, ids[i], storetest.Epoch)
		}()
		go func() {
			defer wg.Done()
			<-start
			if err := st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown, Need: "N1", Batch: fmt.Sprint("b", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	ok := map[string]bool{}
	byNeed, byVol := map[string]int{}, map[string]int{}
	for i, err := range errs {
		switch {
		case err == nil:
			ok[ids[i]] = true
			byNeed[res[i].Need]++
			byVol[res[i].Volunteer]++
		case volmatch.ErrorCode(err) != volmatch.ECONFLICT:
			t.Fatalf("Accept(%s) = %v, want success or a conflict", ids[i], err)
		}
	}
	if byNeed["N1"] != slots || byNeed["N2"] != slots {
		t.Fatalf("accepted per need = %v, want %d each", byNeed, slots)
	}
	for v, n := range byVol {
		if n > 1 {
			t.Fatalf("volunteer %s holds %d overlapping shifts", v, n)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := bolt.Open(path, bolt.Options{Now: storetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range ids {
		inv, err := st.Invitation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := volmatch.InviteSent
		if ok[id] {
			want = volmatch.InviteAccepted
		}
		if inv.Status != want {
			t.Errorf("after reopen Invitation(%s).Status = %s, want %s", id, inv.Status, want)
		}
	}
	as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2*slots {
		t.Errorf("after reopen %d assignments, want %d", len(as), 2*slots)
	}
	evs, err := st.Events(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[volmatch.EventType]int{}
	for _, e := range evs {
		counts[e.Type]++
	}
	if counts[volmatch.EventInviteAccepted] != 2*slots || counts[volmatch.EventMatchShown] != len(ids) {
		t.Errorf("after reopen: %d invite.accepted, %d match.shown; want %d and %d", counts[volmatch.EventInviteAccepted], counts[volmatch.EventMatchShown], 2*slots, len(ids))
	}
	for _, n := range []string{"N1", "N2"} {
		got, err := st.Need(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if got.Shifts[0].Filled != slots {
			t.Errorf("after reopen %s filled %d, want %d", n, got.Shifts[0].Filled, slots)
		}
	}
}
