package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch/store/redis/redistest"
)

// pipeSizes records the number of commands of every pipeline of script
// calls a client sends.
type pipeSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (h *pipeSizes) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *pipeSizes) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return next
}
func (h *pipeSizes) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() == "evalsha" { // not a connection's handshake
			h.mu.Lock()
			h.sizes = append(h.sizes, len(cmds))
			h.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

// slowIncr increments KEYS[1] after a busy loop of ARGV[1] rounds and
// answers the new value: a script that keeps the server busy long enough
// for calls to queue behind it.
var slowIncr = goredis.NewScript(`
local x = 0
for i = 1, tonumber(ARGV[1]) do x = x + i end
return redis.call('INCR', KEYS[1])`)

func pipeClient(t *testing.T) (*pipe, goredis.UniversalClient, *pipeSizes) {
	t.Helper()
	srv := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	h := &pipeSizes{}
	c.AddHook(h)
	p := newPipe(c)
	t.Cleanup(p.close)
	return p, c, h
}

// TestPipeShares runs many script calls at once through a pipe: every call
// runs exactly once and gets its own answer, and the calls that queued
// while a pipeline was out went out together.
func TestPipeShares(t *testing.T) {
	p, c, h := pipeClient(t)
	ctx := context.Background()
	const calls = 256
	if err := slowIncr.Load(ctx, c).Err(); err != nil {
		t.Fatal(err)
	}
	got := make([]int64, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			got[i], errs[i] = p.run(ctx, slowIncr, []string{"{t}:n"}, 20000).Int64()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("answers %v..., want 1..%d each once", got[:min(len(got), 10)], calls)
		}
	}
	if n, err := c.Get(ctx, "{t}:n").Int(); err != nil || n != calls {
		t.Fatalf("counter = %d, %v; want %d", n, err, calls)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sum := 0
	for _, s := range h.sizes {
		sum += s
	}
	if sum != calls || len(h.sizes) >= calls || slices.Max(h.sizes) < 2 {
		t.Fatalf("%d pipelines of sizes %v for %d calls; want fewer pipelines than calls", len(h.sizes), h.sizes, calls)
	}
	t.Logf("%d calls in %d pipelines, the largest %d", calls, len(h.sizes), slices.Max(h.sizes))
}

// TestPipeNoScript: a script the server has forgotten (SCRIPT FLUSH, a
// restart) is loaded again by the call that finds it missing.
func TestPipeNoScript(t *testing.T) {
	p, c, _ := pipeClient(t)
	ctx := context.Background()
	for round := 1; round <= 2; round++ {
		if err := c.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := p.run(ctx, slowIncr, []string{"{t}:n"}, 1).Int(); err != nil || v != round {
			t.Fatalf("round %d after SCRIPT FLUSH: %d, %v; want %d", round, v, err, round)
		}
	}
}

// TestPipeEndedContext: a call whose context has ended is not sent, so it
// writes nothing; a call after close fails without being sent.
func TestPipeEndedContext(t *testing.T) {
	p, c, _ := pipeClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.run(ctx, slowIncr, []string{"{t}:n"}, 1).Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with an ended context: %v, want context.Canceled", err)
	}
	p.close()
	if err := p.run(context.Background(), slowIncr, []string{"{t}:n"}, 1).Err(); !errors.Is(err, goredis.ErrClosed) {
		t.Fatalf("call after close: %v, want %v", err, goredis.ErrClosed)
	}
	if n, err := c.Exists(context.Background(), "{t}:n").Result(); err != nil || n != 0 {
		t.Fatalf("the calls not sent wrote the counter: exists %d, %v", n, err)
	}
}

// TestPipeErrorReply: a script's error reply is that call's answer only;
// the calls sent with it get their own.
func TestPipeErrorReply(t *testing.T) {
	p, _, _ := pipeClient(t)
	ctx := context.Background()
	bad := goredis.NewScript(`return redis.error_reply('volmatch: refused ' .. ARGV[1])`)
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = p.run(ctx, bad, []string{"{t}:x"}, i).Err()
			} else {
				errs[i] = p.run(ctx, slowIncr, []string{"{t}:n"}, 1000).Err()
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		want := ""
		if i%2 == 0 {
			want = fmt.Sprintf("volmatch: refused %d", i)
		}
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("call %d: %v, want %q", i, err, want)
		}
	}
}

// TestPipeServerCrash kills the server while pipelines are out: every call
// returns (none waits forever), each acknowledged call's write survives the
// restart (appendfsync always), and the same pipe serves again once the
// server is back, without a new client.
func TestPipeServerCrash(t *testing.T) {
	srv := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	p := newPipe(c)
	t.Cleanup(p.close)
	ctx := context.Background()
	if err := slowIncr.Load(ctx, c).Err(); err != nil {
		t.Fatal(err)
	}
	const calls = 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for range calls {
		wg.Go(func() {
			if _, err := p.run(ctx, slowIncr, []string{"{t}:n"}, 200000).Int(); err == nil {
				mu.Lock()
				acked++
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	srv.Kill()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("calls still waiting 10 s after the server died")
	}
	srv.Restart()
	n, err := c.Get(ctx, "{t}:n").Int()
	for try := 0; err != nil && try < 20; try++ { // the pool drops its dead connections
		time.Sleep(100 * time.Millisecond)
		n, err = c.Get(ctx, "{t}:n").Int()
	}
	if err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatalf("read after restart: %v", err)
	}
	if n < acked || n > calls {
		t.Fatalf("counter %d after the crash, with %d calls acknowledged of %d", n, acked, calls)
	}
	var v int
	for try := 0; try < 20; try++ {
		if v, err = p.run(ctx, slowIncr, []string{"{t}:n"}, 1).Int(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || v != n+1 {
		t.Fatalf("call after restart: %d, %v; want %d", v, err, n+1)
	}
	t.Logf("%d of %d calls acknowledged before the crash; counter %d", acked, calls, n)
}

// TestPipeAnswersWhatRan: calls whose contexts end at random moments,
// some before their pipeline is sent, some while it is out. A call either
// was not sent (the context's error, nothing written) or gets the answer
// of what ran: the counter ends equal to the calls answered with success,
// so no write that happened is reported as failed.
func TestPipeAnswersWhatRan(t *testing.T) {
	p, c, _ := pipeClient(t)
	ctx := context.Background()
	if err := slowIncr.Load(ctx, c).Err(); err != nil {
		t.Fatal(err)
	}
	const calls = 128
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, cancelled := 0, 0
	for i := range calls {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, time.Duration(i%8)*500*time.Microsecond)
			defer cancel()
			_, err := p.run(cctx, slowIncr, []string{"{t}:n"}, 20000).Int()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, context.DeadlineExceeded):
				cancelled++
			default:
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	n, err := c.Get(ctx, "{t}:n").Int()
	if err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatal(err)
	}
	if n != ok {
		t.Fatalf("counter %d, but %d calls answered success and %d the context's error: a write that ran was answered as failed", n, ok, cancelled)
	}
	t.Logf("%d calls ran, %d were not sent", ok, cancelled)
}
