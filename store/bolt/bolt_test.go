package bolt_test

import (
	"path/filepath"
	"testing"

	"volmatch"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) volmatch.Store {
		st, err := bolt.Open(filepath.Join(t.TempDir(), bolt.FileName), bolt.Options{NoSync: true, Now: storetest.Now})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}
