package storetest

import (
	"context"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// testStoreID: a store has an identity (StoreID, which the feature
// snapshot records), not empty and the same at every call, writes between
// them included.
func testStoreID(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	x, ok := st.(interface {
		StoreID(ctx context.Context) (string, error)
	})
	if !ok {
		t.Fatalf("%T has no StoreID method", st)
	}
	id, err := x.StoreID(ctx)
	must(t, "StoreID", err)
	if len(id) < 16 {
		t.Fatalf("StoreID = %q, want a random identity of 16 characters at least", id)
	}
	must(t, "PutVolunteers", st.PutVolunteers(ctx, []*volmatch.Volunteer{fixture.Volunteer("V-ID-1")}))
	again, err := x.StoreID(ctx)
	must(t, "StoreID", err)
	if again != id {
		t.Fatalf("StoreID = %q, then %q: want the same", id, again)
	}
}
