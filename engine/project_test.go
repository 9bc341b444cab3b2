package engine_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/internal/fixture"
)

// projectOf returns a valid project of org in the fixture's district.
func projectOf(id, org string) *volmatch.Project {
	return &volmatch.Project{ID: id, Org: org, Name: "邻里助老", Goal: "每周为独居老人上门探访", Domain: "elderly_care",
		District: fixture.District, Street: fixture.Street, Grade: volmatch.GradeStreet, Category: "elderly_disabled"}
}

// servedNeed imports need id of org, posted at posted with one shift of the
// volunteers' count of slots, and appends its outcomes: each volunteer
// accepts; those with a true noShow fail to come, the others check out
// after 3 hours and are rated rating.
func servedNeed(t *testing.T, st volmatch.Store, id, org, project string, posted time.Time, vols []string, noShow []bool, rating int) {
	t.Helper()
	ctx := context.Background()
	sh := fixture.Shift("s1", posted.Add(48*time.Hour), 3*time.Hour, len(vols))
	n := fixture.Need(id, fixture.Org(org), fixture.Shifts(sh), fixture.Posted(posted, 9))
	n.Project, n.Status = project, volmatch.NeedClosed
	must(t, st.PutNeeds(ctx, []*volmatch.Need{n}))
	var evs []volmatch.Event
	for i, v := range vols {
		ev := volmatch.NeedEvent(volmatch.EventInviteAccepted, n, posted.Add(time.Hour))
		ev.Shift, ev.Volunteer, ev.Assignment = "s1", v, fmt.Sprintf("%s-a%d", id, i)
		evs = append(evs, ev)
		out := ev
		out.At = sh.End
		if i < len(noShow) && noShow[i] {
			out.Type = volmatch.EventNoShow
			evs = append(evs, out)
			continue
		}
		out.Type, out.Hours = volmatch.EventCheckOut, 3
		rated := out
		rated.Type, rated.Hours, rated.Rating = volmatch.EventRated, 0, rating
		evs = append(evs, out, rated)
	}
	must(t, st.AppendEvents(ctx, evs...))
}

var six = []string{"V1", "V2", "V3", "V4", "V5", "V6"}

