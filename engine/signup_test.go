package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/scoring"
)

// menuNeed is fixture.Need in menu mode (菜单式服务), of O1.
func menuNeed(id string, opts ...fixture.NeedOption) *volmatch.Need {
	n := fixture.Need(id, append([]fixture.NeedOption{fixture.Org("")}, opts...)...)
	n.Mode = volmatch.ModeMenu
	return n
}

func self(ctx context.Context, e *engine.Engine, vol, need string) (*engine.SignUpResult, error) {
	return e.SignUp(ctx, volunteerToken(vol), need, "s1", engine.SignUpRequest{})
}

// originEvents returns the events of the type whose origin is signup.
func originEvents(t *testing.T, st volmatch.EventLog, typ volmatch.EventType) []volmatch.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []volmatch.Event
	for _, ev := range evs {
		if ev.Type == typ && ev.Origin == volmatch.OriginSignUp {
			out = append(out, ev)
		}
	}
	return out
}

// TestSignUp: a volunteer signs up for a shift of a menu-mode need and
// holds a slot at once (an assignment of origin signup, its
// invite.accepted marked so); nobody else signs them up but an admin;
// a non-menu need, a full shift and a second sign-up are refused.
func TestSignUp(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, menuNeed("N1")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N2", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	r, err := self(ctx, e, "V000", "N1")
	if err != nil {
		t.Fatalf("SignUp(V000) = %v", err)
	}
	a := r.Assignment
	if a == nil || r.Request != nil || a.Volunteer != "V000" || a.Status != volmatch.AssignReserved || a.Origin != volmatch.OriginSignUp || a.Invite != "" {
		t.Fatalf("SignUp(V000) = %+v, want a reserved assignment of origin signup and no request", r)
	}
	if evs := originEvents(t, st, volmatch.EventInviteAccepted); len(evs) != 1 || evs[0].Assignment != a.ID || evs[0].Volunteer != "V000" {
		t.Errorf("invite.accepted of origin signup = %+v, want one for %s", evs, a.ID)
	}
	if got := count(events(t, st), volmatch.EventInviteSent); got != 0 {
		t.Errorf("%d invite.sent for a sign-up, want none (the organisation invited nobody)", got)
	}
	cases := []struct {
		name string
		tok  *volmatch.Token
		need string
		req  engine.SignUpRequest
		want string
	}{
		{"another volunteer", volunteerToken("V001"), "N1", engine.SignUpRequest{Volunteer: "V002"}, volmatch.EFORBIDDEN},
		{"a social worker", sw1, "N1", engine.SignUpRequest{Volunteer: "V002"}, volmatch.EFORBIDDEN},
		{"a planner", planner, "N1", engine.SignUpRequest{Volunteer: "V002"}, volmatch.EFORBIDDEN},
		{"an admin naming nobody", admin, "N1", engine.SignUpRequest{}, volmatch.EINVALID},
		{"a non-menu need", volunteerToken("V001"), "N2", engine.SignUpRequest{}, volmatch.ECONFLICT},
		{"a missing need", volunteerToken("V001"), "N9", engine.SignUpRequest{}, volmatch.ENOTFOUND},
		{"twice", volunteerToken("V000"), "N1", engine.SignUpRequest{}, volmatch.ECONFLICT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.SignUp(ctx, c.tok, c.need, "s1", c.req); volmatch.ErrorCode(err) != c.want {
				t.Errorf("SignUp = %v, want %s", err, c.want)
			}
		})
	}
	if _, err := e.SignUp(ctx, volunteerToken("V001"), "N1", "s9", engine.SignUpRequest{}); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("SignUp(missing shift) = %v, want ENOTFOUND", err)
	}
	// An admin on V001's behalf takes the second and last slot.
	if r, err := e.SignUp(ctx, admin, "N1", "s1", engine.SignUpRequest{Volunteer: "V001"}); err != nil || r.Assignment.Volunteer != "V001" {
		t.Fatalf("SignUp(admin for V001) = %+v, %v", r, err)
	}
	_, err = self(ctx, e, "V002", "N1")
	if volmatch.ErrorCode(err) != volmatch.ECONFLICT || !strings.Contains(volmatch.ErrorMessage(err), "full") {
		t.Errorf("SignUp(full shift) = %v, want ECONFLICT saying full", err)
	}
	if volmatch.ErrorField(err) != "" {
		t.Errorf("SignUp(full shift) names the field %q, want none", volmatch.ErrorField(err))
	}
	if got := len(originEvents(t, st, volmatch.EventInviteAccepted)); got != 2 {
		t.Errorf("%d sign-ups logged, want 2", got)
	}
}

