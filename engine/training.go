package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// Training before duty (先培训再上岗, issue 16 item 2). An organisation's
// staff keep their courses (volmatch.Course); a volunteer enrols in a
// session and may cancel before it begins; the organisation records
// attendance, which grants the course's training as a verified
// qualification (VerifiedBy the organisation), so the training gate reads
// it at once. A granted training with an expiry is withdrawn by the sweep
// (ExpireTrainings) once every grant of it has run out.
//
// Recommendations: for a volunteer, the courses whose training would make
// the most open needs near them and in their free time eligible, counted
// by re-running the gates with the training added; for a planner, the
// trainings whose absence blocks the most unmet demand, by district and
// domain: the ranking's eligible volunteers with and without the training
// required (its per-gate exclusions count a volunteer under the first gate
// failed, which would count the whole city as blocked by a training).

// checkCourse checks c against the taxonomy: its training and domain keys.
func (e *Engine) checkCourse(c *volmatch.Course) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if !e.tax.HasTraining(c.Training) {
		return volmatch.FieldError("training", "unknown training %q (a key of the taxonomy's trainings)", c.Training)
	}
	if !e.tax.Has(c.Domain) {
		return volmatch.FieldError("domain", "unknown domain key %q", c.Domain)
	}
	return nil
}

// CreateCourse stores a new course of tok's organisation (an admin names
// any organisation).
func (e *Engine) CreateCourse(ctx context.Context, tok *volmatch.Token, c *volmatch.Course) (*volmatch.Course, error) {
	if tok.Role == volmatch.RoleSocialWorker && c.Org == "" {
		c.Org = tok.Org
	}
	if err := canManageOrg(tok, c.Org); err != nil {
		return nil, err
	}
	if err := e.checkCourse(c); err != nil {
		return nil, err
	}
	if err := e.store.CreateCourse(ctx, c); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return c, nil
}

// UpdateCourse replaces course id (its organisation's staff or an admin);
// a session holding seats keeps its time and at least its seats.
func (e *Engine) UpdateCourse(ctx context.Context, tok *volmatch.Token, id string, c *volmatch.Course) (*volmatch.Course, error) {
	old, err := e.store.Course(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, old.Org); err != nil {
		return nil, err
	}
	if err := pathIDMatches(&c.ID, old.ID); err != nil {
		return nil, err
	}
	if c.Org == "" {
		c.Org = old.Org
	}
	if c.Org != old.Org {
		return nil, volmatch.FieldError("org", "a course stays with its organisation %s", old.Org)
	}
	if err := e.checkCourse(c); err != nil {
		return nil, err
	}
	if err := e.store.UpdateCourse(ctx, c); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return c, nil
}

