package web

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"volmatch"
	"volmatch/engine"
)

// Training before duty (培训, issue 16 item 2): /web/training shows a
// volunteer the courses recommended to them ("学这门课可多参加 N 项服务"),
// their enrolments (cancel before the session) and the library (enrol in
// a session); an organisation's staff their courses' rosters with the
// attendance to record; a planner the trainings whose absence blocks the
// most unmet demand. Every rule is the engine's.

// trainingRoutes registers the pages.
func (s *Server) trainingRoutes() {
	s.mux.Handle("GET /web/training", s.page(anyone, s.trainingPage))
	s.mux.Handle("POST /web/training/enrol", s.page(volunteers, s.enrol))
	s.mux.Handle("POST /web/training/cancel", s.page(volunteers, s.cancelEnrolment))
	s.mux.Handle("POST /web/training/attendance", s.page(staffOnly, s.attendance))
}

// parseTrainingPage parses the page's template with the layout.
func parseTrainingPage(pages map[string]*template.Template, funcs template.FuncMap) {
	fs := template.FuncMap{"session": func(lang, csrf string, s any, name string) sessionArgs {
		a := sessionArgs{Lang: lang, CSRF: csrf, Name: name}
		switch x := s.(type) {
		case sessionRow:
			a.S = x
		case *sessionRow:
			a.S = *x
		}
		return a
	}}
	for k, f := range funcs {
		fs[k] = f
	}
	pages["training"] = template.Must(template.New("training").Funcs(fs).ParseFS(templateFS, "templates/layout.html", "templates/training.html"))
}

// sessionArgs are what the session row's template reads.
type sessionArgs struct {
	Lang, CSRF string
	S          sessionRow
	Name       string // the course's, for the button's label
}

// trainingView is the page.
type trainingView struct {
	Notice    *notice
	Volunteer bool
	Staff     bool
	Planner   bool
	Recs      []recCard
	Mine      []enrolRow
	Library   []courseCard
	Own       []ownCourse
	Blocking  []blockRow
	Withheld  string
}

// recCard is a recommended course.
type recCard struct {
	Name, Provider string
	Unlocks        int
	Session        *sessionRow
}

// sessionRow is a session as the page lists it.
type sessionRow struct {
	Course, ID string
	Start, End time.Time
	Place      string
	Area       string
	Left       int
	CanEnrol   bool
	Held       bool
}

// courseCard is a course of the library.
type courseCard struct {
	ID, Name, Provider, Training, Domain string
	Hours                                string
	Sessions                             []sessionRow
}

// enrolRow is one of the volunteer's enrolments.
type enrolRow struct {
	ID, Course string
	Start, End time.Time
	Place      string
	Status     string
	CanCancel  bool
}

// ownCourse is an organisation's course with its roster.
type ownCourse struct {
	courseCard
	Roster []rosterRow
}

// rosterRow is an enrolment on the organisation's roster.
type rosterRow struct {
	ID, Name, Session string
	Start             time.Time
	Status            string
	CanAttend         bool
}

// blockRow is a blocking training.
type blockRow struct {
	Training, District, Domain string
	Needs, Unfilled, Courses   int
	Blocked                    string
}

// maxLibrary is how many courses the library shows; maxSessionsShown how
// many sessions of each.
const (
	maxLibrary       = 20
	maxSessionsShown = 3
	maxRecs          = 5
)

// courseName is a course's name in lang.
func courseName(lang string, c *volmatch.Course) string {
	if lang == langEN && c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}

// trainingName is a training key's name (the taxonomy names trainings in
// Chinese only; the key when it does not know it).
func (s *Server) trainingName(_, key string) string {
	if n := s.eng.Taxonomy().TrainingName(key); n != "" {
		return n
	}
	return key
}

// domainName is a domain key's name in lang.
func (s *Server) domainName(lang, key string) string {
	d, ok := s.eng.Taxonomy().Skill(key)
	switch {
	case !ok:
		return key
	case lang == langEN && d.NameEN != "":
		return d.NameEN
	}
	return d.Name
}

func (s *Server) trainingPage(w http.ResponseWriter, r *request) {
	d := &trainingView{}
	if k := r.URL.Query().Get("msg"); k == "training.enrolled" || k == "training.cancelled" || k == "training.recorded" {
		d.Notice = &notice{Text: msg(r.lang, k), OK: true}
	}
	s.showTraining(w, r, http.StatusOK, d)
}

