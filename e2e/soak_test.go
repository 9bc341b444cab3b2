package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/internal/servetest"
	"volmatch/store/bolt"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// The soak: mixed traffic from several clients against real `volmatch
// serve` processes while they (and redis-server) are killed and restarted,
// then every acknowledged write is looked for in what is stored.
//
// VOLMATCH_SOAK sets the traffic time (split between the bbolt and the
// Redis run); unset, a short run of 16 s is made, which still kills the
// server once and restarts redis-server once. `make soak` sets 5m.
// VOLMATCH_SOAK_SEED changes the seed of the traffic mix.

const (
	soakEnv     = "VOLMATCH_SOAK"
	soakSeedEnv = "VOLMATCH_SOAK_SEED"
	soakClients = 6
)

// soakKinds are the request kinds of the traffic mix with their weights.
var soakKinds = []struct {
	kind   string
	weight int
}{
	{"create_volunteer", 5}, {"create_need", 4}, {"invite", 18}, {"accept", 24}, {"decline", 3},
	{"checkin", 10}, {"checkout", 8}, {"rate", 5}, {"cancel", 6}, {"no_show", 3}, {"read", 14},
	{"batch", 1},
}

// TestSoak runs the soak in both store modes.
func TestSoak(t *testing.T) {
	total := 16 * time.Second
	if v := os.Getenv(soakEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a duration such as 5m", soakEnv, v)
		}
		total = d
	}
	seed := uint64(20261129)
	if v := os.Getenv(soakSeedEnv); v != "" {
		if _, err := fmt.Sscan(v, &seed); err != nil {
			t.Fatalf("%s=%q: want a number", soakSeedEnv, v)
		}
	}
	bin := servetest.Binary(t)
	t.Run("Bolt", func(t *testing.T) { soakBolt(t, bin, total/2, seed) })
	t.Run("Redis", func(t *testing.T) { soakRedis(t, bin, total/2, seed+1) })
}

// soakBolt soaks one `serve --data` process that is killed with SIGKILL and
// started again on the same address and file.
func soakBolt(t *testing.T, bin string, d time.Duration, seed uint64) {
	data := t.TempDir()
	srv := startServe(t, bin, "--data", data)
	rng := rand.New(rand.NewPCG(seed, 0xFA))
	faults := []fault{{"serve SIGKILL + restart", func() error {
		srv.kill()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		return srv.restart()
	}}}
	s := newSoak(t, []string{srv.url}, seed)
	s.logs = []*proc{srv}
	s.run(d, faults, 2)
	s.verify()
	// A last crash: the file is opened as the server left it.
	srv.kill()
	st, err := bolt.Open(filepath.Join(data, bolt.FileName), bolt.Options{})
	if err != nil {
		t.Fatalf("open the store file after the run: %v", err)
	}
	defer st.Close()
	s.verifyEvents(st)
	s.report()
}

// soakRedis soaks two `serve --redis` replicas on one redis-server while
// redis-server is stopped or killed and restarted and a replica is killed
// and restarted.
func soakRedis(t *testing.T, bin string, d time.Duration, seed uint64) {
	rs := redistest.Start(t) // a missing redis-server fails under CI=true
	reps := []*proc{startReplica(t, bin, rs.URL(0)), startReplica(t, bin, rs.URL(0))}
	rng := rand.New(rand.NewPCG(seed, 0xFB))
	down := func() { time.Sleep(time.Duration(100+rng.IntN(700)) * time.Millisecond) }
	restartRedis := func() error {
		rs.Restart() // fails the test itself when it cannot start
		return nil
	}
	faults := []fault{
		{"redis-server SIGTERM + restart", func() error { rs.Stop(); down(); return restartRedis() }},
		{"replica SIGKILL + restart", func() error {
			r := reps[rng.IntN(len(reps))]
			r.kill()
			down()
			return r.restart()
		}},
		{"redis-server SIGKILL + restart", func() error { rs.Kill(); down(); return restartRedis() }},
	}
	s := newSoak(t, []string{reps[0].url, reps[1].url}, seed)
	s.logs = reps
	s.run(d, faults, 3)
	s.verify()
	st, err := redis.Open(context.Background(), rs.URL(0), redis.Options{})
	if err != nil {
		t.Fatalf("open the redis store after the run: %v", err)
	}
	defer st.Close()
	s.verifyEvents(st)
	s.report()
}

// fault is one kind of fault the injector cycles through.
type fault struct {
	name string
	do   func() error
}

// kindStats counts the requests of one kind by outcome.
type kindStats struct {
	requests, acked, rejected int // 2xx, 409
	unavailable, connErr      int // 503, no answer (refused, reset, timed out, cut)
	other5xx                  int
	unexpected                int // 4xx other than 409: a bug of the client or the server
	retries, recovered        int // retries of an idempotent create; creates found stored by a retry (409)
	replayed                  int // answers replayed for an Idempotency-Key (Idempotent-Replayed: true)
	running                   int // 409: the first request with the key still runs (or died before writing, until its lease ends)
}

func (k *kindStats) add(o kindStats) {
	k.requests += o.requests
	k.acked += o.acked
	k.rejected += o.rejected
	k.unavailable += o.unavailable
	k.connErr += o.connErr
	k.other5xx += o.other5xx
	k.unexpected += o.unexpected
	k.retries += o.retries
	k.recovered += o.recovered
	k.replayed += o.replayed
	k.running += o.running
}

// invRec is what the clients know of an invitation: the status of its last
// acknowledged write, and whether a write after it went unanswered (then
// the stored status may have moved on).
type invRec struct {
	inv    volmatch.Invitation
	acked  volmatch.InviteStatus
	exact  bool
	client int
}

