package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"volmatch"
	"volmatch/api"
)

// snapshot counts everything a request could write.
type snapshot struct {
	needs, volunteers, pools, stations, invitations, assignments, events int
	lastChange                                                           uint64
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	all := volmatch.ListOptions{Limit: 10000}
	ns, _, err1 := e.st.Needs(ctx, volmatch.NeedFilter{ListOptions: all})
	vs, _, err2 := e.st.Volunteers(ctx, volmatch.VolunteerFilter{ListOptions: all})
	ps, _, err3 := e.st.Pools(ctx, all)
	ss, _, err4 := e.st.Stations(ctx, all)
	is, _, err5 := e.st.Invitations(ctx, volmatch.InvitationFilter{ListOptions: all})
	as, _, err6 := e.st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: all})
	s.lastChange, err = e.st.LastChange(ctx)
	for _, err := range []error{err, err1, err2, err3, err4, err5, err6} {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	s.needs, s.volunteers, s.pools, s.stations, s.invitations, s.assignments = len(ns), len(vs), len(ps), len(ss), len(is), len(as)
	s.events = len(e.events())
	return s
}

// with returns the JSON of v with the top-level or dotted path key set to
// val (nil deletes it).
func with(v any, path string, val any) string {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	keys := strings.Split(path, ".")
	cur := m
	for _, k := range keys[:len(keys)-1] {
		switch x := cur[k].(type) {
		case map[string]any:
			cur = x
		case []any:
			cur = x[0].(map[string]any)
		}
	}
	last := keys[len(keys)-1]
	if val == nil {
		delete(cur, last)
	} else {
		cur[last] = val
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// TestBadInput sends malformed and invalid requests to a real server and
// checks the status, the problem's field and message, and that nothing was
// written: store counts, events and the change feed.
func TestBadInput(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	before := e.snapshot()

	n := need("n2", "org1")
	v := volunteer("v9", "赵六", "13600000000", 39.9, 116.4)
	big := `{"id":"n3","title":"` + strings.Repeat("长", 1<<19) + `"}`
	cases := []struct {
		name, who, method, path string
		body                    any
		status                  int
		field, detail           string
	}{
		{"syntax", "sw1", "POST", "/v1/needs", `{"id":`, 400, "", "ends in the middle"},
		{"not json", "sw1", "POST", "/v1/needs", `not json`, 400, "", "malformed JSON"},
		{"empty body", "sw1", "POST", "/v1/needs", ``, 400, "", "empty"},
		{"two values", "sw1", "POST", "/v1/needs", with(n, "id", "n2") + `{}`, 400, "", "exactly one JSON value"},
		{"array body", "sw1", "POST", "/v1/needs", `[]`, 400, "", "object"},
		{"wrong type", "sw1", "POST", "/v1/needs", with(n, "radius_km", "far"), 400, "radius_km", "number"},
		{"wrong type string", "sw1", "POST", "/v1/needs", with(n, "title", 5), 400, "title", "string"},
		{"wrong nested type", "sw1", "POST", "/v1/needs", with(n, "shifts.slots", "two"), 400, "shifts.slots", "integer"},
		{"unknown field", "sw1", "POST", "/v1/needs", with(n, "colour", "red"), 400, "colour", "unknown field"},
		{"unknown nested field", "sw1", "POST", "/v1/needs", with(n, "point.alt", 50), 400, "alt", "unknown field"},
		{"bad time", "sw1", "POST", "/v1/needs", with(n, "shifts.start", "tomorrow"), 400, "shifts[0].start", "invalid value"},
		{"null body", "sw1", "POST", "/v1/needs", `null`, 422, "id", "required"},
		{"missing title", "sw1", "POST", "/v1/needs", with(n, "title", nil), 422, "title", "required"},
		{"missing id", "sw1", "POST", "/v1/needs", with(n, "id", nil), 422, "id", "required"},
		{"bad id", "sw1", "POST", "/v1/needs", with(n, "id", "n 2/x"), 422, "id", "ASCII"},
		{"latitude", "sw1", "POST", "/v1/needs", with(n, "point.lat", 91), 422, "point.lat", "latitude"},
		{"longitude", "sw1", "POST", "/v1/needs", with(n, "point.lng", -181), 422, "point.lng", "longitude"},
		{"no point", "sw1", "POST", "/v1/needs", with(n, "point", nil), 422, "point", "missing"},
		{"end before start", "sw1", "POST", "/v1/needs", with(n, "shifts.end", t0.Format("2006-01-02T15:04:05Z07:00")), 422, "shifts[0].end", "after start"},
		{"slots zero", "sw1", "POST", "/v1/needs", with(n, "shifts.slots", 0), 422, "shifts[0].slots", "at least 1"},
		{"no shifts", "sw1", "POST", "/v1/needs", with(n, "shifts", []any{}), 422, "shifts", "at least one"},
		{"unknown skill", "sw1", "POST", "/v1/needs", with(n, "requires.skills", []any{map[string]any{"skill": "juggling", "level": 1}}), 422, "requires.skills[0].skill", "unknown skill"},
		{"unknown domain", "sw1", "POST", "/v1/needs", with(n, "domain", "astrology"), 422, "domain", "unknown domain"},
		{"bad mode", "sw1", "POST", "/v1/needs", with(n, "mode", "solo"), 422, "mode", "concentrated"},
		{"radius zero", "sw1", "POST", "/v1/needs", with(n, "radius_km", 0), 422, "radius_km", "above 0"},
		{"too large", "sw1", "POST", "/v1/needs", big, 413, "", "larger than"},
		{"other org", "sw1", "POST", "/v1/needs", with(n, "org", "org2"), 403, "", "another organisation"},
		{"duplicate", "sw1", "POST", "/v1/needs", need("n1", "org1"), 409, "", ""},
		{"no token", "", "POST", "/v1/needs", n, 401, "", "Bearer"},
		{"bad token", "nobody", "POST", "/v1/needs", n, 401, "", "not valid"},
		{"volunteer posts need", "vol1", "POST", "/v1/needs", n, 403, "", "volunteer"},
		{"put id mismatch", "sw1", "PUT", "/v1/needs/n1", with(n, "id", "n2"), 422, "id", "match"},
		{"put other org", "sw2", "PUT", "/v1/needs/n1", need("n1", "org2"), 403, "", "another organisation"},
		{"put missing", "sw1", "PUT", "/v1/needs/nope", need("nope", "org1"), 404, "", ""},
		{"volunteer unknown skill", "admin", "POST", "/v1/volunteers", with(v, "skills", []any{map[string]any{"skill": "juggling", "level": 1}}), 422, "skills[0].skill", "unknown skill"},
		{"volunteer skill level", "admin", "POST", "/v1/volunteers", with(v, "skills", []any{map[string]any{"skill": "nursing", "level": 9}}), 422, "skills[0].level", "must be 1"},
		{"volunteer availability", "admin", "POST", "/v1/volunteers", with(v, "availability", "always"), 400, "availability", "availability"},
		{"volunteer travel", "admin", "POST", "/v1/volunteers", with(v, "max_travel_km", -1), 422, "max_travel_km", "between"},
		{"volunteer gender", "admin", "POST", "/v1/volunteers", with(v, "gender", "x"), 422, "gender", "f, m"},
		{"volunteer no name", "admin", "POST", "/v1/volunteers", with(v, "name", nil), 422, "name", "required"},
		{"volunteer home", "admin", "POST", "/v1/volunteers", with(v, "home.lat", 123), 422, "home.lat", "latitude"},
		{"volunteer by worker", "sw1", "POST", "/v1/volunteers", v, 403, "", "social_worker"},
		{"pool domain", "admin", "POST", "/v1/pools", `{"id":"p1","name":"心理","domain":"astrology"}`, 422, "domain", "unknown domain"},
		{"pool member", "admin", "POST", "/v1/pools", `{"id":"p1","name":"心理","domain":"psychology","members":["a b"]}`, 422, "members[0]", "ASCII"},
		{"station type", "admin", "POST", "/v1/stations", `{"id":"s1","name":"站","point":{"lat":39.9,"lng":116.4}}`, 422, "type", "required"},
		{"limit zero", "sw1", "GET", "/v1/needs?limit=0", nil, 400, "limit", "between 1 and 1000"},
		{"limit negative", "sw1", "GET", "/v1/needs?limit=-5", nil, 400, "limit", "between 1 and 1000"}, // above 1000 is capped (limits_test.go)
		{"limit text", "sw1", "GET", "/v1/volunteers?limit=ten", nil, 400, "limit", "integer"},
		{"bad status filter", "sw1", "GET", "/v1/needs?status=weird", nil, 400, "status", "one of"},
		{"bad cursor", "sw1", "GET", "/v1/needs?cursor=%21%21", nil, 400, "cursor", "cursor"},
		{"search nothing", "sw1", "GET", "/v1/search", nil, 400, "q", "give q"},
		{"search near", "sw1", "GET", "/v1/search?near=abc", nil, 400, "near", "lat,lng"},
		{"search near range", "sw1", "GET", "/v1/search?near=100,10", nil, 400, "near.lat", "latitude"},
		{"search kind", "sw1", "GET", "/v1/search?q=x&kind=assignment", nil, 400, "kind", "one of"},
		{"matches k", "sw1", "GET", "/v1/needs/n1/matches?k=0", nil, 400, "k", "between"},
		{"matches shift", "sw1", "GET", "/v1/needs/n1/matches?shift=zz", nil, 404, "", "no shift"},
		{"invite neither", "sw1", "POST", "/v1/needs/n1/invites", `{}`, 422, "volunteers", "either"},
		{"invite both", "sw1", "POST", "/v1/needs/n1/invites", `{"volunteers":["v1"],"top":2}`, 422, "volunteers", "either"},
		{"invite unknown volunteer", "sw1", "POST", "/v1/needs/n1/invites", `{"volunteers":["v1","ghost"]}`, 422, "volunteers[1]", "no volunteer"},
		{"invite twice", "sw1", "POST", "/v1/needs/n1/invites", `{"volunteers":["v1","v1"]}`, 422, "volunteers[1]", "twice"},
		{"invite shift", "sw1", "POST", "/v1/needs/n1/invites", `{"shift":"zz","volunteers":["v1"]}`, 422, "shift", "no shift"},
		{"invite top type", "sw1", "POST", "/v1/needs/n1/invites", `{"top":"all"}`, 400, "top", "integer"},
		{"invite other org", "sw2", "POST", "/v1/needs/n1/invites", `{"volunteers":["v1"]}`, 403, "", "another organisation"},
		{"invite missing need", "sw1", "POST", "/v1/needs/nope/invites", `{"volunteers":["v1"]}`, 404, "", ""},
		{"accept missing", "vol1", "POST", "/v1/invites/nope/accept", nil, 404, "", ""},
		{"rating missing", "sw1", "POST", "/v1/assignments/nope/rating", `{"rating":3}`, 404, "", ""},
		{"rating range", "sw1", "POST", "/v1/assignments/nope/rating", `{"rating":7}`, 422, "rating", "1 to 5"},
		{"planner volunteers", "planner", "GET", "/v1/volunteers", nil, 403, "", "planner"},
		{"unknown route", "sw1", "GET", "/v1/nothing", nil, 404, "", "no route"},
		{"wrong method", "sw1", "PATCH", "/v1/needs/n1", `{}`, 405, "", "PATCH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, b := e.do(c.who, c.method, c.path, c.body, nil)
			var p api.Problem
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s %s: answer %s is not a problem: %v", c.method, c.path, b, err)
			}
			if status != c.status || p.Status != c.status {
				t.Fatalf("%s %s = %d (problem %d) %s, want %d", c.method, c.path, status, p.Status, b, c.status)
			}
			if p.Field != c.field {
				t.Errorf("%s %s field = %q, want %q (%s)", c.method, c.path, p.Field, c.field, p.Detail)
			}
			if !strings.Contains(p.Detail, c.detail) || p.Title == "" || p.Type == "" {
				t.Errorf("%s %s problem = %+v, want detail containing %q", c.method, c.path, p, c.detail)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("%s %s wrote: before %+v, after %+v", c.method, c.path, before, after)
			}
		})
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	// The content type of problems (checked once on a raw request).
	resp, err := e.srv.Client().Get(e.srv.URL + "/v1/needs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
}
