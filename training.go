package volmatch

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Training before duty (先培训再上岗, 培训课程库): a Course is offered by an
// organisation, grants one training of the taxonomy and runs in Sessions
// with times, a place and seats. A volunteer enrols in a session (an
// Enrolment holds a seat: never more than Seats, never two overlapping
// sessions or a session overlapping a shift the volunteer serves, whichever
// came first: CheckEnrolment and CheckSessions); the
// providing organisation records attendance, and attendance grants the
// course's training, verified, with its date and expiry.

// Course is a course of the library (培训课程).
type Course struct {
	ID          string  `json:"id"`
	Org         string  `json:"org"`      // the providing organisation: its staff edit the course and record attendance
	Provider    string  `json:"provider"` // the provider's name as shown (中文)
	Name        string  `json:"name"`     // 中文
	NameEn      string  `json:"name_en,omitempty"`
	Domain      string  `json:"domain"` // taxonomy key of its domain
	Description string  `json:"description,omitempty"`
	Hours       float64 `json:"hours"`    // the course's length in hours
	Training    string  `json:"training"` // the taxonomy training key attendance grants
	// ValidMonths is how long a granted training stays valid after the
	// session's day (0: it does not expire).
	ValidMonths int       `json:"valid_months,omitempty"`
	Sessions    []Session `json:"sessions"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Session is one run of a course: a time, a place and seats.
type Session struct {
	ID       string    `json:"id"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Place    string    `json:"place"` // the address as shown
	Point    Point     `json:"point"`
	District string    `json:"district"`
	Street   string    `json:"street"`
	Seats    int       `json:"seats"`
	// Enrolled is derived: the seats held (enrolled or attended).
	Enrolled int `json:"enrolled"`
}

// MaxSeats bounds a session's seats; MaxSessions a course's sessions.
const (
	MaxSeats    = 10000
	MaxSessions = 200
)

// Session returns the course's session id.
func (c *Course) Session(id string) (Session, bool) {
	for _, s := range c.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return Session{}, false
}

// Validate checks the fields a client writes.
func (c *Course) Validate() error {
	if err := validID("id", c.ID); err != nil {
		return err
	}
	if err := validID("org", c.Org); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"name", c.Name}, {"provider", c.Provider}, {"domain", c.Domain}, {"training", c.Training}} {
		if strings.TrimSpace(f.v) == "" {
			return FieldError(f.name, "is required")
		}
	}
	if err := checkLens(
		textField{"name", c.Name, MaxNameLen},
		textField{"name_en", c.NameEn, MaxNameLen},
		textField{"provider", c.Provider, MaxNameLen},
		textField{"domain", c.Domain, MaxCodeLen},
		textField{"training", c.Training, MaxCodeLen},
		textField{"description", c.Description, MaxDescriptionLen},
	); err != nil {
		return err
	}
	if !(c.Hours > 0 && c.Hours <= 1000) {
		return FieldError("hours", "must be above 0 and at most 1000, got %v", c.Hours)
	}
	if c.ValidMonths < 0 || c.ValidMonths > 120 {
		return FieldError("valid_months", "must be between 0 and 120, got %d", c.ValidMonths)
	}
	seen := map[string]bool{}
	return eachItem("sessions", c.Sessions, MaxSessions, func(f string, s Session) error {
		if err := validID(f+".id", s.ID); err != nil {
			return err
		}
		if seen[s.ID] {
			return FieldError(f+".id", "session %q is listed twice", s.ID)
		}
		seen[s.ID] = true
		if s.Start.IsZero() {
			return FieldError(f+".start", "is required")
		}
		if !s.End.After(s.Start) {
			return FieldError(f+".end", "must be after start").WithReason(ReasonEndBeforeStart)
		}
		if s.End.Sub(s.Start) > 24*time.Hour {
			return FieldError(f+".end", "a session lasts at most 24 hours").WithReason(ReasonShiftTooLong)
		}
		if err := CheckTime(f+".start", s.Start); err != nil {
			return err
		}
		if err := CheckTime(f+".end", s.End); err != nil {
			return err
		}
		if strings.TrimSpace(s.Place) == "" {
			return FieldError(f+".place", "is required")
		}
		if err := checkLens(
			textField{f + ".place", s.Place, MaxTitleLen},
			textField{f + ".district", s.District, MaxCodeLen},
			textField{f + ".street", s.Street, MaxCodeLen},
		); err != nil {
			return err
		}
		if s.Seats < 1 || s.Seats > MaxSeats {
			return FieldError(f+".seats", "must be between 1 and %d, got %d", MaxSeats, s.Seats)
		}
		return s.Point.Validate(f + ".point")
	})
}