// showTraining fills and renders the page for r's role.
func (s *Server) showTraining(w http.ResponseWriter, r *request, status int, d *trainingView) {
	ctx := r.Context()
	lang := r.lang
	now := s.eng.Now()
	var err error
	switch r.tok.Role {
	case volmatch.RoleVolunteer:
		d.Volunteer = true
		err = s.volunteerTraining(r, d, now)
	case volmatch.RolePlanner:
		d.Planner = true
		d.Withheld = tfmsg(lang, "dash.withheld", s.eng.MinGroup())
		var rows []engine.BlockingTraining
		rows, err = s.eng.BlockingTrainings(ctx, r.tok, "", "")
		for _, b := range rows[:min(len(rows), 30)] {
			row := blockRow{Training: s.trainingName(lang, b.Training), District: areaName(lang, b.District),
				Domain: s.domainName(lang, b.Domain), Needs: b.Needs, Unfilled: b.Unfilled, Courses: b.Courses, Blocked: d.Withheld}
			if b.Blocked != nil {
				row.Blocked = strconv.Itoa(*b.Blocked)
			}
			d.Blocking = append(d.Blocking, row)
		}
	default:
		d.Staff = true
		err = s.staffTraining(r, d, now)
	}
	if err != nil {
		s.fail(w, r.Request, lang, err)
		return
	}
	s.render(w, r.Request, status, "training", r.view("training.title", d))
}

// sessionRowOf is session x of course c as the page lists it.
func sessionRowOf(lang string, c *volmatch.Course, x volmatch.Session, now time.Time) sessionRow {
	return sessionRow{Course: c.ID, ID: x.ID, Start: x.Start, End: x.End, Place: x.Place, Area: areaName(lang, x.District),
		Left: max(0, x.Seats-x.Enrolled), CanEnrol: now.Before(x.Start) && x.Enrolled < x.Seats}
}

