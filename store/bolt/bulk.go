package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	fastjson "github.com/goccy/go-json"
	bbolt "go.etcd.io/bbolt"

	"volmatch"
	"volmatch/internal/parallel"
)

// This file holds what a bulk load (import of a city) and a cold start (the
// feature index read from the store) need beyond volmatch.Store: writes that
// encode on every core and fill pages, reads that decode on every core, an
// explicit Sync, and a way to give back the file pages a full read mapped.

// bulkFill is the page fill of the buckets a bulk load appends to: its keys
// mostly arrive in order, so full pages make a smaller file than bbolt's
// default half-full split.
const bulkFill = 0.95

// PutVolunteersBulk is PutVolunteers for bulk loads: the same checks,
// records and change entries in one transaction, but the volunteers are
// encoded on every core before the transaction and the pages are filled
// (keys arriving in ID order make a compact file). Import calls it with
// chunks of thousands; open the store with NoSync for the load and call
// Sync at its end.
func (s *Store) PutVolunteersBulk(ctx context.Context, vs []*volmatch.Volunteer) error {
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			return volmatch.AtIndex("volunteers", i, err)
		}
	}
	now := s.now()
	raw := make([][]byte, len(vs))
	errs := make([]error, len(vs))
	parallel.For(len(vs), 64, func(i int) {
		c := *vs[i]
		c.Stamp(now, volmatch.WritePut)
		raw[i], errs[i] = json.Marshal(&c)
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("bolt: encode volunteer %s: %w", vs[i].ID, err)
		}
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bVolunteers)
		b.FillPercent = bulkFill
		tx.Bucket(bChanges).FillPercent = 1 // keys are sequence numbers: always appended
		for i, v := range vs {
			if err := b.Put([]byte(v.ID), raw[i]); err != nil {
				return fmt.Errorf("bolt: put volunteer %s: %w", v.ID, err)
			}
			if err := appendChange(tx, volmatch.ChangeVolunteer, v.ID, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// Sync flushes the file to disk: the end of a bulk load on a store opened
// with NoSync.
func (s *Store) Sync() error {
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("bolt: sync: %w", err)
	}
	return nil
}

// volunteerBatch is how many volunteers EachVolunteerBatch decodes per read
// transaction and hands to fn at once.
const volunteerBatch = 8192

// EachVolunteerBatch calls fn with every volunteer in ID order, many at a
// time (fn may keep the slice). The records are decoded on every core, each
// batch in its own short read transaction, while fn works on the previous
// batch: reading a million volunteers takes a fraction of EachVolunteer's
// time.
func (s *Store) EachVolunteerBatch(ctx context.Context, fn func([]*volmatch.Volunteer) error) error {
	return s.eachVolunteerBatch(ctx, false, fn)
}

// EachVolunteerSlim is EachVolunteerBatch for the in-memory feature index:
// the volunteers come without name, phone, bio and hidden preferences,
// which matching never reads and which decoding then skips.
func (s *Store) EachVolunteerSlim(ctx context.Context, fn func([]*volmatch.Volunteer) error) error {
	return s.eachVolunteerBatch(ctx, true, fn)
}

// skipJSON is a JSON value that decoding passes over.
type skipJSON struct{}

// UnmarshalJSON ignores the value.
func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// slimVolunteer decodes a volunteer record but for the fields it shadows.
// The slim walk runs at every start over the whole city, so it decodes with
// goccy/go-json (already in the build through gin): about twice as fast as
// encoding/json on these records, and TestSlimDecodeEqualsStandard checks
// it gives the same values.
// (The zero-size fields come first: last, they would pad the struct.)
type slimVolunteer struct {
	Name   skipJSON `json:"name"`
	Phone  skipJSON `json:"phone"`
	Bio    skipJSON `json:"bio"`
	Hidden skipJSON `json:"hidden"`
	volmatch.Volunteer
}

func (s *Store) eachVolunteerBatch(ctx context.Context, slim bool, fn func([]*volmatch.Volunteer) error) error {
	type result struct {
		vs  []*volmatch.Volunteer
		err error
	}
	// Three stages, so that walking the file (page faults on the map) for
	// one batch overlaps decoding the previous one: the walker copies a
	// batch's values out of a short read transaction, the decoder decodes
	// them on every core, and this goroutine hands them to fn.
	raws := make(chan [][]byte, 1)
	out := make(chan result, 2)
	stop := make(chan struct{})
	var walkErr error
	go func() { // the walker
		defer close(raws)
		after := ""
		for {
			var raw [][]byte
			walkErr = s.view(ctx, func(tx *bbolt.Tx) error {
				c := tx.Bucket(bVolunteers).Cursor()
				var buf []byte
				for k, v := seekAfter(c, after); k != nil && len(raw) < volunteerBatch; k, v = c.Next() {
					if cap(buf)-len(buf) < len(v) {
						buf = make([]byte, 0, max(1<<20, len(v)))
					}
					buf = append(buf, v...)
					raw = append(raw, buf[len(buf)-len(v):len(buf):len(buf)])
					after = string(k)
				}
				return nil
			})
			if walkErr != nil {
				return
			}
			select {
			case raws <- raw:
			case <-stop:
				return
			}
			if len(raw) < volunteerBatch {
				return
			}
		}
	}()
	go func() { // the decoder
		defer close(out)
		for raw := range raws {
			vs := make([]*volmatch.Volunteer, len(raw))
			errs := make([]error, len(raw))
			parallel.For(len(raw), 64, func(i int) {
				var err error
				if slim {
					x := new(slimVolunteer)
					err = fastjson.Unmarshal(raw[i], x)
					vs[i] = &x.Volunteer
				} else {
					x := new(volmatch.Volunteer)
					err = json.Unmarshal(raw[i], x)
					vs[i] = x
				}
				if err != nil {
					errs[i] = fmt.Errorf("bolt: decode volunteer: %w", err)
				}
			})
			r := result{vs: vs}
			for _, err := range errs {
				if err != nil {
					r.err = err
					break
				}
			}
			select {
			case out <- r:
			case <-stop:
				for range raws { // let the walker end
				}
				return
			}
		}
		if walkErr != nil { // written before raws was closed
			select {
			case out <- result{err: walkErr}:
			case <-stop:
			}
		}
	}()
	defer func() {
		close(stop)
		for range out { // let the decoder (and so the walker) end
		}
	}()
	for r := range out {
		if r.err != nil {
			return r.err
		}
		if len(r.vs) > 0 {
			if err := fn(r.vs); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReleaseMapped gives back the file pages that reads have mapped into the
// process: they stay in the page cache, and bbolt maps them again when it
// next reads them. After a full read (loading the feature index) they would
// otherwise count in the process's resident memory as long as it runs. It
// is a no-op where the system has no way to do it.
func (s *Store) ReleaseMapped() error {
	return s.db.View(func(tx *bbolt.Tx) error {
		// Inside a read transaction bbolt cannot remap the file.
		if err := releaseMapped(s.db.Info().Data, tx.Size()); err != nil {
			return fmt.Errorf("bolt: release mapped pages: %w", err)
		}
		return nil
	})
}
