package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"volmatch"
)

// Idempotency keys (flows 1, 4, 5, 6 and every other write that creates
// records): a write made with a key is made once per caller and key. The
// first request claims the key and runs; its answer is kept for
// volmatch.IdempotencyTTL, and a retry with the same key, route and body
// gets that answer again without writing (replayed). The same key with
// another route or body is refused (EINVALID, field Idempotency-Key); a
// retry while the first request still runs is ECONFLICT (retry later). The
// first request's store writes are fenced (volmatch.Fence): if it stalls
// past its lease and a retry takes the key over, its late write is refused
// rather than made twice; if its write committed but its answer was lost
// (the process died, the reply was cut), the key stays committed and every
// retry is refused with ECONFLICT instead of writing again.
//
// The transport supplies the key, the route (method and path) and the
// body, and runs the write, returning the answer as it sent it; the rules
// are here so that every transport obeys them.

// IdempotentRequest is a write with an idempotency key.
type IdempotentRequest struct {
	// Key is the caller's Idempotency-Key.
	Key string
	// Route names the write: method and path, the record IDs included.
	Route string
	// Body is the request body as sent.
	Body []byte
}

// Answer is a write's answer as the transport sent it.
type Answer struct {
	Status   int
	Location string
	Body     []byte
}

// Idempotent runs write once for tok and req.Key and returns its answer,
// or the stored answer of the first run (replayed true). write receives a
// context carrying the key's fence: it must make its store writes with it.
// An answer of status 500 or more (the write failed, nothing of it
// committed) is not kept, so that a retry runs again; any other is.
func (e *Engine) Idempotent(ctx context.Context, tok *volmatch.Token, req IdempotentRequest,
	write func(ctx context.Context) (Answer, error)) (ans Answer, replayed bool, err error) {
	if err := volmatch.ValidateIdempotencyKey(req.Key); err != nil {
		return Answer{}, false, err
	}
	now := e.now()
	rec := &volmatch.Idempotency{Scope: idemScope(tok), Key: req.Key, Route: req.Route, Hash: volmatch.HashRequest(canonical(req.Body)),
		State: volmatch.IdemPending, Nonce: NewID("claim"), CreatedAt: now,
		LeaseUntil: now.Add(volmatch.IdempotencyLease), ExpiresAt: now.Add(volmatch.IdempotencyTTL)}
	held, claimed, err := e.store.ClaimIdempotency(ctx, rec, now)
	if err != nil {
		return Answer{}, false, err
	}
	if !claimed {
		return heldAnswer(held, rec)
	}
	fence := volmatch.Fence{Scope: rec.Scope, Key: rec.Key, Nonce: rec.Nonce}
	stop := e.holdLease(ctx, rec)
	ans, err = write(volmatch.WithFence(ctx, fence))
	stop()
	// The claim is settled whatever became of the caller's context.
	settle := context.WithoutCancel(ctx)
	if err != nil || ans.Status >= 500 {
		if rerr := e.store.ReleaseIdempotency(settle, rec.Scope, rec.Key, rec.Nonce); rerr != nil {
			e.log.Warn("idempotency key not released", "err", volmatch.Scrub(rerr))
		}
		return ans, false, err
	}
	rec.Status, rec.Location, rec.Body = ans.Status, ans.Location, ans.Body
	if cerr := e.store.CompleteIdempotency(settle, rec); cerr != nil {
		// The write stands; a retry finds the key committed and is refused.
		e.log.Warn("idempotent answer not stored", "err", volmatch.Scrub(cerr))
	}
	return ans, false, nil
}

// leaseRenewal is how often a running request renews its key's lease.
var leaseRenewal = volmatch.IdempotencyLease / 3

// holdLease renews rec's lease every third of a lease while the request
// runs, so that a long request (a batch plan) keeps its key and a retry
// waits rather than takes it over; the lease of a request whose process
// died runs out within volmatch.IdempotencyLease. The returned func stops
// the renewals.
func (e *Engine) holdLease(ctx context.Context, rec *volmatch.Idempotency) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(leaseRenewal)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := e.store.RenewIdempotency(context.WithoutCancel(ctx), rec.Scope, rec.Key, rec.Nonce, e.now().Add(volmatch.IdempotencyLease))
				if err != nil {
					e.log.Warn("idempotency lease not renewed", "err", volmatch.Scrub(err))
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// heldAnswer answers a request whose key another request holds.
func heldAnswer(held, rec *volmatch.Idempotency) (Answer, bool, error) {
	if !held.Same(rec.Route, rec.Hash) {
		return Answer{}, false, volmatch.FieldError("Idempotency-Key",
			"was used for another request (%s with another body); use a new key for a new request", held.Route)
	}
	switch held.State {
	case volmatch.IdemDone:
		return Answer{Status: held.Status, Location: held.Location, Body: held.Body}, true, nil
	case volmatch.IdemCommitted:
		return Answer{}, false, volmatch.Errorf(volmatch.ECONFLICT,
			"the request with this Idempotency-Key was written but its answer was lost; read the records rather than retry")
	}
	return Answer{}, false, volmatch.Errorf(volmatch.ECONFLICT,
		"a request with this Idempotency-Key is still running; retry in a few seconds")
}

// idemScope is the scope of tok's keys: its hash (a token made in a test
// without one is scoped by its role and scope).
func idemScope(tok *volmatch.Token) string {
	if tok.Hash != "" {
		return tok.Hash
	}
	return volmatch.HashRequest([]byte(string(tok.Role) + "\x00" + tok.Org + "\x00" + tok.Volunteer))
}

// canonical returns a JSON body with its object keys sorted and its
// spacing removed, so that a retry that encodes the same request another
// way is the same request; any other body as it is.
func canonical(body []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// jobStale is how long a running job may go without an update before a
// reader that does not run it reports it interrupted (its process died).
// A chunk takes about a second.
const jobStale = time.Minute