// Stamp sets UpdatedAt (see Record).
func (c *Course) Stamp(now time.Time, m WriteMode) { stampUpdated(&c.UpdatedAt, now, m) }

func (c *Course) clone() *Course { x := *c; x.Sessions = slices.Clone(c.Sessions); return &x }

// Clone returns a deep copy of c.
func (c *Course) Clone() *Course { return c.clone() }

// CheckUpdate decides whether c may replace old, whose sessions hold
// enrolled seats: a session holding seats may not be removed, moved or
// given fewer seats than it holds (ECONFLICT naming the session).
func (c *Course) CheckUpdate(old *Course, enrolled map[string]int) error {
	for _, o := range old.Sessions {
		k := enrolled[o.ID]
		if k == 0 {
			continue
		}
		n, ok := c.Session(o.ID)
		switch {
		case !ok:
			return Errorf(ECONFLICT, "session %s of course %s holds %d enrolments and cannot be removed", o.ID, c.ID, k)
		case !n.Start.Equal(o.Start) || !n.End.Equal(o.End):
			return Errorf(ECONFLICT, "session %s of course %s holds %d enrolments and cannot be moved", o.ID, c.ID, k)
		case n.Seats < k:
			return Errorf(ECONFLICT, "session %s of course %s holds %d enrolments, more than %d seats", o.ID, c.ID, k, n.Seats)
		}
	}
	return nil
}

// EnrolStatus is the state of an enrolment.
type EnrolStatus string

// Enrolment statuses.
const (
	EnrolEnrolled  EnrolStatus = "enrolled"
	EnrolCancelled EnrolStatus = "cancelled"
	EnrolAttended  EnrolStatus = "attended"
	EnrolAbsent    EnrolStatus = "absent"
)

// Holds reports whether an enrolment in this status holds its seat.
func (s EnrolStatus) Holds() bool { return s == EnrolEnrolled || s == EnrolAttended }

// Enrolment is a volunteer's seat in a session (报名培训).
type Enrolment struct {
	ID         string      `json:"id"`
	Course     string      `json:"course"`
	Session    string      `json:"session"`
	Volunteer  string      `json:"volunteer"`
	Org        string      `json:"org"`      // the course's organisation
	Training   string      `json:"training"` // the key attendance grants
	Start      time.Time   `json:"start"`
	End        time.Time   `json:"end"`
	Status     EnrolStatus `json:"status"`
	EnrolledAt time.Time   `json:"enrolled_at"`
	// CancelledAt is set on a cancelled enrolment; AttendedAt when
	// attendance was recorded (attended or absent).
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
	AttendedAt  time.Time `json:"attended_at,omitzero"`
	// Expires is when the training granted by attendance runs out (zero:
	// never, or not granted).
	Expires time.Time `json:"expires,omitzero"`
}

// EnrolmentFor returns the enrolment of volunteer vol in session s of
// course c, as a store checks and keeps it, at now.
func EnrolmentFor(id string, c *Course, s Session, vol string, now time.Time) *Enrolment {
	return &Enrolment{ID: id, Course: c.ID, Session: s.ID, Volunteer: vol, Org: c.Org, Training: c.Training,
		Start: s.Start, End: s.End, Status: EnrolEnrolled, EnrolledAt: now}
}

