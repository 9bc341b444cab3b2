package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/geo"
	"volmatch/scoring"
)

// The social worker's pages: post a need through a form (flow 1) and read
// its ranked, explained matches, inviting one, some or the top n (flows 2
// and 4). Every rule is the engine's: the form only turns fields into a
// volmatch.Need and the engine's field errors into Chinese sentences
// beside the fields.

// socialWorkers post needs: a need belongs to the poster's organisation,
// which an admin's token does not have.
var socialWorkers = roles{volmatch.RoleSocialWorker}

// shiftRows is how many shift rows the new-need form offers (the first
// required); the edit form offers one more than the need has.
const shiftRows = 2

// maxShiftRows bounds the rows a form may post (the form's hidden "rows").
const maxShiftRows = 50

// Modes of the form: the need's mode, emergency being a concentrated need
// of emergency urgency (应急动员).
const formEmergency = "emergency"

var formModes = []string{string(volmatch.ModeMenu), string(volmatch.ModeConcentrated), string(volmatch.ModePairing), formEmergency}

// defaultRadiusKm is the recruiting radius the form starts with.
const defaultRadiusKm = 5

// choice is a choice of a select.
type choice struct {
	Value, Label string
	Selected     bool
}

// choiceGroup is a labelled group of options.
type choiceGroup struct {
	Label   string
	Options []choice
}

// shiftInput is one shift row of the form as typed.
type shiftInput struct {
	N                       int    // 1-based
	ID                      string // the shift's ID when editing ("" for a new row)
	Date, Start, End, Slots string
}

// needForm is the form's values and its errors by field name.
type needForm struct {
	Title, Description, Domain, District, Street, Target, Mode string
	Lat, Lng, Radius                                           string
	Skills, Certificates, Trainings                            []string
	Shifts                                                     []shiftInput
	Errors                                                     map[string]string
	// Lists to choose from.
	Domains, Districts, Targets, Modes []choice
	Streets                            []choiceGroup
	// Pickers are the taxonomy pickers: skills, certificates, trainings.
	Pickers []picker
	// Action is where the form posts; Need the need edited (nil when new).
	Action string
	Need   *volmatch.Need
}

// err returns the error of field name ("" when none), for the template.
func (f *needForm) Err(name string) string { return f.Errors[name] }

// newNeedForm shows the empty form.
func (s *Server) newNeedForm(w http.ResponseWriter, r *request) {
	f := &needForm{Mode: string(volmatch.ModeConcentrated), Target: volmatch.TargetElderly, Radius: strconv.Itoa(defaultRadiusKm),
		Shifts: make([]shiftInput, shiftRows)}
	for i := range f.Shifts {
		f.Shifts[i].N = i + 1
	}
	f.Shifts[0].Slots = "1"
	s.renderNeedForm(w, r, http.StatusOK, f)
}

