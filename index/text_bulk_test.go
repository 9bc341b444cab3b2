package index_test

import (
	"context"
	"path/filepath"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/taxonomy"
)

// TestBulkPersists indexes a generated population with Bulk, then again
// with concurrent IndexBatch calls, closes the index without an explicit Flush and finds every document after
// reopening it (batches return before they are on disk; Close waits).
func TestBulkPersists(t *testing.T) {
	ctx := context.Background()
	p := datasets.Generate(datasets.GenOptions{Volunteers: 1200, Needs: 40, Seed: 2})
	o := index.Options{Synonyms: taxonomy.Load().SynonymGroups()}
	dir := filepath.Join(t.TempDir(), "ix")
	tx, err := index.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Bulk(ctx, p.Volunteers, p.Needs); err != nil {
		t.Fatalf("Bulk: %v", err)
	}
	// Batches from two goroutines at once, re-indexing what Bulk indexed.
	errs := make(chan error, 2)
	for _, part := range [][]*volmatch.Volunteer{p.Volunteers[:600], p.Volunteers[600:]} {
		go func() { errs <- tx.IndexBatch(part, nil) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("IndexBatch: %v", err)
		}
	}
	if err := tx.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	tx, err = index.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	needs, vols, err := tx.Count(ctx)
	if err != nil || needs != uint64(len(p.Needs)) || vols != uint64(len(p.Volunteers)) {
		t.Errorf("Count() after reopen = %d needs, %d volunteers, %v; want %d, %d", needs, vols, err, len(p.Needs), len(p.Volunteers))
	}
	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	if err := tx.Bulk(ctxDone, p.Volunteers, nil); err == nil {
		t.Errorf("Bulk with a cancelled context = nil, want an error")
	}
}
