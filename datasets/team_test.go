package datasets_test

import (
	"encoding/json"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/geo"
)

// TestGeneratedTeams: the generated city has service teams and standing
// emergency teams of every tier, each valid, at a known street of its
// district, of registered volunteers (emergency teams of consenting
// ones), a volunteer in at most one team of each kind, the same on every
// run.
func TestGeneratedTeams(t *testing.T) {
	o := datasets.GenOptions{Volunteers: 5000, Needs: 10, Seed: 7, Start: datasets.DefaultStart, Weeks: 1}
	p := datasets.Generate(o)
	vols := map[string]*volmatch.Volunteer{}
	for _, v := range p.Volunteers {
		vols[v.ID] = v
	}
	tiers := map[volmatch.TeamTier]int{}
	service, emergency := map[string]bool{}, map[string]bool{}
	for _, tm := range p.Teams {
		if err := tm.Validate(); err != nil {
			t.Fatalf("team %s: %v", tm.ID, err)
		}
		st, ok := geo.Beijing().Street(tm.Street)
		if !ok || st.District != tm.District {
			t.Errorf("team %s at street %s of district %s: not a street of it", tm.ID, tm.Street, tm.District)
		}
		tiers[tm.Tier]++
		seen := service
		if tm.Emergency {
			seen = emergency
		}
		for _, m := range tm.Members {
			v := vols[m]
			switch {
			case v == nil:
				t.Errorf("team %s lists %s, no generated volunteer", tm.ID, m)
			case tm.Emergency && !v.Consent.Emergency:
				t.Errorf("emergency team %s lists %s, who did not consent", tm.ID, m)
			case seen[m]:
				t.Errorf("volunteer %s is in two teams of a kind", m)
			}
			seen[m] = true
		}
	}
	if tiers[""] < 50 || tiers[volmatch.TierStreet] < 10 || tiers[volmatch.TierDistrict] != 16 || tiers[volmatch.TierCity] != 3 {
		t.Errorf("teams by tier = %v, want many service teams, street teams, 16 district teams and 3 city teams", tiers)
	}
	again := datasets.Generate(o)
	a, _ := json.Marshal(p.Teams)
	b, _ := json.Marshal(again.Teams)
	if string(a) != string(b) {
		t.Errorf("the same options gave different teams")
	}
}
