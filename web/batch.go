package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher"
)

// The batch plan page (flow 5, large events): engine.Batch's dry run for
// one need or for every open need of the organisation, as a table
// (volunteer masked, shift, score) with a summary (slots filled, the
// objective and its bound, whether it is exact, how the work is shared),
// and a commit button. The commit carries the plan's digest (the engine
// refuses it, writing nothing, when the plan changed since it was shown)
// and an idempotency key made when the page was shown (engine.Idempotent),
// so that a double submit commits once and the second gets the first's
// answer.

// maxPlanRows is the most placements the table shows (the summary counts
// them all).
const maxPlanRows = 300

// batchRow is a placement as the table shows it.
type batchRow struct {
	Name, Need, Shift, Score string
}

// batchData is the page.
type batchData struct {
	Need                              string // the need planned, "" for every open need
	Title                             string
	Max                               int
	Rows                              []batchRow
	More                              int // placements not in the table
	Planned                           int
	Free                              int
	Unfilled                          int
	Shifts                            int
	Vols                              int // distinct volunteers placed
	MostEach                          int // the most shifts one volunteer gets
	Eligible                          int
	Total, Objective, Bound, Fairness string
	Exact                             bool
	Digest, Key                       string
	Notice, Error                     string
	Committed                         int
	Job                               string
}

// batchRoutes registers the page and its commit.
func (s *Server) batchRoutes() {
	s.mux.Handle("GET /web/batch", s.page(socialWorkers, s.batchPage))
	s.mux.Handle("POST /web/batch", s.page(socialWorkers, s.batchCommit))
}

// batchRequest reads the plan asked for: ?need= (one of the
// organisation's) or every open need, and ?max= shifts per volunteer.
func batchRequest(need, maxEach string) (engine.BatchRequest, int) {
	req := engine.BatchRequest{AllOpen: need == ""}
	if need != "" {
		req.Needs = []string{need}
	}
	m, err := strconv.Atoi(maxEach)
	if err != nil || m < 1 || m > engine.MaxPerVolunteerLimit {
		m = 1
	}
	req.MaxPerVolunteer = m
	return req, m
}

func (s *Server) batchPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	notice := ""
	if n, err := strconv.Atoi(q.Get("committed")); err == nil && n >= 0 {
		notice = fmt.Sprintf(msg(r.lang, "batch.committed"), n)
	}
	if job := q.Get("job"); job != "" && volmatch.ValidID("job", job) == nil {
		notice = fmt.Sprintf(msg(r.lang, "batch.job"), job)
	}
	s.showBatch(w, r, http.StatusOK, q.Get("need"), q.Get("max"), notice, "")
}

// showBatch plans and renders the page.
func (s *Server) showBatch(w http.ResponseWriter, r *request, status int, need, maxEach, notice, errText string) {
	ctx := r.Context()
	if need != "" {
		if _, err := s.ownNeed(r, need); err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
	}
	req, m := batchRequest(need, maxEach)
	d := batchData{Need: need, Max: m, Notice: notice, Error: errText, Key: randomValue()[:40]}
	b, err := s.eng.Batch(ctx, r.tok, req)
	switch volmatch.ErrorCode(err) {
	case "":
	case volmatch.EINVALID, volmatch.ECONFLICT:
		d.Error = cmp.Or(d.Error, batchError(r.lang, err))
		s.render(w, r.Request, max(status, http.StatusUnprocessableEntity), "batch", r.view("batch.title", d))
		return
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	p := b.Plan
	d.Digest = engine.PlanDigest(p)
	d.Planned, d.Unfilled, d.Shifts, d.Eligible, d.Exact = len(p.Placements), p.Unfilled, len(p.Shifts), p.Eligible, p.Exact
	for _, sf := range p.Shifts {
		d.Free += sf.Free
	}
	d.Total, d.Objective, d.Bound = fmt.Sprintf("%.2f", p.Total), fmt.Sprintf("%.2f", p.Objective), fmt.Sprintf("%.2f", p.Bound)
	d.Fairness = fmt.Sprintf("%.2f", p.Total-p.Objective)
	each := map[string]int{}
	for _, pl := range p.Placements {
		each[pl.Volunteer]++
	}
	d.Vols = len(each)
	for _, k := range each {
		d.MostEach = max(d.MostEach, k)
	}
	needs := map[string]*volmatch.Need{}
	shiftLabel := func(needID, shiftID string) (string, string) {
		n, ok := needs[needID]
		if !ok {
			n, _ = s.eng.Need(ctx, r.tok, needID)
			needs[needID] = n
		}
		if n == nil {
			return needID, shiftID
		}
		if sh, ok := n.Shift(shiftID); ok {
			return n.Title, shiftText(r.lang, sh)
		}
		return n.Title, shiftID
	}
	if need != "" {
		d.Title, _ = shiftLabel(need, "")
	}
	rows := append([]matcher.Placement(nil), p.Placements...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Score > rows[j].Score })
	for i, pl := range rows {
		if i == maxPlanRows {
			d.More = len(rows) - i
			break
		}
		title, label := shiftLabel(pl.Need, pl.Shift)
		v, _ := s.eng.Volunteer(ctx, r.tok, pl.Volunteer)
		d.Rows = append(d.Rows, batchRow{Name: maskedName(r.lang, v), Need: title, Shift: label, Score: fmt.Sprintf("%.0f", pl.Score*100)})
	}
	s.render(w, r.Request, status, "batch", r.view("batch.title", d))
}

