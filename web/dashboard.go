package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// The planner dashboard (flow 9, issue 14): the full-process evaluation as
// a page of the web pages, behind the same sign-in, navigation and
// language as the others. It replaces the bearer-token page the API used to
// serve at /dashboard/ (which now redirects here); bearer clients keep the
// JSON reports at /v1/evaluation/*.
//
// Why here and not a session cookie accepted by the API: the API's writes
// have no CSRF defence because they take only bearer tokens, which a
// browser never sends by itself. Letting the cookie in there would make
// every API route a CSRF target, or make the report routes a special case.
// The pages already own sessions, CSRF and the role check, so the
// dashboard is one more page, and the API keeps one way in (the bearer
// token).
//
// Each chart is built here once, as a table (columns and cells) from the
// engine's report: the page draws the chart from it (a JSON island the
// script reads), shows it as a data table under the chart (the text
// alternative of the chart), and /web/dashboard/{chart}.csv writes it. So
// the three cannot disagree, and a figure the engine withheld (fewer people
// than its minimum group size) is withheld in all three.

// dashboardRoles may open the dashboard. The engine's report methods hold
// the rule (planners and admins); this spares other roles a page that
// would fail.
var dashboardRoles = roles{volmatch.RoleAdmin, volmatch.RolePlanner}

// dashboardRoutes registers the page, its CSV downloads and the district
// boundaries its map draws.
func (s *Server) dashboardRoutes() {
	s.mux.Handle("GET /web/dashboard", s.page(dashboardRoles, s.dashboard))
	s.mux.Handle("GET /web/dashboard/{file}", s.page(dashboardRoles, s.dashboardFile))
	s.mux.Handle("GET /web/static/vendor/echarts/echarts.min.js", staticBlob("vendor/echarts/echarts.min.js"))
	s.mux.Handle("GET /web/static/htmx.min.js", staticBlob("htmx.min.js"))
}

// dashboardCSP is the page's Content-Security-Policy: the pages' own, but
// ECharts writes inline style attributes into its tooltips.
const dashboardCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// dashFilter is the filter form: the values as typed and the error beside
// each field.
type dashFilter struct {
	From, To, District, Street, Domain string
	Errors                             map[string]string
}

// option is a choice of a select.
type option struct {
	Value, Label string
}

// optGroup is a labelled group of choices.
type optGroup struct {
	Label   string
	Options []option
}

// dashboardView is the page.
type dashboardView struct {
	Filter    dashFilter
	Districts []option
	Streets   []optGroup
	Domains   []option
	Query     string // the filter as a query string ("" or "?..."), for the CSV links
	KPIs      []kpiCard
	Charts    []*chart
	Note      string // the minimum group size, said once
	Island    dashIsland
	Failed    bool // the filter was refused: no figures
}

// kpiCard is a headline figure.
type kpiCard struct {
	Key, Label, Text string
	Withheld         bool
}

// column is a column of a chart's table: a key (the script's and the
// tests' name of it) and its heading in the page's language.
type column struct {
	Key, Label string
}

// cell is one value of a chart's table: a number, a text, or a figure
// withheld.
type cell struct {
	Text     string  // what the table and the CSV show
	Num      float64 // the number drawn, when IsNum
	IsNum    bool
	Withheld bool
}

// chart is one chart of the page as a table.
type chart struct {
	ID    string // c-ID on the page, ID.csv for the download
	Title string
	Hint  string // a line under the title, when there is one
	Cols  []column
	Rows  [][]cell
	// Wide charts take the page's width on a desktop.
	Wide bool
}

// islandChart is a chart as the script reads it: the column keys and the
// rows of values (a number, a string, or null when withheld).
type islandChart struct {
	Cols []string `json:"cols"`
	Rows [][]any  `json:"rows"`
}

// region is a district of the map: the name its boundary has (Chinese) and
// its name in the page's language.
type region struct {
	Map  string `json:"map"`
	Name string `json:"name"`
}

// dashIsland is the JSON the page's script draws from: the charts, the
// names of the map's regions in the page's language, and the few words the
// charts write.
type dashIsland struct {
	Lang    string                 `json:"lang"`
	Charts  map[string]islandChart `json:"charts"`
	Regions map[string]region      `json:"regions"` // by district code

	Words    map[string]string `json:"words"`
	Withheld string            `json:"withheld"`
	// Stations are drawn on the district map: [lng, lat, name, open
	// needs] each (station.go).
	Stations [][4]any `json:"stations,omitempty"`
}

