package storetest

import (
	"context"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// idem returns a pending claim of key by scope at Epoch.
func idem(scope, key, nonce string) *volmatch.Idempotency {
	return &volmatch.Idempotency{Scope: scope, Key: key, Route: "POST /v1/needs", Hash: volmatch.HashRequest([]byte(`{}`)),
		State: volmatch.IdemPending, Nonce: nonce, CreatedAt: Epoch,
		LeaseUntil: Epoch.Add(volmatch.IdempotencyLease), ExpiresAt: Epoch.Add(volmatch.IdempotencyTTL)}
}

// testIdempotency: a key is claimed once per scope; a second claim gets
// the record held; a done record keeps its answer; a pending claim past
// its lease and any record past its expiry may be claimed again; release
// forgets only a pending claim of the same nonce; complete needs the nonce.
func testIdempotency(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	first := idem("scopeA", "k1", "n1")
	got, ok, err := st.ClaimIdempotency(ctx, first, Epoch)
	must(t, "ClaimIdempotency", err)
	if !ok || got.Nonce != "n1" {
		t.Fatalf("first ClaimIdempotency = %+v, %v; want the claim, true", got, ok)
	}
	other, ok, err := st.ClaimIdempotency(ctx, idem("scopeB", "k1", "n2"), Epoch)
	must(t, "ClaimIdempotency in another scope", err)
	if !ok || other.Nonce != "n2" {
		t.Fatalf("ClaimIdempotency of the same key in another scope = %+v, %v; want its own claim", other, ok)
	}
	held, ok, err := st.ClaimIdempotency(ctx, idem("scopeA", "k1", "n3"), Epoch.Add(time.Second))
	must(t, "second ClaimIdempotency", err)
	if ok || held.Nonce != "n1" || held.State != volmatch.IdemPending {
		t.Fatalf("second ClaimIdempotency = %+v, %v; want the pending n1 record, false", held, ok)
	}
	wantCode(t, "CompleteIdempotency with another nonce", st.CompleteIdempotency(ctx, idem("scopeA", "k1", "n9")), volmatch.ECONFLICT)
	done := *first
	done.Status, done.Location, done.Body = 201, "/v1/needs/N1", []byte(`{"id":"N1"}`)
	must(t, "CompleteIdempotency", st.CompleteIdempotency(ctx, &done))
	held, ok, err = st.ClaimIdempotency(ctx, idem("scopeA", "k1", "n4"), Epoch.Add(volmatch.IdempotencyLease+time.Minute))
	must(t, "ClaimIdempotency of a done key", err)
	if ok || held.State != volmatch.IdemDone || held.Status != 201 || string(held.Body) != `{"id":"N1"}` || held.Location != "/v1/needs/N1" {
		t.Fatalf("ClaimIdempotency of a done key past the lease = %+v, %v; want the stored answer, false", held, ok)
	}
	must(t, "ReleaseIdempotency of a done key", st.ReleaseIdempotency(ctx, "scopeA", "k1", "n1"))
	if _, ok, _ := st.ClaimIdempotency(ctx, idem("scopeA", "k1", "n5"), Epoch.Add(time.Hour)); ok {
		t.Fatalf("ReleaseIdempotency forgot a done key")
	}
	// Expired: claimed again.
	again, ok, err := st.ClaimIdempotency(ctx, idem("scopeA", "k1", "n6"), Epoch.Add(volmatch.IdempotencyTTL))
	must(t, "ClaimIdempotency of an expired key", err)
	if !ok || again.Nonce != "n6" {
		t.Fatalf("ClaimIdempotency of an expired key = %+v, %v; want a new claim", again, ok)
	}

	// A pending claim: released by its own nonce only, taken over after
	// its lease.
	must(t, "ReleaseIdempotency with another nonce", st.ReleaseIdempotency(ctx, "scopeB", "k1", "zz"))
	if _, ok, _ := st.ClaimIdempotency(ctx, idem("scopeB", "k1", "n7"), Epoch.Add(time.Second)); ok {
		t.Fatalf("ReleaseIdempotency with another nonce released the claim")
	}
	// Renewed, a pending claim holds past its first lease.
	wantCode(t, "RenewIdempotency with another nonce", st.RenewIdempotency(ctx, "scopeB", "k1", "zz", Epoch.Add(time.Hour)), volmatch.ECONFLICT)
	must(t, "RenewIdempotency", st.RenewIdempotency(ctx, "scopeB", "k1", "n2", Epoch.Add(time.Hour)))
	if held, ok, _ := st.ClaimIdempotency(ctx, idem("scopeB", "k1", "n9"), Epoch.Add(volmatch.IdempotencyLease+time.Second)); ok || held.Nonce != "n2" || held.State != volmatch.IdemPending {
		t.Fatalf("a renewed claim was taken over within its new lease: %+v, %v", held, ok)
	}
	must(t, "ReleaseIdempotency", st.ReleaseIdempotency(ctx, "scopeB", "k1", "n2"))
	if _, ok, _ := st.ClaimIdempotency(ctx, idem("scopeB", "k1", "n8"), Epoch.Add(time.Second)); !ok {
		t.Fatalf("a released key could not be claimed again")
	}
	if _, ok, _ := st.ClaimIdempotency(ctx, idem("scopeB", "k1", "n10"), Epoch.Add(volmatch.IdempotencyLease)); !ok {
		t.Fatalf("a pending claim past its lease could not be taken over")
	}
}

// testIdempotencyFence: a write made with a fence whose nonce holds the key
// is made and marks the record committed in the same write (then neither
// release nor a claim past the lease frees it); a write with a fence that
// lost the key writes nothing. Every kind of write the flows fence is
// tried: a need, a volunteer, an invitation batch, a reservation, an
// accept, a job.
func testIdempotencyFence(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)))
	inv := invite(t, st, "I0", "N1", "S2", "V002")
	writes := []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"CreateNeed", func(ctx context.Context) error { return st.CreateNeed(ctx, need("N2", "O1", shift("S1", 24, 3, 2))) }},
		{"CreateVolunteer", func(ctx context.Context) error { return st.CreateVolunteer(ctx, fixture.Volunteer("V100")) }},
		{"CreateInvitations", func(ctx context.Context) error {
			return st.CreateInvitations(ctx, []*volmatch.Invitation{fixture.Invitation("I1", "N1", "S1", "V000", at(0))})
		}},
		{"Reserve", func(ctx context.Context) error {
			_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V001"}}, at(0))
			return err
		}},
		{"Accept", func(ctx context.Context) error { _, err := st.Accept(ctx, inv.ID, at(0)); return err }},
		{"CreateJob", func(ctx context.Context) error {
			return st.CreateJob(ctx, &volmatch.Job{ID: "J1", Kind: "batch", Status: volmatch.JobRunning, CreatedAt: Epoch})
		}},
	}
	for i, w := range writes {
		key := "fence-" + w.name
		rec := idem("scope", key, "good")
		_, ok, err := st.ClaimIdempotency(ctx, rec, Epoch)
		must(t, "ClaimIdempotency", err)
		if !ok {
			t.Fatalf("%s: claim refused", w.name)
		}
		lost := volmatch.WithFence(ctx, volmatch.Fence{Scope: "scope", Key: key, Nonce: "stale"})
		refused(t, st, w.name+" with a lost fence", volmatch.ECONFLICT, func() error { return w.write(lost) })
		if i == len(writes)-1 {
			if _, err := st.Job(ctx, "J1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				t.Fatalf("CreateJob with a lost fence stored the job: %v", err)
			}
		}
		fenced := volmatch.WithFence(ctx, volmatch.Fence{Scope: "scope", Key: key, Nonce: "good"})
		must(t, w.name+" fenced", w.write(fenced))
		must(t, "ReleaseIdempotency after a committed write", st.ReleaseIdempotency(ctx, "scope", key, "good"))
		held, ok, err := st.ClaimIdempotency(ctx, idem("scope", key, "late"), Epoch.Add(volmatch.IdempotencyLease+time.Minute))
		must(t, "ClaimIdempotency after a committed write", err)
		if ok || held.State != volmatch.IdemCommitted || held.Nonce != "good" {
			t.Fatalf("%s: the record after the fenced write = %+v, %v; want committed, held", w.name, held, ok)
		}
	}
}