// asgRec is what the owning client knows of an assignment.
type asgRec struct {
	a      volmatch.Assignment
	acked  volmatch.AssignmentStatus // "" when the assignment was found, not acknowledged
	hours  float64                   // acknowledged check-out hours
	rating int                       // acknowledged rating
	exact  bool                      // no unanswered write since the last acknowledged one
	cur    volmatch.AssignmentStatus // the status the client believes (for choosing steps)
	unsure bool                      // an unanswered write: read it back before the next step
}

// ledger holds every acknowledged write of the run.
type ledger struct {
	mu      sync.Mutex
	vols    []string
	volSet  map[string]bool // acknowledged (true) or found stored by a retry (false)
	needs   []volmatch.Need
	needSet map[string]bool
	invs    map[string]*invRec
	asgs    map[string]*asgRec
	batches []batchRec
}

// batchRec is a batch commit over a need of its own, sent with an
// Idempotency-Key and retried with it until answered: the assignments its
// answer names (the first answer, replayed to a retry) must be exactly the
// need's direct assignments. A retry that ran the commit again would plan
// the volunteers into the need's other shift: duplicated.
type batchRec struct {
	need     string
	acked    []string // the assignment IDs of the answer
	resolved bool     // answered 200 (first or replayed); false: the answer was lost
}

// soak is one run: its clients, ledger, faults and findings.
type soak struct {
	t     *testing.T
	urls  []string
	seed  uint64
	base  time.Time // the day the shifts are on
	led   ledger
	stats map[string]*kindStats

	faults      []string
	faultErrors int
	logs        []*proc // the servers, whose logs explain a 5xx other than 503

	mu5xx   sync.Mutex
	other5  []string
	elapsed time.Duration

	// findings
	lost, overfilled, doubleBooked, fillDrift, statsDrift, eventDrift, torn, phantom, duplicated int
	examples                                                                                     []string
	stored                                                                                       struct{ vols, needs, invs, asgs, events int }
}

func newSoak(t *testing.T, urls []string, seed uint64) *soak {
	s := &soak{t: t, urls: urls, seed: seed, stats: map[string]*kindStats{},
		base: time.Now().Add(72 * time.Hour).Truncate(24 * time.Hour)}
	s.led.volSet, s.led.needSet = map[string]bool{}, map[string]bool{}
	s.led.invs, s.led.asgs = map[string]*invRec{}, map[string]*asgRec{}
	return s
}

// noteOther5xx keeps the first few answers of 5xx other than 503: a
// fault should give 503 (problem+json), not an internal error.
func (s *soak) noteOther5xx(what string) {
	s.mu5xx.Lock()
	defer s.mu5xx.Unlock()
	if len(s.other5) < 5 {
		s.other5 = append(s.other5, what)
	}
}

// finding records a failed check, keeping a few examples.
func (s *soak) finding(n *int, format string, args ...any) {
	*n++
	if len(s.examples) < 20 {
		s.examples = append(s.examples, fmt.Sprintf(format, args...))
	}
}

// run sends the traffic for d (longer if fewer than minFaults faults were
// injected by then) while injecting a fault every period, cycling through
// faults, then waits until every server answers again.
func (s *soak) run(d time.Duration, faults []fault, minFaults int) {
	t := s.t
	s.seedData()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	clients := make([]*soakClient, soakClients)
	for i := range clients {
		clients[i] = s.newClient(i)
		wg.Add(1)
		go func() { defer wg.Done(); clients[i].loop(stop) }()
	}
	start := time.Now()
	period := min(10*time.Second, d/time.Duration(minFaults+1))
	for i := 0; ; i++ {
		time.Sleep(period)
		if time.Since(start) >= d && len(s.faults) >= minFaults {
			break
		}
		f := faults[i%len(faults)]
		if err := f.do(); err != nil {
			s.faultErrors++
			t.Errorf("fault %q: %v", f.name, err)
		}
		s.faults = append(s.faults, f.name)
	}
	close(stop)
	wg.Wait()
	s.elapsed = time.Since(start)
	for _, c := range clients {
		for k, v := range c.stats {
			if s.stats[k] == nil {
				s.stats[k] = &kindStats{}
			}
			s.stats[k].add(*v)
		}
	}
	for _, u := range s.urls {
		s.waitReady(u)
	}
}

func (s *soak) waitReady(url string) {
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if code, _, err := call("GET", url+"/readyz", nil, nil); err == nil && code == 200 {
			return
		}
		if time.Since(start) > 60*time.Second {
			s.t.Fatalf("%s not ready 60s after the traffic stopped", url)
		}
	}
}

// seedData creates the first volunteers and needs (acknowledged writes
// like any other).
func (s *soak) seedData() {
	c := s.newClient(-1)
	for i := 0; i < 40; i++ {
		c.createVolunteer()
	}
	for i := 0; i < 8; i++ {
		c.createNeed()
	}
	s.stats["seed"] = &kindStats{}
	for _, v := range c.stats {
		s.stats["seed"].add(*v)
	}
	if len(s.led.vols) != 40 || len(s.led.needs) != 8 {
		s.t.Fatalf("seeding made %d volunteers and %d needs, want 40 and 8", len(s.led.vols), len(s.led.needs))
	}
}

// soakClient sends one client's share of the traffic. It accepts only the
// invitations it sent and steps only the assignments it holds, so that its
// ledger entries have one writer; the volunteers and needs it invites are
// everyone's, so clients race for the same slots and the same volunteers.
type soakClient struct {
	s     *soak
	id    int
	rng   *rand.Rand
	hc    *http.Client
	stats map[string]*kindStats
	next  int
	sent  []string // own invitations believed sent
	maybe []string // own invitations with an unanswered accept or decline
	live  []string // own assignments not yet at the end of their life
}

