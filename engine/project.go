package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/geo"
)

// Projects (志愿服务项目, 分级分类项目库, §9 and §12 of the measures): an
// organisation's recurring services, each with a goal, a grade and a
// category; needs belong to one through Need.Project. A social worker
// writes the projects of their organisation (an admin any); every role
// reads them (a project is a public service). The evaluation of a project
// is the evaluation of its needs' events, withheld below the minimum group
// as every report is (report.go), and the suggestions read it: recurring
// activities worth turning into projects, and projects that are failing.

// MaxAttach bounds the needs one call attaches to or detaches from a
// project.
const MaxAttach = 500

// SaveProject creates project p, or replaces project id with it when id is
// not "", for tok's organisation (a social worker's project takes their
// organisation); it returns the project as stored.
func (e *Engine) SaveProject(ctx context.Context, tok *volmatch.Token, id string, p *volmatch.Project) (*volmatch.Project, error) {
	if tok.Role == volmatch.RoleSocialWorker && p.Org == "" {
		p.Org = tok.Org
	}
	if id != "" {
		old, err := e.store.Project(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := canManageOrg(tok, old.Org); err != nil {
			return nil, err
		}
		if err := pathIDMatches(&p.ID, id); err != nil {
			return nil, err
		}
		if p.Org == "" {
			p.Org = old.Org
		}
		if p.Org != old.Org {
			return nil, volmatch.FieldError("org", "a project stays with its organisation (%s)", old.Org)
		}
	} else if p.ID == "" {
		p.ID = NewID("P")
	}
	if err := canManageOrg(tok, p.Org); err != nil {
		return nil, err
	}
	if err := e.checkProject(p); err != nil {
		return nil, err
	}
	if err := createOrUpdate(ctx, id, p, e.store.CreateProject, e.store.UpdateProject); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return p, nil
}

// checkProject checks what Validate cannot alone: a domain of the
// taxonomy, a district of Beijing, and a street of that district.
func (e *Engine) checkProject(p *volmatch.Project) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !e.tax.Has(p.Domain) {
		return volmatch.FieldError("domain", "unknown domain key %q", p.Domain)
	}
	city := geo.Beijing()
	d, ok := city.District(p.District)
	if !ok || d.Code != p.District {
		return volmatch.FieldError("district", "unknown district code %q", p.District)
	}
	if p.Street != "" {
		if s, ok := city.Street(p.Street); !ok || s.Code != p.Street || s.District != p.District {
			return volmatch.FieldError("street", "no street %q in district %s", p.Street, p.District)
		}
	}
	return nil
}

// Project returns project id: projects are public (a project library
// lists every organisation's services), so every role reads any.
func (e *Engine) Project(ctx context.Context, _ *volmatch.Token, id string) (*volmatch.Project, error) {
	return e.store.Project(ctx, id)
}

// Projects lists projects.
func (e *Engine) Projects(ctx context.Context, _ *volmatch.Token, f volmatch.ProjectFilter) ([]*volmatch.Project, string, error) {
	return e.store.Projects(ctx, f)
}

