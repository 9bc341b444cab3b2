package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"volmatch"
	"volmatch/engine"
)

// Learning (issue 18): what fitting the ranking weights to the outcomes
// would change, for planners and admins. The page reads engine.Learning:
// the weights configured, in use and fitted, side by side; the held-out
// tests behind the fit (the time split, then the need split) with the
// NDCG@10 of both weight sets and the bootstrap interval of the
// difference; and an action to adopt the fitted weights or to undo the
// latest adoption, each an event in the log (engine.AdoptWeights,
// engine.UndoWeights), so every replica ranks with the same weights. The
// engine decides what may be adopted; the page only shows its refusal in
// words.

// learningRow is one component's weights.
type learningRow struct {
	Name                        string
	Configured, Current, Fitted string
	Change                      string // fitted − current, signed; "" without a fit
	Up, Down                    bool
}

// heldOutRow is one held-out test as the page shows it.
type heldOutRow struct {
	Split, Cut                       string
	TrainListings, TrainNeeds        int
	HeldOutListings, HeldOutNeeds    int
	SharedNeeds                      int
	Current, Fitted, Diff, Low, High string
	CurrentAUC, FittedAUC            string
	Verdict, VerdictKey              string
}

// adoptionRow is an adoption in force.
type adoptionRow struct {
	ID, At string
	Latest bool
}

// learningData is the page.
type learningData struct {
	Rows      []learningRow
	HeldOut   []heldOutRow
	Verdict   string
	Samples   int
	Proposal  string // set when the fitted weights may be adopted
	Refusal   string // why not, in words
	Adoptions []adoptionRow
	Notice    string
	Error     string
}

// learningRoutes registers the page and its two actions.
func (s *Server) learningRoutes() {
	s.mux.Handle("GET /web/dashboard/learning", s.page(dashboardRoles, s.learningPage))
	s.mux.Handle("POST /web/dashboard/learning/adopt", s.page(dashboardRoles, s.learningAdopt))
	s.mux.Handle("POST /web/dashboard/learning/undo", s.page(dashboardRoles, s.learningUndo))
}

// learningNotices are the messages a redirect back to the page may name
// (anything else in ?msg= is ignored).
var learningNotices = map[string]bool{
	"learn.done.adopted": true, "learn.done.undone": true,
}

// learningErrors are the refusals a redirect back may name, by reason.
var learningErrors = map[string]string{
	engine.ReasonNoFit:          "learn.why.no_fit",
	engine.ReasonTooFewPeople:   "learn.why.too_few_people",
	engine.ReasonNotBetter:      "learn.why.not_better",
	engine.ReasonUnchanged:      "learn.why.unchanged",
	engine.ReasonStaleProposal:  "learn.why.stale_proposal",
	engine.ReasonWeightsChanged: "learn.why.weights_changed",
	engine.ReasonNothingToUndo:  "learn.why.nothing_to_undo",
	engine.ReasonNotLatest:      "learn.why.not_latest",
}

