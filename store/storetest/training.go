package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// session returns a session starting h hours after Epoch, lasting d hours.
func session(id string, h, d float64, seats int) volmatch.Session {
	return fixture.Session(id, at(h), time.Duration(d*float64(time.Hour)), seats)
}

func enrol(st volmatch.Store, id, course, sess, vol string, h float64) (*volmatch.Enrolment, error) {
	e := &volmatch.Enrolment{ID: id, Course: course, Session: sess, Volunteer: vol}
	return e, st.Enrol(context.Background(), e, at(h))
}

func seatsHeld(t *testing.T, st volmatch.Store, course, sess string) int {
	t.Helper()
	c, err := st.Course(context.Background(), course)
	must(t, "Course "+course, err)
	s, ok := c.Session(sess)
	if !ok {
		t.Fatalf("course %s has no session %s", course, sess)
	}
	return s.Enrolled
}

func wantSeatReason(t *testing.T, what string, err error, reason string) {
	t.Helper()
	wantCode(t, what, err, volmatch.ECONFLICT)
	if got := volmatch.ErrorReason(err); got != reason {
		t.Fatalf("%s: reason %q (%v), want %q", what, got, err, reason)
	}
}

// testCourses: a course is created, read with its seats, listed by filter,
// updated and deleted; a bad one names its field; an existing ID and a
// missing one give their codes.
func testCourses(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	c := fixture.Course("C1", "O1", "first_aid_training", session("S1", 24, 3, 10), session("S2", 48, 3, 10))
	must(t, "CreateCourse", st.CreateCourse(ctx, c))
	wantCode(t, "CreateCourse again", st.CreateCourse(ctx, fixture.Course("C1", "O1", "x")), volmatch.ECONFLICT)
	bad := fixture.Course("C2", "O1", "x", session("S1", 24, 3, 0))
	err := st.CreateCourse(ctx, bad)
	wantCode(t, "CreateCourse no seats", err, volmatch.EINVALID)
	if f := volmatch.ErrorField(err); f != "sessions[0].seats" {
		t.Errorf("CreateCourse no seats: field %q, want sessions[0].seats", f)
	}
	must(t, "CreateCourse C3", st.CreateCourse(ctx, fixture.Course("C3", "O2", "psych_training")))
	got, err := st.Course(ctx, "C1")
	must(t, "Course", err)
	if got.Name != c.Name || len(got.Sessions) != 2 || got.Sessions[1].Enrolled != 0 || got.UpdatedAt.IsZero() {
		t.Errorf("Course(C1) = %+v", got)
	}
	cs, _, err := st.Courses(ctx, volmatch.CourseFilter{Org: "O2"})
	must(t, "Courses", err)
	if len(cs) != 1 || cs[0].ID != "C3" {
		t.Errorf("Courses(org O2) = %d courses, want C3", len(cs))
	}
	cs, next, err := st.Courses(ctx, volmatch.CourseFilter{ListOptions: volmatch.ListOptions{Limit: 1}})
	must(t, "Courses page", err)
	if len(cs) != 1 || cs[0].ID != "C1" || next != "C1" {
		t.Errorf("Courses(limit 1) = %d, next %q; want C1, next C1", len(cs), next)
	}
	got.Name = "新名字"
	must(t, "UpdateCourse", st.UpdateCourse(ctx, got))
	wantCode(t, "UpdateCourse missing", st.UpdateCourse(ctx, fixture.Course("C9", "O1", "x")), volmatch.ENOTFOUND)
	wantCode(t, "Course missing", func() error { _, err := st.Course(ctx, "C9"); return err }(), volmatch.ENOTFOUND)
	must(t, "DeleteCourse", st.DeleteCourse(ctx, "C3"))
	wantCode(t, "DeleteCourse again", st.DeleteCourse(ctx, "C3"), volmatch.ENOTFOUND)
}

