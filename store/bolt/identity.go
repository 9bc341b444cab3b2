package bolt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// bMeta holds facts about the store file itself: its identity.
var bMeta = []byte("meta")

var keyStoreID = []byte("store_id")

func init() { allBuckets = append(allBuckets, bMeta) }

// StoreID returns the store's identity: random, made on first use and kept
// in the file, so that a file derived from this store (the feature
// snapshot) can tell it from another store with the same change numbers.
// A copy of the file has the same identity.
func (s *Store) StoreID(ctx context.Context) (string, error) {
	var id string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		id = string(tx.Bucket(bMeta).Get(keyStoreID))
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	err = s.db.Update(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bMeta)
		if id = string(m.Get(keyStoreID)); id != "" {
			return nil // made meanwhile
		}
		id = hex.EncodeToString(b)
		return m.Put(keyStoreID, []byte(id))
	})
	if err != nil {
		return "", fmt.Errorf("bolt: store id: %w", err)
	}
	return id, nil
}
