package volmatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Idempotency keys: a write that creates records may carry a key of the
// caller's choosing (the HTTP header Idempotency-Key, as payment APIs do).
// The first request with a key claims it and runs; its result (status and
// body) is kept with the key, and a retry with the same key and request
// gets that result again without writing. The rules are here so that both
// stores hold them alike; the engine runs them (engine.Idempotent).
//
// A claim carries a fresh Nonce, a fencing token: the store write a claimed
// request makes is conditioned on the record still holding that nonce and
// marks it committed in the same transaction (see Fence). So a request
// whose claim was taken over (its lease ran out while it was stalled) can
// no longer write, and a request whose write committed but whose answer was
// lost (the process died, the reply was cut) leaves a committed record that
// no retry can run again.

// Idempotency states.
const (
	// IdemPending: claimed, the write not (yet) committed.
	IdemPending = "pending"
	// IdemCommitted: a store write of the request committed; its answer
	// is not stored (yet, or ever when it was lost).
	IdemCommitted = "committed"
	// IdemDone: the first answer is stored and is replayed.
	IdemDone = "done"
)

// Lifetimes of idempotency records.
const (
	// IdempotencyTTL is how long a key is remembered: a retry after it
	// runs again as a new request.
	IdempotencyTTL = 24 * time.Hour
	// IdempotencyLease is how long a pending claim holds a key against
	// another request with it before that request may take it over (the
	// first one died before writing). A running request renews it every
	// third of it (RenewIdempotency). Short is safe: the fence refuses the
	// late write of a request whose key was taken over, so at worst its
	// work is wasted, never done twice.
	IdempotencyLease = 15 * time.Second
	// MaxIdempotencyKey is the longest key accepted, in bytes.
	MaxIdempotencyKey = 255
)

// Idempotency is the record of one idempotency key.
type Idempotency struct {
	// Scope is the caller's token hash: the keys of two callers never meet.
	Scope string `json:"scope"`
	// Key is the caller's key.
	Key string `json:"key"`
	// Route names the write: method and path ("POST /v1/needs/N1/invites").
	Route string `json:"route"`
	// Hash is the hex SHA-256 of the request body (HashRequest).
	Hash  string `json:"hash"`
	State string `json:"state"`
	// Nonce is the fencing token of the claim that holds the key.
	Nonce string `json:"nonce"`
	// Status, Location and Body are the first answer (State done).
	Status    int       `json:"status,omitempty"`
	Location  string    `json:"location,omitempty"`
	Body      []byte    `json:"body,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// LeaseUntil is when a pending claim may be taken over.
	LeaseUntil time.Time `json:"lease_until"`
	// ExpiresAt is when the key is forgotten.
	ExpiresAt time.Time `json:"expires_at"`
}

// ValidateIdempotencyKey checks a key as a client sends it: 1 to
// MaxIdempotencyKey printable ASCII characters.
func ValidateIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKey {
		return FieldError("Idempotency-Key", "must be 1 to %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return FieldError("Idempotency-Key", "may hold only printable ASCII characters without spaces")
		}
	}
	return nil
}

// HashRequest returns the hex SHA-256 of a request body, the fingerprint a
// retry must repeat.
func HashRequest(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// Claimable reports whether a new request may claim the key that old holds
// at now: old is nil (never claimed), expired, or a pending claim whose
// lease ran out before anything was committed.
func (old *Idempotency) Claimable(now time.Time) bool {
	switch {
	case old == nil, !now.Before(old.ExpiresAt):
		return true
	case old.State == IdemPending:
		return !now.Before(old.LeaseUntil)
	}
	return false
}

// Same reports whether a request for route with body hash hash is a retry
// of the one that claimed the key.
func (old *Idempotency) Same(route, hash string) bool {
	return old.Route == route && old.Hash == hash
}

// Fence is what a store write checks and marks when it runs for a claimed
// idempotency key: the record of Scope and Key must hold Nonce (ECONFLICT
// otherwise, and nothing is written), and a pending record becomes
// committed in the same transaction as the write.
type Fence struct {
	Scope, Key, Nonce string
}

type fenceKey struct{}

// WithFence returns ctx carrying f: every store write made with the
// returned context is fenced by it.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence ctx carries, if any.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok && f.Key != ""
}

// FenceLost is the refusal of a fenced write whose claim no longer holds
// the key.
func FenceLost(key string) *Error {
	return Errorf(ECONFLICT, "the request with Idempotency-Key %q was taken over by another request; nothing was written", key)
}

// CheckFence decides a fenced write from the record as the store read it
// in its transaction (nil when missing): it returns the refusal, or whether
// the record must be marked committed.
func (f Fence) Check(cur *Idempotency) (mark bool, err error) {
	if cur == nil || cur.Nonce != f.Nonce {
		return false, FenceLost(f.Key)
	}
	return cur.State == IdemPending, nil
}
