package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// Imported services (volmatch.ExchangeStore): checked and written in one
// bbolt transaction, so an import raced by the same import adds each
// service once.
var (
	// bImported holds key -> the imported service (JSON).
	bImported = []byte("imported_services")
	// bImportedByVol holds volunteer\x00key -> "".
	bImportedByVol = []byte("imported_by_volunteer")
)

func init() { allBuckets = append(allBuckets, bImported, bImportedByVol) }

// ImportServices stores the services of ss not stored yet.
func (s *Store) ImportServices(ctx context.Context, ss []*volmatch.ImportedService) (int, error) {
	added := 0
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		added = 0
		b, by := tx.Bucket(bImported), tx.Bucket(bImportedByVol)
		for _, x := range ss {
			if b.Get([]byte(x.Key)) != nil {
				continue
			}
			if err := putJSON(b, []byte(x.Key), x); err != nil {
				return err
			}
			if err := by.Put(key(x.Volunteer, x.Key), nil); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	return added, err
}

// ImportedServices returns a volunteer's imported services in key order.
func (s *Store) ImportedServices(ctx context.Context, volunteer string) ([]*volmatch.ImportedService, error) {
	var out []*volmatch.ImportedService
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bImported)
		for _, k := range suffixes(tx.Bucket(bImportedByVol), volunteer) {
			x := new(volmatch.ImportedService)
			if ok, err := getJSON(b, []byte(k), x); err != nil {
				return err
			} else if ok {
				out = append(out, x)
			}
		}
		return nil
	})
	return out, err
}
