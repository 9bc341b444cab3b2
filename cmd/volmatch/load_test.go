package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
)

// loadServer serves a small generated population (open needs in the coming
// weeks) from a bbolt store under a temp folder, wired as serve wires it,
// on 127.0.0.1, with an admin token and no rate limit.
func loadServer(t *testing.T) (*service, string, string) {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	st, err := openStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().In(volmatch.Beijing).Truncate(24*time.Hour).AddDate(0, 0, 2)
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 400, Needs: 40, Seed: 3, Start: start, Weeks: 2})
	if err := st.PutVolunteers(ctx, pop.Volunteers); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	const admin = "load-test-admin"
	svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: data}, AdminToken: admin, API: api.Options{Rate: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	srv := httptest.NewServer(svc.api.Handler())
	t.Cleanup(srv.Close)
	return svc, srv.URL, admin
}

func TestLoad(t *testing.T) {
	svc, url, admin := loadServer(t)
	ctx := context.Background()

	t.Run("matches", func(t *testing.T) {
		o := loadOptions{URL: url, Token: admin, Clients: 4, Duration: 500 * time.Millisecond,
			Warmup: 100 * time.Millisecond, Scenario: "matches", K: 5, MaxNeeds: 1000}
		rep, err := runLoad(ctx, o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests == 0 || rep.OK != rep.Requests || len(rep.Errors) != 0 {
			t.Fatalf("matches: %d requests, %d ok, errors %v; want some, all ok", rep.Requests, rep.OK, rep.Errors)
		}
		if rep.Elapsed < o.Duration || rep.Elapsed > o.Duration+time.Second {
			t.Errorf("matches: measured over %v, want about %v", rep.Elapsed, o.Duration)
		}
		p50, p99, top := rep.Quantile(0.5), rep.Quantile(0.99), rep.Quantile(1)
		if p50 <= 0 || p50 > p99 || p99 > top {
			t.Errorf("latency quantiles p50 %v p99 %v max %v, want 0 < p50 <= p99 <= max", p50, p99, top)
		}
		if got, want := rep.RPS(), float64(rep.Requests)/rep.Elapsed.Seconds(); got != want {
			t.Errorf("RPS() = %v, want %v", got, want)
		}
		var out bytes.Buffer
		rep.printBench(&out, "HTTP/matches")
		if f := strings.Fields(out.String()); len(f) != 12 || f[0] != "BenchmarkHTTP/matches" || f[3] != "req/s" || f[11] != "errors" {
			t.Errorf("benchmark line = %q, want BenchmarkHTTP/matches 1 N req/s ... N errors", out.String())
		}
	})

	t.Run("accepts", func(t *testing.T) {
		const invites = 250
		o := loadOptions{URL: url, Token: admin, Clients: 4, Duration: time.Minute, Scenario: "accepts", Invites: invites}
		rep, err := runLoad(ctx, o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Exhausted || rep.Requests != invites || rep.OK != invites {
			t.Fatalf("accepts: exhausted %v, %d requests, %d ok, errors %v; want all %d accepted",
				rep.Exhausted, rep.Requests, rep.OK, rep.Errors, invites)
		}
		// Each invitation was accepted exactly once: the store holds as many
		// assignments of the load need.
		ns, _, err := svc.store.Needs(ctx, volmatch.NeedFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, n := range ns {
			if strings.HasPrefix(n.ID, "LOAD") {
				for _, sh := range n.Shifts {
					held += sh.Filled
				}
			}
		}
		if held != invites {
			t.Errorf("filled slots of the load need = %d, want %d", held, invites)
		}
	})

	t.Run("errors by status", func(t *testing.T) {
		o := loadOptions{URL: url, Token: "not-a-token", Clients: 2, Duration: 200 * time.Millisecond,
			Scenario: "matches", K: 5, Needs: []string{"N0001"}}
		rep, err := runLoad(ctx, o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests == 0 || rep.OK != 0 || rep.Errors["401"] != rep.Requests {
			t.Fatalf("bad token: %d requests, %d ok, errors %v; want every one a 401", rep.Requests, rep.OK, rep.Errors)
		}
		var out bytes.Buffer
		rep.print(&out)
		if !strings.Contains(out.String(), "errors 401: ") {
			t.Errorf("report lacks the 401 count:\n%s", out.String())
		}
	})

	t.Run("bad options", func(t *testing.T) {
		for _, o := range []loadOptions{
			{URL: url, Token: admin, Clients: 0, Duration: time.Second, Scenario: "matches"},
			{URL: url, Token: "", Clients: 1, Duration: time.Second, Scenario: "matches"},
			{URL: url, Token: admin, Clients: 1, Duration: time.Second, Scenario: "nope"},
		} {
			if _, err := runLoad(ctx, o, io.Discard); err == nil {
				t.Errorf("runLoad(%+v) = nil error, want one", o)
			}
		}
	})
}