// CheckEnrolment decides whether volunteer vol may take a seat of session
// s at now: the session must not have begun, must have a free seat
// (enrolled counts the seats held), and none of the volunteer's holding
// enrolments (held) or assignments (serving) may be the same session or
// overlap it. It returns ECONFLICT naming the reason.
func CheckEnrolment(c *Course, s Session, enrolled int, held []*Enrolment, serving []*Assignment, vol string, now time.Time) error {
	if !now.Before(s.Start) {
		return Reasonf(ECONFLICT, ReasonShiftBegun, "session %s of course %s has begun", s.ID, c.ID)
	}
	for _, e := range held {
		if e.Volunteer != vol || !e.Status.Holds() {
			continue
		}
		if e.Course == c.ID && e.Session == s.ID {
			return Reasonf(ECONFLICT, ReasonAlreadyHeld, "volunteer already holds a seat of session %s", s.ID)
		}
		if Overlap(e.Start, e.End, s.Start, s.End) {
			return Reasonf(ECONFLICT, ReasonShiftClash, "volunteer is enrolled in session %s of course %s at that time", e.Session, e.Course)
		}
	}
	for _, a := range serving {
		if a.Volunteer == vol && a.Status.Holds() && Overlap(a.Start, a.End, s.Start, s.End) {
			return Reasonf(ECONFLICT, ReasonShiftClash, "volunteer serves shift %s of need %s at that time", a.Shift, a.Need)
		}
	}
	if enrolled >= s.Seats {
		return Reasonf(ECONFLICT, ReasonSlotFull, "session %s of course %s is full (%d of %d seats)", s.ID, c.ID, enrolled, s.Seats)
	}
	return nil
}

// CheckSessions decides whether a volunteer holding the enrolments held
// may take shift sh: none of the seats they hold may overlap it
// (ECONFLICT shift_clash). Every reservation checks it after
// CheckReservation, in the same transaction, so a volunteer never serves
// a shift during a session they enrolled in.
func CheckSessions(held []*Enrolment, sh Shift) error {
	for _, e := range held {
		if e.Status.Holds() && Overlap(e.Start, e.End, sh.Start, sh.End) {
			return Reasonf(ECONFLICT, ReasonShiftClash, "volunteer is enrolled in session %s of course %s at that time", e.Session, e.Course)
		}
	}
	return nil
}

// Cancel cancels an enrolment at now: it must hold its seat as enrolled,
// and the session must not have begun (ECONFLICT otherwise).
func (e *Enrolment) Cancel(now time.Time) error {
	if e.Status != EnrolEnrolled {
		return Reasonf(ECONFLICT, ReasonWrongState, "enrolment %s is %s", e.ID, e.Status)
	}
	if !now.Before(e.Start) {
		return Reasonf(ECONFLICT, ReasonShiftBegun, "session %s has begun; record attendance instead", e.Session)
	}
	e.Status, e.CancelledAt = EnrolCancelled, now
	return nil
}

// Attend records at now whether the volunteer attended: the enrolment must
// be enrolled and the session begun. Attendance sets Expires from the
// course's ValidMonths, counted from the session's end.
func (e *Enrolment) Attend(c *Course, attended bool, now time.Time) error {
	if e.Status != EnrolEnrolled {
		return Reasonf(ECONFLICT, ReasonWrongState, "enrolment %s is %s", e.ID, e.Status)
	}
	if now.Before(e.Start) {
		return Reasonf(ECONFLICT, ReasonCheckInWindow, "session %s has not begun", e.Session)
	}
	e.AttendedAt = now
	if !attended {
		e.Status = EnrolAbsent
		return nil
	}
	e.Status = EnrolAttended
	if c.ValidMonths > 0 {
		e.Expires = e.End.AddDate(0, c.ValidMonths, 0)
	}
	return nil
}

