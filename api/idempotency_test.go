package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/internal/testlog"
	"volmatch/store/bolt"
)

// keyed sends a POST as who with an Idempotency-Key and returns the
// status, the body and the answer's headers.
func (e *env) keyed(who, path, key string, body any) (int, []byte, http.Header) {
	e.t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(j))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	req.Header.Set("Idempotency-Key", key)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// TestIdempotencyKey: a POST retried with its Idempotency-Key gets the
// first answer (status, Location, body) marked Idempotent-Replayed and
// writes nothing; the key with another body is 422 naming the header;
// another caller's same key is a request of its own.
func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	n := need("n1", "org1")
	code, first, h := e.keyed("sw1", "/v1/needs", "post-n1", n)
	if code != 201 || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first POST /v1/needs = %d %s (replayed %q), want 201", code, first, h.Get("Idempotent-Replayed"))
	}
	code, again, h := e.keyed("sw1", "/v1/needs", "post-n1", n)
	if code != 201 || string(again) != string(first) || h.Get("Idempotent-Replayed") != "true" || h.Get("Location") != "/v1/needs/n1" {
		t.Fatalf("retry = %d %s (replayed %q, Location %q), want the first 201 replayed", code, again, h.Get("Idempotent-Replayed"), h.Get("Location"))
	}
	posted := 0
	for _, ev := range e.events() {
		if ev.Type == volmatch.EventNeedPosted {
			posted++
		}
	}
	if posted != 1 {
		t.Errorf("need.posted events = %d, want 1", posted)
	}
	other := need("n2", "org1")
	if code, b, _ := e.keyed("sw1", "/v1/needs", "post-n1", other); code != 422 || !bytes.Contains(b, []byte("Idempotency-Key")) {
		t.Errorf("the key with another body = %d %s, want 422 naming Idempotency-Key", code, b)
	}
	if code, b, _ := e.keyed("sw2", "/v1/needs", "post-n1", need("n3", "org2")); code != 201 {
		t.Errorf("another caller's same key = %d %s, want 201", code, b)
	}
	inv := map[string]any{"shift": "s1", "volunteers": []string{"v1", "v2"}}
	code, first, _ = e.keyed("sw1", "/v1/needs/n1/invites", "invite-1", inv)
	if code != 201 {
		t.Fatalf("invite = %d %s", code, first)
	}
	code, again, h = e.keyed("sw1", "/v1/needs/n1/invites", "invite-1", inv)
	if code != 201 || string(again) != string(first) || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("invite retry = %d %s, want the first answer replayed", code, again)
	}
	invs, _, _ := e.st.Invitations(t.Context(), volmatch.InvitationFilter{})
	if len(invs) != 2 {
		t.Errorf("invitations stored = %d, want 2", len(invs))
	}
}

// TestBatchJob: a batch commit of more placements than one chunk answers
// 202 with Location /v1/jobs/{id}; the job's status is its creator's to
// read and ends succeeded with every placement committed.
func TestBatchJob(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return t0 }
	eng := startEngine(t, st, openText(t), engine.Options{Now: now, CommitChunk: 1})
	e := &env{t: t, st: st, logs: &testlog.Buffer{}}
	e.api = api.New(eng, api.Options{Rate: -1, Now: now})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	e.tokens = createTokens(t, st, map[string]volmatch.Token{
		"admin": {Role: volmatch.RoleAdmin},
		"sw1":   {Role: volmatch.RoleSocialWorker, Org: "org1"},
		"sw2":   {Role: volmatch.RoleSocialWorker, Org: "org2"},
	})
	e.seedVolunteers()
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	code, b, h := e.keyed("sw1", "/v1/assignments/batch", "batch-1", map[string]any{"needs": []string{"n1"}, "dry_run": false})
	var resp api.BatchResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	if code != 202 || resp.Job == nil || h.Get("Location") != "/v1/jobs/"+resp.Job.ID || len(resp.Placements) != 2 {
		t.Fatalf("batch commit = %d %s (Location %q), want 202 with a job of 2 placements", code, b, h.Get("Location"))
	}
	eng.WaitJobs()
	var j volmatch.Job
	e.must(200, "sw1", "GET", h.Get("Location"), nil, &j)
	if j.Status != volmatch.JobSucceeded || j.Committed != 2 || j.Chunks != 2 || len(j.Assignments) != 2 {
		t.Errorf("job = %+v, want succeeded with 2 committed in 2 chunks", j)
	}
	e.must(404, "sw2", "GET", h.Get("Location"), nil, nil)
	if code, again, h := e.keyed("sw1", "/v1/assignments/batch", "batch-1", map[string]any{"needs": []string{"n1"}, "dry_run": false}); code != 202 ||
		string(again) != string(b) || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("batch retry = %d %s, want the first 202 replayed", code, again)
	}
}

// slowUpdate is a store whose need updates take longer than the request
// deadline after they have committed.
type slowUpdate struct{ *bolt.Store }

func (s slowUpdate) UpdateNeed(ctx context.Context, n *volmatch.Need) error {
	err := s.Store.UpdateNeed(ctx, n)
	time.Sleep(600 * time.Millisecond)
	return err
}

// TestNo503ForACommittedWrite: a write that committed past the request's
// deadline is answered as done (the need read back), never 503.
func TestNo503ForACommittedWrite(t *testing.T) {
	e := newEnvWith(t, api.Options{RequestTimeout: 300 * time.Millisecond}, func(st *bolt.Store) volmatch.Store { return slowUpdate{st} })
	e.seedVolunteers()
	n := need("n1", "org1")
	e.must(201, "sw1", "POST", "/v1/needs", n, nil)
	n.Title = "改过的标题"
	var got volmatch.Need
	e.must(200, "sw1", "PUT", "/v1/needs/n1", n, &got)
	if got.Title != n.Title {
		t.Errorf("PUT answered title %q, want %q", got.Title, n.Title)
	}
}
