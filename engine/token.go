package engine

import (
	"context"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"

	"volmatch"
)

// Tokens: who the caller is. A bearer token is stored as the SHA-256 of its
// secret; a looked-up token is cached for a short while (its own expiry is
// checked on every call), so that a busy service reads the store once per
// token, not once per request. A revocation through the engine drops the
// token from the cache at once; one made by another process (the CLI, a
// replica) takes effect within the cache's TTL.

// tokenTTL is how long a looked-up token is cached.
const tokenTTL = 30 * time.Second

type cachedToken struct {
	tok     *volmatch.Token
	expires time.Time
}

// tokens is the cache of looked-up tokens. gen counts the revocations, so
// that a lookup that read the store before a revocation does not cache
// what it read after it.
type tokens struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]cachedToken
	gen uint64
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
	if tok.Kind != volmatch.KindBearer { // a sign-in code or a session is not a bearer token
		return nil, volmatch.Errorf(volmatch.EUNAUTHORIZED, "the bearer token is not valid")
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
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(ct.expires) {
		return ct.tok, nil
	}
	tok, err := e.store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen { // no revocation since the read
		if c.m == nil || len(c.m) > 10000 { // bound the cache; a refill costs one read each
			c.m = map[string]cachedToken{}
		}
		c.m[hash] = cachedToken{tok: tok, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return tok, nil
}

// forget drops hash from the token cache and stops lookups under way from
// caching what they read.
func (c *tokens) forget(hash string) {
	c.mu.Lock()
	delete(c.m, hash)
	c.gen++
	c.mu.Unlock()
}

// CreateToken stores a new token for secret with tok's role and scope
// (tok.Hash is set from secret). A ttl above zero makes it expire. A token
// is issued only for what exists: a social worker's organisation must be
// registered and a volunteer's record stored (EINVALID naming org or
// volunteer otherwise); the name EnvAdminTokenName is reserved.
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
	if tok.Kind != volmatch.KindBearer {
		return volmatch.FieldError("kind", "sign-in codes and sessions are made by IssueSignIn and RedeemSignIn")
	}
	if tok.Name == volmatch.EnvAdminTokenName {
		return volmatch.FieldError("name", "%s is reserved for the admin token made from that environment variable", tok.Name)
	}
	if err := e.scopeExists(ctx, tok); err != nil {
		return err
	}
	return e.store.CreateToken(ctx, tok)
}

// scopeExists refuses a token scoped to an organisation or a volunteer that
// is not stored.
func (e *Engine) scopeExists(ctx context.Context, tok *volmatch.Token) error {
	var err error
	var field, what string
	switch tok.Role {
	case volmatch.RoleSocialWorker:
		_, err = e.store.Organisation(ctx, tok.Org)
		field, what = "org", "organisation "+tok.Org+" is not registered; register it first (volmatch org create, or POST /v1/orgs)"
	case volmatch.RoleVolunteer:
		_, err = e.store.Volunteer(ctx, tok.Volunteer)
		field, what = "volunteer", "volunteer "+tok.Volunteer+" does not exist"
	default:
		return nil
	}
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return volmatch.FieldError(field, "%s", what)
	}
	return err
}

// EnsureAdminToken makes secret, the value of VOLMATCH_ADMIN_TOKEN at
// start, the one admin token named EnvAdminTokenName. A weak secret is
// refused (volmatch.CheckSecret, EINVALID). Every admin token of that name
// whose hash is not secret's is revoked, so a changed value revokes the old
// one and an empty value (the variable removed) revokes them all; then
// secret's token is created unless it exists. It returns the tokens it
// revoked.
func (e *Engine) EnsureAdminToken(ctx context.Context, secret string) ([]*volmatch.Token, error) {
	hash := ""
	if secret != "" {
		if err := volmatch.CheckSecret(volmatch.EnvAdminTokenName, secret); err != nil {
			return nil, err
		}
		hash = volmatch.HashToken(secret)
	}
	all, err := e.store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	var revoked []*volmatch.Token
	exists := false
	for _, t := range all {
		if t.Hash == hash {
			exists = true
			continue
		}
		if t.Name != volmatch.EnvAdminTokenName || t.Role != volmatch.RoleAdmin {
			continue
		}
		if err := e.RevokeToken(ctx, t.Hash); err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			return revoked, err
		}
		revoked = append(revoked, t)
	}
	if secret == "" || exists {
		return revoked, nil
	}
	tok := &volmatch.Token{Hash: hash, Role: volmatch.RoleAdmin, Name: volmatch.EnvAdminTokenName, CreatedAt: e.now()}
	if err := e.store.CreateToken(ctx, tok); err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		return revoked, err
	}
	return revoked, nil
}

// Tokens returns every stored token (hashes, never secrets), by name then
// creation time.
func (e *Engine) Tokens(ctx context.Context) ([]*volmatch.Token, error) {
	toks, err := e.store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(toks, func(i, j int) bool {
		if toks[i].Name != toks[j].Name {
			return toks[i].Name < toks[j].Name
		}
		return toks[i].CreatedAt.Before(toks[j].CreatedAt)
	})
	return toks, nil
}

// MinHashPrefix is the least number of hex digits of a hash that
// FindTokens takes as a prefix.
const MinHashPrefix = 8

// FindTokens returns the tokens that ref names: those whose name is ref,
// or, for ref of at least MinHashPrefix hex digits, whose hash starts with
// it. ENOTFOUND when there is none.
func (e *Engine) FindTokens(ctx context.Context, ref string) ([]*volmatch.Token, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, volmatch.FieldError("token", "give a token's name or the first %d or more hex digits of its hash", MinHashPrefix)
	}
	prefix := ""
	if _, err := hex.DecodeString(ref + strings.Repeat("0", len(ref)%2)); err == nil && len(ref) >= MinHashPrefix {
		prefix = strings.ToLower(ref)
	}
	all, err := e.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	var out []*volmatch.Token
	for _, t := range all {
		if t.Name == ref || prefix != "" && strings.HasPrefix(t.Hash, prefix) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "no token is named %q or has a hash starting with it", ref)
	}
	return out, nil
}

// RevokeToken deletes the token with the hash and drops it from this
// engine's cache at once: the next request with it is refused.
// ENOTFOUND when there is none.
func (e *Engine) RevokeToken(ctx context.Context, hash string) error {
	err := e.store.DeleteToken(ctx, hash)
	e.tokens.forget(hash) // also when it was gone already: a cached copy must go
	return err
}
