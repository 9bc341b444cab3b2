package redis_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// BenchmarkAccept measures accepting invitations from 16 goroutines, each
// op a distinct invitation of a distinct volunteer to a roomy shift. It
// reports accepts/s and the p50/p99 latency of one read-and-accept.
//
//   - read-then-Accept reads the invitation and calls Accept with its ID;
//   - AcceptChecked is what the engine does since issue 17: one call that
//     reads the invitation, its need and its volunteer in one round trip,
//     runs the caller's check and reserves.
func BenchmarkAccept(b *testing.B) {
	ctx := context.Background()
	st := openOn(b, redistest.Start(b), redis.Options{PoolSize: 64})
	runs := 0
	run := func(b *testing.B, accept func(id string) error) {
		runs++
		need := fmt.Sprintf("N%04d", runs)
		if err := st.CreateNeed(ctx, testNeed(need, dayShift(1, b.N+1))); err != nil {
			b.Fatal(err)
		}
		ids := make([]string, b.N)
		const batch = 1000
		for lo := 0; lo < b.N; lo += batch {
			hi := min(lo+batch, b.N)
			vs := make([]*volmatch.Volunteer, 0, hi-lo)
			invs := make([]*volmatch.Invitation, 0, hi-lo)
			for i := lo; i < hi; i++ {
				v := testVolunteer(fmt.Sprintf("V%s-%07d", need, i))
				vs = append(vs, v)
				ids[i] = fmt.Sprintf("I%s-%07d", need, i)
				invs = append(invs, &volmatch.Invitation{ID: ids[i], Need: need, Shift: "S1", Volunteer: v.ID, SentAt: epoch})
			}
			if err := st.PutVolunteers(ctx, vs); err != nil {
				b.Fatal(err)
			}
			if err := st.CreateInvitations(ctx, invs); err != nil {
				b.Fatal(err)
			}
		}
		var next atomic.Int64
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(8) // 16 goroutines on 2 cores
		b.ResetTimer()
		t0 := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				i := next.Add(1) - 1
				t := time.Now()
				if err := accept(ids[i]); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		el := time.Since(t0)
		b.StopTimer()
		slices.Sort(lat)
		if len(lat) > 0 {
			b.ReportMetric(float64(len(lat))/el.Seconds(), "accepts/s")
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
		}
		if f, err := st.Need(ctx, need); err != nil || f.Shifts[0].Filled != b.N {
			b.Fatalf("after %d accepts: need %v, err %v", b.N, f, err)
		}
	}
	b.Run("read-then-Accept", func(b *testing.B) {
		run(b, func(id string) error {
			inv, err := st.Invitation(ctx, id)
			if err != nil {
				return err
			}
			_, err = st.Accept(ctx, inv.ID, epoch)
			return err
		})
	})
	// What the engine does now: one call, the gates checked in it.
	b.Run("AcceptChecked", func(b *testing.B) {
		run(b, func(id string) error {
			_, err := st.AcceptChecked(ctx, id, epoch, func(inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) error {
				if n == nil || v == nil {
					return fmt.Errorf("AcceptChecked(%s): need or volunteer missing", inv.ID)
				}
				return nil
			})
			return err
		})
	})
}
