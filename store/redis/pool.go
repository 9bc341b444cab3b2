package redis

import (
	"context"
	"fmt"

	"volmatch"
)

// kindOf gives the key word, the change kind and the noun of a record type.
type kindOf struct {
	word   string
	change volmatch.ChangeKind
	noun   string
}

var (
	poolKind    = kindOf{"pool", volmatch.ChangePool, "pool"}
	stationKind = kindOf{"station", volmatch.ChangeStation, "station"}
)

func (s *Store) recKey(k kindOf) func(string) string {
	return func(id string) string { return s.k(k.word, id) }
}

// writeRecord creates (create) or replaces an existing (update) record.
func (s *Store) writeRecord(ctx context.Context, k kindOf, id string, v any, create bool) error {
	return s.apply(ctx, "write "+k.noun, func(o *ops) error {
		key := s.k(k.word, id)
		if create {
			o.absent(key, volmatch.ECONFLICT, fmt.Sprintf("%s %s already exists", k.noun, id))
		} else {
			o.present(key, volmatch.ENOTFOUND, fmt.Sprintf("%s %s not found", k.noun, id))
		}
		o.set(key, mustJSON(v))
		o.zadd(s.k("ids", k.word), id)
		o.change(k.change, id, false)
		return nil
	})
}

func (s *Store) deleteRecord(ctx context.Context, k kindOf, id string) error {
	return s.apply(ctx, "delete "+k.noun, func(o *ops) error {
		key := s.k(k.word, id)
		o.present(key, volmatch.ENOTFOUND, fmt.Sprintf("%s %s not found", k.noun, id))
		o.del(key)
		o.zrem(s.k("ids", k.word), id)
		o.change(k.change, id, true)
		return nil
	})
}

func getRecord[T any](ctx context.Context, s *Store, k kindOf, id string) (*T, error) {
	x := new(T)
	_, ok, err := s.getJSON(ctx, s.k(k.word, id), x)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "%s %s not found", k.noun, id)
	}
	return x, nil
}

// putRecords creates or replaces all of the records in one script.
func (s *Store) putRecords(ctx context.Context, k kindOf, ids []string, vs []any) error {
	return s.applyOn(ctx, s.bulk, "put "+k.noun+"s", func(o *ops) error {
		for i, id := range ids {
			o.set(s.k(k.word, id), mustJSON(vs[i]))
			o.zadd(s.k("ids", k.word), id)
			o.change(k.change, id, false)
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
	return list[volmatch.TalentPool](ctx, s, s.k("ids", poolKind.word), s.recKey(poolKind), o, nil, nil)
}

// PutPools creates or replaces all of ps in one script (import).
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
	return list[volmatch.Station](ctx, s, s.k("ids", stationKind.word), s.recKey(stationKind), o, nil, nil)
}

// PutStations creates or replaces all of ss in one script (import).
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