// DeleteCourse removes course id while no seat of it is held.
func (e *Engine) DeleteCourse(ctx context.Context, tok *volmatch.Token, id string) error {
	c, err := e.store.Course(ctx, id)
	if err != nil {
		return err
	}
	if err := canManageOrg(tok, c.Org); err != nil {
		return err
	}
	if err := e.store.DeleteCourse(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// Course returns one course: the library is public to every role.
func (e *Engine) Course(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Course, error) {
	return e.store.Course(ctx, id)
}

// Courses lists the library.
func (e *Engine) Courses(ctx context.Context, tok *volmatch.Token, f volmatch.CourseFilter) ([]*volmatch.Course, string, error) {
	return e.store.Courses(ctx, f)
}

// allCourses reads the whole library.
func (e *Engine) allCourses(ctx context.Context) ([]*volmatch.Course, error) {
	var out []*volmatch.Course
	f := volmatch.CourseFilter{ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		cs, next, err := e.store.Courses(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("read courses: %w", err)
		}
		out = append(out, cs...)
		if next == "" || len(cs) == 0 {
			return out, nil
		}
		f.After = next
	}
}

// Enrol takes a seat of session sess of course for volunteer vol: the
// volunteer themself (or an admin for them).
func (e *Engine) Enrol(ctx context.Context, tok *volmatch.Token, course, sess, vol string) (*volmatch.Enrolment, error) {
	if tok.Role == volmatch.RoleVolunteer && vol == "" {
		vol = tok.Volunteer
	}
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != vol) {
		return nil, forbidden("a volunteer enrols themself (or an admin for them)")
	}
	for _, f := range []struct{ name, v string }{{"course", course}, {"session", sess}, {"volunteer", vol}} {
		if err := volmatch.ValidID(f.name, f.v); err != nil {
			return nil, err
		}
	}
	en := &volmatch.Enrolment{ID: NewID("E"), Course: course, Session: sess, Volunteer: vol}
	if err := e.store.Enrol(ctx, en, e.now()); err != nil {
		return nil, err
	}
	return en, nil
}

// CancelEnrolment cancels enrolment id before its session begins: the
// volunteer themself or the course's organisation.
func (e *Engine) CancelEnrolment(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Enrolment, error) {
	en, err := e.store.Enrolment(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canActOn(tok, en.Org, en.Volunteer); err != nil {
		return nil, err
	}
	return e.store.CancelEnrolment(ctx, id, e.now())
}

// RecordAttendance records whether the volunteer of enrolment id attended
// (the course's organisation or an admin) and, when they did, grants the
// training. Recording the same attendance again grants it again where the
// grant was lost (a retry after a failure), never twice.
func (e *Engine) RecordAttendance(ctx context.Context, tok *volmatch.Token, id string, attended bool) (*volmatch.Enrolment, error) {
	en, err := e.store.Enrolment(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, en.Org); err != nil {
		return nil, err
	}
	switch {
	case en.Status == volmatch.EnrolAttended && attended:
		// A retry: the grant below is idempotent.
	case en.Status == volmatch.EnrolAbsent && !attended:
		return en, nil
	default:
		if en, err = e.store.RecordAttendance(ctx, id, attended, e.now()); err != nil {
			return nil, err
		}
	}
	if en.Status == volmatch.EnrolAttended {
		if err := e.grantTraining(ctx, en, issuer(tok)); err != nil {
			return nil, fmt.Errorf("grant training %s of enrolment %s: %w", en.Training, en.ID, err)
		}
	}
	return en, nil
}

// grantTraining adds en's training to the volunteer's verified trainings
// (and drops a pending claim of it), verified by by.
func (e *Engine) grantTraining(ctx context.Context, en *volmatch.Enrolment, by string) error {
	if !en.Expires.IsZero() && !e.now().Before(en.Expires) {
		return nil // already run out
	}
	v, err := e.store.Volunteer(ctx, en.Volunteer)
	if err != nil {
		return err
	}
	if slices.Contains(v.Trainings, en.Training) {
		return nil
	}
	v.Trainings = append(v.Trainings, en.Training)
	v.PruneClaims()
	v.VerifiedBy, v.VerifiedAt = by, e.now()
	if v.Pools, err = e.poolsOf(ctx, v.ID); err != nil {
		return err
	}
	if err := e.store.UpdateVolunteer(ctx, v); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// releaseSeats cancels volunteer id's enrolments in sessions still ahead
// (erasure: nothing goes on in the name of a person who left; the seat
// opens for others).
func (e *Engine) releaseSeats(ctx context.Context, id string) error {
	now := e.now()
	var ids []string
	err := e.eachEnrolment(ctx, volmatch.EnrolmentFilter{Volunteer: id, Status: volmatch.EnrolEnrolled}, func(en *volmatch.Enrolment) {
		if now.Before(en.Start) {
			ids = append(ids, en.ID)
		}
	})
	if err != nil {
		return err
	}
	for _, x := range ids {
		if _, err := e.store.CancelEnrolment(ctx, x, now); err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			return err
		}
	}
	return nil
}

// Enrolments lists enrolments as tok may see them: a volunteer their own,
// a social worker those of one of their organisation's courses (f.Course
// is required), an admin any.
func (e *Engine) Enrolments(ctx context.Context, tok *volmatch.Token, f volmatch.EnrolmentFilter) ([]*volmatch.Enrolment, string, error) {
	switch tok.Role {
	case volmatch.RoleAdmin:
	case volmatch.RoleVolunteer:
		if f.Volunteer != "" && f.Volunteer != tok.Volunteer {
			return nil, "", forbidden("a volunteer sees only their own enrolments")
		}
		f.Volunteer = tok.Volunteer
	case volmatch.RoleSocialWorker:
		if f.Course == "" {
			return nil, "", volmatch.FieldError("course", "is required: a social worker lists the enrolments of one of their courses")
		}
		c, err := e.store.Course(ctx, f.Course)
		if err != nil {
			return nil, "", err
		}
		if err := canManageOrg(tok, c.Org); err != nil {
			return nil, "", err
		}
	default:
		return nil, "", forbidden("a planner sees aggregates only")
	}
	return e.store.Enrolments(ctx, f)
}

// eachEnrolment calls fn for every enrolment f selects, page by page.
func (e *Engine) eachEnrolment(ctx context.Context, f volmatch.EnrolmentFilter, fn func(*volmatch.Enrolment)) error {
	f.Limit = 1000
	for {
		es, next, err := e.store.Enrolments(ctx, f)
		if err != nil {
			return fmt.Errorf("read enrolments: %w", err)
		}
		for _, en := range es {
			fn(en)
		}
		if next == "" || len(es) == 0 {
			return nil
		}
		f.After = next
	}
}

// ExpireTrainings withdraws, at the engine's clock, each training granted
// by attendance whose every grant has run out, and returns how many it
// withdrew. A training the volunteer holds without a course's grant is
// left alone.
func (e *Engine) ExpireTrainings(ctx context.Context) (int, error) {
	type key struct{ vol, training string }
	latest := map[key]time.Time{} // zero: a grant that never runs out
	err := e.eachEnrolment(ctx, volmatch.EnrolmentFilter{Status: volmatch.EnrolAttended}, func(en *volmatch.Enrolment) {
		k := key{en.Volunteer, en.Training}
		if t, ok := latest[k]; !ok || !t.IsZero() && (en.Expires.IsZero() || en.Expires.After(t)) {
			latest[k] = en.Expires
		}
	})
	if err != nil {
		return 0, err
	}
	now := e.now()
	n := 0
	for _, k := range slices.SortedFunc(maps.Keys(latest), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.vol, b.vol), cmp.Compare(a.training, b.training))
	}) {
		if t := latest[k]; t.IsZero() || now.Before(t) {
			continue
		}
		v, err := e.store.Volunteer(ctx, k.vol)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			continue
		} else if err != nil {
			return n, err
		}
		if !slices.Contains(v.Trainings, k.training) {
			continue
		}
		v.Trainings = slices.DeleteFunc(v.Trainings, func(t string) bool { return t == k.training })
		if v.Pools, err = e.poolsOf(ctx, v.ID); err != nil {
			return n, err
		}
		if err := e.store.UpdateVolunteer(ctx, v); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		e.synced(ctx)
	}
	return n, nil
}

