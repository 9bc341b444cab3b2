package engine_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/taxonomy"
)

// TestNotifyRedisReplicas: two replicas (engines over their own clients
// of one real redis-server) run the notifier at once as the clock passes
// the reminders' times: the volunteer's inbox holds each notification once,
// and each replica's own live subscriber gets the invitation.
func TestNotifyRedisReplicas(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	start := fixture.Base.Add(33 * time.Hour)
	c := &movingClock{t: start.Add(-30 * time.Hour)}
	var replicas []*engine.Engine
	for i := range 2 {
		st, err := redis.Open(ctx, srv.URL(3), redis.Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if i == 0 {
			if err := st.PutVolunteers(ctx, fixture.Volunteers(2)); err != nil {
				t.Fatal(err)
			}
		}
		e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: c.Now})
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, e)
	}
	var lives []<-chan *volmatch.Notification
	for _, r := range replicas {
		ch, stop, err := r.Subscribe(volunteerToken("V000"))
		mustDo(t, "Subscribe", err)
		defer stop()
		lives = append(lives, ch)
	}
	// Each replica's notifier runs from its start (serve starts it with the
	// engine): it reads the shared cursor once, then follows the log on its
	// own. (A notifier first run after another replica had moved the
	// shared cursor past the invitation would start after it: its
	// subscribers see it in the inbox, not live.)
	for _, r := range replicas {
		_, err := r.Notify(ctx)
		mustDo(t, "Notify", err)
	}
	a := replicas[0]
	_, err := a.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 4))))
	mustDo(t, "PostNeed", err)
	invs, err := a.Invite(ctx, sw1, "N1", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V000"}})
	mustDo(t, "Invite", err)
	_, err = replicas[1].Accept(ctx, volunteerToken("V000"), invs[0].ID)
	mustDo(t, "Accept", err)
	race := func() {
		t.Helper()
		var wg sync.WaitGroup
		for _, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if _, err := r.Notify(ctx); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	race()
	for i, ch := range lives {
		select {
		case x := <-ch:
			if x.Kind != volmatch.NoticeInvite {
				t.Errorf("replica %d's subscriber got %s, want the invitation", i, x.Kind)
			}
		default:
			t.Errorf("replica %d's subscriber got nothing", i)
		}
	}
	for _, at := range []time.Duration{24 * time.Hour, 2 * time.Hour} {
		c.Set(start.Add(-at))
		race()
	}
	if got, unread := inbox(t, a, "V000"); !slices.Equal(got, []string{"reminder_2h:s1", "reminder_24h:s1", "invite:s1"}) || unread != 3 {
		t.Errorf("inbox over two replicas = %v (%d unread), want each once", got, unread)
	}
}
