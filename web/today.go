package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"volmatch"
	"volmatch/engine"
)

// Run the day (flow 4, second half): the social worker's list of today's
// shifts of the organisation's needs (Beijing date of the engine's clock)
// with the volunteers holding their slots, and per assignment check-in,
// check-out with hours, no-show and a rating after completion. Each button
// is a POST that calls engine.Advance; the engine's refusal is shown in
// words beside the row.

// todayShift is a shift of today with its volunteers.
type todayShift struct {
	NeedID, Title, Place, Hours string
	Start, End                  time.Time
	Filled, Slots               int
	Rows                        []todayRow
}

// todayRow is an assignment as the page shows it.
type todayRow struct {
	ID, Name, Phone, Status, StatusKey string
	Dial                               bool // Phone is whole: a tel: link (a masked one is text)
	CheckIn, CheckOut                  string
	Hours                              string // recorded hours, "" when none
	DefaultHours                       string // the check-out field's value: the shift's length
	Rating                             int
	CanCheckIn, CanCheckOut, CanNoShow bool
	CanRate                            bool
	Error                              string
}

// todayData is the page.
type todayData struct {
	Date   string
	Shifts []todayShift
	Notice string
	Error  string // an error about an assignment not listed today
}

// todayRoutes registers the page and its steps.
func (s *Server) todayRoutes() {
	s.mux.Handle("GET /web/today", s.page(socialWorkers, s.todayPage))
	s.mux.Handle("POST /web/today/{id}/{step}", s.page(socialWorkers, s.todayStep))
}

func (s *Server) todayPage(w http.ResponseWriter, r *request) {
	notice := ""
	if k := r.URL.Query().Get("done"); k != "" {
		if _, ok := messages[langZH]["today.done."+k]; ok {
			notice = msg(r.lang, "today.done."+k)
		}
	}
	s.showToday(w, r, http.StatusOK, notice, "", "")
}

