package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"volmatch"
	"volmatch/api"
	"volmatch/store/bolt"
)

// operation is one operation of the OpenAPI document: its method, a
// concrete path ({id} as "x"), whether it needs a token, takes a body and
// documents Retry-After on its 429.
type operation struct {
	method, path              string
	secured, body, retryAfter bool
}

// operations returns every operation of the server's OpenAPI document
// (which TestOpenAPI holds equal to the routes served).
func operations(t *testing.T, e *env) []operation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Security    []any `json:"security"`
			RequestBody any   `json:"requestBody"`
			Responses   map[string]struct {
				Headers map[string]any `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.must(200, "", "GET", "/openapi.json", nil, &doc)
	var out []operation
	for p, ops := range doc.Paths {
		for m, op := range ops {
			_, ra := op.Responses["429"].Headers["Retry-After"]
			out = append(out, operation{strings.ToUpper(m), strings.ReplaceAll(p, "{id}", "x"), op.Security != nil, op.RequestBody != nil, ra})
		}
	}
	if len(out) < 39 {
		t.Fatalf("only %d operations", len(out))
	}
	return out
}

// TestRateLimitEveryRoute checks that every authenticated route takes from
// the caller's token bucket and answers 429 with problem+json and a
// Retry-After of the seconds until the bucket refills, and that public
// routes are not limited.
func TestRateLimitEveryRoute(t *testing.T) {
	now := t0
	e := newEnv(t, api.Options{Rate: 0.25, Burst: 1, Now: func() time.Time { return now }})
	secured := 0
	for _, op := range operations(t, e) {
		// A fresh token per route: its one request of burst, then 429.
		secret := volmatch.NewSecret()
		tok := volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleAdmin, CreatedAt: t0}
		if err := e.st.CreateToken(context.Background(), &tok); err != nil {
			t.Fatal(err)
		}
		e.tokens["fresh"] = secret
		first, _ := e.do("fresh", op.method, op.path, nil, nil)
		if first == 429 {
			t.Errorf("%s %s: the first request of a fresh token = 429", op.method, op.path)
		}
		req, _ := http.NewRequest(op.method, e.srv.URL+op.path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p api.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if !op.secured {
			if resp.StatusCode == 429 {
				t.Errorf("public %s %s = 429, want no limit", op.method, op.path)
			}
			continue
		}
		secured++
		if !op.retryAfter {
			t.Errorf("%s %s: the OpenAPI document does not give its 429 a Retry-After header", op.method, op.path)
		}
		// 1 request at 0.25 a second: 4 s until the bucket holds one again.
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "4" || p.Code != "rate_limited" ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s second request = %d Retry-After %q %s %+v, want 429, Retry-After 4, a rate_limited problem",
				op.method, op.path, resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), p)
		}
	}
	if secured < 35 {
		t.Errorf("only %d authenticated routes were checked", secured)
	}
	// One budget per token across routes: a token spent on one route is
	// refused on another; the planner's own bucket is untouched.
	e.must(200, "planner", "GET", "/v1/stations", nil, nil)
	e.must(429, "planner", "GET", "/v1/me", nil, nil)
	e.must(200, "admin", "GET", "/v1/me", nil, nil)
}

// TestPageSizeCapped checks that a listing asked for more than the
// maximum page answers the maximum (1000) with a cursor to go on, and that
// search caps at 100.
func TestPageSizeCapped(t *testing.T) {
	e := newEnv(t, api.Options{})
	ss := make([]*volmatch.Station, api.MaxLimit+1)
	for i := range ss {
		ss[i] = &volmatch.Station{ID: fmt.Sprintf("st%05d", i), Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}}
	}
	if err := e.st.PutStations(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	var l api.List[volmatch.Station]
	e.must(200, "planner", "GET", "/v1/stations?limit=5000", nil, &l)
	if len(l.Items) != api.MaxLimit || l.Next == "" {
		t.Fatalf("GET /v1/stations?limit=5000 = %d items, next %q, want %d and a cursor", len(l.Items), l.Next, api.MaxLimit)
	}
	e.must(200, "planner", "GET", "/v1/stations?limit=5000&cursor="+l.Next, nil, &l)
	if len(l.Items) != 1 || l.Next != "" {
		t.Fatalf("second page = %d items, next %q, want the last 1", len(l.Items), l.Next)
	}
	e.seedVolunteers()
	var sr api.SearchResponse
	e.must(200, "admin", "GET", "/v1/search?q=%E6%89%8B%E8%AF%AD&limit=100000", nil, &sr) // admin: sw1 browses no one here
	if len(sr.Items) == 0 || len(sr.Items) > 100 {
		t.Fatalf("search with limit=100000 = %d items, want 1 to 100", len(sr.Items))
	}
	e.must(400, "planner", "GET", "/v1/stations?limit=0", nil, nil)
}

// chunked hides a body's length, so that it is sent chunked and only the
// server's reader can stop it.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestBodyTooLarge sends a body over Options.MaxBody to every route that
// takes one, with its length declared and sent chunked, and wants 413
// problem+json and nothing written.
func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, api.Options{MaxBody: 4 << 10})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	big := []byte(`{"title":"` + strings.Repeat("长", 4<<10) + `"}`)
	before := e.snapshot()
	n := 0
	for _, op := range operations(t, e) {
		if !op.body {
			continue
		}
		n++
		for _, declared := range []bool{true, false} {
			var body io.Reader = bytes.NewReader(big)
			if !declared {
				body = chunked{bytes.NewReader(big)}
			}
			req, _ := http.NewRequest(op.method, e.srv.URL+strings.ReplaceAll(op.path, "/x", "/n1"), body)
			req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p api.Problem
			_ = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != 413 || p.Code != volmatch.ETOOLARGE {
				t.Errorf("%s %s with %d bytes (declared %v) = %d %+v, want 413 too_large", op.method, op.path, len(big), declared, resp.StatusCode, p)
			}
		}
	}
	if n < 12 {
		t.Errorf("only %d routes take a body", n)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("too large bodies wrote: before %+v, after %+v", before, after)
	}
}

// blockingStore is the bbolt store with the batch plan held up: once
// armed, the next read of every holding assignment (a batch plan's first
// step: it respects them all) closes started, waits until the request's
// context ends and fails with its error, which it also sends on ended.
// Every other call goes to the store.
type blockingStore struct {
	volmatch.Store
	armed   atomic.Bool
	started chan struct{}
	ended   chan error
}

func newBlockingStore(st volmatch.Store) *blockingStore {
	return &blockingStore{Store: st, started: make(chan struct{}), ended: make(chan error, 1)}
}

func (s *blockingStore) Assignments(ctx context.Context, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error) {
	if f.Volunteer != "" || !s.armed.CompareAndSwap(true, false) {
		return s.Store.Assignments(ctx, f)
	}
	close(s.started)
	<-ctx.Done()
	s.ended <- ctx.Err()
	return nil, "", ctx.Err()
}

// TestRequestDeadline checks that a request's context carries the
// Options.RequestTimeout deadline down to the work it asks, and that work
// stopped by it answers 503 problem+json and writes nothing.
func TestRequestDeadline(t *testing.T) {
	var bs *blockingStore
	e := newEnvWith(t, api.Options{RequestTimeout: 50 * time.Millisecond}, func(st *bolt.Store) volmatch.Store {
		bs = newBlockingStore(st)
		return bs
	})
	// Written to the store directly: only the batch runs under the short
	// deadline.
	ctx := context.Background()
	for i, p := range people {
		v := volunteer(p.id, p.name, p.phone, 39.92+0.005*float64(i), 116.44)
		if err := e.st.PutVolunteers(ctx, []*volmatch.Volunteer{&v}); err != nil {
			t.Fatal(err)
		}
	}
	n := need("n1", "org1")
	if err := e.st.CreateNeed(ctx, &n); err != nil {
		t.Fatal(err)
	}
	bs.armed.Store(true)
	var p api.Problem
	if got, b := e.do("admin", "POST", "/v1/assignments/batch", `{"needs":["n1"],"dry_run":false}`, &p); got != 503 ||
		!strings.Contains(p.Detail, "longer than the server allows") {
		t.Errorf("batch past the deadline = %d %s, want 503 saying it took too long", got, b)
	}
	if got := <-bs.ended; !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("the plan's context ended with %v, want its deadline", got)
	}
	if as, _, _ := e.st.Assignments(ctx, volmatch.AssignmentFilter{}); len(as) != 0 {
		t.Errorf("batch past the deadline wrote %d assignments", len(as))
	}
}

// TestBatchCancelledByClient commits a big batch assignment over a real
// loopback server, cancels the client while the plan runs, and checks that
// the plan's work saw the cancellation, the engine stopped the batch
// (engine.ErrCancelled, which the handler counts), and nothing was
// written. That matcher.Assign itself stops early on a cancelled context
// is tested in package matcher.
func TestBatchCancelledByClient(t *testing.T) {
	var bs *blockingStore
	reg := prometheus.NewRegistry()
	e := newEnvWith(t, api.Options{Registry: reg}, func(st *bolt.Store) volmatch.Store {
		bs = newBlockingStore(st)
		return bs
	})
	ctx := context.Background()
	const nVols, nNeeds = 400, 60
	vs := make([]*volmatch.Volunteer, nVols)
	for i := range vs {
		v := volunteer(fmt.Sprintf("bv%04d", i), "志愿者", "10000000000", 39.90+0.0001*float64(i), 116.44)
		vs[i] = &v
	}
	if err := e.st.PutVolunteers(ctx, vs); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, nNeeds)
	ns := make([]*volmatch.Need, nNeeds)
	for i := range ns {
		n := shiftedNeed(fmt.Sprintf("bn%03d", i), "org1", time.Duration(i)*4*time.Hour, 5)
		ns[i], ids[i] = &n, n.ID
	}
	if err := e.st.PutNeeds(ctx, ns); err != nil {
		t.Fatal(err)
	}
	e.must(200, "", "GET", "/readyz", nil, nil) // the feature index catches up
	before := e.snapshot()

	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.api.Handler().ServeHTTP(w, r)
		if r.URL.Path == "/v1/assignments/batch" {
			close(served)
		}
	}))
	defer srv.Close()

	body, _ := json.Marshal(map[string]any{"needs": ids, "dry_run": false})
	cctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(cctx, "POST", srv.URL+"/v1/assignments/batch", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.tokens["sw1"])
	req.Header.Set("Content-Type", "application/json")
	bs.armed.Store(true)
	go func() {
		<-bs.started
		cancel() // the client goes away while the plan runs
	}()
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the cancelled request answered %d, want the client's error", resp.StatusCode)
	}
	if err := <-bs.ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the plan's context ended with %v, want context.Canceled", err)
	}
	<-served
	stopped := false // the engine's error carries the client's cancellation
	for _, line := range strings.Split(e.logs.String(), "\n") {
		stopped = stopped || strings.Contains(line, `"msg":"request stopped"`) &&
			strings.Contains(line, `"route":"/v1/assignments/batch"`) && strings.Contains(line, `"reason":"context canceled"`)
	}
	if !stopped {
		t.Errorf("the log holds no line of the batch stopped by the client: %s", e.logs)
	}
	var cancelled float64
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "volmatch_batch_cancelled_total" {
			cancelled = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if cancelled != 1 {
		t.Errorf("volmatch_batch_cancelled_total = %v, want 1", cancelled)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the cancelled batch wrote: before %+v, after %+v", before, after)
	}

	// The same batch, not cancelled, does assign (the size is real work).
	var done api.BatchResponse
	e.must(200, "sw1", "POST", "/v1/assignments/batch", map[string]any{"needs": ids[:5], "dry_run": true}, &done)
	if len(done.Placements) == 0 {
		t.Errorf("an uncancelled batch placed nobody: %+v", done)
	}
}
