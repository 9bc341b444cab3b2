package redis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// BenchmarkCreateInvitations measures sending invitations (one request of
// 100 volunteers per op) to a store that already holds n=20000
// invitations:
//
//   - scan-then-create is what the API did before: for each volunteer, list
//     its sent invitations to the need (a scan of every invitation), then
//     CreateInvitation one at a time;
//   - one-at-a-time is CreateInvitation per volunteer without the scan;
//   - batch is one CreateInvitations of the 100.
//
// It reports inv/s, the invitations written per second.
func BenchmarkCreateInvitations(b *testing.B) {
	const pre, nVols, size = 20000, 1000, 100
	ctx := context.Background()
	st := openOn(b, redistest.Start(b), redis.Options{})
	vs := putVolunteers(b, st, "V%05d", nVols)
	sh := dayShift(1, 10)
	needs := 0
	newNeed := func() string {
		needs++
		id := fmt.Sprintf("N%06d", needs)
		if err := st.CreateNeed(ctx, testNeed(id, sh)); err != nil {
			b.Fatal(err)
		}
		return id
	}
	invs := func(need string, n int) []*volmatch.Invitation {
		out := make([]*volmatch.Invitation, n)
		for i := range out {
			out[i] = &volmatch.Invitation{ID: fmt.Sprintf("I-%s-%05d", need, i), Need: need, Shift: "S1", Volunteer: vs[i].ID, SentAt: epoch}
		}
		return out
	}
	for made := 0; made < pre; made += nVols {
		if err := st.CreateInvitations(ctx, invs(newNeed(), nVols)); err != nil {
			b.Fatal(err)
		}
	}

	run := func(b *testing.B, send func(batch []*volmatch.Invitation) error) {
		b.ResetTimer()
		var spent time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			batch := invs(newNeed(), size)
			b.StartTimer()
			t0 := time.Now()
			if err := send(batch); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(t0)
		}
		b.ReportMetric(float64(size*b.N)/spent.Seconds(), "inv/s")
	}
	name := fmt.Sprintf("n=%d", pre)
	b.Run(name+"/scan-then-create", func(b *testing.B) {
		run(b, func(batch []*volmatch.Invitation) error {
			for _, inv := range batch {
				live, _, err := st.Invitations(ctx, volmatch.InvitationFilter{Need: inv.Need, Volunteer: inv.Volunteer,
					Status: volmatch.InviteSent, ListOptions: volmatch.ListOptions{Limit: 1000}})
				if err != nil {
					return err
				}
				if len(live) > 0 {
					return fmt.Errorf("%s already invited", inv.Volunteer)
				}
			}
			for _, inv := range batch {
				if err := st.CreateInvitation(ctx, inv); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run(name+"/one-at-a-time", func(b *testing.B) {
		run(b, func(batch []*volmatch.Invitation) error {
			for _, inv := range batch {
				if err := st.CreateInvitation(ctx, inv); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run(name+"/batch", func(b *testing.B) {
		run(b, func(batch []*volmatch.Invitation) error { return st.CreateInvitations(ctx, batch) })
	})
}