// DeleteProject deletes project id; ECONFLICT while needs belong to it
// (close it instead: its needs' records stay whole).
func (e *Engine) DeleteProject(ctx context.Context, tok *volmatch.Token, id string) error {
	p, err := e.store.Project(ctx, id)
	if err != nil {
		return err
	}
	if err := canManageOrg(tok, p.Org); err != nil {
		return err
	}
	ns, err := e.projectNeeds(ctx, p)
	if err != nil {
		return err
	}
	if len(ns) > 0 {
		return volmatch.Errorf(volmatch.ECONFLICT, "project %s has %d needs; detach them or close the project", id, len(ns))
	}
	if err := e.store.DeleteProject(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// checkNeedProject refuses a need that names a project that does not
// exist, belongs to another organisation, or is closed (a need already in
// a closed project may stay in it).
func (e *Engine) checkNeedProject(ctx context.Context, n *volmatch.Need, old *volmatch.Need) error {
	if n.Project == "" || n.Org == "" { // no org: Validate refuses it
		return nil
	}
	p, err := e.store.Project(ctx, n.Project)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return volmatch.FieldError("project", "no project %q", n.Project)
	}
	if err != nil {
		return err
	}
	if p.Org != n.Org {
		return volmatch.FieldError("project", "project %s belongs to another organisation", n.Project)
	}
	if p.Status == volmatch.ProjectClosed && (old == nil || old.Project != n.Project) {
		return volmatch.FieldError("project", "project %s is closed", n.Project)
	}
	return nil
}

// AttachNeeds puts the needs ids in project id, or takes them out of it
// (detach), all in one write or none: each must be a need of the project's
// organisation (EINVALID naming needs[i] otherwise), and, to attach, the
// project must be active. It returns the project's needs afterwards.
func (e *Engine) AttachNeeds(ctx context.Context, tok *volmatch.Token, id string, ids []string, detach bool) ([]*volmatch.Need, error) {
	p, err := e.store.Project(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, p.Org); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, volmatch.FieldError("needs", "at least one need is required")
	}
	if len(ids) > MaxAttach {
		return nil, volmatch.FieldError("needs", "at most %d needs per call, got %d", MaxAttach, len(ids))
	}
	if !detach && p.Status == volmatch.ProjectClosed {
		return nil, volmatch.Errorf(volmatch.ECONFLICT, "project %s is closed", id)
	}
	seen := map[string]bool{}
	ns := make([]*volmatch.Need, 0, len(ids))
	for i, nid := range ids {
		f := fmt.Sprintf("needs[%d]", i)
		if seen[nid] {
			return nil, volmatch.FieldError(f, "need %q is listed twice", nid)
		}
		seen[nid] = true
		n, err := e.store.Need(ctx, nid)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no need %q", nid)
		}
		if err != nil {
			return nil, err
		}
		if n.Org != p.Org {
			// Not "belongs to another organisation": a need of another
			// organisation is not the caller's to know of.
			return nil, volmatch.FieldError(f, "no need %q of organisation %s", nid, p.Org)
		}
		switch {
		case detach && n.Project != id:
			return nil, volmatch.FieldError(f, "need %q is not in project %s", nid, id)
		case detach:
			n.Project = ""
		case n.Project != "" && n.Project != id:
			return nil, volmatch.FieldError(f, "need %q is already in project %s; detach it first", nid, n.Project)
		default:
			n.Project = id
		}
		ns = append(ns, n)
	}
	if err := e.store.PutNeeds(ctx, ns); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return e.projectNeeds(ctx, p)
}

