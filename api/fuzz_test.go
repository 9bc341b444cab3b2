package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/store/bolt"
)

// The API fuzz targets drive the gin handler (through httptest, over a real
// bbolt file in a temporary folder and a real Bleve index) with any request
// body or query. The property: no panic and no 5xx; a 4xx answer is a
// problem+json document whose status is the HTTP status (a 422 naming the
// field, a 400 about a query naming the parameter), and a refused request
// writes nothing: neither the change feed nor the event log moves. The seed
// corpora are in testdata/fuzz/FuzzAPIBody and FuzzAPIQuery; plain go test
// runs them.

// fuzzServer is one server per fuzzing process: the state grows as the
// fuzzer's successful writes land, which the property does not depend on.
type fuzzServer struct {
	st      *bolt.Store
	h       http.Handler
	tokens  map[string]string
	lastSeq uint64 // the newest event seen
	// held are v1's assignments by status, for the step routes; a step that
	// moves one on is followed by a fresh one (on a need of its own, later
	// than the others, so they never overlap).
	held  map[volmatch.AssignmentStatus]string
	fresh int
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	now := func() time.Time { return t0 }
	o := api.Options{Rate: -1, Now: now, MaxBody: 64 << 10, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	s := &fuzzServer{st: st, held: map[volmatch.AssignmentStatus]string{}}
	s.h = api.New(startEngine(tb, st, openText(tb), engine.Options{Now: now}), o).Handler()
	s.tokens = createTokens(tb, st, map[string]volmatch.Token{
		"admin":   {Role: volmatch.RoleAdmin},
		"sw1":     {Role: volmatch.RoleSocialWorker, Org: "org1"},
		"vol1":    {Role: volmatch.RoleVolunteer, Volunteer: "v1"},
		"planner": {Role: volmatch.RolePlanner},
	})

	// The records the routes act on: volunteers v1..v3, needs n1 (normal)
	// and n2 (emergency) of org1, pool p1, station st1, an invitation of v1
	// to n1 accepted into an assignment.
	mustDo := func(who, method, path string, body any, out any) {
		tb.Helper()
		b, _ := json.Marshal(body)
		rec := s.do(who, method, path, "", b, false)
		if rec.Code >= 300 {
			tb.Fatalf("seed %s %s = %d %s", method, path, rec.Code, rec.Body)
		}
		if out != nil {
			if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for i, p := range people {
		mustDo("admin", "POST", "/v1/volunteers", volunteer(p.id, p.name, p.phone, 39.92+0.005*float64(i), 116.44), nil)
	}
	mustDo("sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	n2 := need("n2", "org1")
	n2.Urgency = volmatch.UrgencyEmergency
	mustDo("sw1", "POST", "/v1/needs", n2, nil)
	mustDo("admin", "POST", "/v1/pools", volmatch.TalentPool{ID: "p1", Name: "手语人才库", Domain: "disability_help", Members: []string{"v1"}}, nil)
	mustDo("admin", "POST", "/v1/stations", volmatch.Station{ID: "st1", Name: "朝阳站", Type: "library", Point: volmatch.Point{Lat: 39.92, Lng: 116.44}}, nil)
	var invs api.List[volmatch.Invitation]
	mustDo("sw1", "POST", "/v1/needs/n1/invites", api.InviteRequest{Volunteers: []string{"v1"}}, &invs)
	mustDo("vol1", "POST", "/v1/invites/"+invs.Items[0].ID+"/accept", nil, nil)
	s.lastSeq = s.newest(tb)
	return s
}

// stepState is the status an assignment must have for each step route to
// be able to succeed.
var stepState = map[string]volmatch.AssignmentStatus{
	"checkin": volmatch.AssignReserved, "checkout": volmatch.AssignCheckedIn,
	"rating": volmatch.AssignCompleted, "no-show": volmatch.AssignReserved, "cancel": volmatch.AssignReserved,
}

// assignment returns an assignment of v1 in status (completed ones not yet
// rated), making one when the last one has moved on.
func (s *fuzzServer) assignment(tb testing.TB, status volmatch.AssignmentStatus) string {
	ctx := context.Background()
	if id := s.held[status]; id != "" {
		a, err := s.st.Assignment(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		if a.Status == status && a.Rating == 0 {
			return id
		}
	}
	s.fresh++
	n := need(fmt.Sprintf("f%d", s.fresh), "org1")
	n.Shifts[0].Start = n.Shifts[0].Start.Add(time.Duration(4*s.fresh) * time.Hour)
	n.Shifts[0].End = n.Shifts[0].End.Add(time.Duration(4*s.fresh) * time.Hour)
	if err := s.st.CreateNeed(ctx, &n); err != nil {
		tb.Fatal(err)
	}
	as, err := s.st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: n.Shifts[0].ID, Volunteer: "v1"}}, t0)
	if err != nil {
		tb.Fatal(err)
	}
	id := as[0].ID
	at := n.Shifts[0].Start // check-in and check-out are held to the shift's window
	steps := map[volmatch.AssignmentStatus][]volmatch.Step{
		volmatch.AssignCheckedIn: {{Kind: volmatch.StepCheckIn, At: at}},
		volmatch.AssignCompleted: {{Kind: volmatch.StepCheckIn, At: at}, {Kind: volmatch.StepCheckOut, At: at, Hours: 2}},
	}[status]
	for _, st := range steps {
		if _, err := s.st.Advance(ctx, id, st); err != nil {
			tb.Fatal(err)
		}
	}
	s.held[status] = id
	s.lastSeq = s.newest(tb)
	return id
}

// do serves one request. chunked sends the body without a length.
func (s *fuzzServer) do(who, method, path, rawQuery string, body []byte, chunked bool) *httptest.ResponseRecorder {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // hides the length from NewRequest
		}
	}
	req := httptest.NewRequest(method, "http://volmatch.test"+path, r)
	req.URL.RawQuery = rawQuery
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if chunked {
		req.ContentLength = -1
	}
	if secret, ok := s.tokens[who]; ok {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// newest returns the sequence number of the newest event, reading from the
// last one seen.
func (s *fuzzServer) newest(tb testing.TB) uint64 {
	seq := s.lastSeq
	for {
		evs, err := s.st.Events(context.Background(), seq, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return seq
		}
		seq = evs[len(evs)-1].Seq
	}
}

func (s *fuzzServer) lastChange(tb testing.TB) uint64 {
	n, err := s.st.LastChange(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// check asserts the property of one answer; before is the change feed's
// position before the request.
func (s *fuzzServer) check(t *testing.T, what string, rec *httptest.ResponseRecorder, before uint64, query bool) {
	t.Helper()
	after, newest := s.lastChange(t), s.newest(t)
	defer func() { s.lastSeq = newest }()
	t.Logf("%s = %d %.200s", what, rec.Code, rec.Body)
	if rec.Code >= 500 {
		t.Fatalf("%s = %d %s, want no server error", what, rec.Code, rec.Body)
	}
	if rec.Code < 400 {
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s = %d with Content-Type %q, want application/problem+json", what, rec.Code, ct)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("%s = %d %s: not a problem document: %v", what, rec.Code, rec.Body, err)
	}
	if p.Status != rec.Code || p.Code == "" || p.Detail == "" {
		t.Fatalf("%s = %d %s: want the status, a code and a detail in the problem", what, rec.Code, rec.Body)
	}
	// A 400 about a body names the field too when a value is wrong (a time,
	// a week); only a body that is not JSON, or not one value, names none.
	valueErr := rec.Code == http.StatusBadRequest && strings.HasPrefix(p.Detail, "invalid value")
	if p.Field == "" && (rec.Code == http.StatusUnprocessableEntity || (query && rec.Code == http.StatusBadRequest) || valueErr) {
		t.Fatalf("%s = %d %s: the problem names no field", what, rec.Code, rec.Body)
	}
	if after != before || newest != s.lastSeq {
		t.Fatalf("%s = %d %s, but the change feed moved %d -> %d, the event log %d -> %d", what, rec.Code, rec.Body, before, after, s.lastSeq, newest)
	}
}

// bodyRoutes are the routes that read a JSON body; %s is the assignment.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/v1/needs"},
	{"PUT", "/v1/needs/n1"},
	{"POST", "/v1/volunteers"},
	{"PUT", "/v1/volunteers/v1"},
	{"POST", "/v1/pools"},
	{"PUT", "/v1/pools/p1"},
	{"POST", "/v1/stations"},
	{"PUT", "/v1/stations/st1"},
	{"POST", "/v1/needs/n1/invites"},
	{"POST", "/v1/assignments/%s/checkin"},
	{"POST", "/v1/assignments/%s/checkout"},
	{"POST", "/v1/assignments/%s/rating"},
	{"POST", "/v1/assignments/%s/no-show"},
	{"POST", "/v1/assignments/%s/cancel"},
	{"POST", "/v1/assignments/batch"},
	{"POST", "/v1/needs/n2/dispatch"},
}

// fuzzCallers are who sends a request, by the role selector.
var fuzzCallers = []string{"admin", "sw1", "vol1"}

func FuzzAPIBody(f *testing.F) {
	for i := range bodyRoutes {
		f.Add(uint8(i), uint8(0), []byte(`{}`))
	}
	f.Add(uint8(14), uint8(1), []byte(`{"needs":["n1"],"dry_run":true}`))
	f.Add(uint8(15), uint8(1), []byte(`{"wave_size":2}`))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route, caller uint8, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		who := fuzzCallers[int(caller)%len(fuzzCallers)]
		path := r.path
		if strings.Contains(path, "%s") {
			path = fmt.Sprintf(path, s.assignment(t, stepState[path[strings.LastIndex(path, "/")+1:]]))
		}
		before := s.lastChange(t)
		rec := s.do(who, r.method, path, "", body, caller&0x80 != 0)
		s.check(t, fmt.Sprintf("%s %s as %s with %q", r.method, path, who, body), rec, before, false)
	})
}

// queryRoutes are the routes that read query parameters, and who asks.
var queryRoutes = []struct{ who, path string }{
	{"planner", "/v1/evaluation/summary"},
	{"planner", "/v1/evaluation/funnel"},
	{"planner", "/v1/evaluation/rates"},
	{"planner", "/v1/evaluation/gaps"},
	{"planner", "/v1/evaluation/ranking"},
	{"planner", "/v1/evaluation/fairness"},
	{"planner", "/v1/evaluation/weekly"},
	{"planner", "/v1/evaluation/by"},
	{"admin", "/v1/needs"},
	{"admin", "/v1/volunteers"},
	{"admin", "/v1/invites"},
	{"admin", "/v1/assignments"},
	{"admin", "/v1/pools"},
	{"admin", "/v1/stations"},
	{"admin", "/v1/search"},
	{"sw1", "/v1/needs/n1/matches"},
	{"vol1", "/v1/volunteers/v1/menu"},
}

func FuzzAPIQuery(f *testing.F) {
	for i := range queryRoutes {
		f.Add(uint8(i), "")
	}
	f.Add(uint8(0), "from=2026-01-01&to=2026-12-31&district=110105&domain=elderly_care&target_group=elderly&org=org1")
	f.Add(uint8(7), "key=district&street=110105001000")
	f.Add(uint8(8), "limit=2&cursor=bjE&status=open&mode=menu&urgency=normal")
	f.Add(uint8(14), "q=手语&kind=volunteer&near=39.92,116.44&km=5&limit=10&offset=0")
	f.Add(uint8(15), "k=3&shift=s1")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		r := queryRoutes[int(route)%len(queryRoutes)]
		before := s.lastChange(t)
		rec := s.do(r.who, "GET", r.path, query, nil, false)
		s.check(t, fmt.Sprintf("GET %s?%s as %s", r.path, query, r.who), rec, before, true)
	})
}

