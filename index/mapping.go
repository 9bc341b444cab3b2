package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/exception"
	bleveregexp "github.com/blevesearch/bleve/v2/analysis/tokenizer/regexp"
	"github.com/blevesearch/bleve/v2/mapping"

	"volmatch"
)

// mappingVersion changes whenever the mapping or the document shape changes,
// so that an index built by an older binary is rebuilt rather than misread.
const mappingVersion = "volmatch-text-3"

// Names used in the Bleve mapping.
const (
	typeNeed      = string(volmatch.ChangeNeed)
	typeVolunteer = string(volmatch.ChangeVolunteer)

	fieldKind        = "kind"
	fieldText        = "text"     // cjk bigrams of the free text
	fieldTextSyn     = "text_syn" // taxonomy terms of the free text, with synonyms
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
	fieldPoint       = "point" // needs
	fieldHome        = "home"  // volunteers

	analyzerTaxonomy  = "vm_taxonomy"
	tokenizerTaxonomy = "vm_taxonomy_terms"
	tokenizerNothing  = "vm_nothing"
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
	}{mappingVersion, o.groups()})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// termsPattern returns one regular expression matching any taxonomy term,
// longest first so that 手语翻译 is kept whole rather than as 手语.
func termsPattern(groups [][]string) string {
	var terms []string
	for _, g := range groups {
		terms = append(terms, g...)
	}
	slices.SortFunc(terms, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	terms = slices.Compact(terms)
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = regexp.QuoteMeta(t)
	}
	return "(?i)(?:" + strings.Join(quoted, "|") + ")"
}

// buildMapping returns the index mapping: one document type per kind, no
// stored fields, no _all field, nothing dynamic.
//
// Free text is indexed twice. The field "text" uses the cjk analyzer
// (bigrams), which finds any substring of two characters or more. The field
// "text_syn" keeps only the taxonomy terms, each as one token (an exception
// tokenizer whose remainder tokenizer yields nothing), and carries the
// taxonomy synonym source. Bleve keeps a synonym only when the source's
// analyzer turns it into exactly one token, which the cjk analyzer does not
// do for a four-character term such as 心理疏导 (three bigrams); hence the
// second field.
func buildMapping(o Options) (*mapping.IndexMappingImpl, error) {
	groups := o.groups()
	im := bleve.NewIndexMapping()
	im.DefaultMapping.Enabled = false
	im.DefaultMapping.Dynamic = false
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = keyword.Name

	withSyn := len(groups) > 0
	if withSyn {
		if err := im.AddCustomTokenizer(tokenizerNothing, map[string]any{
			"type":   bleveregexp.Name,
			"regexp": `[^\s\S]`,
		}); err != nil {
			return nil, err
		}
		if err := im.AddCustomTokenizer(tokenizerTaxonomy, map[string]any{
			"type":       exception.Name,
			"exceptions": []any{termsPattern(groups)},
			"tokenizer":  tokenizerNothing,
		}); err != nil {
			return nil, err
		}
		if err := im.AddCustomAnalyzer(analyzerTaxonomy, map[string]any{
			"type":          custom.Name,
			"tokenizer":     tokenizerTaxonomy,
			"token_filters": []any{cjk.WidthName, lowercase.Name},
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

	keywordField := func() *mapping.FieldMapping {
		fm := bleve.NewKeywordFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		return fm
	}
	textFields := func() []*mapping.FieldMapping {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = cjk.AnalyzerName
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		fms := []*mapping.FieldMapping{fm}
		if withSyn {
			sf := bleve.NewTextFieldMapping()
			sf.Name = fieldTextSyn
			sf.Analyzer = analyzerTaxonomy
			sf.SynonymSource = synonymSource
			sf.Store = false
			sf.IncludeInAll = false
			sf.IncludeTermVectors = false
			sf.DocValues = false
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
	docMapping := func(keywords []string, geo string) *mapping.DocumentMapping {
		dm := bleve.NewDocumentStaticMapping()
		for _, k := range keywords {
			dm.AddFieldMappingsAt(k, keywordField())
		}
		dm.AddFieldMappingsAt(fieldText, textFields()...)
		dm.AddFieldMappingsAt(geo, geoField())
		return dm
	}

	im.AddDocumentMapping(typeNeed, docMapping([]string{
		fieldKind, fieldOrg, fieldDistrict, fieldStreet, fieldDomain, fieldTargetGroup, fieldMode,
		fieldUrgency, fieldStatus, fieldSkill, fieldCertificate, fieldTraining, fieldLanguage,
	}, fieldPoint))
	im.AddDocumentMapping(typeVolunteer, docMapping([]string{
		fieldKind, fieldDistrict, fieldStreet, fieldDomain, fieldSkill, fieldCertificate,
		fieldTraining, fieldLanguage,
	}, fieldHome))
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
// birth year, nothing derived.
type volunteerDoc struct {
	Kind        string   `json:"kind"`
	Text        string   `json:"text"`
	District    string   `json:"district,omitempty"`
	Street      string   `json:"street,omitempty"`
	Domain      []string `json:"domain,omitempty"`
	Skill       []string `json:"skill,omitempty"`
	Certificate []string `json:"certificate,omitempty"`
	Training    []string `json:"training,omitempty"`
	Language    []string `json:"language,omitempty"`
	Home        geoPoint `json:"home"`
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

func newVolunteerDoc(v *volmatch.Volunteer) volunteerDoc {
	d := volunteerDoc{
		Kind:     typeVolunteer,
		Text:     v.Bio,
		District: v.District,
		Street:   v.Street,
		Domain:   v.PreferredDomains,
		Training: v.Trainings,
		Language: v.Languages,
		Home:     geoPoint{Lon: v.Home.Lng, Lat: v.Home.Lat},
	}
	for _, s := range v.Skills {
		d.Skill = append(d.Skill, s.Skill)
	}
	for _, c := range v.Certificates {
		d.Certificate = append(d.Certificate, c.Name)
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