// renderNeedForm renders f with its choice lists.
func (s *Server) renderNeedForm(w http.ResponseWriter, r *request, status int, f *needForm) {
	lang := r.lang
	tax := s.eng.Taxonomy()
	f.Domains = []choice{{Value: "", Label: msg(lang, "form.choose")}}
	for _, d := range tax.Domains() {
		f.Domains = append(f.Domains, choice{Value: d.Key, Label: termName(lang, d.Name, d.NameEN), Selected: d.Key == f.Domain})
	}
	f.Pickers = []picker{
		newPicker(tax, lang, kindSkill, "skills", f.Skills, f.Err("skills")),
		newPicker(tax, lang, kindCertificate, "certificates", f.Certificates, f.Err("certificates")),
		newPicker(tax, lang, kindTraining, "trainings", f.Trainings, f.Err("trainings")),
	}
	if f.Action == "" {
		f.Action = "/web/needs/new"
	}
	city := geo.Beijing()
	f.Districts = []choice{{Value: "", Label: msg(lang, "form.choose")}}
	f.Streets = nil
	for _, d := range city.Districts() {
		f.Districts = append(f.Districts, choice{Value: d.Code, Label: d.Name, Selected: d.Code == f.District})
		g := choiceGroup{Label: d.Name}
		for _, st := range city.StreetsIn(d.Code) {
			g.Options = append(g.Options, choice{Value: st.Code, Label: st.Name, Selected: st.Code == f.Street})
		}
		f.Streets = append(f.Streets, g)
	}
	f.Targets = nil
	for _, k := range []string{volmatch.TargetElderly, volmatch.TargetChildren, volmatch.TargetDisabled, volmatch.TargetDifficult, volmatch.TargetResidents} {
		f.Targets = append(f.Targets, choice{Value: k, Label: msg(lang, "target."+k), Selected: k == f.Target})
	}
	f.Modes = nil
	for _, m := range formModes {
		f.Modes = append(f.Modes, choice{Value: m, Label: msg(lang, "form.mode."+m), Selected: m == f.Mode})
	}
	title := "form.title"
	if f.Need != nil {
		title = "edit.title"
	}
	s.render(w, r.Request, status, "need_form", r.view(title, f))
}

// termName is a taxonomy name in lang.
func termName(lang, zh, en string) string {
	if lang == langEN && en != "" {
		return en
	}
	return zh
}

// postNeed reads the form, posts the need and sends the social worker to
// its matches; a field at fault shows the form again with the error beside
// it, and nothing is written.
func (s *Server) postNeed(w http.ResponseWriter, r *request) {
	f := readNeedForm(r.PostForm)
	n := f.need(r.lang, nil)
	if len(f.Errors) == 0 {
		_, err := s.eng.PostNeed(r.Context(), r.tok, n)
		if volmatch.ErrorCode(err) == volmatch.EINVALID {
			field, text := formError(r.lang, volmatch.ErrorField(err), volmatch.ErrorReason(err))
			f.Errors[field] = text
		} else if err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		} else {
			http.Redirect(w, r.Request, "/web/needs/"+url.PathEscape(n.ID), http.StatusSeeOther)
			return
		}
	}
	s.renderNeedForm(w, r, http.StatusUnprocessableEntity, f)
}

// readNeedForm reads the posted form: its rows of shifts (the hidden
// "rows", shiftRows when absent, at most maxShiftRows) and each chosen
// taxonomy key once.
func readNeedForm(pf url.Values) *needForm {
	f := &needForm{
		Title: strings.TrimSpace(pf.Get("title")), Description: strings.TrimSpace(pf.Get("description")),
		Domain: pf.Get("domain"), District: pf.Get("district"), Street: pf.Get("street"),
		Target: pf.Get("target_group"), Mode: pf.Get("mode"),
		Lat: strings.TrimSpace(pf.Get("lat")), Lng: strings.TrimSpace(pf.Get("lng")), Radius: strings.TrimSpace(pf.Get("radius_km")),
		Skills: distinct(pf["skills"]), Certificates: distinct(pf["certificates"]), Trainings: distinct(pf["trainings"]),
		Errors: map[string]string{},
	}
	rows, err := strconv.Atoi(pf.Get("rows"))
	if err != nil || rows < 1 {
		rows = shiftRows
	}
	f.Shifts = make([]shiftInput, min(rows, maxShiftRows))
	for i := range f.Shifts {
		p := fmt.Sprintf("shift%d_", i)
		f.Shifts[i] = shiftInput{N: i + 1, ID: pf.Get(p + "id"), Date: pf.Get(p + "date"), Start: pf.Get(p + "start"), End: pf.Get(p + "end"), Slots: strings.TrimSpace(pf.Get(p + "slots"))}
	}
	return f
}

