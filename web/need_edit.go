package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"volmatch"
)

// Edit a need (flow 1 again): the form of a new need, filled in from the
// stored need, posting to engine.UpdateNeed; and closing (no more
// matches, invitations or accepts; engine.CloseNeed) or cancelling it.
// Only the owning organisation's social workers reach these pages: another
// organisation's need is not found (404), so that the pages do not tell
// which needs exist. What the form does not show (the recipient's wishes,
// approval, languages, insurance, skill levels) is kept as stored; a shift
// that holds volunteers cannot be removed, moved or given fewer slots than
// it holds, and the engine's refusal is shown beside the form.

// editRoutes registers the edit pages.
func (s *Server) editRoutes() {
	s.mux.Handle("GET /web/needs/{id}/edit", s.page(socialWorkers, s.editNeedForm))
	s.mux.Handle("POST /web/needs/{id}/edit", s.page(socialWorkers, s.updateNeed))
	s.mux.Handle("POST /web/needs/{id}/close", s.page(socialWorkers, s.endNeed(volmatch.NeedClosed)))
	s.mux.Handle("POST /web/needs/{id}/cancel", s.page(socialWorkers, s.endNeed(volmatch.NeedCancelled)))
}

// ownNeed returns need id of the caller's organisation: ENOTFOUND for
// another organisation's.
func (s *Server) ownNeed(r *request, id string) (*volmatch.Need, error) {
	n, err := s.eng.Need(r.Context(), r.tok, id)
	if err == nil && n.Org != r.tok.Org {
		err = volmatch.Errorf(volmatch.ENOTFOUND, "need %s", id)
	}
	return n, notFoundIfForbidden(err)
}