// TestBadValueNamesField checks the decoding fix that FuzzAPIBody's
// property asked for: a value that fails its type's own decoding (a time, a
// week) is a 400 naming its field by JSON path, and nothing is written.
func TestBadValueNamesField(t *testing.T) {
	s := newFuzzServer(t)
	week := `"` + strings.Repeat("0", 24) + strings.Repeat("|"+strings.Repeat("0", 24), 6) + `"`
	cases := []struct {
		who, method, path, body, field string
	}{
		{"sw1", "POST", "/v1/needs", `{"id":"n7","shifts":[{"id":"s1","start":"2026-03-04T09:00:00+08:00","end":"2026-03-04T12:00:00+08:00"},{"id":"s2","start":"tomorrow"}]}`, "shifts[1].start"},
		{"sw1", "PUT", "/v1/needs/n1", `{"recipient":{"weekly":"1010"}}`, "recipient.weekly"},
		{"admin", "POST", "/v1/volunteers", `{"id":"v7","availability":"x"}`, "availability"},
		{"admin", "POST", "/v1/volunteers", `{"id":"v7","availability":` + week + `,"certificates":[{"name":"c","expires":"2027-05-01"}]}`, "certificates[0].expires"},
		{"admin", "POST", "/v1/stations", `{"id":"st7","hours":[1]}`, "hours"},
		{"sw1", "POST", "/v1/assignments/" + s.assignment(t, volmatch.AssignReserved) + "/checkin", `{"at":"noon"}`, "at"},
	}
	for _, tt := range cases {
		t.Run(tt.field, func(t *testing.T) {
			before := s.lastChange(t)
			rec := s.do(tt.who, tt.method, tt.path, "", []byte(tt.body), false)
			var p api.Problem
			_ = json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != http.StatusBadRequest || p.Field != tt.field {
				t.Fatalf("%s %s %s = %d field %q (%s), want 400 field %q", tt.method, tt.path, tt.body, rec.Code, p.Field, p.Detail, tt.field)
			}
			s.check(t, tt.method+" "+tt.path, rec, before, false)
		})
	}
}

// TestRefusedInviteWritesNothing: inviting several volunteers when one of
// them already holds a live invitation to the shift is refused before any
// invitation is sent (it used to send the ones listed before the clash and
// answer 409 without saying so).
func TestRefusedInviteWritesNothing(t *testing.T) {
	s := newFuzzServer(t)
	if rec := s.do("sw1", "POST", "/v1/needs/n1/invites", "", []byte(`{"volunteers":["v2"]}`), false); rec.Code != http.StatusCreated {
		t.Fatalf("invite v2 = %d %s, want 201", rec.Code, rec.Body)
	}
	s.lastSeq = s.newest(t)
	before := s.lastChange(t)
	rec := s.do("sw1", "POST", "/v1/needs/n1/invites", "", []byte(`{"volunteers":["v3","v2"]}`), false)
	var p api.Problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusConflict || p.Field != "volunteers[1]" {
		t.Fatalf("invite v3, v2 = %d field %q (%s), want 409 field volunteers[1]", rec.Code, p.Field, p.Detail)
	}
	s.check(t, "invite v3, v2", rec, before, false)
}
