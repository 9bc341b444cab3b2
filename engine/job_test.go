package engine_test

import (
	"context"
	"testing"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// TestBatchCommitChunks: a commit of at most one chunk is one write
// answered with its assignments; a larger one is a job that writes no
// chunk larger than CommitChunk and ends with every placement committed,
// readable by its creator and an admin only.
func TestBatchCommitChunks(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{CommitChunk: 2}, fixture.Volunteers(6)...)
	req := batchNeeds(t, e)
	req.Needs = req.Needs[:1]
	b, err := e.Batch(ctx, sw1, req)
	if err != nil || b.Job != nil || len(b.Assignments) != 2 {
		t.Fatalf("a commit of one chunk = job %v, %d assignments, %v; want no job, 2 assignments", b.Job, len(b.Assignments), err)
	}
	req.Needs = []string{"N1", "N2"}
	b, err = e.Batch(ctx, sw1, req)
	if err != nil || b.Job == nil || len(b.Assignments) != 0 {
		t.Fatalf("a commit of two chunks = job %v, %d assignments, %v; want a job", b.Job, len(b.Assignments), err)
	}
	if b.Job.Status != volmatch.JobRunning || b.Job.Total != 4 || b.Job.Chunks != 2 || b.Job.ChunkSize != 2 {
		t.Errorf("the job as started = %+v, want running, 4 in 2 chunks of 2", b.Job)
	}
	e.WaitJobs()
	j, err := e.Job(ctx, sw1, b.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != volmatch.JobSucceeded || j.Committed != 4 || j.FailedChunk != -1 || len(j.Assignments) != 4 || j.Error != nil {
		t.Errorf("the job done = %+v, want succeeded with 4 committed", j)
	}
	if n := st.Calls("Reserve"); n != 3 {
		t.Errorf("Reserve calls = %d, want 1 for the small commit and 2 chunks", n)
	}
	if _, err := e.Job(ctx, admin, b.Job.ID); err != nil {
		t.Errorf("an admin reads the job: %v", err)
	}
	if _, err := e.Job(ctx, sw2, b.Job.ID); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("another organisation reads the job: %v, want not found", err)
	}
	as, _, _ := st.Real.Assignments(ctx, volmatch.AssignmentFilter{})
	if len(as) != 6 {
		t.Errorf("assignments stored = %d, want 6", len(as))
	}
}