func (s *Server) learningPage(w http.ResponseWriter, r *request) {
	rep, err := s.eng.Learning(r.Context(), r.tok)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	q := r.URL.Query()
	d := learningData{Samples: rep.Samples, Proposal: rep.Proposal, Verdict: msg(r.lang, "learn.verdict."+verdictKey(rep.Verdict))}
	if k := q.Get("msg"); learningNotices[k] {
		d.Notice = msg(r.lang, k)
	}
	if k := q.Get("err"); k != "" {
		if key, ok := learningErrors[k]; ok {
			d.Error = msg(r.lang, key)
		} else {
			d.Error = msg(r.lang, "learn.why.other")
		}
	}
	if rep.Refusal != "" {
		if key, ok := learningErrors[rep.Refusal]; ok {
			d.Refusal = msg(r.lang, key)
		} else {
			d.Refusal = msg(r.lang, "learn.why.other")
		}
	}
	conf, cur := rep.Configured.Vector(), rep.Current.Vector()
	var fit []float64
	if rep.Fitted != nil {
		fit = rep.Fitted.Vector()
	}
	for i, name := range rep.Names {
		row := learningRow{Name: msg(r.lang, "learn.c."+name), Configured: weightText(conf[i]), Current: weightText(cur[i])}
		if fit != nil {
			row.Fitted = weightText(fit[i])
			ch := fit[i] - cur[i]
			row.Change = fmt.Sprintf("%+.3f", ch)
			row.Up, row.Down = ch >= 0.0005, ch <= -0.0005
			if !row.Up && !row.Down {
				row.Change = "0"
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for _, h := range rep.HeldOut {
		row := heldOutRow{Split: msg(r.lang, "learn.split."+string(h.Split)),
			TrainListings: h.TrainListings, TrainNeeds: h.TrainNeeds,
			HeldOutListings: h.HeldOutListings, HeldOutNeeds: h.HeldOutNeeds, SharedNeeds: h.SharedNeeds,
			Current: fmt.Sprintf("%.3f", h.Replay.Baseline), Fitted: fmt.Sprintf("%.3f", h.Replay.Fitted),
			Diff: fmt.Sprintf("%+.3f", h.Replay.Diff), Low: fmt.Sprintf("%+.3f", h.Replay.Low), High: fmt.Sprintf("%+.3f", h.Replay.High),
			CurrentAUC: fmt.Sprintf("%.3f", h.CurrentAUC), FittedAUC: fmt.Sprintf("%.3f", h.FittedAUC),
			VerdictKey: verdictKey(h.Verdict)}
		row.Verdict = msg(r.lang, "learn.verdict."+row.VerdictKey)
		if !h.Cut.IsZero() {
			row.Cut = h.Cut.In(volmatch.Beijing).Format("2006-01-02 15:04")
		}
		d.HeldOut = append(d.HeldOut, row)
	}
	for i, a := range rep.Adoptions {
		d.Adoptions = append(d.Adoptions, adoptionRow{ID: a.ID, At: a.At.In(volmatch.Beijing).Format("2006-01-02 15:04"), Latest: i == len(rep.Adoptions)-1})
	}
	s.render(w, r.Request, http.StatusOK, "learning", r.view("learn.title", d))
}

// verdictKey is a verdict's message suffix (an unknown one reads as none).
func verdictKey(v string) string {
	switch v {
	case engine.VerdictBetter, engine.VerdictWorse, engine.VerdictUnclear:
		return v
	}
	return engine.VerdictNone
}

// weightText is a weight with three decimals.
func weightText(w float64) string { return fmt.Sprintf("%.3f", w) }

func (s *Server) learningAdopt(w http.ResponseWriter, r *request) {
	_, err := s.eng.AdoptWeights(r.Context(), r.tok, r.PostFormValue("proposal"))
	s.learningDone(w, r, "learn.done.adopted", err)
}

func (s *Server) learningUndo(w http.ResponseWriter, r *request) {
	_, err := s.eng.UndoWeights(r.Context(), r.tok, r.PostFormValue("adoption"))
	s.learningDone(w, r, "learn.done.undone", err)
}

// learningDone sends the caller back to the page (post, redirect, get):
// with the notice on success, with the refusal's reason when the engine
// refused; other failures are the usual error pages.
func (s *Server) learningDone(w http.ResponseWriter, r *request, notice string, err error) {
	to := "/web/dashboard/learning?"
	switch volmatch.ErrorCode(err) {
	case "":
		to += "msg=" + notice
	case volmatch.ECONFLICT, volmatch.EINVALID, volmatch.ENOTFOUND:
		reason := volmatch.ErrorReason(err)
		if _, ok := learningErrors[reason]; !ok {
			reason = "other"
		}
		to += "err=" + url.QueryEscape(reason)
	default:
		s.fail(w, r.Request, r.lang, err)
		return
	}
	if r.lang == langEN {
		to += "&lang=en"
	}
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
}

// parseLearningPage parses the page's template with the layout into pages.
func parseLearningPage(pages map[string]*template.Template, funcs template.FuncMap) {
	pages["learning"] = template.Must(template.New("learning").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/learning.html"))
}

func init() {
	zh := map[string]string{
		"learn.title":                "排序权重学习",
		"learn.link":                 "排序权重学习：拟合权重与留出检验",
		"learn.intro":                "志愿者推荐的排序由几项得分加权而成。系统用已有的邀请结果（完成或未完成）拟合一组新权重，并在拟合时没用过的数据上检验：先按时间（用切分点之前的数据拟合，检验之后的），再按需求（检验拟合时没见过的需求）。只有按时间检验的提升区间整体大于 0 时，才可以采用。",
		"learn.weights":              "权重对比",
		"learn.col.component":        "得分项",
		"learn.col.configured":       "初始设定",
		"learn.col.current":          "正在使用",
		"learn.col.fitted":           "拟合结果",
		"learn.col.change":           "变化",
		"learn.nofit":                "暂无拟合结果",
		"learn.heldout":              "留出检验（NDCG@10，越高越好）",
		"learn.col.split":            "检验",
		"learn.col.train":            "拟合用：列表 / 需求",
		"learn.col.test":             "检验用：列表 / 需求",
		"learn.col.shared":           "两边共有的需求",
		"learn.col.ndcg.cur":         "现用权重",
		"learn.col.ndcg.fit":         "拟合权重",
		"learn.col.diff":             "差值 [95% 区间]",
		"learn.col.auc":              "AUC 现用 / 拟合",
		"learn.col.verdict":          "结论",
		"learn.col.cut":              "切分点（北京时间）",
		"learn.split.time":           "按时间",
		"learn.split.need":           "按需求",
		"learn.split.page":           "按列表页",
		"learn.verdict.better":       "更好",
		"learn.verdict.worse":        "更差",
		"learn.verdict.unclear":      "不确定",
		"learn.verdict.none":         "无法判断",
		"learn.samples":              "有最终结果的推荐：%d 条",
		"learn.overall":              "按时间检验的结论：",
		"learn.adopt":                "采用拟合权重",
		"learn.adopt.hint":           "采用后立即用于所有推荐，并记入日志；可以随时撤销。",
		"learn.cannot":               "现在不能采用：",
		"learn.adoptions":            "已采用的权重",
		"learn.adoptions.none":       "尚未采用过拟合权重，正在使用初始设定。",
		"learn.col.adoption":         "编号",
		"learn.col.at":               "采用时间",
		"learn.undo":                 "撤销这次采用",
		"learn.done.adopted":         "已采用拟合权重，推荐排序立即使用新权重。",
		"learn.done.undone":          "已撤销，恢复为之前的权重。",
		"learn.why.no_fit":           "有结果的推荐太少，或结果全部相同，无法拟合。",
		"learn.why.too_few_people":   "涉及的志愿者人数太少，为保护个人信息不拟合。",
		"learn.why.not_better":       "按时间检验，提升区间没有整体大于 0。",
		"learn.why.unchanged":        "拟合结果与正在使用的权重相同。",
		"learn.why.stale_proposal":   "数据已更新，请刷新页面后再采用。",
		"learn.why.weights_changed":  "刚才有人采用或撤销了权重，请刷新页面查看。",
		"learn.why.nothing_to_undo":  "没有可以撤销的采用。",
		"learn.why.not_latest":       "只能撤销最近一次采用。",
		"learn.why.other":            "操作没有完成，请刷新页面后重试。",
		"learn.c.skill_fit":          "技能匹配",
		"learn.c.distance":           "距离",
		"learn.c.availability_slack": "时间余量",
		"learn.c.reliability":        "可靠性",
		"learn.c.load":               "服务负荷（公平）",
		"learn.c.domain_preference":  "领域偏好",
	}
	en := map[string]string{
		"learn.title":                "Learning the ranking weights",
		"learn.link":                 "Learning the ranking weights: fitted weights and held-out tests",
		"learn.intro":                "A volunteer's rank adds up a few scores, each with a weight. volmatch fits new weights to the outcomes of past invitations (completed or not) and tests them on data the fit did not see: by time (fitted before the cut, tested after it), then by need (tested on needs the fit never saw). They may be adopted only when the time test's interval of the gain lies wholly above 0.",
		"learn.weights":              "Weights",
		"learn.col.component":        "Score",
		"learn.col.configured":       "Configured",
		"learn.col.current":          "In use",
		"learn.col.fitted":           "Fitted",
		"learn.col.change":           "Change",
		"learn.nofit":                "No fit yet",
		"learn.heldout":              "Held-out tests (NDCG@10, higher is better)",
		"learn.col.split":            "Test",
		"learn.col.train":            "Fitted on: listings / needs",
		"learn.col.test":             "Tested on: listings / needs",
		"learn.col.shared":           "Needs on both sides",
		"learn.col.ndcg.cur":         "Weights in use",
		"learn.col.ndcg.fit":         "Fitted weights",
		"learn.col.diff":             "Difference [95% interval]",
		"learn.col.auc":              "AUC in use / fitted",
		"learn.col.verdict":          "Verdict",
		"learn.col.cut":              "Cut (Beijing time)",
		"learn.split.time":           "By time",
		"learn.split.need":           "By need",
		"learn.split.page":           "By listing page",
		"learn.verdict.better":       "Better",
		"learn.verdict.worse":        "Worse",
		"learn.verdict.unclear":      "Unclear",
		"learn.verdict.none":         "Cannot tell",
		"learn.samples":              "Recommendations with a final outcome: %d",
		"learn.overall":              "Verdict of the time test: ",
		"learn.adopt":                "Adopt the fitted weights",
		"learn.adopt.hint":           "They rank every recommendation at once and go into the log; you can undo it at any time.",
		"learn.cannot":               "Cannot be adopted now: ",
		"learn.adoptions":            "Adopted weights",
		"learn.adoptions.none":       "No fitted weights adopted yet: the configured weights are in use.",
		"learn.col.adoption":         "Number",
		"learn.col.at":               "Adopted at",
		"learn.undo":                 "Undo this adoption",
		"learn.done.adopted":         "The fitted weights are adopted: rankings use them from now on.",
		"learn.done.undone":          "Undone: the weights before it are back in use.",
		"learn.why.no_fit":           "Too few outcomes, or all of one kind: nothing to fit.",
		"learn.why.too_few_people":   "Outcomes of too few volunteers: not fitted, to protect them.",
		"learn.why.not_better":       "By time, the interval of the gain does not lie wholly above 0.",
		"learn.why.unchanged":        "The fitted weights are the weights in use.",
		"learn.why.stale_proposal":   "The data changed: reload the page before adopting.",
		"learn.why.weights_changed":  "Someone adopted or undid weights just now: reload the page.",
		"learn.why.nothing_to_undo":  "There is no adoption to undo.",
		"learn.why.not_latest":       "Only the latest adoption can be undone.",
		"learn.why.other":            "That did not go through: reload the page and try again.",
		"learn.c.skill_fit":          "Skill fit",
		"learn.c.distance":           "Distance",
		"learn.c.availability_slack": "Time to spare",
		"learn.c.reliability":        "Reliability",
		"learn.c.load":               "Load (fairness)",
		"learn.c.domain_preference":  "Domain preference",
	}
	for k, v := range zh {
		messages[langZH][k] = v
	}
	for k, v := range en {
		messages[langEN][k] = v
	}
}
