package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// The tests of this file build their own server (hardServer) over a real
// bbolt file, a real Bleve index in memory and the real engine, and serve
// requests in process so that each can state its client's address.

// hardLookups is the bbolt store counting token lookups.
type hardLookups struct {
	volmatch.Store
	lookups atomic.Int64
}

func (s *hardLookups) TokenByHash(ctx context.Context, hash string) (*volmatch.Token, error) {
	s.lookups.Add(1)
	return s.Store.TokenByHash(ctx, hash)
}

type hardServer struct {
	t       *testing.T
	h       http.Handler
	st      *bolt.Store
	counted *hardLookups
	clock   *atomic.Int64 // the server's now, in Unix nanoseconds
	secrets map[string]string
}

// newHardServer starts a server with the options (its clock is the
// server's own, advanced by advance) and tokens admin (admin), sw1
// (social worker of O1, registered) and planner.
func newHardServer(t *testing.T, o api.Options) *hardServer {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	hs := &hardServer{t: t, st: st, counted: &hardLookups{Store: st}, clock: &atomic.Int64{}, secrets: map[string]string{}}
	hs.clock.Store(fixture.Base.UnixNano())
	now := func() time.Time { return time.Unix(0, hs.clock.Load()).In(volmatch.Beijing) }
	eng := engine.New(hs.counted, text, tax, engine.Options{Now: now})
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.CreateOrganisation(ctx, &volmatch.Token{Role: volmatch.RoleAdmin}, &volmatch.Organisation{ID: "O1", Name: "朝阳社区"}); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]volmatch.Token{
		"admin":   {Role: volmatch.RoleAdmin},
		"sw1":     {Role: volmatch.RoleSocialWorker, Org: "O1"},
		"planner": {Role: volmatch.RolePlanner},
	} {
		secret := volmatch.NewSecret()
		if err := eng.CreateToken(ctx, secret, &tok, 0); err != nil {
			t.Fatal(err)
		}
		hs.secrets[name] = secret
	}
	o.Now = now
	hs.h = api.New(eng, o).Handler()
	return hs
}

func (hs *hardServer) advance(d time.Duration) { hs.clock.Add(int64(d)) }

// hardReq is one request of a hard test.
type hardReq struct {
	method, path string
	who          string // a name of secrets, another string sent as the token, "" none
	body         []byte
	ctype        string // Content-Type; "" none
	chunked      bool   // send the body without a length
	from         string // RemoteAddr; 192.0.2.1:1234 when ""
	header       http.Header
}

func (hs *hardServer) do(r hardReq) *httptest.ResponseRecorder {
	hs.t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
		if r.chunked {
			body = io.MultiReader(body)
		}
	}
	hr := httptest.NewRequest(r.method, "http://volmatch.test"+r.path, body)
	if r.chunked {
		hr.ContentLength = -1
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	if s, ok := hs.secrets[r.who]; ok {
		hr.Header.Set("Authorization", "Bearer "+s)
	} else if r.who != "" {
		hr.Header.Set("Authorization", "Bearer "+r.who)
	}
	for k, vs := range r.header {
		hr.Header[k] = vs
	}
	if r.from != "" {
		hr.RemoteAddr = r.from
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, hr)
	return rec
}

func hardProblem(t *testing.T, rec *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	var p api.Problem
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("answer %d has Content-Type %q, want application/problem+json", rec.Code, ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem document %q: %v", rec.Body.String(), err)
	}
	return p
}

func hardJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNoSniff: every answer, JSON or problem+json, success or refusal,
// carries X-Content-Type-Options: nosniff.
func TestNoSniff(t *testing.T) {
	hs := newHardServer(t, api.Options{})
	const js = "application/json"
	need := hardJSON(t, fixture.Need("N1", fixture.Org("")))
	for _, r := range []hardReq{
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/openapi.json"},
		{method: "GET", path: "/v1/me", who: "admin"},
		{method: "GET", path: "/v1/needs", who: "sw1"},
		{method: "POST", path: "/v1/needs", who: "sw1", body: need, ctype: js},
		{method: "POST", path: "/v1/needs", who: "sw1", body: []byte(`{"id":`), ctype: js},
		{method: "GET", path: "/v1/needs"},
		{method: "GET", path: "/v1/needs", who: "not-a-token"},
		{method: "GET", path: "/v1/volunteers", who: "planner"},
		{method: "GET", path: "/v1/nowhere"},
		{method: "DELETE", path: "/healthz"},
		{method: "POST", path: "/v1/needs", who: "sw1", body: need, ctype: "text/plain"},
		{method: "GET", path: "/dashboard/"},
	} {
		rec := hs.do(r)
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s as %q = %d with X-Content-Type-Options %q, want nosniff", r.method, r.path, r.who, rec.Code, got)
		}
	}
}