func (s *Server) dashboard(w http.ResponseWriter, r *request) {
	v, status := s.buildDashboard(w, r, true)
	if v == nil {
		return
	}
	w.Header().Set("Content-Security-Policy", dashboardCSP)
	page := r.view("dash.title", v)
	other := langEN
	if r.lang == langEN {
		other = langZH
	}
	// The switch keeps the filter (values the form echoes, query-encoded).
	q := v.Filter.query()
	if q == "" {
		q = "?"
	} else {
		q += "&"
	}
	page.LangHref = template.URL(q + "lang=" + other)
	s.render(w, r.Request, status, "dashboard", page)
}

// dashboardFile answers /web/dashboard/{chart}.csv and the boundaries.
func (s *Server) dashboardFile(w http.ResponseWriter, r *request) {
	file := r.PathValue("file")
	if file == "districts.geojson" {
		districtsBlob().ServeHTTP(w, r.Request)
		return
	}
	id, ok := strings.CutSuffix(file, ".csv")
	if !ok {
		s.status(w, r.Request, r.lang, http.StatusNotFound, "error.notfound")
		return
	}
	v, status := s.buildDashboard(w, r, id == "streets")
	if v == nil {
		return
	}
	if v.Failed {
		s.status(w, r.Request, r.lang, status, "dash.err.filter")
		return
	}
	for _, c := range v.Charts {
		if c.ID == id {
			writeCSV(w, c, v.Island.Withheld)
			return
		}
	}
	if id == "streets" {
		s.status(w, r.Request, r.lang, http.StatusBadRequest, "dash.streets.hint")
		return
	}
	s.status(w, r.Request, r.lang, http.StatusNotFound, "error.notfound")
}

