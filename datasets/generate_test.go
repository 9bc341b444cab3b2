package datasets

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// eligible reports whether v passes the hard gates of n's shift s as the
// generator means them: within both the need's radius and the volunteer's
// travel limit, skills at level, certificates valid and insurance held on the
// shift, trainings done, a language shared, free by the weekly pattern and
// the exceptions, and the recipient's wishes met.
func eligible(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) bool {
	d := volmatch.DistanceKm(v.Home, n.Point)
	if d > n.RadiusKm || d > v.MaxTravelKm {
		return false
	}
	for _, rs := range n.Requires.Skills {
		if v.SkillLevelOf(rs.Skill) < rs.Level {
			return false
		}
	}
	for _, c := range n.Requires.Certificates {
		ok := false
		for _, vc := range v.Certificates {
			ok = ok || vc.Name == c && vc.ValidOn(s.End)
		}
		if !ok {
			return false
		}
	}
	for _, t := range n.Requires.Trainings {
		if !has(v.Trainings, t) {
			return false
		}
	}
	if n.Requires.Insurance && !v.InsuredUntil.After(s.End) {
		return false
	}
	if len(n.Requires.Languages) > 0 {
		ok := false
		for _, l := range n.Requires.Languages {
			ok = ok || has(v.Languages, l)
		}
		if !ok {
			return false
		}
	}
	if r := n.Recipient; r != nil {
		if r.Gender != "" && r.Gender != v.Gender {
			return false
		}
		if r.MaxAge > 0 && s.Start.Year()-v.BirthYear > r.MaxAge {
			return false
		}
	}
	return v.AvailableAt(s.Start, s.End)
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestGenerateValid(t *testing.T) {
	tax := taxonomy.Load()
	city := geo.Beijing()
	o := GenOptions{Volunteers: 5000, Needs: 500, Seed: 7}
	p := Generate(o)
	if len(p.Volunteers) != 5000 || len(p.Needs) != 500 || len(p.Pools) != 13 || len(p.Stations) != stationCount {
		t.Fatalf("Generate() sizes %d/%d/%d/%d, want 5000/500/13/%d", len(p.Volunteers), len(p.Needs), len(p.Pools), len(p.Stations), stationCount)
	}
	langs := map[string]bool{LangPutonghua: true, LangEnglish: true, LangCantonese: true, LangSign: true, LangJapanese: true, LangKorean: true, LangFrench: true, LangRussian: true}
	idRe := regexp.MustCompile(`^BJ\d{8}$`)
	phoneRe := regexp.MustCompile(`^1\d{10}$`)
	start, end := DefaultStart, DefaultStart.AddDate(0, 0, 28)
	pros := map[string]bool{}
	for i, v := range p.Volunteers {
		if err := v.Validate(); err != nil {
			t.Fatalf("volunteer %s: Validate() = %v", v.ID, err)
		}
		if err := v.CheckSkills(tax.Has); err != nil {
			t.Fatalf("volunteer %s: CheckSkills() = %v", v.ID, err)
		}
		if want := fmt.Sprintf("BJ%08d", i+1); v.ID != want || !idRe.MatchString(v.ID) {
			t.Fatalf("volunteer %d has ID %q, want %q", i, v.ID, want)
		}
		if !phoneRe.MatchString(v.Phone) {
			t.Errorf("volunteer %s: phone is not 11 digits", v.ID)
		}
		st, ok := city.Street(v.Street)
		if !ok || st.District != v.District {
			t.Fatalf("volunteer %s: street %s district %s do not match the geography", v.ID, v.Street, v.District)
		}
		if km := volmatch.DistanceKm(v.Home, st.Point); km > 1.6 {
			t.Errorf("volunteer %s lives %.2f km from the street point, want <= 1.5", v.ID, km)
		}
		if len(v.Skills) == 0 || !has(v.Languages, LangPutonghua) || len(v.PreferredDomains) == 0 || v.Availability.Count() == 0 {
			t.Errorf("volunteer %s: skills %v, languages %v, domains %v, %d hours", v.ID, v.Skills, v.Languages, v.PreferredDomains, v.Availability.Count())
		}
		for _, c := range v.Certificates {
			if !tax.HasCertificate(c.Name) {
				t.Errorf("volunteer %s: unknown certificate %q", v.ID, c.Name)
			}
		}
		for _, tr := range v.Trainings {
			if !tax.HasTraining(tr) {
				t.Errorf("volunteer %s: unknown training %q", v.ID, tr)
			}
		}
		for _, l := range v.Languages {
			if !langs[l] {
				t.Errorf("volunteer %s: unknown language %q", v.ID, l)
			}
		}
		for _, d := range v.PreferredDomains {
			if tax.DomainOf(d) != d {
				t.Errorf("volunteer %s: preferred domain %q is not top-level", v.ID, d)
			}
		}
		if v.Hidden == nil || len(v.Hidden.DomainAffinity) == 0 || v.Hidden.DistanceTolKm <= 0 {
			t.Errorf("volunteer %s: hidden preferences missing: %+v", v.ID, v.Hidden)
		}
		if v.Stats != (volmatch.VolunteerStats{}) {
			t.Errorf("volunteer %s: stats are not zero", v.ID)
		}
		for _, id := range v.Pools {
			pros[id+"/"+v.ID] = true
		}
	}
	members := 0
	for _, pl := range p.Pools {
		if err := pl.Validate(); err != nil {
			t.Errorf("pool %s: Validate() = %v", pl.ID, err)
		}
		if s, ok := tax.Skill(pl.Domain); !ok || s.Kind != taxonomy.KindDomain {
			t.Errorf("pool %s: domain %q is not a professional domain", pl.ID, pl.Domain)
		}
		for _, m := range pl.Members {
			if !pros[pl.ID+"/"+m] {
				t.Errorf("pool %s lists %s, who does not list the pool", pl.ID, m)
			}
			members++
		}
	}
	if members != len(pros) {
		t.Errorf("pools hold %d members, volunteers list %d memberships", members, len(pros))
	}
	for _, s := range p.Stations {
		if err := s.Validate(); err != nil {
			t.Errorf("station %s: Validate() = %v", s.ID, err)
		}
		if s.Hours.Count() == 0 {
			t.Errorf("station %s has no opening hours", s.ID)
		}
	}
	for i, n := range p.Needs {
		if err := n.Validate(); err != nil {
			t.Fatalf("need %s: Validate() = %v", n.ID, err)
		}
		if err := n.CheckSkills(tax.Has); err != nil {
			t.Fatalf("need %s: CheckSkills() = %v", n.ID, err)
		}
		if want := fmt.Sprintf("N%06d", i+1); n.ID != want {
			t.Errorf("need %d has ID %q, want %q", i, n.ID, want)
		}
		if want := "org-" + n.Street[:9]; n.Org != want {
			t.Errorf("need %s: org %q, want %q", n.ID, n.Org, want)
		}
		if st, ok := city.Street(n.Street); !ok || st.District != n.District {
			t.Errorf("need %s: street %s and district %s do not match", n.ID, n.Street, n.District)
		}
		if tax.DomainOf(n.Domain) != n.Domain {
			t.Errorf("need %s: domain %q is not top-level", n.ID, n.Domain)
		}
		if !strings.Contains(n.Title, "｜") || n.Description == "" || strings.Contains(n.Description, "{") {
			t.Errorf("need %s: title %q, description %q", n.ID, n.Title, n.Description)
		}
		for k, s := range n.Shifts {
			if s.ID != fmt.Sprintf("s%d", k+1) {
				t.Errorf("need %s: shift %d has ID %q", n.ID, k, s.ID)
			}
			if s.Start.Before(start) || s.End.After(end) {
				t.Errorf("need %s: shift %s %v–%v is outside the period", n.ID, s.ID, s.Start, s.End)
			}
			if h := s.Hours(); h < 2 || h > 4 {
				t.Errorf("need %s: shift %s lasts %v hours, want 2–4", n.ID, s.ID, h)
			}
			if s.Slots > 30 {
				t.Errorf("need %s: shift %s has %d slots", n.ID, s.ID, s.Slots)
			}
		}
		if !n.PostedAt.Before(n.Shifts[0].Start) || n.Shifts[0].Start.Sub(n.PostedAt) > 8*24*time.Hour {
			t.Errorf("need %s: posted %v for a first shift at %v", n.ID, n.PostedAt, n.Shifts[0].Start)
		}
		for _, c := range n.Requires.Certificates {
			if !tax.HasCertificate(c) {
				t.Errorf("need %s: unknown certificate %q", n.ID, c)
			}
		}
		for _, tr := range n.Requires.Trainings {
			if !tax.HasTraining(tr) {
				t.Errorf("need %s: unknown training %q", n.ID, tr)
			}
		}
		if n.Station != "" && !strings.HasPrefix(n.Station, "ST") {
			t.Errorf("need %s: station %q", n.ID, n.Station)
		}
		if n.Status != volmatch.NeedOpen {
			t.Errorf("need %s: status %q, want open", n.ID, n.Status)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	dump := func(p *Population) []byte {
		var b bytes.Buffer
		if err := WriteVolunteers(&b, FormatJSONL, p.Volunteers); err != nil {
			t.Fatal(err)
		}
		if err := WriteNeeds(&b, FormatJSONL, p.Needs); err != nil {
			t.Fatal(err)
		}
		if err := WritePools(&b, p.Pools); err != nil {
			t.Fatal(err)
		}
		if err := WriteStations(&b, p.Stations); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	o := GenOptions{Volunteers: 5000, Needs: 300, Seed: 42}
	a, b := dump(Generate(o)), dump(Generate(o))
	if !bytes.Equal(a, b) {
		t.Errorf("Generate(%+v) gave different bytes on two runs", o)
	}
	prev := runtime.GOMAXPROCS(1)
	one := dump(Generate(o))
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(a, one) {
		t.Errorf("Generate(%+v) on one CPU differs from %d CPUs", o, prev)
	}
	if c := dump(Generate(GenOptions{Volunteers: 5000, Needs: 300, Seed: 43})); bytes.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same population")
	}
	// A record depends on the seed and its index only.
	small := Generate(GenOptions{Volunteers: 100, Needs: 10, Seed: 42})
	big := Generate(o)
	var x, y bytes.Buffer
	_ = WriteVolunteers(&x, FormatJSONL, small.Volunteers)
	_ = WriteVolunteers(&y, FormatJSONL, big.Volunteers[:100])
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Errorf("the first 100 volunteers differ between populations of 100 and 5000")
	}
	// Lean leaves out the hidden preferences and the bio, nothing else.
	lean := Generate(GenOptions{Volunteers: 5000, Needs: 300, Seed: 42, Lean: true})
	full := Generate(o)
	for i, v := range lean.Volunteers {
		if v.Hidden != nil || v.Bio != "" {
			t.Fatalf("Generate(Lean).Volunteers[%d] has hidden preferences or a bio", i)
		}
		w := *full.Volunteers[i]
		w.Hidden, w.Bio = nil, ""
		if !reflect.DeepEqual(*v, w) {
			t.Fatalf("Generate(Lean).Volunteers[%d] = %+v, want %+v", i, *v, w)
		}
	}
	var l, f bytes.Buffer
	_ = WriteNeeds(&l, FormatJSONL, lean.Needs)
	_ = WriteNeeds(&f, FormatJSONL, full.Needs)
	if !bytes.Equal(l.Bytes(), f.Bytes()) {
		t.Errorf("Generate(Lean) gives other needs")
	}
}

func TestGenerateShares(t *testing.T) {
	p := Generate(GenOptions{Volunteers: 20000, Needs: 2000, Seed: 3})
	nv, nn := float64(len(p.Volunteers)), float64(len(p.Needs))
	var central, pros, travel, exp, expDuring, insured, evening, night, weekend, weekday, share, emerg float64
	centre := map[string]bool{"110101": true, "110102": true, "110105": true, "110106": true, "110107": true, "110108": true}
	for _, v := range p.Volunteers {
		if centre[v.District] {
			central++
		}
		if len(v.Pools) > 0 {
			pros++
		}
		if v.MaxTravelKm >= 3 && v.MaxTravelKm <= 10 {
			travel++
		}
		for _, c := range v.Certificates {
			if !c.ValidOn(DefaultStart) {
				exp++
			} else if !c.ValidOn(DefaultStart.AddDate(0, 0, 28)) {
				expDuring++
			}
		}
		if v.InsuredUntil.After(DefaultStart.AddDate(0, 0, 28)) {
			insured++
		}
		for d := range 7 {
			if v.Availability.Has(d*24 + 19) {
				evening++
			}
			if v.Availability.Has(d*24 + 3) {
				night++
			}
		}
		weekend += float64(v.Availability.And(volmatch.ShiftHours(DefaultStart.AddDate(0, 0, 5), DefaultStart.AddDate(0, 0, 7))).Count()) / 2
		weekday += float64(v.Availability.And(volmatch.ShiftHours(DefaultStart, DefaultStart.AddDate(0, 0, 5))).Count()) / 5
		if v.Consent.ShareContact {
			share++
		}
		if v.Consent.Emergency {
			emerg++
		}
	}
	var emergency, urgent, pairing, skill, cert, training, insurance, recipient float64
	for _, n := range p.Needs {
		switch n.Urgency {
		case volmatch.UrgencyEmergency:
			emergency++
		case volmatch.UrgencyUrgent:
			urgent++
		}
		if n.Mode == volmatch.ModePairing {
			pairing++
			if n.Recipient != nil {
				recipient++
			}
		}
		if len(n.Requires.Skills) > 0 {
			skill++
		}
		if len(n.Requires.Certificates) > 0 {
			cert++
		}
		if len(n.Requires.Trainings) > 0 {
			training++
		}
		if n.Requires.Insurance {
			insurance++
		}
	}
	for _, c := range []struct {
		name     string
		got      float64
		low, top float64
	}{
		{"volunteers in the six central districts", central / nv, 0.42, 0.58},
		{"professionals", pros / nv, 0.03, 0.07},
		{"max travel 3–10 km", travel / nv, 0.75, 0.95},
		{"certificates expired at start per volunteer", exp / nv, 0.01, 0.2},
		{"certificates expiring in the period per volunteer", expDuring / nv, 0.005, 0.15},
		{"insured through the period", insured / nv, 0.7, 0.9},
		{"share contact", share / nv, 0.85, 0.95},
		{"emergency consent", emerg / nv, 0.2, 0.5},
		{"emergency needs", emergency / nn, 0.015, 0.05},
		{"urgent needs", urgent / nn, 0.06, 0.14},
		{"pairing needs", pairing / nn, 0.07, 0.13},
		{"needs requiring a skill", skill / nn, 0.25, 0.35},
		{"needs requiring a certificate", cert / nn, 0.07, 0.13},
		{"needs requiring a training", training / nn, 0.11, 0.19},
		{"needs requiring insurance", insurance / nn, 0.16, 0.24},
		{"pairing needs with recipient wishes", recipient / max(1, pairing), 0.35, 0.65},
	} {
		if c.got < c.low || c.got > c.top {
			t.Errorf("share of %s = %.3f, want in [%v, %v]", c.name, c.got, c.low, c.top)
		}
	}
	if evening < 5*night {
		t.Errorf("available at 19:00 %v times, at 03:00 %v: want evenings to dominate", evening, night)
	}
	if weekend < 1.3*weekday {
		t.Errorf("mean available hours per weekend day %.0f, per weekday %.0f: want weekends ahead", weekend, weekday)
	}
}

// TestGenerateSupply checks that a 20,000 volunteer population leaves most
// needs with several eligible volunteers.
func TestGenerateSupply(t *testing.T) {
	p := Generate(GenOptions{Volunteers: 20000, Needs: 500, Seed: 11})
	well, none := 0, 0
	for _, n := range p.Needs {
		var near []*volmatch.Volunteer
		for _, v := range p.Volunteers {
			if math.Abs(v.Home.Lat-n.Point.Lat)*111 <= n.RadiusKm && math.Abs(v.Home.Lng-n.Point.Lng)*80 <= n.RadiusKm {
				near = append(near, v)
			}
		}
		best := 0
		for _, s := range n.Shifts {
			c := 0
			for _, v := range near {
				if eligible(v, n, s) {
					c++
				}
			}
			best = max(best, c)
		}
		if best >= 3 {
			well++
		}
		if best == 0 {
			none++
		}
	}
	t.Logf("needs with >= 3 eligible volunteers for some shift: %d of %d; with none: %d", well, len(p.Needs), none)
	if well < len(p.Needs)*3/4 {
		t.Errorf("%d of %d needs have at least 3 eligible volunteers, want at least 75%%", well, len(p.Needs))
	}
	if none == 0 {
		t.Errorf("no need is impossible: the population should leave some unmet demand")
	}
}

// BenchmarkGenerate measures the generator at benchmark sizes (the
// 1,000,000 population lean, as BenchmarkRank in matcher builds it).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{20000, 200000, 1000000} {
		b.Run(fmt.Sprintf("volunteers=%d", n), func(b *testing.B) {
			for b.Loop() {
				Generate(GenOptions{Volunteers: n, Needs: n / 40, Seed: 1, Lean: n >= 1000000})
			}
		})
	}
}
