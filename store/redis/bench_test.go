package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// BenchmarkReserve measures one reservation script (a slot on a roomy
// shift for a fresh volunteer) from parallel goroutines.
func BenchmarkReserve(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	st, err := redis.Open(ctx, srv.URL(0), redis.Options{PoolSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	vs := make([]*volmatch.Volunteer, b.N)
	for i := range vs {
		vs[i] = testVolunteer(fmt.Sprintf("V%08d", i))
	}
	if err := st.PutVolunteers(ctx, vs); err != nil {
		b.Fatal(err)
	}
	start := epoch.Add(24 * time.Hour)
	if err := st.CreateNeed(ctx, testNeed("N1", volmatch.Shift{ID: "S1", Start: start, End: start.Add(time.Hour), Slots: 10000})); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: vs[i%int64(len(vs))].ID}}, epoch); err != nil &&
				volmatch.ErrorCode(err) != volmatch.ECONFLICT {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNeed measures reading one need with its fill counts.
func BenchmarkNeed(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	st, err := redis.Open(ctx, srv.URL(0), redis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := epoch.Add(24 * time.Hour)
	if err := st.CreateNeed(ctx, testNeed("N1", volmatch.Shift{ID: "S1", Start: start, End: start.Add(time.Hour), Slots: 10})); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Need(ctx, "N1"); err != nil {
			b.Fatal(err)
		}
	}
}
