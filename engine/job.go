package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"volmatch"
)

// Jobs: a write too long for one store write (a batch commit of more than
// one chunk) runs in the background with a status of its own. The request
// that starts it stores the job (that is its write, fenced by its
// idempotency key) and answers at once; the job then commits its items in
// chunks of at most Options.CommitChunk, each chunk one store write, all or
// nothing. A failed chunk stops the job: the status says how many items
// were committed (always the first ones, whole chunks) and which chunk
// failed with what refusal. The job runs with a context of its own, never
// the request's: the caller's deadline or disconnection does not stop it.

// jobs is the set of jobs this process runs.
type jobs struct {
	mu      sync.Mutex
	running map[string]bool
	wg      sync.WaitGroup
}

func (js *jobs) start(id string, run func()) {
	js.mu.Lock()
	if js.running == nil {
		js.running = map[string]bool{}
	}
	js.running[id] = true
	js.mu.Unlock()
	js.wg.Go(func() {
		defer func() {
			js.mu.Lock()
			delete(js.running, id)
			js.mu.Unlock()
		}()
		run()
	})
}

func (js *jobs) runs(id string) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.running[id]
}

// WaitJobs waits until every job this engine started has finished (tests,
// and a server that drains before it stops).
func (e *Engine) WaitJobs() { e.jobs.wg.Wait() }

// Job returns job id to its creator (or an admin). A job left running by a
// process that stopped is reported failed (interrupted), with what it had
// committed.
func (e *Engine) Job(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Job, error) {
	if err := volmatch.ValidID("id", id); err != nil {
		return nil, volmatch.NotFoundError("job", id)
	}
	j, err := e.store.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if tok.Role != volmatch.RoleAdmin && j.Owner != idemScope(tok) {
		// Another caller's job does not exist for this one.
		return nil, volmatch.NotFoundError("job", id)
	}
	if j.Status == volmatch.JobRunning && !e.jobs.runs(j.ID) && e.now().Sub(j.UpdatedAt) > jobStale {
		j.Status = volmatch.JobFailed
		j.Error = &volmatch.JobError{Code: volmatch.EUNAVAILABLE,
			Message: fmt.Sprintf("the server stopped while the job ran; %d of %d were committed", j.Committed, j.Total)}
	}
	return j, nil
}

// commitJob stores a new batch job for rs in the caller's name (with
// ctx: the request's write) and starts committing it in the background.
func (e *Engine) commitJob(ctx context.Context, tok *volmatch.Token, rs []volmatch.Reservation, at time.Time) (*volmatch.Job, error) {
	size := e.commitChunk
	now := e.now()
	j := &volmatch.Job{ID: NewID("job"), Kind: "batch", Owner: idemScope(tok), Status: volmatch.JobRunning,
		Total: len(rs), ChunkSize: size, Chunks: (len(rs) + size - 1) / size, FailedChunk: -1,
		CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateJob(ctx, j); err != nil {
		return nil, fmt.Errorf("engine: store batch job: %w", err)
	}
	out := *j
	e.jobs.start(j.ID, func() { e.runBatchJob(j, rs, at) })
	return &out, nil
}

// runBatchJob commits rs chunk by chunk, recording the progress in j.
func (e *Engine) runBatchJob(j *volmatch.Job, rs []volmatch.Reservation, at time.Time) {
	ctx := context.Background()
	for c := 0; c < j.Chunks; c++ {
		lo, hi := c*j.ChunkSize, min(len(rs), (c+1)*j.ChunkSize)
		as, err := e.store.Reserve(ctx, rs[lo:hi], at)
		j.UpdatedAt = e.now()
		if err != nil {
			j.Status, j.FailedChunk, j.Error = volmatch.JobFailed, c, jobError(err, lo)
			e.log.Warn("batch job chunk failed", "job", j.ID, "chunk", c, "err", volmatch.Scrub(err))
			break
		}
		j.Committed = hi
		for _, a := range as {
			j.Assignments = append(j.Assignments, a.ID)
		}
		if c == j.Chunks-1 {
			j.Status = volmatch.JobSucceeded
			break
		}
		e.saveJob(ctx, j)
	}
	e.saveJob(ctx, j)
	e.synced(ctx)
}

// saveJob stores j's progress, trying again a few times: the chunks it
// reports are committed whatever becomes of the status.
func (e *Engine) saveJob(ctx context.Context, j *volmatch.Job) {
	var err error
	for try := range 5 {
		if err = e.store.UpdateJob(ctx, j); err == nil {
			return
		}
		time.Sleep(time.Duration(1<<try) * 100 * time.Millisecond)
	}
	e.log.Warn("batch job status not stored", "job", j.ID, "err", volmatch.Scrub(err))
}

// jobError turns a chunk's refusal into the job's: the store's field
// "reservations[i]" of the chunk starting at lo becomes the request's
// "placements[lo+i]".
func jobError(err error, lo int) *volmatch.JobError {
	je := &volmatch.JobError{Code: volmatch.ErrorCode(err), Message: volmatch.ErrorMessage(err)}
	var ve *volmatch.Error
	if errors.As(err, &ve) {
		je.Field = ve.Field
		if rest, ok := strings.CutPrefix(ve.Field, "reservations["); ok {
			idx, tail, _ := strings.Cut(rest, "]")
			if i, err := strconv.Atoi(idx); err == nil {
				je.Field = fmt.Sprintf("placements[%d]%s", lo+i, tail)
			}
		}
	}
	if je.Code == volmatch.EINTERNAL {
		je.Message = "internal error"
	}
	return je
}
