package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// Group commit of event appends.
//
// Every listing of matches appends its match.shown events, so under load
// AppendEvents is the hottest write. One bbolt transaction per call means
// one fsync per call, taken one at a time: callers queue on the writer lock
// and the disk's sync latency caps the request rate. Instead, concurrent
// calls share one transaction: the first caller to find no commit running
// becomes the leader and commits everything queued so far; the calls that
// arrive meanwhile queue up, and when the leader is done it hands the
// leadership to the first of them, who commits the whole queue at once. No
// call waits for a timer, and each call still returns only after the
// transaction holding its events has committed (and been fsynced unless
// NoSync): an acknowledged append is durable and the log keeps the order in
// which calls returned, exactly as before; only the number of fsyncs falls.

// appendReq is one queued AppendEvents call.
type appendReq struct {
	evs [][]byte // encoded by encodeEvent
	// res receives the commit's result, or errLead when the caller must
	// commit the queue itself.
	res chan error
}

// errLead tells a queued caller that it leads the next group commit.
var errLead = errors.New("bolt: lead the next group commit")

// maxGroup bounds the events one group transaction writes, so that a
// transaction stays short while a long queue builds up.
const maxGroup = 4096

// appender is the queue of event appends waiting for a group commit.
type appender struct {
	mu      sync.Mutex
	queue   []*appendReq
	leading bool // a caller is committing; the others wait their turn
}

// appendGrouped appends evs (encoded by encodeEvent) in a transaction that
// may also carry the events of concurrent calls, and returns once it has
// committed. The encoding is done before, outside the writer lock, so that
// nothing but I/O can fail a group.
func (s *Store) appendGrouped(evs [][]byte) error {
	r := &appendReq{evs: evs, res: make(chan error, 1)}
	g := &s.appends
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if g.leading {
		g.mu.Unlock()
		if err := <-r.res; err != errLead {
			return err
		}
		g.mu.Lock() // promoted: r is at the head of the queue
	}
	g.leading = true
	n, size := 0, 0
	for n < len(g.queue) && (n == 0 || size+len(g.queue[n].evs) <= maxGroup) {
		size += len(g.queue[n].evs)
		n++
	}
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	err := dbErr(s.db.Update(func(tx *bbolt.Tx) error {
		for _, q := range batch {
			for _, ev := range q.evs {
				if err := appendEncoded(tx, ev); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	var own error
	for _, q := range batch {
		if q == r {
			own = err
		} else {
			q.res <- err
		}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].res <- errLead // leading stays true: the baton passes
	} else {
		g.leading = false
		g.queue = nil // drop the spent backing array
	}
	g.mu.Unlock()
	return own
}

// changeSignal wakes the waiters of WaitChange when a transaction that
// appended to the change feed commits.
type changeSignal struct {
	mu sync.Mutex
	ch chan struct{} // closed and replaced on every such commit
}

func (c *changeSignal) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *changeSignal) notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// changeLinger is how long WaitChange lets more changes gather after one
// arrives, so that a burst of writes (an import, thousands of invitations)
// is applied to the indexes in a few batches rather than one per write.
const changeLinger = 10 * time.Millisecond

// WaitChange blocks until a change with Seq > after exists, the timeout
// passes or ctx ends, and reports whether a newer change exists. It lets a
// follower in this process (engine.Follower.Run) apply a write within
// milliseconds rather than at its next tick: when the change was already
// there it returns at once, otherwise it returns changeLinger after the
// write that woke it. Only writes made through this Store wake it, which is
// all of them: the file is locked to one process.
func (s *Store) WaitChange(ctx context.Context, after uint64, timeout time.Duration) (bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	waited := false
	for {
		woken := s.changed.wait() // taken before the check, so no commit is missed
		last, err := s.LastChange(ctx)
		if err != nil {
			return false, err
		}
		if last > after {
			if waited {
				select {
				case <-time.After(changeLinger):
				case <-t.C:
				case <-ctx.Done():
					return false, fmt.Errorf("bolt: wait for change: %w", ctx.Err())
				}
			}
			return true, nil
		}
		select {
		case <-woken:
			waited = true
		case <-t.C:
			return false, nil
		case <-ctx.Done():
			return false, fmt.Errorf("bolt: wait for change: %w", ctx.Err())
		}
	}
}
