package redis

import (
	"context"
	"errors"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// A pipe sends the store's script calls on the hot client (every write
// but an import's and a reservation batch's, an accept's read, the typed
// event reads) in pipelines: each of pipeSenders goroutines takes the
// calls waiting when it is free, up to pipeBatch, and sends them in one
// write; the calls that come while the senders are busy wait for the next
// free one. Under load an accept then shares its two round trips with the
// accepts made at the same time: one write and one read on each side
// instead of one per call. A lone call goes out at once, as it would alone.
//
// Each call is the same script call it would be alone (Redis runs every
// script of a pipeline whole, in order), so nothing about what is checked
// or written changes. A call whose context has ended before its pipeline
// is sent is not sent, and answers the context's error. A call that was
// sent gets the answer of what ran, whatever its context does meanwhile
// (as a lone go-redis call does): no write that ran is reported as failed.
type pipe struct {
	c     goredis.UniversalClient
	calls chan *pipeCall
	once  sync.Once
	quit  chan struct{}
	wg    sync.WaitGroup
}

const (
	pipeSenders = 4
	pipeBatch   = 64
)

// pipeCall is one call waiting in a pipe: cmd holds its answer once done
// is closed.
type pipeCall struct {
	ctx  context.Context
	cmd  *goredis.Cmd
	done chan struct{}
}

func newPipe(c goredis.UniversalClient) *pipe {
	return &pipe{c: c, calls: make(chan *pipeCall), quit: make(chan struct{})}
}

// run runs script with keys and args through the pipe; the script is
// loaded (EVAL) when the server does not know it.
func (p *pipe) run(ctx context.Context, script *goredis.Script, keys []string, args ...any) *goredis.Cmd {
	cmd := p.call(ctx, script, keys, args)
	if err := cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		return script.Eval(ctx, p.c, keys, args...)
	}
	return cmd
}

func (p *pipe) call(ctx context.Context, script *goredis.Script, keys []string, args []any) *goredis.Cmd {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	a = append(a, args...)
	cmd := goredis.NewCmd(ctx, a...)
	p.once.Do(p.start)
	c := &pipeCall{ctx: ctx, cmd: cmd, done: make(chan struct{})}
	select {
	case p.calls <- c:
	case <-ctx.Done():
		cmd.SetErr(ctx.Err())
		return cmd
	case <-p.quit:
		cmd.SetErr(goredis.ErrClosed)
		return cmd
	}
	// Once handed over, the call is waited for whatever its context does:
	// its sender either leaves it out (its context ended first: nothing
	// written) or sends it and reads its answer, within the client's read
	// timeout. An answer given up on could report a write that ran as
	// failed.
	<-c.done
	return cmd
}

func (p *pipe) start() {
	p.wg.Add(pipeSenders)
	for range pipeSenders {
		go p.send()
	}
}

// send sends the waiting calls, pipeBatch at most at a time, until the
// pipe is closed.
func (p *pipe) send() {
	defer p.wg.Done()
	batch := make([]*pipeCall, 0, pipeBatch)
	for {
		batch = batch[:0]
		select {
		case c := <-p.calls:
			batch = append(batch, c)
		case <-p.quit:
			return
		}
	more:
		for len(batch) < pipeBatch {
			select {
			case c := <-p.calls:
				batch = append(batch, c)
			default:
				break more
			}
		}
		pl := p.c.Pipeline()
		n := 0
		for _, c := range batch {
			if err := c.ctx.Err(); err != nil {
				c.cmd.SetErr(err)
				continue
			}
			_ = pl.Process(context.Background(), c.cmd)
			n++
		}
		if n > 0 {
			// Each call's answer, or the pipeline's error, is on its cmd.
			if _, err := pl.Exec(context.Background()); err != nil && !isCmdErr(batch, err) {
				for _, c := range batch {
					if c.cmd.Err() == nil {
						c.cmd.SetErr(err)
					}
				}
			}
		}
		for _, c := range batch {
			close(c.done)
		}
	}
}

// isCmdErr reports whether err is one of the batch's own answers (a
// script's error reply), which Exec returns as its first error.
func isCmdErr(batch []*pipeCall, err error) bool {
	for _, c := range batch {
		if errors.Is(c.cmd.Err(), err) {
			return true
		}
	}
	return false
}

// close stops the senders once the calls they hold are answered.
func (p *pipe) close() {
	p.once.Do(func() {}) // no sender starts after this
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	p.wg.Wait()
}
