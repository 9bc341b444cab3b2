package taxonomy

import (
	"strings"
	"testing"
)

func TestTaxonomyShape(t *testing.T) {
	tax := Load()
	skills := tax.Skills()
	if len(skills) < 80 {
		t.Fatalf("len(Skills()) = %d, want at least 80", len(skills))
	}
	for i, s := range skills {
		if i > 0 && skills[i-1].Key >= s.Key {
			t.Errorf("Skills() not sorted by key at %q", s.Key)
		}
		if s.Kind != KindSkill || s.NameEN == "" || s.Name == "" {
			t.Errorf("skill %q: kind %q, name %q, name_en %q", s.Key, s.Kind, s.Name, s.NameEN)
		}
		if !tax.Has(s.Parent) {
			t.Errorf("skill %q: parent %q does not exist", s.Key, s.Parent)
		}
		for _, r := range s.Related {
			if !tax.Has(r) {
				t.Errorf("skill %q: related %q does not exist", s.Key, r)
			}
		}
		if s.Certificate != "" && tax.CertificateName(s.Certificate) == "" {
			t.Errorf("skill %q: certificate %q does not exist", s.Key, s.Certificate)
		}
		for _, c := range s.Key {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				t.Errorf("skill key %q is not snake_case", s.Key)
				break
			}
		}
		// No cycles: the chain of parents ends at a top-level node.
		seen := map[string]bool{}
		for k := s.Key; k != ""; {
			if seen[k] {
				t.Fatalf("skill %q: cycle through %q", s.Key, k)
			}
			seen[k] = true
			n, _ := tax.Skill(k)
			k = n.Parent
		}
		if d := tax.DomainOf(s.Key); d == "" {
			t.Errorf("DomainOf(%q) = %q", s.Key, d)
		}
	}
	var domains, services int
	for _, d := range tax.Domains() {
		switch d.Kind {
		case KindDomain:
			domains++
		case KindService:
			services++
		}
		if d.Parent != "" {
			t.Errorf("top-level %q has parent %q", d.Key, d.Parent)
		}
	}
	if domains != 13 || services < 12 {
		t.Errorf("domains = %d, services = %d; want 13 and at least 12", domains, services)
	}
	if len(tax.Certificates()) < 9 || len(tax.Trainings()) < 6 {
		t.Errorf("certificates %d, trainings %d: too few", len(tax.Certificates()), len(tax.Trainings()))
	}
}

func TestTaxonomyExamples(t *testing.T) {
	tax := Load()
	for _, c := range []struct{ text, key, parent, domain string }{
		{"心理疏导", "psych_counseling", "psychology", "psychology"},
		{"心理咨询", "psych_counseling", "psychology", "psychology"},
		{"急救", "first_aid", "emergency", "emergency"},
		{"手语", "sign_language", "language", "language"},
		{"手语翻译", "sign_language", "language", "language"},
		{"心肺复苏", "cpr", "first_aid", "emergency"},
		{" cpr ", "cpr", "first_aid", "emergency"},
		{"应急救援", "emergency", "", "emergency"},
		{"数学辅导", "math_tutoring", "tutoring", "education"},
	} {
		t.Run(c.text, func(t *testing.T) {
			k, ok := tax.Lookup(c.text)
			if !ok || k != c.key {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", c.text, k, ok, c.key)
			}
			s, _ := tax.Skill(k)
			if s.Parent != c.parent {
				t.Errorf("Skill(%q).Parent = %q, want %q", k, s.Parent, c.parent)
			}
			if d := tax.DomainOf(k); d != c.domain {
				t.Errorf("DomainOf(%q) = %q, want %q", k, d, c.domain)
			}
		})
	}
	if _, ok := tax.Lookup("量子计算"); ok {
		t.Errorf("Lookup(量子计算) found something")
	}
	if n := tax.CertificateName("first_aid_cert"); n != "红十字救护员证" {
		t.Errorf("CertificateName(first_aid_cert) = %q", n)
	}
	for _, k := range []string{"psych_counselor_cert", "lawyer_license", "nurse_license", "teacher_cert", "social_worker_cert", "sign_language_cert", "driver_license", "lifeguard_cert"} {
		if tax.CertificateName(k) == "" {
			t.Errorf("CertificateName(%q) is empty", k)
		}
	}
	for _, k := range []string{"general_orientation", "elderly_care_training", "emergency_training", "psych_first_aid", "child_protection", "disability_assist"} {
		if tax.TrainingName(k) == "" {
			t.Errorf("TrainingName(%q) is empty", k)
		}
	}
	if tax.TrainingName("general_orientation") != "志愿者通识培训" {
		t.Errorf("TrainingName(general_orientation) = %q", tax.TrainingName("general_orientation"))
	}
}

func TestTaxonomyRelated(t *testing.T) {
	tax := Load()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"psych_counseling", "crisis_intervention", true}, // listed
		{"crisis_intervention", "psych_counseling", true}, // symmetric
		{"cpr", "first_aid", true},                        // child and parent
		{"first_aid", "emergency", true},                  // skill and its domain
		{"psych_counseling", "psych_counseling", false},   // itself
		{"math_tutoring", "english_tutoring", false},      // siblings
		{"first_aid", "calligraphy", false},
		{"first_aid", "no_such_key", false},
	} {
		if got := tax.Related(c.a, c.b); got != c.want {
			t.Errorf("Related(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestSynonymGroups(t *testing.T) {
	tax := Load()
	groups := tax.SynonymGroups()
	found := false
	for _, g := range groups {
		if len(g) < 2 {
			t.Errorf("group %v has fewer than two terms", g)
		}
		if g[0] == "心理疏导" && strings.Contains(strings.Join(g, ","), "心理咨询") {
			found = true
		}
	}
	if !found {
		t.Errorf("SynonymGroups() has no group 心理疏导 ~ 心理咨询")
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"unknown parent", `{"nodes":[{"key":"a","name":"甲","kind":"skill","parent":"b"}]}`, "unknown parent"},
		{"cycle", `{"nodes":[{"key":"a","name":"甲","kind":"skill","parent":"b"},{"key":"b","name":"乙","kind":"skill","parent":"a"}]}`, "cycle"},
		{"unknown related", `{"nodes":[{"key":"a","name":"甲","kind":"domain","related":["z"]}]}`, "related"},
		{"duplicate name", `{"nodes":[{"key":"a","name":"甲","kind":"domain"},{"key":"b","name":"乙","kind":"domain","synonyms":["甲"]}]}`, "already used"},
		{"unknown field", `{"nodes":[],"extra":1}`, "unknown field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse() error = %v, want one containing %q", err, c.want)
			}
		})
	}
}
