package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// StoreID returns the store's identity: random, made on first use and kept
// under the store's hash tag, so that a file derived from this store (each
// replica's feature snapshot) can tell it from another store, or this one
// emptied and loaded again, with the same change numbers.
func (s *Store) StoreID(ctx context.Context) (string, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	key := s.k("store_id")
	if err := s.c.SetNX(ctx, key, hex.EncodeToString(b), 0).Err(); err != nil {
		return "", s.err("store id", err)
	}
	id, err := s.c.Get(ctx, key).Result()
	return id, s.err("store id", err)
}