// distinct returns the non-empty values of vs, each once, in order.
func distinct(vs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vs {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// need builds the need of the form over base (the stored need when
// editing: what the form does not show is kept; nil for a new need),
// recording in f.Errors what cannot be read (a date, a time, a number);
// the engine checks the rest.
func (f *needForm) need(lang string, base *volmatch.Need) *volmatch.Need {
	n := &volmatch.Need{ID: engine.NewID("n")}
	if base != nil {
		c := *base
		n = &c
		n.Shifts, n.Requires.Skills = nil, nil
	}
	n.Title, n.Description, n.Domain = f.Title, f.Description, f.Domain
	n.TargetGroup, n.District, n.Street = f.Target, f.District, f.Street
	n.Mode, n.Urgency = volmatch.Mode(f.Mode), volmatch.UrgencyNormal
	n.Requires.Certificates, n.Requires.Trainings = f.Certificates, f.Trainings
	if f.Mode == formEmergency {
		n.Mode, n.Urgency = volmatch.ModeConcentrated, volmatch.UrgencyEmergency
	} else if base != nil && base.Urgency == volmatch.UrgencyUrgent {
		n.Urgency = base.Urgency // the form has no choice of "urgent": keep it
	}
	switch {
	case f.Title == "":
		f.Errors["title"] = msg(lang, "ferr.title")
	}
	if f.Domain == "" {
		f.Errors["domain"] = msg(lang, "ferr.domain")
	}
	if f.District == "" {
		f.Errors["district"] = msg(lang, "ferr.district")
	}
	if f.Street == "" {
		f.Errors["street"] = msg(lang, "ferr.street")
	} else if st, ok := geo.Beijing().Street(f.Street); ok {
		n.Point = st.Point
	}
	if f.Lat != "" || f.Lng != "" {
		lat, err1 := strconv.ParseFloat(f.Lat, 64)
		lng, err2 := strconv.ParseFloat(f.Lng, 64)
		if err1 != nil || err2 != nil {
			f.Errors["lat"] = msg(lang, "ferr.point")
		} else {
			n.Point = volmatch.Point{Lat: lat, Lng: lng}
		}
	}
	n.RadiusKm = defaultRadiusKm
	if f.Radius != "" {
		km, err := strconv.ParseFloat(f.Radius, 64)
		if err != nil || km <= 0 || km > 200 {
			f.Errors["radius_km"] = msg(lang, "ferr.radius")
		}
		n.RadiusKm = km
	}
	for i, in := range f.Shifts {
		p := fmt.Sprintf("shift%d_", i)
		if i > 0 && in.Date == "" && in.Start == "" && in.End == "" && in.ID == "" {
			continue // an optional row left empty
		}
		day, err := time.ParseInLocation("2006-01-02", in.Date, volmatch.Beijing)
		if err != nil {
			f.Errors[p+"date"] = msg(lang, "ferr.date")
		}
		start, errS := clockOn(day, in.Start)
		if errS != nil {
			f.Errors[p+"start"] = msg(lang, "ferr.start")
		}
		end, errE := clockOn(day, in.End)
		if errE != nil {
			f.Errors[p+"end"] = msg(lang, "ferr.end")
		}
		slots, err := strconv.Atoi(in.Slots)
		if err != nil || slots < 1 {
			f.Errors[p+"slots"] = msg(lang, "ferr.slots")
		}
		n.Shifts = append(n.Shifts, volmatch.Shift{ID: cmp.Or(in.ID, f.newShiftID(i)), Start: start, End: end, Slots: slots})
	}
	levels := map[string]int{}
	if base != nil {
		for _, sl := range base.Requires.Skills {
			levels[sl.Skill] = sl.Level // a level chosen before is kept
		}
	}
	for _, k := range f.Skills {
		n.Requires.Skills = append(n.Requires.Skills, volmatch.SkillLevel{Skill: k, Level: max(levels[k], 1)})
	}
	return n
}

// newShiftID is the ID of a new shift in row i: "s" and the row's number,
// or past every ID the form holds when that is taken (an edited need).
func (f *needForm) newShiftID(i int) string {
	taken := map[string]bool{}
	for _, in := range f.Shifts {
		taken[in.ID] = true
	}
	for k := i + 1; ; k++ {
		if id := fmt.Sprintf("s%d", k); !taken[id] {
			return id
		}
	}
}

// clockOn returns day at the "15:04" clock time hm, Beijing time.
func clockOn(day time.Time, hm string) (time.Time, error) {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, volmatch.Beijing), nil
}

// formError maps an engine field error (field such as "shifts[0].end",
// and its reason, volmatch.Error.Reason, never its English wording) to the
// form field it belongs beside and a sentence a person acts on.
func formError(lang, field, reason string) (string, string) {
	var i int
	var sub string
	if _, err := fmt.Sscanf(strings.Replace(field, "].", "] ", 1), "shifts[%d] %s", &i, &sub); err == nil && i >= 0 && i < maxShiftRows {
		p := fmt.Sprintf("shift%d_", i)
		switch {
		case sub == "end" && reason == volmatch.ReasonEndBeforeStart:
			return p + "end", msg(lang, "ferr.end.before")
		case sub == "end" && reason == volmatch.ReasonShiftTooLong:
			return p + "end", msg(lang, "ferr.end.long")
		case sub == "start" || sub == "end":
			return p + sub, msg(lang, "ferr.year")
		case sub == "slots":
			return p + "slots", msg(lang, "ferr.slots")
		}
		return p + "date", msg(lang, "ferr.shift")
	}
	switch {
	case field == "shifts":
		return "shift0_date", msg(lang, "ferr.shifts")
	case field == "title", field == "description", field == "domain", field == "district", field == "street", field == "radius_km":
		if (reason == volmatch.ReasonTooLong || reason == volmatch.ReasonTooMany) && field != "radius_km" {
			return field, msg(lang, "ferr.long")
		}
		return field, msg(lang, "ferr."+strings.TrimSuffix(field, "_km"))
	case field == "point":
		return "street", msg(lang, "ferr.point.place")
	case field == "target_group":
		return "target_group", msg(lang, "ferr.target")
	case field == "mode", field == "urgency", field == "approval":
		return "mode", msg(lang, "ferr.mode")
	case strings.HasPrefix(field, "requires.skills"):
		return "skills", msg(lang, "ferr.skills")
	case strings.HasPrefix(field, "requires.certificates"):
		return "certificates", msg(lang, "ferr.certificates")
	case strings.HasPrefix(field, "requires.trainings"):
		return "trainings", msg(lang, "ferr.trainings")
	}
	return "form", msg(lang, "ferr.other")
}

// matchesSize is how many candidates the matches page asks for.
const matchesSize = 20

// candidateRow is a ranked volunteer as the matches page shows them.
type candidateRow struct {
	ID, Name, Distance string
	Rank               int
	Score              string
	Reasons            []string
	Invited            string // the status of their invitation to the shift, "" when none
}

// exclusionRow is a gate's count and reason.
type exclusionRow struct {
	Count  int
	Reason string
}

// inviteRow is an invitation as the page lists it.
type inviteRow struct {
	Name, Shift, Status, StatusKey, Sent string
}

// matchesData is the matches page.
type matchesData struct {
	Need       *volmatch.Need
	Place      string
	Mode       string
	Shifts     []shiftRow
	ShiftIDs   []choice // shifts to rank for, the ranked one selected
	Shift      string
	ShiftLabel string
	Candidates []candidateRow
	Excluded   []exclusionRow
	Considered int
	Invites    []inviteRow
	Notice     string
	Error      string
}

// matchesPage shows the need's shifts and the ranked, explained candidates
// of one of its shifts.
func (s *Server) matchesPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	notice := ""
	if n, err := strconv.Atoi(q.Get("invited")); err == nil && n > 0 {
		notice = fmt.Sprintf(msg(r.lang, "match.invited"), n)
	} else if q.Has("updated") {
		notice = msg(r.lang, "edit.updated")
	}
	s.showMatches(w, r, http.StatusOK, r.PathValue("id"), q.Get("shift"), notice, "")
}