// TestUnsupportedMediaType: a POST, PUT or PATCH body that is not declared
// application/json is refused with 415 naming the header, and nothing is
// written; parameters are allowed, and a request without a body needs no
// Content-Type.
func TestUnsupportedMediaType(t *testing.T) {
	hs := newHardServer(t, api.Options{})
	need := hardJSON(t, fixture.Need("N1", fixture.Org("")))
	for _, r := range []hardReq{
		{method: "POST", path: "/v1/needs", ctype: "text/plain"},
		{method: "POST", path: "/v1/needs", ctype: "application/x-www-form-urlencoded"},
		{method: "POST", path: "/v1/needs", ctype: "multipart/form-data; boundary=x"},
		{method: "POST", path: "/v1/needs", ctype: "application/jsonp"},
		{method: "POST", path: "/v1/needs", ctype: "json"},
		{method: "POST", path: "/v1/needs"},                // a body without a Content-Type
		{method: "POST", path: "/v1/needs", chunked: true}, // the same, without a length
		{method: "PUT", path: "/v1/needs/N1", ctype: "text/html"},
		{method: "POST", path: "/v1/orgs", ctype: "text/plain", who: "admin"},
	} {
		if r.who == "" {
			r.who = "sw1"
		}
		r.body = need
		rec := hs.do(r)
		what := r.method + " " + r.path + " with Content-Type " + strconv.Quote(r.ctype)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("%s = %d %s, want 415", what, rec.Code, rec.Body)
			continue
		}
		p := hardProblem(t, rec)
		if p.Status != 415 || p.Field != "Content-Type" || p.Code != "unsupported_media_type" || !strings.Contains(p.Detail, "application/json") {
			t.Errorf("%s: problem %+v, want 415 unsupported_media_type on the field Content-Type", what, p)
		}
	}
	if ns, _, err := hs.st.Needs(context.Background(), volmatch.NeedFilter{}); err != nil || len(ns) != 0 {
		t.Fatalf("needs stored after the refusals: %d, %v", len(ns), err)
	}
	// Allowed: JSON with parameters or in another case; no body and no
	// Content-Type.
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON"} {
		n := fixture.Need("N-"+strconv.Itoa(len(ct)), fixture.Org(""))
		if rec := hs.do(hardReq{method: "POST", path: "/v1/needs", who: "sw1", body: hardJSON(t, n), ctype: ct}); rec.Code != http.StatusCreated {
			t.Errorf("POST /v1/needs with Content-Type %q = %d %s, want 201", ct, rec.Code, rec.Body)
		}
	}
	for _, r := range []hardReq{
		{method: "POST", path: "/v1/invites/nope/accept", who: "admin"},
		{method: "POST", path: "/v1/invites/nope/accept", who: "admin", body: []byte{}, chunked: true},
	} {
		if rec := hs.do(r); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s without a body or a Content-Type = %d %s, want 404 (not 415)", r.method, r.path, rec.Code, rec.Body)
		}
	}
}

// TestFailedTokensPerAddress: after 20 failed bearer tokens in a minute
// from one client address, that address gets 429 with Retry-After, even
// with a valid token, and no token is looked up; other addresses are not
// touched; X-Forwarded-For is not trusted unless the peer is a trusted
// proxy; the window ends after a minute.
func TestFailedTokensPerAddress(t *testing.T) {
	hs := newHardServer(t, api.Options{Rate: -1, AuthFailures: api.DefaultAuthFailures})
	const attacker, other = "198.51.100.7:40000", "203.0.113.9:40000"
	for i := range api.DefaultAuthFailures {
		// A forged X-Forwarded-For must not spread the guesses over
		// addresses.
		h := http.Header{"X-Forwarded-For": {"10.0.0." + strconv.Itoa(i)}}
		if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "vm_guess" + strconv.Itoa(i), from: attacker, header: h}); rec.Code != 401 {
			t.Fatalf("guess %d = %d, want 401", i+1, rec.Code)
		}
	}
	before := hs.counted.lookups.Load()
	for _, who := range []string{"vm_one_more_guess", "admin"} {
		rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: who, from: attacker})
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("GET /v1/me as %s after %d failures = %d, want 429", who, api.DefaultAuthFailures, rec.Code)
		}
		secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q, want 1..60 seconds", rec.Header().Get("Retry-After"))
		}
		if p := hardProblem(t, rec); p.Status != 429 || !strings.Contains(p.Detail, "failed bearer tokens") {
			t.Errorf("429 problem = %+v", p)
		}
	}
	if n := hs.counted.lookups.Load() - before; n != 0 {
		t.Errorf("the blocked address's tokens were looked up %d times, want none", n)
	}
	// The same address over IPv6-mapped form is the same address.
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: "[::ffff:198.51.100.7]:1"}); rec.Code != 429 {
		t.Errorf("the blocked address in IPv6-mapped form = %d, want 429", rec.Code)
	}
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: other}); rec.Code != 200 {
		t.Errorf("another address with a valid token = %d, want 200", rec.Code)
	}
	if rec := hs.do(hardReq{method: "GET", path: "/healthz", from: attacker}); rec.Code != 200 {
		t.Errorf("a public route from the blocked address = %d, want 200", rec.Code)
	}
	hs.advance(61 * time.Second)
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: attacker}); rec.Code != 200 {
		t.Errorf("the address a minute later with a valid token = %d, want 200", rec.Code)
	}
}