// testEnrol: seats, the same session twice, overlapping sessions and
// shifts (either way round: no shift is taken during a held seat), a
// begun session, a missing volunteer; cancel frees the seat; a
// course holding seats keeps its sessions; attendance grants an expiry,
// absence frees the seat.
func testEnrol(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(4), need("N1", "O1", shift("S1", 100, 4, 3)))
	must(t, "CreateCourse C1", st.CreateCourse(ctx, fixture.Course("C1", "O1", "first_aid_training",
		session("S1", 24, 3, 2), session("S2", 101, 2, 5))))
	must(t, "CreateCourse C2", st.CreateCourse(ctx, fixture.Course("C2", "O2", "psych_training", session("S1", 25, 3, 5))))

	e, err := enrol(st, "E1", "C1", "S1", "V000", 0)
	must(t, "Enrol E1", err)
	if e.Status != volmatch.EnrolEnrolled || e.Org != "O1" || e.Training != "first_aid_training" || !e.Start.Equal(at(24)) {
		t.Errorf("Enrol E1 = %+v", e)
	}
	// A shift overlapping a held seat is refused, by accept and by reserve.
	must(t, "CreateNeed N2", st.CreateNeed(ctx, need("N2", "O1", shift("S1", 25, 2, 3))))
	invite(t, st, "I2", "N2", "S1", "V000")
	_, err = st.Accept(ctx, "I2", at(1))
	wantSeatReason(t, "Accept a shift during a session", err, volmatch.ReasonShiftClash)
	_, err = st.Reserve(ctx, []volmatch.Reservation{{Need: "N2", Shift: "S1", Volunteer: "V000"}}, at(1))
	wantSeatReason(t, "Reserve a shift during a session", err, volmatch.ReasonShiftClash)
	if n := filled(t, st, "N2", "S1"); n != 0 {
		t.Errorf("N2/S1 filled %d after refusals, want 0", n)
	}
	_, err = enrol(st, "E2", "C1", "S1", "V000", 0)
	wantSeatReason(t, "Enrol same session", err, volmatch.ReasonAlreadyHeld)
	_, err = enrol(st, "E2", "C2", "S1", "V000", 0)
	wantSeatReason(t, "Enrol overlapping session", err, volmatch.ReasonShiftClash)
	_, err = enrol(st, "E1", "C1", "S1", "V001", 0)
	wantCode(t, "Enrol existing ID", err, volmatch.ECONFLICT)
	_, err = enrol(st, "E2", "C1", "S1", "V999", 0)
	wantCode(t, "Enrol missing volunteer", err, volmatch.ENOTFOUND)
	_, err = enrol(st, "E2", "C1", "S9", "V001", 0)
	wantCode(t, "Enrol missing session", err, volmatch.ENOTFOUND)
	_, err = enrol(st, "E2", "C9", "S1", "V001", 0)
	wantCode(t, "Enrol missing course", err, volmatch.ENOTFOUND)
	_, err = enrol(st, "E2", "C1", "S1", "V001", 24)
	wantSeatReason(t, "Enrol begun", err, volmatch.ReasonShiftBegun)
	must(t, "Enrol E2", func() error { _, err := enrol(st, "E2", "C1", "S1", "V001", 0); return err }())
	_, err = enrol(st, "E3", "C1", "S1", "V002", 0)
	wantSeatReason(t, "Enrol full", err, volmatch.ReasonSlotFull)
	if n := seatsHeld(t, st, "C1", "S1"); n != 2 {
		t.Errorf("seats held = %d, want 2", n)
	}

	// A session overlapping a shift the volunteer serves is refused.
	inv := invite(t, st, "I1", "N1", "S1", "V003")
	_, err = st.Accept(ctx, inv.ID, at(1))
	must(t, "Accept", err)
	_, err = enrol(st, "E4", "C1", "S2", "V003", 2)
	wantSeatReason(t, "Enrol over a shift", err, volmatch.ReasonShiftClash)

	// A course holding seats keeps its sessions.
	c, err := st.Course(ctx, "C1")
	must(t, "Course", err)
	moved := c.Clone()
	moved.Sessions[0].Start, moved.Sessions[0].End = at(30), at(33)
	wantCode(t, "UpdateCourse moves a held session", st.UpdateCourse(ctx, moved), volmatch.ECONFLICT)
	shrunk := c.Clone()
	shrunk.Sessions[0].Seats = 1
	wantCode(t, "UpdateCourse shrinks a held session", st.UpdateCourse(ctx, shrunk), volmatch.ECONFLICT)
	dropped := c.Clone()
	dropped.Sessions = dropped.Sessions[1:]
	wantCode(t, "UpdateCourse drops a held session", st.UpdateCourse(ctx, dropped), volmatch.ECONFLICT)
	wantCode(t, "DeleteCourse with seats", st.DeleteCourse(ctx, "C1"), volmatch.ECONFLICT)
	grown := c.Clone()
	grown.Sessions[0].Seats = 3
	must(t, "UpdateCourse grows", st.UpdateCourse(ctx, grown))
	if grown.Sessions[0].Enrolled != 2 {
		t.Errorf("UpdateCourse: Enrolled = %d, want 2", grown.Sessions[0].Enrolled)
	}

	// Cancel frees the seat; twice is a conflict; after the start too.
	e, err = st.CancelEnrolment(ctx, "E2", at(1))
	must(t, "CancelEnrolment", err)
	if e.Status != volmatch.EnrolCancelled || !e.CancelledAt.Equal(at(1)) {
		t.Errorf("CancelEnrolment = %+v", e)
	}
	_, err = st.CancelEnrolment(ctx, "E2", at(1))
	wantSeatReason(t, "CancelEnrolment twice", err, volmatch.ReasonWrongState)
	if n := seatsHeld(t, st, "C1", "S1"); n != 1 {
		t.Errorf("seats held after cancel = %d, want 1", n)
	}
	_, err = st.CancelEnrolment(ctx, "E1", at(25))
	wantSeatReason(t, "CancelEnrolment begun", err, volmatch.ReasonShiftBegun)
	_, err = st.CancelEnrolment(ctx, "E9", at(1))
	wantCode(t, "CancelEnrolment missing", err, volmatch.ENOTFOUND)

	// Attendance: not before the start; attended sets the expiry.
	_, err = st.RecordAttendance(ctx, "E1", true, at(1))
	wantCode(t, "RecordAttendance early", err, volmatch.ECONFLICT)
	e, err = st.RecordAttendance(ctx, "E1", true, at(27))
	must(t, "RecordAttendance", err)
	if e.Status != volmatch.EnrolAttended || !e.Expires.Equal(at(27).AddDate(2, 0, 0)) {
		t.Errorf("RecordAttendance = %+v, want attended, expiring %v", e, at(27).AddDate(2, 0, 0))
	}
	_, err = st.RecordAttendance(ctx, "E1", true, at(28))
	wantSeatReason(t, "RecordAttendance twice", err, volmatch.ReasonWrongState)
	if n := seatsHeld(t, st, "C1", "S1"); n != 1 {
		t.Errorf("seats held after attendance = %d, want 1", n)
	}
	must(t, "Enrol E5", func() error { _, err := enrol(st, "E5", "C2", "S1", "V002", 0); return err }())
	e, err = st.RecordAttendance(ctx, "E5", false, at(28))
	must(t, "RecordAttendance absent", err)
	if e.Status != volmatch.EnrolAbsent || !e.Expires.IsZero() {
		t.Errorf("RecordAttendance absent = %+v", e)
	}
	if n := seatsHeld(t, st, "C2", "S1"); n != 0 {
		t.Errorf("seats held after absence = %d, want 0", n)
	}

	es, _, err := st.Enrolments(ctx, volmatch.EnrolmentFilter{Volunteer: "V000"})
	must(t, "Enrolments", err)
	if len(es) != 1 || es[0].ID != "E1" {
		t.Errorf("Enrolments(V000) = %d, want E1", len(es))
	}
	es, _, err = st.Enrolments(ctx, volmatch.EnrolmentFilter{Course: "C1", Status: volmatch.EnrolCancelled})
	must(t, "Enrolments", err)
	if len(es) != 1 || es[0].ID != "E2" {
		t.Errorf("Enrolments(C1, cancelled) = %d, want E2", len(es))
	}
	es, _, err = st.Enrolments(ctx, volmatch.EnrolmentFilter{})
	must(t, "Enrolments all", err)
	if len(es) != 3 {
		t.Errorf("Enrolments() = %d, want 3", len(es))
	}
	got, err := st.Enrolment(ctx, "E5")
	must(t, "Enrolment", err)
	if got.Status != volmatch.EnrolAbsent {
		t.Errorf("Enrolment(E5) = %+v", got)
	}
}