// TestSignUpHoldsGates: a sign-up checks every hard gate as an accept
// does: refused with EINVALID naming the gate the volunteer fails, and
// refused once the shift has begun.
func TestSignUpHoldsGates(t *testing.T) {
	ctx := context.Background()
	clock := now
	e, st := newEngineClock(t, &clock, qualified("V000"), qualified("V001", fixture.Trainings("basic")), qualified("V002"))
	n := gatedNeed("N1")
	n.Mode = volmatch.ModeMenu
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	_, err := self(ctx, e, "V001", "N1")
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "volunteer" || !strings.Contains(volmatch.ErrorMessage(err), scoring.GateTraining) {
		t.Errorf("SignUp(without the training) = %v, want EINVALID on volunteer naming %s", err, scoring.GateTraining)
	}
	// A certificate that ends before the shift does fails as at an accept.
	v0, _ := st.Volunteer(ctx, "V000")
	v0.Certificates[0].Expires = n.Shifts[0].End.Add(-time.Hour)
	if _, err := e.UpdateVolunteer(ctx, admin, "V000", v0); err != nil {
		t.Fatal(err)
	}
	if _, err := self(ctx, e, "V000", "N1"); volmatch.ErrorCode(err) != volmatch.EINVALID || !strings.Contains(volmatch.ErrorMessage(err), scoring.GateCertificate) {
		t.Errorf("SignUp(certificate lapsing) = %v, want EINVALID naming %s", err, scoring.GateCertificate)
	}
	clock = n.Shifts[0].Start
	if _, err := self(ctx, e, "V002", "N1"); volmatch.ErrorCode(err) != volmatch.ECONFLICT || !strings.Contains(volmatch.ErrorMessage(err), "began") {
		t.Errorf("SignUp at the shift's start = %v, want ECONFLICT (begun)", err)
	}
	if got := count(events(t, st), volmatch.EventInviteAccepted); got != 0 {
		t.Errorf("%d reservations written, want none", got)
	}
}

// TestSignUpApproval: where the need asks for approval, a sign-up is a
// request (signup.requested) that the volunteer cannot accept themself;
// the organisation approves it (the slot reserved, invite.accepted of
// origin signup) or declines it; the approval checks the gates again.
func TestSignUpApproval(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, qualified("V000"), qualified("V001"), qualified("V002"))
	n := gatedNeed("N1")
	n.Mode, n.Approval = volmatch.ModeMenu, true
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	var reqs []*volmatch.Invitation
	for _, v := range []string{"V000", "V001", "V002"} {
		r, err := self(ctx, e, v, "N1")
		if err != nil {
			t.Fatalf("SignUp(%s) = %v", v, err)
		}
		if r.Assignment != nil || r.Request == nil || r.Request.Status != volmatch.InviteSent || r.Request.Origin != volmatch.OriginSignUp || r.Request.Org != "O1" {
			t.Fatalf("SignUp(%s) = %+v, want a sent request of origin signup", v, r)
		}
		reqs = append(reqs, r.Request)
	}
	if got := len(originEvents(t, st, volmatch.EventSignUpRequested)); got != 3 {
		t.Errorf("%d signup.requested events, want 3", got)
	}
	if got := count(events(t, st), volmatch.EventInviteSent); got != 0 {
		t.Errorf("%d invite.sent for sign-up requests, want none", got)
	}
	if _, err := self(ctx, e, "V000", "N1"); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("a second request = %v, want ECONFLICT (a live request)", err)
	}
	if _, err := e.Accept(ctx, volunteerToken("V000"), reqs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("the volunteer accepts their own request = %v, want EFORBIDDEN", err)
	}
	if _, err := e.Accept(ctx, admin, reqs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("an accept of a request = %v, want EFORBIDDEN (approve it)", err)
	}
	for _, tok := range []*volmatch.Token{sw2, volunteerToken("V000"), planner} {
		if _, err := e.Approve(ctx, tok, reqs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Approve by %s/%s = %v, want EFORBIDDEN", tok.Role, tok.Org+tok.Volunteer, err)
		}
	}
	a, err := e.Approve(ctx, sw1, reqs[0].ID)
	if err != nil {
		t.Fatalf("Approve = %v", err)
	}
	if a.Volunteer != "V000" || a.Invite != reqs[0].ID || a.Origin != volmatch.OriginSignUp || a.Status != volmatch.AssignReserved {
		t.Errorf("Approve = %+v, want V000's reserved assignment of origin signup answering %s", a, reqs[0].ID)
	}
	if _, err := e.Approve(ctx, sw1, reqs[0].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Approve twice = %v, want ECONFLICT", err)
	}
	// Between request and approval V001's certificate is found to lapse.
	v1, _ := st.Volunteer(ctx, "V001")
	v1.Certificates[0].Expires = n.Shifts[0].Start.Add(-time.Hour)
	if _, err := e.UpdateVolunteer(ctx, admin, "V001", v1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, sw1, reqs[1].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT || !strings.Contains(volmatch.ErrorMessage(err), scoring.GateCertificate) {
		t.Errorf("Approve(V001, certificate lapsed) = %v, want ECONFLICT naming %s", err, scoring.GateCertificate)
	}
	if d, err := e.Decline(ctx, sw1, reqs[2].ID); err != nil || d.Status != volmatch.InviteDeclined {
		t.Errorf("the organisation declines = %+v, %v", d, err)
	}
	if evs := originEvents(t, st, volmatch.EventInviteAccepted); len(evs) != 1 || evs[0].Invite != reqs[0].ID {
		t.Errorf("invite.accepted of origin signup = %+v, want the approval of %s", evs, reqs[0].ID)
	}
	if evs := originEvents(t, st, volmatch.EventInviteDeclined); len(evs) != 1 || evs[0].Invite != reqs[2].ID {
		t.Errorf("invite.declined of origin signup = %+v, want %s", evs, reqs[2].ID)
	}
}

