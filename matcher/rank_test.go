package matcher_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// rankPop is the generated population the equivalence tests share: built
// once, read-only.
var rankPop = sync.OnceValue(func() *datasets.Population {
	p := datasets.Generate(datasets.GenOptions{Volunteers: 20000, Needs: 400, Seed: 20261102})
	// A few volunteers live outside the grid (Tianjin, Hebei, far away) or
	// on its edges, so the fallback list and the border cells are exercised.
	r := rand.New(rand.NewPCG(7, 7))
	far := []volmatch.Point{{Lat: 39.13, Lng: 117.2}, {Lat: 39.39, Lng: 116.4}, {Lat: 41.1, Lng: 116.5},
		{Lat: 40.0, Lng: 115.39}, {Lat: 40.0, Lng: 117.5}, {Lat: 31.2, Lng: 121.5}, {Lat: 39.4, Lng: 115.4}}
	for i, pt := range far {
		for k := range 6 {
			v := p.Volunteers[r.IntN(len(p.Volunteers))]
			v.Home = volmatch.Point{Lat: pt.Lat + float64(k)*0.004, Lng: pt.Lng - float64(k)*0.004}
			v.MaxTravelKm = float64(5 + 10*(i%3))
		}
	}
	return p
})

// rankScorer is the scorer of the equivalence tests.
func rankScorer() *scoring.Scorer {
	return scoring.NewScorer(taxonomy.Load(), scoring.Options{})
}

// mutateNeed varies a generated need: radius, requirements (taken from a
// random volunteer so that some are met), shift order and fill, so that the
// first open shift is not always the earliest.
func mutateNeed(r *rand.Rand, n *volmatch.Need, vs []*volmatch.Volunteer) *volmatch.Need {
	c := *n
	c.Shifts = slices.Clone(n.Shifts)
	c.Requires = volmatch.Requirements{}
	c.RadiusKm = []float64{0.5, 2, 3, 5, 8, 10, 15, 20, 35, 60, 150}[r.IntN(11)]
	if r.IntN(10) == 0 { // a need just outside the grid
		c.Point = volmatch.Point{Lat: 39.38 + r.Float64()*0.01, Lng: 116 + r.Float64()}
	}
	donor := vs[r.IntN(len(vs))]
	if r.IntN(2) == 0 && len(donor.Skills) > 0 {
		s := donor.Skills[r.IntN(len(donor.Skills))]
		c.Requires.Skills = []volmatch.SkillLevel{{Skill: s.Skill, Level: 1 + r.IntN(3)}}
		if r.IntN(5) == 0 {
			c.Requires.Skills = append(c.Requires.Skills, volmatch.SkillLevel{Skill: "no_such_skill_" + s.Skill, Level: 1})
		}
	}
	if r.IntN(3) == 0 {
		names := []string{"first_aid_cert", "driver_license"}
		for _, ct := range donor.Certificates {
			names = append(names, ct.Name)
		}
		c.Requires.Certificates = []string{names[r.IntN(len(names))]}
	}
	if r.IntN(3) == 0 {
		ts := append([]string{"general_orientation"}, donor.Trainings...)
		c.Requires.Trainings = []string{ts[r.IntN(len(ts))]}
	}
	c.Requires.Insurance = r.IntN(3) == 0
	if r.IntN(4) == 0 {
		ls := []string{"en", "yue", "csl", "xx"}
		c.Requires.Languages = []string{ls[r.IntN(4)]}
		if r.IntN(2) == 0 {
			c.Requires.Languages = append(c.Requires.Languages, ls[r.IntN(4)])
		}
	}
	if r.IntN(3) == 0 {
		r.Shuffle(len(c.Shifts), func(i, j int) { c.Shifts[i], c.Shifts[j] = c.Shifts[j], c.Shifts[i] })
	}
	for i := range c.Shifts {
		if r.IntN(5) == 0 {
			c.Shifts[i].Filled = c.Shifts[i].Slots
		}
	}
	if r.IntN(6) == 0 { // a long shift, up to a week
		s := &c.Shifts[0]
		s.End = s.Start.Add(time.Duration(12+r.IntN(150)) * time.Hour)
	}
	return &c
}

// busyOf returns a deterministic Busy: about one volunteer in five holds an
// assignment over the need's first shift.
func busyOf(n *volmatch.Need) func(string) []volmatch.Assignment {
	return func(id string) []volmatch.Assignment {
		h := fnv.New32a()
		h.Write([]byte(id))
		if h.Sum32()%5 != 0 || len(n.Shifts) == 0 {
			return nil
		}
		s := n.Shifts[0]
		return []volmatch.Assignment{{ID: "a-" + id, Volunteer: id, Need: "other", Shift: "x",
			Start: s.Start.Add(-time.Hour), End: s.Start.Add(time.Hour), Status: volmatch.AssignReserved}}
	}
}

