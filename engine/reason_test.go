package engine_test

import (
	"context"
	"testing"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/scoring"
)

// wantReason fails unless err carries the code and the reason.
func wantReason(t *testing.T, what string, err error, code, reason string) {
	t.Helper()
	if volmatch.ErrorCode(err) != code || volmatch.ErrorReason(err) != reason {
		t.Errorf("%s = %v (reason %q), want %s with reason %q", what, err, volmatch.ErrorReason(err), code, reason)
	}
}

// TestRefusalReasons: the refusals the web pages tell apart carry their
// machine-readable reason (volmatch.Error.Reason) on every path of the
// engine: a sign-up (gate, begun, not menu, full, held, clash), an invite
// (gate, clash) and an accept (gate); the store's own refusals are checked
// on both stores by storetest.
func TestRefusalReasons(t *testing.T) {
	ctx := context.Background()
	clock := now
	e, st := newEngineClock(t, &clock, qualified("V000"), qualified("V001", fixture.Trainings("basic")), qualified("V002"), qualified("V003"), qualified("V004"))
	n := gatedNeed("N1")
	n.Mode = volmatch.ModeMenu
	n.Shifts = n.Shifts[:1]
	n.Shifts[0].Slots = 2
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	clash := gatedNeed("N2")
	clash.Mode = volmatch.ModeMenu
	clash.Shifts = clash.Shifts[:1]
	clash.Shifts[0].Start = n.Shifts[0].Start
	clash.Shifts[0].End = n.Shifts[0].End
	clash.Shifts[0].Slots = 5
	if _, err := e.PostNeed(ctx, sw1, clash); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, gatedNeed("N3")); err != nil {
		t.Fatal(err)
	}
	sh := n.Shifts[0].ID
	signUp := func(vol, need string) error {
		_, err := e.SignUp(ctx, volunteerToken(vol), need, sh, engine.SignUpRequest{})
		return err
	}
	wantReason(t, "SignUp(without the training)", signUp("V001", "N1"), volmatch.EINVALID, volmatch.ReasonGate(scoring.GateTraining))
	wantReason(t, "SignUp(a non-menu need)", signUp("V000", "N3"), volmatch.ECONFLICT, volmatch.ReasonNotMenu)
	if err := signUp("V000", "N1"); err != nil {
		t.Fatalf("SignUp(V000) = %v", err)
	}
	wantReason(t, "SignUp(twice)", signUp("V000", "N1"), volmatch.ECONFLICT, volmatch.ReasonAlreadyHeld)
	if err := signUp("V004", "N1"); err != nil {
		t.Fatalf("SignUp(V004) = %v", err)
	}
	wantReason(t, "SignUp(a full shift)", signUp("V002", "N1"), volmatch.ECONFLICT, volmatch.ReasonSlotFull)
	wantReason(t, "SignUp(a clashing shift)", signUp("V000", "N2"), volmatch.ECONFLICT, volmatch.ReasonShiftClash)
	_, err := e.Invite(ctx, sw1, "N2", engine.InviteRequest{Shift: sh, Volunteers: []string{"V001"}})
	wantReason(t, "Invite(without the training)", err, volmatch.EINVALID, volmatch.ReasonGate(scoring.GateTraining))
	_, err = e.Invite(ctx, sw1, "N2", engine.InviteRequest{Shift: sh, Volunteers: []string{"V000"}})
	wantReason(t, "Invite(a busy volunteer)", err, volmatch.ECONFLICT, volmatch.ReasonShiftClash)
	invs, err := e.Invite(ctx, sw1, "N2", engine.InviteRequest{Shift: sh, Volunteers: []string{"V003"}})
	if err != nil {
		t.Fatal(err)
	}
	v3, err := st.Volunteer(ctx, "V003")
	if err != nil {
		t.Fatal(err)
	}
	v3.Trainings = []string{"basic"}
	if _, err := e.UpdateVolunteer(ctx, admin, "V003", v3); err != nil {
		t.Fatal(err)
	}
	_, err = e.Accept(ctx, volunteerToken("V003"), invs[0].ID)
	wantReason(t, "Accept(the training gone)", err, volmatch.ECONFLICT, volmatch.ReasonGate(scoring.GateTraining))
	clock = n.Shifts[0].Start
	wantReason(t, "SignUp(at the shift's start)", signUp("V002", "N2"), volmatch.ECONFLICT, volmatch.ReasonShiftBegun)
}