// TestApproveOnlyRequests: Approve refuses an organisation's invitation,
// and approval is asked only on menu-mode needs.
func TestApproveOnlyRequests(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(2)...)
	if _, err := e.PostNeed(ctx, sw1, menuNeed("N1")); err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, sw1, invs[0].ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Approve(an invitation) = %v, want ECONFLICT", err)
	}
	n := fixture.Need("N2", fixture.Org(""))
	n.Approval = true
	if _, err := e.PostNeed(ctx, sw1, n); volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "approval" {
		t.Errorf("PostNeed(approval on a concentrated need) = %v, want EINVALID on approval", err)
	}
}

// TestSignUpConcurrent: many volunteers signing up at once for a shift of
// 3 slots: exactly 3 hold it; one volunteer signing up at once for two
// overlapping shifts holds one.
func TestSignUpConcurrent(t *testing.T) {
	ctx := context.Background()
	const vols = 24
	e, st := newEngine(t, fixture.Volunteers(vols)...)
	start := fixture.Base.Add(33 * time.Hour)
	if _, err := e.PostNeed(ctx, sw1, menuNeed("N1", fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 3)))); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, vols)
	gate := make(chan struct{})
	for i := range vols {
		wg.Go(func() {
			<-gate
			_, errs[i] = self(ctx, e, fmt.Sprintf("V%03d", i), "N1")
		})
	}
	close(gate)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch volmatch.ErrorCode(err) {
		case "":
			ok++
		case volmatch.ECONFLICT:
		default:
			t.Errorf("SignUp(V%03d) = %v, want success or ECONFLICT", i, err)
		}
	}
	n, err := st.Need(ctx, "N1")
	if err != nil {
		t.Fatal(err)
	}
	if ok != 3 || n.Shifts[0].Filled != 3 {
		t.Errorf("%d sign-ups succeeded, filled %d; want exactly 3 of 3 slots", ok, n.Shifts[0].Filled)
	}

	// Two needs whose shifts overlap by an hour, each with room: V000's
	// concurrent sign-ups to both hold one.
	for i, id := range []string{"N2", "N3"} {
		s := fixture.Shift("s1", start.Add(24*time.Hour+time.Duration(i)*2*time.Hour), 3*time.Hour, 5)
		if _, err := e.PostNeed(ctx, sw1, menuNeed(id, fixture.Shifts(s))); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 10 {
		// A fresh volunteer each round: V010.. hold nothing yet.
		vol := fmt.Sprintf("V%03d", 10+round)
		var mu sync.Mutex
		won := 0
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for _, id := range []string{"N2", "N3"} {
			wg.Go(func() {
				<-gate
				_, err := self(ctx, e, vol, id)
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
					t.Errorf("SignUp(%s, %s) = %v", vol, id, err)
				}
			})
		}
		close(gate)
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: %s holds %d of two overlapping shifts, want 1", round, vol, won)
		}
	}
}
