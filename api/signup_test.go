package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// TestSignUpRoute: POST /v1/needs/{id}/shifts/{shift}/signup reserves the
// slot of a menu-mode need (201), refuses another volunteer (403), a
// non-menu need and a full or begun shift (409) and a volunteer failing a
// gate (422 naming it); where the need asks for approval it answers a
// request that org1's staff approve (POST /v1/invites/{id}/approve). A
// retry with its Idempotency-Key gets the first answer.
func TestSignUpRoute(t *testing.T) {
	clock := t0
	e := newEnv(t, api.Options{Now: func() time.Time { return clock }})
	e.seedVolunteers()
	e.must(201, "admin", "POST", "/v1/orgs", map[string]any{"id": "org1", "name": "社区一", "district": "110105"}, nil)
	post := func(id string, f func(*volmatch.Need)) {
		n := need(id, "org1")
		n.Mode = volmatch.ModeMenu
		f(&n)
		e.must(201, "sw1", "POST", "/v1/needs", n, nil)
	}
	post("m1", func(*volmatch.Need) {})
	post("m2", func(n *volmatch.Need) { n.Mode = volmatch.ModeConcentrated })
	post("m3", func(n *volmatch.Need) { n.Requires.Skills[0].Level = 3 })
	post("m4", func(n *volmatch.Need) {
		n.Approval = true
		n.Shifts[0].Start, n.Shifts[0].End = t0.Add(96*time.Hour), t0.Add(99*time.Hour)
	})

	var r api.SignUpResult
	e.must(201, "vol1", "POST", "/v1/needs/m1/shifts/s1/signup", nil, &r)
	if r.Assignment == nil || r.Assignment.Volunteer != "v1" || r.Assignment.Origin != volmatch.OriginSignUp {
		t.Fatalf("sign-up = %+v, want v1's assignment of origin signup", r)
	}
	e.must(403, "vol2", "POST", "/v1/needs/m1/shifts/s1/signup", map[string]any{"volunteer": "v3"}, nil)
	e.must(403, "sw1", "POST", "/v1/needs/m1/shifts/s1/signup", map[string]any{"volunteer": "v3"}, nil)
	e.must(409, "vol2", "POST", "/v1/needs/m2/shifts/s1/signup", nil, nil)
	status, body := e.do("vol2", "POST", "/v1/needs/m3/shifts/s1/signup", nil, nil)
	if status != 422 || !strings.Contains(string(body), "skill") {
		t.Errorf("sign-up failing the skill gate = %d %s, want 422 naming skill", status, body)
	}
	if !strings.Contains(string(body), `"reason":"gate:skill`) {
		t.Errorf("sign-up failing the skill gate = %s, want the problem's reason gate:skill…", body)
	}
	// Keyed: the retry answers the same assignment, not a conflict.
	st1, b1, _ := e.keyed("admin", "/v1/needs/m1/shifts/s1/signup", "k-signup-1", map[string]any{"volunteer": "v2"})
	st2, b2, _ := e.keyed("admin", "/v1/needs/m1/shifts/s1/signup", "k-signup-1", map[string]any{"volunteer": "v2"})
	if st1 != 201 || st2 != 201 || string(b1) != string(b2) {
		t.Errorf("keyed sign-up = %d %s then %d %s, want the same 201 twice", st1, b1, st2, b2)
	}
	status, body = e.do("admin", "POST", "/v1/needs/m1/shifts/s1/signup", map[string]any{"volunteer": "v3"}, nil)
	if status != http.StatusConflict || !strings.Contains(string(body), "full") {
		t.Errorf("sign-up to a full shift = %d %s, want 409 full", status, body)
	}
	if !strings.Contains(string(body), `"reason":"slot_full"`) {
		t.Errorf("sign-up to a full shift = %s, want the problem's reason slot_full", body)
	}

	// Approval: a request, approved by org1's staff only.
	r = api.SignUpResult{}
	e.must(201, "vol1", "POST", "/v1/needs/m4/shifts/s1/signup", nil, &r)
	if r.Request == nil || r.Assignment != nil || r.Request.Origin != volmatch.OriginSignUp || r.Request.Status != volmatch.InviteSent {
		t.Fatalf("sign-up to a need asking approval = %+v, want a sent request", r)
	}
	e.must(403, "vol1", "POST", "/v1/invites/"+r.Request.ID+"/accept", nil, nil)
	e.must(403, "sw2", "POST", "/v1/invites/"+r.Request.ID+"/approve", nil, nil)
	var a volmatch.Assignment
	e.must(200, "sw1", "POST", "/v1/invites/"+r.Request.ID+"/approve", nil, &a)
	if a.Volunteer != "v1" || a.Invite != r.Request.ID || a.Origin != volmatch.OriginSignUp {
		t.Errorf("approve = %+v, want v1's assignment answering %s", a, r.Request.ID)
	}
	e.must(409, "sw1", "POST", "/v1/invites/"+r.Request.ID+"/approve", nil, nil)
	kinds := map[volmatch.EventType]int{}
	for _, ev := range e.events() {
		if ev.Origin == volmatch.OriginSignUp {
			kinds[ev.Type]++
		}
	}
	if kinds[volmatch.EventInviteAccepted] != 3 || kinds[volmatch.EventSignUpRequested] != 1 {
		b, _ := json.Marshal(kinds)
		t.Errorf("events of origin signup = %s, want 3 invite.accepted and 1 signup.requested", b)
	}

	// Begun: no sign-up at or after the shift's start.
	clock = t0.Add(96 * time.Hour)
	e.must(409, "vol2", "POST", "/v1/needs/m4/shifts/s1/signup", nil, nil)
}
