package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
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
//
// Accepts (issue 17) share the same groups: a queued write is then a
// function run in the group's transaction whose refusals all come before
// its first write (refuse marks them), so a refused accept leaves the
// transaction as it found it and the others of the group go on. A write
// that fails otherwise (an I/O error, after it may have written) aborts
// the group's transaction, and every write of that group is then run again
// in a transaction of its own, so each caller gets its own answer.

// appendReq is one queued write: events to append, or a function.
type appendReq struct {
	evs [][]byte // encoded by encodeEvent
	// fn, when set, is run in the group's transaction (see refuse).
	fn func(tx *bbolt.Tx) error
	// refused is fn's refusal in the last group it ran in.
	refused error
	// res receives the commit's result, or errLead when the caller must
	// commit the queue itself.
	res chan error
}

// refusal is an error of a grouped function returned before it wrote
// anything: the group's transaction goes on without it.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

// refuse marks err (when not nil) as returned before any write.
func refuse(err error) error {
	if err == nil {
		return nil
	}
	return refusal{err}
}

// errAborted is the group transaction's error once a write failed after
// writing: every write of the group runs again alone.
var errAborted = errors.New("bolt: group aborted")

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
	return s.grouped(&appendReq{evs: evs, res: make(chan error, 1)})
}

// updateGrouped runs fn in a transaction that may also carry concurrent
// grouped writes (see the comment at the top), and returns once it has
// committed: fn must return every refusal through refuse, before its first
// write, and its other errors only when they may follow a write.
func (s *Store) updateGrouped(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	if _, ok := volmatch.FenceFrom(ctx); ok {
		// The fence writes before fn checks: a transaction of its own.
		return s.update(ctx, func(tx *bbolt.Tx) error {
			err := fn(tx)
			var r refusal
			if errors.As(err, &r) {
				return r.err
			}
			return err
		})
	}
	err := s.grouped(&appendReq{fn: fn, res: make(chan error, 1)})
	if err == nil {
		s.changed.notify() // the write may have appended changes
	}
	return err
}

func (s *Store) grouped(r *appendReq) error {
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
	for n < len(g.queue) && (n == 0 || size+len(g.queue[n].evs)+1 <= maxGroup) {
		size += len(g.queue[n].evs) + 1
		n++
	}
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	err := s.commitGroup(batch)
	var own error
	for _, q := range batch {
		qerr := err
		if qerr == errAborted {
			qerr = s.commitGroup([]*appendReq{q}) // alone: its own answer
		}
		if qerr == nil && q.refused != nil {
			qerr = q.refused
		}
		if q == r {
			own = qerr
		} else {
			q.res <- qerr
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

// commitGroup writes the batch in one transaction: errAborted when a
// function of a batch of several failed after it may have written.
func (s *Store) commitGroup(batch []*appendReq) error {
	var failed error
	err := dbErr(s.db.Update(func(tx *bbolt.Tx) error {
		for _, q := range batch {
			q.refused = nil
			for _, ev := range q.evs {
				if err := appendEncoded(tx, ev); err != nil {
					return err
				}
			}
			if q.fn == nil {
				continue
			}
			err := q.fn(tx)
			var rf refusal
			switch {
			case errors.As(err, &rf):
				q.refused = rf.err
			case err != nil:
				failed = err
				return err
			}
		}
		return nil
	}))
	if failed != nil && len(batch) > 1 {
		return errAborted
	}
	return err
}
