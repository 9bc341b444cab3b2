package engine_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// inviteWithKey invites vols to N1 as a transport would with the key:
// the answer is the invitations as JSON.
func inviteWithKey(e *engine.Engine, key string, vols ...string) (engine.Answer, bool, error) {
	body, _ := json.Marshal(engine.InviteRequest{Volunteers: vols})
	return e.Idempotent(context.Background(), sw1, engine.IdempotentRequest{Key: key, Route: "POST /v1/needs/N1/invites", Body: body},
		func(ctx context.Context) (engine.Answer, error) {
			invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: vols})
			if err != nil {
				return engine.Answer{Status: 409, Body: []byte(err.Error())}, nil
			}
			b, _ := json.Marshal(invs)
			return engine.Answer{Status: 201, Body: b}, nil
		})
}

// TestIdempotentRetry: a retry with the same key and body gets the first
// answer and writes nothing; the same key with another body is refused;
// another caller's same key is its own.
func TestIdempotentRetry(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{}, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	first, replayed, err := inviteWithKey(e, "k-1", "V000", "V001")
	if err != nil || replayed || first.Status != 201 {
		t.Fatalf("first request = %d, replayed %v, %v; want 201", first.Status, replayed, err)
	}
	writes := len(st.Writes())
	again, replayed, err := inviteWithKey(e, "k-1", "V000", "V001")
	if err != nil || !replayed || again.Status != 201 || string(again.Body) != string(first.Body) {
		t.Fatalf("retry = %d %s, replayed %v, %v; want the first answer replayed", again.Status, again.Body, replayed, err)
	}
	if w := st.Writes()[writes:]; len(w) != 0 {
		t.Errorf("the retry wrote %v", w)
	}
	invs, _, _ := st.Real.Invitations(ctx, volmatch.InvitationFilter{})
	if len(invs) != 2 {
		t.Errorf("invitations stored = %d, want 2", len(invs))
	}
	if _, _, err := inviteWithKey(e, "k-1", "V002"); volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "Idempotency-Key" {
		t.Errorf("the same key with another body = %v, want invalid Idempotency-Key", err)
	}
	if _, _, err := inviteWithKey(e, "bad key"); volmatch.ErrorField(err) != "Idempotency-Key" {
		t.Errorf("a key with a space = %v, want invalid Idempotency-Key", err)
	}
	// A refusal is an answer too: kept and replayed.
	refused, _, err := inviteWithKey(e, "k-2", "V000")
	if err != nil || refused.Status != 409 {
		t.Fatalf("inviting V000 again = %d, %v; want the 409 answer", refused.Status, err)
	}
	if again, replayed, _ := inviteWithKey(e, "k-2", "V000"); !replayed || again.Status != 409 {
		t.Errorf("retry of a refusal = %d replayed %v, want the 409 replayed", again.Status, replayed)
	}
}

// TestIdempotentLostAnswer: a write that committed but whose answer was
// not stored (the process died between the two) is never run again by a
// retry: the key is committed in the same write, and the retry is refused.
func TestIdempotentLostAnswer(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{}, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	st.FailCall("CompleteIdempotency", 1)
	if ans, _, err := inviteWithKey(e, "k-lost", "V000"); err != nil || ans.Status != 201 {
		t.Fatalf("first request = %d, %v; want 201", ans.Status, err)
	}
	if _, _, err := inviteWithKey(e, "k-lost", "V000"); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Fatalf("retry after a lost answer = %v, want a conflict (the write is not made again)", err)
	}
	invs, _, _ := st.Real.Invitations(ctx, volmatch.InvitationFilter{})
	if len(invs) != 1 {
		t.Errorf("invitations stored = %d, want 1", len(invs))
	}
}

// TestIdempotentFailedWriteRunsAgain: a write that failed (nothing
// committed) frees its key, so the retry runs.
func TestIdempotentFailedWriteRunsAgain(t *testing.T) {
	ctx := context.Background()
	e, st := newFaultyEngine(t, engine.Options{}, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	st.FailCall("CreateInvitations", 1)
	body, _ := json.Marshal(engine.InviteRequest{Volunteers: []string{"V000"}})
	req := engine.IdempotentRequest{Key: "k-fail", Route: "POST /v1/needs/N1/invites", Body: body}
	run := func(ctx context.Context) (engine.Answer, error) {
		if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}}); err != nil {
			return engine.Answer{Status: 503}, nil
		}
		return engine.Answer{Status: 201}, nil
	}
	if ans, _, _ := e.Idempotent(ctx, sw1, req, run); ans.Status != 503 {
		t.Fatalf("first request = %d, want 503 (injected failure)", ans.Status)
	}
	if ans, replayed, err := e.Idempotent(ctx, sw1, req, run); err != nil || replayed || ans.Status != 201 {
		t.Fatalf("retry = %d replayed %v, %v; want it run again: 201", ans.Status, replayed, err)
	}
}