// projectNeeds returns the needs of project p, in ID order.
func (e *Engine) projectNeeds(ctx context.Context, p *volmatch.Project) ([]*volmatch.Need, error) {
	var out []*volmatch.Need
	f := volmatch.NeedFilter{Org: p.Org, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		ns, next, err := e.store.Needs(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if n.Project == p.ID {
				out = append(out, n)
			}
		}
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

// ProjectNeeds returns the needs of project id as tok may see them.
func (e *Engine) ProjectNeeds(ctx context.Context, tok *volmatch.Token, id string) ([]*volmatch.Need, error) {
	p, err := e.Project(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	ns, err := e.projectNeeds(ctx, p)
	if err != nil {
		return nil, err
	}
	out := ns[:0]
	for _, n := range ns {
		if canSeeNeed(tok, n) == nil {
			out = append(out, viewNeed(tok, n))
		}
	}
	return out, nil
}

// ProjectReport is the evaluation of one project: its headline figures
// over the filter's window and the same per calendar month, each withheld
// below the minimum group as every report is.
type ProjectReport struct {
	Project *volmatch.Project        `json:"project"`
	Needs   int                      `json:"needs"` // needs in the project now
	Overall evaluation.GroupReport   `json:"overall"`
	Monthly []evaluation.GroupReport `json:"monthly"`
	Filter  evaluation.Filter        `json:"filter"`
}

// canReadProjectFigures lets planners and admins read any project's
// figures and a social worker those of their organisation's.
func canReadProjectFigures(tok *volmatch.Token, org string) error {
	switch tok.Role {
	case volmatch.RoleAdmin, volmatch.RolePlanner:
		return nil
	case volmatch.RoleSocialWorker:
		if tok.Org == org {
			return nil
		}
	}
	return forbidden("the %s role may not read this project's evaluation", tok.Role)
}

// ProjectEvaluation is project id's evaluation under f's window (f's
// attribute fields are ignored: the project's needs are the selection).
func (e *Engine) ProjectEvaluation(ctx context.Context, tok *volmatch.Token, id string, f evaluation.Filter) (ProjectReport, error) {
	p, err := e.store.Project(ctx, id)
	if err != nil {
		return ProjectReport{}, err
	}
	if err := canReadProjectFigures(tok, p.Org); err != nil {
		return ProjectReport{}, err
	}
	ns, err := e.projectNeeds(ctx, p)
	if err != nil {
		return ProjectReport{}, err
	}
	evs, f, err := e.figureEvents(ctx, f)
	if err != nil {
		return ProjectReport{}, err
	}
	byNeed := eventsByNeed(evs)
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	r := projectFigures(byNeed, f, p.ID, ids)
	r.Project = p
	return r, nil
}

// figureEvents checks f's window and returns the event log with the filter
// the figures are computed under: the window only, at the engine's
// minimum group.
func (e *Engine) figureEvents(ctx context.Context, f evaluation.Filter) ([]volmatch.Event, evaluation.Filter, error) {
	if err := volmatch.CheckTime("from", f.From); err != nil {
		return nil, f, err
	}
	if err := volmatch.CheckTime("to", f.To); err != nil {
		return nil, f, err
	}
	evs, _, err := e.reports.log.snapshot(ctx, e.store)
	if err != nil {
		return nil, f, err
	}
	return evs, evaluation.Filter{From: f.From, To: f.To, MinGroup: e.minGroup}, nil
}

// needEvents is the event log indexed by need.
type needEvents struct {
	log   []volmatch.Event
	index map[string][]int // need -> positions in log, ascending
}

// eventsByNeed indexes the events of the log by need.
func eventsByNeed(evs []volmatch.Event) needEvents {
	out := needEvents{log: evs, index: map[string][]int{}}
	for i := range evs {
		if n := evs[i].Need; n != "" {
			out.index[n] = append(out.index[n], i)
		}
	}
	return out
}

// of returns the events of the needs ids, in log order.
func (ne needEvents) of(ids []string) []volmatch.Event {
	var at []int
	for _, id := range ids {
		at = append(at, ne.index[id]...)
	}
	slices.Sort(at)
	out := make([]volmatch.Event, len(at))
	for i, k := range at {
		out[i] = ne.log[k]
	}
	return out
}

// projectFigures computes the figures of the needs ids (a project or a
// recurring activity) from their events under f.
func projectFigures(byNeed needEvents, f evaluation.Filter, key string, ids []string) ProjectReport {
	evs := byNeed.of(ids)
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	f.Needs = set
	return ProjectReport{
		Needs: len(ids), Overall: evaluation.Group(evs, f, key), Monthly: nonNil(evaluation.Monthly(evs, f)),
		Filter: evaluation.Filter{From: f.From, To: f.To, MinGroup: f.MinGroup},
	}
}

// The thresholds of the suggestions. The figures are those of settled
// needs (every shift ended), compared with the baseline: the same figures
// of every settled need under the filter's window, district and domain
// (the city's when they are open). A recurring activity of at least
// MinRecurring settled needs is worth a project when its fill rate and
// completion rate are at least the baseline's and at least MinFill, and its
// mean rating at least the baseline's and at least MinRating; a project is
// failing when its fill rate is under LowFillShare of the baseline's, or
// its no-show rate rose by RisingBy or more from one month to the next (to
// at least RisingBy).
const (
	MinRecurring = 3
	MinFill      = 0.2
	MinRating    = 3.5
	LowFillShare = 0.5
	RisingBy     = 0.05
)

// Suggestion kinds.
const (
	SuggestPromote = "promote" // a recurring activity to turn into a project
	SuggestFailing = "failing" // a project that is failing
)

// Suggestion is one suggestion with the figures it rests on. Reasons are
// codes: high_fill, high_completion, high_satisfaction (promote);
// low_fill, rising_no_shows (failing).
type Suggestion struct {
	Kind     string `json:"kind"`
	Org      string `json:"org"`
	Domain   string `json:"domain"`
	District string `json:"district"`
	Street   string `json:"street,omitempty"`
	Station  string `json:"station,omitempty"`
	// Title is the recurring activity's title (its first need's), or the
	// failing project's name.
	Title   string   `json:"title"`
	Project string   `json:"project,omitempty"` // a failing project
	Needs   []string `json:"needs"`             // its settled needs
	Reasons []string `json:"reasons"`
	// Figures are the activity's or the project's headline figures and
	// Monthly the same per month, as ProjectReport has them.
	Figures evaluation.GroupReport   `json:"figures"`
	Monthly []evaluation.GroupReport `json:"monthly"`
	// NoShowFrom and NoShowTo are the two months' no-show rates of a
	// rising_no_shows reason.
	NoShowFrom *float64 `json:"no_show_from,omitempty"`
	NoShowTo   *float64 `json:"no_show_to,omitempty"`
}

// Suggestions are the suggestions and the baseline they are judged
// against.
type Suggestions struct {
	Baseline evaluation.GroupReport `json:"baseline"`
	Items    []Suggestion           `json:"items"`
}

// Suggestions lists the recurring activities worth turning into projects
// and the failing projects, under f's window (and f.Org, f.District,
// f.Domain when set), for planners and admins, or a social worker's own
// organisation. A figure withheld below the minimum group is never a
// reason: an activity or a project whose figures are withheld is left out.
func (e *Engine) Suggestions(ctx context.Context, tok *volmatch.Token, f evaluation.Filter) (Suggestions, error) {
	if tok.Role == volmatch.RoleSocialWorker {
		if f.Org != "" && f.Org != tok.Org {
			return Suggestions{}, forbidden("a social worker reads the suggestions of their own organisation")
		}
		f.Org = tok.Org
	}
	if err := canReadProjectFigures(tok, f.Org); err != nil {
		return Suggestions{}, err
	}
	evs, wf, err := e.figureEvents(ctx, f)
	if err != nil {
		return Suggestions{}, err
	}
	// The answer is kept while the log, the records (a need joining a
	// project) and the minute stay the same.
	changed, err := e.store.LastChange(ctx)
	if err != nil {
		return Suggestions{}, err
	}
	now := e.now()
	seq := uint64(0)
	if len(evs) > 0 {
		seq = evs[len(evs)-1].Seq
	}
	key := fmt.Sprintf("suggestions?%d&%s&%s&%s&%s&%v&%v", changed, now.Truncate(time.Minute).Format(time.RFC3339),
		f.Org, f.District, f.Domain, wf.From.Unix(), wf.To.Unix())
	if v, ok := e.reports.get(seq, key); ok {
		return v.(Suggestions), nil
	}
	out, err := e.suggestions(ctx, f, evs, wf, now)
	if err == nil {
		e.reports.put(seq, key, out)
	}
	return out, err
}

// suggestions computes Suggestions.
func (e *Engine) suggestions(ctx context.Context, f evaluation.Filter, evs []volmatch.Event, wf evaluation.Filter, now time.Time) (Suggestions, error) {
	byNeed := eventsByNeed(evs)
	var all, base []*volmatch.Need
	err := e.store.EachNeed(ctx, func(n *volmatch.Need) error {
		if !settled(n, now) || f.District != "" && n.District != f.District || f.Domain != "" && n.Domain != f.Domain {
			return nil
		}
		base = append(base, n)
		if f.Org == "" || n.Org == f.Org {
			all = append(all, n)
		}
		return nil
	})
	if err != nil {
		return Suggestions{}, err
	}
	ids := make([]string, len(base))
	for i, n := range base {
		ids[i] = n.ID
	}
	out := Suggestions{Baseline: projectFigures(byNeed, wf, "baseline", ids).Overall}
	out.Items = promotions(all, byNeed, wf, out.Baseline)
	projects := map[string][]string{}
	for _, n := range all {
		if n.Project != "" {
			projects[n.Project] = append(projects[n.Project], n.ID)
		}
	}
	pids := make([]string, 0, len(projects))
	for id := range projects {
		pids = append(pids, id)
	}
	sort.Strings(pids)
	for _, id := range pids {
		p, err := e.store.Project(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			continue
		}
		if err != nil {
			return Suggestions{}, err
		}
		if p.Status != volmatch.ProjectActive {
			continue
		}
		if s, ok := failing(p, projects[id], byNeed, wf, out.Baseline); ok {
			out.Items = append(out.Items, s)
		}
	}
	out.Items = nonNil(out.Items)
	return out, nil
}

// settled reports whether every shift of n ended by now.
func settled(n *volmatch.Need, now time.Time) bool {
	for _, s := range n.Shifts {
		if s.End.After(now) {
			return false
		}
	}
	return n.Status != volmatch.NeedCancelled
}

// activityKey is what makes needs one recurring activity: the same
// organisation, domain and place (the station, or the street) and a title
// that differs only in digits, spaces and punctuation (第3期, 11月).
func activityKey(n *volmatch.Need) string {
	place := n.Station
	if place == "" {
		place = "s:" + n.Street
	}
	return n.Org + "\x00" + n.Domain + "\x00" + place + "\x00" + normTitle(n.Title)
}

func normTitle(t string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, t)
}

// promotions groups the needs of no project into recurring activities and
// keeps those of at least MinRecurring needs whose fill, completion and
// satisfaction are high (see the thresholds) and not withheld, best fill
// first.
func promotions(all []*volmatch.Need, byNeed needEvents, f evaluation.Filter, base evaluation.GroupReport) []Suggestion {
	groups := map[string][]*volmatch.Need{}
	for _, n := range all {
		if n.Project == "" {
			k := activityKey(n)
			groups[k] = append(groups[k], n)
		}
	}
	keys := make([]string, 0, len(groups))
	for k, ns := range groups {
		if len(ns) >= MinRecurring {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Suggestion
	for _, k := range keys {
		ns := groups[k]
		sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
		ids := make([]string, len(ns))
		for i, n := range ns {
			ids[i] = n.ID
		}
		r := projectFigures(byNeed, f, ids[0], ids)
		g := r.Overall
		if g.Suppressed.Has("fill_rate") || g.Suppressed.Has("completion_rate") || g.Suppressed.Has("mean_rating") ||
			g.SlotsAsked == 0 || g.Ratings == 0 {
			continue
		}
		if g.FillRate < max(base.FillRate, MinFill) || g.CompletionRate < base.CompletionRate || g.MeanRating < max(base.MeanRating, MinRating) {
			continue
		}
		n := ns[0]
		out = append(out, Suggestion{
			Kind: SuggestPromote, Org: n.Org, Domain: n.Domain, District: n.District, Street: n.Street, Station: n.Station,
			Title: n.Title, Needs: ids, Reasons: []string{"high_fill", "high_completion", "high_satisfaction"},
			Figures: g, Monthly: r.Monthly,
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Figures, out[j].Figures
		if a.FillRate != b.FillRate {
			return a.FillRate > b.FillRate
		}
		return out[i].Needs[0] < out[j].Needs[0]
	})
	return out
}

// failing reports project p, of the settled needs ids, as failing when
// its fill rate is under LowFillShare of the baseline's or its no-show
// rate rose by RisingBy or more between the last two months that have one.
func failing(p *volmatch.Project, ids []string, byNeed needEvents, f evaluation.Filter, base evaluation.GroupReport) (Suggestion, bool) {
	sort.Strings(ids)
	r := projectFigures(byNeed, f, p.ID, ids)
	g := r.Overall
	s := Suggestion{Kind: SuggestFailing, Org: p.Org, Domain: p.Domain, District: p.District, Street: p.Street,
		Title: p.Name, Project: p.ID, Needs: ids, Figures: g, Monthly: r.Monthly}
	if !g.Suppressed.Has("fill_rate") && !base.Suppressed.Has("fill_rate") && g.SlotsAsked > 0 && g.FillRate < LowFillShare*base.FillRate {
		s.Reasons = append(s.Reasons, "low_fill")
	}
	var rates []float64
	for _, m := range r.Monthly {
		// The three rates add up to 1 in a month with resolved assignments.
		if m.CompletionRate+m.NoShowRate+m.CancellationRate > 0 && !m.Suppressed.Has("no_show_rate") {
			rates = append(rates, m.NoShowRate)
		}
	}
	if k := len(rates); k >= 2 && rates[k-1]-rates[k-2] >= RisingBy && rates[k-1] >= RisingBy {
		from, to := rates[k-2], rates[k-1]
		s.Reasons = append(s.Reasons, "rising_no_shows")
		s.NoShowFrom, s.NoShowTo = &from, &to
	}
	return s, len(s.Reasons) > 0
}

// projectCatalog reads projects as search documents, each placed at its
// street's point (its district's seat without a street), so that a search
// near a place finds the projects around it.
var projectCatalog = catalogKind{
	one: func(ctx context.Context, st volmatch.Store, id string) (volmatch.CatalogDoc, error) {
		p, err := st.Project(ctx, id)
		if err != nil {
			return volmatch.CatalogDoc{}, err
		}
		return projectDoc(p), nil
	},
	list: func(ctx context.Context, st volmatch.Store, o volmatch.ListOptions) ([]volmatch.CatalogDoc, string, error) {
		ps, next, err := st.Projects(ctx, volmatch.ProjectFilter{ListOptions: o})
		if err != nil {
			return nil, "", err
		}
		docs := make([]volmatch.CatalogDoc, len(ps))
		for i, p := range ps {
			docs[i] = projectDoc(p)
		}
		return docs, next, nil
	},
}

func projectDoc(p *volmatch.Project) volmatch.CatalogDoc {
	d := p.CatalogDoc()
	city := geo.Beijing()
	if s, ok := city.Street(p.Street); ok && p.Street != "" {
		pt := s.Point
		d.Point = &pt
	} else if dist, ok := city.District(p.District); ok {
		pt := dist.Center
		d.Point = &pt
	}
	return d
}
