package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"volmatch"
)

// mappingVersion changes whenever the mapping or the document shape changes,
// so that an index built by an older binary is rebuilt rather than misread.
const mappingVersion = "volmatch-text-8"

// Names used in the Bleve mapping.
const (
	typeNeed      = string(volmatch.ChangeNeed)
	typeVolunteer = string(volmatch.ChangeVolunteer)
	typeCatalog   = "catalog" // every catalogue kind (volmatch.CatalogKinds)

	fieldKind        = "kind"
	fieldText        = "text"        // cjk bigrams of the public free text
	fieldTextSyn     = "text_syn"    // taxonomy terms of the public free text, with synonyms
	fieldPrivate     = "private"     // cjk bigrams of a volunteer's private text (the bio)
	fieldPrivateSyn  = "private_syn" // its taxonomy terms, with synonyms
	fieldFindable    = "findable"    // "true" when the volunteer consented to be found
	fieldOrg         = "org"
	fieldDistrict    = "district"
	fieldStreet      = "street"
	fieldDomain      = "domain"
	fieldTargetGroup = "target_group"
	fieldMode        = "mode"
	fieldUrgency     = "urgency"
	fieldStatus      = "status"
	fieldSkill       = "skill"
	fieldCertificate = "certificate"
	fieldTraining    = "training"
	fieldLanguage    = "language"
	fieldPoint       = "point"    // needs
	fieldHome        = "home"     // volunteers, coarse (Point.Coarse)
	fieldAudience    = "audience" // catalogue records: "all", or "org" for their organisation only

	analyzerText      = "vm_cjk" // cjk bigrams and the last character of each run
	analyzerTaxonomy  = "vm_taxonomy"
	tokenizerTaxonomy = "vm_taxonomy_terms"
	synonymSource     = "taxonomy"
	synonymCollection = "taxonomy"
	synonymIDPrefix   = "syn/"
)

// Options configure a text index; the zero value works (no synonyms).
type Options struct {
	// Synonyms are groups of equivalent terms (Chinese), from the skill
	// taxonomy: a query for any term of a group finds text holding another.
	// An index on disk built with other groups is emptied by Open, and a
	// Follower then rebuilds it.
	Synonyms [][]string
	// Labels are the names people search for (Chinese) of the keys a
	// volunteer's record holds: skills, domains, trainings, languages. A
	// volunteer's public text is the labels of their keys and the names
	// of their certificates, so that a caller who may not read the bio
	// still finds a volunteer by what the masked view shows. Keys without
	// a label are not indexed as text.
	Labels map[string][]string
}

// groups returns the synonym groups cleaned: terms trimmed, empty and
// repeated terms dropped, groups of fewer than two terms dropped.
func (o Options) groups() [][]string {
	var out [][]string
	for _, g := range o.Synonyms {
		seen := map[string]bool{}
		var terms []string
		for _, t := range g {
			t = strings.TrimSpace(t)
			k := strings.ToLower(t)
			if t == "" || seen[k] {
				continue
			}
			seen[k] = true
			terms = append(terms, t)
		}
		if len(terms) >= 2 {
			out = append(out, terms)
		}
	}
	return out
}

// fingerprint identifies the mapping an index was built with.
func (o Options) fingerprint() string {
	b, _ := json.Marshal(struct {
		V string
		S [][]string
		L map[string][]string // encoding/json sorts the keys
	}{mappingVersion, o.groups(), o.Labels})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TermsTokenizerName is the Bleve tokenizer type that package index
// registers: it yields only the terms of a dictionary found in the text.
const TermsTokenizerName = "volmatch_terms"

// RunEndFilterName is the Bleve token filter type that package index
// registers: placed after cjk_bigram, it adds the last character of each
// run of bigrams as a token of its own.
const RunEndFilterName = "volmatch_run_end"

func init() {
	if err := registry.RegisterTokenizer(TermsTokenizerName, termsTokenizerConstructor); err != nil {
		panic(err)
	}
	if err := registry.RegisterTokenFilter(RunEndFilterName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return runEndFilter{}, nil
	}); err != nil {
		panic(err)
	}
}

// runEndFilter follows cjk_bigram: for the last bigram of each run of
// ideographs (ABCD gives AB BC CD) it adds the run's last character (D) as
// a token. Every character of a run is then the first character of some
// token, so a prefix query of one character finds every text holding it,
// reading only the terms that start with it: a single-character word needs
// no wildcard (whose cost grows with the whole dictionary).
type runEndFilter struct{}