func rankOptions(r *rand.Rand, n *volmatch.Need) matcher.RankOptions {
	o := matcher.RankOptions{K: []int{0, 1, 3, 10, 25, 60}[r.IntN(6)]}
	if r.IntN(5) == 0 && len(n.Shifts) > 0 {
		o.Shift = n.Shifts[r.IntN(len(n.Shifts))].ID
	}
	if r.IntN(4) == 0 {
		o.Busy = busyOf(n)
	}
	return o
}

// diffRanking describes how got differs from want, "" when equal (Scanned
// is expected to differ and is not compared).
func diffRanking(want, got matcher.Ranking) string {
	want.Scanned, got.Scanned = 0, 0
	if reflect.DeepEqual(want, got) {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(-want +got)\n")
	if !reflect.DeepEqual(want.Exclusions, got.Exclusions) {
		fmt.Fprintf(&b, "-Exclusions %v\n+Exclusions %v\n", want.Exclusions, got.Exclusions)
	}
	if want.Considered != got.Considered || want.Eligible != got.Eligible {
		fmt.Fprintf(&b, "-Considered %d Eligible %d\n+Considered %d Eligible %d\n", want.Considered, want.Eligible, got.Considered, got.Eligible)
	}
	for i := range max(len(want.Matches), len(got.Matches)) {
		var w, g *volmatch.Match
		if i < len(want.Matches) {
			w = &want.Matches[i]
		}
		if i < len(got.Matches) {
			g = &got.Matches[i]
		}
		if w != nil && g != nil && reflect.DeepEqual(*w, *g) {
			continue
		}
		if w != nil {
			fmt.Fprintf(&b, "-Matches[%d] %+v\n", i, *w)
		}
		if g != nil {
			fmt.Fprintf(&b, "+Matches[%d] %+v\n", i, *g)
		}
	}
	return b.String()
}

// TestRankIndexEqualsExhaustive checks that ranking through the feature
// index, and through the exhaustive grid.All, gives exactly the ranking of
// the reference (referenceRank: every volunteer × every open shift through
// the plain gates and scorer, full sort, none of Rank's code): matches,
// exclusion counts, eligible and considered counts, on 240 varied needs
// over 20,000 generated volunteers, then again after upserts and deletes.
func TestRankIndexEqualsExhaustive(t *testing.T) {
	pop := rankPop()
	vs := slices.Clone(pop.Volunteers)
	sc := rankScorer()
	feats := grid.NewFeatures(vs)
	if feats.Len() != len(vs) {
		t.Fatalf("Len() = %d, want %d", feats.Len(), len(vs))
	}
	compact := grid.NewFeatures(vs)
	compact.Compact()
	r := rand.New(rand.NewPCG(1, 2))
	var scannedIdx, scannedAll, eligible int
	check := func(phase string, needs int) {
		for i := range needs {
			n := pop.Needs[r.IntN(len(pop.Needs))]
			if i%4 != 0 {
				n = mutateNeed(r, n, vs)
			}
			o := rankOptions(r, n)
			want := referenceRank(n, vs, sc, o)
			all := matcher.Rank(n, grid.All(vs), sc, o)
			got := matcher.Rank(n, feats, sc, o)
			if d := diffRanking(want, all); d != "" {
				t.Fatalf("%s: Rank(%s, grid.All, %+v) differs from the reference %s\nneed: radius %v point %v requires %+v shifts %+v",
					phase, n.ID, o, d, n.RadiusKm, n.Point, n.Requires, n.Shifts)
			}
			if d := diffRanking(want, got); d != "" {
				t.Fatalf("%s: Rank(%s, index, %+v) differs from the reference %s\nneed: radius %v point %v requires %+v shifts %+v",
					phase, n.ID, o, d, n.RadiusKm, n.Point, n.Requires, n.Shifts)
			}
			if sum := want.Eligible + sumExclusions(want.Exclusions); want.Considered != sum || want.Considered != len(vs) && len(matcher.OpenShifts(n, o.Shift)) > 0 {
				t.Fatalf("%s: Rank(%s).Considered = %d, want %d volunteers (eligible + excluded = %d)", phase, n.ID, want.Considered, len(vs), sum)
			}
			if phase == "fresh" {
				if d := diffRanking(want, matcher.Rank(n, compact, sc, o)); d != "" {
					t.Fatalf("Rank(%s, compacted index, %+v) differs from the reference %s", n.ID, o, d)
				}
			}
			scannedIdx += got.Scanned
			scannedAll += all.Scanned
			eligible += want.Eligible
		}
	}
	check("fresh", 240)
	if eligible == 0 {
		t.Fatal("no need had an eligible volunteer: the test checks nothing")
	}
	if scannedIdx*5 > scannedAll {
		t.Errorf("the index handed %d volunteers to the scorer against %d for the exhaustive scan; want at most a fifth", scannedIdx, scannedAll)
	}

	// Upserts (changed homes, skills, availability, new volunteers) and
	// deletes, then the same comparison.
	for i := range 3000 {
		k := r.IntN(len(vs))
		v := *vs[k]
		switch i % 4 {
		case 0:
			v.Home = volmatch.Point{Lat: v.Home.Lat + (r.Float64()-0.5)*0.2, Lng: v.Home.Lng + (r.Float64()-0.5)*0.2}
			v.MaxTravelKm = float64(r.IntN(30))
		case 1:
			v.Skills = append(slices.Clone(v.Skills), volmatch.SkillLevel{Skill: "first_aid", Level: 1 + r.IntN(3)})
			v.Certificates = append(slices.Clone(v.Certificates), volmatch.Certificate{Name: "first_aid_cert",
				Expires: datasets.DefaultStart.AddDate(0, 0, r.IntN(40))})
		case 2:
			v.Availability = volmatch.Week{r.Uint64(), r.Uint64(), r.Uint64()}
			v.InsuredUntil = datasets.DefaultStart.AddDate(0, 0, r.IntN(40))
			v.Languages = append(slices.Clone(v.Languages), "yue")
		case 3:
			v.ID = fmt.Sprintf("NEW%06d", i)
		}
		if i%4 == 3 {
			vs = append(vs, &v)
		} else {
			vs[k] = &v
		}
		feats.Upsert(&v)
	}
	for range 2000 {
		k := r.IntN(len(vs))
		feats.Delete(vs[k].ID)
		vs = slices.Delete(vs, k, k+1)
	}
	if feats.Len() != len(vs) {
		t.Fatalf("after upserts and deletes Len() = %d, want %d", feats.Len(), len(vs))
	}
	check("after upserts and deletes", 120)
}

func sumExclusions(ex volmatch.Exclusions) int {
	t := 0
	for _, c := range ex {
		t += c
	}
	return t
}

// rankWeek returns a week free every day from 8:00 to 22:00.
func rankWeek() volmatch.Week {
	var w volmatch.Week
	for d := range 7 {
		for h := 8; h < 22; h++ {
			w.Set(d*24 + h)
		}
	}
	return w
}

var rankMonday = time.Date(2026, 11, 2, 0, 0, 0, 0, volmatch.Beijing)

func rankVolunteer(id string, lat float64) *volmatch.Volunteer {
	return &volmatch.Volunteer{ID: id, Name: "张三", Home: volmatch.Point{Lat: lat, Lng: 116.4}, MaxTravelKm: 10,
		Skills: []volmatch.SkillLevel{{Skill: "patrol", Level: 2}}, Languages: []string{"zh"},
		Availability: rankWeek(), InsuredUntil: rankMonday.AddDate(1, 0, 0),
		Stats: volmatch.VolunteerStats{Completed: 4, Reliability: 0.9, Load: 1}}
}

func rankNeed() *volmatch.Need {
	at := rankMonday.Add(24*time.Hour + 9*time.Hour) // Tuesday 9:00
	return &volmatch.Need{ID: "N1", Domain: "safety_patrol", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, RadiusKm: 5,
		Shifts:   []volmatch.Shift{{ID: "s1", Start: at, End: at.Add(2 * time.Hour), Slots: 3}},
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "patrol", Level: 1}}}}
}

