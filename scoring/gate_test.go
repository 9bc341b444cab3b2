package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
	"volmatch/scoring"
)

var needPoint = volmatch.Point{Lat: 39.9, Lng: 116.4}

// okVolunteer passes every gate of okNeed: fixture's volunteer near
// needPoint, with a second skill and the certificate, training and
// languages that okNeed asks for.
func okVolunteer() *volmatch.Volunteer {
	return fixture.Volunteer("V1", fixture.At(volmatch.Point{Lat: 39.91, Lng: 116.41}), fixture.Travel(8),
		fixture.Skills(volmatch.SkillLevel{Skill: "first_aid", Level: 2}, volmatch.SkillLevel{Skill: "patrol", Level: 1}),
		fixture.Certificates(volmatch.Certificate{Name: "first_aid_cert", Expires: fixture.Base.AddDate(0, 2, 0)}),
		fixture.Trainings("general_orientation"),
		fixture.InsuredUntil(fixture.Base.AddDate(1, 0, 0)),
		fixture.Languages("zh", "en"),
		fixture.Prefers())
}

// okNeed: Tuesday 18:00–20:00, 5 km, every kind of requirement.
func okNeed() *volmatch.Need {
	at := fixture.Base.Add(24*time.Hour + 18*time.Hour)
	return fixture.Need("N1", fixture.Domain("emergency"), fixture.Place(needPoint, 5),
		fixture.Shifts(fixture.Shift("s1", at, 2*time.Hour, 2)),
		fixture.Requires(volmatch.Requirements{
			Skills:       []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}},
			Certificates: []string{"first_aid_cert"},
			Trainings:    []string{"general_orientation"},
			Insurance:    true,
			Languages:    []string{"en", "fr"},
		}))
}