// TestProjects: a social worker writes their organisation's projects (not
// another's, not with an unknown domain, district or category); a need
// joins only a project of its own organisation; attaching is all or
// nothing and refuses another organisation's need without naming it.
func TestProjects(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteers(2)...)
	p, err := e.SaveProject(ctx, sw1, "", projectOf("P1", ""))
	must(t, err)
	if p.Org != "O1" || p.Status != volmatch.ProjectActive {
		t.Fatalf("SaveProject as sw1 = org %q status %q, want O1 active", p.Org, p.Status)
	}
	_, err = e.SaveProject(ctx, sw2, "", projectOf("P2", "O2"))
	must(t, err)
	for _, c := range []struct {
		name  string
		tok   *volmatch.Token
		id    string
		edit  func(p *volmatch.Project)
		code  string
		field string
	}{
		{"another organisation's project", sw2, "P1", func(p *volmatch.Project) {}, volmatch.EFORBIDDEN, ""},
		{"for another organisation", sw1, "", func(p *volmatch.Project) { p.ID, p.Org = "P3", "O2" }, volmatch.EFORBIDDEN, ""},
		{"moved to another organisation", admin, "P1", func(p *volmatch.Project) { p.Org = "O2" }, volmatch.EINVALID, "org"},
		{"an unknown domain", sw1, "P1", func(p *volmatch.Project) { p.Domain = "astrology" }, volmatch.EINVALID, "domain"},
		{"an unknown district", sw1, "P1", func(p *volmatch.Project) { p.District = "999999" }, volmatch.EINVALID, "district"},
		{"a street of another district", sw1, "P1", func(p *volmatch.Project) { p.District = "110108" }, volmatch.EINVALID, "street"},
		{"an unknown category", sw1, "P1", func(p *volmatch.Project) { p.Category = "misc" }, volmatch.EINVALID, "category"},
		{"no goal", sw1, "P1", func(p *volmatch.Project) { p.Goal = " " }, volmatch.EINVALID, "goal"},
		{"an unknown grade", sw1, "P1", func(p *volmatch.Project) { p.Grade = "national" }, volmatch.EINVALID, "grade"},
	} {
		q := projectOf("P1", "O1")
		c.edit(q)
		_, err := e.SaveProject(ctx, c.tok, c.id, q)
		if volmatch.ErrorCode(err) != c.code || volmatch.ErrorField(err) != c.field {
			t.Errorf("SaveProject with %s = %v, want %s on %q", c.name, err, c.code, c.field)
		}
	}
	if got, _ := e.Project(ctx, planner, "P1"); got.Domain != "elderly_care" || got.Org != "O1" {
		t.Errorf("P1 after the refused writes = %+v, want it unchanged", got)
	}

	n := fixture.Need("N1")
	n.Project = "P2"
	if _, err := e.PostNeed(ctx, sw1, n); volmatch.ErrorField(err) != "project" {
		t.Errorf("PostNeed into another organisation's project = %v, want EINVALID on project", err)
	}
	n.Project = "P9"
	if _, err := e.PostNeed(ctx, sw1, n); volmatch.ErrorField(err) != "project" {
		t.Errorf("PostNeed into a missing project = %v, want EINVALID on project", err)
	}
	n.Project = "P1"
	_, err = e.PostNeed(ctx, sw1, n)
	must(t, err)
	_, err = e.PostNeed(ctx, sw1, fixture.Need("N2"))
	must(t, err)
	_, err = e.PostNeed(ctx, sw2, fixture.Need("N3", fixture.Org("O2")))
	must(t, err)

	_, err = e.AttachNeeds(ctx, sw1, "P1", []string{"N2", "N3"}, false)
	if volmatch.ErrorField(err) != "needs[1]" {
		t.Fatalf("AttachNeeds with O2's need = %v, want EINVALID on needs[1]", err)
	}
	if got, _ := st.Need(ctx, "N2"); got.Project != "" {
		t.Errorf("a refused AttachNeeds put N2 in %q, want nothing written", got.Project)
	}
	if _, err := e.AttachNeeds(ctx, sw2, "P1", []string{"N3"}, false); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("AttachNeeds to another organisation's project = %v, want EFORBIDDEN", err)
	}
	ns, err := e.AttachNeeds(ctx, sw1, "P1", []string{"N2"}, false)
	must(t, err)
	if len(ns) != 2 || ns[0].ID != "N1" || ns[1].ID != "N2" {
		t.Errorf("P1's needs after attaching N2 = %d, want N1 and N2", len(ns))
	}
	if err := e.DeleteProject(ctx, sw1, "P1"); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("DeleteProject with needs = %v, want ECONFLICT", err)
	}
	ns, err = e.AttachNeeds(ctx, sw1, "P1", []string{"N1", "N2"}, true)
	must(t, err)
	if len(ns) != 0 {
		t.Errorf("P1's needs after detaching both = %d, want none", len(ns))
	}
	must(t, e.DeleteProject(ctx, sw1, "P1"))

	// Closing a project keeps its needs but takes no new ones.
	_, err = e.SaveProject(ctx, sw1, "", projectOf("P4", "O1"))
	must(t, err)
	_, err = e.AttachNeeds(ctx, sw1, "P4", []string{"N1"}, false)
	must(t, err)
	closed := projectOf("P4", "O1")
	closed.Status = volmatch.ProjectClosed
	_, err = e.SaveProject(ctx, sw1, "P4", closed)
	must(t, err)
	if _, err := e.AttachNeeds(ctx, sw1, "P4", []string{"N2"}, false); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("AttachNeeds to a closed project = %v, want ECONFLICT", err)
	}
	old, err := e.Need(ctx, sw1, "N1")
	must(t, err)
	old.Title = "社区助老服务（改）"
	if _, err := e.UpdateNeed(ctx, sw1, "N1", old); err != nil {
		t.Errorf("UpdateNeed of a need in a closed project = %v, want it kept there", err)
	}
}