// writeCSV writes a chart's table as CSV: UTF-8 with a byte order mark
// (Excel on a Chinese Windows reads it as UTF-8 only so), the headings of
// the page's language, names beside their codes, a withheld figure as the
// withheld note (never a number).
func writeCSV(w http.ResponseWriter, c *chart, withheld string) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	cw := csv.NewWriter(&b)
	head := make([]string, len(c.Cols))
	for i, col := range c.Cols {
		head[i] = csvSafe(col.Label)
	}
	_ = cw.Write(head)
	for _, row := range c.Rows {
		rec := make([]string, len(row))
		for i, x := range row {
			switch {
			case x.Withheld:
				rec[i] = withheld
			default:
				rec[i] = csvSafe(x.Text)
			}
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="volmatch-`+c.ID+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// csvSafe keeps a text cell from being read as a formula by a spreadsheet
// (as datasets' CSV export does): a leading =, +, -, @, tab or carriage
// return gets a quote before it. Numbers never pass through here.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// buildDashboard reads the filter and the engine's reports for r.
// withStreets asks for the street chart, drawn for a district chosen. On a
// refused filter the view has Failed set and the errors beside the
// fields; on an engine error the error page is written and nil returned.
func (s *Server) buildDashboard(w http.ResponseWriter, r *request, withStreets bool) (*dashboardView, int) {
	lang := r.lang
	f, form := parseDashFilter(r.URL.Query(), s.eng.Taxonomy())
	v := &dashboardView{Filter: form, Note: tfmsg(lang, "dash.note", s.eng.MinGroup())}
	v.Districts, v.Streets, v.Domains = filterChoices(lang, form.District)
	v.Island = dashIsland{Lang: lang, Charts: map[string]islandChart{}, Regions: map[string]region{},
		Withheld: tfmsg(lang, "dash.withheld", s.eng.MinGroup()), Words: dashWords(lang)}
	for _, d := range geo.Beijing().Districts() {
		v.Island.Regions[d.Code] = region{Map: d.Name, Name: areaName(lang, d.Code)}
	}
	if len(form.Errors) > 0 {
		v.Failed = true
		return v, http.StatusUnprocessableEntity
	}
	v.Query = form.query()
	ctx := r.Context()
	sum, err := s.eng.Summary(ctx, r.tok, f)
	if err != nil {
		s.fail(w, r.Request, lang, err)
		return nil, 0
	}
	v.KPIs = kpiCards(lang, sum, v.Island.Withheld)
	v.Charts = []*chart{
		kpiChart(lang, sum), funnelChart(lang, sum), weeklyChart(lang, sum), districtChart(lang, sum),
		gapsChart(lang, sum), rankingChart(lang, sum, v.Island.Withheld), fairnessChart(lang, sum),
	}
	if withStreets && f.District != "" {
		groups, err := s.eng.By(ctx, r.tok, f, evaluation.ByStreetKey)
		if err != nil {
			s.fail(w, r.Request, lang, err)
			return nil, 0
		}
		v.Charts = append(v.Charts, streetChart(lang, groups))
	}
	for _, c := range v.Charts {
		v.Island.Charts[c.ID] = c.island()
	}
	if v.Island.Stations, err = s.stationPoints(r, f.District); err != nil { // station.go
		s.fail(w, r.Request, lang, err)
		return nil, 0
	}
	return v, http.StatusOK
}

// island turns the table into the script's form.
func (c *chart) island() islandChart {
	ic := islandChart{Rows: make([][]any, len(c.Rows))}
	for _, col := range c.Cols {
		ic.Cols = append(ic.Cols, col.Key)
	}
	for i, row := range c.Rows {
		vals := make([]any, len(row))
		for j, x := range row {
			switch {
			case x.Withheld:
				vals[j] = nil
			case x.IsNum:
				vals[j] = x.Num
			default:
				vals[j] = x.Text
			}
		}
		ic.Rows[i] = vals
	}
	return ic
}

// parseDashFilter reads the filter form: dates as YYYY-MM-DD (Beijing, both
// days included), a district and a street by code (a street of the
// district chosen), a domain by taxonomy key. A refused value has its error
// beside its field.
func parseDashFilter(q url.Values, tax *taxonomy.Taxonomy) (evaluation.Filter, dashFilter) {
	form := dashFilter{From: q.Get("from"), To: q.Get("to"), District: q.Get("district"), Street: q.Get("street"),
		Domain: q.Get("domain"), Errors: map[string]string{}}
	var f evaluation.Filter
	day := func(field, v string, end bool) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation(time.DateOnly, v, volmatch.Beijing)
		if err != nil || volmatch.CheckTime(field, d) != nil {
			form.Errors[field] = "dash.err.date"
			return time.Time{}
		}
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	f.From, f.To = day("from", form.From, false), day("to", form.To, true)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		form.Errors["to"] = "dash.err.order"
	}
	bj := geo.Beijing()
	if form.District != "" {
		if d, ok := bj.District(form.District); !ok || d.Code != form.District {
			form.Errors["district"] = "dash.err.district"
		}
		f.District = form.District
	}
	if form.Street != "" {
		if st, ok := bj.Street(form.Street); !ok || st.Code != form.Street || form.District != "" && st.District != form.District {
			form.Errors["street"] = "dash.err.street"
		}
		f.Street = form.Street
	}
	if form.Domain != "" {
		if volmatch.ValidID("domain", form.Domain) != nil || !tax.Has(form.Domain) {
			form.Errors["domain"] = "dash.err.domain"
		}
		f.Domain = form.Domain
	}
	return f, form
}

// query is the filter as a query string ("" when empty), in a fixed order.
func (f dashFilter) query() string {
	q := url.Values{}
	for _, kv := range [][2]string{{"from", f.From}, {"to", f.To}, {"district", f.District}, {"street", f.Street}, {"domain", f.Domain}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// filterChoices are the filter's choices in lang: the districts, the
// streets (of the district chosen, or all by district) and the domains.
func filterChoices(lang, district string) (ds []option, ss []optGroup, doms []option) {
	bj := geo.Beijing()
	for _, d := range bj.Districts() {
		ds = append(ds, option{d.Code, areaName(lang, d.Code)})
		if district != "" && d.Code != district {
			continue
		}
		g := optGroup{Label: areaName(lang, d.Code)}
		for _, st := range bj.StreetsIn(d.Code) {
			g.Options = append(g.Options, option{st.Code, areaName(lang, st.Code)})
		}
		ss = append(ss, g)
	}
	for _, d := range taxonomy.Load().Domains() {
		name := d.Name
		if lang == langEN && d.NameEN != "" {
			name = d.NameEN
		}
		doms = append(doms, option{d.Key, name})
	}
	return ds, ss, doms
}

// areaName is the name of a district or street code in lang (the code
// itself only when geo does not know it).
func areaName(lang, code string) string {
	bj := geo.Beijing()
	if d, ok := bj.District(code); ok && d.Code == code {
		if lang == langEN {
			return d.NameEN
		}
		return d.Name
	}
	if st, ok := bj.Street(code); ok {
		if lang == langEN {
			return st.NameEN
		}
		return st.Name
	}
	return code
}

// half picks the Chinese or the English half of a label of package
// evaluation, written "中文 English".
func half(lang, label string) string {
	i := strings.IndexFunc(label, func(r rune) bool { return r < 128 && r != ' ' })
	if i <= 0 {
		return label
	}
	if lang == langEN {
		return strings.TrimSpace(label[i:])
	}
	return strings.TrimSpace(label[:i])
}

// Cells.

func text(s string) cell { return cell{Text: s} }

// num is a number cell shown with the given decimals, or withheld.
func num(v float64, decimals int, withheld bool) cell {
	if withheld {
		return cell{Withheld: true}
	}
	v = round(v, decimals)
	return cell{Text: strconv.FormatFloat(v, 'f', decimals, 64), Num: v, IsNum: true}
}

// pct is a rate in [0,1] as a percentage with one decimal, or withheld.
func pct(v float64, withheld bool) cell { return num(v*100, 1, withheld) }

func count(n int, withheld bool) cell { return num(float64(n), 0, withheld) }

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func cols(lang string, keys ...string) []column {
	out := make([]column, len(keys))
	for i, k := range keys {
		out[i] = column{Key: k, Label: msg(lang, "dash.col."+k)}
	}
	return out
}

// The charts, each from its report.

// kpiSpec is a headline figure: its key, value, decimals (-1: a
// percentage) and whether it was withheld.
type kpiSpec struct {
	key      string
	v        float64
	decimals int
	withheld bool
}

func kpiSpecs(s evaluation.SummaryReport) []kpiSpec {
	posted := 0
	postedOut := false
	if len(s.Funnel.Needs) > 0 {
		posted, postedOut = s.Funnel.Needs[0].Count, s.Funnel.Needs[0].Suppressed.Has("count")
	}
	return []kpiSpec{
		{"needs_posted", float64(posted), 0, postedOut},
		{"fill_rate", s.Rates.FillRate, -1, s.Rates.Suppressed.Has("fill_rate")},
		{"completion_rate", s.Rates.CompletionRate, -1, s.Rates.Suppressed.Has("completion_rate")},
		{"no_show_rate", s.Rates.NoShowRate, -1, s.Rates.Suppressed.Has("no_show_rate")},
		{"mean_rating", s.Rates.Satisfaction.Mean, 2, s.Rates.Satisfaction.Suppressed.Has("mean")},
		{"hours", s.Hours.Hours, 1, s.Hours.Suppressed.Has("hours")},
		{"active_volunteers", float64(s.Hours.ActiveVolunteers), 0, s.Hours.Suppressed.Has("active_volunteers")},
		{"gini", s.Fairness.Gini, 3, s.Fairness.Suppressed.Has("gini")},
		{"ndcg_at_k", s.Ranking.NDCGAtK, 3, s.Ranking.Suppressed.Has("ndcg_at_k")},
		{"median_hours_to_fill", s.Funnel.TimeToFill.MedianHours, 1, s.Funnel.TimeToFill.Suppressed.Has("median_hours")},
	}
}

func (k kpiSpec) cell() cell {
	if k.decimals < 0 {
		return pct(k.v, k.withheld)
	}
	return num(k.v, k.decimals, k.withheld)
}

func kpiCards(lang string, s evaluation.SummaryReport, withheld string) []kpiCard {
	var out []kpiCard
	for _, k := range kpiSpecs(s) {
		c := k.cell()
		card := kpiCard{Key: k.key, Label: msg(lang, "dash.kpi."+k.key), Text: c.Text, Withheld: c.Withheld}
		switch {
		case c.Withheld:
			card.Text = withheld
		case k.decimals < 0:
			card.Text += "%"
		}
		out = append(out, card)
	}
	return out
}

func kpiChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "kpis", Title: msg(lang, "dash.kpis"), Cols: cols(lang, "kpi", "kpi_name", "value")}
	for _, k := range kpiSpecs(s) {
		c.Rows = append(c.Rows, []cell{text(k.key), text(msg(lang, "dash.kpi."+k.key)), k.cell()})
	}
	return c
}

func funnelChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "funnel", Title: msg(lang, "dash.funnel"), Cols: cols(lang, "step", "step_name", "needs")}
	for _, st := range s.Funnel.Needs {
		c.Rows = append(c.Rows, []cell{text(st.Key), text(half(lang, st.Label)), count(st.Count, st.Suppressed.Has("count"))})
	}
	return c
}

func weeklyChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "weekly", Title: msg(lang, "dash.weekly"), Cols: cols(lang, "week", "monday", "posted", "filled", "completed", "hours")}
	for _, w := range s.Weekly {
		out := w.Suppressed.Has
		c.Rows = append(c.Rows, []cell{text(w.Week), text(w.Monday), count(w.Posted, out("posted")),
			count(w.Filled, out("filled")), count(w.Completed, out("completed")), num(w.Hours, 1, out("hours"))})
	}
	return c
}

func districtChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "districts", Title: msg(lang, "dash.map"), Wide: true,
		Cols: cols(lang, "district", "district_name", "needs", "slots", "filled", "unfilled", "fill_rate")}
	ds := append([]evaluation.DistrictGap(nil), s.Gaps.Districts...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].District < ds[j].District })
	for _, d := range ds {
		out := d.Suppressed.Has
		c.Rows = append(c.Rows, []cell{text(d.District), text(areaName(lang, d.District)), count(d.Needs, out("needs")),
			count(d.Slots, out("slots")), count(d.Filled, out("filled")), count(d.Unfilled, out("unfilled")), pct(d.FillRate, out("fill_rate"))})
	}
	return c
}

// gapsChart is the heat map of unfilled slots by district and time of
// week, summed over domains. A sum with a withheld part is withheld: it
// would give the withheld part away.
func gapsChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "gaps", Title: msg(lang, "dash.gaps"), Wide: true,
		Cols: cols(lang, "district", "district_name", "time_of_week", "time_of_week_name", "unfilled")}
	type sum struct {
		n   int
		out bool
	}
	sums := map[[2]string]*sum{}
	var districts []string
	for _, g := range s.Gaps.Cells {
		k := [2]string{g.District, g.TimeOfWeek}
		x, ok := sums[k]
		if !ok {
			x = &sum{}
			sums[k] = x
		}
		if !slices.Contains(districts, g.District) {
			districts = append(districts, g.District)
		}
		x.n += g.Unfilled
		x.out = x.out || g.Suppressed.Has("unfilled")
	}
	sort.Strings(districts)
	buckets := s.Gaps.Buckets
	if len(buckets) == 0 {
		buckets = evaluation.TimeOfWeekBuckets
	}
	for _, d := range districts {
		for _, b := range buckets {
			x := sums[[2]string{d, b.Key}]
			if x == nil {
				x = &sum{}
			}
			c.Rows = append(c.Rows, []cell{text(d), text(areaName(lang, d)), text(b.Key), text(half(lang, b.Label)), count(x.n, x.out)})
		}
	}
	return c
}

