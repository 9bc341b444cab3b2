package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// kindOf gives the bucket, the change kind and the noun of a record type.
type kindOf struct {
	bucket []byte
	change volmatch.ChangeKind
	noun   string
}

var (
	poolKind    = kindOf{bPools, volmatch.ChangePool, "pool"}
	stationKind = kindOf{bStations, volmatch.ChangeStation, "station"}
)

// writeRecord creates (create) or replaces an existing (update) record.
func (s *Store) writeRecord(ctx context.Context, k kindOf, id string, v any, create bool) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(k.bucket)
		exists := b.Get([]byte(id)) != nil
		if create && exists {
			return volmatch.Errorf(volmatch.ECONFLICT, "%s %s already exists", k.noun, id)
		}
		if !create && !exists {
			return volmatch.Errorf(volmatch.ENOTFOUND, "%s %s not found", k.noun, id)
		}
		if err := putJSON(b, []byte(id), v); err != nil {
			return err
		}
		return appendChange(tx, k.change, id, false)
	})
}

func (s *Store) deleteRecord(ctx context.Context, k kindOf, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(k.bucket)
		if b.Get([]byte(id)) == nil {
			return volmatch.Errorf(volmatch.ENOTFOUND, "%s %s not found", k.noun, id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return appendChange(tx, k.change, id, true)
	})
}

func getRecord[T any](ctx context.Context, s *Store, k kindOf, id string) (*T, error) {
	x := new(T)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(k.bucket), []byte(id), x)
		if err == nil && !ok {
			err = volmatch.Errorf(volmatch.ENOTFOUND, "%s %s not found", k.noun, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

func listRecords[T any](ctx context.Context, s *Store, k kindOf, o volmatch.ListOptions) ([]*T, string, error) {
	var out []*T
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list[T](tx.Bucket(k.bucket), o, nil)
		return err
	})
	return out, next, err
}

// putRecords creates or replaces all of the records in one transaction.
func (s *Store) putRecords(ctx context.Context, k kindOf, ids []string, vs []any) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(k.bucket)
		for i, id := range ids {
			if err := putJSON(b, []byte(id), vs[i]); err != nil {
				return err
			}
			if err := appendChange(tx, k.change, id, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreatePool stores a new talent pool; ECONFLICT if the ID exists.
func (s *Store) CreatePool(ctx context.Context, p *volmatch.TalentPool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := *p
	c.UpdatedAt = s.now()
	if err := s.writeRecord(ctx, poolKind, c.ID, &c, true); err != nil {
		return err
	}
	*p = c
	return nil
}

// UpdatePool replaces a talent pool; ENOTFOUND if missing.
func (s *Store) UpdatePool(ctx context.Context, p *volmatch.TalentPool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := *p
	c.UpdatedAt = s.now()
	if err := s.writeRecord(ctx, poolKind, c.ID, &c, false); err != nil {
		return err
	}
	*p = c
	return nil
}

// Pool returns one talent pool; ENOTFOUND if missing.
func (s *Store) Pool(ctx context.Context, id string) (*volmatch.TalentPool, error) {
	return getRecord[volmatch.TalentPool](ctx, s, poolKind, id)
}

// DeletePool removes a talent pool; ENOTFOUND if missing.
func (s *Store) DeletePool(ctx context.Context, id string) error {
	return s.deleteRecord(ctx, poolKind, id)
}

// Pools lists talent pools in ID order.
func (s *Store) Pools(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.TalentPool, string, error) {
	return listRecords[volmatch.TalentPool](ctx, s, poolKind, o)
}

// PutPools creates or replaces all of ps in one transaction (import).
func (s *Store) PutPools(ctx context.Context, ps []*volmatch.TalentPool) error {
	now := s.now()
	ids, vs := make([]string, len(ps)), make([]any, len(ps))
	for i, p := range ps {
		if err := p.Validate(); err != nil {
			return volmatch.AtIndex("pools", i, err)
		}
		c := *p
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		ids[i], vs[i] = c.ID, &c
	}
	return s.putRecords(ctx, poolKind, ids, vs)
}

// CreateStation stores a new service station; ECONFLICT if the ID exists.
func (s *Store) CreateStation(ctx context.Context, st *volmatch.Station) error {
	if err := st.Validate(); err != nil {
		return err
	}
	c := *st
	c.UpdatedAt = s.now()
	if err := s.writeRecord(ctx, stationKind, c.ID, &c, true); err != nil {
		return err
	}
	*st = c
	return nil
}

// UpdateStation replaces a service station; ENOTFOUND if missing.
func (s *Store) UpdateStation(ctx context.Context, st *volmatch.Station) error {
	if err := st.Validate(); err != nil {
		return err
	}
	c := *st
	c.UpdatedAt = s.now()
	if err := s.writeRecord(ctx, stationKind, c.ID, &c, false); err != nil {
		return err
	}
	*st = c
	return nil
}

// Station returns one service station; ENOTFOUND if missing.
func (s *Store) Station(ctx context.Context, id string) (*volmatch.Station, error) {
	return getRecord[volmatch.Station](ctx, s, stationKind, id)
}

// DeleteStation removes a service station; ENOTFOUND if missing.
func (s *Store) DeleteStation(ctx context.Context, id string) error {
	return s.deleteRecord(ctx, stationKind, id)
}

// Stations lists service stations in ID order.
func (s *Store) Stations(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Station, string, error) {
	return listRecords[volmatch.Station](ctx, s, stationKind, o)
}

// PutStations creates or replaces all of ss in one transaction (import).
func (s *Store) PutStations(ctx context.Context, ss []*volmatch.Station) error {
	now := s.now()
	ids, vs := make([]string, len(ss)), make([]any, len(ss))
	for i, st := range ss {
		if err := st.Validate(); err != nil {
			return volmatch.AtIndex("stations", i, err)
		}
		c := *st
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		ids[i], vs[i] = c.ID, &c
	}
	return s.putRecords(ctx, stationKind, ids, vs)
}
