package web

import (
	"net/http"
	"regexp"
	"strings"

	"volmatch/taxonomy"
)

// Taxonomy search as you type: the need form's pickers of required skills,
// certificates and trainings are lists of checkboxes, every term of the
// vocabulary, so that the form works without a script. With htmx, the
// search box above a list asks GET /web/taxonomy for the terms matching
// what was typed (by Chinese name, synonym, English name or key) and
// swaps the list for them, the terms already ticked kept first and ticked
// (the request carries them). The endpoint answers an HTML fragment and is
// meant for any form that picks taxonomy terms (a volunteer's profile):
//
//	GET /web/taxonomy?kind=skill|certificate|training&q=急救&field=skills&skills=first_aid
//
// field names the checkboxes (the kind's plural when absent) and the
// chosen terms are read from it.

// Kinds of picker.
const (
	kindSkill       = "skill"
	kindCertificate = "certificate"
	kindTraining    = "training"
)

// maxPicked is the most matches the endpoint lists besides those chosen.
const maxPicked = 30

// maxQuery bounds the search text read (in bytes).
const maxQuery = 100

// fieldName is what a picker's field may be called.
var fieldName = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)

// term is a vocabulary entry with every text it is found by.
type term struct {
	Key, Name, NameEN string
	texts             []string
}

// picker is one taxonomy picker of a form.
type picker struct {
	Kind, Field, Label, Search, Hint, Error string
	List                                    pickList
}

// terms returns the vocabulary of kind (nil for an unknown kind).
func terms(tax *taxonomy.Taxonomy, kind string) []term {
	var out []term
	switch kind {
	case kindSkill:
		for _, sk := range tax.Skills() {
			out = append(out, term{Key: sk.Key, Name: sk.Name, NameEN: sk.NameEN,
				texts: append([]string{sk.Name, sk.NameEN, sk.Key}, sk.Synonyms...)})
		}
	case kindCertificate, kindTraining:
		ts := tax.Certificates()
		if kind == kindTraining {
			ts = tax.Trainings()
		}
		for _, t := range ts {
			out = append(out, term{Key: t.Key, Name: t.Name, texts: []string{t.Name, t.Key}})
		}
	}
	return out
}

// matches reports whether t is found by q: q within a name, a synonym or
// the key, ignoring case, and a key's underscores read as spaces.
func (t term) matches(q string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return true
	}
	for _, s := range t.texts {
		s = strings.ToLower(s)
		if strings.Contains(s, q) || strings.Contains(strings.ReplaceAll(s, "_", " "), q) {
			return true
		}
	}
	return false
}

// pickOptions returns the chosen terms of kind, ticked, then up to limit
// others that q finds (limit < 0: all), each once.
func pickOptions(tax *taxonomy.Taxonomy, lang, kind, q string, chosen []string, limit int) []choice {
	all := terms(tax, kind)
	picked := map[string]bool{}
	for _, k := range chosen {
		picked[k] = true
	}
	var out []choice
	for _, t := range all {
		if picked[t.Key] {
			out = append(out, choice{Value: t.Key, Label: termName(lang, t.Name, t.NameEN), Selected: true})
		}
	}
	n := 0
	for _, t := range all {
		if picked[t.Key] || !t.matches(q) {
			continue
		}
		if limit >= 0 && n == limit {
			break
		}
		out = append(out, choice{Value: t.Key, Label: termName(lang, t.Name, t.NameEN)})
		n++
	}
	return out
}

// newPicker is the picker of kind for a form: every term, the chosen ones
// first.
func newPicker(tax *taxonomy.Taxonomy, lang, kind, field string, chosen []string, errText string) picker {
	return picker{Kind: kind, Field: field, Label: msg(lang, "pick."+kind), Search: msg(lang, "pick.search"), Hint: msg(lang, "pick.hint"),
		Error: errText, List: pickList{Field: field, Options: pickOptions(tax, lang, kind, "", chosen, -1)}}
}

// taxonomyRoutes registers the search endpoint.
func (s *Server) taxonomyRoutes() {
	s.mux.Handle("GET /web/taxonomy", s.page(anyone, s.taxonomySearch))
}

// pickList is the fragment: the checkboxes of one picker.
type pickList struct {
	Field   string
	Options []choice
	Empty   string
}

// taxonomySearch answers the checkboxes of the terms of ?kind= that ?q=
// finds, the chosen ones (?<field>=) first.
func (s *Server) taxonomySearch(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	kind := q.Get("kind")
	field := q.Get("field")
	if field == "" {
		field = kind + "s"
	}
	if kind != kindSkill && kind != kindCertificate && kind != kindTraining || !fieldName.MatchString(field) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(msg(r.lang, "pick.bad")))
		return
	}
	text := q.Get("q")
	if len(text) > maxQuery {
		text = text[:maxQuery]
	}
	chosen := distinct(q[field])
	if len(chosen) > maxShiftRows*10 {
		chosen = chosen[:maxShiftRows*10]
	}
	d := pickList{Field: field, Options: pickOptions(s.eng.Taxonomy(), r.lang, kind, text, chosen, maxPicked)}
	if len(d.Options) == 0 {
		d.Empty = msg(r.lang, "pick.none")
	}
	var b bufWriter
	if err := s.pages["taxonomy"].ExecuteTemplate(&b, "picklist", d); err != nil {
		s.opt.Logger.Error("web: render", "page", "taxonomy", "err", err)
		http.Error(w, msg(r.lang, "error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b)
}

func init() {
	for k, v := range map[string]string{
		"pick.skill":        "所需技能",
		"pick.certificate":  "所需证书",
		"pick.training":     "所需培训（先培训再上岗）",
		"pick.search":       "按名称搜索",
		"pick.hint":         "勾选所需的项目；不选表示不限。输入中文名称（或英文）可快速查找。",
		"pick.none":         "没有找到，请换一个词。",
		"pick.bad":          "搜索类型无效。",
		"ferr.certificates": "请从列表中选择证书。",
		"ferr.trainings":    "请从列表中选择培训。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"pick.skill":        "Skills needed",
		"pick.certificate":  "Certificates needed",
		"pick.training":     "Trainings needed (trained before serving)",
		"pick.search":       "Search by name",
		"pick.hint":         "Tick what is needed; none means any. Type a Chinese or English name to find it.",
		"pick.none":         "Nothing found; try another word.",
		"pick.bad":          "Unknown kind of search.",
		"ferr.certificates": "Choose certificates from the list.",
		"ferr.trainings":    "Choose trainings from the list.",
	} {
		messages[langEN][k] = v
	}
}