func (s *soak) newClient(id int) *soakClient {
	return &soakClient{s: s, id: id, rng: rand.New(rand.NewPCG(s.seed, uint64(id+1000))),
		hc:    &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
		stats: map[string]*kindStats{}}
}

type outcome int

const (
	acked outcome = iota
	rejected
	unacked
	unexpected
)

// send sends one request to one of the servers (chosen by the client's
// PCG) and counts its outcome under kind.
func (c *soakClient) send(kind, method, path string, body, out any) (outcome, int) {
	return c.sendKeyed(kind, method, path, "", body, out)
}

// sendKeyed is send with an Idempotency-Key ("" for none).
func (c *soakClient) sendKeyed(kind, method, path, key string, body, out any) (outcome, int) {
	st := c.stats[kind]
	if st == nil {
		st = &kindStats{}
		c.stats[kind] = st
	}
	st.requests++
	url := c.s.urls[c.rng.IntN(len(c.s.urls))] + path
	code, replayed, err := callKeyed(c.hc, method, url, key, body, out)
	if replayed {
		st.replayed++
	}
	if code == http.StatusConflict && errors.Is(err, errRunning) {
		// The first request with the key is still running (or died before
		// writing, until its lease ends): no answer yet.
		st.running++
		return unacked, code
	}
	switch {
	case err != nil && code == 0:
		st.connErr++
		return unacked, 0
	case err != nil:
		st.unexpected++ // a 2xx whose body does not decode
		c.s.t.Errorf("%s %s: %v", method, path, err)
		return unexpected, code
	case code >= 200 && code < 300:
		st.acked++
		return acked, code
	case code == http.StatusConflict:
		st.rejected++
		return rejected, code
	case code == http.StatusServiceUnavailable:
		st.unavailable++
		return unacked, code
	case code >= 500:
		st.other5xx++
		c.s.noteOther5xx(fmt.Sprintf("%s %s = %d", method, path, code))
		return unacked, code
	}
	st.unexpected++
	c.s.t.Errorf("%s %s = %d, want 2xx, 409 or 503", method, path, code)
	return unexpected, code
}

