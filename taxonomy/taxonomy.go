package taxonomy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed taxonomy.json
var taxonomyJSON []byte

// Kinds of taxonomy nodes.
const (
	KindDomain  = "domain"  // one of the 13 professional domains (分领域)
	KindService = "service" // a community service type (社区服务类型)
	KindSkill   = "skill"   // a skill under a domain, a service or another skill
)

// Skill is a node of the skill taxonomy: a professional domain, a community
// service type or a skill. Key is the English snake_case ID that records
// carry; Name is the Chinese name that people search for.
type Skill struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	NameEN   string   `json:"name_en"`
	Parent   string   `json:"parent,omitempty"`
	Kind     string   `json:"kind"`
	Synonyms []string `json:"synonyms,omitempty"` // other Chinese names
	Related  []string `json:"related,omitempty"`  // keys of related nodes
	// Certificate is the certificate key that proves expertise in the skill
	// (a professional holds it), empty when none is usual.
	Certificate string `json:"certificate,omitempty"`
	// Training is, for a domain or service, the training its posts usually
	// require before service (先培训再上岗), empty when none.
	Training string `json:"training,omitempty"`
}

// Term is an entry of a vocabulary (certificates, trainings): a key and its
// Chinese name.
type Term struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Taxonomy is the skill taxonomy with the certificate and training
// vocabularies. It is immutable and safe for concurrent use.
type Taxonomy struct {
	nodes     map[string]*Skill
	skills    []Skill // kind skill, by key
	domains   []Skill // domains then services, each by key
	byText    map[string]string
	related   map[[2]string]bool
	certs     []Term
	trainings []Term
	certName  map[string]string
	trainName map[string]string
}

var (
	taxOnce sync.Once
	taxVal  *Taxonomy
)

// Load returns the embedded taxonomy (taxonomy.json), parsed once. It
// panics only if the embedded file is corrupt.
func Load() *Taxonomy {
	taxOnce.Do(func() {
		t, err := Parse(taxonomyJSON)
		if err != nil {
			panic(fmt.Sprintf("taxonomy: embedded file: %v", err))
		}
		taxVal = t
	})
	return taxVal
}

// JSON returns the embedded taxonomy file. The caller must not modify the
// slice.
func JSON() []byte { return taxonomyJSON }

type taxonomyFile struct {
	Version      int     `json:"version"`
	Nodes        []Skill `json:"nodes"`
	Certificates []Term  `json:"certificates"`
	Trainings    []Term  `json:"trainings"`
}