// Filter implements analysis.TokenFilter.
func (runEndFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in)+len(in)/4)
	for i, t := range in {
		out = append(out, t)
		if t.Type != analysis.Double {
			continue
		}
		_, first := utf8.DecodeRune(t.Term)
		if i+1 < len(in) && in[i+1].Type == analysis.Double && in[i+1].Start == t.Start+first {
			continue // the run goes on
		}
		out = append(out, &analysis.Token{
			Term:     t.Term[first:],
			Start:    t.Start + first,
			End:      t.End,
			Position: t.Position,
			Type:     analysis.Single,
		})
	}
	return out
}

// termsTokenizer finds dictionary terms in text, longest first at each
// position, case- and width-insensitively, and yields each found term, in
// its normal form, as one token; the rest of the text yields nothing.
// (Bleve's exception tokenizer with a regular expression of the terms did
// the same at a quarter of the indexing speed.)
type termsTokenizer struct {
	terms   map[string]bool // normal forms
	lengths []int           // distinct term lengths in runes, longest first
}

func termsTokenizerConstructor(config map[string]any, _ *registry.Cache) (analysis.Tokenizer, error) {
	var terms []string
	switch ts := config["terms"].(type) {
	case []any:
		for _, t := range ts {
			str, ok := t.(string)
			if !ok {
				return nil, fmt.Errorf("%s: terms must be strings, got %T", TermsTokenizerName, t)
			}
			terms = append(terms, str)
		}
	case []string:
		terms = ts
	default:
		return nil, fmt.Errorf("%s: config needs a list of terms", TermsTokenizerName)
	}
	tk := &termsTokenizer{terms: map[string]bool{}}
	seen := map[int]bool{}
	for _, t := range terms {
		n := normalTerm(t)
		if n == "" {
			continue
		}
		tk.terms[n] = true
		if l := utf8.RuneCountInString(n); !seen[l] {
			seen[l] = true
			tk.lengths = append(tk.lengths, l)
		}
	}
	slices.Sort(tk.lengths)
	slices.Reverse(tk.lengths)
	return tk, nil
}

// normalRune folds full-width ASCII to ASCII and letters to lower case.
func normalRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return unicode.ToLower(r)
}

func normalTerm(s string) string {
	return strings.Map(normalRune, strings.TrimSpace(s))
}

// Tokenize implements analysis.Tokenizer.
func (tk *termsTokenizer) Tokenize(input []byte) analysis.TokenStream {
	var out analysis.TokenStream
	if len(tk.terms) == 0 {
		return out
	}
	runes := make([]rune, 0, len(input))
	offs := make([]int, 0, len(input)+1) // byte offset of each rune, and the end
	for i, r := range string(input) {
		runes = append(runes, normalRune(r))
		offs = append(offs, i)
	}
	offs = append(offs, len(input))
	var buf strings.Builder
	for i := 0; i < len(runes); {
		found := 0
		for _, l := range tk.lengths {
			if i+l > len(runes) {
				continue
			}
			buf.Reset()
			for _, r := range runes[i : i+l] {
				buf.WriteRune(r)
			}
			if tk.terms[buf.String()] {
				found = l
				out = append(out, &analysis.Token{
					Term:     []byte(buf.String()),
					Start:    offs[i],
					End:      offs[i+l],
					Position: len(out) + 1,
					Type:     analysis.AlphaNumeric,
				})
				break
			}
		}
		if found > 0 {
			i += found
		} else {
			i++
		}
	}
	return out
}

// allTerms returns every term of the groups.
func allTerms(groups [][]string) []any {
	var out []any
	for _, g := range groups {
		for _, t := range g {
			out = append(out, t)
		}
	}
	return out
}

