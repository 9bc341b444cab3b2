package geo

import (
	"encoding/json"
	"regexp"
	"testing"

	"volmatch"
)

func TestBeijingDistricts(t *testing.T) {
	g := Beijing()
	ds := g.Districts()
	if len(ds) != 16 {
		t.Fatalf("len(Districts()) = %d, want 16", len(ds))
	}
	for _, q := range []string{"110105", "朝阳区", "朝阳", " 朝阳区 "} {
		d, ok := g.District(q)
		if !ok || d.Code != "110105" || d.Name != "朝阳区" {
			t.Errorf("District(%q) = %+v, %v; want 110105 朝阳区", q, d, ok)
		}
	}
	if _, ok := g.District("浦东新区"); ok {
		t.Errorf("District(浦东新区) found a district")
	}
	total := 0
	for _, d := range ds {
		ss := g.StreetsIn(d.Code)
		if len(ss) == 0 {
			t.Errorf("StreetsIn(%s) is empty", d.Code)
		}
		total += len(ss)
		for _, s := range ss {
			if s.District != d.Code || s.DistrictName != d.Name {
				t.Errorf("street %s lists district %s %s, want %s %s", s.Code, s.District, s.DistrictName, d.Code, d.Name)
			}
			if km := volmatch.DistanceKm(s.Point, d.Center); km > 80 {
				t.Errorf("street %s is %.0f km from its district centre", s.Code, km)
			}
		}
	}
	if total != len(g.Streets()) || total != 336 {
		t.Errorf("streets = %d in districts, %d in all; want 336", total, len(g.Streets()))
	}
}

func TestBeijingStreetLookup(t *testing.T) {
	g := Beijing()
	for _, c := range []struct {
		q    string
		code string
		ok   bool
	}{
		{"110101001000", "110101001000", true},
		{"东华门街道办事处", "110101001000", true},
		{"东华门街道", "110101001000", true},
		{"东华门", "110101001000", true},
		{"长辛店镇", "110106100000", true},
		{"八里庄", "", false}, // in 朝阳 and 海淀
		{"不存在街道", "", false},
	} {
		s, ok := g.Street(c.q)
		if ok != c.ok || s.Code != c.code {
			t.Errorf("Street(%q) = %s, %v; want %q, %v", c.q, s.Code, ok, c.code, c.ok)
		}
	}
	s, _ := g.Street("110101003000") // 交道口: no point of its own
	if !s.Approximate {
		t.Errorf("Street(110101003000).Approximate = false, want true")
	}
}

func TestDistrictsGeoJSON(t *testing.T) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(DistrictsGeoJSON(), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 16 {
		t.Errorf("GeoJSON type %q with %d features, want FeatureCollection with 16", fc.Type, len(fc.Features))
	}
	for _, f := range fc.Features {
		if _, ok := Beijing().District(f.Properties.Code); !ok {
			t.Errorf("GeoJSON feature %q %q is not a district", f.Properties.Code, f.Properties.Name)
		}
	}
}

// TestEnglishNames: every district and street has an English name in
// plain Latin letters, one per code, that says its kind.
func TestEnglishNames(t *testing.T) {
	latin := regexp.MustCompile(`^[A-Z][A-Za-z-]*( [A-Z][A-Za-z-]*)*$`)
	seen := map[string]string{}
	check := func(code, zh, en string) {
		t.Helper()
		if !latin.MatchString(en) {
			t.Errorf("%s %s: English name %q is not plain Latin words", code, zh, en)
		}
		if other, dup := seen[en]; dup && other[:6] == code[:6] {
			t.Errorf("%s and %s share the English name %q in one district", other, code, en)
		}
		seen[en] = code
	}
	for _, d := range Beijing().Districts() {
		check(d.Code, d.Name, d.NameEN)
	}
	for _, s := range Beijing().Streets() {
		check(s.Code, s.Name, s.NameEN)
	}
	for _, c := range []struct{ code, want string }{
		{"110105", "Chaoyang District"},
		{"110105001000", "Jianwai Subdistrict"}, // 街道办事处
		{"110105028000", "Shibalidian Area"},    // 地区办事处
		{"110115111000", "Changziying Town"},    // 长 read chang, not zhang
		{"110116211000", "Changshaoying Manchu Ethnic Township"},
	} {
		got := ""
		if d, ok := Beijing().District(c.code); ok && d.Code == c.code {
			got = d.NameEN
		} else if s, ok := Beijing().Street(c.code); ok {
			got = s.NameEN
		}
		if got != c.want {
			t.Errorf("English name of %s = %q, want %q", c.code, got, c.want)
		}
	}
}