// cardOf is course c with its sessions not begun at now (all when past is
// set), at most maxSessionsShown.
func (s *Server) cardOf(lang string, c *volmatch.Course, now time.Time, past bool) courseCard {
	k := courseCard{ID: c.ID, Name: courseName(lang, c), Provider: c.Provider, Training: s.trainingName(lang, c.Training),
		Domain: s.domainName(lang, c.Domain), Hours: hoursText(c.Hours)}
	ss := slices.Clone(c.Sessions)
	slices.SortFunc(ss, func(a, b volmatch.Session) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	for _, x := range ss {
		if !past && !now.Before(x.Start) {
			continue
		}
		if !past && len(k.Sessions) == maxSessionsShown {
			break
		}
		k.Sessions = append(k.Sessions, sessionRowOf(lang, c, x, now))
	}
	return k
}

// volunteerTraining fills the volunteer's sections.
func (s *Server) volunteerTraining(r *request, d *trainingView, now time.Time) error {
	ctx, lang := r.Context(), r.lang
	recs, err := s.eng.TrainingRecommendations(ctx, r.tok, r.tok.Volunteer, maxRecs)
	if err != nil {
		return err
	}
	for _, rc := range recs {
		card := recCard{Name: courseName(lang, rc.Course), Provider: rc.Course.Provider, Unlocks: rc.Unlocks}
		if rc.Session != nil {
			row := sessionRowOf(lang, rc.Course, *rc.Session, now)
			card.Session = &row
		}
		d.Recs = append(d.Recs, card)
	}
	mine, _, err := s.eng.Enrolments(ctx, r.tok, volmatch.EnrolmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		return err
	}
	held := map[string]bool{}
	courses, _, err := s.eng.Courses(ctx, r.tok, volmatch.CourseFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		return err
	}
	byID := map[string]*volmatch.Course{}
	for _, c := range courses {
		byID[c.ID] = c
	}
	slices.SortFunc(mine, func(a, b *volmatch.Enrolment) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	for _, en := range mine {
		if en.Status == volmatch.EnrolCancelled {
			continue
		}
		held[en.Course+"/"+en.Session] = true
		row := enrolRow{ID: en.ID, Course: en.Course, Start: en.Start, End: en.End, Status: msg(lang, "training.status."+string(en.Status)),
			CanCancel: en.Status == volmatch.EnrolEnrolled && now.Before(en.Start)}
		if c := byID[en.Course]; c != nil {
			row.Course = courseName(lang, c)
			if x, ok := c.Session(en.Session); ok {
				row.Place = x.Place
			}
		}
		d.Mine = append(d.Mine, row)
	}
	// The library: courses with a session to come, soonest first.
	var open []courseCard
	for _, c := range courses {
		k := s.cardOf(lang, c, now, false)
		if len(k.Sessions) == 0 {
			continue
		}
		for i := range k.Sessions {
			k.Sessions[i].Held = held[c.ID+"/"+k.Sessions[i].ID]
		}
		open = append(open, k)
	}
	slices.SortStableFunc(open, func(a, b courseCard) int { return a.Sessions[0].Start.Compare(b.Sessions[0].Start) })
	d.Library = open[:min(len(open), maxLibrary)]
	return nil
}

// staffTraining fills the organisation's courses and rosters.
func (s *Server) staffTraining(r *request, d *trainingView, now time.Time) error {
	ctx, lang := r.Context(), r.lang
	f := volmatch.CourseFilter{ListOptions: volmatch.ListOptions{Limit: 100}}
	if r.tok.Role == volmatch.RoleSocialWorker {
		f.Org = r.tok.Org
	}
	courses, _, err := s.eng.Courses(ctx, r.tok, f)
	if err != nil {
		return err
	}
	for _, c := range courses {
		oc := ownCourse{courseCard: s.cardOf(lang, c, now, true)}
		roster, err := s.eng.Roster(ctx, r.tok, c.ID)
		if err != nil {
			return err
		}
		for _, en := range roster {
			oc.Roster = append(oc.Roster, rosterRow{ID: en.ID, Name: en.Name, Session: en.Session, Start: en.Start,
				Status: msg(lang, "training.status."+string(en.Status)), CanAttend: en.Status == volmatch.EnrolEnrolled && !now.Before(en.Start)})
		}
		d.Own = append(d.Own, oc)
	}
	return nil
}

// refusal shows an engine refusal of a form on the page, or the error page
// for what the page does not explain.
func (s *Server) trainingRefused(w http.ResponseWriter, r *request, err error) {
	key := ""
	switch volmatch.ErrorReason(err) {
	case volmatch.ReasonSlotFull:
		key = "training.err.full"
	case volmatch.ReasonShiftClash:
		key = "training.err.clash"
	case volmatch.ReasonAlreadyHeld:
		key = "training.err.held"
	case volmatch.ReasonShiftBegun:
		key = "training.err.begun"
	case volmatch.ReasonWrongState, volmatch.ReasonCheckInWindow:
		key = "training.err.state"
	}
	if key == "" {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.showTraining(w, r, http.StatusConflict, &trainingView{Notice: &notice{Text: msg(r.lang, key)}})
}

func (s *Server) enrol(w http.ResponseWriter, r *request) {
	_, err := s.eng.Enrol(r.Context(), r.tok, r.PostFormValue("course"), r.PostFormValue("session"), "")
	if err != nil {
		s.trainingRefused(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/web/training?msg=training.enrolled", http.StatusSeeOther)
}

func (s *Server) cancelEnrolment(w http.ResponseWriter, r *request) {
	if _, err := s.eng.CancelEnrolment(r.Context(), r.tok, r.PostFormValue("enrolment")); err != nil {
		s.trainingRefused(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/web/training?msg=training.cancelled", http.StatusSeeOther)
}

func (s *Server) attendance(w http.ResponseWriter, r *request) {
	attended := r.PostFormValue("attended") == "1"
	if _, err := s.eng.RecordAttendance(r.Context(), r.tok, r.PostFormValue("enrolment"), attended); err != nil {
		s.trainingRefused(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/web/training?msg=training.recorded", http.StatusSeeOther)
}

func init() {
	for k, v := range map[string]string{
		"nav.training":               "培训",
		"training.title":             "志愿者培训",
		"training.recs":              "为你推荐的课程",
		"training.recs.intro":        "学完这些课程，你就能参加附近、你有空时还缺人的更多服务。",
		"training.recs.none":         "暂时没有能为你解锁更多服务的课程。",
		"training.unlocks":           "学这门课可多参加 %d 项服务",
		"training.mine":              "我的报名",
		"training.mine.none":         "你还没有报名培训。",
		"training.library":           "课程库",
		"training.library.none":      "暂无即将开班的课程。",
		"training.provider":          "主办",
		"training.grants":            "结业获得",
		"training.hours":             "%s 小时",
		"training.when":              "时间",
		"training.where":             "地点",
		"training.left":              "余 %d 席",
		"training.full":              "已满",
		"training.enrol":             "报名",
		"training.held":              "已报名",
		"training.cancel":            "取消报名",
		"training.enrolled":          "报名成功。",
		"training.cancelled":         "已取消报名。",
		"training.recorded":          "已记录出勤。",
		"training.next":              "最近一期",
		"training.nosession":         "暂无可报名的班次",
		"training.own":               "本机构的课程",
		"training.own.none":          "本机构还没有课程。",
		"training.roster":            "报名名单",
		"training.roster.none":       "还没有人报名。",
		"training.attended":          "出席",
		"training.absent":            "缺席",
		"training.status.enrolled":   "已报名",
		"training.status.attended":   "已结业",
		"training.status.absent":     "缺席",
		"training.status.cancelled":  "已取消",
		"training.block":             "缺少培训而无法满足的需求",
		"training.block.intro":       "按区和领域列出：哪些培训的缺失让招募中的需求缺人。被拦下的人次：满足需求的其他全部条件、只差这项培训的志愿者，按需求累计。",
		"training.block.none":        "没有因缺少培训而缺人的需求。",
		"training.col.training":      "培训",
		"training.col.district":      "区",
		"training.col.domain":        "领域",
		"training.col.needs":         "需求数",
		"training.col.unfilled":      "缺口（人）",
		"training.col.blocked":       "被拦下的人次",
		"training.col.courses":       "现有课程",
		"training.err.full":          "这一期已经报满，请选择其他班次。",
		"training.err.clash":         "这一期与你已报名的培训或服务时间冲突。",
		"training.err.held":          "你已经报名了这一期。",
		"training.err.begun":         "这一期已经开始，不能再报名或取消。",
		"training.err.state":         "这条报名的状态不允许此操作（培训开始后才能记录出勤）。",
		"training.session.col.start": "时间",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.training":               "Training",
		"training.title":             "Volunteer training",
		"training.recs":              "Courses recommended for you",
		"training.recs.intro":        "Finish one of these and you can take more of the services near you, in your free time, that still need people.",
		"training.recs.none":         "No course would open more services for you right now.",
		"training.unlocks":           "This course opens %d more services to you",
		"training.mine":              "My enrolments",
		"training.mine.none":         "You have not enrolled in any training.",
		"training.library":           "Course library",
		"training.library.none":      "No course has a session coming up.",
		"training.provider":          "Provider",
		"training.grants":            "Grants",
		"training.hours":             "%s h",
		"training.when":              "When",
		"training.where":             "Where",
		"training.left":              "%d seats left",
		"training.full":              "Full",
		"training.enrol":             "Enrol",
		"training.held":              "Enrolled",
		"training.cancel":            "Cancel enrolment",
		"training.enrolled":          "You are enrolled.",
		"training.cancelled":         "Your enrolment is cancelled.",
		"training.recorded":          "Attendance recorded.",
		"training.next":              "Next session",
		"training.nosession":         "No session open for enrolment",
		"training.own":               "Your organisation's courses",
		"training.own.none":          "Your organisation has no course yet.",
		"training.roster":            "Enrolled",
		"training.roster.none":       "Nobody has enrolled yet.",
		"training.attended":          "Attended",
		"training.absent":            "Absent",
		"training.status.enrolled":   "Enrolled",
		"training.status.attended":   "Completed",
		"training.status.absent":     "Absent",
		"training.status.cancelled":  "Cancelled",
		"training.block":             "Unmet demand blocked by missing training",
		"training.block.intro":       "By district and domain: which trainings, missing, leave open needs short of people. Blocked counts the volunteers who pass every other requirement of a need but lack the training, once per need.",
		"training.block.none":        "No open need is short of people for lack of training.",
		"training.col.training":      "Training",
		"training.col.district":      "District",
		"training.col.domain":        "Domain",
		"training.col.needs":         "Needs",
		"training.col.unfilled":      "Unfilled",
		"training.col.blocked":       "Blocked",
		"training.col.courses":       "Courses",
		"training.err.full":          "This session is full; choose another.",
		"training.err.clash":         "This session clashes with a training or a service you already hold.",
		"training.err.held":          "You are already enrolled in this session.",
		"training.err.begun":         "This session has begun: it can no longer be joined or cancelled.",
		"training.err.state":         "This enrolment does not allow that (attendance is recorded once the session has begun).",
		"training.session.col.start": "When",
	} {
		messages[langEN][k] = v
	}
}
