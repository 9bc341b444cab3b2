package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// fills returns the stored fill count of every shift of need id.
func fills(tx *bbolt.Tx, id string) map[string]int {
	out := map[string]int{}
	b := tx.Bucket(bFills)
	for _, shift := range suffixes(b, id) {
		if v := b.Get(key(id, shift)); len(v) == 8 {
			out[shift] = int(binary.BigEndian.Uint64(v))
		}
	}
	return out
}

func fill(tx *bbolt.Tx, need, shift string) int {
	if v := tx.Bucket(bFills).Get(key(need, shift)); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}

// addFill changes a shift's fill count by delta and records the need change.
func addFill(tx *bbolt.Tx, need, shift string, delta int) error {
	n := fill(tx, need, shift) + delta
	if n < 0 {
		return fmt.Errorf("bolt: fill count of shift %s of need %s would go below zero", shift, need)
	}
	b := tx.Bucket(bFills)
	var err error
	if n == 0 {
		err = b.Delete(key(need, shift))
	} else {
		err = b.Put(key(need, shift), u64(uint64(n)))
	}
	if err != nil {
		return fmt.Errorf("bolt: fill count of shift %s of need %s: %w", shift, need, err)
	}
	return appendDerived(tx, volmatch.ChangeNeed, need)
}

// loadNeed reads need id with its shifts' Filled set from the fill counts.
func loadNeed(tx *bbolt.Tx, id string) (*volmatch.Need, bool, error) {
	var n volmatch.Need
	ok, err := getJSON(tx.Bucket(bNeeds), []byte(id), &n)
	if err != nil || !ok {
		return nil, ok, err
	}
	setFilled(tx, &n)
	return &n, true, nil
}

func setFilled(tx *bbolt.Tx, n *volmatch.Need) {
	f := fills(tx, n.ID)
	for i := range n.Shifts {
		n.Shifts[i].Filled = f[n.Shifts[i].ID]
	}
}

// needOrStub returns the need for an event, or a stub with the ID when the
// need was deleted.
func needOrStub(tx *bbolt.Tx, id, org string) (*volmatch.Need, error) {
	n, ok, err := loadNeed(tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &volmatch.Need{ID: id, Org: org}, nil
	}
	return n, nil
}

// writeNeed stores n (validated and copied) by mode m in tx over the stored
// need by volmatch's rules (Need.PrepareStore), with its change and event,
// and sets its shifts' Filled.
func writeNeed(tx *bbolt.Tx, n *volmatch.Need, now time.Time, m volmatch.WriteMode) error {
	old, _, err := loadNeed(tx, n.ID)
	if err != nil {
		return err
	}
	stored, ev, err := n.PrepareStore(old, now, m)
	if err != nil {
		return err
	}
	if err := putJSON(tx.Bucket(bNeeds), []byte(n.ID), stored); err != nil {
		return err
	}
	if err := appendChange(tx, volmatch.ChangeNeed, n.ID, false); err != nil {
		return err
	}
	setFilled(tx, n)
	if ev != nil {
		return appendEvent(tx, *ev)
	}
	return nil
}

func (s *Store) saveNeed(ctx context.Context, n *volmatch.Need, m volmatch.WriteMode) error {
	now := s.now()
	return volmatch.WriteRecord(n, now, m, func(c *volmatch.Need) error {
		return s.update(ctx, func(tx *bbolt.Tx) error { return writeNeed(tx, c, now, m) })
	})
}

// PutNeeds creates or replaces all of ns in one transaction (import),
// appending need.posted for the new ones; the shift rules of UpdateNeed
// apply to the replaced ones.
func (s *Store) PutNeeds(ctx context.Context, ns []*volmatch.Need) error {
	now := s.now()
	cs, err := volmatch.PrepareRecords("needs", ns, now, volmatch.WritePut)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		for i, c := range cs {
			if err := writeNeed(tx, c, now, volmatch.WritePut); err != nil {
				return volmatch.AtIndex("needs", i, err)
			}
		}
		return nil
	})
}

// Need returns one need with its shifts' Filled; ENOTFOUND if missing.
func (s *Store) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	var n *volmatch.Need
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var ok bool
		var err error
		n, ok, err = loadNeed(tx, id)
		if err == nil && !ok {
			err = volmatch.NotFoundError("need", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// DeleteNeed removes a need; ENOTFOUND if missing; ECONFLICT if any
// assignment names it (close or cancel it instead, so records stay whole).
func (s *Store) DeleteNeed(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bNeeds)
		if b.Get([]byte(id)) == nil {
			return volmatch.NotFoundError("need", id)
		}
		if len(suffixes(tx.Bucket(bAsgByShift), id)) > 0 {
			return volmatch.Errorf(volmatch.ECONFLICT, "need %s holds assignments; close or cancel it instead", id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return appendChange(tx, volmatch.ChangeNeed, id, true)
	})
}

// Needs lists needs in ID order, with their shifts' Filled.
func (s *Store) Needs(ctx context.Context, f volmatch.NeedFilter) ([]*volmatch.Need, string, error) {
	var out []*volmatch.Need
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list(tx.Bucket(bNeeds), f.ListOptions, f.Match)
		for _, n := range out {
			setFilled(tx, n)
		}
		return err
	})
	return out, next, err
}

// EachNeed calls fn for every need in ID order, with their shifts' Filled.
func (s *Store) EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error {
	return each(ctx, s, bNeeds, func(tx *bbolt.Tx, n *volmatch.Need) error {
		setFilled(tx, n)
		return nil
	}, fn)
}
