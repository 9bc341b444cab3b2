package scoring_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/scoring"
)

// fakeTaxonomy: first_aid and cpr are related, both under the emergency
// domain; patrol is under safety_patrol, which is related to emergency.
type fakeTaxonomy struct{}

func (fakeTaxonomy) Related(a, b string) bool {
	if a > b {
		a, b = b, a
	}
	return a == "cpr" && b == "first_aid" || a == "emergency" && b == "safety_patrol" ||
		a == "emergency" && (b == "first_aid" || b == "cpr")
}

func (fakeTaxonomy) DomainOf(k string) string {
	switch k {
	case "first_aid", "cpr", "emergency":
		return "emergency"
	case "patrol", "safety_patrol":
		return "safety_patrol"
	}
	return ""
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSoftScores(t *testing.T) {
	sc := scoring.NewScorer(fakeTaxonomy{}, scoring.Options{})
	for _, tc := range []struct {
		name      string
		edit      func(v *volmatch.Volunteer, n *volmatch.Need)
		component string
		want      float64
	}{
		// skill_fit with a required skill: (l-m+1)/(4-m), related skills add
		// half of what is left times their level/3.
		{"skill at minimum", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}
		}, scoring.ComponentSkillFit, 0.5},
		{"skill one above", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 3}}
		}, scoring.ComponentSkillFit, 1},
		{"related skill adds", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}, {Skill: "cpr", Level: 3}}
		}, scoring.ComponentSkillFit, 0.5 + 0.5*0.5*1},
		{"unrelated skill adds nothing", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Skills = []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}, {Skill: "patrol", Level: 3}}
		}, scoring.ComponentSkillFit, 0.5},
		// without required skills: level/3 in the need's domain, half in a
		// related domain.
		{"no requirement, same domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			n.Requires.Skills = nil
			v.Skills = []volmatch.SkillLevel{{Skill: "cpr", Level: 2}}
		}, scoring.ComponentSkillFit, 2.0 / 3},
		{"no requirement, related domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			n.Requires.Skills = nil
			v.Skills = []volmatch.SkillLevel{{Skill: "patrol", Level: 3}}
		}, scoring.ComponentSkillFit, 0.5},
		{"no requirement, nothing", func(v *volmatch.Volunteer, n *volmatch.Need) {
			n.Requires.Skills = nil
			v.Skills = []volmatch.SkillLevel{{Skill: "calligraphy", Level: 3}}
		}, scoring.ComponentSkillFit, 0},
		// distance: 2^(-d/3).
		{"distance at home", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Home = n.Point }, scoring.ComponentDistance, 1},
		{"distance 3 km", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Home = volmatch.Point{Lat: n.Point.Lat + 3/(6371.0088*math.Pi/180), Lng: n.Point.Lng}
		}, scoring.ComponentDistance, 0.5},
		// slack: Tuesday 18–20; window 15–18 and 20–23 (6 hours).
		{"free all around", func(v *volmatch.Volunteer, n *volmatch.Need) {}, scoring.ComponentAvailabilitySlack, 1},
		{"free only the shift", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Availability = volmatch.Week{}
			v.Availability.Set(24 + 18)
			v.Availability.Set(24 + 19)
		}, scoring.ComponentAvailabilitySlack, 0},
		{"free two hours before", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Availability = volmatch.Week{}
			for h := 16; h < 20; h++ {
				v.Availability.Set(24 + h)
			}
		}, scoring.ComponentAvailabilitySlack, 2.0 / 6},
		{"late shift clipped to the day", func(v *volmatch.Volunteer, n *volmatch.Need) {
			s := &n.Shifts[0]
			s.Start = fixture.Base.Add(24*time.Hour + 22*time.Hour)
			s.End = s.Start.Add(2 * time.Hour) // 22–24: window 19–22 only
			v.Availability = volmatch.Week{}
			for h := 20; h < 24; h++ {
				v.Availability.Set(24 + h)
			}
			v.Availability.Set(48) // Wednesday 0:00, outside the day
		}, scoring.ComponentAvailabilitySlack, 2.0 / 3},
		// reliability, load, domain preference.
		{"reliability recorded", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Stats.Reliability = 0.6 }, scoring.ComponentReliability, 0.6},
		{"reliability newcomer", func(v *volmatch.Volunteer, n *volmatch.Need) {}, scoring.ComponentReliability, 0.8},
		{"load 3", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Stats.Load = 3 }, scoring.ComponentLoad, 0.25},
		{"load 0", func(v *volmatch.Volunteer, n *volmatch.Need) {}, scoring.ComponentLoad, 1},
		{"prefers the domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.PreferredDomains = []string{"emergency"}
		}, scoring.ComponentDomainPreference, 1},
		{"prefers the parent domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			n.Domain = "cpr"
			v.PreferredDomains = []string{"emergency"}
		}, scoring.ComponentDomainPreference, 0.75},
		{"prefers a related domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.PreferredDomains = []string{"safety_patrol"}
		}, scoring.ComponentDomainPreference, 0.5},
		{"prefers another domain", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.PreferredDomains = []string{"culture"}
		}, scoring.ComponentDomainPreference, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, n := okVolunteer(), okNeed()
			tc.edit(v, n)
			score, bd := sc.Score(v, n, n.Shifts[0])
			names := make([]string, len(bd))
			for i, c := range bd {
				names[i] = c.Name
			}
			if !slices.Equal(names, scoring.Names()) {
				t.Fatalf("Score breakdown names = %v, want %v", names, scoring.Names())
			}
			if !approx(score, scoring.Total(bd)) {
				t.Errorf("Score = %v, breakdown sums to %v", score, scoring.Total(bd))
			}
			vals := scoring.Values(bd)
			got := vals[slices.Index(scoring.Names(), tc.component)]
			if !approx(got, tc.want) {
				t.Errorf("Score(%s) %s = %v, want %v", tc.name, tc.component, got, tc.want)
			}
		})
	}
}