// editNeedForm shows the form filled in from the need, with one empty row
// for a new shift.
func (s *Server) editNeedForm(w http.ResponseWriter, r *request) {
	n, err := s.ownNeed(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.renderNeedForm(w, r, http.StatusOK, formOf(n))
}

// formOf is the form filled in from n.
func formOf(n *volmatch.Need) *needForm {
	f := &needForm{
		Title: n.Title, Description: n.Description, Domain: n.Domain, District: n.District, Street: n.Street,
		Target: n.TargetGroup, Mode: string(n.Mode),
		Lat: strconv.FormatFloat(n.Point.Lat, 'f', -1, 64), Lng: strconv.FormatFloat(n.Point.Lng, 'f', -1, 64),
		Radius:       strconv.FormatFloat(n.RadiusKm, 'f', -1, 64),
		Certificates: n.Requires.Certificates, Trainings: n.Requires.Trainings,
		Action: "/web/needs/" + url.PathEscape(n.ID) + "/edit", Need: n,
	}
	if n.Urgency == volmatch.UrgencyEmergency {
		f.Mode = formEmergency
	}
	for _, sl := range n.Requires.Skills {
		f.Skills = append(f.Skills, sl.Skill)
	}
	for i, sh := range n.Shifts {
		st, en := sh.Start.In(volmatch.Beijing), sh.End.In(volmatch.Beijing)
		f.Shifts = append(f.Shifts, shiftInput{N: i + 1, ID: sh.ID, Date: st.Format("2006-01-02"), Start: st.Format("15:04"),
			End: en.Format("15:04"), Slots: strconv.Itoa(sh.Slots)})
	}
	if len(f.Shifts) < maxShiftRows {
		f.Shifts = append(f.Shifts, shiftInput{N: len(f.Shifts) + 1})
	}
	return f
}

// updateNeed writes the edited need; a field at fault (or a shift that
// holds volunteers changed) shows the form again with the error, and
// nothing is written.
func (s *Server) updateNeed(w http.ResponseWriter, r *request) {
	old, err := s.ownNeed(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	f := readNeedForm(r.PostForm)
	f.Action, f.Need = "/web/needs/"+url.PathEscape(old.ID)+"/edit", old
	n := f.need(r.lang, old)
	if len(f.Errors) == 0 {
		_, err := s.eng.UpdateNeed(r.Context(), r.tok, old.ID, n)
		switch volmatch.ErrorCode(err) {
		case "":
			http.Redirect(w, r.Request, "/web/needs/"+url.PathEscape(old.ID)+"?updated=1", http.StatusSeeOther)
			return
		case volmatch.EINVALID:
			field, text := formError(r.lang, volmatch.ErrorField(err), volmatch.ErrorReason(err))
			f.Errors[field] = text
		case volmatch.ECONFLICT:
			f.Errors["form"] = msg(r.lang, "edit.err.held")
		default:
			s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
			return
		}
	}
	s.renderNeedForm(w, r, http.StatusUnprocessableEntity, f)
}

// endNeed closes or cancels the need.
func (s *Server) endNeed(to volmatch.NeedStatus) func(http.ResponseWriter, *request) {
	return func(w http.ResponseWriter, r *request) {
		n, err := s.ownNeed(r, r.PathValue("id"))
		if err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
		if to == volmatch.NeedClosed {
			_, err = s.eng.CloseNeed(r.Context(), r.tok, n.ID)
		} else if n.Status != volmatch.NeedCancelled {
			n.Status = volmatch.NeedCancelled
			_, err = s.eng.UpdateNeed(r.Context(), r.tok, n.ID, n)
		}
		if err != nil {
			s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
			return
		}
		http.Redirect(w, r.Request, fmt.Sprintf("/web/needs?ended=%s", url.QueryEscape(string(to))), http.StatusSeeOther)
	}
}

func init() {
	for k, v := range map[string]string{
		"edit.title":            "修改需求",
		"edit.status":           "当前状态：%s。已有志愿者的班次不能删除、改时间或减少到少于已报名人数。",
		"edit.submit":           "保存修改",
		"edit.back":             "返回需求",
		"edit.end":              "结束需求",
		"edit.end.hint":         "结束后不再推荐、邀请或接受报名；已安排的志愿者仍照常服务。",
		"edit.close":            "结束招募（关闭需求）",
		"edit.cancel":           "取消需求",
		"edit.err.held":         "未保存：已有志愿者的班次不能删除、改时间，人数也不能少于已报名的人数。",
		"edit.link":             "修改",
		"edit.updated":          "需求已保存。",
		"needs.ended.closed":    "需求已关闭。",
		"needs.ended.cancelled": "需求已取消。",
		"form.who":              "所需技能、证书与培训",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"edit.title":            "Edit the need",
		"edit.status":           "Status: %s. A shift that volunteers hold cannot be removed, moved or given fewer slots than they hold.",
		"edit.submit":           "Save",
		"edit.back":             "Back to the need",
		"edit.end":              "End the need",
		"edit.end.hint":         "Once ended, nobody is suggested, invited or signed up; volunteers already placed serve as planned.",
		"edit.close":            "Stop recruiting (close)",
		"edit.cancel":           "Cancel the need",
		"edit.err.held":         "Not saved: a shift that volunteers hold cannot be removed or moved, nor get fewer slots than they hold.",
		"edit.link":             "Edit",
		"edit.updated":          "The need is saved.",
		"needs.ended.closed":    "The need is closed.",
		"needs.ended.cancelled": "The need is cancelled.",
		"form.who":              "Skills, certificates and trainings needed",
	} {
		messages[langEN][k] = v
	}
}

func init() {
	for k, v := range map[string]string{
		"needs.fill.total": "未结束班次已报名 %d / %d 人",
		"needs.ended":      "已结束",
		"needs.col.when":   "时间",
		"needs.col.filled": "已报名/名额",
		"needs.col.state":  "状态",
		"needs.col.bar":    "进度",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"needs.fill.total": "%d of %d slots filled in shifts not yet over",
		"needs.ended":      "Over",
		"needs.col.when":   "When",
		"needs.col.filled": "Filled/slots",
		"needs.col.state":  "State",
		"needs.col.bar":    "Progress",
	} {
		messages[langEN][k] = v
	}
}
