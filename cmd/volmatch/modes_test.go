package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"volmatch/api"
	"volmatch/datasets"
	"volmatch/store/bolt"
)

// BenchmarkMenuRebuild measures storeModes.Menu over 2,000 needs in a bbolt
// store, the shift index rebuilt from the store on every call.
func BenchmarkMenuRebuild(b *testing.B) {
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 200, Needs: 2000, Seed: 1, Start: datasets.DefaultStart, Weeks: 4})
	if err := st.PutVolunteers(ctx, pop.Volunteers); err != nil {
		b.Fatal(err)
	}
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	tax := datasets.LoadTaxonomy()
	m := newModes(nil, tax, st)
	after := datasets.DefaultStart.Add(-time.Hour)
	b.ResetTimer()
	items := 0
	for i := 0; b.Loop(); i++ {
		menu, err := m.Menu(ctx, pop.Volunteers[i%len(pop.Volunteers)], api.MenuOptions{K: 10, After: after})
		if err != nil {
			b.Fatal(err)
		}
		items += len(menu.Items)
	}
	if items == 0 {
		b.Fatal("every menu was empty")
	}
}