// CourseRecommendation is a course whose training would make Unlocks more
// open needs eligible for the volunteer ("学这门课可多参加 N 项服务").
type CourseRecommendation struct {
	Course       *volmatch.Course `json:"course"`
	TrainingName string           `json:"training_name"`
	// Unlocks counts the open needs (a shift not begun, not full) that
	// pass every hard gate for the volunteer, busy included, with the
	// training added and not without it; Needs are their IDs.
	Unlocks int      `json:"unlocks"`
	Needs   []string `json:"needs"`
	// Session is the next session the volunteer can take (a free seat, not
	// begun, no clash with their shifts or sessions); nil when none.
	Session *volmatch.Session `json:"session,omitempty"`
}

// unlocks returns, for each training v lacks, the IDs of the needs of
// needs (in their order) that v becomes eligible for with that training
// added: a need with a shift after now, not full, that passes every hard
// gate and the busy gate (held) for v with the training and none without.
// Adding a training only opens gates, so a need lacking two or more
// trainings cannot be opened by one; each other is re-gated exactly.
func unlocks(v *volmatch.Volunteer, needs []*volmatch.Need, held []volmatch.Assignment, now time.Time) map[string][]string {
	out := map[string][]string{}
	with := *v
	for _, n := range needs {
		var missing []string
		for _, t := range n.Requires.Trainings {
			if !slices.Contains(v.Trainings, t) && !slices.Contains(missing, t) {
				missing = append(missing, t)
			}
		}
		if len(missing) != 1 {
			continue
		}
		with.Trainings = append(slices.Clip(v.Trainings), missing[0])
		if eligible(&with, n, held, now) && !eligible(v, n, held, now) {
			out[missing[0]] = append(out[missing[0]], n.ID)
		}
	}
	return out
}