func TestWeightsVector(t *testing.T) {
	w := scoring.DefaultWeights()
	total := 0.0
	for _, x := range w.Vector() {
		total += x
	}
	if !approx(total, 1) {
		t.Errorf("DefaultWeights sum to %v, want 1", total)
	}
	back, err := scoring.WeightsFromVector(w.Vector())
	if err != nil {
		t.Errorf("WeightsFromVector(Vector()) error = %v, want nil", err)
	}
	if diff := cmp.Diff(w, back); diff != "" {
		t.Errorf("WeightsFromVector(Vector()) mismatch (-want +got):\n%s", diff)
	}
	if len(scoring.Names()) != scoring.NumComponents || len(w.Vector()) != scoring.NumComponents {
		t.Errorf("Names() has %d, Vector() %d, want %d", len(scoring.Names()), len(w.Vector()), scoring.NumComponents)
	}
	for _, tc := range []struct {
		name string
		vec  []float64
	}{
		{"short", []float64{1, 2}},
		{"negative", []float64{-1, 0, 0, 0, 0, 0}},
		{"NaN", []float64{math.NaN(), 0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := scoring.WeightsFromVector(tc.vec); volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("WeightsFromVector(%v) error = %v, want EINVALID", tc.vec, err)
			}
		})
	}
	// Custom weights reach the breakdown; the score follows them.
	custom := scoring.Weights{Distance: 1}
	sc := scoring.NewScorer(nil, scoring.Options{Weights: custom})
	v, n := okVolunteer(), okNeed()
	v.Home = n.Point
	score, bd := sc.Score(v, n, n.Shifts[0])
	if score != 1 || bd[1].Weight != 1 || bd[0].Weight != 0 {
		t.Errorf("Score with distance-only weights = %v %+v, want 1", score, bd)
	}
}

// TestUpperBound: the bound is never below the score, on any shift.
func TestUpperBound(t *testing.T) {
	sc := scoring.NewScorer(fakeTaxonomy{}, scoring.Options{})
	r := newRand()
	for i := range 3000 {
		v, n := randomVolunteer(r, i), randomNeed(r)
		v.PreferredDomains = []string{"emergency"}
		n.Domain = "emergency"
		v.Stats = volmatch.VolunteerStats{Completed: r.IntN(10), NoShows: r.IntN(3), Load: r.IntN(4)}
		p := sc.Prepare(n, nil)
		if res := p.Score(v, 0); res.Score > p.UpperBound(v, 0) {
			t.Fatalf("Score %v above UpperBound %v", res.Score, p.UpperBound(v, 0))
		}
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(9, 9)) }
