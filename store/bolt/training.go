package bolt

import (
	"context"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// The course library and its enrolments (volmatch.TrainingStore). An
// enrolment, its seat count and its indexes are written in one bbolt
// transaction, which bbolt serialises, so seats are never overfilled and a
// volunteer never holds two overlapping sessions (or a session and a
// shift).
var (
	// bCourses holds course ID -> the course (JSON, Enrolled not kept). A
	// course's write and delete append a change (ChangeCourse): search
	// indexes the library.
	bCourses = []byte("courses")
	// bEnrolments holds enrolment ID -> the enrolment (JSON).
	bEnrolments = []byte("enrolments")
	// bEnrolByVol holds volunteer\x00enrolmentID -> "".
	bEnrolByVol = []byte("enrolments_by_volunteer")
	// bEnrolByCourse holds course\x00enrolmentID -> "".
	bEnrolByCourse = []byte("enrolments_by_course")
	// bSeats holds course\x00session -> the seats held (decimal).
	bSeats = []byte("course_seats")
)

func init() {
	allBuckets = append(allBuckets, bCourses, bEnrolments, bEnrolByVol, bEnrolByCourse, bSeats)
}

// seatsOf returns the seats held of each session of course id.
func seatsOf(tx *bbolt.Tx, id string) (map[string]int, error) {
	out := map[string]int{}
	b := tx.Bucket(bSeats)
	for _, sess := range suffixes(b, id) {
		n, err := strconv.Atoi(string(b.Get(key(id, sess))))
		if err != nil {
			return nil, err
		}
		out[sess] = n
	}
	return out, nil
}

// withSeats sets the sessions' Enrolled of c from tx.
func withSeats(tx *bbolt.Tx, c *volmatch.Course) error {
	m, err := seatsOf(tx, c.ID)
	if err != nil {
		return err
	}
	for i := range c.Sessions {
		c.Sessions[i].Enrolled = m[c.Sessions[i].ID]
	}
	return nil
}

func addSeat(tx *bbolt.Tx, course, session string, by int) error {
	b := tx.Bucket(bSeats)
	k := key(course, session)
	n := 0
	if v := b.Get(k); v != nil {
		var err error
		if n, err = strconv.Atoi(string(v)); err != nil {
			return err
		}
	}
	if n += by; n <= 0 {
		return b.Delete(k)
	}
	return b.Put(k, []byte(strconv.Itoa(n)))
}

func (s *Store) writeCourse(ctx context.Context, c *volmatch.Course, m volmatch.WriteMode) error {
	return volmatch.WriteRecord(c, s.now(), m, func(c *volmatch.Course) error {
		return s.update(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bCourses)
			old := new(volmatch.Course)
			exists, err := getJSON(b, []byte(c.ID), old)
			if err != nil {
				return err
			}
			if err := m.Check("course", c.ID, exists); err != nil {
				return err
			}
			seats, err := seatsOf(tx, c.ID)
			if err != nil {
				return err
			}
			if exists {
				if err := c.CheckUpdate(old, seats); err != nil {
					return err
				}
			}
			for i := range c.Sessions {
				c.Sessions[i].Enrolled = 0
			}
			if err := putJSON(b, []byte(c.ID), c); err != nil {
				return err
			}
			for i := range c.Sessions {
				c.Sessions[i].Enrolled = seats[c.Sessions[i].ID]
			}
			return appendChange(tx, volmatch.ChangeCourse, c.ID, false)
		})
	})
}

// CreateCourse stores a new course (see volmatch.TrainingStore).
func (s *Store) CreateCourse(ctx context.Context, c *volmatch.Course) error {
	return s.writeCourse(ctx, c, volmatch.WriteCreate)
}

// UpdateCourse replaces a course (see volmatch.TrainingStore).
func (s *Store) UpdateCourse(ctx context.Context, c *volmatch.Course) error {
	return s.writeCourse(ctx, c, volmatch.WriteUpdate)
}

// Course returns one course with its seats held.
func (s *Store) Course(ctx context.Context, id string) (*volmatch.Course, error) {
	c := new(volmatch.Course)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bCourses), []byte(id), c)
		if err == nil && !ok {
			err = volmatch.NotFoundError("course", id)
		}
		if err != nil {
			return err
		}
		return withSeats(tx, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCourse removes a course that holds no seat.
func (s *Store) DeleteCourse(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bCourses)
		if b.Get([]byte(id)) == nil {
			return volmatch.NotFoundError("course", id)
		}
		seats, err := seatsOf(tx, id)
		if err != nil {
			return err
		}
		for sess, n := range seats {
			if n > 0 {
				return volmatch.Errorf(volmatch.ECONFLICT, "course %s holds %d enrolments in session %s", id, n, sess)
			}
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return appendChange(tx, volmatch.ChangeCourse, id, true)
	})
}