// showToday renders the page with a notice, or an error beside assignment
// id (above the list when it is not listed today).
func (s *Server) showToday(w http.ResponseWriter, r *request, status int, notice, id, errText string) {
	ctx := r.Context()
	now := s.eng.Now().In(volmatch.Beijing)
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, volmatch.Beijing)
	dayEnd := dayStart.AddDate(0, 0, 1)
	d := todayData{Date: dayStart.Format(msg(r.lang, "day.format")) + " " + weekdays[r.lang][dayStart.Weekday()], Notice: notice}
	ns, _, err := s.eng.Needs(ctx, r.tok, volmatch.NeedFilter{Org: r.tok.Org, ListOptions: volmatch.ListOptions{Limit: maxListed}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	names := map[string]*volmatch.Volunteer{}
	listed := false
	for _, n := range ns {
		for _, sh := range n.Shifts {
			if !sh.Start.Before(dayEnd) || sh.Start.Before(dayStart) {
				continue
			}
			ts := todayShift{NeedID: n.ID, Title: n.Title, Place: needPlace(n), Start: sh.Start, End: sh.End,
				Filled: sh.Filled, Slots: sh.Slots, Hours: hoursText(sh.End.Sub(sh.Start).Hours())}
			as, _, err := s.eng.Assignments(ctx, r.tok, volmatch.AssignmentFilter{Need: n.ID, Shift: sh.ID, ListOptions: volmatch.ListOptions{Limit: maxListed}})
			if err != nil {
				s.fail(w, r.Request, r.lang, err)
				return
			}
			for _, a := range as {
				if a.Status == volmatch.AssignCancelled {
					continue
				}
				v, ok := names[a.Volunteer]
				if !ok {
					v, err = s.eng.Volunteer(ctx, r.tok, a.Volunteer)
					if err != nil {
						v = nil
					}
					names[a.Volunteer] = v
				}
				row := todayRow{ID: a.ID, Name: msg(r.lang, "role.volunteer"), Status: msg(r.lang, "assign."+string(a.Status)),
					StatusKey: string(a.Status), Rating: a.Rating, DefaultHours: ts.Hours,
					CanCheckIn:  a.Status == volmatch.AssignReserved,
					CanNoShow:   a.Status == volmatch.AssignReserved,
					CanCheckOut: a.Status == volmatch.AssignCheckedIn,
					CanRate:     a.Status == volmatch.AssignCompleted && a.Rating == 0}
				if v != nil && v.Name != "" {
					row.Name, row.Phone = v.Name, v.Phone // as the engine's view allows (masked unless accepted and consented)
					row.Dial = row.Phone != "" && !strings.Contains(row.Phone, "*")
				}
				if !a.CheckIn.IsZero() {
					row.CheckIn = a.CheckIn.In(volmatch.Beijing).Format("15:04")
				}
				if !a.CheckOut.IsZero() {
					row.CheckOut = a.CheckOut.In(volmatch.Beijing).Format("15:04")
				}
				if a.Status == volmatch.AssignCompleted {
					row.Hours = hoursText(a.Hours)
				}
				if a.ID == id {
					row.Error, listed = errText, true
				}
				ts.Rows = append(ts.Rows, row)
			}
			d.Shifts = append(d.Shifts, ts)
		}
	}
	sort.SliceStable(d.Shifts, func(i, j int) bool { return d.Shifts[i].Start.Before(d.Shifts[j].Start) })
	if errText != "" && !listed {
		d.Error = errText
	}
	s.render(w, r.Request, status, "today", r.view("today.title", d))
}

// hoursText writes hours without trailing zeros (2, 1.5, 0.25).
func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// todaySteps are the steps the page posts, by the path's last segment.
var todaySteps = map[string]volmatch.StepKind{
	"checkin": volmatch.StepCheckIn, "checkout": volmatch.StepCheckOut,
	"noshow": volmatch.StepNoShow, "rate": volmatch.StepRate,
}

// todayStep takes one step of an assignment of the organisation.
func (s *Server) todayStep(w http.ResponseWriter, r *request) {
	id, name := r.PathValue("id"), r.PathValue("step")
	kind, ok := todaySteps[name]
	if !ok {
		s.status(w, r.Request, r.lang, http.StatusNotFound, "error.notfound")
		return
	}
	// Another organisation's assignment is not found, whatever the step.
	a, err := s.eng.Assignment(r.Context(), r.tok, id)
	if err == nil && a.Org != r.tok.Org {
		err = volmatch.Errorf(volmatch.ENOTFOUND, "assignment %s", id)
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	req := engine.StepRequest{Kind: kind}
	switch kind {
	case volmatch.StepCheckOut:
		h, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("hours")), 64)
		if err != nil || h <= 0 {
			s.showToday(w, r, http.StatusUnprocessableEntity, "", id, msg(r.lang, "today.err.hours"))
			return
		}
		req.Hours = h
	case volmatch.StepRate:
		n, err := strconv.Atoi(r.PostFormValue("rating"))
		if err != nil || n < 1 || n > 5 {
			s.showToday(w, r, http.StatusUnprocessableEntity, "", id, msg(r.lang, "today.err.rating"))
			return
		}
		req.Rating = n
	case volmatch.StepNoShow:
		req.Reason = msg(langZH, "today.noshow.reason")
	}
	_, err = s.eng.Advance(r.Context(), r.tok, id, req)
	switch code := volmatch.ErrorCode(err); code {
	case "":
		http.Redirect(w, r.Request, "/web/today?done="+url.QueryEscape(name), http.StatusSeeOther)
	case volmatch.EINVALID, volmatch.ECONFLICT:
		status := http.StatusUnprocessableEntity
		if code == volmatch.ECONFLICT {
			status = http.StatusConflict
		}
		s.showToday(w, r, status, "", id, stepError(r.lang, kind, a, volmatch.ErrorField(err), volmatch.ErrorReason(err)))
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
	}
}

// stepError is the engine's refusal of a step as a sentence a person acts
// on, told apart by the refusal's reason (volmatch.Error.Reason) and field,
// never by its English wording; the assignment's state for any other.
func stepError(lang string, kind volmatch.StepKind, a *volmatch.Assignment, field, reason string) string {
	switch {
	case reason == volmatch.ReasonCheckInWindow, kind == volmatch.StepCheckIn && field == "at":
		open := a.Start.Add(-volmatch.CheckInEarly).In(volmatch.Beijing)
		return fmt.Sprintf(msg(lang, "today.err.window"), open.Format(msg(lang, "day.format"))+" "+open.Format("15:04"),
			a.End.In(volmatch.Beijing).Format("15:04"))
	case reason == volmatch.ReasonHoursOverShift, kind == volmatch.StepCheckOut && field == "hours":
		return fmt.Sprintf(msg(lang, "today.err.hours.long"), hoursText(a.End.Sub(a.Start).Hours()))
	case reason == volmatch.ReasonCheckOutWindow:
		return msg(lang, "today.err.late")
	case reason == volmatch.ReasonCheckOutEarly, kind == volmatch.StepCheckOut && field == "at":
		return msg(lang, "today.err.before")
	case reason == volmatch.ReasonAlreadyRated:
		return msg(lang, "today.err.rated")
	case field == "rating":
		return msg(lang, "today.err.rating")
	}
	return fmt.Sprintf(msg(lang, "today.err.state"), msg(lang, "assign."+string(a.Status)))
}

