package redis

import (
	"context"

	"volmatch"
)

// CreateToken stores a token (CreatedAt now when zero); EINVALID if it fails
// Validate, ECONFLICT if its hash exists.
func (s *Store) CreateToken(ctx context.Context, t *volmatch.Token) error {
	return volmatch.WriteRecord(t, s.now(), volmatch.WriteCreate, func(c *volmatch.Token) error {
		return s.apply(ctx, "create token", func(o *ops) error {
			o.absent(s.k("tok", c.Hash), volmatch.ECONFLICT, "a token with this hash already exists")
			o.set(s.k("tok", c.Hash), mustJSON(c))
			return nil
		})
	})
}

// TokenByHash returns a token; ENOTFOUND if missing.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*volmatch.Token, error) {
	var t volmatch.Token
	_, ok, err := s.getJSON(ctx, s.k("tok", hash), &t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "token not found")
	}
	return &t, nil
}
