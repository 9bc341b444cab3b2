package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"go.uber.org/mock/gomock"

	"volmatch"
	"volmatch/datasets"
	"volmatch/internal/storemock"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// TestImportAllOrNothing injects a store failure at each write of an
// import of four kinds of files (stations, pools, volunteers in several
// chunks, needs), into an empty store and into one holding an earlier
// import with the same IDs, and checks that a failed import leaves every
// record and the event log as they were: the writes before the failed one
// are undone (created records deleted, replaced ones put back). Before,
// the stations, pools and volunteers written before a failure stayed.
func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { storeChunk = n }(storeChunk)
	storeChunk = 7 // 20 volunteers: three volunteer writes
	tmp := t.TempDir()
	gen := func(seed string) []string {
		dir := filepath.Join(tmp, "pop"+seed)
		runOK(t, "gen", "--volunteers", "20", "--needs", "4", "--seed", seed, "--out", dir)
		var files []string
		for _, f := range []string{datasets.StationsFile, datasets.PoolsFile, datasets.VolunteersFile, datasets.NeedsFile} {
			files = append(files, filepath.Join(dir, f))
		}
		return files
	}
	earlier, files := gen("6"), gen("5")
	tax := taxonomy.Load()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	importInto := func(st volmatch.Store, files []string) error {
		c, err := checkFiles(e, files, tax.Has)
		if err != nil {
			t.Fatal(err)
		}
		w := &importWriter{st: st, stderr: io.Discard}
		return w.writeAll(ctx, c, tax.Has)
	}
	for _, pre := range []struct {
		name  string
		files []string
	}{{"empty store", nil}, {"over an earlier import", earlier[:3]}} {
		open := func(t *testing.T) *storemock.Faulty {
			real, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { real.Close() })
			if pre.files != nil {
				if err := importInto(real, pre.files); err != nil {
					t.Fatal(err)
				}
			}
			return storemock.New(gomock.NewController(t), real)
		}
		t.Run(pre.name, func(t *testing.T) {
			st := open(t)
			if err := importInto(st, files); err != nil {
				t.Fatalf("import without a fault: %v", err)
			}
			writes := st.Writes()
			t.Logf("the import's writes: %v", writes)
			if len(writes) < 6 {
				t.Fatalf("the import made %d writes, want stations, pools, 3 volunteer chunks and needs", len(writes))
			}
			for k := range writes {
				t.Run(fmt.Sprintf("write %d %s fails", k+1, writes[k]), func(t *testing.T) {
					st := open(t)
					want, err := storemock.Snapshot(ctx, st.Real)
					if err != nil {
						t.Fatal(err)
					}
					st.FailAt(k + 1)
					if err := importInto(st, files); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
						t.Errorf("import with write %d failing = %v, want the store's unavailable", k+1, err)
					}
					got, err := storemock.Snapshot(ctx, st.Real)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("write %d (%s) failed and the import left records behind", k+1, writes[k])
					}
				})
			}
		})
	}
}
