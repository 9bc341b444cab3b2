package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// trainingEngine returns an engine over a real bbolt file holding vs, with
// the clock *clock and no text index.
func trainingEngine(t *testing.T, clock *time.Time, vs ...*volmatch.Volunteer) (*engine.Engine, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	if len(vs) > 0 {
		must(t, st.PutVolunteers(ctx, vs))
	}
	e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: func() time.Time { return *clock }})
	must(t, e.Start(ctx))
	return e, st
}

func wantErrCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := volmatch.ErrorCode(err); got != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// TestTrainingFlow: an organisation keeps its course (another may not
// touch it); a volunteer enrols themself (not another), cancels, enrols
// again; only the course's organisation records attendance, which grants
// the training verified by it, so a need requiring it now ranks the
// volunteer; a retry grants nothing twice; the sweep withdraws the
// training at its expiry.
func TestTrainingFlow(t *testing.T) {
	ctx := context.Background()
	clock := fixture.Base
	e, st := trainingEngine(t, &clock, fixture.Volunteer("V1"), fixture.Volunteer("V2"))
	start := fixture.Base.Add(48 * time.Hour)
	c := fixture.Course("C1", "", "first_aid_training", fixture.Session("s1", start, 3*time.Hour, 1))
	c.ValidMonths = 12
	_, err := e.CreateCourse(ctx, sw1, c)
	must(t, err)
	if c.Org != "O1" {
		t.Errorf("CreateCourse as sw1: org %q, want O1", c.Org)
	}
	bad := fixture.Course("C2", "O1", "no_such_training")
	_, err = e.CreateCourse(ctx, sw1, bad)
	if volmatch.ErrorField(err) != "training" {
		t.Errorf("CreateCourse unknown training = %v, want a field error on training", err)
	}
	_, err = e.CreateCourse(ctx, sw2, fixture.Course("C3", "O1", "first_aid_training"))
	wantErrCode(t, "CreateCourse for another org", err, volmatch.EFORBIDDEN)
	c2 := c.Clone()
	c2.Name = "改名"
	_, err = e.UpdateCourse(ctx, sw2, "C1", c2)
	wantErrCode(t, "UpdateCourse by another org", err, volmatch.EFORBIDDEN)
	wantErrCode(t, "DeleteCourse by another org", e.DeleteCourse(ctx, sw2, "C1"), volmatch.EFORBIDDEN)

	_, err = e.Enrol(ctx, volunteerToken("V2"), "C1", "s1", "V1")
	wantErrCode(t, "Enrol another volunteer", err, volmatch.EFORBIDDEN)
	_, err = e.Enrol(ctx, planner, "C1", "s1", "V1")
	wantErrCode(t, "Enrol as planner", err, volmatch.EFORBIDDEN)
	en, err := e.Enrol(ctx, volunteerToken("V1"), "C1", "s1", "")
	must(t, err)
	_, err = e.Enrol(ctx, volunteerToken("V2"), "C1", "s1", "")
	if volmatch.ErrorReason(err) != volmatch.ReasonSlotFull {
		t.Errorf("Enrol in a full session = %v, want slot_full", err)
	}
	_, err = e.CancelEnrolment(ctx, volunteerToken("V2"), en.ID)
	wantErrCode(t, "CancelEnrolment of another", err, volmatch.EFORBIDDEN)
	_, err = e.CancelEnrolment(ctx, volunteerToken("V1"), en.ID)
	must(t, err)
	en, err = e.Enrol(ctx, volunteerToken("V1"), "C1", "s1", "")
	must(t, err)
	if _, _, err := e.Enrolments(ctx, sw2, volmatch.EnrolmentFilter{Course: "C1"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Enrolments of another org's course = %v, want EFORBIDDEN", err)
	}
	mine, _, err := e.Enrolments(ctx, volunteerToken("V2"), volmatch.EnrolmentFilter{})
	must(t, err)
	if len(mine) != 0 {
		t.Errorf("V2 lists %d enrolments, want none (V1's are not theirs)", len(mine))
	}

	// A need requiring the training excludes V1 until attendance.
	n := fixture.Need("N1", fixture.Requires(volmatch.Requirements{Trainings: []string{"first_aid_training"}}),
		fixture.Shifts(fixture.Shift("a", start.Add(48*time.Hour), 3*time.Hour, 2)))
	_, err = e.PostNeed(ctx, sw1, n)
	must(t, err)
	ranked := func() []string {
		m, err := e.Matches(ctx, sw1, "N1", engine.RankOptions{K: 10})
		must(t, err)
		var ids []string
		for _, x := range m.Matches {
			ids = append(ids, x.Volunteer)
		}
		return ids
	}
	if ids := ranked(); slices.Contains(ids, "V1") {
		t.Fatalf("before attendance V1 is ranked for N1: %v", ids)
	}
	_, err = e.RecordAttendance(ctx, sw1, en.ID, true)
	wantErrCode(t, "RecordAttendance before the session", err, volmatch.ECONFLICT)
	clock = start.Add(3 * time.Hour)
	_, err = e.RecordAttendance(ctx, sw2, en.ID, true)
	wantErrCode(t, "RecordAttendance by another org", err, volmatch.EFORBIDDEN)
	_, err = e.RecordAttendance(ctx, volunteerToken("V1"), en.ID, true)
	wantErrCode(t, "RecordAttendance by the volunteer", err, volmatch.EFORBIDDEN)
	en, err = e.RecordAttendance(ctx, sw1, en.ID, true)
	must(t, err)
	if want := start.Add(3*time.Hour).AddDate(1, 0, 0); !en.Expires.Equal(want) {
		t.Errorf("attendance expires %v, want %v", en.Expires, want)
	}
	v, err := st.Volunteer(ctx, "V1")
	must(t, err)
	if !slices.Contains(v.Trainings, "first_aid_training") || v.VerifiedBy != "O1" {
		t.Fatalf("after attendance V1 holds %v verified by %q, want first_aid_training by O1", v.Trainings, v.VerifiedBy)
	}
	if ids := ranked(); !slices.Contains(ids, "V1") {
		t.Errorf("after attendance V1 is not ranked for N1: %v", ids)
	}
	// A retry grants nothing twice.
	_, err = e.RecordAttendance(ctx, sw1, en.ID, true)
	must(t, err)
	v, _ = st.Volunteer(ctx, "V1")
	if k := countOf(v.Trainings, "first_aid_training"); k != 1 {
		t.Errorf("after a retried attendance V1 holds the training %d times, want 1", k)
	}
	// The sweep withdraws it at its expiry, not before.
	clock = en.Expires.Add(-time.Hour)
	if k, err := e.ExpireTrainings(ctx); err != nil || k != 0 {
		t.Errorf("ExpireTrainings before the expiry = %d, %v; want 0", k, err)
	}
	clock = en.Expires
	if k, err := e.ExpireTrainings(ctx); err != nil || k != 1 {
		t.Errorf("ExpireTrainings at the expiry = %d, %v; want 1", k, err)
	}
	v, _ = st.Volunteer(ctx, "V1")
	if slices.Contains(v.Trainings, "first_aid_training") {
		t.Errorf("after the expiry V1 still holds %v", v.Trainings)
	}
	wantErrCode(t, "DeleteCourse holding a seat", e.DeleteCourse(ctx, sw1, "C1"), volmatch.ECONFLICT)
}

func countOf(xs []string, x string) int {
	k := 0
	for _, y := range xs {
		if y == x {
			k++
		}
	}
	return k
}

// TestTrainingRecommendationsExact: on a generated city, for every
// volunteer and every training they lack, the count a recommendation
// gives equals the number of open needs that become eligible when the
// training is really added to the stored volunteer, found by checking
// every gate (scoring.Failed, busy included) of every shift of every open
// need.
func TestTrainingRecommendationsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("a generated city")
	}
	ctx := context.Background()
	o := datasets.GenOptions{Volunteers: 300, Needs: 400, Seed: 11}
	pop := datasets.Generate(o)
	clock := datasets.DefaultStart
	e, st := trainingEngine(t, &clock, pop.Volunteers...)
	must(t, st.PutNeeds(ctx, pop.Needs))
	for _, c := range datasets.Courses(o, pop) {
		must(t, st.CreateCourse(ctx, c))
	}
	// Some volunteers hold shifts, so the busy gate counts too.
	for i, n := range pop.Needs[:40] {
		_, _ = st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: n.Shifts[0].ID, Volunteer: pop.Volunteers[i].ID}}, clock)
	}
	// The writes went to the store behind the engine: catch its indexes up
	// (the open-shift index the recommendations read), as Follow would.
	_, err := e.CatchUp(ctx)
	must(t, err)
	needs := func() []*volmatch.Need {
		var out []*volmatch.Need
		must(t, st.EachNeed(ctx, func(n *volmatch.Need) error {
			if n.Status == volmatch.NeedOpen {
				out = append(out, n)
			}
			return nil
		}))
		return out
	}()
	eligibleNeeds := func(v *volmatch.Volunteer, held []volmatch.Assignment) map[string]bool {
		out := map[string]bool{}
		for _, n := range needs {
			for _, s := range n.Shifts {
				if s.Start.After(clock) && s.Filled < s.Slots && len(scoring.Failed(v, n, s, held)) == 0 {
					out[n.ID] = true
					break
				}
			}
		}
		return out
	}
	tax := taxonomy.Load()
	admin := &volmatch.Token{Role: volmatch.RoleAdmin}
	checked, nonzero := 0, 0
	for _, v0 := range pop.Volunteers {
		recs, err := e.TrainingRecommendations(ctx, admin, v0.ID, 0)
		must(t, err)
		got := map[string]int{}
		for _, r := range recs {
			if prev, ok := got[r.Course.Training]; ok && prev != r.Unlocks {
				t.Fatalf("%s: courses of %s disagree: %d and %d", v0.ID, r.Course.Training, prev, r.Unlocks)
			}
			got[r.Course.Training] = r.Unlocks
		}
		held, err := engine.Holding(ctx, st, v0.ID)
		must(t, err)
		stored, err := st.Volunteer(ctx, v0.ID)
		must(t, err)
		before := eligibleNeeds(stored, held)
		for _, tr := range tax.Trainings() {
			if slices.Contains(stored.Trainings, tr.Key) {
				continue
			}
			// Really add the training, read the volunteer back, re-gate.
			with := *stored
			with.Trainings = append(slices.Clone(stored.Trainings), tr.Key)
			must(t, st.UpdateVolunteer(ctx, &with))
			back, err := st.Volunteer(ctx, v0.ID)
			must(t, err)
			want := 0
			for id := range eligibleNeeds(back, held) {
				if !before[id] {
					want++
				}
			}
			restore := *stored
			must(t, st.UpdateVolunteer(ctx, &restore))
			if got[tr.Key] != want {
				t.Errorf("%s + %s: recommendation counts %d needs, adding it really opens %d", v0.ID, tr.Key, got[tr.Key], want)
			}
			checked++
			if want > 0 {
				nonzero++
			}
		}
	}
	if nonzero < 20 {
		t.Errorf("only %d of %d (volunteer, training) pairs open a need: the city tests too little", nonzero, checked)
	}
	t.Logf("%d (volunteer, training) pairs checked, %d open at least one need", checked, nonzero)
}