// TestFailedTokensBehindProxy: behind a trusted proxy, the client named
// by X-Forwarded-For is counted, not the proxy; an IPv6 client counts as
// its /64.
func TestFailedTokensBehindProxy(t *testing.T) {
	proxy := netip.MustParsePrefix("192.0.2.0/24")
	hs := newHardServer(t, api.Options{AuthFailures: 3, TrustedProxies: []netip.Prefix{proxy}})
	const via = "192.0.2.10:5000"
	xff := func(addrs string) http.Header { return http.Header{"X-Forwarded-For": {addrs}} }
	for i := range 3 {
		// The left-most entry is the client's to forge; the proxy appends
		// the peer it saw.
		h := xff("10.9.9." + strconv.Itoa(i) + ", 2001:db8:1:2::" + strconv.Itoa(i+1))
		if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "bad", from: via, header: h}); rec.Code != 401 {
			t.Fatalf("guess %d through the proxy = %d, want 401", i+1, rec.Code)
		}
	}
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: via, header: xff("2001:db8:1:2::ff")}); rec.Code != 429 {
		t.Errorf("the same /64 through the proxy = %d, want 429", rec.Code)
	}
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: via, header: xff("2001:db8:1:3::1")}); rec.Code != 200 {
		t.Errorf("another client through the proxy = %d, want 200", rec.Code)
	}
	if rec := hs.do(hardReq{method: "GET", path: "/v1/me", who: "admin", from: via}); rec.Code != 200 {
		t.Errorf("the proxy itself = %d, want 200", rec.Code)
	}
}

// TestOrgRoutes: admins register and list organisations; a social worker
// reads their own; the text limits hold.
func TestOrgRoutes(t *testing.T) {
	hs := newHardServer(t, api.Options{})
	const js = "application/json"
	rec := hs.do(hardReq{method: "POST", path: "/v1/orgs", who: "admin", ctype: js, body: []byte(`{"id":"O2","name":"海淀社区","district":"110108"}`)})
	if rec.Code != 201 || rec.Header().Get("Location") != "/v1/orgs/O2" {
		t.Fatalf("POST /v1/orgs = %d %s Location %q, want 201 /v1/orgs/O2", rec.Code, rec.Body, rec.Header().Get("Location"))
	}
	if rec := hs.do(hardReq{method: "POST", path: "/v1/orgs", who: "sw1", ctype: js, body: []byte(`{"id":"O3","name":"x"}`)}); rec.Code != 403 {
		t.Errorf("POST /v1/orgs as a social worker = %d, want 403", rec.Code)
	}
	long := `{"id":"O4","name":"` + strings.Repeat("社", volmatch.MaxNameLen+1) + `"}`
	rec = hs.do(hardReq{method: "POST", path: "/v1/orgs", who: "admin", ctype: js, body: []byte(long)})
	if p := hardProblem(t, rec); rec.Code != 422 || p.Field != "name" {
		t.Errorf("POST /v1/orgs with a long name = %d %+v, want 422 on name", rec.Code, p)
	}
	var list struct{ Items []volmatch.Organisation }
	rec = hs.do(hardReq{method: "GET", path: "/v1/orgs", who: "admin"})
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != 200 || len(list.Items) != 2 {
		t.Errorf("GET /v1/orgs = %d %s, want O1 and O2", rec.Code, rec.Body)
	}
	for _, c := range []struct {
		who, path string
		want      int
	}{
		{"sw1", "/v1/orgs", 403}, {"sw1", "/v1/orgs/O1", 200}, {"sw1", "/v1/orgs/O2", 403},
		{"planner", "/v1/orgs/O1", 403}, {"admin", "/v1/orgs/O9", 404},
	} {
		if rec := hs.do(hardReq{method: "GET", path: c.path, who: c.who}); rec.Code != c.want {
			t.Errorf("GET %s as %s = %d, want %d", c.path, c.who, rec.Code, c.want)
		}
	}
}

// TestHugeBio: the 340,000-character bio that was accepted and slowed
// every later search is refused with 422 naming bio and its limit.
func TestHugeBio(t *testing.T) {
	hs := newHardServer(t, api.Options{})
	v := fixture.Volunteer("V1")
	v.Bio = strings.Repeat("志愿服务", 85000)
	body := hardJSON(t, v)
	if len(body) >= 1<<20 {
		t.Fatalf("the body is %d bytes, above the default body limit", len(body))
	}
	rec := hs.do(hardReq{method: "POST", path: "/v1/volunteers", who: "admin", ctype: "application/json", body: body})
	p := hardProblem(t, rec)
	if rec.Code != 422 || p.Field != "bio" || !strings.Contains(p.Detail, "2000") {
		t.Fatalf("POST /v1/volunteers with a 340000-character bio = %d %+v, want 422 on bio naming 2000", rec.Code, p)
	}
	if _, err := hs.st.Volunteer(context.Background(), "V1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("the refused volunteer was stored: %v", err)
	}
}