// TestProjectEvaluation: a project's figures are those of its needs'
// events alone, per month too, and withheld under the minimum group for
// whoever asks; another organisation's social worker and a volunteer may
// not read them.
func TestProjectEvaluation(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	for _, id := range []string{"P1", "P2"} {
		_, err := e.SaveProject(ctx, sw1, "", projectOf(id, "O1"))
		must(t, err)
	}
	oct := time.Date(2026, 10, 5, 9, 0, 0, 0, volmatch.Beijing)
	servedNeed(t, st, "F1", "O1", "P1", oct, six, nil, 5)
	servedNeed(t, st, "F2", "O1", "P1", oct.AddDate(0, 0, 20), six, []bool{true, true, false, false, false, false}, 4)
	servedNeed(t, st, "X1", "O1", "", oct, six, []bool{true, true, true, true, true, true}, 0) // not P1's
	servedNeed(t, st, "S1", "O1", "P2", oct, []string{"V1"}, nil, 5)                           // one person

	r, err := e.ProjectEvaluation(ctx, sw1, "P1", evaluation.Filter{})
	must(t, err)
	g := r.Overall
	if r.Needs != 2 || g.SlotsAsked != 12 || g.SlotsFilled != 10 || g.NoShowRate != 2.0/12 || g.Ratings != 10 || g.Hours != 30 {
		t.Errorf("P1 = needs %d, slots %d/%d, no-shows %v, ratings %d, hours %v; want 2, 10/12, 2/12, 10, 30",
			r.Needs, g.SlotsFilled, g.SlotsAsked, g.NoShowRate, g.Ratings, g.Hours)
	}
	if len(r.Monthly) != 1 || r.Monthly[0].Key != "2026-10" {
		t.Errorf("P1 monthly = %+v, want October alone", r.Monthly)
	}
	small, err := e.ProjectEvaluation(ctx, planner, "P2", evaluation.Filter{})
	must(t, err)
	if !small.Overall.Suppressed.Has("fill_rate") || !small.Overall.Suppressed.Has("mean_rating") || !small.Overall.Suppressed.Has("hours") {
		t.Errorf("P2 (one volunteer) withheld %v, want fill, rating and hours withheld", small.Overall.Suppressed)
	}
	for _, tok := range []*volmatch.Token{sw2, volunteerToken("V1")} {
		if _, err := e.ProjectEvaluation(ctx, tok, "P1", evaluation.Filter{}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("ProjectEvaluation as %s %s = %v, want EFORBIDDEN", tok.Role, tok.Org, err)
		}
	}
}

