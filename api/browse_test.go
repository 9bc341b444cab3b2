package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"volmatch"
	"volmatch/api"
)

// TestBrowseRoutes holds issue 13's search and browse rules on every HTTP
// route that shows volunteers (GET /v1/volunteers, GET /v1/search,
// GET /v1/volunteers/{id}); the rules themselves are the engine's
// (engine/access.go, engine/search.go). Before them a social worker found
// volunteers by their bios, listed and read every volunteer of the city
// with their street, counted other organisations' needs, and sent
// unbounded queries.
func TestBrowseRoutes(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers() // v1, v2, v3 near the need's point
	v1 := volunteer("v1", people[0].name, people[0].phone, 39.92, 116.44)
	v1.Bio = "退休教师，业余养蜂二十年。"
	e.must(200, "admin", "PUT", "/v1/volunteers/v1", v1, nil)
	far := volunteer("v4", "赵一", "13600000004", 39.9097, 116.6566) // Tongzhou: no need reaches it
	e.must(201, "admin", "POST", "/v1/volunteers", far, nil)
	found := volunteer("v5", "钱二", "13600000005", 39.9097, 116.6566)
	found.Consent.Findable = true
	e.must(201, "admin", "POST", "/v1/volunteers", found, nil)
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil) // v1, v2, v3 are its candidates

	search := func(who, query string) api.SearchResponse {
		t.Helper()
		var sr api.SearchResponse
		e.must(200, who, "GET", "/v1/search?"+query, nil, &sr)
		return sr
	}
	ids := func(sr api.SearchResponse) []string {
		out := []string{}
		for _, it := range sr.Items {
			out = append(out, it.ID)
		}
		slices.Sort(out)
		return out
	}

	// The bio: found by an admin, not by a social worker.
	bee := "q=" + url.QueryEscape("养蜂") + "&kind=volunteer"
	if sr := search("admin", bee); sr.Total != 1 || !slices.Equal(ids(sr), []string{"v1"}) {
		t.Errorf("search 养蜂 as admin = %d %v, want v1", sr.Total, ids(sr))
	}
	if sr := search("sw1", bee); sr.Total != 0 || len(sr.Items) != 0 {
		t.Errorf("search 养蜂 as sw1 = %d %v, want nothing", sr.Total, ids(sr))
	}

	// Who sw1 and sw2 browse: the candidates of their open needs and the
	// findable; the totals count nobody else.
	sign := "q=" + url.QueryEscape("手语") + "&kind=volunteer"
	if sr := search("sw1", sign); sr.Total != 4 || !slices.Equal(ids(sr), []string{"v1", "v2", "v3", "v5"}) {
		t.Errorf("search 手语 (a skill's name) as sw1 = %d %v, want 4 [v1 v2 v3 v5]", sr.Total, ids(sr))
	}
	if sr := search("sw2", sign); sr.Total != 1 || !slices.Equal(ids(sr), []string{"v5"}) {
		t.Errorf("search 手语 as sw2 = %d %v, want 1 [v5]", sr.Total, ids(sr))
	}
	for who, want := range map[string][]string{"sw1": {"v1", "v2", "v3", "v5"}, "sw2": {"v5"}, "admin": {"v1", "v2", "v3", "v4", "v5"}} {
		var l api.List[volmatch.Volunteer]
		e.must(200, who, "GET", "/v1/volunteers", nil, &l)
		var got []string
		for _, v := range l.Items {
			got = append(got, v.ID)
			if who != "admin" && (v.Street != "" || v.Bio != "" || v.Name == people[0].name) {
				t.Errorf("GET /v1/volunteers as %s: %s shows street %q, bio %q, name %q", who, v.ID, v.Street, v.Bio, v.Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("GET /v1/volunteers as %s = %v, want %v", who, got, want)
		}
	}
	for _, c := range []struct {
		who, id string
		want    int
	}{
		{"sw1", "v1", 200}, {"sw1", "v5", 200}, {"sw1", "v4", 403}, {"sw1", "nobody", 403},
		{"sw2", "v5", 200}, {"sw2", "v1", 403}, {"admin", "v4", 200},
	} {
		e.must(c.want, c.who, "GET", "/v1/volunteers/"+c.id, nil, nil)
	}
	e.must(403, "sw1", "GET", "/v1/volunteers?street=110105001000", nil, nil)

	// Counts: org2's 30 matching needs are neither counted nor paged for org1.
	for i := range 30 {
		e.must(201, "sw2", "POST", "/v1/needs", need(fmt.Sprintf("a%02d", i), "org2"), nil)
	}
	e.must(201, "sw1", "POST", "/v1/needs", need("z1", "org1"), nil)
	e.must(201, "sw1", "POST", "/v1/needs", need("z2", "org1"), nil)
	sr := search("sw1", "q="+url.QueryEscape("手语")+"&kind=need&limit=3")
	if sr.Total != 3 || !slices.Equal(ids(sr), []string{"n1", "z1", "z2"}) || sr.Next != "" {
		t.Errorf("need search as sw1 = total %d %v next %q, want 3 [n1 z1 z2] and no next page", sr.Total, ids(sr), sr.Next)
	}

	// Bounded text: 422 naming q.
	for _, q := range []string{strings.Repeat("老 ", 124) + "老", strings.Repeat("老", 65), "老 人 心 理 疏 导 手 语 急"} {
		for _, who := range []string{"admin", "sw1", "vol1"} {
			status, b := e.do(who, "GET", "/v1/search?q="+url.QueryEscape(q), nil, nil)
			var p api.Problem
			_ = json.Unmarshal(b, &p)
			if status != 422 || p.Field != "q" {
				t.Errorf("search of %d characters as %s = %d %s, want 422 on q", len([]rune(q)), who, status, b)
			}
		}
	}
}
