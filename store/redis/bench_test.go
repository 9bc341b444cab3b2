package redis_test

import (
	"context"
	"sync/atomic"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// BenchmarkReserve measures one reservation script (a slot on a roomy
// shift for a fresh volunteer) from parallel goroutines.
func BenchmarkReserve(b *testing.B) {
	ctx := context.Background()
	st := openOn(b, redistest.Start(b), redis.Options{PoolSize: 64})
	vs := putVolunteers(b, st, "V%08d", b.N)
	if err := st.CreateNeed(ctx, testNeed("N1", dayShift(1, 10000))); err != nil {
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
	ctx := context.Background()
	st := openOn(b, redistest.Start(b), redis.Options{})
	if err := st.CreateNeed(ctx, testNeed("N1", dayShift(1, 10))); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Need(ctx, "N1"); err != nil {
			b.Fatal(err)
		}
	}
}