// callKeyed is callWith with an Idempotency-Key header (none when key is
// ""), reporting whether the answer was a replay.
func callKeyed(c *http.Client, method, url, key string, body, out any) (int, bool, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, false, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, false, fmt.Errorf("read answer of %s %s (status %d): %w", method, url, resp.StatusCode, err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, false, fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	if resp.StatusCode == http.StatusConflict && key != "" && bytes.Contains(b, []byte("is still running")) {
		return resp.StatusCode, false, errRunning
	}
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", nil
}

// errRunning is a 409 for an Idempotency-Key whose first request is still
// running.
var errRunning = errors.New("a request with the key is still running")

// key returns a fresh Idempotency-Key of the client.
func (c *soakClient) key() string {
	c.next++
	return fmt.Sprintf("soak-%d-%d-%d", c.s.seed, c.id, c.next)
}

// pause lets a fault pass before the next request.
func (c *soakClient) pause() { time.Sleep(time.Duration(20+c.rng.IntN(60)) * time.Millisecond) }

func (c *soakClient) loop(stop <-chan struct{}) {
	total := 0
	for _, k := range soakKinds {
		total += k.weight
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		if len(c.maybe) > 0 && c.rng.IntN(4) == 0 {
			c.reconcile()
			continue
		}
		r := c.rng.IntN(total)
		kind := ""
		for _, k := range soakKinds {
			if r -= k.weight; r < 0 {
				kind = k.kind
				break
			}
		}
		if !c.do(kind) {
			c.invite() // nothing to act on: make work
		}
	}
}

// do sends one request of kind; false when the client has nothing to send
// it about.
func (c *soakClient) do(kind string) bool {
	switch kind {
	case "create_volunteer":
		c.createVolunteer()
	case "create_need":
		c.createNeed()
	case "invite":
		c.invite()
	case "accept", "decline":
		return c.answer(kind)
	case "checkin":
		return c.step(kind, "checkin", volmatch.AssignReserved, map[string]any{})
	case "checkout":
		return c.step(kind, "checkout", volmatch.AssignCheckedIn, map[string]any{"hours": float64(1+c.rng.IntN(16)) / 4})
	case "rate":
		return c.step(kind, "rating", volmatch.AssignCompleted, map[string]any{"rating": 1 + c.rng.IntN(5)})
	case "cancel":
		return c.step(kind, "cancel", volmatch.AssignReserved, map[string]any{"reason": "soak"})
	case "no_show":
		return c.step(kind, "no-show", volmatch.AssignReserved, map[string]any{})
	case "read":
		c.read()
	case "batch":
		c.batch()
	}
	return true
}

// create sends an idempotent create (the client chose the ID), retrying
// while it goes unanswered; it reports whether the record is stored and
// whether that was acknowledged (rather than found by a retry's 409).
func (c *soakClient) create(kind, path string, body any) (stored, ack bool) {
	key := c.key()
	for try := 0; try < 600; try++ {
		if try > 0 {
			c.stats[kind].retries++
		}
		o, _ := c.sendKeyed(kind, "POST", path, key, body, nil)
		switch o {
		case acked:
			return true, true
		case rejected:
			if try == 0 {
				c.s.t.Errorf("POST %s of a new ID = 409 on the first try", path)
				return false, false
			}
			c.stats[kind].recovered++
			return true, false
		case unexpected:
			return false, false
		}
		c.pause()
	}
	return false, false
}

func (c *soakClient) createVolunteer() {
	c.next++
	id := fmt.Sprintf("sv%d-%05d", c.id+1, c.next)
	if stored, ack := c.create("create_volunteer", "/v1/volunteers", fixture.Volunteer(id)); stored {
		l := &c.s.led
		l.mu.Lock()
		l.vols = append(l.vols, id)
		l.volSet[id] = ack
		l.mu.Unlock()
	}
}

func (c *soakClient) createNeed() {
	c.next++
	n := fixture.Need(fmt.Sprintf("sn%d-%05d", c.id+1, c.next), fixture.Title("压力测试社区服务"), fixture.Shifts())
	for k := 0; k < 1+c.rng.IntN(3); k++ {
		start := c.s.base.Add(time.Duration(c.rng.IntN(72)) * 30 * time.Minute)
		n.Shifts = append(n.Shifts, volmatch.Shift{ID: fmt.Sprintf("s%d", k+1), Start: start,
			End: start.Add(time.Duration(1+c.rng.IntN(3)) * time.Hour), Slots: 1 + c.rng.IntN(3)})
	}
	if stored, ack := c.create("create_need", "/v1/needs", n); stored {
		l := &c.s.led
		l.mu.Lock()
		l.needs = append(l.needs, *n)
		l.needSet[n.ID] = ack
		l.mu.Unlock()
	}
}

// hot picks from the newest few items most of the time, so that clients
// contend for the same shifts and volunteers.
func hot[T any](rng *rand.Rand, xs []T, window int) T {
	if len(xs) > window && rng.IntN(5) != 0 {
		return xs[len(xs)-window+rng.IntN(window)]
	}
	return xs[rng.IntN(len(xs))]
}

func (c *soakClient) invite() {
	l := &c.s.led
	l.mu.Lock()
	n := hot(c.rng, l.needs, 10)
	var vols []string
	seen := map[string]bool{}
	for k := 0; k < 1+c.rng.IntN(3); k++ {
		v := hot(c.rng, l.vols, 30)
		if !seen[v] {
			seen[v] = true
			vols = append(vols, v)
		}
	}
	l.mu.Unlock()
	shift := n.Shifts[c.rng.IntN(len(n.Shifts))].ID
	var out struct{ Items []volmatch.Invitation }
	// Retried with its key while unanswered: a retry gets the first
	// answer, never a second set of invitations.
	key := c.key()
	for try := 0; ; try++ {
		if try > 0 {
			c.stats["invite"].retries++
		}
		o, _ := c.sendKeyed("invite", "POST", "/v1/needs/"+n.ID+"/invites", key, map[string]any{"shift": shift, "volunteers": vols}, &out)
		if o == acked {
			break
		}
		if o != unacked || try == 20 {
			return
		}
		c.pause()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, inv := range out.Items {
		l.invs[inv.ID] = &invRec{inv: inv, acked: volmatch.InviteSent, exact: true, client: c.id}
		c.sent = append(c.sent, inv.ID)
	}
}

// answer accepts or declines one of the client's sent invitations.
func (c *soakClient) answer(kind string) bool {
	if len(c.sent) == 0 {
		return false
	}
	i := c.rng.IntN(len(c.sent))
	id := c.sent[i]
	c.sent[i] = c.sent[len(c.sent)-1]
	c.sent = c.sent[:len(c.sent)-1]
	rec := c.s.led.invRec(id)
	if kind == "decline" {
		switch o, _ := c.send(kind, "POST", "/v1/invites/"+id+"/decline", nil, nil); o {
		case acked:
			rec.acked, rec.exact = volmatch.InviteDeclined, true
		case unacked:
			rec.exact = false
			c.maybe = append(c.maybe, id)
			c.pause()
		}
		return true
	}
	var a volmatch.Assignment
	switch o, _ := c.send(kind, "POST", "/v1/invites/"+id+"/accept", nil, &a); o {
	case acked:
		rec.acked, rec.exact = volmatch.InviteAccepted, true
		c.s.led.addAsg(&asgRec{a: a, acked: a.Status, exact: true, cur: a.Status})
		c.live = append(c.live, a.ID)
	case rejected:
		// Full or overlapping: still sent; try again later now and then.
		if c.rng.IntN(3) == 0 {
			c.sent = append(c.sent, id)
		}
	case unacked:
		rec.exact = false
		c.maybe = append(c.maybe, id)
		c.pause()
	}
	return true
}

// reconcile reads back an invitation whose answer went unanswered: still
// sent, it can be answered again; accepted, its assignment is found and
// carried on with.
func (c *soakClient) reconcile() {
	id := c.maybe[0]
	var inv volmatch.Invitation
	if o, _ := c.send("read", "GET", "/v1/invites/"+id, nil, &inv); o != acked {
		c.pause()
		return
	}
	c.maybe = c.maybe[1:]
	switch inv.Status {
	case volmatch.InviteSent:
		c.sent = append(c.sent, id)
	case volmatch.InviteAccepted:
		var page struct{ Items []volmatch.Assignment }
		q := fmt.Sprintf("/v1/assignments?volunteer=%s&need=%s&shift=%s", inv.Volunteer, inv.Need, inv.Shift)
		if o, _ := c.send("read", "GET", q, nil, &page); o != acked {
			c.maybe = append(c.maybe, id)
			return
		}
		for _, a := range page.Items {
			if a.Invite == id {
				c.s.led.addAsg(&asgRec{a: a, cur: a.Status})
				c.live = append(c.live, a.ID)
			}
		}
	}
}

// step moves one of the client's assignments in status from on by the
// route's action. An assignment whose last step went unanswered is read
// back first.
func (c *soakClient) step(kind, action string, from volmatch.AssignmentStatus, body map[string]any) bool {
	for try := 0; try < 8 && len(c.live) > 0; try++ {
		i := c.rng.IntN(len(c.live))
		rec := c.s.led.asgRec(c.live[i])
		if rec.unsure {
			var a volmatch.Assignment
			if o, _ := c.send("read", "GET", "/v1/assignments/"+rec.a.ID, nil, &a); o != acked {
				c.pause()
				return true
			}
			rec.cur, rec.unsure = a.Status, false
			rec.a.Rating = a.Rating
		}
		if rec.cur != from || kind == "rate" && rec.a.Rating != 0 {
			if done(rec) {
				c.live[i] = c.live[len(c.live)-1]
				c.live = c.live[:len(c.live)-1]
			}
			continue
		}
		if kind == "checkout" {
			// Hours never exceed the shift's length (Step.Apply refuses more).
			if l := rec.a.End.Sub(rec.a.Start).Hours(); l > 0 && body["hours"].(float64) > l {
				body["hours"] = l
			}
			// The organisation records the times (the shifts are days
			// ahead): within the windows around the shift.
			body["at"] = rec.a.End
		}
		if kind == "checkin" {
			body["at"] = rec.a.Start
		}
		var a volmatch.Assignment
		switch o, _ := c.send(kind, "POST", "/v1/assignments/"+rec.a.ID+"/"+action, body, &a); o {
		case acked:
			rec.acked, rec.cur, rec.exact = a.Status, a.Status, true
			if kind == "checkout" {
				rec.hours = body["hours"].(float64)
			}
			if kind == "rate" {
				rec.rating, rec.a.Rating = body["rating"].(int), a.Rating
			}
		case rejected:
			// Only this client steps the assignment, so the status moved
			// under it: a step it gave up on (timed out) landed late.
			// Read it back before the next step.
			rec.unsure = true
		case unacked:
			rec.exact, rec.unsure = false, true
			c.pause()
		}
		return true
	}
	return false
}

// done reports whether an assignment has no step left.
func done(r *asgRec) bool {
	switch r.cur {
	case volmatch.AssignCancelled, volmatch.AssignNoShow:
		return true
	case volmatch.AssignCompleted:
		return r.a.Rating != 0
	}
	return false
}

func (c *soakClient) read() {
	l := &c.s.led
	l.mu.Lock()
	n := hot(c.rng, l.needs, 10)
	v := hot(c.rng, l.vols, 30)
	l.mu.Unlock()
	path := "/v1/needs/" + n.ID
	if c.rng.IntN(2) == 0 {
		path = "/v1/assignments?volunteer=" + v
	}
	if o, _ := c.send("read", "GET", path, nil, nil); o == unacked {
		c.pause()
	}
}

// batch posts a need of its own with two shifts far from the rest of the
// traffic and commits a batch over it with an Idempotency-Key, retried
// with the key until answered.
func (c *soakClient) batch() {
	c.next++
	id := fmt.Sprintf("sb%d-%05d", c.id+1, c.next)
	day := c.s.base.Add(5*24*time.Hour + time.Duration(c.id*64+c.rng.IntN(64))*7*time.Hour)
	n := fixture.Need(id, fixture.Title("压力测试集中服务"), fixture.Shifts(
		volmatch.Shift{ID: "a", Start: day, End: day.Add(2 * time.Hour), Slots: 1000},
		volmatch.Shift{ID: "b", Start: day.Add(3 * time.Hour), End: day.Add(5 * time.Hour), Slots: 1000}))
	if stored, _ := c.create("create_need", "/v1/needs", n); !stored {
		return
	}
	rec := batchRec{need: id}
	key := c.key()
	body := map[string]any{"needs": []string{id}, "max_per_volunteer": 1, "dry_run": false}
	for try := 0; try < 600; try++ {
		if try > 0 {
			c.stats["batch"].retries++
		}
		var out struct{ Assignments []volmatch.Assignment }
		o, code := c.sendKeyed("batch", "POST", "/v1/assignments/batch", key, body, &out)
		if o == acked {
			rec.resolved = true
			for _, a := range out.Assignments {
				rec.acked = append(rec.acked, a.ID)
			}
			break
		}
		if o == rejected && try > 0 {
			break // committed, its answer lost: resolved false
		}
		if o != unacked || code == http.StatusConflict {
			break
		}
		c.pause()
	}
	l := &c.s.led
	l.mu.Lock()
	l.batches = append(l.batches, rec)
	l.mu.Unlock()
}

func (l *ledger) invRec(id string) *invRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.invs[id]
}

func (l *ledger) asgRec(id string) *asgRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.asgs[id]
}

