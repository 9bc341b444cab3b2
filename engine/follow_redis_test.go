package engine_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher/grid"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestFollowerRedisDerived: on a real redis-server, a page whose only
// changes of a volunteer are derived (an accept's load and held slot)
// updates the feature index from the volunteer's stats and held slots
// alone, without reading the record again; a record changed in the same
// page as a reservation is read again; one deleted since is dropped.
func TestFollowerRedisDerived(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st, err := redis.Open(ctx, srv.URL(0), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	vs, ns := followFixture()
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, vs))
	mustDo(t, "PutNeeds", st.PutNeeds(ctx, ns))
	feats := grid.NewFeatures(nil)
	f := engine.NewFollower(st, nil, feats, engine.FollowerOptions{})
	mustDo(t, "Start", f.Start(ctx))

	reserve := func(need, vol string) {
		t.Helper()
		_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: need, Shift: "s1", Volunteer: vol}}, time.Date(2025, 5, 1, 9, 0, 0, 0, volmatch.Beijing))
		mustDo(t, "Reserve "+need+" for "+vol, err)
	}
	// same fails unless the index holds vol as the store does: the record,
	// its Stats and its held slots.
	same := func(what, vol string) {
		t.Helper()
		want, err := st.Volunteer(ctx, vol)
		mustDo(t, "Volunteer", err)
		got, ok := feats.Volunteer(vol)
		if !ok {
			t.Fatalf("%s: the index lost %s", what, vol)
		}
		if !reflect.DeepEqual(got, want.Coarsened()) {
			t.Fatalf("%s: the index holds %s as\n%+v\nthe store as\n%+v", what, vol, got, want.Coarsened())
		}
		held, err := st.HeldSlots(ctx, vol)
		mustDo(t, "HeldSlots", err)
		if h := feats.Held(vol); len(h) != len(held[vol]) || len(h) == 0 {
			t.Fatalf("%s: the index holds %d slots of %s, the store %d", what, len(h), vol, len(held[vol]))
		}
	}

	reserve("n1", "v1")
	before := srv.Calls("get")
	if n, err := f.CatchUp(ctx); err != nil || n != 2 {
		t.Fatalf("CatchUp = %d, %v, want the need's and the volunteer's changes", n, err)
	}
	if g := srv.Calls("get") - before; g != 0 {
		t.Errorf("CatchUp of a reservation made %d GETs, want none: the volunteer is not read again (nor the need: no text index, no shift index)", g)
	}
	same("after a reservation", "v1")

	// A change of the record and a reservation in one page: read again.
	v2, err := st.Volunteer(ctx, "v2")
	mustDo(t, "Volunteer", err)
	v2.Bio = "改过的简介"
	mustDo(t, "UpdateVolunteer", st.UpdateVolunteer(ctx, v2))
	reserve("n1", "v2")
	_, err = f.CatchUp(ctx)
	mustDo(t, "CatchUp", err)
	same("after an update and a reservation", "v2")

	// A reservation, then the volunteer deleted before the follower reads.
	reserve("n4", "v3")
	mustDo(t, "DeleteVolunteer", st.DeleteVolunteer(ctx, "v3"))
	_, err = f.CatchUp(ctx)
	mustDo(t, "CatchUp", err)
	if _, ok := feats.Volunteer("v3"); ok {
		t.Errorf("the index still holds v3, deleted")
	}
}