// TestSuggestions: a recurring activity with full fill, completion and
// 5-star ratings is suggested as a project with the figures it rests on; a
// project whose no-shows rose from October to November is failing, with
// both months' rates; an activity of one volunteer (figures withheld) and
// one of two needs are not suggested, nor a project whose needs are still
// to come; a social worker sees only their own.
func TestSuggestions(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	_, err := e.SaveProject(ctx, sw1, "", projectOf("P1", "O1"))
	must(t, err)
	oct := time.Date(2026, 10, 5, 9, 0, 0, 0, volmatch.Beijing)
	nov := time.Date(2026, 10, 30, 8, 0, 0, 0, volmatch.Beijing) // served on 1 November
	for i := range 3 {
		servedNeed(t, st, fmt.Sprintf("R%d", i+1), "O1", "", oct.AddDate(0, 0, 7*i), six, nil, 5)
	}
	servedNeed(t, st, "F1", "O1", "P1", oct, six, nil, 5)
	servedNeed(t, st, "F3", "O1", "P1", nov, six, []bool{true, true, true, false, false, false}, 4)
	for i := range 3 { // O2's one-person activity
		servedNeed(t, st, fmt.Sprintf("Q%d", i+1), "O2", "", oct.AddDate(0, 0, i), []string{"V9"}, nil, 5)
	}

	// P3's one need is still open (its shift to come): unfilled so far,
	// it is not failing.
	_, err = e.SaveProject(ctx, sw1, "", projectOf("P3", "O1"))
	must(t, err)
	open := fixture.Need("U1")
	open.Project = "P3"
	_, err = e.PostNeed(ctx, sw1, open)
	must(t, err)
	sg, err := e.Suggestions(ctx, planner, evaluation.Filter{})
	must(t, err)
	got := sg.Items
	if len(got) != 2 {
		t.Fatalf("Suggestions = %d, want the recurring R and the failing P1: %+v", len(got), got)
	}
	pr := got[0]
	if pr.Kind != engine.SuggestPromote || fmt.Sprint(pr.Needs) != "[R1 R2 R3]" || pr.Org != "O1" {
		t.Errorf("promote = %s %v of %s, want R1–R3 of O1", pr.Kind, pr.Needs, pr.Org)
	}
	if f := pr.Figures; f.FillRate != 1 || f.CompletionRate != 1 || f.MeanRating != 5 || f.SlotsAsked != 18 || len(f.Suppressed) != 0 {
		t.Errorf("promote figures = fill %v completion %v rating %v slots %d withheld %v; want 1, 1, 5, 18, none",
			f.FillRate, f.CompletionRate, f.MeanRating, f.SlotsAsked, f.Suppressed)
	}
	if b := sg.Baseline; b.SlotsAsked != 18+6+6+3 || b.FillRate >= 1 {
		t.Errorf("baseline = %d slots at fill %v, want every settled need's 33 slots below full", b.SlotsAsked, b.FillRate)
	}
	fa := got[1]
	if fa.Kind != engine.SuggestFailing || fa.Project != "P1" || fmt.Sprint(fa.Reasons) != "[rising_no_shows]" {
		t.Errorf("failing = %s %s %v, want P1 with rising_no_shows", fa.Kind, fa.Project, fa.Reasons)
	}
	if fa.NoShowFrom == nil || fa.NoShowTo == nil || *fa.NoShowFrom != 0 || *fa.NoShowTo != 0.5 || len(fa.Monthly) != 2 {
		t.Errorf("failing no-shows %v -> %v over %d months, want 0 -> 0.5 over 2", fa.NoShowFrom, fa.NoShowTo, len(fa.Monthly))
	}
	// The figures a suggestion lists are the evaluation of its needs.
	evs, err := st.Events(ctx, 0, 10000)
	must(t, err)
	want := evaluation.Group(evs, evaluation.Filter{Needs: map[string]bool{"R1": true, "R2": true, "R3": true}, MinGroup: 5}, "R1")
	if !reflect.DeepEqual(want, pr.Figures) {
		t.Errorf("promote figures = %+v, want the evaluation of R1–R3 %+v", pr.Figures, want)
	}

	mine, err := e.Suggestions(ctx, sw2, evaluation.Filter{})
	must(t, err)
	if len(mine.Items) != 0 {
		t.Errorf("Suggestions as sw2 = %+v, want none (O2's activity is one volunteer's)", mine)
	}
	if _, err := e.Suggestions(ctx, sw2, evaluation.Filter{Org: "O1"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Suggestions of O1 as sw2 = %v, want EFORBIDDEN", err)
	}
	// Once R1–R3 are a project, they are no longer suggested.
	_, err = e.SaveProject(ctx, sw1, "", projectOf("P2", "O1"))
	must(t, err)
	_, err = e.AttachNeeds(ctx, sw1, "P2", []string{"R1", "R2", "R3"}, false)
	must(t, err)
	sg, err = e.Suggestions(ctx, sw1, evaluation.Filter{})
	must(t, err)
	if got = sg.Items; len(got) != 1 || got[0].Project != "P1" {
		t.Errorf("Suggestions after R1–R3 became P2 = %+v, want P1 failing alone", got)
	}
}

// TestStationMap: stations within reach, nearest first, with their
// services and the open needs one can still take; a volunteer's stations
// near home are theirs alone.
func TestStationMap(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteer("V1"))
	near := &volmatch.Station{ID: "ST1", Name: "建外党群服务中心", Type: "党群服务中心", Point: fixture.Site, District: fixture.District, Street: fixture.Street}
	far := &volmatch.Station{ID: "ST2", Name: "怀柔图书馆", Type: "图书馆", Point: volmatch.Point{Lat: 40.32, Lng: 116.63}, District: "110116"}
	must(t, st.PutStations(ctx, []*volmatch.Station{near, far}))
	n := fixture.Need("N1")
	n.Station = "ST1"
	_, err := e.PostNeed(ctx, sw1, n)
	must(t, err)
	past := fixture.Need("N2", fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(-48*time.Hour), time.Hour, 1)), fixture.Domain("psychology"))
	past.Station = "ST1"
	must(t, st.PutNeeds(ctx, []*volmatch.Need{past}))

	home := fixture.Home
	got, err := e.StationMap(ctx, volunteerToken("V1"), engine.StationQuery{Near: &home, Km: 5})
	must(t, err)
	if len(got) != 1 || got[0].Station.ID != "ST1" || got[0].OpenCount != 1 || got[0].Open[0].ID != "N1" {
		t.Fatalf("StationMap within 5 km = %+v, want ST1 with N1 open", got)
	}
	if fmt.Sprint(got[0].Services) != "[elderly_care psychology]" || got[0].DistanceKm != volmatch.DisplayKm(volmatch.DistanceKm(home, fixture.Site)) {
		t.Errorf("ST1 services %v at %v km, want elderly_care and psychology at the shown distance", got[0].Services, got[0].DistanceKm)
	}
	all, err := e.StationMap(ctx, planner, engine.StationQuery{})
	must(t, err)
	if len(all) != 2 || all[1].OpenCount != 0 {
		t.Errorf("StationMap of all = %d stations, want 2", len(all))
	}
	if other, _ := e.StationMap(ctx, sw2, engine.StationQuery{}); other[0].OpenCount != 0 {
		t.Errorf("sw2 sees %d of O1's open needs at ST1, want none", other[0].OpenCount)
	}
	for _, q := range []engine.StationQuery{{Near: &home, Km: 0}, {Near: &home, Km: 1e6}, {Near: &volmatch.Point{Lat: 91}, Km: 3}, {Limit: -1}} {
		if _, err := e.StationMap(ctx, planner, q); volmatch.ErrorCode(err) != volmatch.EINVALID {
			t.Errorf("StationMap(%+v) = %v, want EINVALID", q, err)
		}
	}
	mine, err := e.NearMe(ctx, volunteerToken("V1"), "V1", 5)
	must(t, err)
	if len(mine) != 1 {
		t.Errorf("NearMe(V1) = %d stations, want 1", len(mine))
	}
	if _, err := e.NearMe(ctx, volunteerToken("V2"), "V1", 5); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("NearMe(V1) as V2 = %v, want EFORBIDDEN", err)
	}
}