func (l *ledger) addAsg(r *asgRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asgs[r.a.ID] = r
}

// verify reads everything back through the API and checks it against the
// ledger and the invariants.
func (s *soak) verify() {
	t := s.t
	u := s.urls[0]
	vols := listAll[volmatch.Volunteer](t, u, "/v1/volunteers")
	needs := listAll[volmatch.Need](t, u, "/v1/needs")
	invs := listAll[volmatch.Invitation](t, u, "/v1/invites")
	asgs := listAll[volmatch.Assignment](t, u, "/v1/assignments")
	s.stored.vols, s.stored.needs, s.stored.invs, s.stored.asgs = len(vols), len(needs), len(invs), len(asgs)
	volBy := map[string]*volmatch.Volunteer{}
	for i := range vols {
		volBy[vols[i].ID] = &vols[i]
	}
	needBy := map[string]*volmatch.Need{}
	for i := range needs {
		needBy[needs[i].ID] = &needs[i]
	}
	invBy := map[string]*volmatch.Invitation{}
	for i := range invs {
		invBy[invs[i].ID] = &invs[i]
	}
	asgBy := map[string]*volmatch.Assignment{}
	for i := range asgs {
		asgBy[asgs[i].ID] = &asgs[i]
	}

	// Lost acknowledged writes.
	l := &s.led
	for id := range l.volSet {
		if volBy[id] == nil {
			s.finding(&s.lost, "volunteer %s (acknowledged=%v) is missing", id, l.volSet[id])
		}
	}
	for _, n := range l.needs {
		got := needBy[n.ID]
		if got == nil {
			s.finding(&s.lost, "need %s (acknowledged=%v) is missing", n.ID, l.needSet[n.ID])
			continue
		}
		if len(got.Shifts) != len(n.Shifts) {
			s.finding(&s.lost, "need %s has %d shifts, want %d", n.ID, len(got.Shifts), len(n.Shifts))
			continue
		}
		for k, sh := range n.Shifts {
			g := got.Shifts[k]
			if g.ID != sh.ID || !g.Start.Equal(sh.Start) || !g.End.Equal(sh.End) || g.Slots != sh.Slots {
				s.finding(&s.lost, "need %s shift %d = %+v, want %+v", n.ID, k, g, sh)
			}
		}
	}
	for id, r := range l.invs {
		got := invBy[id]
		switch {
		case got == nil:
			s.finding(&s.lost, "invitation %s (acknowledged %s) is missing", id, r.acked)
		case got.Status == r.acked:
		case r.exact && r.acked == volmatch.InviteSent:
			s.finding(&s.phantom, "invitation %s is %s, want sent (every answer to it was refused or not sent)", id, got.Status)
		case r.exact:
			s.finding(&s.lost, "invitation %s is %s, want %s (its last write was acknowledged)", id, got.Status, r.acked)
		case r.acked != volmatch.InviteSent:
			s.finding(&s.lost, "invitation %s is %s, want %s (acknowledged before)", id, got.Status, r.acked)
		}
	}
	for id, r := range l.asgs {
		got := asgBy[id]
		if got == nil {
			s.finding(&s.lost, "assignment %s (acknowledged %q) is missing", id, r.acked)
			continue
		}
		if r.acked == "" {
			continue // found by a read, never acknowledged
		}
		if r.exact && got.Status != r.acked {
			s.finding(&s.lost, "assignment %s is %s, want %s (its last write was acknowledged)", id, got.Status, r.acked)
		}
		if !r.exact && !reachable(r.acked, got.Status) {
			s.finding(&s.lost, "assignment %s is %s, cannot follow the acknowledged %s", id, got.Status, r.acked)
		}
		if r.hours != 0 && got.Hours != r.hours {
			s.finding(&s.lost, "assignment %s has %v hours, want the acknowledged %v", id, got.Hours, r.hours)
		}
		if r.rating != 0 && got.Rating != r.rating {
			s.finding(&s.lost, "assignment %s has rating %d, want the acknowledged %d", id, got.Rating, r.rating)
		}
	}

	// Batch commits retried with their key: the need's direct assignments
	// are exactly the answer's (one more would be a second run).
	for _, b := range l.batches {
		if needBy[b.need] == nil {
			s.finding(&s.lost, "batch need %s is missing", b.need)
			continue
		}
		if !b.resolved {
			continue
		}
		mine := map[string]bool{}
		for _, id := range b.acked {
			mine[id] = true
			if asgBy[id] == nil {
				s.finding(&s.lost, "assignment %s of the acknowledged batch over %s is missing", id, b.need)
			}
		}
		for _, a := range asgs {
			if a.Need == b.need && a.Invite == "" && !mine[a.ID] {
				s.finding(&s.duplicated, "assignment %s of batch need %s is not in the batch's answer: written by a retry", a.ID, b.need)
			}
		}
	}

	// Overfilled slots, fill counts, double bookings, invitations behind
	// assignments, volunteer stats.
	holding := map[string]int{}
	byVol := map[string][]*volmatch.Assignment{}
	accepts := map[string]int{}
	for _, a := range asgs {
		if a.Invite != "" {
			accepts[a.Invite]++
			inv := invBy[a.Invite]
			if inv == nil || inv.Status != volmatch.InviteAccepted || inv.Need != a.Need || inv.Shift != a.Shift || inv.Volunteer != a.Volunteer {
				s.finding(&s.torn, "assignment %s: its invitation %s is %+v", a.ID, a.Invite, inv)
			}
		}
		if a.Status.Holds() {
			holding[a.Need+"/"+a.Shift]++
		}
		byVol[a.Volunteer] = append(byVol[a.Volunteer], &a)
	}
	for _, inv := range invs {
		if inv.Status == volmatch.InviteAccepted && accepts[inv.ID] != 1 {
			s.finding(&s.torn, "accepted invitation %s has %d assignments, want 1", inv.ID, accepts[inv.ID])
		}
	}
	for _, n := range needs {
		for _, sh := range n.Shifts {
			h := holding[n.ID+"/"+sh.ID]
			if h > sh.Slots {
				s.finding(&s.overfilled, "need %s shift %s: %d assignments hold it, %d slots", n.ID, sh.ID, h, sh.Slots)
			}
			if sh.Filled != h {
				s.finding(&s.fillDrift, "need %s shift %s: Filled %d, %d assignments hold it", n.ID, sh.ID, sh.Filled, h)
			}
		}
	}
	declined := map[string]int{}
	for _, inv := range invs {
		if inv.Status == volmatch.InviteDeclined {
			declined[inv.Volunteer]++
		}
	}
	for _, v := range vols {
		var want volmatch.VolunteerStats
		as := byVol[v.ID]
		for i, a := range as {
			switch a.Status {
			case volmatch.AssignCompleted:
				want.Completed++
				want.Hours += a.Hours
			case volmatch.AssignNoShow:
				want.NoShows++
			case volmatch.AssignCancelled:
				want.Cancelled++
			default:
				want.Load++
			}
			for _, b := range as[:i] {
				if a.Status.Holds() && b.Status.Holds() && volmatch.Overlap(a.Start, a.End, b.Start, b.End) {
					s.finding(&s.doubleBooked, "volunteer %s holds %s (%s) and %s (%s), which overlap", v.ID, a.ID, a.Shift, b.ID, b.Shift)
				}
			}
		}
		want.Declined = declined[v.ID]
		got := v.Stats
		if got.Hours != want.Hours || got.Completed != want.Completed || got.NoShows != want.NoShows ||
			got.Cancelled != want.Cancelled || got.Declined != want.Declined || got.Load != want.Load {
			s.finding(&s.statsDrift, "volunteer %s stats %+v, assignments say %+v", v.ID, got, want)
		}
	}
	s.checkFindings()
}