func rankingChart(lang string, s evaluation.SummaryReport, withheld string) *chart {
	rk := s.Ranking
	c := &chart{ID: "ranking", Title: msg(lang, "dash.ranking"), Cols: cols(lang, "rank", "shown", "invited", "accepted", "accept_rate")}
	ndcg, mrr := withheld, withheld
	if !rk.Suppressed.Has("ndcg_at_k") {
		ndcg = strconv.FormatFloat(rk.NDCGAtK, 'f', 3, 64)
	}
	if !rk.Suppressed.Has("mrr") {
		mrr = strconv.FormatFloat(rk.MRR, 'f', 3, 64)
	}
	c.Hint = "NDCG@" + strconv.Itoa(rk.K) + " " + ndcg + " · MRR " + mrr
	for _, p := range rk.ByPosition {
		out := p.Suppressed.Has
		c.Rows = append(c.Rows, []cell{count(p.Rank, false), count(p.Shown, out("shown")), count(p.Invited, out("invited")),
			count(p.Accepted, out("accepted")), pct(p.AcceptRate, out("accept_rate"))})
	}
	return c
}

func fairnessChart(lang string, s evaluation.SummaryReport) *chart {
	c := &chart{ID: "fairness", Title: msg(lang, "dash.fairness"), Cols: cols(lang, "measure", "measure_name", "value")}
	starsOut := s.Hours.Suppressed.Has("stars")
	for i, n := range s.Hours.Stars {
		name := msg(lang, "dash.star0")
		switch {
		case i == 1:
			name = msg(lang, "dash.star1")
		case i > 1:
			name = tfmsg(lang, "dash.stars", i)
		}
		c.Rows = append(c.Rows, []cell{text("stars_" + strconv.Itoa(i)), text(name), count(n, starsOut)})
	}
	c.Rows = append(c.Rows,
		[]cell{text("top_decile_share"), text(msg(lang, "dash.topDecile")), pct(s.Fairness.TopDecileShare, s.Fairness.Suppressed.Has("top_decile_share"))},
		[]cell{text("gini"), text(msg(lang, "dash.kpi.gini")), num(s.Fairness.Gini, 3, s.Fairness.Suppressed.Has("gini"))})
	return c
}

// streetChart is the chosen district's streets: needs, slots and how many
// were filled, by street code.
func streetChart(lang string, groups []evaluation.GroupReport) *chart {
	c := &chart{ID: "streets", Title: msg(lang, "dash.streets"), Wide: true,
		Cols: cols(lang, "street", "street_name", "needs", "slots", "filled", "unfilled", "fill_rate")}
	for _, g := range groups {
		out := g.Suppressed.Has
		c.Rows = append(c.Rows, []cell{text(g.Key), text(areaName(lang, g.Key)), count(g.Needs, out("needs")),
			count(g.SlotsAsked, out("slots_asked")), count(g.SlotsFilled, out("slots_filled")),
			count(g.Unfilled, out("unfilled")), pct(g.FillRate, out("fill_rate"))})
	}
	return c
}

