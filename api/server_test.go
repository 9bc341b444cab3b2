package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// TestRoles checks what each role may do: 401 without a token, 403 outside
// its scope.
func TestRoles(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	e.must(201, "sw2", "POST", "/v1/needs", need("n2", "org2"), nil)
	e.must(201, "admin", "POST", "/v1/stations", `{"id":"st1","name":"朝阳图书馆","type":"library","point":{"lat":39.9,"lng":116.4}}`, nil)
	e.must(201, "admin", "POST", "/v1/pools", `{"id":"p1","name":"手语人才库","domain":"language","members":["v1"]}`, nil)
	v1 := volunteer("v1", people[0].name, people[0].phone, 39.92, 116.44)
	cases := []struct {
		who, method, path string
		body              any
		want              int
	}{
		{"", "GET", "/v1/needs", nil, 401},
		{"", "GET", "/v1/me", nil, 401},
		{"", "GET", "/healthz", nil, 200},
		{"", "GET", "/openapi.json", nil, 200},
		{"planner", "GET", "/v1/needs", nil, 200},
		{"planner", "GET", "/v1/needs/n1", nil, 200},
		{"planner", "GET", "/v1/stations", nil, 200},
		{"planner", "GET", "/v1/volunteers", nil, 403},
		{"planner", "GET", "/v1/volunteers/v1", nil, 403},
		{"planner", "GET", "/v1/pools", nil, 403},
		{"planner", "GET", "/v1/invites", nil, 403},
		{"planner", "GET", "/v1/assignments", nil, 403},
		{"planner", "GET", "/v1/needs/n1/matches", nil, 403},
		{"planner", "GET", "/v1/search?q=手语&kind=volunteer", nil, 403},
		{"planner", "POST", "/v1/needs", need("n9", ""), 403},
		{"vol1", "GET", "/v1/volunteers/v1", nil, 200},
		{"vol1", "GET", "/v1/volunteers/v2", nil, 403},
		{"vol1", "GET", "/v1/volunteers", nil, 403},
		{"vol1", "PUT", "/v1/volunteers/v1", v1, 200},
		{"vol1", "PUT", "/v1/volunteers/v2", v1, 403},
		{"vol1", "DELETE", "/v1/volunteers/v1", nil, 403},
		{"vol1", "GET", "/v1/invites?volunteer=v2", nil, 403},
		{"vol1", "GET", "/v1/assignments?volunteer=v2", nil, 403},
		{"vol1", "GET", "/v1/needs/n1/matches", nil, 403},
		{"vol1", "GET", "/v1/search?q=手语&kind=volunteer", nil, 403},
		{"vol1", "GET", "/v1/pools", nil, 403},
		{"vol1", "POST", "/v1/stations", `{}`, 403},
		{"sw1", "GET", "/v1/needs/n2", nil, 403},
		{"sw1", "PUT", "/v1/needs/n2", need("n2", "org2"), 403},
		{"sw1", "DELETE", "/v1/needs/n2", nil, 403},
		{"sw1", "GET", "/v1/needs/n2/matches", nil, 403},
		{"sw1", "GET", "/v1/invites?org=org2", nil, 403},
		{"sw1", "GET", "/v1/assignments?org=org2", nil, 403},
		{"sw1", "GET", "/v1/pools/p1", nil, 200},
		{"sw1", "POST", "/v1/pools", `{}`, 403},
		{"sw1", "DELETE", "/v1/volunteers/v1", nil, 403},
		{"sw1", "PUT", "/v1/volunteers/v1", v1, 403},
		{"sw1", "GET", "/v1/search?q=手语&kind=volunteer", nil, 200},
		{"sw1", "POST", "/v1/invites/x/accept", nil, 403},
		{"sw1", "GET", "/v1/needs/n1/matches", nil, 200},
		{"sw1", "DELETE", "/v1/needs/n1", nil, 204},
		{"admin", "DELETE", "/v1/needs/n2", nil, 204},
		{"admin", "GET", "/v1/volunteers/v3", nil, 200},
	}
	for _, c := range cases {
		if got, b := e.do(c.who, c.method, c.path, c.body, nil); got != c.want {
			t.Errorf("%s %s as %q = %d %s, want %d", c.method, c.path, c.who, got, b, c.want)
		}
	}
	var me api.Me
	e.must(200, "sw1", "GET", "/v1/me", nil, &me)
	if me.Role != volmatch.RoleSocialWorker || me.Org != "org1" {
		t.Fatalf("GET /v1/me as sw1 = %+v", me)
	}
	// Search as a social worker shows volunteers masked (the candidates of
	// their organisation's open needs: n1 was deleted above); as a
	// volunteer needs and the catalogue (pools, stations ...), never a
	// volunteer.
	e.must(201, "sw1", "POST", "/v1/needs", need("n3", "org1"), nil)
	var sr api.SearchResponse
	e.must(200, "sw1", "GET", "/v1/search?q=手语&kind=volunteer", nil, &sr)
	if len(sr.Items) != 3 {
		t.Fatalf("volunteer search as sw1 = %d items, want 3", len(sr.Items))
	}
	for _, it := range sr.Items {
		if it.Volunteer == nil || strings.Contains(it.Volunteer.Name, people[0].name[3:]) || it.Volunteer.Hidden != nil {
			t.Errorf("search item %s = %+v, want a masked volunteer", it.ID, it.Volunteer)
		}
	}
	sr = api.SearchResponse{}
	e.must(200, "vol1", "GET", "/v1/search?q=手语", nil, &sr)
	for _, it := range sr.Items {
		if it.Kind == "volunteer" || it.Volunteer != nil {
			t.Errorf("search as a volunteer returned a volunteer, %s", it.ID)
		}
	}
}

