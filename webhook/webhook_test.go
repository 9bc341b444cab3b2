package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/webhook"
)

const secret = "a-test-secret-of-32-characters!!"

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func (r *receiver) hits() []string   { r.mu.Lock(); defer r.mu.Unlock(); return slices.Clone(r.keys) }
func (r *receiver) bodies() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// receiver is a gateway on loopback: it verifies each request's signature
// with its secret at the test's clock and answers with respond.
type receiver struct {
	mu      sync.Mutex
	secret  []byte
	clock   *clock
	keys    []string         // Idempotency-Key of every request, in order
	got     []map[string]any // bodies of the verified requests
	done    map[string]bool  // keys acted on once (the gateway's dedup)
	sent    int              // messages the gateway sent
	respond func(attempt int) (status int, wait time.Duration)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	key := req.Header.Get(webhook.HeaderKey)
	if err := webhook.Verify(r.secret, req.Header, body, r.clock.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	r.keys = append(r.keys, key)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	r.got = append(r.got, m)
	n := 0
	for _, k := range r.keys {
		if k == key {
			n++
		}
	}
	status, wait := http.StatusOK, time.Duration(0)
	if r.respond != nil {
		status, wait = r.respond(n)
	}
	if status == http.StatusOK && !r.done[key] {
		r.done[key] = true
		r.sent++
	}
	r.mu.Unlock()
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-req.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
}

// setup returns a real bbolt store at path holding volunteer V000 and one
// notification for the gateway, and a receiver on loopback.
func setup(t *testing.T, c *clock, path string) (*bolt.Store, *receiver, *httptest.Server) {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{NoSync: true, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	v := fixture.Volunteer("V000", func(v *volmatch.Volunteer) { v.Name, v.Phone = "王小明", "13800138000" })
	if err := st.PutVolunteers(ctx, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	start := fixture.Base.Add(33 * time.Hour)
	n := &volmatch.Notification{ID: "e0000000000000007-V000", Volunteer: "V000", Kind: volmatch.NoticeInvite, At: c.Now(),
		Need: "N1", Title: "社区助老服务", Shift: "s1", ShiftStart: start, ShiftEnd: start.Add(3 * time.Hour), InApp: true, Webhook: true}
	if _, err := st.AddNotifications(ctx, 7, []*volmatch.Notification{n}); err != nil {
		t.Fatal(err)
	}
	r := &receiver{secret: []byte(secret), clock: c, done: map[string]bool{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return st, r, srv
}

func delivery(t *testing.T, st *bolt.Store) *volmatch.Delivery {
	t.Helper()
	d, err := st.Delivery(context.Background(), "e0000000000000007-V000")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDeliver: the outcomes of attempts against a real receiver on
// loopback that verifies the signature: delivered; 500s retried with a
// doubling, capped backoff under the same key until delivered; always 500
// dead-lettered after MaxAttempts; a timeout retried; a refusal (400) or a
// signature the receiver rejects (401) dead-lettered at once.
func TestDeliver(t *testing.T) {
	t0 := fixture.Base.Add(9 * time.Hour)
	cases := []struct {
		name     string
		secret   string // the receiver's, when not the deliverer's
		respond  func(attempt int) (int, time.Duration)
		steps    []time.Duration // clock moves, a Deliver after each (and one at t0)
		state    string
		attempts int
		lastErr  string
		sent     int
	}{
		{name: "delivered", state: volmatch.DeliveryDelivered, attempts: 1, sent: 1},
		{name: "500 twice then 200",
			respond: func(n int) (int, time.Duration) {
				if n <= 2 {
					return 500, 0
				}
				return 200, 0
			},
			// Not yet due 59 s after the first failure; due at 1 min, then 2 min.
			steps: []time.Duration{59 * time.Second, time.Second, time.Minute, time.Minute},
			state: volmatch.DeliveryDelivered, attempts: 3, sent: 1},
		{name: "always 500",
			respond: func(int) (int, time.Duration) { return 500, 0 },
			steps:   []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute, time.Hour},
			state:   volmatch.DeliveryDead, attempts: 4, lastErr: "HTTP 500 (after 4 attempts)"},
		// The gateway acted but answered too late: retried later under
		// the same key, which the gateway has seen.
		{name: "timeout",
			respond: func(int) (int, time.Duration) { return 200, time.Second },
			state:   volmatch.DeliveryPending, attempts: 1, lastErr: "timeout", sent: 1},
		{name: "refused",
			respond: func(int) (int, time.Duration) { return 400, 0 },
			steps:   []time.Duration{time.Hour},
			state:   volmatch.DeliveryDead, attempts: 1, lastErr: "HTTP 400"},
		{name: "signature rejected", secret: "another-secret-the-gateway-holds",
			state: volmatch.DeliveryDead, attempts: 1, lastErr: "HTTP 401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := newClock(t0)
			st, r, srv := setup(t, c, filepath.Join(t.TempDir(), "v.db"))
			r.respond = tc.respond
			if tc.secret != "" {
				r.secret = []byte(tc.secret)
			}
			d, err := webhook.New(st, srv.URL, secret, webhook.Options{Now: c.Now, Timeout: 200 * time.Millisecond,
				MaxAttempts: 4, Backoff: time.Minute, MaxBackoff: 3 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.steps {
				c.Add(s)
				if _, err := d.Deliver(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := delivery(t, st)
			if got.State != tc.state || got.Attempts != tc.attempts || got.LastError != tc.lastErr || got.Lease != "" {
				t.Errorf("delivery = %s after %d attempts (%q, lease %q), want %s after %d (%q)",
					got.State, got.Attempts, got.LastError, got.Lease, tc.state, tc.attempts, tc.lastErr)
			}
			r.mu.Lock()
			sent := r.sent
			r.mu.Unlock()
			if sent != tc.sent {
				t.Errorf("the gateway sent %d messages, want %d", sent, tc.sent)
			}
			for _, k := range r.hits() {
				if k != got.ID {
					t.Errorf("Idempotency-Key %q, want %q on every attempt", k, got.ID)
				}
			}
		})
	}
}

// TestPayload: the body carries the ID, the kind, the volunteer's number
// and phone, a Chinese text with the title and the time, and nothing else
// of the volunteer (no name, no address).
func TestPayload(t *testing.T) {
	c := newClock(fixture.Base.Add(9 * time.Hour))
	st, r, srv := setup(t, c, filepath.Join(t.TempDir(), "v.db"))
	d, err := webhook.New(st, srv.URL, secret, webhook.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs := r.bodies()
	if len(bs) != 1 {
		t.Fatalf("receiver got %d bodies, want 1", len(bs))
	}
	var keys []string
	for k := range bs[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != "at,id,kind,phone,text,volunteer" {
		t.Errorf("payload members = %s, want at,id,kind,phone,text,volunteer", got)
	}
	text, _ := bs[0]["text"].(string)
	if !strings.Contains(text, "社区助老服务") || !strings.Contains(text, "11月3日 09:00–12:00") || strings.Contains(text, "王") {
		t.Errorf("text = %q, want the title and the time, no name", text)
	}
	if bs[0]["phone"] != "13800138000" || bs[0]["volunteer"] != "V000" || bs[0]["kind"] != "invite" {
		t.Errorf("payload = %v", bs[0])
	}
}

// TestRestart: a deliverer stopped mid-attempt (its context cancelled
// while the gateway holds the request) settles nothing; after a restart
// (the store file reopened) and the lease's end, a new deliverer posts it
// again under the same key, and the gateway, keeping keys, sends it once.
func TestRestart(t *testing.T) {
	c := newClock(fixture.Base.Add(9 * time.Hour))
	path := filepath.Join(t.TempDir(), "v.db")
	st, r, srv := setup(t, c, path)
	release := make(chan struct{})
	r.respond = func(n int) (int, time.Duration) {
		if n == 1 {
			close(release)
			return 200, time.Minute // held until the client goes away
		}
		return 200, 0
	}
	d, err := webhook.New(st, srv.URL, secret, webhook.Options{Now: c.Now, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-release; cancel() }()
	if _, err := d.Deliver(ctx); err == nil {
		t.Fatal("Deliver with its context cancelled mid-attempt = nil error")
	}
	if got := delivery(t, st); got.State != volmatch.DeliveryPending || got.Lease == "" || got.Attempts != 1 {
		t.Fatalf("after the stop: %+v, want pending under the stopped attempt's lease", got)
	}
	st.Close()
	st2, err := bolt.Open(path, bolt.Options{NoSync: true, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	d2, err := webhook.New(st2, srv.URL, secret, webhook.Options{Now: c.Now, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := d2.Deliver(context.Background()); n != 0 {
		t.Fatalf("Deliver within the lease settled %d, want 0 (the claim still holds)", n)
	}
	c.Add(time.Minute)
	if n, err := d2.Deliver(context.Background()); err != nil || n != 1 {
		t.Fatalf("Deliver after the lease = %d, %v; want 1", n, err)
	}
	if got := delivery(t, st2); got.State != volmatch.DeliveryDelivered || got.Attempts != 2 {
		t.Errorf("after the restart: %+v, want delivered on attempt 2", got)
	}
	keys := r.hits()
	r.mu.Lock()
	sent := r.sent
	r.mu.Unlock()
	if len(keys) != 2 || keys[0] != keys[1] || sent != 1 {
		t.Errorf("gateway saw keys %v and sent %d, want the same key twice and one message", keys, sent)
	}
}

// TestVerify: a receiver's check refuses a changed body, another secret,
// an old timestamp and a missing signature.
func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"x"}`)
	sign := func(sec string, ts time.Time, b []byte) http.Header {
		h := http.Header{}
		h.Set(webhook.HeaderTimestamp, strconvI(ts.Unix()))
		h.Set(webhook.HeaderSignature, "v1="+webhook.Sign([]byte(sec), ts.Unix(), b))
		return h
	}
	cases := []struct {
		name string
		h    http.Header
		body []byte
		ok   bool
	}{
		{"good", sign(secret, now, body), body, true},
		{"changed body", sign(secret, now, body), []byte(`{"id":"y"}`), false},
		{"other secret", sign("other-secret-1234567", now, body), body, false},
		{"old", sign(secret, now.Add(-10*time.Minute), body), body, false},
		{"unsigned", http.Header{webhook.HeaderTimestamp: {strconvI(now.Unix())}}, body, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify([]byte(secret), tc.h, tc.body, now, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Errorf("Verify = %v, want ok %v", err, tc.ok)
			}
		})
	}
	for _, bad := range []struct{ url, secret string }{{"ftp://x", secret}, {"http://127.0.0.1:1/", "short"}} {
		if _, err := webhook.New(nil, bad.url, bad.secret, webhook.Options{}); volmatch.ErrorCode(err) != volmatch.EINVALID {
			t.Errorf("New(%q, %q) = %v, want EINVALID", bad.url, bad.secret, err)
		}
	}
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
