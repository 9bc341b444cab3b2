package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// CreateToken stores a token (CreatedAt now when zero); EINVALID if it fails
// Validate, ECONFLICT if its hash exists.
func (s *Store) CreateToken(ctx context.Context, t *volmatch.Token) error {
	return volmatch.WriteRecord(t, s.now(), volmatch.WriteCreate, func(c *volmatch.Token) error {
		return s.update(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bTokens)
			if b.Get([]byte(c.Hash)) != nil {
				return volmatch.Errorf(volmatch.ECONFLICT, "a token with this hash already exists")
			}
			return putJSON(b, []byte(c.Hash), c)
		})
	})
}

// TokenByHash returns a token; ENOTFOUND if missing.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*volmatch.Token, error) {
	var t volmatch.Token
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bTokens), []byte(hash), &t)
		if err == nil && !ok {
			err = volmatch.Errorf(volmatch.ENOTFOUND, "token not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Tokens returns every stored token in hash order.
func (s *Store) Tokens(ctx context.Context) ([]*volmatch.Token, error) {
	var out []*volmatch.Token
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
			t := new(volmatch.Token)
			if err := json.Unmarshal(v, t); err != nil {
				return fmt.Errorf("bolt: decode token %.8s: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteToken removes the token with the hash; ENOTFOUND if missing.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bTokens)
		if b.Get([]byte(hash)) == nil {
			return volmatch.Errorf(volmatch.ENOTFOUND, "token not found")
		}
		return b.Delete([]byte(hash))
	})
}
