package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher"
)

// The dispatch wave page (flow 6, emergencies, 应急动员): for an emergency
// need of the organisation, the next wave as the engine would send it now
// (engine.NextWave) with its reach — how many it asks, from which tier
// (street, district, city), how near and how far they live (to about a
// kilometre), how many eligible volunteers are left after it — and a
// button that sends it (engine.Dispatch, which plans again: what is sent is
// what the notice then says).

// tiers are the dispatch tiers in the order they are asked.
var tiers = []string{matcher.TierStreet, matcher.TierDistrict, matcher.TierCity}

// tierCount is a tier's eligible volunteers not yet asked.
type tierCount struct {
	Name  string
	Count int
	Next  bool // the next wave's tier
}

// dispatchData is the page.
type dispatchData struct {
	Need              *volmatch.Need
	Place             string
	Shifts            []choice
	Shift             string
	Size              int
	Free              int
	Done              bool
	Tier              string
	Wave              int
	Count             int
	Nearest, Farthest string
	Tiers             []tierCount
	Remaining         int
	Notice, Error     string
	Emergency         bool
	// Teams are the standing emergency teams a team wave asks (team.go).
	Teams []string
}

// dispatchRoutes registers the page and its send.
func (s *Server) dispatchRoutes() {
	s.mux.Handle("GET /web/needs/{id}/dispatch", s.page(socialWorkers, s.dispatchPage))
	s.mux.Handle("POST /web/needs/{id}/dispatch", s.page(socialWorkers, s.dispatchSend))
}

// waveRequest reads the wave asked for: ?shift= and ?size= (the default
// size when absent or out of range).
func waveRequest(shift, size string) engine.DispatchRequest {
	n, err := strconv.Atoi(strings.TrimSpace(size))
	if err != nil || n < 1 || n > engine.MaxWaveSize {
		n = engine.DefaultWaveSize
	}
	return engine.DispatchRequest{Shift: shift, WaveSize: n}
}

func (s *Server) dispatchPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	notice := ""
	if n, err := strconv.Atoi(q.Get("sent")); err == nil && n >= 0 {
		notice = fmt.Sprintf(msg(r.lang, "wave.sent"), n, tierName(r.lang, q.Get("tier")))
	}
	s.showDispatch(w, r, http.StatusOK, waveRequest(q.Get("shift"), q.Get("size")), notice, "")
}