// TestRankTiesByID: volunteers with equal scores are ordered by ID, and the
// top K keeps the smallest IDs.
func TestRankTiesByID(t *testing.T) {
	var vs []*volmatch.Volunteer
	for _, id := range []string{"V5", "V2", "V9", "V1", "V7"} {
		vs = append(vs, rankVolunteer(id, 39.91))
	}
	vs = append(vs, rankVolunteer("V0", 39.93)) // farther: lower score
	n := rankNeed()
	sc := rankScorer()
	for _, tc := range []struct {
		k    int
		want []string
	}{
		{10, []string{"V1", "V2", "V5", "V7", "V9", "V0"}},
		{3, []string{"V1", "V2", "V5"}},
		{1, []string{"V1"}},
	} {
		t.Run(fmt.Sprint("k=", tc.k), func(t *testing.T) {
			for _, src := range []*grid.Features{grid.All(vs), grid.NewFeatures(vs)} {
				got := matcher.Rank(n, src, sc, matcher.RankOptions{K: tc.k})
				var ids []string
				for i, m := range got.Matches {
					ids = append(ids, m.Volunteer)
					if m.Rank != i+1 {
						t.Errorf("Matches[%d].Rank = %d, want %d", i, m.Rank, i+1)
					}
				}
				if !slices.Equal(ids, tc.want) {
					t.Errorf("Rank(%q, K=%d) = %v, want %v", n.ID, tc.k, ids, tc.want)
				}
				if got.Matches[0].Score != got.Matches[1%len(got.Matches)].Score && tc.k > 1 {
					t.Errorf("Rank: the first two scores differ (%v, %v); the tie case is not a tie",
						got.Matches[0].Score, got.Matches[1].Score)
				}
				if got.Eligible != 6 || got.Considered != 6 {
					t.Errorf("Rank: Eligible %d Considered %d, want 6 and 6", got.Eligible, got.Considered)
				}
			}
		})
	}
}