// testJobs: a job is created once, replaced whole, read back with its
// owner; a missing one is ENOTFOUND.
func testJobs(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	j := &volmatch.Job{ID: "J1", Kind: "batch", Owner: "hash1", Status: volmatch.JobRunning, Total: 5000, ChunkSize: 2000,
		Chunks: 3, FailedChunk: -1, CreatedAt: Epoch, UpdatedAt: Epoch}
	must(t, "CreateJob", st.CreateJob(ctx, j))
	wantCode(t, "CreateJob again", st.CreateJob(ctx, j), volmatch.ECONFLICT)
	got, err := st.Job(ctx, "J1")
	must(t, "Job", err)
	if got.Owner != "hash1" {
		t.Fatalf("Job owner = %q, want hash1", got.Owner)
	}
	sameJSON(t, "Job", got, j)
	j.Committed, j.Status, j.FailedChunk = 2000, volmatch.JobFailed, 1
	j.Error = &volmatch.JobError{Code: volmatch.ECONFLICT, Field: "placements[2001]", Message: "full"}
	j.Assignments = []string{"A1", "A2"}
	must(t, "UpdateJob", st.UpdateJob(ctx, j))
	got, err = st.Job(ctx, "J1")
	must(t, "Job", err)
	sameJSON(t, "Job after UpdateJob", got, j)
	wantCode(t, "UpdateJob of a missing job", st.UpdateJob(ctx, &volmatch.Job{ID: "J404"}), volmatch.ENOTFOUND)
	_, err = st.Job(ctx, "J404")
	wantCode(t, "Job J404", err, volmatch.ENOTFOUND)
}

