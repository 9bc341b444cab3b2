package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// testServiceCertificates: a certificate is stored once under its code and
// becomes its series' newest with its event in the same write; a second
// certificate of the series replaces it as the newest and the first is kept
// as it was; an existing code and an invalid certificate are refused with
// nothing written; concurrent issues of one code store exactly one.
func testServiceCertificates(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	cert := func(code, series, vol string) *volmatch.ServiceCertificate {
		return &volmatch.ServiceCertificate{Code: code, Series: series, Volunteer: vol, IssuedAt: at(1), IssuedBy: "admin",
			Record: []byte(`{"code":"` + code + `"}`), Signature: []byte{1, 2, 3}}
	}
	issued := volmatch.Event{Type: volmatch.EventCertificateIssued, At: at(1), Volunteer: "V1"}
	must(t, "IssueCertificate C1", st.IssueCertificate(ctx, cert("C1", "V1|2025", "V1"), issued))
	if got := eventsOf(allEvents(t, st), volmatch.EventCertificateIssued); len(got) != 1 {
		t.Fatalf("certificate.issued events = %d, want 1", len(got))
	}
	latest, err := st.LatestCertificate(ctx, "V1|2025")
	must(t, "LatestCertificate", err)
	if latest != "C1" {
		t.Fatalf("LatestCertificate = %q, want C1", latest)
	}
	refused(t, st, "IssueCertificate with an existing code", volmatch.ECONFLICT, func() error {
		return st.IssueCertificate(ctx, cert("C1", "V1|other", "V1"), issued)
	})
	refused(t, st, "IssueCertificate without a signature", volmatch.EINVALID, func() error {
		c := cert("C9", "V1|2025", "V1")
		c.Signature = nil
		return st.IssueCertificate(ctx, c)
	})
	if latest, _ := st.LatestCertificate(ctx, "V1|2025"); latest != "C1" {
		t.Fatalf("a refused issue moved the series to %q", latest)
	}
	must(t, "IssueCertificate C2", st.IssueCertificate(ctx, cert("C2", "V1|2025", "V1")))
	must(t, "IssueCertificate C0 of V2", st.IssueCertificate(ctx, cert("C0", "V2|2025", "V2")))
	if latest, _ := st.LatestCertificate(ctx, "V1|2025"); latest != "C2" {
		t.Errorf("LatestCertificate after C2 = %q, want C2", latest)
	}
	old, err := st.ServiceCertificate(ctx, "C1")
	must(t, "ServiceCertificate C1", err)
	sameJSON(t, "ServiceCertificate(C1)", old, cert("C1", "V1|2025", "V1"))
	_, err = st.ServiceCertificate(ctx, "C9")
	wantCode(t, "ServiceCertificate(missing)", err, volmatch.ENOTFOUND)
	_, err = st.LatestCertificate(ctx, "nobody")
	wantCode(t, "LatestCertificate(none)", err, volmatch.ENOTFOUND)

	mine := pages(t, "ServiceCertificates(V1)", func(after string) ([]*volmatch.ServiceCertificate, string, error) {
		return st.ServiceCertificates(ctx, "V1", volmatch.ListOptions{After: after, Limit: 1})
	})
	if len(mine) != 2 || mine[0].Code != "C1" || mine[1].Code != "C2" {
		t.Errorf("ServiceCertificates(V1) = %d certificates, want C1 and C2", len(mine))
	}

	errs := race(8, func(int) error { return st.IssueCertificate(ctx, cert("C5", "V3|2025", "V3")) })
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("a concurrent issue of one code failed with %v, want ECONFLICT", err)
		}
	}
	if ok != 1 {
		t.Errorf("concurrent issues of one code: %d stored, want exactly 1", ok)
	}
}

