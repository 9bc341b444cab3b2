package web_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/internal/browsertest"
	"volmatch/internal/fixture"
)

// trainingCity adds O1's psychological first-aid course (a session the
// next day and one in three days) and O1's need N3 near V1 that requires
// the training, so that the course opens one service to V1.
func (e *env) trainingCity() {
	e.t.Helper()
	ctx := context.Background()
	c := fixture.Course("C1", "O1", "psych_first_aid",
		fixture.Session("s1", fixture.Base.Add(20*time.Hour), 3*time.Hour, 2),
		fixture.Session("s2", fixture.Base.Add(81*time.Hour), 3*time.Hour, 20))
	c.Name, c.NameEn, c.Domain, c.Provider = "心理急救培训", "Psychological first aid", "psychology", "朝阳区社区学院"
	if _, err := e.eng.CreateCourse(ctx, admin, c); err != nil {
		e.t.Fatal(err)
	}
	n := fixture.Need("N3", fixture.Title("社区心理疏导"), fixture.Domain("psychology"),
		fixture.Requires(volmatch.Requirements{Trainings: []string{"psych_first_aid"}}),
		fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(100*time.Hour), 2*time.Hour, 2)))
	if _, err := e.eng.PostNeed(ctx, admin, n); err != nil {
		e.t.Fatal(err)
	}
}

// TestTrainingPages: the volunteer sees the course recommended with the
// services it opens, enrols (not twice), and sees the enrolment; the
// planner sees the training blocking N3; O1's staff see the roster with
// the name masked and record attendance once the session began (not
// before; another organisation never), which grants the training: the
// recommendation is then gone and N3 is on the volunteer's menu.
func TestTrainingPages(t *testing.T) {
	e := newEnv(t)
	e.trainingCity()
	vol := e.signIn(volunteer)
	status, _, page := vol.get("/web/training")
	if status != 200 || !strings.Contains(page, "学这门课可多参加 1 项服务") || !strings.Contains(page, `data-course="C1"`) {
		t.Fatalf("the volunteer's training page = %d, want the course recommended with 1 service:\n%s", status, page)
	}
	if _, _, menu := vol.get("/web/menu"); strings.Contains(menu, `data-need="N3"`) {
		t.Fatalf("N3 is on the menu before the training")
	}
	if _, _, p := e.signIn(planner).get("/web/training"); !strings.Contains(p, "心理急救培训") || !strings.Contains(p, "朝阳区") {
		t.Errorf("the planner's page lacks the blocking training:\n%s", p)
	}
	form := url.Values{"csrf": {csrf(t, page)}, "course": {"C1"}, "session": {"s1"}}
	if status, loc, _ := vol.post("/web/training/enrol", form); status != 303 || loc != "/web/training?msg=training.enrolled" {
		t.Fatalf("enrol = %d to %q, want 303 to the page", status, loc)
	}
	if status, _, p := vol.post("/web/training/enrol", form); status != 409 || !strings.Contains(p, "你已经报名了这一期") {
		t.Errorf("enrol twice = %d, want 409 with the reason:\n%.400s", status, p)
	}
	_, _, page = vol.get("/web/training?msg=training.enrolled")
	if !strings.Contains(page, "报名成功") || !strings.Contains(page, "data-enrolment=") || !strings.Contains(page, "取消报名") {
		t.Errorf("after enrolling the page lacks the notice or the enrolment:\n%s", page)
	}
	es, _, err := e.eng.Enrolments(context.Background(), admin, volmatch.EnrolmentFilter{Course: "C1"})
	if err != nil || len(es) != 1 {
		t.Fatalf("enrolments of C1 = %d, %v; want 1", len(es), err)
	}
	id := es[0].ID

	sw := e.signIn(socialWorker)
	_, _, page = sw.get("/web/training")
	if !strings.Contains(page, "测****") || strings.Contains(page, "测试志愿者") || strings.Contains(page, "13800000000") {
		t.Errorf("the roster does not show the masked name only:\n%s", page)
	}
	att := url.Values{"csrf": {csrf(t, page)}, "enrolment": {id}, "attended": {"1"}}
	if status, _, p := sw.post("/web/training/attendance", att); status != 409 || !strings.Contains(p, "培训开始后才能记录出勤") {
		t.Errorf("attendance before the session = %d, want 409 with the reason:\n%.400s", status, p)
	}
	e.clock.Add(21 * time.Hour)
	other := e.signIn(volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"})
	_, _, op := other.get("/web/training")
	if strings.Contains(op, "测****") {
		t.Errorf("O2 sees O1's roster")
	}
	if status, _, _ := other.post("/web/training/attendance", url.Values{"csrf": {csrf(t, op)}, "enrolment": {id}, "attended": {"1"}}); status != 403 {
		t.Errorf("O2 records O1's attendance = %d, want 403", status)
	}
	sw = e.signIn(socialWorker) // the session before the clock moved has ended
	_, _, page = sw.get("/web/training")
	att.Set("csrf", csrf(t, page))
	if status, loc, _ := sw.post("/web/training/attendance", att); status != 303 || loc != "/web/training?msg=training.recorded" {
		t.Fatalf("attendance = %d to %q, want 303", status, loc)
	}
	v, err := e.eng.Volunteer(context.Background(), admin, "V1")
	if err != nil || !slices.Contains(v.Trainings, "psych_first_aid") {
		t.Fatalf("after attendance V1 holds %v (%v), want psych_first_aid", v.Trainings, err)
	}
	vol = e.signIn(volunteer)
	_, _, page = vol.get("/web/training")
	if strings.Contains(page, "学这门课") || !strings.Contains(page, "已结业") {
		t.Errorf("after attendance the page still recommends the course or lacks the completion:\n%s", page)
	}
	if _, _, menu := vol.get("/web/menu"); !strings.Contains(menu, `data-need="N3"`) {
		t.Errorf("after the training N3 is not on the volunteer's menu")
	}
}

// TestBrowserTraining: the training page of the volunteer, the social
// worker and the planner in real Chromium, zh and en, 390 and 1280 px:
// the WCAG audit passes, nothing scrolls sideways, screenshots to the
// artifacts.
func TestBrowserTraining(t *testing.T) {
	e := newEnv(t)
	e.trainingCity()
	ctx0 := context.Background()
	aid := fixture.Course("C2", "O1", "first_aid_training", fixture.Session("s1", fixture.Base.Add(105*time.Hour), 3*time.Hour, 30))
	aid.Name, aid.NameEn, aid.Domain, aid.Provider = "急救技能培训", "First aid skills", "health", "朝阳区红十字会培训点"
	if _, err := e.eng.CreateCourse(ctx0, admin, aid); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Enrol(ctx0, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V1"}, "C2", "s1", ""); err != nil {
		t.Fatal(err)
	}
	ctx, errs, dir := browser(t)
	for _, who := range []struct {
		name string
		tok  volmatch.Token
	}{{"volunteer", volunteer}, {"worker", socialWorker}, {"planner", planner}} {
		e.browserSignIn(ctx, who.tok, chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, lang := range []string{"zh", "en"} {
			for _, width := range []int{390, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900),
					chromedp.Navigate(e.srv.URL+"/web/training?lang="+lang), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatal(err)
				}
				vs, err := browsertest.Audit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					t.Errorf("training (%s, %s, %d px) breaks %s", who.name, lang, width, v)
				}
				shotPage(t, ctx, dir, fmt.Sprintf("training-%s-%s-%d", who.name, lang, width))
			}
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors:\n%s", strings.Join(msgs, "\n"))
	}
}
