package redis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
)

// TestServerDown stops redis-server mid-use: calls fail with EUNAVAILABLE
// (not a hang, not another code); after a restart on the same port and
// folder the same Store serves again and every acknowledged write is there.
func TestServerDown(t *testing.T) {
	for _, stop := range []struct {
		name string
		fn   func(*redistest.Server)
	}{
		{"SIGTERM", (*redistest.Server).Stop},
		{"SIGKILL", (*redistest.Server).Kill},
	} {
		t.Run(stop.name, func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := context.Background()
			st := openOn(t, srv, redis.Options{})
			if err := st.CreateNeed(ctx, testNeed("N1", dayShift(2, 50))); err != nil {
				t.Fatal(err)
			}
			var acked []string
			for i := 0; i < 20; i++ {
				v := testVolunteer(fmt.Sprintf("V%02d", i))
				if err := st.CreateVolunteer(ctx, v); err != nil {
					t.Fatal(err)
				}
				if _, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: v.ID}}, epoch); err != nil {
					t.Fatal(err)
				}
				acked = append(acked, v.ID)
			}

			stop.fn(srv)
			calls := []struct {
				name string
				fn   func() error
			}{
				{"Ping", func() error { return st.Ping(ctx) }},
				{"Need", func() error { _, err := st.Need(ctx, "N1"); return err }},
				{"CreateVolunteer", func() error { return st.CreateVolunteer(ctx, testVolunteer("X1")) }},
				{"Reserve", func() error {
					_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V00"}}, epoch)
					return err
				}},
				{"Events", func() error { _, err := st.Events(ctx, 0, 10); return err }},
				{"Volunteers", func() error { _, _, err := st.Volunteers(ctx, volmatch.VolunteerFilter{}); return err }},
			}
			for _, c := range calls {
				err := c.fn()
				if got := volmatch.ErrorCode(err); got != volmatch.EUNAVAILABLE {
					t.Errorf("%s with the server down: code %q (%v), want %q", c.name, got, err, volmatch.EUNAVAILABLE)
				}
				var ve *volmatch.Error
				if errors.As(err, &ve) && ve.Message == "" {
					t.Errorf("%s: EUNAVAILABLE without a message", c.name)
				}
			}
			if _, err := redis.Open(ctx, srv.URL(0), redis.Options{}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
				t.Errorf("Open with the server down = %v, want EUNAVAILABLE", err)
			}

			srv.Restart()
			// The pool dials again by itself; the first call after the
			// restart may still meet a connection the server closed, so
			// wait (bounded) for Ping to answer, then expect every call.
			var perr error
			for i := 0; i < 100; i++ {
				if perr = st.Ping(ctx); perr == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if perr != nil {
				t.Fatalf("Ping after restart = %v", perr)
			}
			n, err := st.Need(ctx, "N1")
			if err != nil {
				t.Fatal(err)
			}
			if n.Shifts[0].Filled != len(acked) {
				t.Errorf("Filled after restart = %d, want %d acknowledged reservations", n.Shifts[0].Filled, len(acked))
			}
			for _, id := range acked {
				if _, err := st.Volunteer(ctx, id); err != nil {
					t.Errorf("Volunteer(%s) after restart = %v", id, err)
				}
			}
			as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{Need: "N1"})
			if err != nil || len(as) != len(acked) {
				t.Errorf("Assignments after restart = %d, %v, want %d", len(as), err, len(acked))
			}
			if err := st.CreateVolunteer(ctx, testVolunteer("X2")); err != nil {
				t.Errorf("CreateVolunteer after restart = %v", err)
			}
		})
	}
}

// TestServerHangs points the store at a listener that accepts connections
// and never answers: calls end with EUNAVAILABLE (the read timeout), not a
// hang.
func TestServerHangs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	_, err = redis.Open(context.Background(), "redis://"+ln.Addr().String()+"/0", redis.Options{Timeout: 200 * time.Millisecond})
	if got := volmatch.ErrorCode(err); got != volmatch.EUNAVAILABLE {
		t.Errorf("Open on a silent server: code %q (%v), want %q", got, err, volmatch.EUNAVAILABLE)
	}
}