// eligible reports whether some shift of open need n, not begun at now and
// not full, passes every hard gate for v, the busy gate from held.
func eligible(v *volmatch.Volunteer, n *volmatch.Need, held []volmatch.Assignment, now time.Time) bool {
	if n.Status != volmatch.NeedOpen {
		return false
	}
	for _, s := range n.Shifts {
		if !s.Start.After(now) || s.Filled >= s.Slots {
			continue
		}
		if scoring.Gate(v, n, s) == "" && !scoring.Busy(held, s) {
			return true
		}
	}
	return false
}

// TrainingRecommendations returns the courses that would unlock the most
// open needs for volunteer id (the volunteer themself or an admin), most
// first, then by course ID; at most k (all when k <= 0). Courses of a
// training the volunteer holds or is enrolled for, and courses whose
// training unlocks nothing, are left out.
func (e *Engine) TrainingRecommendations(ctx context.Context, tok *volmatch.Token, id string, k int) ([]CourseRecommendation, error) {
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != id) {
		return nil, forbidden("training recommendations are for their volunteer (or an admin)")
	}
	v, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	needs, err := e.openNeeds(ctx)
	if err != nil {
		return nil, err
	}
	held, err := e.holding(ctx, id)
	if err != nil {
		return nil, err
	}
	now := e.now()
	open := unlocks(v, needs, held, now)
	if len(open) == 0 {
		return []CourseRecommendation{}, nil
	}
	var mine []*volmatch.Enrolment
	err = e.eachEnrolment(ctx, volmatch.EnrolmentFilter{Volunteer: id}, func(en *volmatch.Enrolment) {
		if en.Status.Holds() {
			mine = append(mine, en)
		}
	})
	if err != nil {
		return nil, err
	}
	courses, err := e.allCourses(ctx)
	if err != nil {
		return nil, err
	}
	serving := make([]*volmatch.Assignment, len(held))
	for i := range held {
		serving[i] = &held[i]
	}
	var out []CourseRecommendation
	for _, c := range courses {
		ids := open[c.Training]
		if len(ids) == 0 || slices.ContainsFunc(mine, func(en *volmatch.Enrolment) bool { return en.Training == c.Training }) {
			continue
		}
		r := CourseRecommendation{Course: c, TrainingName: e.tax.TrainingName(c.Training), Unlocks: len(ids), Needs: ids}
		for _, s := range c.Sessions {
			if volmatch.CheckEnrolment(c, s, s.Enrolled, mine, serving, id, now) == nil && (r.Session == nil || s.Start.Before(r.Session.Start)) {
				r.Session = &s
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b CourseRecommendation) int {
		return cmp.Or(cmp.Compare(b.Unlocks, a.Unlocks), cmp.Compare(a.Course.ID, b.Course.ID))
	})
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// BlockingTraining is a training whose absence blocks unmet demand in a
// district and domain: the open, unmet needs there that require it.
type BlockingTraining struct {
	Training     string `json:"training"`
	TrainingName string `json:"training_name"`
	District     string `json:"district"`
	Domain       string `json:"domain"`
	Needs        int    `json:"needs"`    // open needs requiring it with unfilled slots
	Unfilled     int    `json:"unfilled"` // their unfilled slots in shifts not begun
	// Blocked sums over those needs the volunteers the training alone
	// keeps out: eligible by the ranking's every other gate (busy
	// included) were the need not to require it, and not eligible now
	// (matcher.Rank's Eligible with and without it; its Exclusions count a
	// volunteer under the first gate failed, so a far-away volunteer
	// without the training would count). nil when fewer than the minimum
	// group (privacy), though above zero.
	Blocked *int `json:"blocked"`
	// Courses counts the library's courses granting the training.
	Courses int `json:"courses"`
}

// BlockingTrainings returns, for a planner or an admin, the trainings whose
// absence blocks the most unmet demand, by district and domain (empty
// filters: all): most unfilled slots first, then most blocked volunteers,
// then by training, district and domain.
func (e *Engine) BlockingTrainings(ctx context.Context, tok *volmatch.Token, district, domain string) ([]BlockingTraining, error) {
	if tok.Role != volmatch.RolePlanner && tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("the blocking trainings are a planner's report")
	}
	needs, err := e.openNeeds(ctx)
	if err != nil {
		return nil, err
	}
	courses, err := e.allCourses(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	offered := map[string]int{}
	for _, c := range courses {
		offered[c.Training]++
	}
	// The ranking's eligible count (the busy gate from the grid's held
	// slots, as every ranking reads it).
	eligibleFor := func(n *volmatch.Need) (int, error) {
		r, err := e.rank(ctx, n, RankOptions{K: 1})
		return r.Eligible, err
	}
	type key struct{ training, district, domain string }
	agg := map[key]*BlockingTraining{}
	blocked := map[key]int{}
	for _, n := range needs {
		if len(n.Requires.Trainings) == 0 || district != "" && n.District != district || domain != "" && n.Domain != domain {
			continue
		}
		unfilled := 0
		for _, s := range n.Shifts {
			if s.Start.After(now) && s.Filled < s.Slots {
				unfilled += s.Slots - s.Filled
			}
		}
		if unfilled == 0 {
			continue
		}
		eligible, err := eligibleFor(n)
		if err != nil {
			return nil, err
		}
		for _, t := range n.Requires.Trainings {
			// Blocked by t: eligible were t not required, and not now.
			without := *n
			without.Requires.Trainings = slices.DeleteFunc(slices.Clone(n.Requires.Trainings), func(x string) bool { return x == t })
			k := key{t, n.District, n.Domain}
			b := agg[k]
			if b == nil {
				b = &BlockingTraining{Training: t, TrainingName: e.tax.TrainingName(t), District: n.District, Domain: n.Domain, Courses: offered[t]}
				agg[k] = b
			}
			b.Needs++
			b.Unfilled += unfilled
			with, err := eligibleFor(&without)
			if err != nil {
				return nil, err
			}
			blocked[k] += with - eligible
		}
	}
	out := make([]BlockingTraining, 0, len(agg))
	for k, b := range agg {
		if c := blocked[k]; c == 0 || c >= e.minGroup {
			b.Blocked = &c
		}
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b BlockingTraining) int {
		return cmp.Or(cmp.Compare(b.Unfilled, a.Unfilled), cmp.Compare(blockedOf(b), blockedOf(a)),
			cmp.Compare(a.Training, b.Training), cmp.Compare(a.District, b.District), cmp.Compare(a.Domain, b.Domain))
	})
	return out, nil
}