// testConcurrentEnrol: many volunteers race for a few seats of two
// overlapping sessions; every seat is taken once, never more, and no
// volunteer holds both.
func testConcurrentEnrol(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	const nVols, seats = 40, 5
	seed(t, st, fixture.Volunteers(nVols))
	must(t, "CreateCourse", st.CreateCourse(ctx, fixture.Course("C1", "O1", "t1", session("S1", 24, 3, seats), session("S2", 25, 3, seats))))
	type try struct{ id, sess, vol string }
	var tries []try
	for i := range nVols {
		for _, s := range []string{"S1", "S2"} {
			tries = append(tries, try{fmt.Sprintf("E%s-%03d", s, i), s, fmt.Sprintf("V%03d", i)})
		}
	}
	errs := race(len(tries), func(i int) error {
		_, err := enrol(st, tries[i].id, "C1", tries[i].sess, tries[i].vol, 0)
		return err
	})
	bySess, byVol := map[string]int{}, map[string]int{}
	for i, err := range errs {
		if err != nil {
			if volmatch.ErrorCode(err) != volmatch.ECONFLICT {
				t.Errorf("Enrol(%s): %v, want success or a conflict", tries[i].id, err)
			}
			continue
		}
		bySess[tries[i].sess]++
		byVol[tries[i].vol]++
	}
	if bySess["S1"] != seats || bySess["S2"] != seats {
		t.Errorf("concurrent enrolments: %v, want %d per session", bySess, seats)
	}
	for v, n := range byVol {
		if n > 1 {
			t.Errorf("volunteer %s holds %d overlapping sessions", v, n)
		}
	}
	for _, s := range []string{"S1", "S2"} {
		if n := seatsHeld(t, st, "C1", s); n != seats {
			t.Errorf("seats held of %s = %d, want %d", s, n, seats)
		}
	}
}
