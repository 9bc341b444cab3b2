package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// learnPop is a population with weeks of outcomes simulated from
// preferences the default weights ignore: enough for the fitted weights
// to win on the held-out listings with an interval above 0.
var learnPop = sync.OnceValues(func() (*datasets.Population, []volmatch.Event) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 5000, Needs: 600, Seed: 42})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	res, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 42})
	if err != nil {
		panic(err)
	}
	return pop, res.Events
})

// newLearnEnv is a web server over a real bbolt file holding learnPop and
// its log, the engine's clock before the simulated weeks.
func newLearnEnv(t *testing.T) *env {
	t.Helper()
	pop, events := learnPop()
	// O1, of the social worker who is refused the page.
	return newPopulatedEnv(t, pop, events, datasets.DefaultStart.Add(-24*time.Hour),
		&volmatch.Organisation{ID: "O1", Name: "朝阳区某街道社工站 O1", District: pop.Needs[0].District})
}

// pop0 is the first volunteer of learnPop.
func pop0(t *testing.T) string {
	t.Helper()
	pop, _ := learnPop()
	return pop.Volunteers[0].ID
}

var proposalField = `name="proposal" value="`

// TestLearningPage: a planner sees the weights in use beside the fitted
// ones and the held-out tests behind them, adopts the fitted weights (the
// engine ranks with them at once), cannot adopt the same proposal twice,
// and undoes the adoption; other roles and posts without the CSRF token
// are refused.
func TestLearningPage(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates weeks of outcomes over 5,000 volunteers")
	}
	e := newLearnEnv(t)
	configured := e.eng.Weights()
	for _, spec := range []volmatch.Token{socialWorker, {Role: volmatch.RoleVolunteer, Volunteer: pop0(t)}} {
		if status, _, _ := e.signIn(spec).get("/web/dashboard/learning"); status != http.StatusForbidden {
			t.Errorf("GET learning as %s = %d, want 403", spec.Role, status)
		}
	}
	pl := e.signIn(planner)
	status, _, page := pl.get("/web/dashboard/learning")
	if status != 200 {
		t.Fatalf("GET learning = %d\n%s", status, page)
	}
	for _, want := range []string{"技能匹配", "领域偏好", "按时间", "按需求", "拟合结果", "采用拟合权重", "更好", "尚未采用过拟合权重"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	i := strings.Index(page, proposalField)
	if i < 0 {
		t.Fatalf("no proposal on the page")
	}
	proposal := page[i+len(proposalField):]
	proposal = proposal[:strings.IndexByte(proposal, '"')]
	token := csrf(t, page)

	if status, _, _ := pl.post("/web/dashboard/learning/adopt", url.Values{"proposal": {proposal}}); status != http.StatusForbidden {
		t.Errorf("adopt without CSRF = %d, want 403", status)
	}
	if e.eng.Weights() != configured {
		t.Fatalf("weights changed by a refused post")
	}
	status, loc, _ := pl.post("/web/dashboard/learning/adopt", url.Values{"csrf": {token}, "proposal": {proposal}})
	if status != http.StatusSeeOther || loc != "/web/dashboard/learning?msg=learn.done.adopted" {
		t.Fatalf("adopt = %d to %q", status, loc)
	}
	if e.eng.Weights() == configured {
		t.Fatalf("the engine still ranks with the configured weights after the adoption")
	}
	_, _, page = pl.get(loc)
	for _, want := range []string{"已采用拟合权重", "撤销这次采用"} {
		if !strings.Contains(page, want) {
			t.Errorf("after adopting, the page lacks %q", want)
		}
	}
	// The same form sent again (a double tap, a replay) adopts nothing.
	status, loc, _ = pl.post("/web/dashboard/learning/adopt", url.Values{"csrf": {token}, "proposal": {proposal}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "err=") {
		t.Errorf("adopt again = %d to %q, want a refusal", status, loc)
	}
	if _, _, p := pl.get(loc); !strings.Contains(p, `role="alert"`) {
		t.Errorf("the refusal is not shown")
	}
	adopted := e.eng.Weights()
	const idField = `name="adoption" value="`
	j := strings.Index(page, idField)
	if j < 0 {
		t.Fatalf("no undo form")
	}
	id := page[j+len(idField):]
	id = id[:strings.IndexByte(id, '"')]
	// A social worker's session cannot undo it.
	sw := e.signIn(socialWorker)
	_, _, swPage := sw.get("/web/needs")
	if status, _, _ := sw.post("/web/dashboard/learning/undo", url.Values{"csrf": {csrf(t, swPage)}, "adoption": {id}}); status != http.StatusForbidden {
		t.Errorf("undo as a social worker = %d, want 403", status)
	}
	if e.eng.Weights() != adopted {
		t.Fatalf("weights changed by a refused undo")
	}
	status, loc, _ = pl.post("/web/dashboard/learning/undo", url.Values{"csrf": {token}, "adoption": {id}})
	if status != http.StatusSeeOther || loc != "/web/dashboard/learning?msg=learn.done.undone" {
		t.Fatalf("undo = %d to %q", status, loc)
	}
	if e.eng.Weights() != configured {
		t.Errorf("after the undo the weights are %+v, want the configured %+v", e.eng.Weights(), configured)
	}
	status, loc, _ = pl.post("/web/dashboard/learning/undo", url.Values{"csrf": {token}, "adoption": {id}})
	if status != http.StatusSeeOther || loc != "/web/dashboard/learning?err=nothing_to_undo" {
		t.Errorf("undo again = %d to %q, want the nothing_to_undo refusal", status, loc)
	}
}

// TestLearningPageNoFit: without outcomes there is nothing to fit; the
// page says so in words and offers no adoption; a forged proposal is
// refused with nothing changed.
func TestLearningPageNoFit(t *testing.T) {
	e := newEnv(t)
	before := e.eng.Weights()
	pl := e.signIn(planner)
	for _, lang := range []string{"", "?lang=en"} {
		status, _, page := pl.get("/web/dashboard/learning" + lang)
		if status != 200 {
			t.Fatalf("GET = %d", status)
		}
		if strings.Contains(page, proposalField) {
			t.Errorf("an adoption is offered without a fit")
		}
		want := "有结果的推荐太少"
		if lang != "" {
			want = "Too few outcomes"
		}
		if !strings.Contains(page, want) {
			t.Errorf("the page%s does not say why nothing can be adopted (%q)", lang, want)
		}
	}
	_, _, page := pl.get("/web/dashboard/learning")
	status, loc, _ := pl.post("/web/dashboard/learning/adopt", url.Values{"csrf": {csrf(t, page)}, "proposal": {"1-0123456789abcdef"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "err=") {
		t.Errorf("a forged proposal = %d to %q, want a refusal", status, loc)
	}
	if e.eng.Weights() != before {
		t.Errorf("weights changed by a forged proposal")
	}
	// ?msg= shows only the page's own notices, never text of the link.
	if _, _, p := pl.get("/web/dashboard/learning?msg=%3Cscript%3E&err=%3Cb%3E"); strings.Contains(p, "<script>") || strings.Contains(p, "<b>") {
		t.Errorf("the page echoes its query")
	}
}

// TestBrowserLearningPage: the page with a fit, at a phone's and a
// desktop's width, in Chinese and English, screenshots to the artifacts.
func TestBrowserLearningPage(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates weeks of outcomes over 5,000 volunteers")
	}
	e := newLearnEnv(t)
	ctx, errs, dir := browser(t)
	e.browserSignIn(ctx, planner)
	for _, w := range []int64{390, 1280} {
		for _, lang := range []string{"zh", "en"} {
			name := fmt.Sprintf("learning-%s-%d", lang, w)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900),
				chromedp.Navigate(e.srv.URL+"/web/dashboard/learning?lang="+lang),
				chromedp.WaitVisible(`form[action^="/web/dashboard/learning/adopt"] button`)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tbody tr").length`))
			if err != nil {
				t.Fatal(err)
			}
			if rows != scoring.NumComponents+9 {
				t.Errorf("%s: %d table rows, want %d weights and 9 held-out figures", name, rows, scoring.NumComponents)
			}
			shotPage(t, ctx, dir, name)
		}
	}
	if m := errs.All(); len(m) > 0 {
		t.Errorf("the page raised: %v", m)
	}
}