// dashWords are the words the script writes into the charts.
func dashWords(lang string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"posted", "filled", "completed", "hours", "acceptRate", "rank", "volunteers",
		"topDecile", "restOf", "high", "low", "fillRate", "unfilled", "noData", "stationOpen"} {
		out[k] = msg(lang, "dash.w."+k)
	}
	return out
}

func tfmsg(lang, key string, args ...any) string {
	return fmt.Sprintf(msg(lang, key), args...)
}

// blob is a large file that never changes while the process runs, served
// with an ETag (a revalidation costs a 304) and gzipped for clients that
// take it: the vendored scripts (ECharts is over a megabyte, htmx 50 KB)
// and the district boundaries.
type blob struct {
	ctype      string
	body, gz   []byte
	etag, gtag string
}

func newBlob(ctype string, body []byte) *blob {
	sum := sha256.Sum256(body)
	b := &blob{ctype: ctype, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	b.gz, b.gtag = z.Bytes(), strings.TrimSuffix(b.etag, `"`)+`-gz"`
	return b
}

func (b *blob) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", b.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	body, tag := b.body, b.etag
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		body, tag = b.gz, b.gtag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", tag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, tag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

var (
	blobs         = map[string]*blob{}
	blobsMu       sync.Mutex
	districtsBlob = sync.OnceValue(func() *blob {
		return newBlob("application/geo+json", mapBoundaries(geo.DistrictsGeoJSON()))
	})
)

// tableView is what the data table of a chart is drawn from.
type tableView struct {
	Lang, Withheld string
	Chart          *chart
}

// mapBoundaries is the district boundaries as the map needs them:
// coordinates rounded to 0.001° (about 100 m, under a pixel of the map at
// any size the page draws) and the points a rounding makes repeat dropped.
// The full boundaries (package geo's point-in-polygon tests use them) are
// 940 KB, 280 KB gzipped; these are a fraction of that.
func mapBoundaries(full []byte) []byte {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			Properties json.RawMessage `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(full, &fc); err != nil {
		return full // embedded and tested in geo: never happens
	}
	ring := func(r [][2]float64) [][2]float64 {
		out := make([][2]float64, 0, len(r))
		for _, p := range r {
			p = [2]float64{round(p[0], 3), round(p[1], 3)}
			if len(out) == 0 || out[len(out)-1] != p {
				out = append(out, p)
			}
		}
		return out
	}
	for i := range fc.Features {
		g := &fc.Features[i].Geometry
		var b []byte
		switch g.Type {
		case "Polygon":
			var rings [][][2]float64
			if json.Unmarshal(g.Coordinates, &rings) != nil {
				return full
			}
			for j := range rings {
				rings[j] = ring(rings[j])
			}
			b, _ = json.Marshal(rings)
		case "MultiPolygon":
			var polys [][][][2]float64
			if json.Unmarshal(g.Coordinates, &polys) != nil {
				return full
			}
			for j := range polys {
				for k := range polys[j] {
					polys[j][k] = ring(polys[j][k])
				}
			}
			b, _ = json.Marshal(polys)
		default:
			continue
		}
		g.Coordinates = b
	}
	out, err := json.Marshal(fc)
	if err != nil {
		return full
	}
	return out
}

// staticBlob is a vendored script of static/ as a blob, made once.
func staticBlob(name string) *blob {
	blobsMu.Lock()
	defer blobsMu.Unlock()
	if b, ok := blobs[name]; ok {
		return b
	}
	body, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		panic("web: the vendored " + name + " is missing: " + err.Error()) // embedded: always there
	}
	b := newBlob("text/javascript; charset=utf-8", body)
	blobs[name] = b
	return b
}

// textTypes are the static files served as blobs (gzipped): the pages'
// styles and scripts.
var textTypes = map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

// staticText is the blob of a style or script of static/, nil for another
// file or a name not there.
func staticText(name string) *blob {
	ctype := textTypes[path.Ext(name)]
	if ctype == "" || !fs.ValidPath(name) {
		return nil
	}
	blobsMu.Lock()
	defer blobsMu.Unlock()
	if b, ok := blobs[name]; ok {
		return b
	}
	body, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		return nil
	}
	b := newBlob(ctype, body)
	blobs[name] = b
	return b
}

// parseDashboardPage parses the page's template with the layout into pages.
func parseDashboardPage(pages map[string]*template.Template, funcs template.FuncMap) {
	fs := template.FuncMap{"tableOf": func(v view, c *chart) tableView {
		return tableView{Lang: v.Lang, Withheld: v.Data.(*dashboardView).Island.Withheld, Chart: c}
	}}
	for k, f := range funcs {
		fs[k] = f
	}
	pages["dashboard"] = template.Must(template.New("dashboard").Funcs(fs).ParseFS(templateFS, "templates/layout.html", "templates/dashboard.html"))
}

func init() {
	for k, v := range map[string]string{
		"dash.title":                    "志愿服务全流程评估",
		"dash.filters":                  "筛选",
		"dash.f.from":                   "开始日期",
		"dash.f.to":                     "结束日期",
		"dash.f.district":               "区",
		"dash.f.street":                 "街道（乡镇）",
		"dash.f.domain":                 "服务领域",
		"dash.all":                      "全部",
		"dash.apply":                    "应用筛选",
		"dash.note":                     "涉及人数少于 %d 人的数字不显示（最小人群规模），以保护个人信息。",
		"dash.withheld":                 "少于%d人",
		"dash.err.filter":               "筛选条件有误，请按提示修改后再应用。",
		"dash.err.date":                 "请选择有效的日期，例如 2026-11-02。",
		"dash.err.order":                "结束日期不能早于开始日期。",
		"dash.err.district":             "请从列表中选择区。",
		"dash.err.street":               "请选择所选区内的街道。",
		"dash.err.domain":               "请从列表中选择服务领域。",
		"dash.kpis":                     "核心指标",
		"dash.funnel":                   "需求漏斗",
		"dash.weekly":                   "每周趋势",
		"dash.map":                      "各区补位情况",
		"dash.metric":                   "地图显示",
		"dash.gaps":                     "供需缺口（区 × 时段，未满足名额）",
		"dash.ranking":                  "推荐质量：各名次接受率",
		"dash.fairness":                 "公平：星级分布与时长集中度",
		"dash.streets":                  "各街道补位情况",
		"dash.streets.hint":             "在筛选中选择一个区后，这里显示该区各街道的补位情况。",
		"dash.csv":                      "下载 CSV",
		"dash.table":                    "查看数据表",
		"dash.footer":                   "数据来自事件日志，不含任何个人信息。地图边界：Vonng/adcode（CC BY 4.0）。",
		"dash.star0":                    "无星",
		"dash.star1":                    "1 星",
		"dash.stars":                    "%d 星",
		"dash.topDecile":                "前10%志愿者的时长占比（%）",
		"dash.kpi.needs_posted":         "发布需求",
		"dash.kpi.fill_rate":            "补位率",
		"dash.kpi.completion_rate":      "完成率",
		"dash.kpi.no_show_rate":         "爽约率",
		"dash.kpi.mean_rating":          "平均评分",
		"dash.kpi.hours":                "服务时长（小时）",
		"dash.kpi.active_volunteers":    "活跃志愿者",
		"dash.kpi.gini":                 "时长基尼系数",
		"dash.kpi.ndcg_at_k":            "推荐质量 NDCG@10",
		"dash.kpi.median_hours_to_fill": "补满用时中位数（小时）",
		"dash.col.kpi":                  "指标代码",
		"dash.col.kpi_name":             "指标",
		"dash.col.value":                "数值",
		"dash.col.step":                 "步骤代码",
		"dash.col.step_name":            "步骤",
		"dash.col.needs":                "需求数",
		"dash.col.week":                 "周",
		"dash.col.monday":               "周一日期",
		"dash.col.posted":               "发布需求",
		"dash.col.filled":               "已补位名额",
		"dash.col.completed":            "完成服务",
		"dash.col.hours":                "服务时长（小时）",
		"dash.col.district":             "区代码",
		"dash.col.district_name":        "区",
		"dash.col.street":               "街道代码",
		"dash.col.street_name":          "街道（乡镇）",
		"dash.col.slots":                "需要名额",
		"dash.col.unfilled":             "未满足名额",
		"dash.col.fill_rate":            "补位率（%）",
		"dash.col.time_of_week":         "时段代码",
		"dash.col.time_of_week_name":    "时段",
		"dash.col.rank":                 "名次",
		"dash.col.shown":                "展示次数",
		"dash.col.invited":              "邀请人次",
		"dash.col.accepted":             "接受人次",
		"dash.col.accept_rate":          "接受率（%）",
		"dash.col.measure":              "指标代码",
		"dash.col.measure_name":         "指标",
		"dash.w.posted":                 "发布需求",
		"dash.w.filled":                 "已补位名额",
		"dash.w.completed":              "完成服务",
		"dash.w.hours":                  "服务时长（小时）",
		"dash.w.acceptRate":             "接受率（%）",
		"dash.w.rank":                   "名次",
		"dash.w.volunteers":             "志愿者人数",
		"dash.w.topDecile":              "前10%志愿者",
		"dash.w.restOf":                 "其余90%",
		"dash.w.high":                   "高",
		"dash.w.low":                    "低",
		"dash.w.fillRate":               "补位率（%）",
		"dash.w.unfilled":               "未满足名额",
		"dash.w.noData":                 "无需求",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"dash.title":                    "Volunteer service: full-process evaluation",
		"dash.filters":                  "Filters",
		"dash.f.from":                   "From",
		"dash.f.to":                     "To",
		"dash.f.district":               "District",
		"dash.f.street":                 "Street or township",
		"dash.f.domain":                 "Domain",
		"dash.all":                      "All",
		"dash.apply":                    "Apply",
		"dash.note":                     "Figures about fewer than %d people are withheld (minimum group size), to protect personal information.",
		"dash.withheld":                 "<%d",
		"dash.err.filter":               "A filter is not valid; correct it as shown and apply again.",
		"dash.err.date":                 "Choose a valid date, e.g. 2026-11-02.",
		"dash.err.order":                "The end date cannot be before the start date.",
		"dash.err.district":             "Choose a district from the list.",
		"dash.err.street":               "Choose a street of the chosen district.",
		"dash.err.domain":               "Choose a domain from the list.",
		"dash.kpis":                     "Headline figures",
		"dash.funnel":                   "Need funnel",
		"dash.weekly":                   "Weekly trends",
		"dash.map":                      "Slots filled by district",
		"dash.metric":                   "Map shows",
		"dash.gaps":                     "Supply–demand gaps (district × time of week, unfilled slots)",
		"dash.ranking":                  "Ranking quality: acceptance by position",
		"dash.fairness":                 "Fairness: star levels and concentration of hours",
		"dash.streets":                  "Slots filled by street",
		"dash.streets.hint":             "Choose a district in the filters to see its streets here.",
		"dash.csv":                      "Download CSV",
		"dash.table":                    "Show the data table",
		"dash.footer":                   "Figures come from the event log; no personal data. Boundaries: Vonng/adcode (CC BY 4.0).",
		"dash.star0":                    "No star",
		"dash.star1":                    "1 star",
		"dash.stars":                    "%d stars",
		"dash.topDecile":                "Share of hours of the top 10% of volunteers (%)",
		"dash.kpi.needs_posted":         "Needs posted",
		"dash.kpi.fill_rate":            "Fill rate",
		"dash.kpi.completion_rate":      "Completion rate",
		"dash.kpi.no_show_rate":         "No-show rate",
		"dash.kpi.mean_rating":          "Mean rating",
		"dash.kpi.hours":                "Hours delivered",
		"dash.kpi.active_volunteers":    "Active volunteers",
		"dash.kpi.gini":                 "Gini of hours",
		"dash.kpi.ndcg_at_k":            "Ranking quality NDCG@10",
		"dash.kpi.median_hours_to_fill": "Median hours to fill",
		"dash.col.kpi":                  "Figure code",
		"dash.col.kpi_name":             "Figure",
		"dash.col.value":                "Value",
		"dash.col.step":                 "Step code",
		"dash.col.step_name":            "Step",
		"dash.col.needs":                "Needs",
		"dash.col.week":                 "Week",
		"dash.col.monday":               "Monday",
		"dash.col.posted":               "Needs posted",
		"dash.col.filled":               "Slots filled",
		"dash.col.completed":            "Completed",
		"dash.col.hours":                "Hours",
		"dash.col.district":             "District code",
		"dash.col.district_name":        "District",
		"dash.col.street":               "Street code",
		"dash.col.street_name":          "Street or township",
		"dash.col.slots":                "Slots asked",
		"dash.col.unfilled":             "Unfilled slots",
		"dash.col.fill_rate":            "Fill rate (%)",
		"dash.col.time_of_week":         "Time code",
		"dash.col.time_of_week_name":    "Time of week",
		"dash.col.rank":                 "Rank",
		"dash.col.shown":                "Shown",
		"dash.col.invited":              "Invited",
		"dash.col.accepted":             "Accepted",
		"dash.col.accept_rate":          "Acceptance rate (%)",
		"dash.col.measure":              "Figure code",
		"dash.col.measure_name":         "Figure",
		"dash.w.posted":                 "Needs posted",
		"dash.w.filled":                 "Slots filled",
		"dash.w.completed":              "Completed",
		"dash.w.hours":                  "Hours",
		"dash.w.acceptRate":             "Acceptance rate (%)",
		"dash.w.rank":                   "Rank",
		"dash.w.volunteers":             "Volunteers",
		"dash.w.topDecile":              "Top 10% of volunteers",
		"dash.w.restOf":                 "Other 90%",
		"dash.w.high":                   "High",
		"dash.w.low":                    "Low",
		"dash.w.fillRate":               "Fill rate (%)",
		"dash.w.unfilled":               "Unfilled slots",
		"dash.w.noData":                 "no needs",
	} {
		messages[langEN][k] = v
	}
}