// TestRankShifts: the best-scoring eligible shift is chosen, full shifts
// are skipped, and an ineligible volunteer is counted under the gate of the
// first open shift.
func TestRankShifts(t *testing.T) {
	n := rankNeed()
	tue := n.Shifts[0]
	// s0: Monday 6:00 (before the volunteers' hours), s2: Tuesday 9:00
	// like s1 but later in the list, s3: Tuesday 20:00 (less slack after),
	// s4 full.
	mon := rankMonday.Add(6 * time.Hour)
	n.Shifts = []volmatch.Shift{
		{ID: "s0", Start: mon, End: mon.Add(2 * time.Hour), Slots: 2},
		{ID: "s3", Start: tue.Start.Add(11 * time.Hour), End: tue.Start.Add(13 * time.Hour), Slots: 2},
		{ID: "s2", Start: tue.Start, End: tue.End, Slots: 2},
		tue,
		{ID: "s4", Start: tue.Start.Add(-2 * time.Hour), End: tue.Start, Slots: 1, Filled: 1},
	}
	ok := rankVolunteer("V1", 39.91)
	noSkill := rankVolunteer("V2", 39.91)
	noSkill.Skills = nil
	far := rankVolunteer("V3", 40.2)
	evening := rankVolunteer("V4", 39.91) // free only 19:00–22:00 on Tuesdays
	evening.Availability = volmatch.Week{}
	for h := 19; h < 22; h++ {
		evening.Availability.Set(24 + h)
	}
	vs := []*volmatch.Volunteer{ok, noSkill, far, evening}
	sc := rankScorer()
	for _, src := range []*grid.Features{grid.All(vs), grid.NewFeatures(vs)} {
		got := matcher.Rank(n, src, sc, matcher.RankOptions{})
		want := map[string]string{"V1": "s1", "V4": "s3"} // s1 and s2 tie: same start, smaller ID
		if len(got.Matches) != 2 {
			t.Fatalf("Rank(%q) = %+v, want 2 matches", n.ID, got.Matches)
		}
		for _, m := range got.Matches {
			if want[m.Volunteer] != m.Shift {
				t.Errorf("Rank(%q): %s matched on shift %s, want %s", n.ID, m.Volunteer, m.Shift, want[m.Volunteer])
			}
		}
		wantEx := volmatch.Exclusions{scoring.GateSkill: 1, scoring.GateDistance: 1}
		if !reflect.DeepEqual(got.Exclusions, wantEx) {
			t.Errorf("Rank(%q).Exclusions = %v, want %v", n.ID, got.Exclusions, wantEx)
		}
		// Only the Monday shift: V1 and V4 fail availability there.
		got = matcher.Rank(n, src, sc, matcher.RankOptions{Shift: "s0"})
		wantEx = volmatch.Exclusions{scoring.GateSkill: 1, scoring.GateDistance: 1, scoring.GateAvailability: 2}
		if len(got.Matches) != 0 || !reflect.DeepEqual(got.Exclusions, wantEx) {
			t.Errorf("Rank(%q, s0) = %v %v, want no match and %v", n.ID, got.Matches, got.Exclusions, wantEx)
		}
		// A full shift leaves nothing to rank.
		got = matcher.Rank(n, src, sc, matcher.RankOptions{Shift: "s4"})
		if len(got.Matches) != 0 || got.Considered != 0 || len(got.Exclusions) != 0 {
			t.Errorf("Rank(%q, full shift) = %+v, want nothing", n.ID, got)
		}
		// Busy on every Tuesday morning shift: V1 excluded as busy (first
		// open shift s0 fails availability first, so that is the reason).
		busy := func(id string) []volmatch.Assignment {
			if id != "V1" {
				return nil
			}
			return []volmatch.Assignment{{Volunteer: id, Start: tue.Start, End: tue.End, Status: volmatch.AssignReserved}}
		}
		got = matcher.Rank(n, src, sc, matcher.RankOptions{Busy: busy})
		if len(got.Matches) != 2 || got.Matches[0].Volunteer != "V1" && got.Matches[1].Volunteer != "V1" {
			t.Fatalf("Rank(%q, busy) = %+v, want V1 still matched on s3", n.ID, got.Matches)
		}
		for _, m := range got.Matches {
			if m.Volunteer == "V1" && m.Shift != "s3" {
				t.Errorf("Rank(%q, busy): V1 on %s, want s3 (busy on s1 and s2)", n.ID, m.Shift)
			}
		}
		got = matcher.Rank(n, src, sc, matcher.RankOptions{Busy: busy, Shift: "s1"})
		if got.Exclusions[scoring.GateBusy] != 1 {
			t.Errorf("Rank(%q, busy, s1).Exclusions = %v, want busy: 1", n.ID, got.Exclusions)
		}
	}
}

