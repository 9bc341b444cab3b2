package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/taxonomy"
)

// Projects (项目库, issue 16): a social worker keeps their organisation's
// projects (create, edit, put needs in and take them out) and reads each
// one's evaluation by month; a planner reads them too, and the
// suggestions: recurring activities worth turning into projects and
// projects that are failing, each with the figures it rests on (a social
// worker sees their own organisation's). Every rule is the engine's.

var (
	projectRoles = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RolePlanner}
	projectStaff = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker}
)

// projectRoutes registers the pages of projects and stations.
func (s *Server) projectRoutes() {
	s.mux.Handle("GET /web/projects", s.page(projectRoles, s.projectsPage))
	s.mux.Handle("POST /web/projects", s.page(projectStaff, s.saveProject))
	s.mux.Handle("GET /web/projects/suggestions", s.page(projectRoles, s.suggestionsPage))
	s.mux.Handle("GET /web/projects/{id}", s.page(projectRoles, s.projectPage))
	s.mux.Handle("POST /web/projects/{id}", s.page(projectStaff, s.saveProject))
	s.mux.Handle("POST /web/projects/{id}/needs", s.page(projectStaff, s.attachNeeds))
	s.mux.Handle("GET /web/stations", s.page(anyone, s.stationsPage)) // station.go
}

// parseProjectPages parses the pages' templates with the layout.
func parseProjectPages(pages map[string]*template.Template, funcs template.FuncMap) {
	for _, name := range []string{"projects", "project", "suggestions", "stations"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html",
			"templates/project_form.html", "templates/figures.html", "templates/"+name+".html"))
	}
}

// projectForm is the create and edit form of a project.
type projectForm struct {
	Action                               string
	ID, Org, Name, Goal, Description     string
	Domain, District, Street, Grade, Cat string
	Status                               string
	Needs                                string // needs to put in the new project (from a suggestion)
	Errors                               map[string]string
	Admin                                bool
	Districts, Domains, Grades, Cats     []option
	Streets                              []optGroup
}

// projectRow is a project as a list shows it.
type projectRow struct {
	P                            *volmatch.Project
	Grade, Category, Domain, Loc string
}

// projectsData is the project list with the create form.
type projectsData struct {
	Rows   []projectRow
	Form   *projectForm
	Staff  bool
	Notice string
}

func (s *Server) projectsPage(w http.ResponseWriter, r *request) {
	f := &projectForm{Action: "/web/projects", Errors: map[string]string{}, Grade: string(volmatch.GradeStreet),
		Needs: r.URL.Query().Get("needs"), Name: r.URL.Query().Get("name"), Domain: r.URL.Query().Get("domain"),
		District: r.URL.Query().Get("district"), Street: r.URL.Query().Get("street")}
	s.showProjects(w, r, http.StatusOK, f)
}

// showProjects renders the list: a social worker's organisation's
// projects, every project for admins and planners.
func (s *Server) showProjects(w http.ResponseWriter, r *request, status int, f *projectForm) {
	pf := volmatch.ProjectFilter{ListOptions: volmatch.ListOptions{Limit: 1000}}
	if r.tok.Role == volmatch.RoleSocialWorker {
		pf.Org = r.tok.Org
	}
	ps, _, err := s.eng.Projects(r.Context(), r.tok, pf)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d := &projectsData{Staff: projectStaff.admit(r.tok.Role)}
	for _, p := range ps {
		d.Rows = append(d.Rows, s.projectRow(r.lang, p))
	}
	if d.Staff {
		d.Form = s.fillForm(r, f)
	}
	if r.URL.Query().Get("saved") != "" {
		d.Notice = msg(r.lang, "proj.saved")
	}
	s.render(w, r.Request, status, "projects", r.view("proj.title", d))
}

func (s *Server) projectRow(lang string, p *volmatch.Project) projectRow {
	loc := areaName(lang, p.District)
	if p.Street != "" {
		loc += " " + areaName(lang, p.Street)
	}
	return projectRow{P: p, Grade: gradeName(lang, p.Grade), Category: categoryName(lang, p.Category), Domain: domainName(lang, p.Domain), Loc: loc}
}

// fillForm adds the choices to f.
func (s *Server) fillForm(r *request, f *projectForm) *projectForm {
	f.Admin = r.tok.Role == volmatch.RoleAdmin
	f.Districts, f.Streets, f.Domains = filterChoices(r.lang, f.District)
	for _, g := range volmatch.ProjectGrades {
		f.Grades = append(f.Grades, option{string(g.Grade), termName(r.lang, g.ZH, g.EN)})
	}
	keys := make([]string, 0, len(volmatch.ProjectCategories))
	for k := range volmatch.ProjectCategories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f.Cats = append(f.Cats, option{k, categoryName(r.lang, k)})
	}
	return f
}