// reachable reports whether an assignment may be in to after being
// acknowledged in from (later steps that went unanswered may have landed).
func reachable(from, to volmatch.AssignmentStatus) bool {
	next := map[volmatch.AssignmentStatus][]volmatch.AssignmentStatus{
		volmatch.AssignReserved:  {volmatch.AssignCheckedIn, volmatch.AssignCancelled, volmatch.AssignNoShow},
		volmatch.AssignCheckedIn: {volmatch.AssignCompleted},
	}
	if from == to {
		return true
	}
	for _, n := range next[from] {
		if reachable(n, to) {
			return true
		}
	}
	return false
}

// eventReader is the part of a store the event check reads.
type eventReader interface {
	Events(ctx context.Context, after uint64, limit int) ([]volmatch.Event, error)
	Assignments(ctx context.Context, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error)
	Invitations(ctx context.Context, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error)
	Needs(ctx context.Context, f volmatch.NeedFilter) ([]*volmatch.Need, string, error)
}

// verifyEvents reads the store directly and checks that the event log
// matches the records: every need posted once, every invitation sent once
// and answered as stored, every reservation with its invite.accepted and
// every step of its life, no event without its record.
func (s *soak) verifyEvents(st eventReader) {
	ctx := context.Background()
	var evs []volmatch.Event
	for after := uint64(0); ; {
		page, err := st.Events(ctx, after, 1000)
		if err != nil {
			s.t.Fatalf("read events: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if ev.Seq <= after {
				s.finding(&s.eventDrift, "event seq %d after %d", ev.Seq, after)
			}
			after = ev.Seq
		}
		evs = append(evs, page...)
	}
	s.stored.events = len(evs)
	type key struct {
		typ volmatch.EventType
		id  string
	}
	got := map[key]int{}
	for _, ev := range evs {
		switch ev.Type {
		case volmatch.EventNeedPosted:
			got[key{ev.Type, ev.Need}]++
		case volmatch.EventInviteSent, volmatch.EventInviteDeclined:
			got[key{ev.Type, ev.Invite}]++
		case volmatch.EventInviteAccepted, volmatch.EventCheckIn, volmatch.EventCheckOut, volmatch.EventRated,
			volmatch.EventCancelled, volmatch.EventNoShow:
			got[key{ev.Type, ev.Assignment}]++
		}
	}
	want := map[key]int{}
	needs := listStore(s.t, func(o volmatch.ListOptions) ([]*volmatch.Need, string, error) {
		return st.Needs(ctx, volmatch.NeedFilter{ListOptions: o})
	})
	for _, n := range needs {
		want[key{volmatch.EventNeedPosted, n.ID}] = 1
	}
	invs := listStore(s.t, func(o volmatch.ListOptions) ([]*volmatch.Invitation, string, error) {
		return st.Invitations(ctx, volmatch.InvitationFilter{ListOptions: o})
	})
	for _, inv := range invs {
		want[key{volmatch.EventInviteSent, inv.ID}] = 1
		if inv.Status == volmatch.InviteDeclined {
			want[key{volmatch.EventInviteDeclined, inv.ID}] = 1
		}
	}
	asgs := listStore(s.t, func(o volmatch.ListOptions) ([]*volmatch.Assignment, string, error) {
		return st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: o})
	})
	for _, a := range asgs {
		want[key{volmatch.EventInviteAccepted, a.ID}] = 1
		switch a.Status {
		case volmatch.AssignCheckedIn:
			want[key{volmatch.EventCheckIn, a.ID}] = 1
		case volmatch.AssignCompleted:
			want[key{volmatch.EventCheckIn, a.ID}] = 1
			want[key{volmatch.EventCheckOut, a.ID}] = 1
		case volmatch.AssignCancelled:
			want[key{volmatch.EventCancelled, a.ID}] = 1
		case volmatch.AssignNoShow:
			want[key{volmatch.EventNoShow, a.ID}] = 1
		}
		if a.Rating != 0 {
			want[key{volmatch.EventRated, a.ID}] = 1
		}
	}
	if len(asgs) != s.stored.asgs || len(invs) != s.stored.invs || len(needs) != s.stored.needs {
		s.finding(&s.lost, "the store holds %d needs, %d invitations, %d assignments; the API showed %d, %d, %d",
			len(needs), len(invs), len(asgs), s.stored.needs, s.stored.invs, s.stored.asgs)
	}
	keys := make([]key, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].id+string(keys[i].typ) < keys[j].id+string(keys[j].typ) })
	for _, k := range keys {
		if got[k] != want[k] {
			s.finding(&s.eventDrift, "%s events of %s: %d, want %d", k.typ, k.id, got[k], want[k])
		}
	}
	s.checkFindings()
}