// buildMapping returns the index mapping: one document type per kind, no
// stored fields, no _all field, nothing dynamic.
//
// Free text is indexed twice. The field "text" uses the cjk analyzer's
// bigrams (plus the last character of each run, see runEndFilter), which
// find any substring of two characters or more, and of one by a prefix
// query. The field "text_syn" keeps only the taxonomy terms, each as one
// token (the volmatch_terms tokenizer), and carries the taxonomy synonym
// source. Bleve keeps a synonym only when the source's analyzer turns it
// into exactly one token, which the cjk analyzer does not do for a
// four-character term such as 心理疏导 (three bigrams); hence the second
// field. A volunteer's private text (the bio) is indexed the same way in
// its own fields, "private" and "private_syn", which only a query with
// Private reads: a caller who may not read a bio cannot search it either.
func buildMapping(o Options) (*mapping.IndexMappingImpl, error) {
	groups := o.groups()
	im := bleve.NewIndexMapping()
	im.DefaultMapping.Enabled = false
	im.DefaultMapping.Dynamic = false
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = keyword.Name

	if err := im.AddCustomAnalyzer(analyzerText, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unitok.Name,
		"token_filters": []any{cjk.WidthName, lowercase.Name, cjk.BigramName, RunEndFilterName},
	}); err != nil {
		return nil, err
	}
	withSyn := len(groups) > 0
	if withSyn {
		if err := im.AddCustomTokenizer(tokenizerTaxonomy, map[string]any{
			"type":  TermsTokenizerName,
			"terms": allTerms(groups),
		}); err != nil {
			return nil, err
		}
		if err := im.AddCustomAnalyzer(analyzerTaxonomy, map[string]any{
			"type":          custom.Name,
			"tokenizer":     tokenizerTaxonomy,
			"token_filters": []any{},
		}); err != nil {
			return nil, err
		}
		if err := im.AddSynonymSource(synonymSource, map[string]any{
			"collection": synonymCollection,
			"analyzer":   analyzerTaxonomy,
		}); err != nil {
			return nil, err
		}
	}

	// indexOnly makes a field searchable and nothing more: not stored, not
	// in _all, no term vectors or doc values.
	indexOnly := func(fm *mapping.FieldMapping) *mapping.FieldMapping {
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		return fm
	}
	keywordField := func() *mapping.FieldMapping { return indexOnly(bleve.NewKeywordFieldMapping()) }
	textField := func(name, analyzer string) *mapping.FieldMapping {
		fm := indexOnly(bleve.NewTextFieldMapping())
		fm.Name = name
		fm.Analyzer = analyzer
		return fm
	}
	textFields := func(name, synName string) []*mapping.FieldMapping {
		fms := []*mapping.FieldMapping{textField(name, analyzerText)}
		if withSyn {
			sf := textField(synName, analyzerTaxonomy)
			sf.SynonymSource = synonymSource
			fms = append(fms, sf)
		}
		return fms
	}
	geoField := func() *mapping.FieldMapping {
		fm := bleve.NewGeoPointFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = true // the distance sort reads it
		return fm
	}
	docMapping := func(keywords []string, geo string, private bool) *mapping.DocumentMapping {
		dm := bleve.NewDocumentStaticMapping()
		for _, k := range keywords {
			dm.AddFieldMappingsAt(k, keywordField())
		}
		dm.AddFieldMappingsAt(fieldText, textFields(fieldText, fieldTextSyn)...)
		if private {
			dm.AddFieldMappingsAt(fieldPrivate, textFields(fieldPrivate, fieldPrivateSyn)...)
		}
		dm.AddFieldMappingsAt(geo, geoField())
		// No query reads the composite _all field; leaving it out saves a
		// tenth of the indexing time.
		dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
		return dm
	}

	im.AddDocumentMapping(typeNeed, docMapping([]string{
		fieldKind, fieldOrg, fieldDistrict, fieldStreet, fieldDomain, fieldTargetGroup, fieldMode,
		fieldUrgency, fieldStatus, fieldSkill, fieldCertificate, fieldTraining, fieldLanguage,
	}, fieldPoint, false))
	// A volunteer document holds only what a Query can ask for: a million
	// of them are indexed, and every unused term costs indexing time.
	im.AddDocumentMapping(typeVolunteer, docMapping([]string{
		fieldKind, fieldDistrict, fieldDomain, fieldSkill, fieldFindable,
	}, fieldHome, true))
	im.AddDocumentMapping(typeCatalog, docMapping([]string{
		fieldKind, fieldOrg, fieldAudience, fieldDistrict, fieldStreet, fieldDomain, fieldSkill,
	}, fieldPoint, false))
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// geoPoint is a Bleve geopoint (lon/lat keys).
type geoPoint struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// needDoc is what Bleve sees of a need.
type needDoc struct {
	Kind        string   `json:"kind"`
	Text        string   `json:"text"`
	Org         string   `json:"org,omitempty"`
	District    string   `json:"district,omitempty"`
	Street      string   `json:"street,omitempty"`
	Domain      string   `json:"domain,omitempty"`
	TargetGroup string   `json:"target_group,omitempty"`
	Mode        string   `json:"mode,omitempty"`
	Urgency     string   `json:"urgency,omitempty"`
	Status      string   `json:"status,omitempty"`
	Skill       []string `json:"skill,omitempty"`
	Certificate []string `json:"certificate,omitempty"`
	Training    []string `json:"training,omitempty"`
	Language    []string `json:"language,omitempty"`
	Point       geoPoint `json:"point"`
}

// BleveType names the document mapping.
func (needDoc) BleveType() string { return typeNeed }