// showMatches renders the matches page of need id for shift (the first
// upcoming when ""), with a notice or an error above the list.
func (s *Server) showMatches(w http.ResponseWriter, r *request, status int, id, shift, notice, errText string) {
	ctx := r.Context()
	n, err := s.eng.Need(ctx, r.tok, id)
	if err == nil && r.tok.Role == volmatch.RoleSocialWorker && n.Org != r.tok.Org {
		err = volmatch.Errorf(volmatch.ENOTFOUND, "need %s", id)
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	now := s.eng.Now()
	if _, ok := n.Shift(shift); !ok {
		shift = ""
		for _, sh := range n.Shifts {
			if now.Before(sh.Start) {
				shift = sh.ID
				break
			}
		}
		if shift == "" && len(n.Shifts) > 0 {
			shift = n.Shifts[0].ID
		}
	}
	d := matchesData{Need: n, Mode: needModeName(r.lang, n), Shift: shift, Notice: notice, Error: errText}
	if n.Team != nil && notice == "" {
		notice = msg(r.lang, "team.need.notice") // team.go: a team need takes whole teams
		d.Notice = notice
	}
	d.Place = needPlace(n)
	for _, sh := range n.Shifts {
		d.Shifts = append(d.Shifts, shiftRow{Start: sh.Start, End: sh.End, Filled: sh.Filled, Slots: sh.Slots,
			Full: sh.Filled >= sh.Slots, Missing: max(sh.Slots-sh.Filled, 0)})
		label := shiftText(r.lang, sh)
		d.ShiftIDs = append(d.ShiftIDs, choice{Value: sh.ID, Label: label, Selected: sh.ID == shift})
		if sh.ID == shift {
			d.ShiftLabel = label
		}
	}
	m, err := s.eng.Matches(ctx, r.tok, id, engine.RankOptions{K: matchesSize, Shift: shift})
	if err != nil {
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	invs, _, err := s.eng.Invitations(ctx, r.tok, volmatch.InvitationFilter{Need: id, ListOptions: volmatch.ListOptions{Limit: maxListed}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	names := map[string]*volmatch.Volunteer{}
	person := func(vid string) *volmatch.Volunteer {
		if v, ok := names[vid]; ok {
			return v
		}
		v, err := s.eng.Volunteer(ctx, r.tok, vid)
		if err != nil {
			v = nil
		}
		names[vid] = v
		return v
	}
	invitedTo := map[string]string{}
	for _, inv := range invs {
		if inv.Shift == shift {
			invitedTo[inv.Volunteer] = msg(r.lang, "match.inv.status."+string(inv.Status))
		}
	}
	sh, _ := n.Shift(shift)
	for _, mt := range m.Matches {
		v := person(mt.Volunteer)
		c := candidateRow{ID: mt.Volunteer, Name: maskedName(r.lang, v), Rank: mt.Rank,
			Distance: fmt.Sprintf(msg(r.lang, "menu.km"), volmatch.DisplayKm(mt.DistanceKm)),
			Score:    fmt.Sprintf("%.0f", mt.Score*100), Invited: invitedTo[mt.Volunteer]}
		for _, comp := range mt.Breakdown {
			if t := componentReason(r.lang, comp, mt, sh, v, len(n.Requires.Skills) == 0); t != "" {
				c.Reasons = append(c.Reasons, t)
			}
		}
		d.Candidates = append(d.Candidates, c)
	}
	for _, g := range append(scoring.Gates(), "consent") {
		if k := m.Exclusions[g]; k > 0 {
			d.Excluded = append(d.Excluded, exclusionRow{Count: k, Reason: msg(r.lang, "match.gate."+g)})
		}
	}
	d.Considered = m.Considered
	labels := map[string]string{}
	for _, o := range d.ShiftIDs {
		labels[o.Value] = o.Label
	}
	for _, inv := range invs {
		d.Invites = append(d.Invites, inviteRow{Name: maskedName(r.lang, person(inv.Volunteer)), Shift: labels[inv.Shift],
			Status: msg(r.lang, "match.inv.status."+string(inv.Status)), StatusKey: string(inv.Status),
			Sent: inv.SentAt.In(volmatch.Beijing).Format("01-02 15:04")})
	}
	s.render(w, r.Request, status, "matches", r.view("match.title", d))
}

// notFoundIfForbidden answers another organisation's need as not found,
// so that its pages do not tell which needs exist.
func notFoundIfForbidden(err error) error {
	if volmatch.ErrorCode(err) == volmatch.EFORBIDDEN {
		return volmatch.Errorf(volmatch.ENOTFOUND, "not found")
	}
	return err
}

// maskedName is the volunteer's masked name (王**), whatever the view.
func maskedName(lang string, v *volmatch.Volunteer) string {
	if v == nil || v.Name == "" {
		return msg(lang, "role.volunteer")
	}
	return volmatch.MaskName(v.Name)
}

func needModeName(lang string, n *volmatch.Need) string {
	if n.Urgency == volmatch.UrgencyEmergency {
		return msg(lang, "form.mode.emergency")
	}
	return msg(lang, "form.mode."+string(n.Mode))
}

// needPlace is the need's district and street by name.
func needPlace(n *volmatch.Need) string {
	city := geo.Beijing()
	var parts []string
	if d, ok := city.District(n.District); ok {
		parts = append(parts, d.Name)
	}
	if st, ok := city.Street(n.Street); ok {
		parts = append(parts, st.Name)
	}
	return strings.Join(parts, " ")
}

// shiftText is a shift's day and hours.
func shiftText(lang string, sh volmatch.Shift) string {
	t := sh.Start.In(volmatch.Beijing)
	return t.Format(msg(lang, "day.format")) + " " + weekdays[lang][t.Weekday()] + " " +
		t.Format("15:04") + "–" + sh.End.In(volmatch.Beijing).Format("15:04")
}

// dayPart names the part of the day a time falls in.
func dayPart(lang string, t time.Time) string {
	h := t.In(volmatch.Beijing).Hour()
	switch {
	case h < 12:
		return msg(lang, "match.part.morning")
	case h < 18:
		return msg(lang, "match.part.afternoon")
	}
	return msg(lang, "match.part.evening")
}

// componentReason is a breakdown component as a sentence ("" to leave it out).
func componentReason(lang string, c volmatch.Component, mt volmatch.Match, sh volmatch.Shift, v *volmatch.Volunteer, anySkill bool) string {
	switch c.Name {
	case scoring.ComponentSkillFit:
		switch {
		case anySkill:
			return msg(lang, "match.why.skill.any")
		case c.Value >= 0.99:
			return msg(lang, "match.why.skill.full")
		case c.Value >= 0.5:
			return msg(lang, "match.why.skill.part")
		}
		return msg(lang, "match.why.skill.low")
	case scoring.ComponentDistance:
		return fmt.Sprintf(msg(lang, "match.why.distance"), volmatch.DisplayKm(mt.DistanceKm))
	case scoring.ComponentAvailabilitySlack:
		day := fmt.Sprintf(msg(lang, "match.why.day"), weekdays[lang][sh.Start.In(volmatch.Beijing).Weekday()], dayPart(lang, sh.Start))
		if c.Value >= 0.5 {
			return fmt.Sprintf(msg(lang, "match.why.free.wide"), day)
		}
		return fmt.Sprintf(msg(lang, "match.why.free"), day)
	case scoring.ComponentReliability:
		if v == nil {
			return fmt.Sprintf(msg(lang, "match.why.reliable"), c.Value*100)
		}
		if v.Stats.Completed == 0 {
			return msg(lang, "match.why.new")
		}
		return fmt.Sprintf(msg(lang, "match.why.done"), v.Stats.Completed, v.Stats.NoShows)
	case scoring.ComponentLoad:
		if v != nil && v.Stats.Load > 0 {
			return fmt.Sprintf(msg(lang, "match.why.load"), v.Stats.Load)
		}
		return msg(lang, "match.why.load.none")
	case scoring.ComponentDomainPreference:
		if c.Value >= 0.5 {
			return msg(lang, "match.why.pref")
		}
		return msg(lang, "match.why.pref.none")
	}
	return ""
}

// invite sends the invitations the matches page asks for: the top n (the
// top field), one (a row's button) or the ticked ones, in one engine call.
func (s *Server) invite(w http.ResponseWriter, r *request) {
	id, pf := r.PathValue("id"), r.PostForm
	req := engine.InviteRequest{Shift: pf.Get("shift")}
	switch {
	case pf.Has("top"):
		n, err := strconv.Atoi(strings.TrimSpace(pf.Get("top")))
		if err != nil || n < 1 || n > engine.MaxBatch {
			s.showMatches(w, r, http.StatusUnprocessableEntity, id, req.Shift, "", msg(r.lang, "match.inv.err.top"))
			return
		}
		req.Top = n
	case pf.Get("one") != "":
		req.Volunteers = []string{pf.Get("one")}
	default:
		req.Volunteers = pf["v"]
	}
	if req.Top == 0 && len(req.Volunteers) == 0 {
		s.showMatches(w, r, http.StatusUnprocessableEntity, id, req.Shift, "", msg(r.lang, "match.inv.err.none"))
		return
	}
	invs, err := s.eng.Invite(r.Context(), r.tok, id, req)
	switch volmatch.ErrorCode(err) {
	case "":
		http.Redirect(w, r.Request, fmt.Sprintf("/web/needs/%s?shift=%s&invited=%d", url.PathEscape(id), url.QueryEscape(req.Shift), len(invs)), http.StatusSeeOther)
	case volmatch.EINVALID, volmatch.ECONFLICT:
		key := "match.inv.err.invalid"
		if volmatch.ErrorCode(err) == volmatch.ECONFLICT {
			key = "match.inv.err.conflict"
		}
		s.showMatches(w, r, http.StatusConflict, id, req.Shift, "", msg(r.lang, key))
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
	}
}

// workerRoutes registers the social worker's pages.
func (s *Server) workerRoutes() {
	s.mux.Handle("GET /web/needs/new", s.page(socialWorkers, s.newNeedForm))
	s.mux.Handle("POST /web/needs/new", s.page(socialWorkers, s.postNeed))
	s.mux.Handle("GET /web/needs/{id}", s.page(staffOnly, s.matchesPage))
	s.mux.Handle("POST /web/needs/{id}/invite", s.page(staffOnly, s.invite))
	s.todayRoutes()
	s.editRoutes()
	s.taxonomyRoutes()
	s.batchRoutes()
	s.dispatchRoutes()
	s.historyRoutes()
	s.scanRoutes()
}

// parseWorkerPages parses the social worker's page templates with the
// layout into pages.
func parseWorkerPages(pages map[string]*template.Template, funcs template.FuncMap) {
	pages["need_form"] = template.Must(template.New("need_form").Funcs(funcs).ParseFS(templateFS,
		"templates/layout.html", "templates/need_form.html", "templates/taxonomy.html"))
	pages["matches"] = template.Must(template.New("matches").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/matches.html"))
	parseTodayPage(pages, funcs)
	for _, name := range []string{"batch", "dispatch", "history", "scan"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	pages["taxonomy"] = template.Must(template.New("taxonomy").Funcs(funcs).ParseFS(templateFS, "templates/taxonomy.html"))
}
