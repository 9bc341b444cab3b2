package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// TestMatch generates and imports a small population, then checks that
// `volmatch match` prints the ranking the exhaustive scan gives: the same
// volunteers in the same order with masked names, and the same exclusion
// counts.
func TestMatch(t *testing.T) {
	tmp := t.TempDir()
	pop, data := filepath.Join(tmp, "pop"), filepath.Join(tmp, "data")
	runOK(t, "gen", "--volunteers", "1500", "--needs", "40", "--seed", "11", "--out", pop)
	args := []string{"import", "--data", data}
	for _, f := range []string{datasets.VolunteersFile, datasets.NeedsFile, datasets.PoolsFile, datasets.StationsFile} {
		args = append(args, filepath.Join(pop, f))
	}
	runOK(t, args...)

	p, err := datasets.ReadDir(pop)
	if err != nil {
		t.Fatal(err)
	}
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	names := map[string]string{}
	for _, v := range p.Volunteers {
		names[v.ID] = v.Name
	}
	checked := 0
	for _, n := range p.Needs {
		want := matcher.Rank(n, grid.All(p.Volunteers), sc, matcher.RankOptions{K: 4})
		if len(want.Matches) < 2 {
			continue
		}
		checked++
		out, _ := runOK(t, "match", "--data", data, n.ID, "-k", "4")
		// The volunteer IDs appear in rank order, each on its row with its
		// masked name and score.
		lines := strings.Split(out, "\n")
		at := -1
		for _, m := range want.Matches {
			want := []string{fmt.Sprint(m.Rank), m.Volunteer, volmatch.MaskName(names[m.Volunteer]), fmt.Sprintf("%.3f", m.Score)}
			found := -1
			for i, l := range lines {
				if f := strings.Fields(l); len(f) >= 4 && slices.Equal(f[:4], want) {
					found = i
				}
			}
			if found <= at {
				t.Fatalf("match %s: no row %q after line %d; output:\n%s", n.ID, want, at, out)
			}
			at = found
			if strings.Contains(out, names[m.Volunteer]) {
				t.Errorf("match %s: output shows the full name of %s", n.ID, m.Volunteer)
			}
		}
		var ex strings.Builder
		ex.WriteString("excluded by gate:")
		for _, g := range scoring.Gates() {
			if c := want.Exclusions[g]; c > 0 {
				fmt.Fprintf(&ex, " %s %d", g, c)
			}
		}
		if !strings.Contains(out, ex.String()+"\n") {
			t.Errorf("match %s: output lacks %q; output:\n%s", n.ID, ex.String(), out)
		}
		if s := fmt.Sprintf("considered %d volunteers: %d eligible", want.Considered, want.Eligible); !strings.Contains(out, s) {
			t.Errorf("match %s: output lacks %q; output:\n%s", n.ID, s, out)
		}
		if checked == 3 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no generated need has two eligible volunteers; the test checks nothing")
	}

	for _, bad := range [][]string{
		{"match", "--data", data, "NO_SUCH_NEED"},
		{"match", "--data", data, p.Needs[0].ID, "--shift", "nope"},
		{"match", "--data", data, p.Needs[0].ID, "-k", "0"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(bad, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "match:") {
			t.Errorf("run(%q) = %d, stderr %q; want an error from match", bad, code, stderr.String())
		}
	}
}