// parseTodayPage parses the page's template with the layout into pages.
func parseTodayPage(pages map[string]*template.Template, funcs template.FuncMap) {
	pages["today"] = template.Must(template.New("today").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/today.html"))
}

func init() {
	for k, v := range map[string]string{
		"nav.today":            "今日服务",
		"today.title":          "今日服务",
		"today.date":           "日期：%s（北京时间）",
		"today.empty":          "今天没有本机构的服务班次。",
		"today.none":           "这个班次还没有志愿者报名。",
		"today.slots":          "%d/%d 人",
		"today.col.name":       "志愿者",
		"today.col.status":     "状态",
		"today.col.times":      "签到/签退",
		"today.col.actions":    "操作",
		"today.checkin":        "签到",
		"today.checkout":       "签退",
		"today.hours":          "服务时长（小时）",
		"today.noshow":         "未到",
		"today.rate":           "评分",
		"today.rating":         "评分（1–5 星）",
		"today.rated":          "已评分：%d 星",
		"today.recorded":       "已记录 %s 小时",
		"today.noshow.reason":  "社工在今日服务页标记未到",
		"today.done.checkin":   "已签到。",
		"today.done.checkout":  "已签退，服务时长已记录。",
		"today.done.noshow":    "已标记为未到。",
		"today.done.rate":      "已评分，谢谢。",
		"today.err.window":     "现在不能签到：签到时间为 %s 至 %s（班次开始前 2 小时到结束）。",
		"today.err.hours":      "请填写服务时长（小时），例如 2 或 1.5。",
		"today.err.hours.long": "服务时长不能超过班次时长 %s 小时。",
		"today.err.late":       "已超过签退时限（班次结束后 6 小时内）。请联系管理员补录。",
		"today.err.before":     "签退时间不能早于签到时间。",
		"today.err.rating":     "请选择 1 到 5 星的评分。",
		"today.err.rated":      "这次服务已经评过分了。",
		"today.err.state":      "此操作未完成：该志愿者当前状态为“%s”。请刷新页面后再试。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.today":            "Today",
		"today.title":          "Today's shifts",
		"today.date":           "Date: %s (Beijing time)",
		"today.empty":          "Your organisation has no shifts today.",
		"today.none":           "No volunteer holds a slot of this shift yet.",
		"today.slots":          "%d/%d people",
		"today.col.name":       "Volunteer",
		"today.col.status":     "Status",
		"today.col.times":      "In/out",
		"today.col.actions":    "Actions",
		"today.checkin":        "Check in",
		"today.checkout":       "Check out",
		"today.hours":          "Hours served",
		"today.noshow":         "Did not come",
		"today.rate":           "Rate",
		"today.rating":         "Rating (1–5 stars)",
		"today.rated":          "Rated: %d stars",
		"today.recorded":       "%s hours recorded",
		"today.done.checkin":   "Checked in.",
		"today.done.checkout":  "Checked out; the hours are recorded.",
		"today.done.noshow":    "Marked as not come.",
		"today.done.rate":      "Rated, thank you.",
		"today.err.window":     "Check-in is not open now: it is open from %s to %s (2 hours before the shift to its end).",
		"today.err.hours":      "Enter the hours served, such as 2 or 1.5.",
		"today.err.hours.long": "The hours may not exceed the shift's %s hours.",
		"today.err.late":       "The check-out deadline (6 hours after the shift) has passed. Ask an administrator to record it.",
		"today.err.before":     "The check-out may not be before the check-in.",
		"today.err.rating":     "Choose a rating from 1 to 5 stars.",
		"today.err.rated":      "This service is rated already.",
		"today.err.state":      "Not done: the volunteer is now \"%s\". Reload the page and try again.",
	} {
		messages[langEN][k] = v
	}
}