// batchAnswer is what a commit's idempotent answer keeps.
type batchAnswer struct {
	Committed int    `json:"committed"`
	Job       string `json:"job,omitempty"`
}

// batchCommit commits the plan reviewed, once per idempotency key.
func (s *Server) batchCommit(w http.ResponseWriter, r *request) {
	pf := r.PostForm
	need, maxEach := pf.Get("need"), pf.Get("max")
	if need != "" {
		if _, err := s.ownNeed(r, need); err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
	}
	req, m := batchRequest(need, maxEach)
	req.DryRun = new(false)
	req.Expect = pf.Get("digest")
	if req.Expect == "" {
		s.showBatch(w, r, http.StatusUnprocessableEntity, need, maxEach, "", msg(r.lang, "batch.err.digest"))
		return
	}
	body, _ := json.Marshal(map[string]any{"need": need, "max": m, "digest": req.Expect})
	ans, _, err := s.eng.Idempotent(r.Context(), r.tok, engine.IdempotentRequest{Key: pf.Get("key"), Route: "POST /web/batch", Body: body},
		func(ctx context.Context) (engine.Answer, error) {
			b, err := s.eng.Batch(ctx, r.tok, req)
			if err != nil {
				return engine.Answer{}, err
			}
			a := batchAnswer{Committed: len(b.Assignments)}
			loc := fmt.Sprintf("/web/batch?need=%s&max=%d&committed=%d", url.QueryEscape(need), m, a.Committed)
			if b.Job != nil {
				a.Job = b.Job.ID
				loc = fmt.Sprintf("/web/batch?need=%s&max=%d&job=%s", url.QueryEscape(need), m, url.QueryEscape(a.Job))
			}
			out, _ := json.Marshal(a)
			return engine.Answer{Status: http.StatusSeeOther, Location: loc, Body: out}, nil
		})
	switch volmatch.ErrorCode(err) {
	case "":
		http.Redirect(w, r.Request, ans.Location, http.StatusSeeOther)
	case volmatch.EINVALID, volmatch.ECONFLICT:
		s.showBatch(w, r, http.StatusConflict, need, maxEach, "", batchError(r.lang, err))
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
	}
}

// batchError is the engine's refusal of a plan or commit as a sentence.
func batchError(lang string, err error) string {
	switch {
	case volmatch.ErrorReason(err) == engine.ReasonPlanChanged:
		return msg(lang, "batch.err.changed")
	case volmatch.ErrorField(err) == "Idempotency-Key":
		return msg(lang, "batch.err.key")
	case volmatch.ErrorReason(err) == volmatch.ReasonNeedClosed:
		return msg(lang, "batch.err.closed")
	case volmatch.ErrorCode(err) == volmatch.ECONFLICT && volmatch.ErrorField(err) == "":
		return msg(lang, "batch.err.running")
	case volmatch.ErrorField(err) == "needs":
		return msg(lang, "batch.err.none")
	}
	return msg(lang, "batch.err.other")
}

