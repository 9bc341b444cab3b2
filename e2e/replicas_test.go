package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/internal/servetest"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestReplicas runs two `volmatch serve --redis` processes on one
// redis-server: 500 concurrent accepts spread across both, a need posted on
// one found by search on the other, and redis-server stopped and restarted
// under traffic.
func TestReplicas(t *testing.T) {
	srv := redistest.Start(t)
	bin := servetest.Binary(t)
	reps := []*proc{startReplica(t, bin, srv.URL(0)), startReplica(t, bin, srv.URL(0))}
	ctx := context.Background()
	st, err := redis.Open(ctx, srv.URL(0), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	t.Run("ConcurrentAccepts", func(t *testing.T) { testAccepts(t, reps, st) })
	t.Run("SearchAcrossReplicas", func(t *testing.T) { testVisibility(t, reps) })
	t.Run("RedisRestart", func(t *testing.T) { testRestart(t, reps, srv) })
}

func testAccepts(t *testing.T, reps []*proc, st *redis.Store) {
	const needs, slots, vols = 10, 2, 50
	var ids []string
	for i := 0; i < vols; i++ {
		v := fixture.Volunteer(fmt.Sprintf("v%03d", i))
		must(t, 201, "POST", reps[i%2].url+"/v1/volunteers", v, nil)
		ids = append(ids, v.ID)
	}
	// Shifts start ten minutes apart and last three hours: all overlap, so
	// each volunteer can hold at most one.
	t0 := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	var invites []string
	for n := 0; n < needs; n++ {
		nd := fixture.Need(fmt.Sprintf("n%02d", n),
			fixture.Shifts(fixture.Shift("s1", t0.Add(time.Duration(n)*10*time.Minute), 3*time.Hour, slots)))
		must(t, 201, "POST", reps[n%2].url+"/v1/needs", nd, nil)
		var invs struct{ Items []volmatch.Invitation }
		must(t, 201, "POST", reps[(n+1)%2].url+"/v1/needs/"+nd.ID+"/invites", map[string]any{"shift": "s1", "volunteers": ids}, &invs)
		for _, inv := range invs.Items {
			invites = append(invites, inv.ID)
		}
	}
	if len(invites) != needs*vols {
		t.Fatalf("sent %d invitations, want %d", len(invites), needs*vols)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	status := map[int]int{}
	for i, id := range invites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, err := call("POST", reps[i%2].url+"/v1/invites/"+id+"/accept", nil, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("accept %s: %v", id, err)
			}
			status[code]++
		}()
	}
	wg.Wait()
	if status[200] != needs*slots || status[200]+status[409] != len(invites) {
		t.Fatalf("accept statuses = %v, want %d × 200 and the rest 409", status, needs*slots)
	}

	// Check the shared state directly.
	ctx := context.Background()
	as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != needs*slots {
		t.Errorf("assignments = %d, want %d", len(as), needs*slots)
	}
	perVol, perNeed := map[string]int{}, map[string]int{}
	for _, a := range as {
		perVol[a.Volunteer]++
		perNeed[a.Need]++
	}
	for v, c := range perVol {
		if c > 1 {
			t.Errorf("volunteer %s holds %d overlapping shifts, want at most 1", v, c)
		}
	}
	for n := 0; n < needs; n++ {
		id := fmt.Sprintf("n%02d", n)
		nd, err := st.Need(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if nd.Shifts[0].Filled != slots || perNeed[id] != slots {
			t.Errorf("need %s: Filled %d, assignments %d, want %d", id, nd.Shifts[0].Filled, perNeed[id], slots)
		}
	}
	accepted := 0
	for after := uint64(0); ; {
		evs, err := st.Events(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Type == volmatch.EventInviteAccepted {
				accepted++
			}
		}
		after = evs[len(evs)-1].Seq
	}
	if accepted != status[200] {
		t.Errorf("invite.accepted events = %d, want %d (one per accepted reservation)", accepted, status[200])
	}
}

func testVisibility(t *testing.T, reps []*proc) {
	nd := fixture.Need("far1", fixture.Title("跨副本可见性测试需求"),
		fixture.Shifts(fixture.Shift("s1", time.Now().Add(72*time.Hour).Truncate(time.Hour), 3*time.Hour, 3)))
	must(t, 201, "POST", reps[0].url+"/v1/needs", nd, nil)
	posted := time.Now()
	// The store is shared: the record is on B at once.
	must(t, 200, "GET", reps[1].url+"/v1/needs/far1", nil, nil)
	// B's local search index follows the change stream.
	url := reps[1].url + "/v1/search?kind=need&q=" + "跨副本可见性"
	for {
		var sr struct {
			Items []struct{ ID string }
		}
		must(t, 200, "GET", url, nil, &sr)
		if len(sr.Items) > 0 && sr.Items[0].ID == "far1" {
			t.Logf("need posted on replica A found by search on replica B after %v", time.Since(posted).Round(time.Millisecond))
			return
		}
		if time.Since(posted) > 15*time.Second {
			t.Fatalf("need posted on A not found by search on B after %v", time.Since(posted))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testRestart(t *testing.T, reps []*proc, srv *redistest.Server) {
	type result struct {
		id   string
		code int
		ct   string
		err  error
	}
	var mu sync.Mutex
	var acked []string
	var unavailable, other []result
	var seq int
	write := func(r *proc) result {
		mu.Lock()
		seq++
		id := fmt.Sprintf("w%05d", seq)
		mu.Unlock()
		code, ct, err := call("POST", r.url+"/v1/volunteers", fixture.Volunteer(id), nil)
		res := result{id, code, ct, err}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil && code == 201:
			acked = append(acked, id)
		case err == nil && code == 503:
			unavailable = append(unavailable, res)
		default:
			other = append(other, res)
		}
		return res
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				write(reps[w%2])
			}
		}()
	}
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), len(unavailable)
	}
	waitFor := func(what string, ok func() bool) {
		for start := time.Now(); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 30*time.Second {
				close(stop)
				wg.Wait()
				t.Fatalf("waited 30s for %s", what)
			}
		}
	}
	waitFor("100 acknowledged writes", func() bool { a, _ := count(); return a >= 100 })

	srv.Stop()
	ackedAtStop, _ := count()
	waitFor("20 answers of 503 from the replicas", func() bool { _, u := count(); return u >= 20 })
	// Reads answer 503 too, from both replicas.
	for _, r := range reps {
		code, ct, err := call("GET", r.url+"/v1/needs/n00", nil, nil)
		if err != nil || code != 503 || !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("GET need with redis down = %d %q %v, want 503 application/problem+json", code, ct, err)
		}
	}

	srv.Restart()
	waitFor("writes to succeed again after the restart", func() bool { a, _ := count(); return a >= ackedAtStop+100 })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for _, u := range unavailable {
		if !strings.HasPrefix(u.ct, "application/problem+json") {
			t.Errorf("503 for %s with Content-Type %q, want application/problem+json", u.id, u.ct)
			break
		}
	}
	if len(other) > 0 {
		t.Errorf("%d writes answered neither 201 nor 503, first: %+v", len(other), other[0])
	}
	// Every acknowledged write is there, read through the other replica.
	for i, id := range acked {
		if code, _, err := call("GET", reps[(i+1)%2].url+"/v1/volunteers/"+id, nil, nil); err != nil || code != 200 {
			t.Errorf("GET acknowledged volunteer %s after the restart = %d, %v, want 200", id, code, err)
		}
	}
	t.Logf("%d writes acknowledged (%d before the stop), %d answered 503 while redis was down", len(acked), ackedAtStop, len(unavailable))
}