func blockedOf(b BlockingTraining) int {
	if b.Blocked == nil {
		return 0
	}
	return *b.Blocked
}

// RosterEntry is an enrolment of a course as its organisation sees it: the
// volunteer's name masked (王**), whom the organisation has not otherwise
// been shown.
type RosterEntry struct {
	*volmatch.Enrolment
	Name string `json:"name"`
}

// Roster lists the enrolments of course id that hold or held a seat
// (enrolled, attended, absent), by session start then volunteer, for the
// course's organisation or an admin, each with the volunteer's masked name
// (so that staff can take attendance without a phone or a full name).
func (e *Engine) Roster(ctx context.Context, tok *volmatch.Token, id string) ([]RosterEntry, error) {
	c, err := e.store.Course(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, c.Org); err != nil {
		return nil, err
	}
	var out []RosterEntry
	var ferr error
	err = e.eachEnrolment(ctx, volmatch.EnrolmentFilter{Course: id}, func(en *volmatch.Enrolment) {
		if en.Status == volmatch.EnrolCancelled || ferr != nil {
			return
		}
		name := ""
		v, err := e.store.Volunteer(ctx, en.Volunteer)
		switch volmatch.ErrorCode(err) {
		case "":
			name = volmatch.MaskName(v.Name)
		case volmatch.ENOTFOUND:
		default:
			ferr = err
		}
		out = append(out, RosterEntry{Enrolment: en, Name: name})
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b RosterEntry) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Volunteer, b.Volunteer))
	})
	return out, nil
}
