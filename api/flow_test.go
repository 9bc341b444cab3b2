package api_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// TestFlow walks a need from posting to rating through real HTTP and checks
// the contact rules, the search, the event log and the logs' privacy.
func TestFlow(t *testing.T) {
	var clock atomic.Int64 // the server's clock, moved to the shift for the check-in
	clock.Store(t0.UnixNano())
	e := newEnv(t, api.Options{Now: func() time.Time { return time.Unix(0, clock.Load()).In(volmatch.Beijing) }})
	e.seedVolunteers()

	n := need("n1", "")
	var got volmatch.Need
	e.must(201, "sw1", "POST", "/v1/needs", n, &got)
	if got.Org != "org1" || got.Status != volmatch.NeedOpen || got.Supply != 3 {
		t.Fatalf("POST /v1/needs = org %q status %q supply %d, want org1 open 3", got.Org, got.Status, got.Supply)
	}

	// Read your writes: the need is found by search at once.
	var sr api.SearchResponse
	e.must(200, "vol1", "GET", "/v1/search?q=手语", nil, &sr)
	if len(sr.Items) != 1 || sr.Items[0].ID != "n1" || sr.Items[0].Title != n.Title {
		t.Fatalf("search 手语 as volunteer = %+v, want need n1 only", sr.Items)
	}

	var m api.MatchesResponse
	e.must(200, "sw1", "GET", "/v1/needs/n1/matches?k=2", nil, &m)
	if len(m.Items) != 2 || m.Items[0].Volunteer != "v1" || m.Items[0].Rank != 1 || m.Eligible != 3 {
		t.Fatalf("matches = %+v, want v1 first of 2, 3 eligible", m)
	}
	for _, c := range m.Items[0].Breakdown {
		if c.Contribution != c.Value*c.Weight {
			t.Errorf("component %s contribution %v, want %v", c.Name, c.Contribution, c.Value*c.Weight)
		}
	}
	e.must(403, "sw2", "GET", "/v1/needs/n1/matches", nil, nil)

	// Before accepting, v1's contact is masked to the inviting org.
	var v volmatch.Volunteer
	e.must(200, "sw1", "GET", "/v1/volunteers/v1", nil, &v)
	if v.Name == people[0].name || v.Phone == people[0].phone {
		t.Fatalf("volunteer before accept as sw1 = %q %q, want masked", v.Name, v.Phone)
	}

	var invs api.List[volmatch.Invitation]
	e.must(201, "sw1", "POST", "/v1/needs/n1/invites", map[string]any{"volunteers": []string{"v1"}}, &invs)
	if len(invs.Items) != 1 || invs.Items[0].Status != volmatch.InviteSent || invs.Items[0].Org != "org1" {
		t.Fatalf("invites = %+v, want one sent by org1", invs.Items)
	}
	inv := invs.Items[0].ID
	e.must(403, "vol2", "POST", "/v1/invites/"+inv+"/accept", nil, nil)
	var mine api.List[volmatch.Invitation]
	e.must(200, "vol1", "GET", "/v1/invites", nil, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != inv {
		t.Fatalf("GET /v1/invites as vol1 = %+v, want the one invitation", mine.Items)
	}
	var a volmatch.Assignment
	e.must(200, "vol1", "POST", "/v1/invites/"+inv+"/accept", nil, &a)
	if a.Status != volmatch.AssignReserved || a.Volunteer != "v1" {
		t.Fatalf("accept = %+v, want reserved for v1", a)
	}
	e.must(409, "vol1", "POST", "/v1/invites/"+inv+"/accept", nil, nil)

	// After accepting: unmasked to org1; org2, with no need v1 fits and no
	// tie to v1, may not browse v1 at all (engine/access.go).
	e.must(200, "sw1", "GET", "/v1/volunteers/v1", nil, &v)
	if v.Name != people[0].name || v.Phone != people[0].phone {
		t.Fatalf("volunteer after accept as sw1 = %q %q, want the contact", v.Name, v.Phone)
	}
	if _, b := e.do("sw2", "GET", "/v1/volunteers/v1", nil, nil); strings.Contains(string(b), people[0].phone) {
		t.Fatalf("volunteer after accept as sw2 = %s, want no contact", b)
	}
	e.must(403, "sw2", "GET", "/v1/volunteers/v1", nil, nil)
	var vl api.List[volmatch.Volunteer]
	e.must(200, "sw1", "GET", "/v1/volunteers", nil, &vl)
	for _, x := range vl.Items {
		if unmasked := x.Name == people[0].name || x.Name == people[1].name || x.Name == people[2].name; unmasked != (x.ID == "v1") {
			t.Errorf("list as sw1: %s unmasked = %v, want %v", x.ID, unmasked, x.ID == "v1")
		}
	}

	clock.Store(n.Shifts[0].Start.Add(-time.Hour).UnixNano()) // check-in opens 2 h before the shift
	e.must(200, "vol1", "POST", "/v1/assignments/"+a.ID+"/checkin", nil, &a)
	e.must(403, "vol1", "POST", "/v1/assignments/"+a.ID+"/rating", map[string]int{"rating": 5}, nil)
	e.must(403, "vol1", "POST", "/v1/assignments/"+a.ID+"/checkout", map[string]float64{"hours": 2.5}, nil) // the organisation records hours
	e.must(200, "sw1", "POST", "/v1/assignments/"+a.ID+"/checkout", map[string]float64{"hours": 2.5}, &a)
	e.must(200, "sw1", "POST", "/v1/assignments/"+a.ID+"/rating", map[string]int{"rating": 5}, &a)
	if a.Status != volmatch.AssignCompleted || a.Hours != 2.5 || a.Rating != 5 {
		t.Fatalf("assignment = %s %v h rating %d, want completed 2.5 h rating 5", a.Status, a.Hours, a.Rating)
	}
	var al api.List[volmatch.Assignment]
	e.must(200, "sw2", "GET", "/v1/assignments", nil, &al)
	if len(al.Items) != 0 {
		t.Fatalf("assignments as sw2 = %d, want none", len(al.Items))
	}
	e.must(200, "vol1", "GET", "/v1/volunteers/v1", nil, &v)
	if v.Stats.Hours != 2.5 || v.Name != people[0].name || v.Hidden != nil {
		t.Fatalf("own record = hours %v name %q, want 2.5 and the full name", v.Stats.Hours, v.Name)
	}

	var types []string
	for _, ev := range e.events() {
		if ev.Need == "n1" && (ev.Type != volmatch.EventMatchShown || ev.Rank == 1) {
			types = append(types, string(ev.Type))
		}
	}
	want := "need.posted match.shown invite.sent invite.accepted checkin checkout rated"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("events = %s, want %s", got, want)
	}
	for _, ev := range e.events() {
		if ev.Type == volmatch.EventMatchShown && (ev.Batch != m.Batch || ev.Score == 0 || len(ev.Breakdown) == 0) {
			t.Errorf("match.shown = %+v, want batch %s with score and breakdown", ev, m.Batch)
		}
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"/v1/needs/:id/matches"`) {
		t.Fatalf("logs lack the matches route:\n%s", logs)
	}
	for _, p := range people {
		for _, pii := range []string{p.name, p.phone} {
			if strings.Contains(logs, pii) {
				t.Errorf("logs hold personal data %q", pii)
			}
		}
		// The phone's last four digits alone, not inside another number
		// (a latency of 0.5678 ms is no phone).
		if tail := regexp.MustCompile(`(^|[^0-9.])` + p.phone[len(p.phone)-4:] + `([^0-9]|$)`); tail.MatchString(logs) {
			t.Errorf("logs hold the end of a phone number %q", tail.FindString(logs))
		}
	}
}

// TestInviteTop invites the top of the ranking and checks ranks and the fill
// limit under accepts.
func TestInviteTop(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	var invs api.List[volmatch.Invitation]
	e.must(201, "sw1", "POST", "/v1/needs/n1/invites", map[string]any{"top": 3, "shift": "s1"}, &invs)
	if len(invs.Items) != 3 {
		t.Fatalf("top 3 invitations = %d", len(invs.Items))
	}
	for i, inv := range invs.Items {
		if inv.Rank != i+1 || inv.Volunteer != people[i].id {
			t.Errorf("invitation %d = rank %d volunteer %s, want %d %s", i, inv.Rank, inv.Volunteer, i+1, people[i].id)
		}
	}
	// Two slots: the third accept is refused.
	for i, want := range []int{200, 200, 409} {
		e.must(want, "admin", "POST", fmt.Sprintf("/v1/invites/%s/accept", invs.Items[i].ID), nil, nil)
	}
	var n volmatch.Need
	e.must(200, "planner", "GET", "/v1/needs/n1", nil, &n)
	if n.Shifts[0].Filled != 2 {
		t.Fatalf("filled = %d, want 2", n.Shifts[0].Filled)
	}
}