// ChangeCourse is the change of a course (its record: sessions and seats
// offered, not who enrolled).
const ChangeCourse ChangeKind = "course"

// CatalogDoc returns what search sees of the course: its names, provider,
// description and training; the place of its first session and its
// seats in all.
func (c *Course) CatalogDoc() CatalogDoc {
	d := CatalogDoc{Kind: ChangeCourse, ID: c.ID, Org: c.Org, Name: c.Name, Domain: c.Domain, Keys: []string{c.Training},
		Text: strings.Join(slices.DeleteFunc([]string{c.NameEn, c.Provider, c.Description}, func(s string) bool { return s == "" }), " ")}
	for i, s := range c.Sessions {
		if i == 0 {
			pt := s.Point
			d.District, d.Street, d.Point = s.District, s.Street, &pt
		}
		d.Count += s.Seats
	}
	return d
}

// CourseFilter selects courses in a listing; empty fields match all.
type CourseFilter struct {
	ListOptions
	Org      string
	Domain   string
	Training string
}

// Match reports whether c passes the filter's field conditions.
func (f CourseFilter) Match(c *Course) bool {
	return (f.Org == "" || c.Org == f.Org) && (f.Domain == "" || c.Domain == f.Domain) &&
		(f.Training == "" || c.Training == f.Training)
}

// EnrolmentFilter selects enrolments; empty fields match all.
type EnrolmentFilter struct {
	ListOptions
	Course    string
	Volunteer string
	Status    EnrolStatus
}

// Match reports whether e passes the filter's field conditions.
func (f EnrolmentFilter) Match(e *Enrolment) bool {
	return (f.Course == "" || e.Course == f.Course) && (f.Volunteer == "" || e.Volunteer == f.Volunteer) &&
		(f.Status == "" || e.Status == f.Status)
}

// TrainingStore keeps the course library and the enrolments.
type TrainingStore interface {
	// CreateCourse stores a new course; EINVALID if it fails Validate,
	// ECONFLICT if the ID exists.
	CreateCourse(ctx context.Context, c *Course) error
	// UpdateCourse replaces a course; ENOTFOUND if missing; ECONFLICT when
	// a session holding seats is removed, moved or shrunk (CheckUpdate).
	UpdateCourse(ctx context.Context, c *Course) error
	// Course returns one course with its sessions' Enrolled; ENOTFOUND if
	// missing.
	Course(ctx context.Context, id string) (*Course, error)
	// DeleteCourse removes a course; ENOTFOUND if missing; ECONFLICT while
	// a seat of it is held.
	DeleteCourse(ctx context.Context, id string) error
	// Courses lists courses in ID order with their sessions' Enrolled.
	Courses(ctx context.Context, f CourseFilter) ([]*Course, string, error)
	// Enrol stores e (EnrolmentFor) atomically when CheckEnrolment passes
	// at at against the stored course, seats, enrolments and assignments:
	// never more seats held than Seats, never two overlapping sessions or
	// a session and a shift, under any concurrency. ENOTFOUND for a
	// missing course, session or volunteer; ECONFLICT otherwise.
	Enrol(ctx context.Context, e *Enrolment, at time.Time) error
	// CancelEnrolment cancels (Enrolment.Cancel) and frees the seat.
	CancelEnrolment(ctx context.Context, id string, at time.Time) (*Enrolment, error)
	// RecordAttendance records attendance (Enrolment.Attend); an absent
	// volunteer's seat is no longer counted as held.
	RecordAttendance(ctx context.Context, id string, attended bool, at time.Time) (*Enrolment, error)
	// Enrolment returns one enrolment; ENOTFOUND if missing.
	Enrolment(ctx context.Context, id string) (*Enrolment, error)
	// Enrolments lists enrolments in ID order.
	Enrolments(ctx context.Context, f EnrolmentFilter) ([]*Enrolment, string, error)
}
