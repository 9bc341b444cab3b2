package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// seedProjects gives the test deployment O1's project PJ1 (need N1 in it)
// and the station ST1 at the needs' site, where the menu need N2 is.
func seedProjects(t *testing.T, eng *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	sw := &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	p := &volmatch.Project{ID: "PJ1", Name: "邻里助老", Goal: "每周为独居老人上门探访", Domain: "elderly_care",
		District: fixture.District, Street: fixture.Street, Grade: volmatch.GradeStreet, Category: "elderly_disabled"}
	if _, err := eng.SaveProject(ctx, sw, "", p); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AttachNeeds(ctx, sw, "PJ1", []string{"N1"}, false); err != nil {
		t.Fatal(err)
	}
	var hours volmatch.Week
	for d := range 5 {
		for h := 9; h < 17; h++ {
			hours.Set(24*d + h)
		}
	}
	st := &volmatch.Station{ID: "ST1", Name: "建外街道党群服务中心", Type: "党群服务中心", Point: fixture.Site,
		District: fixture.District, Street: fixture.Street, Hours: hours}
	if err := eng.SaveStation(ctx, admin, "", st); err != nil {
		t.Fatal(err)
	}
	n, err := eng.Store().Need(ctx, "N2")
	if err != nil {
		t.Fatal(err)
	}
	n.Station = "ST1"
	if err := eng.Store().UpdateNeed(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// TestProjectPages: a social worker creates a project through the form
// (a missing goal shown beside its field, nothing written), puts a need
// in it and takes it out; another organisation's social worker reads the
// project but may not change it; the planner reads the advice; a
// volunteer finds the station near home with the need to sign up for.
func TestProjectPages(t *testing.T) {
	e := newEnv(t)
	sw := e.signIn(socialWorker)
	status, _, page := sw.get("/web/projects")
	if status != 200 || !strings.Contains(page, "邻里助老") || !strings.Contains(page, `id="pf-goal"`) {
		t.Fatalf("GET /web/projects = %d, want PJ1 and the form:\n%s", status, page)
	}
	tok := csrf(t, page)
	form := url.Values{"csrf": {tok}, "name": {"青少年心理护航"}, "goal": {""}, "domain": {"psychology"},
		"district": {fixture.District}, "grade": {"district"}, "category": {"psychology"}}
	status, _, page = sw.post("/web/projects", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="pf-goal-e"`) || !strings.Contains(page, "青少年心理护航") {
		t.Errorf("POST without a goal = %d, want 422 with the error beside the goal and the name kept", status)
	}
	if ps, _, _ := e.eng.Projects(context.Background(), admin, volmatch.ProjectFilter{}); len(ps) != 1 {
		t.Errorf("a refused form wrote: %d projects, want 1", len(ps))
	}
	form.Set("goal", "每月一次心理健康讲座")
	status, loc, _ := sw.post("/web/projects", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/web/projects/P-") {
		t.Fatalf("POST a project = %d to %q, want 303 to its page", status, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/web/projects/"), "?saved=1")
	_, _, page = sw.get(loc)
	if !strings.Contains(page, "项目已保存") || !strings.Contains(page, `id="a-N2"`) {
		t.Errorf("the new project's page lacks the notice or N2 to add:\n%s", page)
	}
	status, _, _ = sw.post("/web/projects/"+id+"/needs", url.Values{"csrf": {tok}, "need": {"N2"}})
	if status != http.StatusSeeOther {
		t.Errorf("attach N2 = %d, want 303", status)
	}
	if _, _, page = sw.get("/web/projects/" + id); !strings.Contains(page, `id="d-N2"`) {
		t.Errorf("N2 is not listed in the project after attaching")
	}
	// N1 is PJ1's: attaching it here is refused and nothing changes.
	status, _, page = sw.post("/web/projects/"+id+"/needs", url.Values{"csrf": {tok}, "need": {"N1"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "未作任何改动") {
		t.Errorf("attach PJ1's N1 = %d, want 422 with the refusal", status)
	}
	status, _, _ = sw.post("/web/projects/"+id+"/needs", url.Values{"csrf": {tok}, "need": {"N2"}, "detach": {"1"}})
	if n, _ := e.eng.Store().Need(context.Background(), "N2"); status != http.StatusSeeOther || n.Project != "" {
		t.Errorf("detach N2 = %d, N2 in %q; want 303 and no project", status, n.Project)
	}

	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	status, _, page = other.get("/web/projects/PJ1")
	if status != 200 || strings.Contains(page, `action="/web/projects/PJ1/needs"`) || strings.Contains(page, "社区助老服务") {
		t.Errorf("PJ1 as O2 = %d, want it shown without its forms or O1's needs:\n%s", status, page)
	}
	if status, _, _ := other.post("/web/projects/PJ1/needs", url.Values{"csrf": {csrf(t, page)}, "need": {"N1"}, "detach": {"1"}}); status != http.StatusForbidden {
		t.Errorf("O2 detaching PJ1's need = %d, want 403", status)
	}
	if status, _, page := e.signIn(planner).get("/web/projects/suggestions"); status != 200 || !strings.Contains(page, "对照基准") {
		t.Errorf("suggestions as the planner = %d, want the page with its baseline", status)
	}
	status, _, page = e.signIn(volunteer).get("/web/stations?km=5")
	if status != 200 || !strings.Contains(page, "建外街道党群服务中心") || !strings.Contains(page, "社区垃圾分类宣传") ||
		!strings.Contains(page, "周一至周五 09:00–17:00") || !strings.Contains(page, `action="/web/menu/signup"`) || !strings.Contains(page, "<svg") {
		t.Errorf("stations as V1 = %d, want ST1 with its hours, N2 to sign up for and the map:\n%s", status, page)
	}
}

// TestProjectScreens takes the screenshots of the new pages at a phone's
// and a desktop's width, in Chinese and English, and checks none scrolls
// sideways.
func TestProjectScreens(t *testing.T) {
	e := newEnv(t)
	ctx, errs, dir := browser(t)
	for _, c := range []struct {
		who  volmatch.Token
		name string
		path string
	}{
		{socialWorker, "project", "/web/projects/PJ1"},
		{socialWorker, "projects", "/web/projects"},
		{planner, "suggestions", "/web/projects/suggestions"},
		{volunteer, "stations", "/web/stations"},
		{planner, "stations-all", "/web/stations"},
	} {
		e.browserSignIn(ctx, c.who, chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, lang := range []string{"zh", "en"} {
			for _, w := range []int64{390, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+c.path+"?lang="+lang),
					chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatal(err)
				}
				shotPage(t, ctx, dir, c.name+"-"+lang+"-"+map[int64]string{390: "phone", 1280: "desktop"}[w])
			}
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors: %v", msgs)
	}
}
