package engine

import (
	"context"
	"time"

	"volmatch"
)

// Sign-in for the web pages (issue 14): an admin issues a one-time sign-in
// code for a role and scope; the person redeems it once for a session. Both
// are tokens in the token store (only the SHA-256 of the secret is kept),
// told apart by their Kind, so that neither authenticates an API request
// and a session is revoked like any token.

const (
	// DefaultSignInTTL is how long a sign-in code works when the issuer
	// does not say (a printed link is handed over the same day).
	DefaultSignInTTL = 24 * time.Hour
	// MaxSignInTTL is the longest a sign-in code may work.
	MaxSignInTTL = 7 * 24 * time.Hour
	// SessionTTL is how long a web session lasts from sign-in.
	SessionTTL = 12 * time.Hour
	// SessionName is the Name of every session token.
	SessionName = "session"
)

// errSignIn is the one answer to a code that is unknown, used or expired:
// the caller learns nothing about which.
var errSignIn = volmatch.Errorf(volmatch.EUNAUTHORIZED, "the sign-in code is not valid, was used already or has expired; ask for a new one")

// ErrNoSession is the error of Session for a missing, revoked or expired
// session.
var ErrNoSession = volmatch.Errorf(volmatch.EUNAUTHORIZED, "the session has ended; sign in again")

// IssueSignIn makes a one-time sign-in code for spec's role and scope
// (spec.Org for a social worker, spec.Volunteer for a volunteer; Name is a
// label) that works for ttl (DefaultSignInTTL when 0; at most
// MaxSignInTTL). Only an admin issues codes (EFORBIDDEN). It returns the
// code, shown only this once, and the stored token (its ExpiresAt is when
// the code stops working). EINVALID for a bad role, scope or ttl.
func (e *Engine) IssueSignIn(ctx context.Context, admin *volmatch.Token, spec volmatch.Token, ttl time.Duration) (string, *volmatch.Token, error) {
	if admin == nil || admin.Role != volmatch.RoleAdmin {
		return "", nil, forbidden("only an admin issues sign-in codes")
	}
	switch {
	case ttl == 0:
		ttl = DefaultSignInTTL
	case ttl < 0 || ttl > MaxSignInTTL:
		return "", nil, volmatch.FieldError("ttl", "must be between 0 and %s, got %s", MaxSignInTTL, ttl)
	}
	code := volmatch.NewSecret()
	tok := &volmatch.Token{Role: spec.Role, Org: spec.Org, Volunteer: spec.Volunteer, Name: spec.Name,
		Kind: volmatch.KindSignIn, Hash: volmatch.HashToken(code), CreatedAt: e.now()}
	tok.ExpiresAt = tok.CreatedAt.Add(ttl)
	if err := tok.Validate(); err != nil {
		return "", nil, err
	}
	if err := e.scopeExists(ctx, tok); err != nil {
		return "", nil, err
	}
	if err := e.store.CreateToken(ctx, tok); err != nil {
		return "", nil, err
	}
	return code, tok, nil
}

// RedeemSignIn spends a sign-in code and starts a session with its role
// and scope that lasts SessionTTL. A code works once: of two redeems at
// once, the one whose delete of the code went through wins (the store's
// delete is atomic). It returns the session's secret (for the cookie) and
// token. EUNAUTHORIZED for a code that is unknown, used or expired.
func (e *Engine) RedeemSignIn(ctx context.Context, code string) (string, *volmatch.Token, error) {
	hash := volmatch.HashToken(code)
	code = ""
	tok, err := e.store.TokenByHash(ctx, hash) // not cached: a code is read once
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return "", nil, errSignIn
	} else if err != nil {
		return "", nil, err
	}
	if tok.Kind != volmatch.KindSignIn {
		return "", nil, errSignIn
	}
	// Spend the code first, also when expired (it is of no further use).
	if err := e.RevokeToken(ctx, hash); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return "", nil, errSignIn
	} else if err != nil {
		return "", nil, err
	}
	if tok.Expired(e.now()) {
		return "", nil, errSignIn
	}
	secret := volmatch.NewSecret()
	sess := &volmatch.Token{Role: tok.Role, Org: tok.Org, Volunteer: tok.Volunteer, Name: SessionName,
		Kind: volmatch.KindSession, Hash: volmatch.HashToken(secret), CreatedAt: e.now()}
	sess.ExpiresAt = sess.CreatedAt.Add(SessionTTL)
	if err := e.store.CreateToken(ctx, sess); err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// Session returns the session whose secret is given (the caller of the
// web pages): ErrNoSession when there is none, it was signed out or it has
// expired.
func (e *Engine) Session(ctx context.Context, secret string) (*volmatch.Token, error) {
	if secret == "" {
		return nil, ErrNoSession
	}
	tok, err := e.lookupToken(ctx, volmatch.HashToken(secret))
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, ErrNoSession
	} else if err != nil {
		return nil, err
	}
	if tok.Kind != volmatch.KindSession || tok.Expired(e.now()) {
		return nil, ErrNoSession
	}
	return tok, nil
}

// SignOut ends the session whose secret is given; ending one that has
// ended already is no error.
func (e *Engine) SignOut(ctx context.Context, secret string) error {
	tok, err := e.Session(ctx, secret)
	if err != nil {
		if volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED {
			return nil
		}
		return err
	}
	if err := e.RevokeToken(ctx, tok.Hash); err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		return err
	}
	return nil
}
