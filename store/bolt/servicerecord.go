package bolt

import (
	"bytes"
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// Service certificates and opening balances (volmatch.ServiceRecordStore).
var (
	// bCerts holds code -> the certificate (JSON).
	bCerts = []byte("certificates")
	// bCertSeries holds series -> the code of its newest certificate.
	bCertSeries = []byte("certificate_series")
	// bCertByVol holds volunteer\x00code -> "".
	bCertByVol = []byte("certificates_by_volunteer")
	// bOpenings holds volunteer -> the opening balance (JSON).
	bOpenings = []byte("openings")
)

// IssueCertificate stores c, makes it its series' newest and appends evs,
// in one transaction; ECONFLICT if the code exists.
func (s *Store) IssueCertificate(ctx context.Context, c *volmatch.ServiceCertificate, evs ...volmatch.Event) error {
	if err := c.Validate(); err != nil {
		return err
	}
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bCerts)
		if b.Get([]byte(c.Code)) != nil {
			return volmatch.ExistsError("certificate", c.Code)
		}
		if err := putJSON(b, []byte(c.Code), c); err != nil {
			return err
		}
		if err := tx.Bucket(bCertSeries).Put([]byte(c.Series), []byte(c.Code)); err != nil {
			return err
		}
		if err := tx.Bucket(bCertByVol).Put([]byte(c.Volunteer+"\x00"+c.Code), nil); err != nil {
			return err
		}
		for _, ev := range evs {
			if err := appendEvent(tx, ev); err != nil {
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
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bCerts), []byte(code), c)
		if err == nil && !ok {
			err = volmatch.NotFoundError("certificate", code)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// LatestCertificate returns the code of the series' newest certificate;
// ENOTFOUND when none.
func (s *Store) LatestCertificate(ctx context.Context, series string) (string, error) {
	var code string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bCertSeries).Get([]byte(series))
		if v == nil {
			return volmatch.NotFoundError("certificate series", series)
		}
		code = string(v)
		return nil
	})
	return code, err
}

// ServiceCertificates lists a volunteer's certificates in code order.
func (s *Store) ServiceCertificates(ctx context.Context, volunteer string, o volmatch.ListOptions) ([]*volmatch.ServiceCertificate, string, error) {
	var out []*volmatch.ServiceCertificate
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		prefix := []byte(volunteer + "\x00")
		var codes []string
		c := tx.Bucket(bCertByVol).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			codes = append(codes, string(k[len(prefix):]))
		}
		var err error
		out, next, err = listIDs[volmatch.ServiceCertificate](tx.Bucket(bCerts), codes, o, nil)
		return err
	})
	return out, next, err
}

// PutOpenings stores every balance of obs and appends evs, or writes
// nothing (see volmatch.ServiceRecordStore).
func (s *Store) PutOpenings(ctx context.Context, obs []*volmatch.OpeningBalance, evs ...volmatch.Event) error {
	if err := volmatch.PrepareOpenings(obs); err != nil {
		return err
	}
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOpenings)
		for i, o := range obs {
			if b.Get([]byte(o.Volunteer)) != nil {
				return volmatch.OpeningExistsError(i, o.Volunteer)
			}
			if err := putJSON(b, []byte(o.Volunteer), o); err != nil {
				return err
			}
		}
		for _, ev := range evs {
			if err := appendEvent(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// Opening returns a volunteer's opening balance; ENOTFOUND if none.
func (s *Store) Opening(ctx context.Context, volunteer string) (*volmatch.OpeningBalance, error) {
	o := new(volmatch.OpeningBalance)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bOpenings), []byte(volunteer), o)
		if err == nil && !ok {
			err = volmatch.NotFoundError("opening balance of volunteer", volunteer)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