// TestIdempotentTakenOver: a first request that stalls past its lease
// loses the key to a retry, and its late write is refused (the fence), so
// the write is made once.
func TestIdempotentTakenOver(t *testing.T) {
	ctx := context.Background()
	clock := now
	e, st := newFaultyEngine(t, engine.Options{Now: func() time.Time { return clock }}, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(engine.InviteRequest{Volunteers: []string{"V000"}})
	req := engine.IdempotentRequest{Key: "k-stall", Route: "POST /v1/needs/N1/invites", Body: body}
	var lateErr error
	_, _, _ = e.Idempotent(ctx, sw1, req, func(stalled context.Context) (engine.Answer, error) {
		// Stalled before its write: past the lease a retry runs.
		clock = clock.Add(volmatch.IdempotencyLease + time.Second)
		ans, replayed, err := inviteWithKey(e, "k-stall", "V000")
		if err != nil || replayed || ans.Status != 201 {
			t.Fatalf("retry past the lease = %d replayed %v, %v; want it run: 201", ans.Status, replayed, err)
		}
		_, lateErr = e.Invite(stalled, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V001"}})
		return engine.Answer{Status: 409}, nil
	})
	if volmatch.ErrorCode(lateErr) != volmatch.ECONFLICT {
		t.Errorf("the stalled request's late write = %v, want a conflict", lateErr)
	}
	invs, _, _ := st.Real.Invitations(ctx, volmatch.InvitationFilter{})
	if len(invs) != 1 || invs[0].Volunteer != "V000" {
		t.Errorf("invitations stored = %d, want the retry's one", len(invs))
	}
}

// TestWriteOutlivesDeadline: a store write that began is not abandoned when
// the caller's deadline passes. The store here writes, then answers only
// after the deadline, giving the context's error as go-redis does when a
// script's reply comes late: before, the engine passed the request's
// context and answered an error (a 503 for a need that was stored, whose
// retry would post it again); now the write runs to its end and answers.
func TestWriteOutlivesDeadline(t *testing.T) {
	e, st := newFaultyEngine(t, engine.Options{})
	ctx, deadline := context.WithCancel(context.Background())
	defer deadline()
	st.Hook("CreateNeed", func(wctx context.Context, n *volmatch.Need) error {
		if err := st.Real.CreateNeed(wctx, n); err != nil {
			return err
		}
		deadline() // the caller's deadline passes while the reply is on its way
		return wctx.Err()
	})
	n, err := e.PostNeed(ctx, sw1, fixture.Need("N1"))
	if err != nil {
		t.Fatalf("PostNeed whose write outlived the deadline = %v, want the stored need", err)
	}
	if _, err := st.Real.Need(context.Background(), n.ID); err != nil {
		t.Fatalf("the need is not stored: %v", err)
	}
}

// TestAnswerAfterCommittedWrite: in a request (engine.Request), once a
// write committed the reads that build its answer run to their end: an
// update whose write outlived the deadline answers with the need read
// back, not with the deadline's error (a 503 for a write that went
// through).
func TestAnswerAfterCommittedWrite(t *testing.T) {
	e, st := newFaultyEngine(t, engine.Options{})
	if _, err := e.PostNeed(context.Background(), sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	ctx, deadline := context.WithCancel(engine.Request(context.Background()))
	defer deadline()
	st.Hook("UpdateNeed", func(wctx context.Context, n *volmatch.Need) error {
		err := st.Real.UpdateNeed(wctx, n)
		deadline() // the caller's deadline passes during the write
		return err
	})
	n := fixture.Need("N1", fixture.Title("改过的标题"))
	got, err := e.UpdateNeed(ctx, sw1, "N1", n)
	if err != nil {
		t.Fatalf("UpdateNeed whose write outlived the deadline = %v, want the updated need", err)
	}
	if got.Title != "改过的标题" {
		t.Errorf("UpdateNeed answered title %q, want the new one", got.Title)
	}
}

// TestIdempotentLeaseRenewed: a request that runs longer than the lease
// keeps its key (it renews the lease while it runs): a retry meanwhile is
// told it still runs instead of taking the key over.
func TestIdempotentLeaseRenewed(t *testing.T) {
	defer engine.SetLeaseRenewal(10 * time.Millisecond)()
	ctx := context.Background()
	var mu sync.Mutex
	clock := now
	e, _ := newFaultyEngine(t, engine.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }}, fixture.Volunteers(4)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(engine.InviteRequest{Volunteers: []string{"V000"}})
	req := engine.IdempotentRequest{Key: "k-long", Route: "POST /v1/needs/N1/invites", Body: body}
	ans, _, err := e.Idempotent(ctx, sw1, req, func(ctx context.Context) (engine.Answer, error) {
		// The request runs well past its first lease, renewing it.
		for range 3 {
			mu.Lock()
			clock = clock.Add(volmatch.IdempotencyLease / 2)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
		if _, _, err := inviteWithKey(e, "k-long", "V000"); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
			t.Errorf("a retry while the first request runs = %v, want a conflict (still running)", err)
		}
		if _, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}}); err != nil {
			return engine.Answer{}, err
		}
		return engine.Answer{Status: 201}, nil
	})
	if err != nil || ans.Status != 201 {
		t.Fatalf("the long request = %d, %v; want 201", ans.Status, err)
	}
}