// Parse reads a taxonomy file and checks it: unique keys, Chinese
// names and synonyms; known kinds; every parent, related key, certificate and
// training defined; domains and services at the top and no cycles.
func Parse(b []byte) (*Taxonomy, error) {
	var f taxonomyFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	t := &Taxonomy{nodes: map[string]*Skill{}, byText: map[string]string{}, related: map[[2]string]bool{},
		certName: map[string]string{}, trainName: map[string]string{}}
	for _, c := range f.Certificates {
		if c.Key == "" || c.Name == "" || t.certName[c.Key] != "" {
			return nil, fmt.Errorf("certificate %q: empty or duplicate", c.Key)
		}
		t.certName[c.Key] = c.Name
		t.certs = append(t.certs, c)
	}
	for _, c := range f.Trainings {
		if c.Key == "" || c.Name == "" || t.trainName[c.Key] != "" {
			return nil, fmt.Errorf("training %q: empty or duplicate", c.Key)
		}
		t.trainName[c.Key] = c.Name
		t.trainings = append(t.trainings, c)
	}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if n.Key == "" || n.Name == "" {
			return nil, fmt.Errorf("node %d: key and name are required", i)
		}
		if _, dup := t.nodes[n.Key]; dup {
			return nil, fmt.Errorf("node %q: duplicate key", n.Key)
		}
		t.nodes[n.Key] = n
		for _, s := range append([]string{n.Name}, n.Synonyms...) {
			k := normText(s)
			if other, dup := t.byText[k]; dup {
				return nil, fmt.Errorf("node %q: name or synonym %q already used by %q", n.Key, s, other)
			}
			t.byText[k] = n.Key
		}
	}
	for _, n := range t.nodes {
		switch n.Kind {
		case KindDomain, KindService:
			if n.Parent != "" {
				return nil, fmt.Errorf("node %q: a %s has no parent", n.Key, n.Kind)
			}
		case KindSkill:
			if _, ok := t.nodes[n.Parent]; !ok {
				return nil, fmt.Errorf("node %q: unknown parent %q", n.Key, n.Parent)
			}
		default:
			return nil, fmt.Errorf("node %q: unknown kind %q", n.Key, n.Kind)
		}
		for _, r := range n.Related {
			if _, ok := t.nodes[r]; !ok || r == n.Key {
				return nil, fmt.Errorf("node %q: related key %q is unknown or itself", n.Key, r)
			}
			t.related[pair(n.Key, r)] = true
		}
		if n.Certificate != "" && t.certName[n.Certificate] == "" {
			return nil, fmt.Errorf("node %q: unknown certificate %q", n.Key, n.Certificate)
		}
		if n.Training != "" && t.trainName[n.Training] == "" {
			return nil, fmt.Errorf("node %q: unknown training %q", n.Key, n.Training)
		}
	}
	// Every chain of parents must end at a domain or service within as
	// many steps as there are nodes; otherwise there is a cycle.
	for _, n := range t.nodes {
		if t.top(n.Key) == "" {
			return nil, fmt.Errorf("node %q: parent chain has a cycle", n.Key)
		}
		if n.Parent != "" {
			t.related[pair(n.Key, n.Parent)] = true
		}
	}
	for _, n := range f.Nodes {
		if n.Kind == KindSkill {
			t.skills = append(t.skills, n)
		} else {
			t.domains = append(t.domains, n)
		}
	}
	sort.Slice(t.skills, func(i, j int) bool { return t.skills[i].Key < t.skills[j].Key })
	sort.SliceStable(t.domains, func(i, j int) bool {
		a, b := t.domains[i], t.domains[j]
		if a.Kind != b.Kind {
			return a.Kind == KindDomain
		}
		return a.Key < b.Key
	})
	return t, nil
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func normText(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// top walks up the parents; "" on a cycle or a broken chain.
func (t *Taxonomy) top(key string) string {
	for range len(t.nodes) + 1 {
		n, ok := t.nodes[key]
		if !ok {
			return ""
		}
		if n.Parent == "" {
			return n.Key
		}
		key = n.Parent
	}
	return ""
}

func clone(s Skill) Skill {
	s.Synonyms = append([]string(nil), s.Synonyms...)
	s.Related = append([]string(nil), s.Related...)
	return s
}

// Skill returns the node with the key (a domain, service or skill).
func (t *Taxonomy) Skill(key string) (Skill, bool) {
	n, ok := t.nodes[key]
	if !ok {
		return Skill{}, false
	}
	return clone(*n), true
}

// Has reports whether key is a node of any kind: domain, service or skill.
// It is the known-key check for Volunteer.CheckSkills and Need.CheckSkills.
func (t *Taxonomy) Has(key string) bool { _, ok := t.nodes[key]; return ok }

// Skills returns the nodes of kind skill, ordered by key.
func (t *Taxonomy) Skills() []Skill {
	out := make([]Skill, len(t.skills))
	for i, s := range t.skills {
		out[i] = clone(s)
	}
	return out
}

// Domains returns the top-level nodes: the professional domains by key, then
// the community service types by key.
func (t *Taxonomy) Domains() []Skill {
	out := make([]Skill, len(t.domains))
	for i, s := range t.domains {
		out[i] = clone(s)
	}
	return out
}

// DomainOf returns the top-level ancestor (domain or service) of key, key
// itself for a top-level node, and "" for an unknown key.
func (t *Taxonomy) DomainOf(key string) string { return t.top(key) }

// Children returns the keys of the nodes whose parent is key, sorted.
func (t *Taxonomy) Children(key string) []string {
	var out []string
	for _, n := range t.nodes {
		if n.Parent == key {
			out = append(out, n.Key)
		}
	}
	sort.Strings(out)
	return out
}

// Related reports whether two different nodes are related: one lists the
// other as related (either way round: the relation is symmetric), or one is
// the other's parent. Siblings are not related by this test (the scorer can
// compare DomainOf for that), and a key is not related to itself.
func (t *Taxonomy) Related(a, b string) bool {
	if a == b {
		return false
	}
	return t.related[pair(a, b)]
}

// Lookup finds the key of the node whose Chinese name or synonym is text
// (surrounding spaces and ASCII case ignored): Lookup("心理咨询") =
// "psych_counseling". Keys themselves are found too.
func (t *Taxonomy) Lookup(text string) (string, bool) {
	if k, ok := t.byText[normText(text)]; ok {
		return k, true
	}
	if _, ok := t.nodes[strings.TrimSpace(text)]; ok {
		return strings.TrimSpace(text), true
	}
	return "", false
}

// SynonymGroups returns, for every skill with synonyms (ordered by key), its
// Chinese name followed by its synonyms: the synonym source for text search.
func (t *Taxonomy) SynonymGroups() [][]string {
	var out [][]string
	for _, s := range t.skills {
		if len(s.Synonyms) > 0 {
			out = append(out, append([]string{s.Name}, s.Synonyms...))
		}
	}
	return out
}

// Labels returns the Chinese names people search for of every key a record
// may hold: each node's name and synonyms, each certificate's and each
// training's name. The text index makes a volunteer's public text of them
// (index.Options.Labels).
func (t *Taxonomy) Labels() map[string][]string {
	out := make(map[string][]string, len(t.nodes)+len(t.certs)+len(t.trainings))
	for k, n := range t.nodes {
		out[k] = append([]string{n.Name}, n.Synonyms...)
	}
	for _, c := range t.certs {
		out[c.Key] = append(out[c.Key], c.Name)
	}
	for _, c := range t.trainings {
		out[c.Key] = append(out[c.Key], c.Name)
	}
	return out
}

// Certificates returns the certificate vocabulary in file order.
func (t *Taxonomy) Certificates() []Term { return append([]Term(nil), t.certs...) }

// Trainings returns the training vocabulary in file order.
func (t *Taxonomy) Trainings() []Term { return append([]Term(nil), t.trainings...) }

// CertificateName returns the Chinese name of a certificate key, "" if
// unknown.
func (t *Taxonomy) CertificateName(key string) string { return t.certName[key] }

// TrainingName returns the Chinese name of a training key, "" if unknown.
func (t *Taxonomy) TrainingName(key string) string { return t.trainName[key] }

// HasCertificate reports whether key is in the certificate vocabulary.
func (t *Taxonomy) HasCertificate(key string) bool { return t.certName[key] != "" }

// HasTraining reports whether key is in the training vocabulary.
func (t *Taxonomy) HasTraining(key string) bool { return t.trainName[key] != "" }
