package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

const adminSecret = "vm_e2e_admin_secret"

// buildBinary builds cmd/volmatch into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "volmatch")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/volmatch")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/volmatch: %v\n%s", err, out)
	}
	return bin
}

// replica is a running `volmatch serve --redis` process.
type replica struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// startReplica starts `volmatch serve --redis URL` with its own data folder
// (its local search index) on a free loopback port and waits until it
// prints the URL it serves on. It is stopped by its PID when the test ends.
func startReplica(t *testing.T, bin, redisURL string) *replica {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--redis", redisURL, "--data", t.TempDir(),
		"--addr", "127.0.0.1:0", "--rate", "-1")
	cmd.Env = append(os.Environ(), "VOLMATCH_ADMIN_TOKEN="+adminSecret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{cmd: cmd, done: make(chan struct{}), log: &bytes.Buffer{}}
	cmd.Stderr = &lockedWriter{w: r.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "volmatch: serving on "); ok {
				urls <- u
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-r.done
		}
		if t.Failed() {
			t.Logf("replica %s log:\n%s", r.url, tail(r.log.String(), 30))
		}
	})
	select {
	case r.url = <-urls:
	case <-r.done:
		t.Fatalf("volmatch serve exited at start:\n%s", r.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("volmatch serve did not start within 60s:\n%s", r.log.String())
	}
	return r
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}

// call sends a request as the admin and decodes a JSON answer into out
// (when not nil); it returns the status and the Content-Type.
func call(method, url string, body, out any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, "", fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), nil
}

// must sends a request and fails the test unless the status is want.
func must(t *testing.T, want int, method, url string, body, out any) {
	t.Helper()
	got, _, err := call(method, url, body, out)
	if err != nil || got != want {
		t.Fatalf("%s %s = %d, %v, want %d", method, url, got, err, want)
	}
}

func volunteer(id string) volmatch.Volunteer {
	var w volmatch.Week
	for h := 0; h < volmatch.HoursPerWeek; h++ {
		w.Set(h)
	}
	return volmatch.Volunteer{
		ID: id, Name: "测试志愿者", Phone: "13800000000", Home: volmatch.Point{Lat: 39.92, Lng: 116.44},
		District: "110105", Street: "110105001000", MaxTravelKm: 10, Availability: w,
		Consent: volmatch.Consent{ShareContact: true},
	}
}

func need(id, title string, start time.Time, slots int) volmatch.Need {
	return volmatch.Need{
		ID: id, Org: "org1", Title: title, Description: "多副本测试", Domain: "elderly_care",
		TargetGroup: volmatch.TargetElderly, Mode: volmatch.ModeConcentrated, Urgency: volmatch.UrgencyNormal,
		Point: volmatch.Point{Lat: 39.93, Lng: 116.45}, District: "110105", Street: "110105001000", RadiusKm: 8,
		Shifts: []volmatch.Shift{{ID: "s1", Start: start, End: start.Add(3 * time.Hour), Slots: slots}},
	}
}

// TestReplicas runs two `volmatch serve --redis` processes on one
// redis-server: 500 concurrent accepts spread across both, a need posted on
// one found by search on the other, and redis-server stopped and restarted
// under traffic.
func TestReplicas(t *testing.T) {
	srv := redistest.Start(t)
	bin := buildBinary(t)
	reps := []*replica{startReplica(t, bin, srv.URL(0)), startReplica(t, bin, srv.URL(0))}
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

func testAccepts(t *testing.T, reps []*replica, st *redis.Store) {
	const needs, slots, vols = 10, 2, 50
	var ids []string
	for i := 0; i < vols; i++ {
		v := volunteer(fmt.Sprintf("v%03d", i))
		must(t, 201, "POST", reps[i%2].url+"/v1/volunteers", v, nil)
		ids = append(ids, v.ID)
	}
	// Shifts start ten minutes apart and last three hours: all overlap, so
	// each volunteer can hold at most one.
	t0 := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	var invites []string
	for n := 0; n < needs; n++ {
		nd := need(fmt.Sprintf("n%02d", n), "社区助老服务", t0.Add(time.Duration(n)*10*time.Minute), slots)
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

func testVisibility(t *testing.T, reps []*replica) {
	nd := need("far1", "跨副本可见性测试需求", time.Now().Add(72*time.Hour).Truncate(time.Hour), 3)
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

func testRestart(t *testing.T, reps []*replica, srv *redistest.Server) {
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
	write := func(r *replica) result {
		mu.Lock()
		seq++
		id := fmt.Sprintf("w%05d", seq)
		mu.Unlock()
		code, ct, err := call("POST", r.url+"/v1/volunteers", volunteer(id), nil)
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
