package redis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestEventsOfBeforeTheIndex checks the typed read over a log whose first
// part was written before the events were indexed by type (the type
// streams and their start removed, as a store written by an earlier
// version has none): every read equals filtering the whole log, across the
// start of the index.
func TestEventsOfBeforeTheIndex(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := openOn(t, srv, redis.Options{})
	types := []volmatch.EventType{volmatch.EventMatchShown, volmatch.EventInviteSent, volmatch.EventCancelled, volmatch.EventWeightsAdopted}
	rng := rand.New(rand.NewPCG(5, 8))
	appendN := func(n int) {
		var evs []volmatch.Event
		for i := range n {
			evs = append(evs, volmatch.Event{Type: types[rng.IntN(len(types))], At: epoch, Need: fmt.Sprintf("N%d", i)})
		}
		if err := st.AppendEvents(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	appendN(2500) // more than a page of the scanning script
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer c.Close()
	keys, err := c.Keys(ctx, "{vm}:evt*").Result()
	if err != nil || len(keys) != len(types)+1 {
		t.Fatalf("type index keys = %v, %v; want %d streams and the start", keys, err, len(types))
	}
	if err := c.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	appendN(700)

	all, err := st.Events(ctx, 0, 10_000)
	if err != nil || len(all) != 3200 {
		t.Fatalf("Events = %d, %v; want 3200", len(all), err)
	}
	for range 80 {
		want := []volmatch.EventType{types[rng.IntN(len(types))], types[rng.IntN(len(types))]}
		after := uint64(rng.IntN(3201))
		limit := 1 + rng.IntN(1200)
		got, through, err := st.EventsOf(ctx, after, limit, want...)
		if err != nil {
			t.Fatal(err)
		}
		var exp []volmatch.Event
		for _, e := range all {
			if e.Seq > after && slices.Contains(want, e.Type) {
				exp = append(exp, e)
			}
		}
		expThrough := uint64(3200)
		if len(exp) >= limit {
			exp = exp[:limit]
			expThrough = exp[limit-1].Seq
		}
		if !slices.EqualFunc(got, exp, func(a, b volmatch.Event) bool { return a.Seq == b.Seq && a.Type == b.Type && a.Need == b.Need }) {
			t.Fatalf("EventsOf(after %d, limit %d, %v) = %d events, want %d", after, limit, want, len(got), len(exp))
		}
		if through != max(after, expThrough) {
			t.Errorf("EventsOf(after %d, limit %d, %v) through %d, want %d", after, limit, want, through, max(after, expThrough))
		}
	}
}
