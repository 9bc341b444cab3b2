package redis

import (
	"context"

	"volmatch"
)

// Imported services (volmatch.ExchangeStore): imported:KEY (JSON) and the
// sorted set ix:imported:VOLUNTEER of a volunteer's keys. An import reads
// which keys exist and writes the others in one script conditioned on
// their absence: an import raced by the same import reads again, so each
// service is stored once.

// ImportServices stores the services of ss not stored yet.
func (s *Store) ImportServices(ctx context.Context, ss []*volmatch.ImportedService) (int, error) {
	added := 0
	err := s.apply(ctx, "import services", func(o *ops) error {
		added = 0
		p := s.c.Pipeline()
		for _, x := range ss {
			p.Exists(ctx, s.k("imported", x.Key))
		}
		res, err := p.Exec(ctx)
		if err != nil {
			return s.err("read imported services", err)
		}
		for i, x := range ss {
			if n, _ := res[i].(interface{ Val() int64 }); n != nil && n.Val() > 0 {
				continue
			}
			key := s.k("imported", x.Key)
			o.exists(key, false)
			o.set(key, mustJSON(x))
			o.zadd(s.k("ix", "imported", x.Volunteer), x.Key)
			added++
		}
		return nil
	})
	return added, err
}

// ImportedServices returns a volunteer's imported services in key order.
func (s *Store) ImportedServices(ctx context.Context, volunteer string) ([]*volmatch.ImportedService, error) {
	var out []*volmatch.ImportedService
	o := volmatch.ListOptions{Limit: 1000}
	for {
		page, next, err := list[volmatch.ImportedService](ctx, s, s.k("ix", "imported", volunteer), func(k string) string { return s.k("imported", k) }, o, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		o.After = next
	}
}