// testReserveSize: one Reserve takes at most MaxReserve reservations;
// more is EINVALID and writes nothing.
func testReserveSize(t *testing.T, st volmatch.Store) {
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", shift("S1", 24, 3, 2)))
	rs := make([]volmatch.Reservation, volmatch.MaxReserve+1)
	for i := range rs {
		rs[i] = volmatch.Reservation{Need: "N1", Shift: "S1", Volunteer: "V000"}
	}
	refused(t, st, "Reserve of MaxReserve+1", volmatch.EINVALID, func() error {
		_, err := st.Reserve(context.Background(), rs, at(0))
		return err
	})
}

// testCreateInvitationsEvents: the events given to CreateInvitations are
// appended after the invitations' in the same write, and not at all when
// the batch is refused.
func testCreateInvitationsEvents(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(2), need("N1", "O1", shift("S1", 24, 3, 2)))
	n, err := st.Need(ctx, "N1")
	must(t, "Need", err)
	wave := volmatch.NeedEvent(volmatch.EventDispatchWave, n, at(0))
	wave.Wave, wave.Count = 1, 2
	invs := []*volmatch.Invitation{fixture.Invitation("I1", "N1", "S1", "V000", at(0)), fixture.Invitation("I2", "N1", "S1", "V404", at(0))}
	before := takeSnapshot(t, st)
	wantCode(t, "CreateInvitations with a missing volunteer", st.CreateInvitations(ctx, invs, wave), volmatch.ENOTFOUND)
	unchanged(t, "a refused CreateInvitations with an event", st, before)
	invs[1] = fixture.Invitation("I2", "N1", "S1", "V001", at(0))
	must(t, "CreateInvitations", st.CreateInvitations(ctx, invs, wave))
	evs := allEvents(t, st)[len(before.Events):]
	var types []volmatch.EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []volmatch.EventType{volmatch.EventInviteSent, volmatch.EventInviteSent, volmatch.EventDispatchWave}
	if jsonOf(t, types) != jsonOf(t, want) {
		t.Fatalf("events of CreateInvitations with a wave = %v, want %v", types, want)
	}
	if evs[2].Wave != 1 || evs[2].Count != 2 {
		t.Fatalf("dispatch.wave event = %+v, want wave 1 of 2", evs[2])
	}
}