// TestBlockingTrainings: the planner's report counts the unmet needs
// requiring a training, their unfilled slots and the volunteers the
// training gate stopped, withholding a count under the minimum group;
// other roles may not read it.
func TestBlockingTrainings(t *testing.T) {
	ctx := context.Background()
	clock := fixture.Base
	vols := fixture.Volunteers(7)
	e, st := trainingEngine(t, &clock, vols...)
	req := func(id string, slots int, trainings ...string) *volmatch.Need {
		return fixture.Need(id, fixture.Requires(volmatch.Requirements{Trainings: trainings}),
			fixture.Shifts(fixture.Shift("a", fixture.Base.Add(40*time.Hour), 3*time.Hour, slots)))
	}
	for _, n := range []*volmatch.Need{req("N1", 3, "first_aid_training"), req("N2", 2, "first_aid_training"),
		req("N3", 4, "psych_first_aid")} {
		_, err := e.PostNeed(ctx, sw1, n)
		must(t, err)
	}
	_, err := e.CreateCourse(ctx, sw1, fixture.Course("C1", "O1", "psych_first_aid"))
	must(t, err)
	// V006 serves a shift at the same time: busy, not blocked by a training.
	_, err = e.PostNeed(ctx, sw1, fixture.Need("N9", fixture.Shifts(fixture.Shift("a", fixture.Base.Add(39*time.Hour), 3*time.Hour, 1))))
	must(t, err)
	_, err = st.Reserve(ctx, []volmatch.Reservation{{Need: "N9", Shift: "a", Volunteer: "V006"}}, clock)
	must(t, err)
	_, err = e.CatchUp(ctx)
	must(t, err)
	rows, err := e.BlockingTrainings(ctx, planner, "", "")
	must(t, err)
	got := map[string]engine.BlockingTraining{}
	for _, r := range rows {
		got[r.Training] = r
	}
	fa, pf := got["first_aid_training"], got["psych_first_aid"]
	if fa.Needs != 2 || fa.Unfilled != 5 || fa.Blocked == nil || *fa.Blocked != 12 || fa.Courses != 0 {
		t.Errorf("first_aid_training = %+v, want 2 needs, 5 unfilled, 12 blocked (6 free volunteers each), 0 courses", fa)
	}
	if pf.Needs != 1 || pf.Unfilled != 4 || pf.Blocked == nil || *pf.Blocked != 6 || pf.Courses != 1 {
		t.Errorf("psych_first_aid = %+v, want 1 need, 4 unfilled, 6 blocked, 1 course", pf)
	}
	if len(rows) < 2 || rows[0].Training != "first_aid_training" {
		t.Errorf("first row %+v, want first_aid_training (most unfilled)", rows[0])
	}
	rows, err = e.BlockingTrainings(ctx, planner, "110101", "")
	must(t, err)
	if len(rows) != 0 {
		t.Errorf("BlockingTrainings(another district) = %d rows, want 0", len(rows))
	}
	for _, tok := range []*volmatch.Token{sw1, volunteerToken("V000")} {
		if _, err := e.BlockingTrainings(ctx, tok, "", ""); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("BlockingTrainings as %s = %v, want EFORBIDDEN", tok.Role, err)
		}
	}
}