// showDispatch renders the next wave of the need.
func (s *Server) showDispatch(w http.ResponseWriter, r *request, status int, req engine.DispatchRequest, notice, errText string) {
	n, err := s.ownNeed(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	if _, ok := n.Shift(req.Shift); !ok {
		req.Shift = ""
	}
	d := dispatchData{Need: n, Place: needPlace(n), Size: req.WaveSize, Notice: notice, Error: errText,
		Emergency: n.Urgency == volmatch.UrgencyEmergency}
	d.Shifts = []choice{{Value: "", Label: msg(r.lang, "wave.shift.first"), Selected: req.Shift == ""}}
	for _, sh := range n.Shifts {
		d.Shifts = append(d.Shifts, choice{Value: sh.ID, Label: shiftText(r.lang, sh), Selected: sh.ID == req.Shift})
	}
	if !d.Emergency {
		d.Error = cmp.Or(d.Error, msg(r.lang, "wave.err.urgency"))
		s.render(w, r.Request, max(status, http.StatusUnprocessableEntity), "dispatch", r.view("wave.title", d))
		return
	}
	p, err := s.eng.NextWave(r.Context(), r.tok, n.ID, req)
	switch volmatch.ErrorCode(err) {
	case "":
	case volmatch.EINVALID, volmatch.ECONFLICT:
		d.Error = cmp.Or(d.Error, waveError(r.lang, err))
		s.render(w, r.Request, max(status, http.StatusUnprocessableEntity), "dispatch", r.view("wave.title", d))
		return
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	d.Shift, d.Free, d.Done, d.Tier, d.Wave, d.Count, d.Remaining = p.Shift, p.Free, p.Done, tierName(r.lang, p.Tier), p.Wave, len(p.Volunteers), p.Remaining
	for _, tm := range p.Teams {
		d.Count += tm.Members
		d.Teams = append(d.Teams, tm.Name+" · "+fmt.Sprintf(msg(r.lang, "team.members"), tm.Members))
	}
	if len(p.Volunteers) > 0 {
		d.Nearest = fmt.Sprintf(msg(r.lang, "menu.km"), volmatch.DisplayKm(p.NearestKm))
		d.Farthest = fmt.Sprintf(msg(r.lang, "menu.km"), volmatch.DisplayKm(p.FarthestKm))
	}
	for _, t := range tiers {
		d.Tiers = append(d.Tiers, tierCount{Name: tierName(r.lang, t), Count: p.Eligible[t], Next: t == p.Tier})
	}
	s.render(w, r.Request, status, "dispatch", r.view("wave.title", d))
}

// dispatchSend sends the next wave.
func (s *Server) dispatchSend(w http.ResponseWriter, r *request) {
	req := waveRequest(r.PostFormValue("shift"), r.PostFormValue("size"))
	n, err := s.ownNeed(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	wave, err := s.eng.Dispatch(r.Context(), r.tok, n.ID, req)
	switch volmatch.ErrorCode(err) {
	case "":
		http.Redirect(w, r.Request, fmt.Sprintf("/web/needs/%s/dispatch?shift=%s&size=%d&sent=%d&tier=%s", url.PathEscape(n.ID),
			url.QueryEscape(req.Shift), req.WaveSize, len(wave.Invitations), url.QueryEscape(wave.Tier)), http.StatusSeeOther)
	case volmatch.EINVALID, volmatch.ECONFLICT:
		s.showDispatch(w, r, http.StatusConflict, req, "", waveError(r.lang, err))
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
	}
}

// tierName is a tier's name in lang ("" for none).
func tierName(lang, tier string) string {
	if t, ok := strings.CutPrefix(tier, "team:"); ok {
		return msg(lang, "team.tier."+t)
	}
	for _, t := range tiers {
		if t == tier {
			return msg(lang, "wave.tier."+t)
		}
	}
	return ""
}

// waveError is the engine's refusal of a wave as a sentence.
func waveError(lang string, err error) string {
	switch {
	case volmatch.ErrorField(err) == "urgency":
		return msg(lang, "wave.err.urgency")
	case volmatch.ErrorReason(err) == volmatch.ReasonShiftBegun:
		return msg(lang, "wave.err.begun")
	case volmatch.ErrorReason(err) == volmatch.ReasonNeedClosed:
		return msg(lang, "batch.err.closed")
	case volmatch.ErrorCode(err) == volmatch.ECONFLICT:
		return msg(lang, "wave.err.conflict")
	}
	return msg(lang, "batch.err.other")
}

func init() {
	for k, v := range map[string]string{
		"wave.title":         "应急动员",
		"wave.intro":         "按距离由近及远分批通知：先本街道，再本区，再全市，直到名额满员或无人可通知。",
		"wave.shift":         "班次",
		"wave.shift.first":   "第一个未满的班次",
		"wave.size":          "每批通知人数",
		"wave.update":        "更新",
		"wave.next":          "下一批（第 %d 批）",
		"wave.reach":         "通知范围",
		"wave.count":         "通知人数",
		"wave.count.v":       "%d 人",
		"wave.tier":          "层级",
		"wave.near":          "最近",
		"wave.far":           "最远",
		"wave.free":          "空缺名额",
		"wave.left":          "此批之后仍可通知",
		"wave.left.v":        "%d 人",
		"wave.tiers":         "各层级尚未通知的合格志愿者",
		"wave.send":          "发送第 %d 批通知（%d 人）",
		"wave.send.hint":     "发送后志愿者会收到邀请；实际发送的名单以发送时为准。",
		"wave.done":          "没有下一批：名额已满，或可通知的志愿者已全部通知。",
		"wave.sent":          "已向%[2]s层级的 %[1]d 位志愿者发出通知。",
		"wave.tier.street":   "本街道",
		"wave.tier.district": "本区",
		"wave.tier.city":     "全市",
		"wave.err.urgency":   "只有“应急动员”方式的需求可以分批通知。请在修改需求中选择应急动员。",
		"wave.err.begun":     "该班次已经开始，不能再通知。",
		"wave.err.conflict":  "另一批通知刚刚发出，请刷新页面查看下一批。",
		"wave.link":          "应急动员",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"wave.title":         "Emergency dispatch",
		"wave.intro":         "Volunteers are asked nearest first, in waves: the street, then the district, then the city, until the slots are filled or nobody is left.",
		"wave.shift":         "Shift",
		"wave.shift.first":   "The first shift with free slots",
		"wave.size":          "People per wave",
		"wave.update":        "Update",
		"wave.next":          "Next wave (wave %d)",
		"wave.reach":         "Reach",
		"wave.count":         "People asked",
		"wave.count.v":       "%d",
		"wave.tier":          "Tier",
		"wave.near":          "Nearest",
		"wave.far":           "Farthest",
		"wave.free":          "Free slots",
		"wave.left":          "Left to ask after it",
		"wave.left.v":        "%d",
		"wave.tiers":         "Eligible volunteers not yet asked, by tier",
		"wave.send":          "Send wave %d (%d people)",
		"wave.send.hint":     "Sending invites them; the list sent is the one at the moment of sending.",
		"wave.done":          "No wave is left: the slots are filled or every eligible volunteer was asked.",
		"wave.sent":          "%d volunteers of the %s tier were asked.",
		"wave.tier.street":   "street",
		"wave.tier.district": "district",
		"wave.tier.city":     "city",
		"wave.err.urgency":   "Only a need of the emergency mode is dispatched in waves. Choose emergency in the need's form.",
		"wave.err.begun":     "The shift has begun; nobody more is asked.",
		"wave.err.conflict":  "Another wave was just sent; reload the page for the next.",
		"wave.link":          "Dispatch",
	} {
		messages[langEN][k] = v
	}
}
