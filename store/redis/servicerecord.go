package redis

import (
	"context"

	"volmatch"
)

// Service certificates and opening balances (volmatch.ServiceRecordStore):
// cert:CODE (JSON), certseries:SERIES (the newest code), the sorted set
// ix:certvol:VOLUNTEER of a volunteer's codes, opening:VOLUNTEER (JSON).

// IssueCertificate stores c, makes it its series' newest and appends evs,
// in one script; ECONFLICT if the code exists.
func (s *Store) IssueCertificate(ctx context.Context, c *volmatch.ServiceCertificate, evs ...volmatch.Event) error {
	if err := c.Validate(); err != nil {
		return err
	}
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	return s.apply(ctx, "issue certificate", func(o *ops) error {
		key := s.k("cert", c.Code)
		e := volmatch.ExistsError("certificate", c.Code)
		o.absent(key, e.Code, e.Message)
		o.set(key, mustJSON(c))
		o.set(s.k("certseries", c.Series), []byte(c.Code))
		o.zadd(s.k("ix", "certvol", c.Volunteer), c.Code)
		for _, ev := range evs {
			if err := o.event(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// ServiceCertificate returns the certificate with the code; ENOTFOUND if
// missing.
func (s *Store) ServiceCertificate(ctx context.Context, code string) (*volmatch.ServiceCertificate, error) {
	c := new(volmatch.ServiceCertificate)
	_, ok, err := s.getJSON(ctx, s.k("cert", code), c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("certificate", code)
	}
	return c, nil
}

// LatestCertificate returns the code of the series' newest certificate;
// ENOTFOUND when none.
func (s *Store) LatestCertificate(ctx context.Context, series string) (string, error) {
	code, ok, err := s.get(ctx, s.k("certseries", series))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", volmatch.NotFoundError("certificate series", series)
	}
	return code, nil
}

// ServiceCertificates lists a volunteer's certificates in code order.
func (s *Store) ServiceCertificates(ctx context.Context, volunteer string, o volmatch.ListOptions) ([]*volmatch.ServiceCertificate, string, error) {
	return list[volmatch.ServiceCertificate](ctx, s, s.k("ix", "certvol", volunteer),
		func(code string) string { return s.k("cert", code) }, o, nil, nil)
}

// PutOpenings stores every balance of obs and appends evs in one script,
// or writes nothing (see volmatch.ServiceRecordStore).
func (s *Store) PutOpenings(ctx context.Context, obs []*volmatch.OpeningBalance, evs ...volmatch.Event) error {
	if err := volmatch.PrepareOpenings(obs); err != nil {
		return err
	}
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	return s.apply(ctx, "put openings", func(o *ops) error {
		// Read first so that a refusal names the element; the script's
		// absent conditions hold against a write in between.
		p := s.c.Pipeline()
		for _, ob := range obs {
			p.Exists(ctx, s.k("opening", ob.Volunteer))
		}
		res, err := p.Exec(ctx)
		if err != nil {
			return s.err("read openings", err)
		}
		for i, ob := range obs {
			if n, _ := res[i].(interface{ Val() int64 }); n != nil && n.Val() > 0 {
				return volmatch.OpeningExistsError(i, ob.Volunteer)
			}
			e := volmatch.OpeningExistsError(-1, ob.Volunteer).(*volmatch.Error)
			key := s.k("opening", ob.Volunteer)
			o.absent(key, e.Code, e.Message)
			o.set(key, mustJSON(ob))
		}
		for _, ev := range evs {
			if err := o.event(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// Opening returns a volunteer's opening balance; ENOTFOUND if none.
func (s *Store) Opening(ctx context.Context, volunteer string) (*volmatch.OpeningBalance, error) {
	ob := new(volmatch.OpeningBalance)
	_, ok, err := s.getJSON(ctx, s.k("opening", volunteer), ob)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("opening balance of volunteer", volunteer)
	}
	return ob, nil
}