// TestProjectSearch: 心理 finds the psychology project (its domain's
// Chinese name) for every role that searches, by kind and near its street;
// a project changed or deleted is found as it is now.
func TestProjectSearch(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteer("V1"))
	psy := projectOf("P1", "O1")
	psy.Name, psy.Goal, psy.Domain, psy.Category = "青少年成长护航", "每月一次讲座与团体辅导", "psychology", "psychology"
	_, err := e.SaveProject(ctx, sw1, "", psy)
	must(t, err)
	_, err = e.SaveProject(ctx, sw2, "", projectOf("P2", "O2"))
	must(t, err)
	must2 := func(p engine.FoundPage, err error) []string {
		t.Helper()
		must(t, err)
		return foundIDs(p)
	}
	for _, tok := range []*volmatch.Token{volunteerToken("V1"), sw1, sw2, planner, admin} {
		if got := must2(e.Search(ctx, tok, volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangeProject})); fmt.Sprint(got) != "[P1]" {
			t.Errorf("Search(心理, projects) as %s %s = %v, want [P1]", tok.Role, tok.Org, got)
		}
	}
	if got := must2(e.Search(ctx, planner, volmatch.SearchQuery{Text: "扶老助残"})); fmt.Sprint(got) != "[P2]" {
		t.Errorf("Search(扶老助残) = %v, want P2 by its category", got)
	}
	if got := must2(e.Search(ctx, planner, volmatch.SearchQuery{Kind: volmatch.ChangeProject, Near: &fixture.Site, WithinKm: 5})); fmt.Sprint(got) != "[P1 P2]" {
		t.Errorf("Search(projects near the site) = %v, want both (their street is there)", got)
	}
	if got := must2(e.Search(ctx, planner, volmatch.SearchQuery{Kind: volmatch.ChangeProject, Near: &volmatch.Point{Lat: 40.4, Lng: 116.6}, WithinKm: 5})); len(got) != 0 {
		t.Errorf("Search(projects in Huairou) = %v, want none", got)
	}
	psy.Domain, psy.Category = "elderly_care", "elderly_disabled"
	_, err = e.SaveProject(ctx, sw1, "P1", psy)
	must(t, err)
	must(t, e.DeleteProject(ctx, sw2, "P2"))
	if got := must2(e.Search(ctx, admin, volmatch.SearchQuery{Text: "心理"})); len(got) != 0 {
		t.Errorf("Search(心理) after P1 left psychology = %v, want none", got)
	}
	if got := must2(e.Search(ctx, admin, volmatch.SearchQuery{Kind: volmatch.ChangeProject})); fmt.Sprint(got) != "[P1]" {
		t.Errorf("Search(projects) after P2 was deleted = %v, want [P1]", got)
	}
}
