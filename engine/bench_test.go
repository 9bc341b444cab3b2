package engine_test

import (
	"context"
	"testing"
	"time"

	"volmatch/datasets"
	"volmatch/engine"
)

// BenchmarkMenuRebuild measures Engine.Menu over 2,000 needs in a bbolt
// store, the shift grid rebuilt from the store's open needs on every call
// (was storeModes.Menu in cmd/volmatch).
func BenchmarkMenuRebuild(b *testing.B) {
	ctx := context.Background()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 200, Needs: 2000, Seed: 1, Start: datasets.DefaultStart, Weeks: 4})
	e, st := newEngine(b, pop.Volunteers...)
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	now = datasets.DefaultStart.Add(-time.Hour)
	b.Cleanup(func() { now = fixture0 })
	b.ResetTimer()
	items := 0
	for i := 0; b.Loop(); i++ {
		m, err := e.Menu(ctx, admin, pop.Volunteers[i%len(pop.Volunteers)].ID, engine.MenuOptions{K: 10})
		if err != nil {
			b.Fatal(err)
		}
		items += len(m.Items)
	}
	if items == 0 {
		b.Fatal("every menu was empty")
	}
}
