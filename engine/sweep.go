package engine

import (
	"context"
	"fmt"
	"time"

	"volmatch"
)

// Sweeping (issue 14): sign-in codes and web sessions stop working at
// their expiry (RedeemSignIn and Session check it on every use), but their
// records would stay in the token store for ever; Sweep removes them. What
// is expired is read from the engine's clock (Options.Now), so a test moves
// time rather than waits. Bearer tokens are the admin's to revoke and are
// left alone, expired or not.

// DefaultSweepEvery is how often SweepEvery sweeps when not told.
const DefaultSweepEvery = 10 * time.Minute

// Sweep removes the sign-in codes and sessions expired at the engine's
// clock and returns how many it removed. A record another process removed
// meanwhile is not an error.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	toks, err := e.store.Tokens(ctx)
	if err != nil {
		return 0, fmt.Errorf("engine: sweep: %w", err)
	}
	now := e.now()
	n := 0
	for _, t := range toks {
		if t.Kind != volmatch.KindSignIn && t.Kind != volmatch.KindSession || !t.Expired(now) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		err := e.store.DeleteToken(ctx, t.Hash)
		e.tokens.forget(t.Hash)
		switch volmatch.ErrorCode(err) {
		case "":
			n++
		case volmatch.ENOTFOUND:
		default:
			return n, fmt.Errorf("engine: sweep: %w", err)
		}
	}
	return n, nil
}

// SweepEvery sweeps every d (DefaultSweepEvery when d <= 0) until ctx is
// done, logging failures (never a secret: only their codes).
func (e *Engine) SweepEvery(ctx context.Context, d time.Duration) {
	if d <= 0 {
		d = DefaultSweepEvery
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if n, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("sweep of expired sessions failed", "code", volmatch.ErrorCode(err), "removed", n)
		} else if n > 0 {
			e.log.Info("swept expired sign-in codes and sessions", "removed", n)
		}
		if n, err := e.ExpireTrainings(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("expiry of trainings failed", "code", volmatch.ErrorCode(err), "withdrawn", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
