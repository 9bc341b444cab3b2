package engine

import (
	"context"
	"sync"
	"time"

	"volmatch"
)

// Tokens: who the caller is. A bearer token is stored as the SHA-256 of its
// secret; a looked-up token is cached for a short while (its own expiry is
// checked on every call), so that a busy service reads the store once per
// token, not once per request.

// tokenTTL is how long a looked-up token is cached.
const tokenTTL = 30 * time.Second

type cachedToken struct {
	tok     *volmatch.Token
	expires time.Time
}

// tokens is the cache of looked-up tokens.
type tokens struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]cachedToken
}

// Authenticate returns the token whose secret is given: EUNAUTHORIZED when
// there is none or it has expired.
func (e *Engine) Authenticate(ctx context.Context, secret string) (*volmatch.Token, error) {
	tok, err := e.lookupToken(ctx, volmatch.HashToken(secret))
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, volmatch.Errorf(volmatch.EUNAUTHORIZED, "the bearer token is not valid")
	} else if err != nil {
		return nil, err
	}
	if tok.Expired(e.now()) {
		return nil, ErrExpired
	}
	return tok, nil
}

// ErrExpired is the error of Authenticate for an expired token.
var ErrExpired = volmatch.Errorf(volmatch.EUNAUTHORIZED, "the bearer token has expired")

// lookupToken reads a token by hash, cached. Unknown hashes are not cached,
// so a token created a moment ago works at once.
func (e *Engine) lookupToken(ctx context.Context, hash string) (*volmatch.Token, error) {
	now := e.now()
	c := &e.tokens
	c.mu.Lock()
	ct, ok := c.m[hash]
	c.mu.Unlock()
	if ok && now.Before(ct.expires) {
		return ct.tok, nil
	}
	tok, err := e.store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10000 { // bound the cache; a refill costs one read each
		c.m = map[string]cachedToken{}
	}
	c.m[hash] = cachedToken{tok: tok, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return tok, nil
}

// CreateToken stores a new token for secret with tok's role and scope
// (tok.Hash is set from secret). A ttl above zero makes it expire.
func (e *Engine) CreateToken(ctx context.Context, secret string, tok *volmatch.Token, ttl time.Duration) error {
	if ttl < 0 {
		return volmatch.FieldError("ttl", "must not be negative, got %s", ttl)
	}
	tok.Hash, tok.CreatedAt = volmatch.HashToken(secret), e.now()
	if ttl > 0 {
		tok.ExpiresAt = tok.CreatedAt.Add(ttl)
	}
	if err := tok.Validate(); err != nil {
		return err
	}
	return e.store.CreateToken(ctx, tok)
}

// EnsureAdminToken creates an admin token named name for secret unless it
// exists.
func (e *Engine) EnsureAdminToken(ctx context.Context, secret, name string) error {
	if secret == "" {
		return nil
	}
	hash := volmatch.HashToken(secret)
	if _, err := e.store.TokenByHash(ctx, hash); err == nil {
		return nil
	} else if volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		return err
	}
	tok := &volmatch.Token{Hash: hash, Role: volmatch.RoleAdmin, Name: name, CreatedAt: e.now()}
	if err := e.store.CreateToken(ctx, tok); err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		return err
	}
	return nil
}