// TestTrainingSearch: "心理" finds the psychology pool and the psychology
// courses (not the others); a course is found by place; a search within a
// pool returns its members only, and of them only whom the caller may
// browse; a volunteer or planner may not search within a pool; a pool
// write shows in the members' records at once (the membership cache).
func TestTrainingSearch(t *testing.T) {
	ctx := context.Background()
	v2 := fixture.Volunteer("V2")
	v2.Consent.Findable = true
	e, _ := newEngine(t, fixture.Volunteer("V1"), v2, fixture.Volunteer("V3"))
	pool := &volmatch.TalentPool{ID: "P1", Name: "心理专业人才库", Domain: "psychology",
		Description: "持证心理咨询师", Members: []string{"V1", "V2"}}
	must(t, e.SavePool(ctx, admin, "", pool))
	psych := fixture.Course("C1", "O1", "psych_first_aid", fixture.Session("s1", now.Add(48*time.Hour), 3*time.Hour, 20))
	psych.Name, psych.Domain = "心理急救培训", "psychology"
	_, err := e.CreateCourse(ctx, sw1, psych)
	must(t, err)
	aid := fixture.Course("C2", "O1", "first_aid_training", fixture.Session("s1", now.Add(48*time.Hour), 3*time.Hour, 20))
	aid.Name, aid.Domain = "急救技能培训", "health"
	_, err = e.CreateCourse(ctx, sw1, aid)
	must(t, err)
	_, err = e.CatchUp(ctx)
	must(t, err)
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		q    volmatch.SearchQuery
		want []string
	}{
		{"心理 finds the pool and the psychology course", volunteerToken("V3"), volmatch.SearchQuery{Text: "心理"}, []string{"C1", "P1"}},
		{"courses by kind", planner, volmatch.SearchQuery{Kind: volmatch.ChangeCourse}, []string{"C1", "C2"}},
		{"a course by its training's words", sw2, volmatch.SearchQuery{Text: "急救", Kind: volmatch.ChangeCourse}, []string{"C1", "C2"}},
		{"courses near", volunteerToken("V1"), volmatch.SearchQuery{Kind: volmatch.ChangeCourse, Near: &fixture.Home, WithinKm: 2}, []string{"C1", "C2"}},
		{"within a pool, admin", admin, volmatch.SearchQuery{Pool: "P1"}, []string{"V1", "V2"}},
		{"within a pool, a social worker sees whom they may browse", sw2, volmatch.SearchQuery{Pool: "P1"}, []string{"V2"}},
		{"within a missing pool", admin, volmatch.SearchQuery{Pool: "P9"}, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.Search(ctx, c.tok, c.q)
			must(t, err)
			if got := foundIDs(p); !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("Search(%+v) = total %d, %v; want %v", c.q, p.Total, got, c.want)
			}
		})
	}
	p, err := e.Search(ctx, volunteerToken("V3"), volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangeCourse})
	must(t, err)
	if len(p.Items) != 1 || p.Items[0].Record == nil || p.Items[0].Record.Count != 20 || p.Items[0].Record.Keys[0] != "psych_first_aid" {
		t.Errorf("course hit = %+v, want C1 with 20 seats and its training", p.Items)
	}
	for _, tok := range []*volmatch.Token{volunteerToken("V1"), planner} {
		if _, err := e.Search(ctx, tok, volmatch.SearchQuery{Pool: "P1"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Search(pool) as %s = %v, want EFORBIDDEN", tok.Role, err)
		}
	}
	if _, err := e.Search(ctx, admin, volmatch.SearchQuery{Pool: "P1", Kind: volmatch.ChangeNeed}); volmatch.ErrorField(err) != "pool" {
		t.Errorf("Search(pool, needs) = %v, want a field error on pool", err)
	}

	// Membership: derived from the pool's record, fresh after each write.
	v, err := e.Volunteer(ctx, admin, "V3")
	must(t, err)
	if len(v.Pools) != 0 {
		t.Fatalf("V3 pools = %v, want none", v.Pools)
	}
	pool.Members = append(pool.Members, "V3")
	must(t, e.SavePool(ctx, admin, "P1", pool))
	v, err = e.Volunteer(ctx, admin, "V3")
	must(t, err)
	if !slices.Equal(v.Pools, []string{"P1"}) {
		t.Errorf("after the pool write V3 pools = %v, want [P1]", v.Pools)
	}
	v.Pools = append(v.Pools, "X") // the caller's copy, never the cache
	v, _ = e.Volunteer(ctx, admin, "V3")
	if !slices.Equal(v.Pools, []string{"P1"}) {
		t.Errorf("a caller's change reached the cache: %v", v.Pools)
	}
}

// TestTrainingErasure: deleting a volunteer frees the seats they held in
// sessions still ahead.
func TestTrainingErasure(t *testing.T) {
	ctx := context.Background()
	clock := fixture.Base
	e, st := trainingEngine(t, &clock, fixture.Volunteer("V1"))
	c := fixture.Course("C1", "O1", "first_aid_training", fixture.Session("s1", fixture.Base.Add(24*time.Hour), 3*time.Hour, 1))
	_, err := e.CreateCourse(ctx, sw1, c)
	must(t, err)
	_, err = e.Enrol(ctx, volunteerToken("V1"), "C1", "s1", "")
	must(t, err)
	must(t, e.DeleteVolunteer(ctx, admin, "V1"))
	got, err := st.Course(ctx, "C1")
	must(t, err)
	if got.Sessions[0].Enrolled != 0 {
		t.Errorf("after the volunteer's deletion the session holds %d seats, want 0", got.Sessions[0].Enrolled)
	}
}