// TestRankBreakdown: every match's score is the sum of its breakdown's
// contributions, in the order of scoring.Names.
func TestRankBreakdown(t *testing.T) {
	pop := rankPop()
	sc := rankScorer()
	feats := grid.NewFeatures(pop.Volunteers)
	checked := 0
	for _, n := range pop.Needs[:40] {
		for _, m := range matcher.Rank(n, feats, sc, matcher.RankOptions{K: 5}).Matches {
			checked++
			if got := scoring.Total(m.Breakdown); got != m.Score {
				t.Errorf("Rank(%s): %s score %v, breakdown sums to %v", n.ID, m.Volunteer, m.Score, got)
			}
			var names []string
			for _, c := range m.Breakdown {
				names = append(names, c.Name)
				if c.Value < 0 || c.Value > 1 {
					t.Errorf("Rank(%s): %s component %s = %v, want in [0,1]", n.ID, m.Volunteer, c.Name, c.Value)
				}
			}
			if !slices.Equal(names, scoring.Names()) {
				t.Errorf("Rank(%s): breakdown names %v, want %v", n.ID, names, scoring.Names())
			}
		}
	}
	if checked == 0 {
		t.Fatal("no match to check")
	}
}

// TestRankStatsInPlace: Stats updated in place (as datasets.Simulate does)
// are seen through the index: rankings still equal the exhaustive scan.
func TestRankStatsInPlace(t *testing.T) {
	p := datasets.Generate(datasets.GenOptions{Volunteers: 4000, Needs: 60, Seed: 77})
	sc := rankScorer()
	feats := grid.NewFeatures(p.Volunteers)
	r := rand.New(rand.NewPCG(4, 4))
	changed := 0
	for _, n := range p.Needs {
		before := matcher.Rank(n, feats, sc, matcher.RankOptions{K: 5})
		// Make the last of the top 5 the most reliable, least loaded, and
		// everyone else a little worse.
		for _, v := range p.Volunteers {
			v.Stats.Load = r.IntN(4)
			v.Stats.Reliability = 0.3 + 0.5*r.Float64()
		}
		if len(before.Matches) > 1 {
			last := before.Matches[len(before.Matches)-1].Volunteer
			for _, v := range p.Volunteers {
				if v.ID == last {
					v.Stats.Load, v.Stats.Reliability = 0, 1
				}
			}
		}
		want := referenceRank(n, p.Volunteers, sc, matcher.RankOptions{K: 5})
		got := matcher.Rank(n, feats, sc, matcher.RankOptions{K: 5})
		if d := diffRanking(want, got); d != "" {
			t.Fatalf("Rank(%s) after Stats changed in place differs from the reference %s", n.ID, d)
		}
		if !reflect.DeepEqual(before.Matches, got.Matches) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("changing Stats never changed a ranking: the test checks nothing")
	}
}