func init() {
	for k, v := range map[string]string{
		"nav.batch":         "批量安排",
		"batch.title":       "批量安排志愿者",
		"batch.intro":       "系统按技能、距离和空闲时间为所有空缺岗位一次性求出最优安排。请先核对下表，再确认提交。",
		"batch.scope":       "安排范围",
		"batch.scope.all":   "本机构所有招募中的需求",
		"batch.max":         "每位志愿者最多安排班次数",
		"batch.replan":      "重新计算",
		"batch.summary":     "安排摘要",
		"batch.filled":      "可填补岗位",
		"batch.filled.v":    "%d / %d 个空缺",
		"batch.unfilled":    "仍空缺",
		"batch.vols":        "参与志愿者",
		"batch.vols.v":      "%d 人（每人最多 %d 个班次）",
		"batch.eligible":    "符合条件的人选组合",
		"batch.objective":   "总匹配分（扣除公平性成本后）",
		"batch.fairness":    "公平性成本",
		"batch.bound":       "理论上限",
		"batch.exact":       "最优性",
		"batch.exact.yes":   "已证明为最优安排",
		"batch.exact.no":    "近似最优（与上限的差距见上）",
		"batch.col.name":    "志愿者",
		"batch.col.need":    "需求",
		"batch.col.shift":   "班次",
		"batch.col.score":   "匹配分",
		"batch.more":        "另有 %d 条安排未列出。",
		"batch.empty":       "目前没有可安排的志愿者：空缺岗位没有符合条件的人选。",
		"batch.commit":      "确认并安排这 %d 位",
		"batch.commit.hint": "提交后志愿者即占用岗位；重复点击不会重复安排。",
		"batch.committed":   "已安排 %d 个岗位。",
		"batch.job":         "安排较多，正在后台分批写入（任务 %s）。",
		"batch.err.changed": "安排已变化（有人报名或名额变动），以下是重新计算的安排，请再次核对后提交。",
		"batch.err.key":     "此页面已用于另一次提交，请刷新后重试。",
		"batch.err.closed":  "该需求已结束，不能安排。",
		"batch.err.running": "上一次提交仍在处理，请稍后刷新页面。",
		"batch.err.none":    "本机构目前没有招募中的需求。",
		"batch.err.digest":  "请先查看安排再提交。",
		"batch.err.other":   "未能安排，请刷新页面后重试。",
		"batch.link":        "批量安排",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.batch":         "Batch plan",
		"batch.title":       "Batch assignment",
		"batch.intro":       "The best assignment of volunteers to every open slot at once, by skill, distance and free time. Check the table, then commit.",
		"batch.scope":       "Plan for",
		"batch.scope.all":   "every open need of our organisation",
		"batch.max":         "Most shifts per volunteer",
		"batch.replan":      "Plan again",
		"batch.summary":     "Summary",
		"batch.filled":      "Slots filled",
		"batch.filled.v":    "%d of %d free",
		"batch.unfilled":    "Left empty",
		"batch.vols":        "Volunteers",
		"batch.vols.v":      "%d (at most %d shifts each)",
		"batch.eligible":    "Eligible pairs",
		"batch.objective":   "Objective (score less fairness cost)",
		"batch.fairness":    "Fairness cost",
		"batch.bound":       "Upper bound",
		"batch.exact":       "Optimality",
		"batch.exact.yes":   "proved optimal",
		"batch.exact.no":    "near optimal (see the bound)",
		"batch.col.name":    "Volunteer",
		"batch.col.need":    "Need",
		"batch.col.shift":   "Shift",
		"batch.col.score":   "Score",
		"batch.more":        "%d more placements are not listed.",
		"batch.empty":       "Nobody can be placed now: no eligible volunteer for the free slots.",
		"batch.commit":      "Commit these %d placements",
		"batch.commit.hint": "Committing reserves the slots; pressing twice commits once.",
		"batch.committed":   "%d slots assigned.",
		"batch.job":         "A large commit: it is written in chunks in the background (job %s).",
		"batch.err.changed": "The plan changed (sign-ups or slots changed). Here is the new plan: check it and commit again.",
		"batch.err.key":     "This page was used for another commit; reload it and try again.",
		"batch.err.closed":  "The need has ended and cannot be planned.",
		"batch.err.running": "The previous commit is still running; reload the page in a moment.",
		"batch.err.none":    "Our organisation has no open need.",
		"batch.err.digest":  "Review the plan before committing.",
		"batch.err.other":   "Not assigned; reload the page and try again.",
		"batch.link":        "Batch plan",
	} {
		messages[langEN][k] = v
	}
}