// testOpenings: a batch of opening balances is written with its events or
// not at all (an invalid element, a volunteer twice, a volunteer who
// already has one), the refusal naming the element.
func testOpenings(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	ob := func(vol string, h float64) *volmatch.OpeningBalance {
		return &volmatch.OpeningBalance{Volunteer: vol, Hours: h, Source: "志愿北京", AsOf: at(-24), ImportedAt: at(0), ImportedBy: "admin"}
	}
	ev := func(vol string) volmatch.Event {
		return volmatch.Event{Type: volmatch.EventHoursOpened, At: at(-24), Volunteer: vol}
	}
	must(t, "PutOpenings", st.PutOpenings(ctx, []*volmatch.OpeningBalance{ob("V1", 120), ob("V2", 8.5)}, ev("V1"), ev("V2")))
	got, err := st.Opening(ctx, "V1")
	must(t, "Opening(V1)", err)
	sameJSON(t, "Opening(V1)", got, ob("V1", 120))
	_, err = st.Opening(ctx, "V3")
	wantCode(t, "Opening(none)", err, volmatch.ENOTFOUND)

	cases := []struct {
		name  string
		obs   []*volmatch.OpeningBalance
		code  string
		field string
	}{
		{"a volunteer who has one", []*volmatch.OpeningBalance{ob("V3", 1), ob("V2", 5)}, volmatch.ECONFLICT, "openings[1].volunteer"},
		{"a volunteer twice", []*volmatch.OpeningBalance{ob("V3", 1), ob("V3", 2)}, volmatch.ECONFLICT, "openings[1].volunteer"},
		{"negative hours", []*volmatch.OpeningBalance{ob("V3", 1), ob("V4", -2)}, volmatch.EINVALID, "openings[1].hours"},
		{"no source", []*volmatch.OpeningBalance{{Volunteer: "V3", Hours: 3, AsOf: at(0)}}, volmatch.EINVALID, "openings[0].source"},
		{"not quarter hours", []*volmatch.OpeningBalance{ob("V3", 1.1)}, volmatch.EINVALID, "openings[0].hours"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, st)
			err := st.PutOpenings(ctx, c.obs, ev("V3"))
			wantCode(t, "PutOpenings", err, c.code)
			if f := volmatch.ErrorField(err); f != c.field {
				t.Errorf("PutOpenings refusal names %q, want %q", f, c.field)
			}
			unchanged(t, "PutOpenings", st, before)
			if _, err := st.Opening(ctx, "V3"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Errorf("a refused batch wrote V3's balance (%v)", err)
			}
		})
	}
}

// testCorrectHours: the organisation's correction of a completed
// assignment's hours moves the volunteer's hours by the difference, with
// its event; a correction of an assignment not completed, without a
// reason, beyond the shift or to the same hours is refused unchanged.
func testCorrectHours(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)))
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S2", Volunteer: "V000"}}, at(1))
	must(t, "Reserve", err)
	correct := func(h float64, reason string) volmatch.Step {
		return volmatch.Step{Kind: volmatch.StepCorrect, At: at(30), Hours: h, Reason: reason}
	}
	refused(t, st, "correct a reserved one", volmatch.ECONFLICT, func() error { _, err := st.Advance(ctx, as[1].ID, correct(2, "x")); return err })
	_, err = st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckIn, At: at(24)})
	must(t, "checkin", err)
	_, err = st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckOut, At: at(27), Hours: 3})
	must(t, "checkout", err)
	for _, c := range []struct {
		name string
		step volmatch.Step
	}{
		{"without a reason", correct(2, " ")},
		{"beyond the shift", correct(3.5, "x")},
		{"to the same hours", correct(3, "x")},
	} {
		refused(t, st, "correct "+c.name, volmatch.EINVALID, func() error { _, err := st.Advance(ctx, as[0].ID, c.step); return err })
	}
	a, err := st.Advance(ctx, as[0].ID, correct(1.5, "签退时间记错"))
	must(t, "correct", err)
	if a.Hours != 1.5 || a.Status != volmatch.AssignCompleted {
		t.Errorf("corrected assignment = %v hours, %s; want 1.5, completed", a.Hours, a.Status)
	}
	v, err := st.Volunteer(ctx, "V000")
	must(t, "Volunteer", err)
	if v.Stats.Hours != 1.5 || v.Stats.Completed != 1 {
		t.Errorf("stats after the correction = %v hours, %d completed; want 1.5, 1", v.Stats.Hours, v.Stats.Completed)
	}
	evs := eventsOf(allEvents(t, st), volmatch.EventHoursCorrected)
	if len(evs) != 1 || evs[0].Hours != 1.5 || evs[0].Reason != "签退时间记错" || evs[0].Volunteer != "V000" {
		t.Errorf("hours.corrected events = %s, want one of 1.5 h with the reason", fmt.Sprint(evs))
	}
}