func listStore[T any](t *testing.T, page func(volmatch.ListOptions) ([]*T, string, error)) []*T {
	var all []*T
	for o := (volmatch.ListOptions{Limit: 1000}); ; {
		xs, next, err := page(o)
		if err != nil {
			t.Fatalf("list from the store: %v", err)
		}
		all = append(all, xs...)
		if next == "" {
			return all
		}
		o.After = next
	}
}

func (s *soak) checkFindings() {
	s.t.Helper()
	for _, f := range []struct {
		name string
		n    int
	}{
		{"lost acknowledged writes", s.lost}, {"overfilled shifts", s.overfilled}, {"double bookings", s.doubleBooked},
		{"fill counts off", s.fillDrift}, {"volunteer stats off", s.statsDrift}, {"event log off", s.eventDrift},
		{"torn reservations", s.torn}, {"refused writes that were stored", s.phantom},
		{"writes duplicated by a retry", s.duplicated},
	} {
		if f.n != 0 {
			s.t.Errorf("%s: %d", f.name, f.n)
		}
	}
	if len(s.examples) > 0 && s.t.Failed() {
		s.t.Logf("examples:\n  %s", strings.Join(s.examples, "\n  "))
		s.examples = nil
	}
}

// report logs the run's figures (make soak copies them to the notes).
func (s *soak) report() {
	var b strings.Builder
	fmt.Fprintf(&b, "soak %s: %d clients, %v of traffic, seed %d\n", s.t.Name(), soakClients, s.elapsed.Round(time.Second), s.seed)
	counts := map[string]int{}
	for _, f := range s.faults {
		counts[f]++
	}
	names := make([]string, 0, len(counts))
	for f := range counts {
		names = append(names, f)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "faults injected: %d", len(s.faults))
	for _, f := range names {
		fmt.Fprintf(&b, "; %s ×%d", f, counts[f])
	}
	fmt.Fprintf(&b, "\n%-17s %8s %8s %8s %8s %8s %8s %8s %8s %9s %8s %8s\n", "kind", "requests", "2xx", "409", "503", "no-answer", "other5xx", "bad4xx", "retries", "recovered", "replayed", "running")
	kinds := make([]string, 0, len(s.stats))
	for k := range s.stats {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var tot kindStats
	writes := 0
	for _, k := range kinds {
		v := s.stats[k]
		tot.add(*v)
		if k != "read" {
			writes += v.acked
		}
		fmt.Fprintf(&b, "%-17s %8d %8d %8d %8d %8d %8d %8d %8d %9d %8d %8d\n", k, v.requests, v.acked, v.rejected, v.unavailable, v.connErr, v.other5xx, v.unexpected, v.retries, v.recovered, v.replayed, v.running)
	}
	fmt.Fprintf(&b, "%-17s %8d %8d %8d %8d %8d %8d %8d %8d %9d %8d %8d\n", "total", tot.requests, tot.acked, tot.rejected, tot.unavailable, tot.connErr, tot.other5xx, tot.unexpected, tot.retries, tot.recovered, tot.replayed, tot.running)
	fmt.Fprintf(&b, "acknowledged writes: %d; unacknowledged (503 + no answer + other 5xx): %d\n", writes, tot.unavailable+tot.connErr+tot.other5xx)
	fmt.Fprintf(&b, "stored: %d volunteers, %d needs, %d invitations, %d assignments, %d events\n",
		s.stored.vols, s.stored.needs, s.stored.invs, s.stored.asgs, s.stored.events)
	resolved := 0
	for _, bt := range s.led.batches {
		if bt.resolved {
			resolved++
		}
	}
	fmt.Fprintf(&b, "batch commits with an Idempotency-Key: %d answered, %d with the answer lost\n", resolved, len(s.led.batches)-resolved)
	fmt.Fprintf(&b, "lost: %d; overfilled: %d; double bookings: %d; duplicated: %d; fill counts off: %d; stats off: %d; event log off: %d; torn: %d; refused but stored: %d",
		s.lost, s.overfilled, s.doubleBooked, s.duplicated, s.fillDrift, s.statsDrift, s.eventDrift, s.torn, s.phantom)
	if len(s.other5) > 0 {
		fmt.Fprintf(&b, "\nanswers of 5xx other than 503: %s", strings.Join(s.other5, "; "))
		for _, p := range s.logs {
			for _, line := range strings.Split(p.log.String(), "\n") {
				if strings.Contains(line, "status=5") && !strings.Contains(line, "status=503") {
					fmt.Fprintf(&b, "\n  %s: %s", p.url, line)
				}
			}
		}
	}
	s.t.Log("\n" + b.String())
	if tot.other5xx != 0 {
		// A fault should answer 503: the store's EUNAVAILABLE.
		s.t.Errorf("%d answers of 5xx other than 503 (first: %s)", tot.other5xx, s.other5[0])
	}
	if s.lost+s.overfilled+s.doubleBooked+s.duplicated+s.fillDrift+s.statsDrift+s.eventDrift+s.torn+s.phantom != 0 {
		s.t.Error(errors.New("the soak found broken records (see above)"))
	}
}
