package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/taxonomy"
)

// TestCatalogSearch: talent pools and stations are found by text (their
// domain's Chinese name too), by kind and by place, by every role that may
// search; a pool shows its member count, never its members; a record
// deleted or changed is found as it is now, after the follower catches
// up.
func TestCatalogSearch(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteer("V1"), fixture.Volunteer("V2"))
	pool := &volmatch.TalentPool{ID: "P1", Name: "东城专业人才库", Domain: "psychology",
		Description: "持证心理咨询师，可承接社区心理疏导。", Members: []string{"V1", "V2"}}
	if err := e.SavePool(ctx, admin, "", pool); err != nil {
		t.Fatal(err)
	}
	station := &volmatch.Station{ID: "S1", Name: "东华门街道党群服务中心", Type: "party_mass_centre",
		Point: fixture.Site, District: "110101", Street: "110101001000"}
	if err := e.SaveStation(ctx, admin, "", station); err != nil {
		t.Fatal(err)
	}
	farStation := &volmatch.Station{ID: "S2", Name: "通州区图书馆", Type: "library", Point: far, District: "110112"}
	if err := e.SaveStation(ctx, admin, "", farStation); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		q    volmatch.SearchQuery
		want []string
	}{
		{"domain's name finds the pool", volunteerToken("V1"), volmatch.SearchQuery{Text: "心理"}, []string{"P1"}},
		{"a synonym finds the pool", sw1, volmatch.SearchQuery{Text: "心理辅导", Kind: volmatch.ChangePool}, []string{"P1"}},
		{"planner, by kind", planner, volmatch.SearchQuery{Kind: volmatch.ChangeStation}, []string{"S1", "S2"}},
		{"near, every kind", volunteerToken("V1"), volmatch.SearchQuery{Near: &fixture.Site, WithinKm: 3, Text: "党群"}, []string{"S1"}},
		{"by district", admin, volmatch.SearchQuery{Kind: volmatch.ChangeStation, District: "110112"}, []string{"S2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.Search(ctx, c.tok, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := foundIDs(p); !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("Search(%+v) = total %d, %v; want %d, %v", c.q, p.Total, got, len(c.want), c.want)
			}
			for _, f := range p.Items {
				if f.Record == nil || f.Record.ID != f.ID || f.Record.Name == "" {
					t.Errorf("hit %s %s carries record %+v", f.Kind, f.ID, f.Record)
				}
			}
		})
	}
	p, err := e.Search(ctx, volunteerToken("V1"), volmatch.SearchQuery{Text: "心理", Kind: volmatch.ChangePool})
	if err != nil || len(p.Items) != 1 || p.Items[0].Record.Count != 2 {
		t.Fatalf("pool hit = %+v, %v; want one with a count of 2", p.Items, err)
	}

	// Changed and deleted: found as they are now.
	station.Name = "东华门街道图书角"
	if err := e.SaveStation(ctx, admin, "S1", station); err != nil {
		t.Fatal(err)
	}
	if err := e.DeletePool(ctx, admin, "P1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"党群": {}, "图书": {"S1", "S2"}, "心理": {}} {
		p, err := e.Search(ctx, admin, volmatch.SearchQuery{Text: q, Kind: volmatch.ChangeStation})
		if q == "心理" {
			p, err = e.Search(ctx, admin, volmatch.SearchQuery{Text: q})
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := foundIDs(p); !slices.Equal(got, want) {
			t.Errorf("after the change, search %q = %v, want %v", q, got, want)
		}
	}
}

// TestCatalogSearchRebuilt: a text index rebuilt from the store (a new
// replica, or one whose index was dropped) holds the catalogue too.
func TestCatalogSearchRebuilt(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t)
	if err := e.SaveStation(ctx, admin, "", &volmatch.Station{ID: "S1", Name: "东华门街道党群服务中心",
		Type: "party_mass_centre", Point: fixture.Site, District: "110101"}); err != nil {
		t.Fatal(err)
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	e2 := engine.New(st, text, tax, engine.Options{Now: func() time.Time { return now }})
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := e2.Search(ctx, admin, volmatch.SearchQuery{Text: "党群"})
	if err != nil || !slices.Equal(foundIDs(p), []string{"S1"}) {
		t.Errorf("search on a rebuilt index = %v, %v; want [S1]", foundIDs(p), err)
	}
}

var _ engine.CatalogSource = engine.StoreCatalog(nil)
