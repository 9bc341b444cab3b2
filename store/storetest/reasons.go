package storetest

import (
	"context"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// wantReason fails unless err carries the code and the reason
// (volmatch.ErrorReason), which clients (the web pages, the API's
// problem+json) read instead of the message's wording.
func wantReason(t *testing.T, what string, err error, code, reason string) {
	t.Helper()
	if got := volmatch.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
	if got := volmatch.ErrorReason(err); got != reason {
		t.Errorf("%s: reason %q (%v), want %q", what, got, err, reason)
	}
}

// testReasons checks that each refusal a store makes carries its reason:
// the reservation checks (directly, through a batch and through an
// accept), the invitation checks and the steps of an assignment.
func testReasons(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	// N1/S1: one slot at +24h for 3h; N2/S1 overlaps it; N3 is closed.
	closed := need("N3", "O1", shift("S1", 48, 2, 5))
	seed(t, st, fixture.Volunteers(4), need("N1", "O1", shift("S1", 24, 3, 1)), need("N2", "O1", shift("S1", 25, 2, 5)), closed)
	closed.Status = volmatch.NeedClosed
	must(t, "UpdateNeed close", st.UpdateNeed(ctx, closed))

	reserve := func(need, vol string) error {
		_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: need, Shift: "S1", Volunteer: vol}}, at(1))
		return err
	}
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}}, at(1))
	must(t, "Reserve N1/S1 V000", err)
	wantReason(t, "Reserve a full shift", reserve("N1", "V001"), volmatch.ECONFLICT, volmatch.ReasonSlotFull)
	wantReason(t, "Reserve a clashing shift", reserve("N2", "V000"), volmatch.ECONFLICT, volmatch.ReasonShiftClash)
	wantReason(t, "Reserve a closed need", reserve("N3", "V001"), volmatch.ECONFLICT, volmatch.ReasonNeedClosed)
	must(t, "Reserve N2/S1 V001", reserve("N2", "V001"))
	wantReason(t, "Reserve a held slot", reserve("N2", "V001"), volmatch.ECONFLICT, volmatch.ReasonAlreadyHeld)
	_, err = st.Reserve(ctx, []volmatch.Reservation{{Need: "N2", Shift: "S1", Volunteer: "V002"}, {Need: "N2", Shift: "S1", Volunteer: "V002"}}, at(1))
	wantReason(t, "Reserve a slot twice in a batch", err, volmatch.ECONFLICT, volmatch.ReasonAlreadyHeld)

	// Invitations: a live one, a closed need, a full shift and a clash on
	// accepting, and an answered one.
	invite(t, st, "I1", "N2", "S1", "V003")
	wantReason(t, "CreateInvitation with a live one", st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I2", Need: "N2", Shift: "S1", Volunteer: "V003", SentAt: at(1)}),
		volmatch.ECONFLICT, volmatch.ReasonAlreadyHeld)
	wantReason(t, "CreateInvitation to a closed need", st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I3", Need: "N3", Shift: "S1", Volunteer: "V003", SentAt: at(1)}),
		volmatch.ECONFLICT, volmatch.ReasonNeedClosed)
	invite(t, st, "I4", "N1", "S1", "V002")
	_, err = st.Accept(ctx, "I4", at(2))
	wantReason(t, "Accept a full shift", err, volmatch.ECONFLICT, volmatch.ReasonSlotFull)
	invite(t, st, "I5", "N2", "S1", "V000")
	_, err = st.Accept(ctx, "I5", at(2))
	wantReason(t, "Accept a clashing shift", err, volmatch.ECONFLICT, volmatch.ReasonShiftClash)
	_, err = st.Accept(ctx, "I1", at(2))
	must(t, "Accept I1", err)
	_, err = st.Accept(ctx, "I1", at(2))
	wantReason(t, "Accept an accepted invitation", err, volmatch.ECONFLICT, volmatch.ReasonAnswered)
	_, err = st.Decline(ctx, "I1", at(2))
	wantReason(t, "Decline an accepted invitation", err, volmatch.ECONFLICT, volmatch.ReasonAnswered)

	// The steps of an assignment (volmatch.Step.Apply in every store).
	a := as[0]
	advance := func(s volmatch.Step) error {
		_, err := st.Advance(ctx, a.ID, s)
		return err
	}
	wantReason(t, "CheckOut before CheckIn", advance(volmatch.Step{Kind: volmatch.StepCheckOut, At: a.End}), volmatch.ECONFLICT, volmatch.ReasonWrongState)
	wantReason(t, "CheckIn too early", advance(volmatch.Step{Kind: volmatch.StepCheckIn, At: a.Start.Add(-volmatch.CheckInEarly - time.Hour)}),
		volmatch.EINVALID, volmatch.ReasonCheckInWindow)
	must(t, "CheckIn", advance(volmatch.Step{Kind: volmatch.StepCheckIn, At: a.Start}))
	wantReason(t, "CheckIn twice", advance(volmatch.Step{Kind: volmatch.StepCheckIn, At: a.Start}), volmatch.ECONFLICT, volmatch.ReasonWrongState)
	wantReason(t, "CheckOut too late", advance(volmatch.Step{Kind: volmatch.StepCheckOut, At: a.End.Add(volmatch.CheckOutLate + time.Hour)}),
		volmatch.EINVALID, volmatch.ReasonCheckOutWindow)
	wantReason(t, "CheckOut before check-in", advance(volmatch.Step{Kind: volmatch.StepCheckOut, At: a.Start.Add(-time.Hour)}),
		volmatch.EINVALID, volmatch.ReasonCheckOutEarly)
	wantReason(t, "CheckOut with hours over the shift", advance(volmatch.Step{Kind: volmatch.StepCheckOut, At: a.End, Hours: 5}),
		volmatch.EINVALID, volmatch.ReasonHoursOverShift)
	must(t, "CheckOut", advance(volmatch.Step{Kind: volmatch.StepCheckOut, At: a.End}))
	must(t, "Rate", advance(volmatch.Step{Kind: volmatch.StepRate, At: a.End, Rating: 4}))
	wantReason(t, "Rate twice", advance(volmatch.Step{Kind: volmatch.StepRate, At: a.End, Rating: 5}), volmatch.ECONFLICT, volmatch.ReasonAlreadyRated)
}