// TestPagination pages through listings with cursors.
func TestPagination(t *testing.T) {
	e := newEnv(t, api.Options{})
	for i := range 25 {
		e.must(201, "admin", "POST", "/v1/stations",
			fmt.Sprintf(`{"id":"st%02d","name":"站%d","type":"park","point":{"lat":39.9,"lng":116.4}}`, i, i), nil)
	}
	seen := map[string]bool{}
	pages, cursor := 0, ""
	for {
		var l api.List[volmatch.Station]
		e.must(200, "planner", "GET", "/v1/stations?limit=10&cursor="+cursor, nil, &l)
		pages++
		for _, s := range l.Items {
			if seen[s.ID] {
				t.Fatalf("station %s on two pages", s.ID)
			}
			seen[s.ID] = true
		}
		if l.Next == "" {
			break
		}
		cursor = l.Next
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 25 || pages != 3 {
		t.Fatalf("paged %d stations in %d pages, want 25 in 3", len(seen), pages)
	}
	var l api.List[volmatch.Need]
	_, b := e.do("planner", "GET", "/v1/needs", nil, &l)
	if !strings.Contains(string(b), `"items":[]`) {
		t.Fatalf("empty list = %s, want items []", b)
	}
}

// TestOpenAPI checks that every route gin serves is documented and every
// documented operation is served.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t, api.Options{})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Comp    struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	e.must(200, "", "GET", "/openapi.json", nil, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, r := range e.api.Routes() {
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		p, m := strings.Join(parts, "/"), strings.ToLower(r.Method)
		served[m+" "+p] = true
		if _, ok := doc.Paths[p][m]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, p)
		}
	}
	n := 0
	for p, ops := range doc.Paths {
		for m := range ops {
			n++
			if !served[m+" "+p] {
				t.Errorf("documented %s %s is not served", m, p)
			}
		}
	}
	if n < 39 {
		t.Fatalf("only %d operations documented", n)
	}
	for _, name := range []string{"Need", "Volunteer", "Problem", "MatchesResponse", "NeedList"} {
		if _, ok := doc.Comp.Schemas[name]; !ok {
			t.Errorf("schema %s missing", name)
		}
	}
	if strings.Contains(string(doc.Comp.Schemas["Volunteer"]), "hidden") {
		t.Error("the Volunteer schema shows hidden preferences")
	}
}

// TestMetricsAndHealth checks /metrics counts requests and matches, and the
// health routes answer.
func TestMetricsAndHealth(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	e.must(200, "sw1", "GET", "/v1/needs/n1/matches?k=3", nil, nil)
	var st api.Status
	e.must(200, "", "GET", "/healthz", nil, &st)
	e.must(200, "", "GET", "/readyz", nil, &st)
	if st.Status != "ready" {
		t.Fatalf("readyz = %+v", st)
	}
	_, b := e.do("", "GET", "/metrics", nil, nil)
	if !strings.Contains(string(b), "\nvolmatch_notifier_caught_up_timestamp_seconds 0\n") {
		t.Errorf("metrics lack the notifier's caught-up time at 0 before its first pass")
	}
	if _, err := e.eng.Notify(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, b = e.do("", "GET", "/metrics", nil, nil)
	for _, want := range []string{
		fmt.Sprintf("\nvolmatch_notifier_caught_up_timestamp_seconds %g\n", float64(t0.Unix())),
		`volmatch_http_requests_total{method="POST",route="/v1/needs",status="201"} 1`,
		`volmatch_matches_served_total 3`,
		`volmatch_http_request_duration_seconds_bucket{method="GET",route="/v1/needs/:id/matches"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestRateLimit checks the per-token limit with a stopped clock.
func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e := newEnv(t, api.Options{Rate: 1, Burst: 3, Now: func() time.Time { return now }})
	for i, want := range []int{200, 200, 200, 429} {
		if got, b := e.do("planner", "GET", "/v1/stations", nil, nil); got != want {
			t.Fatalf("request %d = %d %s, want %d", i+1, got, b, want)
		}
	}
	// Another token has its own bucket.
	e.must(http.StatusOK, "admin", "GET", "/v1/stations", nil, nil)
}
