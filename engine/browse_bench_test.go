package engine_test

import (
	"context"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
)

// BenchmarkBrowse measures what a social worker's browse scope costs
// (engine/access.go): the candidates of every open need of the
// organisation with the most needs, among 100,000 generated volunteers,
// computed for each listing and volunteer search.
func BenchmarkBrowse(b *testing.B) {
	ctx := context.Background()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 100000, Needs: 2000, Seed: 1, Start: datasets.DefaultStart, Weeks: 4})
	e, st := newEngine(b, pop.Volunteers...)
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	now = datasets.DefaultStart.Add(-time.Hour)
	b.Cleanup(func() { now = fixture0 })
	per := map[string]int{}
	for _, n := range pop.Needs {
		per[n.Org]++
	}
	org := ""
	for o, c := range per {
		if c > per[org] || c == per[org] && o < org {
			org = o
		}
	}
	sw := &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: org}
	p, err := e.Search(ctx, sw, volmatch.SearchQuery{Kind: volmatch.ChangeVolunteer, Limit: 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("organisation %s: %d needs, %d volunteers in scope of 100000", org, per[org], p.Total)
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Search(ctx, sw, volmatch.SearchQuery{Kind: volmatch.ChangeVolunteer, Text: "急救", Limit: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := e.Volunteers(ctx, sw, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 100}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	v := pop.Volunteers[len(pop.Volunteers)/2].ID
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			_, _ = e.Volunteer(ctx, sw, v)
		}
	})
}
