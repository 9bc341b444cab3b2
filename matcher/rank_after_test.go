package matcher_test

import (
	"testing"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
)

// TestRankAfter: shifts that start at or before RankOptions.After are not
// offered, through the index and the exhaustive source alike.
func TestRankAfter(t *testing.T) {
	vs := []*volmatch.Volunteer{rankVolunteer("V1", 39.91), rankVolunteer("V2", 39.92)}
	n := rankNeed()
	s1 := n.Shifts[0]
	n.Shifts = append(n.Shifts, volmatch.Shift{ID: "s2", Start: s1.Start.Add(48 * time.Hour), End: s1.End.Add(48 * time.Hour), Slots: 2})
	sc := rankScorer()
	for _, tc := range []struct {
		name   string
		after  time.Time
		shifts []string // the shifts the matches may name
		count  int
	}{
		{"zero after offers every shift", time.Time{}, []string{"s1", "s2"}, 2},
		{"after the first start", s1.Start, []string{"s2"}, 2},
		{"after every start", s1.Start.Add(72 * time.Hour), nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, src := range []*grid.Features{grid.All(vs), grid.NewFeatures(vs)} {
				got := matcher.Rank(n, src, sc, matcher.RankOptions{K: 5, After: tc.after})
				if len(got.Matches) != tc.count {
					t.Fatalf("Rank(After %v) = %d matches, want %d", tc.after, len(got.Matches), tc.count)
				}
				for _, m := range got.Matches {
					ok := false
					for _, s := range tc.shifts {
						ok = ok || m.Shift == s
					}
					if !ok {
						t.Errorf("Rank(After %v) matched %s on shift %s, want one of %v", tc.after, m.Volunteer, m.Shift, tc.shifts)
					}
				}
			}
		})
	}
}
