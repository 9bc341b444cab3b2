package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// testInvariants runs random accepts, reservations, cancellations and
// no-shows from several goroutines, then checks what must hold under any
// interleaving: a shift's Filled equals the assignments holding it and never
// exceeds its slots, no volunteer holds two overlapping shifts, a
// volunteer's Load equals their reserved and checked-in assignments, and
// every assignment has its invite.accepted event.
func testInvariants(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const nVols, workers, opsPerWorker = 12, 8, 40
	// Six needs with shifts that overlap in a chain, so clashes are common.
	var needs []*volmatch.Need
	for i := 0; i < 6; i++ {
		needs = append(needs, need(fmt.Sprintf("N%d", i), fmt.Sprintf("O%d", i%2),
			shift("S1", float64(24+2*i), 3, 1+i%3), shift("S2", float64(72+i), 2, 2)))
	}
	seed(t, st, fixture.Volunteers(nVols), needs...)
	// One invitation per volunteer and shift, created up front.
	var invs []string
	for _, n := range needs {
		for _, sh := range n.Shifts {
			for v := 0; v < nVols; v++ {
				id := fmt.Sprintf("I-%s-%s-%d", n.ID, sh.ID, v)
				invite(t, st, id, n.ID, sh.ID, fmt.Sprintf("V%03d", v))
				invs = append(invs, id)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*opsPerWorker)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < opsPerWorker; i++ {
				var err error
				switch rng.IntN(4) {
				case 0, 1:
					_, err = st.Accept(ctx, invs[rng.IntN(len(invs))], at(1))
				case 2:
					n := needs[rng.IntN(len(needs))]
					var rs []volmatch.Reservation
					for k := 0; k < 1+rng.IntN(3); k++ {
						rs = append(rs, volmatch.Reservation{Need: n.ID, Shift: n.Shifts[rng.IntN(2)].ID, Volunteer: fmt.Sprintf("V%03d", rng.IntN(nVols))})
					}
					_, err = st.Reserve(ctx, rs, at(1))
				case 3:
					as, _, lerr := st.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: fmt.Sprintf("V%03d", rng.IntN(nVols))})
					if lerr != nil || len(as) == 0 {
						err = lerr
						break
					}
					kind := volmatch.StepCancel
					if rng.IntN(2) == 0 {
						kind = volmatch.StepNoShow
					}
					_, err = st.Advance(ctx, as[rng.IntN(len(as))].ID, volmatch.Step{Kind: kind, At: at(2)})
				}
				if err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("random operation: %v, want success or a conflict", err)
	}

	as := allAssignments(t, st, volmatch.AssignmentFilter{})
	holding := map[string]int{}
	load := map[string]int{}
	var byVol = map[string][]*volmatch.Assignment{}
	for _, a := range as {
		if a.Status.Holds() {
			holding[a.Need+"/"+a.Shift]++
			for _, b := range byVol[a.Volunteer] {
				if volmatch.Overlap(a.Start, a.End, b.Start, b.End) {
					t.Errorf("volunteer %s holds overlapping %s and %s", a.Volunteer, a.ID, b.ID)
				}
			}
			byVol[a.Volunteer] = append(byVol[a.Volunteer], a)
		}
		if a.Status == volmatch.AssignReserved || a.Status == volmatch.AssignCheckedIn {
			load[a.Volunteer]++
		}
	}
	total := 0
	for _, n := range needs {
		got, err := st.Need(ctx, n.ID)
		must(t, "Need", err)
		for _, sh := range got.Shifts {
			k := n.ID + "/" + sh.ID
			total += holding[k]
			if sh.Filled != holding[k] || sh.Filled > sh.Slots {
				t.Errorf("%s: Filled %d, holding assignments %d, slots %d; want Filled = holding <= slots", k, sh.Filled, holding[k], sh.Slots)
			}
		}
	}
	if total == 0 {
		t.Errorf("no slot held after the random run; the test exercised nothing")
	}
	for v := 0; v < nVols; v++ {
		id := fmt.Sprintf("V%03d", v)
		vol, err := st.Volunteer(ctx, id)
		must(t, "Volunteer", err)
		if vol.Stats.Load != load[id] {
			t.Errorf("Volunteer(%s).Stats.Load = %d, want %d (reserved and checked-in assignments)", id, vol.Stats.Load, load[id])
		}
	}
	acc := map[string]int{}
	for _, e := range eventsOf(allEvents(t, st), volmatch.EventInviteAccepted) {
		acc[e.Assignment]++
	}
	for _, a := range as {
		if acc[a.ID] != 1 {
			t.Errorf("assignment %s has %d invite.accepted events, want 1", a.ID, acc[a.ID])
		}
	}
	if len(acc) != len(as) {
		t.Errorf("invite.accepted events name %d assignments, want %d", len(acc), len(as))
	}
}