// Courses lists courses in ID order with their seats held.
func (s *Store) Courses(ctx context.Context, f volmatch.CourseFilter) ([]*volmatch.Course, string, error) {
	var out []*volmatch.Course
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, next, err = list(tx.Bucket(bCourses), f.ListOptions, f.Match)
		if err != nil {
			return err
		}
		for _, c := range out {
			if err := withSeats(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	return out, next, err
}

// heldSessions returns the volunteer's enrolments that hold a seat.
func heldSessions(tx *bbolt.Tx, volunteer string) ([]*volmatch.Enrolment, error) {
	b := tx.Bucket(bEnrolments)
	var out []*volmatch.Enrolment
	for _, id := range suffixes(tx.Bucket(bEnrolByVol), volunteer) {
		var e volmatch.Enrolment
		ok, err := getJSON(b, []byte(id), &e)
		if err != nil {
			return nil, err
		}
		if ok && e.Status.Holds() {
			out = append(out, &e)
		}
	}
	return out, nil
}

// Enrol takes a seat (see volmatch.TrainingStore).
func (s *Store) Enrol(ctx context.Context, e *volmatch.Enrolment, at time.Time) error {
	if err := volmatch.ValidID("id", e.ID); err != nil {
		return err
	}
	var out *volmatch.Enrolment
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		c := new(volmatch.Course)
		ok, err := getJSON(tx.Bucket(bCourses), []byte(e.Course), c)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("course", e.Course)
		}
		sess, ok := c.Session(e.Session)
		if !ok {
			return volmatch.Errorf(volmatch.ENOTFOUND, "course %s has no session %q", c.ID, e.Session)
		}
		if tx.Bucket(bVolunteers).Get([]byte(e.Volunteer)) == nil {
			return volmatch.NotFoundError("volunteer", e.Volunteer)
		}
		if tx.Bucket(bEnrolments).Get([]byte(e.ID)) != nil {
			return volmatch.ExistsError("enrolment", e.ID)
		}
		seats, err := seatsOf(tx, c.ID)
		if err != nil {
			return err
		}
		held, err := heldSessions(tx, e.Volunteer)
		if err != nil {
			return err
		}
		serving, err := heldBy(tx, e.Volunteer)
		if err != nil {
			return err
		}
		if err := volmatch.CheckEnrolment(c, sess, seats[sess.ID], held, serving, e.Volunteer, at); err != nil {
			return err
		}
		out = volmatch.EnrolmentFor(e.ID, c, sess, e.Volunteer, at)
		if err := putJSON(tx.Bucket(bEnrolments), []byte(out.ID), out); err != nil {
			return err
		}
		if err := tx.Bucket(bEnrolByVol).Put(key(out.Volunteer, out.ID), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bEnrolByCourse).Put(key(out.Course, out.ID), nil); err != nil {
			return err
		}
		return addSeat(tx, c.ID, sess.ID, 1)
	})
	if err != nil {
		return err
	}
	*e = *out
	return nil
}

// step applies fn to enrolment id and frees its seat when it no longer
// holds one.
func (s *Store) stepEnrolment(ctx context.Context, id string, fn func(tx *bbolt.Tx, e *volmatch.Enrolment) error) (*volmatch.Enrolment, error) {
	e := new(volmatch.Enrolment)
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bEnrolments)
		ok, err := getJSON(b, []byte(id), e)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("enrolment", id)
		}
		held := e.Status.Holds()
		if err := fn(tx, e); err != nil {
			return err
		}
		if held && !e.Status.Holds() {
			if err := addSeat(tx, e.Course, e.Session, -1); err != nil {
				return err
			}
		}
		return putJSON(b, []byte(id), e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// CancelEnrolment cancels an enrolment and frees its seat.
func (s *Store) CancelEnrolment(ctx context.Context, id string, at time.Time) (*volmatch.Enrolment, error) {
	return s.stepEnrolment(ctx, id, func(_ *bbolt.Tx, e *volmatch.Enrolment) error { return e.Cancel(at) })
}

// RecordAttendance records whether the volunteer attended.
func (s *Store) RecordAttendance(ctx context.Context, id string, attended bool, at time.Time) (*volmatch.Enrolment, error) {
	return s.stepEnrolment(ctx, id, func(tx *bbolt.Tx, e *volmatch.Enrolment) error {
		c := new(volmatch.Course)
		ok, err := getJSON(tx.Bucket(bCourses), []byte(e.Course), c)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("course", e.Course)
		}
		return e.Attend(c, attended, at)
	})
}

// Enrolment returns one enrolment.
func (s *Store) Enrolment(ctx context.Context, id string) (*volmatch.Enrolment, error) {
	e := new(volmatch.Enrolment)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bEnrolments), []byte(id), e)
		if err == nil && !ok {
			err = volmatch.NotFoundError("enrolment", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Enrolments lists enrolments in ID order.
func (s *Store) Enrolments(ctx context.Context, f volmatch.EnrolmentFilter) ([]*volmatch.Enrolment, string, error) {
	var out []*volmatch.Enrolment
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		switch {
		case f.Volunteer != "":
			out, next, err = listIDs(tx.Bucket(bEnrolments), suffixes(tx.Bucket(bEnrolByVol), f.Volunteer), f.ListOptions, f.Match)
		case f.Course != "":
			out, next, err = listIDs(tx.Bucket(bEnrolments), suffixes(tx.Bucket(bEnrolByCourse), f.Course), f.ListOptions, f.Match)
		default:
			out, next, err = list(tx.Bucket(bEnrolments), f.ListOptions, f.Match)
		}
		return err
	})
	return out, next, err
}