func projectFormOf(p *volmatch.Project) *projectForm {
	return &projectForm{ID: p.ID, Org: p.Org, Name: p.Name, Goal: p.Goal, Description: p.Description, Domain: p.Domain,
		District: p.District, Street: p.Street, Grade: string(p.Grade), Cat: p.Category, Status: p.Status, Errors: map[string]string{}}
}

// saveProject creates a project (POST /web/projects) or replaces one
// (POST /web/projects/{id}); a refusal shows the form again with the
// error beside its field, and nothing is written. A new project made from
// a suggestion takes the suggestion's needs.
func (s *Server) saveProject(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	pf := r.PostForm
	f := &projectForm{Action: "/web/projects", ID: id, Org: strings.TrimSpace(pf.Get("org")), Name: strings.TrimSpace(pf.Get("name")),
		Goal: strings.TrimSpace(pf.Get("goal")), Description: strings.TrimSpace(pf.Get("description")), Domain: pf.Get("domain"),
		District: pf.Get("district"), Street: pf.Get("street"), Grade: pf.Get("grade"), Cat: pf.Get("category"),
		Status: pf.Get("status"), Needs: pf.Get("needs"), Errors: map[string]string{}}
	p := &volmatch.Project{ID: id, Org: f.Org, Name: f.Name, Goal: f.Goal, Description: f.Description, Domain: f.Domain,
		District: f.District, Street: f.Street, Grade: volmatch.ProjectGrade(f.Grade), Category: f.Cat, Status: f.Status}
	if id != "" {
		f.Action = "/web/projects/" + url.PathEscape(id)
	}
	saved, err := s.eng.SaveProject(r.Context(), r.tok, id, p)
	if err == nil && id == "" && f.Needs != "" {
		_, err = s.eng.AttachNeeds(r.Context(), r.tok, saved.ID, strings.Split(f.Needs, ","), false)
		if err != nil { // the project stands; its page says what was not attached
			http.Redirect(w, r.Request, "/web/projects/"+url.PathEscape(saved.ID)+"?attach=failed", http.StatusSeeOther)
			return
		}
	}
	switch volmatch.ErrorCode(err) {
	case "":
		http.Redirect(w, r.Request, "/web/projects/"+url.PathEscape(saved.ID)+"?saved=1", http.StatusSeeOther)
		return
	case volmatch.EINVALID:
		field := volmatch.ErrorField(err)
		switch field {
		case "name", "goal", "description", "domain", "district", "street", "grade", "category", "org":
		default:
			field = "form"
		}
		f.Errors[field] = msg(r.lang, "proj.err."+field)
	default:
		s.fail(w, r.Request, r.lang, err)
		return
	}
	if id == "" {
		s.showProjects(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.showProject(w, r, http.StatusUnprocessableEntity, id, f, "")
}

// projectData is a project's page.
type projectData struct {
	Row      projectRow
	Manage   bool
	Form     *projectForm
	Report   figureTable
	Monthly  []figureRow
	Needs    []needLine
	Loose    []needLine // the organisation's needs in no project
	Notice   string
	AttachEr string
}

// needLine is a need as a project's page lists it.
type needLine struct {
	ID, Title, Status, When string
}

func (s *Server) projectPage(w http.ResponseWriter, r *request) {
	notice := ""
	switch {
	case r.URL.Query().Get("saved") != "":
		notice = msg(r.lang, "proj.saved")
	case r.URL.Query().Get("attached") != "":
		notice = msg(r.lang, "proj.attached")
	case r.URL.Query().Get("attach") == "failed":
		notice = msg(r.lang, "proj.err.attach")
	}
	s.showProject(w, r, http.StatusOK, r.PathValue("id"), nil, notice)
}

// showProject renders project id's page: what it is, its figures overall
// and by month, its needs, and for its staff the edit form and the needs
// to put in it.
func (s *Server) showProject(w http.ResponseWriter, r *request, status int, id string, f *projectForm, notice string) {
	ctx := r.Context()
	p, err := s.eng.Project(ctx, r.tok, id)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d := &projectData{Row: s.projectRow(r.lang, p), Notice: notice,
		Manage: r.tok.Role == volmatch.RoleAdmin || r.tok.Role == volmatch.RoleSocialWorker && r.tok.Org == p.Org}
	if rep, err := s.eng.ProjectEvaluation(ctx, r.tok, id, evaluation.Filter{}); err == nil {
		d.Report = s.figureTable(r.lang, rep.Overall, msg(r.lang, "fig.total"))
		for _, m := range rep.Monthly {
			d.Monthly = append(d.Monthly, s.figureRow(r.lang, m, m.Key))
		}
	} else if volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	ns, err := s.eng.ProjectNeeds(ctx, r.tok, id)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	for _, n := range ns {
		d.Needs = append(d.Needs, s.needLine(r.lang, n))
	}
	if d.Manage {
		if f == nil {
			f = projectFormOf(p)
		}
		f.Action = "/web/projects/" + url.PathEscape(id)
		d.Form = s.fillForm(r, f)
		if p.Status == volmatch.ProjectActive {
			loose, _, err := s.eng.Needs(ctx, r.tok, volmatch.NeedFilter{Org: p.Org, ListOptions: volmatch.ListOptions{Limit: 1000}})
			if err != nil {
				s.fail(w, r.Request, r.lang, err)
				return
			}
			for _, n := range loose {
				if n.Project == "" && n.Status != volmatch.NeedCancelled && len(d.Loose) < maxLooseShown {
					d.Loose = append(d.Loose, s.needLine(r.lang, n))
				}
			}
		}
	}
	s.render(w, r.Request, status, "project", view{Lang: r.lang, Title: p.Name, Tok: r.tok, CSRF: r.csrf, Data: d})
}

// maxLooseShown bounds the needs offered to put in a project.
const maxLooseShown = 200

func (s *Server) needLine(lang string, n *volmatch.Need) needLine {
	l := needLine{ID: n.ID, Title: n.Title, Status: msg(lang, "status."+string(n.Status))}
	if len(n.Shifts) > 0 {
		st := firstShift(n)
		l.When = st.In(volmatch.Beijing).Format("2006-01-02 15:04")
	}
	return l
}

// attachNeeds puts the ticked needs in the project, or takes them out.
func (s *Server) attachNeeds(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	ids := r.PostForm["need"]
	detach := r.PostFormValue("detach") == "1"
	_, err := s.eng.AttachNeeds(r.Context(), r.tok, id, ids, detach)
	switch volmatch.ErrorCode(err) {
	case "":
		http.Redirect(w, r.Request, "/web/projects/"+url.PathEscape(id)+"?attached=1", http.StatusSeeOther)
	case volmatch.EINVALID, volmatch.ECONFLICT:
		key := "proj.err.attach"
		if len(ids) == 0 {
			key = "proj.err.none"
		}
		s.showProject(w, r, http.StatusUnprocessableEntity, id, nil, msg(r.lang, key))
	default:
		s.fail(w, r.Request, r.lang, err)
	}
}

// figureRow is a GroupReport in words: a withheld figure shows as 少于5人.
type figureRow struct {
	Key                                           string
	Needs, Slots, Fill, Completion, NoShow, Hours string
	Rating                                        string
}

// figureTable is one figureRow with the withheld note.
type figureTable struct {
	Row  figureRow
	Seen bool
}

func (s *Server) figureRow(lang string, g evaluation.GroupReport, key string) figureRow {
	held := tfmsg(lang, "dash.withheld", s.eng.MinGroup())
	pc := func(v float64, field string) string {
		if g.Suppressed.Has(field) {
			return held
		}
		return fmt.Sprintf("%.0f%%", v*100)
	}
	row := figureRow{Key: key, Needs: fmt.Sprint(g.Needs), Fill: pc(g.FillRate, "fill_rate"),
		Completion: pc(g.CompletionRate, "completion_rate"), NoShow: pc(g.NoShowRate, "no_show_rate")}
	if g.SlotsAsked == 0 && !g.Suppressed.Has("fill_rate") {
		row.Fill = "—"
	}
	// The three rates add up to 1 once an assignment was resolved: none
	// resolved is no rate, not 0%.
	if g.CompletionRate+g.NoShowRate+g.CancellationRate == 0 && !g.Suppressed.Has("completion_rate") {
		row.Completion, row.NoShow = "—", "—"
	}
	row.Slots = fmt.Sprintf("%d / %d", g.SlotsFilled, g.SlotsAsked)
	if g.Suppressed.Has("slots_filled") {
		row.Slots = held + " / " + fmt.Sprint(g.SlotsAsked)
	}
	row.Hours = fmt.Sprintf("%.1f", g.Hours)
	if g.Suppressed.Has("hours") {
		row.Hours = held
	}
	row.Rating = "—"
	switch {
	case g.Suppressed.Has("mean_rating"):
		row.Rating = held
	case g.Ratings > 0:
		row.Rating = fmt.Sprintf("%.2f (%d)", g.MeanRating, g.Ratings)
	}
	return row
}

func (s *Server) figureTable(lang string, g evaluation.GroupReport, key string) figureTable {
	return figureTable{Row: s.figureRow(lang, g, key), Seen: true}
}

// suggestionCard is a suggestion in words.
type suggestionCard struct {
	engine.Suggestion
	Lang          string
	Place, Domain string
	Why           []string
	Fig           figureRow
	Monthly       []figureRow
	CreateHref    string // a new project of the activity's needs (its staff)
}

// suggestionsData is the suggestions page.
type suggestionsData struct {
	Baseline  figureRow
	Promote   []suggestionCard
	Failing   []suggestionCard
	Filter    dashFilter
	Districts []option
	Domains   []option
	MinGroup  int
}

func (s *Server) suggestionsPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	f, df := parseDashFilter(q, s.eng.Taxonomy())
	d := &suggestionsData{Filter: df, MinGroup: s.eng.MinGroup()}
	d.Districts, _, d.Domains = filterChoices(r.lang, "")
	sg, err := s.eng.Suggestions(r.Context(), r.tok, f)
	if volmatch.ErrorCode(err) == volmatch.EINVALID {
		sg, err = s.eng.Suggestions(r.Context(), r.tok, evaluation.Filter{})
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d.Baseline = s.figureRow(r.lang, sg.Baseline, msg(r.lang, "sug.baseline"))
	for _, x := range sg.Items {
		c := suggestionCard{Suggestion: x, Lang: r.lang, Domain: domainName(r.lang, x.Domain), Fig: s.figureRow(r.lang, x.Figures, msg(r.lang, "fig.total"))}
		c.Place = areaName(r.lang, x.District)
		if x.Street != "" {
			c.Place += " " + areaName(r.lang, x.Street)
		}
		for _, m := range x.Monthly {
			c.Monthly = append(c.Monthly, s.figureRow(r.lang, m, m.Key))
		}
		for _, why := range x.Reasons {
			switch why {
			case "rising_no_shows":
				c.Why = append(c.Why, fmt.Sprintf(msg(r.lang, "sug.why.rising_no_shows"), *x.NoShowFrom*100, *x.NoShowTo*100))
			case "low_fill":
				c.Why = append(c.Why, fmt.Sprintf(msg(r.lang, "sug.why.low_fill"), x.Figures.FillRate*100, sg.Baseline.FillRate*100))
			case "high_fill":
				c.Why = append(c.Why, fmt.Sprintf(msg(r.lang, "sug.why.high_fill"), x.Figures.FillRate*100, sg.Baseline.FillRate*100))
			case "high_completion":
				c.Why = append(c.Why, fmt.Sprintf(msg(r.lang, "sug.why.high_completion"), x.Figures.CompletionRate*100, sg.Baseline.CompletionRate*100))
			case "high_satisfaction":
				c.Why = append(c.Why, fmt.Sprintf(msg(r.lang, "sug.why.high_satisfaction"), x.Figures.MeanRating, sg.Baseline.MeanRating))
			}
		}
		if x.Kind == engine.SuggestPromote {
			if r.tok.Role == volmatch.RoleSocialWorker && r.tok.Org == x.Org || r.tok.Role == volmatch.RoleAdmin {
				_, name, _ := strings.Cut(x.Title, "｜")
				if name == "" {
					name = x.Title
				}
				v := url.Values{"needs": {strings.Join(x.Needs, ",")}, "name": {name}, "domain": {x.Domain},
					"district": {x.District}, "street": {x.Street}}
				c.CreateHref = "/web/projects?" + v.Encode() + "#new"
			}
			d.Promote = append(d.Promote, c)
		} else {
			d.Failing = append(d.Failing, c)
		}
	}
	s.render(w, r.Request, http.StatusOK, "suggestions", r.view("sug.title", d))
}

func gradeName(lang string, g volmatch.ProjectGrade) string {
	for _, x := range volmatch.ProjectGrades {
		if x.Grade == g {
			return termName(lang, x.ZH, x.EN)
		}
	}
	return string(g)
}

func categoryName(lang, k string) string {
	if c, ok := volmatch.ProjectCategories[k]; ok {
		return termName(lang, c[0], c[1])
	}
	return k
}

// domainName is a taxonomy key's name in lang.
func domainName(lang, key string) string {
	if sk, ok := taxonomy.Load().Skill(key); ok {
		return termName(lang, sk.Name, sk.NameEN)
	}
	return key
}