// TestGateReasons: one hand-made case per gate, each failing exactly one
// constraint, plus cases at the boundaries.
func TestGateReasons(t *testing.T) {
	shiftEnd := okNeed().Shifts[0].End
	for _, tc := range []struct {
		name string
		edit func(v *volmatch.Volunteer, n *volmatch.Need)
		want string
	}{
		{"passes", func(v *volmatch.Volunteer, n *volmatch.Need) {}, ""},
		{"skill missing", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Skills = v.Skills[1:] }, scoring.GateSkill},
		{"skill below level", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Skills[0].Level = 1 }, scoring.GateSkill},
		{"skill above level", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Skills[0].Level = 3 }, ""},
		{"skill listed twice, higher counts", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Skills = append([]volmatch.SkillLevel{{Skill: "first_aid", Level: 1}}, v.Skills...)
		}, ""},
		{"certificate missing", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Certificates = nil }, scoring.GateCertificate},
		{"certificate expires at shift end", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Certificates[0].Expires = shiftEnd }, scoring.GateCertificate},
		{"certificate expires just after", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Certificates[0].Expires = shiftEnd.Add(time.Nanosecond)
		}, ""},
		{"training missing", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Trainings = []string{"other"} }, scoring.GateTraining},
		{"uninsured", func(v *volmatch.Volunteer, n *volmatch.Need) { v.InsuredUntil = time.Time{} }, scoring.GateInsurance},
		{"insurance ends at shift end", func(v *volmatch.Volunteer, n *volmatch.Need) { v.InsuredUntil = shiftEnd }, scoring.GateInsurance},
		{"insurance not required", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.InsuredUntil, n.Requires.Insurance = time.Time{}, false
		}, ""},
		{"no listed language", func(v *volmatch.Volunteer, n *volmatch.Need) { v.Languages = []string{"zh"} }, scoring.GateLanguage},
		{"no language asked", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Languages, n.Requires.Languages = nil, nil
		}, ""},
		{"beyond radius", func(v *volmatch.Volunteer, n *volmatch.Need) { n.RadiusKm = 1 }, scoring.GateDistance},
		{"beyond own travel", func(v *volmatch.Volunteer, n *volmatch.Need) { v.MaxTravelKm = 1 }, scoring.GateDistance},
		{"not free that evening", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Availability = volmatch.Week{}
			for h := 24 + 8; h < 24+19; h++ { // Tuesday 8:00–19:00
				v.Availability.Set(h)
			}
		}, scoring.GateAvailability},
		{"exception that day", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Exceptions = []volmatch.Exception{{Start: fixture.Base.AddDate(0, 0, 1), End: fixture.Base.AddDate(0, 0, 2)}}
		}, scoring.GateAvailability},
		{"first failing gate wins", func(v *volmatch.Volunteer, n *volmatch.Need) {
			v.Languages, v.Trainings, v.MaxTravelKm = nil, nil, 0
		}, scoring.GateTraining},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, n := okVolunteer(), okNeed()
			tc.edit(v, n)
			s := n.Shifts[0]
			if got := scoring.Gate(v, n, s); got != tc.want {
				t.Errorf("Gate(%s) = %q, want %q", tc.name, got, tc.want)
			}
			sc := scoring.NewScorer(nil, scoring.Options{})
			if got := sc.Prepare(n, nil).Gate(v, 0); got != tc.want {
				t.Errorf("Prepared.Gate(%s) = %q, want %q", tc.name, got, tc.want)
			}
			if got, _, _ := sc.Evaluate(v, n, s); got != tc.want {
				t.Errorf("Evaluate(%s) reason = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	s := okNeed().Shifts[0]
	for _, tc := range []struct {
		name string
		a    volmatch.Assignment
		want bool
	}{
		{"overlapping reserved", volmatch.Assignment{Start: s.Start.Add(time.Hour), End: s.End.Add(time.Hour), Status: volmatch.AssignReserved}, true},
		{"same shift", volmatch.Assignment{Start: s.Start, End: s.End, Status: volmatch.AssignCheckedIn}, true},
		{"overlapping cancelled", volmatch.Assignment{Start: s.Start, End: s.End, Status: volmatch.AssignCancelled}, false},
		{"back to back", volmatch.Assignment{Start: s.End, End: s.End.Add(time.Hour), Status: volmatch.AssignReserved}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scoring.Busy([]volmatch.Assignment{tc.a}, s); got != tc.want {
				t.Errorf("Busy(%s) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

// Independent statements of the hard constraints, written without the
// package's helpers.
func wantSkills(v *volmatch.Volunteer, n *volmatch.Need) bool {
	for _, r := range n.Requires.Skills {
		best := 0
		for _, s := range v.Skills {
			if s.Skill == r.Skill && s.Level > best {
				best = s.Level
			}
		}
		best = min(best, 3)
		need := min(max(r.Level, 1), 3)
		if best < need {
			return false
		}
	}
	return true
}

func wantCerts(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) bool {
	for _, name := range n.Requires.Certificates {
		found := false
		for _, c := range v.Certificates {
			found = found || c.Name == name && c.Expires.Sub(s.End) > 0
		}
		if !found {
			return false
		}
	}
	return true
}

func wantTrainings(v *volmatch.Volunteer, n *volmatch.Need) bool {
	have := map[string]bool{}
	for _, t := range v.Trainings {
		have[t] = true
	}
	for _, t := range n.Requires.Trainings {
		if !have[t] {
			return false
		}
	}
	return true
}

func wantInsurance(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) bool {
	return !n.Requires.Insurance || v.InsuredUntil.Sub(s.End) > 0
}

func wantLanguage(v *volmatch.Volunteer, n *volmatch.Need) bool {
	if len(n.Requires.Languages) == 0 {
		return true
	}
	for _, a := range n.Requires.Languages {
		for _, b := range v.Languages {
			if a == b {
				return true
			}
		}
	}
	return false
}

func wantDistance(v *volmatch.Volunteer, n *volmatch.Need) bool {
	limit := n.RadiusKm
	if v.MaxTravelKm < limit {
		limit = v.MaxTravelKm
	}
	return volmatch.DistanceKm(v.Home, n.Point) <= limit
}

func wantAvailable(v *volmatch.Volunteer, s volmatch.Shift) bool {
	for t := s.Start.In(volmatch.Beijing).Truncate(time.Hour); t.Before(s.End); t = t.Add(time.Hour) {
		if !v.Availability.Has(volmatch.HourOfWeek(t)) {
			return false
		}
	}
	for _, e := range v.Exceptions {
		if e.Start.Before(s.End) && s.Start.Before(e.End) {
			return false
		}
	}
	return true
}

func randomVolunteer(r *rand.Rand, i int) *volmatch.Volunteer {
	skills := []string{"a", "b", "c"}
	v := &volmatch.Volunteer{ID: fmt.Sprintf("V%d", i),
		Home:        volmatch.Point{Lat: 39.9 + (r.Float64()-0.5)*0.2, Lng: 116.4 + (r.Float64()-0.5)*0.2},
		MaxTravelKm: r.Float64() * 12}
	for range r.IntN(4) {
		v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: skills[r.IntN(3)], Level: r.IntN(5)})
	}
	for range r.IntN(3) {
		v.Certificates = append(v.Certificates, volmatch.Certificate{Name: []string{"x", "y"}[r.IntN(2)],
			Expires: fixture.Base.Add(time.Duration(r.IntN(24*10)) * time.Hour)})
	}
	for range r.IntN(3) {
		v.Trainings = append(v.Trainings, []string{"t1", "t2", "t3"}[r.IntN(3)])
	}
	if r.IntN(4) > 0 {
		v.InsuredUntil = fixture.Base.Add(time.Duration(r.IntN(24*10)) * time.Hour)
	}
	for range r.IntN(3) {
		v.Languages = append(v.Languages, []string{"zh", "en", "yue"}[r.IntN(3)])
	}
	v.Availability = volmatch.Week{r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64(), r.Uint64() | r.Uint64()}
	if r.IntN(6) == 0 {
		d := fixture.Base.Add(time.Duration(r.IntN(24*8)) * time.Hour)
		v.Exceptions = []volmatch.Exception{{Start: d, End: d.Add(time.Duration(1+r.IntN(30)) * time.Hour)}}
	}
	return v
}

func randomNeed(r *rand.Rand) *volmatch.Need {
	n := &volmatch.Need{ID: "N", Point: needPoint, RadiusKm: r.Float64() * 12}
	at := fixture.Base.Add(time.Duration(r.IntN(24*7)) * time.Hour).Add(time.Duration(r.IntN(4)) * 15 * time.Minute)
	n.Shifts = []volmatch.Shift{{ID: "s", Start: at, End: at.Add(time.Duration(30+r.IntN(300)) * time.Minute), Slots: 1}}
	for range r.IntN(3) {
		n.Requires.Skills = append(n.Requires.Skills, volmatch.SkillLevel{Skill: []string{"a", "b", "c"}[r.IntN(3)], Level: r.IntN(5)})
	}
	if r.IntN(2) == 0 {
		n.Requires.Certificates = []string{[]string{"x", "y"}[r.IntN(2)]}
	}
	if r.IntN(2) == 0 {
		n.Requires.Trainings = []string{[]string{"t1", "t2", "t3"}[r.IntN(3)]}
	}
	n.Requires.Insurance = r.IntN(2) == 0
	if r.IntN(2) == 0 {
		n.Requires.Languages = []string{[]string{"en", "yue", "fr"}[r.IntN(3)]}
	}
	return n
}

// TestGateProperty: over random volunteers and needs, a volunteer passes
// Gate exactly when every hard constraint, checked independently, holds;
// and a failing volunteer is named under the first constraint that fails.
func TestGateProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sc := scoring.NewScorer(nil, scoring.Options{})
	passed, failed := 0, map[string]int{}
	for i := range 20000 {
		v, n := randomVolunteer(r, i), randomNeed(r)
		s := n.Shifts[0]
		checks := []struct {
			gate string
			ok   bool
		}{
			{scoring.GateSkill, wantSkills(v, n)},
			{scoring.GateCertificate, wantCerts(v, n, s)},
			{scoring.GateTraining, wantTrainings(v, n)},
			{scoring.GateInsurance, wantInsurance(v, n, s)},
			{scoring.GateLanguage, wantLanguage(v, n)},
			{scoring.GateDistance, wantDistance(v, n)},
			{scoring.GateAvailability, wantAvailable(v, s)},
		}
		want := ""
		for _, c := range checks {
			if !c.ok {
				want = c.gate
				break
			}
		}
		got := scoring.Gate(v, n, s)
		if got != want {
			t.Fatalf("Gate(%+v, %+v) = %q, want %q", v, n, got, want)
		}
		if pg := sc.Prepare(n, nil).Gate(v, 0); pg != got {
			t.Fatalf("Prepared.Gate = %q, Gate = %q", pg, got)
		}
		if got == "" {
			passed++
		} else {
			failed[got]++
		}
	}
	// The generator must reach every outcome, or the test proves little.
	if passed == 0 {
		t.Error("no random volunteer passed every gate")
	}
	for _, g := range scoring.Gates() {
		if g != scoring.GateBusy && failed[g] == 0 {
			t.Errorf("no random volunteer failed on gate %q", g)
		}
	}
}

func TestGateAllocations(t *testing.T) {
	v, n := okVolunteer(), okNeed()
	s := n.Shifts[0]
	sc := scoring.NewScorer(nil, scoring.Options{})
	p := sc.Prepare(n, nil)
	if a := testing.AllocsPerRun(100, func() { scoring.Gate(v, n, s) }); a != 0 {
		t.Errorf("Gate allocates %v times, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { p.Evaluate(v, 0) }); a != 0 {
		t.Errorf("Prepared.Evaluate allocates %v times, want 0", a)
	}
}