// volunteerDoc is what Bleve sees of a volunteer: no name, no phone, no
// birth year, no street, no exact home (the coarse point a masked view
// shows), nothing derived, and only the keys a Query filters by. The bio
// is kept apart from the public text (Private).
type volunteerDoc struct {
	Kind     string   `json:"kind"`
	Text     string   `json:"text"`
	Private  string   `json:"private,omitempty"`
	District string   `json:"district,omitempty"`
	Domain   []string `json:"domain,omitempty"`
	Skill    []string `json:"skill,omitempty"`
	Findable string   `json:"findable,omitempty"`
	Home     geoPoint `json:"home"`
}

// BleveType names the document mapping.
func (volunteerDoc) BleveType() string { return typeVolunteer }

func newNeedDoc(n *volmatch.Need) needDoc {
	d := needDoc{
		Kind:        typeNeed,
		Text:        strings.TrimSpace(n.Title + "\n" + n.Description),
		Org:         n.Org,
		District:    n.District,
		Street:      n.Street,
		Domain:      n.Domain,
		TargetGroup: n.TargetGroup,
		Mode:        string(n.Mode),
		Urgency:     string(n.Urgency),
		Status:      string(n.Status),
		Certificate: n.Requires.Certificates,
		Training:    n.Requires.Trainings,
		Language:    n.Requires.Languages,
		Point:       geoPoint{Lon: n.Point.Lng, Lat: n.Point.Lat},
	}
	if d.Status == "" {
		d.Status = string(volmatch.NeedOpen)
	}
	for _, s := range n.Requires.Skills {
		d.Skill = append(d.Skill, s.Skill)
	}
	return d
}

func newVolunteerDoc(v *volmatch.Volunteer, labels map[string][]string) volunteerDoc {
	home := v.Home.Coarse()
	d := volunteerDoc{
		Kind:     typeVolunteer,
		Text:     publicText(v, labels),
		Private:  v.Bio,
		District: v.District,
		Domain:   v.PreferredDomains,
		Home:     geoPoint{Lon: home.Lng, Lat: home.Lat},
	}
	if v.Consent.Findable {
		d.Findable = "true"
	}
	if len(v.Skills) > 0 {
		d.Skill = make([]string, len(v.Skills))
		for i, s := range v.Skills {
			d.Skill[i] = s.Skill
		}
	}
	return d
}

// publicText is the text of a volunteer that a masked view shows: the
// labels of their skills, preferred domains, trainings and languages, and
// their certificates' names, one a line.
func publicText(v *volmatch.Volunteer, labels map[string][]string) string {
	var b strings.Builder
	line := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	keys := func(k string) {
		for _, l := range labels[k] {
			line(l)
		}
	}
	for _, s := range v.Skills {
		keys(s.Skill)
	}
	for _, k := range v.PreferredDomains {
		keys(k)
	}
	for _, k := range v.Trainings {
		keys(k)
	}
	for _, k := range v.Languages {
		keys(k)
	}
	for _, c := range v.Certificates {
		line(c.Name) // a name, or a key of the vocabulary with its label
		keys(c.Name)
	}
	return b.String()
}

// Audiences of a catalogue document.
const (
	audienceAll = "all"
	audienceOrg = "org"
)

// catalogDoc is what Bleve sees of a catalogue record: its public words
// (name, description and the labels of its keys), place, keys and
// audience.
type catalogDoc struct {
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	Org      string    `json:"org,omitempty"`
	Audience string    `json:"audience"`
	District string    `json:"district,omitempty"`
	Street   string    `json:"street,omitempty"`
	Domain   string    `json:"domain,omitempty"`
	Skill    []string  `json:"skill,omitempty"`
	Point    *geoPoint `json:"point,omitempty"`
}

// BleveType names the document mapping.
func (catalogDoc) BleveType() string { return typeCatalog }

func newCatalogDoc(c volmatch.CatalogDoc, labels map[string][]string) catalogDoc {
	var b strings.Builder
	for _, s := range []string{c.Name, c.Text} {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	for _, k := range append([]string{c.Domain}, c.Keys...) {
		for _, l := range labels[k] {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	d := catalogDoc{Kind: string(c.Kind), Text: b.String(), Org: c.Org, Audience: audienceAll,
		District: c.District, Street: c.Street, Domain: c.Domain, Skill: c.Keys}
	if c.Restricted {
		d.Audience = audienceOrg
	}
	if c.Point != nil {
		d.Point = &geoPoint{Lon: c.Point.Lng, Lat: c.Point.Lat}
	}
	return d
}

// docID is the Bleve document ID of a record: kinds share one ID space.
func docID(kind volmatch.ChangeKind, id string) string { return string(kind) + "/" + id }

// splitDocID reverses docID.
func splitDocID(s string) (volmatch.ChangeKind, string, bool) {
	k, id, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", false
	}
	return volmatch.ChangeKind(k), id, true
}
