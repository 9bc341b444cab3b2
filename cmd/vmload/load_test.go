package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/servetest"
)

// The tests run the real server: cmd/volmatch built once per run, serving a
// small generated population from a bbolt store under a temp folder, as
// scripts/loadtest.sh runs it.

func TestMain(m *testing.M) { servetest.Main(m) }

// loadServer serves a small generated population (open needs in the coming
// weeks) with `volmatch serve` from a bbolt store under a temp folder, on
// 127.0.0.1, with an admin token and no rate limit. It returns the server's
// URL and the admin token; the server is stopped when the test ends.
func loadServer(t *testing.T) (string, string) {
	t.Helper()
	bin := servetest.Binary(t)
	dir := t.TempDir()
	pop, data := filepath.Join(dir, "pop"), filepath.Join(dir, "data")
	start := time.Now().In(volmatch.Beijing).AddDate(0, 0, 2).Format(time.DateOnly)
	for _, args := range [][]string{
		{"gen", "--volunteers", "400", "--needs", "40", "--seed", "3", "--weeks", "2", "--start", start, "--out", pop},
		{"import", "--data", data, filepath.Join(pop, "volunteers.jsonl"), filepath.Join(pop, "needs.jsonl")},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("volmatch %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	const admin = "load-test-admin-secret-0123456789abcdef"
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--rate", "-1")
	cmd.Env = append(os.Environ(), "VOLMATCH_ADMIN_TOKEN="+admin)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "volmatch: serving on "); ok {
				urls <- u
			}
		}
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case u := <-urls:
		return u, admin
	case <-done:
		t.Fatalf("volmatch serve exited at start:\n%s", logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("volmatch serve did not start within 90s")
	}
	return "", ""
}

func TestLoad(t *testing.T) {
	url, admin := loadServer(t)
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
		o := loadOptions{URL: url, Token: admin, Clients: 4, Duration: time.Minute, Scenario: "accepts", Invites: invites,
			NotifierWait: time.Minute}
		var logs bytes.Buffer
		rep, err := runLoad(ctx, o, &logs)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "load: the notifier caught up with the invitations") {
			t.Errorf("the setup did not wait for the server's notifier:\n%s", logs.String())
		}
		if !rep.Exhausted || rep.Requests != invites || rep.OK != invites {
			t.Fatalf("accepts: exhausted %v, %d requests, %d ok, errors %v; want all %d accepted",
				rep.Exhausted, rep.Requests, rep.OK, rep.Errors, invites)
		}
		// Each invitation was accepted exactly once: the store holds as many
		// assignments of the load need.
		var page struct {
			Items []volmatch.Need `json:"items"`
		}
		c := newLoadClient(o)
		if err := c.must(ctx, http.MethodGet, "/v1/needs?limit=1000", nil, &page, http.StatusOK); err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, n := range page.Items {
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

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no token", []string{"--url", "http://127.0.0.1:1", "--duration", "1s"}, "vmload: load: --token is required"},
		{"unknown flag", []string{"--nope"}, "vmload: unknown flag: --nope"},
		{"an argument", []string{"extra"}, "vmload: unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != 1 {
				t.Errorf("run(%q) = %d, want 1", tc.args, code)
			}
			if !strings.HasPrefix(stderr.String(), tc.want) {
				t.Errorf("run(%q) stderr = %q, want it to start with %q", tc.args, stderr.String(), tc.want)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "--scenario") {
		t.Errorf("run(--help) = %d, stdout %q; want 0 and the flags", code, stdout.String())
	}
}

// TestWaitNotifier: the wait ends once the server's gauge reaches the time
// the invitations were sent, fails when it never does within the limit,
// and is skipped for a server without the gauge.
func TestWaitNotifier(t *testing.T) {
	ctx := context.Background()
	since := time.Now()
	var gauge atomic.Value // the /metrics body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, gauge.Load().(string))
	}))
	defer srv.Close()
	c := newLoadClient(loadOptions{URL: srv.URL, Clients: 1})
	line := func(at time.Time) string {
		return fmt.Sprintf("# HELP x\nvolmatch_notifier_caught_up_timestamp_seconds_other 9e9\n%s %g\n", notifierGauge, float64(at.UnixNano())/1e9)
	}

	gauge.Store(line(since.Add(-time.Minute)))
	if err := waitNotifier(ctx, c, since, 500*time.Millisecond, io.Discard); err == nil {
		t.Error("waitNotifier on a notifier a minute behind = nil, want an error once the limit passes")
	}

	gauge.Store(line(since.Add(-time.Minute)))
	go func() {
		time.Sleep(300 * time.Millisecond)
		gauge.Store(line(since.Add(time.Second)))
	}()
	var logs bytes.Buffer
	if err := waitNotifier(ctx, c, since, time.Minute, &logs); err != nil || !strings.Contains(logs.String(), "caught up") {
		t.Errorf("waitNotifier on a notifier that catches up = %v, log %q", err, logs.String())
	}

	gauge.Store("# an older server\nvolmatch_http_requests_total 1\n")
	logs.Reset()
	if err := waitNotifier(ctx, c, since, time.Minute, &logs); err != nil || !strings.Contains(logs.String(), "not waiting") {
		t.Errorf("waitNotifier on a server without the gauge = %v, log %q; want nil and a note", err, logs.String())
	}
}

// TestSettle: the settle command runs with its output in the log, and a
// failing one fails the run.
func TestSettle(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	if err := settle(ctx, "", &logs); err != nil || logs.Len() != 0 {
		t.Errorf("settle with no command = %v, log %q; want nil and nothing", err, logs.String())
	}
	if err := settle(ctx, "echo rewrite-done", &logs); err != nil || !strings.Contains(logs.String(), "rewrite-done\n") || !strings.Contains(logs.String(), "load: settled in") {
		t.Errorf("settle(echo) = %v, log %q", err, logs.String())
	}
	if err := settle(ctx, "exit 3", io.Discard); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("settle(exit 3) = %v, want the exit status", err)
	}
}
