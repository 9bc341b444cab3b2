package peers_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/internal/peers"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// startPostgres starts a cluster for the test; a missing PostgreSQL or
// PostGIS fails the test in CI (CI=true) and skips it elsewhere.
func startPostgres(t testing.TB) *peers.Postgres {
	t.Helper()
	pg, err := peers.StartPostgres(context.Background())
	if err != nil {
		if os.Getenv("CI") == "true" || !strings.Contains(err.Error(), "not installed") {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(pg.Stop)
	return pg
}

// vary varies a generated need as matcher's tests do: radius,
// requirements taken from a random volunteer (so that some are met, some
// not), shift order and fill.
func vary(r *rand.Rand, n *volmatch.Need, vs []*volmatch.Volunteer) *volmatch.Need {
	c := *n
	c.ID = n.ID + "-v"
	c.Shifts = slices.Clone(n.Shifts)
	c.Requires = volmatch.Requirements{}
	c.RadiusKm = []float64{0.5, 2, 3, 5, 8, 10, 15, 20, 35, 60, 150}[r.IntN(11)]
	donor := vs[r.IntN(len(vs))]
	if r.IntN(2) == 0 && len(donor.Skills) > 0 {
		s := donor.Skills[r.IntN(len(donor.Skills))]
		c.Requires.Skills = []volmatch.SkillLevel{{Skill: s.Skill, Level: 1 + r.IntN(3)}}
		if r.IntN(3) == 0 && len(donor.Skills) > 1 {
			s2 := donor.Skills[r.IntN(len(donor.Skills))]
			c.Requires.Skills = append(c.Requires.Skills, volmatch.SkillLevel{Skill: s2.Skill, Level: 1})
		}
	}
	if r.IntN(3) == 0 {
		names := []string{"first_aid_cert"}
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
		c.Requires.Languages = []string{ls[r.IntN(4)], ls[r.IntN(4)]}
	}
	if r.IntN(3) == 0 {
		r.Shuffle(len(c.Shifts), func(i, j int) { c.Shifts[i], c.Shifts[j] = c.Shifts[j], c.Shifts[i] })
	}
	for i := range c.Shifts {
		if r.IntN(5) == 0 {
			c.Shifts[i].Filled = c.Shifts[i].Slots
		}
	}
	if r.IntN(6) == 0 {
		s := &c.Shifts[0]
		s.End = s.Start.Add(time.Duration(12+r.IntN(150)) * time.Hour)
	}
	return &c
}

// TestPeersEqualVolmatch: on every need of a smaller generated city (the
// generated needs and a varied copy of each), PostgreSQL with PostGIS and
// Bleve give the same top 10 as matcher.Rank over the feature index: the
// same volunteers in the same order, each at the same shift, with the
// same score.
func TestPeersEqualVolmatch(t *testing.T) {
	ctx := context.Background()
	const k = 10
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 12000, Needs: 150, Seed: 11, Lean: true})
	vs := pop.Volunteers
	r := rand.New(rand.NewPCG(11, 17))
	needs := slices.Clone(pop.Needs)
	for _, n := range pop.Needs {
		needs = append(needs, vary(r, n, vs))
	}
	tax := taxonomy.Load()
	sc := scoring.NewScorer(tax, scoring.Options{})
	feats := grid.NewFeatures(vs)

	pg := startPostgres(t)
	g, err := peers.OpenPostGIS(ctx, pg.URL, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Load(ctx, tax, vs); err != nil {
		t.Fatal(err)
	}
	b, err := peers.OpenBleve(t.TempDir()+"/bleve", sc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Load(vs); err != nil {
		t.Fatal(err)
	}
	type peer interface {
		Rank(context.Context, *volmatch.Need, int) ([]volmatch.Match, error)
	}
	ranked := 0
	for _, n := range needs {
		want := matcher.Rank(n, feats, sc, matcher.RankOptions{K: k}).Matches
		if len(want) > 0 {
			ranked++
		}
		for _, p := range []struct {
			name string
			p    peer
		}{{"postgis", g}, {"bleve", b}} {
			got, err := p.p.Rank(ctx, n, k)
			if err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			if d := diffMatches(want, got); d != "" {
				t.Errorf("%s Rank(%s) (requires %+v, radius %v): %s", p.name, n.ID, n.Requires, n.RadiusKm, d)
			}
		}
	}
	if ranked < len(needs)/2 {
		t.Errorf("only %d of %d needs have any match: the comparison shows little", ranked, len(needs))
	}
}

// diffMatches describes how got differs from want ("" when the same
// volunteers, shifts and ranks, scores within 1e-12).
func diffMatches(want, got []volmatch.Match) string {
	line := func(ms []volmatch.Match) string {
		var sb strings.Builder
		for _, m := range ms {
			sb.WriteString(m.Volunteer + "/" + m.Shift + "=" + strconvF(m.Score) + " ")
		}
		return sb.String()
	}
	if len(want) != len(got) {
		return "(-want +got)\n-" + line(want) + "\n+" + line(got)
	}
	for i := range want {
		if want[i].Volunteer != got[i].Volunteer || want[i].Shift != got[i].Shift ||
			math.Abs(want[i].Score-got[i].Score) > 1e-12 || math.Abs(want[i].DistanceKm-got[i].DistanceKm) > 1e-9 {
			return "(-want +got)\n-" + line(want) + "\n+" + line(got)
		}
	}
	return ""
}

func strconvF(x float64) string { return strconv.FormatFloat(x, 'g', 17, 64) }
