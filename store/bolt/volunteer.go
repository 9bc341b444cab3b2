package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// CreateVolunteer stores a new volunteer with empty Stats; ECONFLICT if the
// ID exists. It sets v.UpdatedAt.
func (s *Store) CreateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	if err := v.Validate(); err != nil {
		return err
	}
	c := *v
	c.Stats = volmatch.VolunteerStats{Reliability: volmatch.VolunteerStats{}.ReliabilityScore()}
	c.UpdatedAt = s.now()
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bVolunteers)
		if b.Get([]byte(c.ID)) != nil {
			return volmatch.Errorf(volmatch.ECONFLICT, "volunteer %s already exists", c.ID)
		}
		if err := putJSON(b, []byte(c.ID), &c); err != nil {
			return err
		}
		return appendChange(tx, volmatch.ChangeVolunteer, c.ID, false)
	})
	if err == nil {
		*v = c
	}
	return err
}

// UpdateVolunteer replaces a volunteer's client-written fields, keeping the
// stored Stats and Hidden; ENOTFOUND if missing.
func (s *Store) UpdateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	if err := v.Validate(); err != nil {
		return err
	}
	c := *v
	c.UpdatedAt = s.now()
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bVolunteers)
		var old volmatch.Volunteer
		ok, err := getJSON(b, []byte(c.ID), &old)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s not found", c.ID)
		}
		c.Stats, c.Hidden = old.Stats, old.Hidden
		if err := putJSON(b, []byte(c.ID), &c); err != nil {
			return err
		}
		return appendChange(tx, volmatch.ChangeVolunteer, c.ID, false)
	})
	if err == nil {
		*v = c
	}
	return err
}

// PutVolunteers creates or replaces all of vs as given (Stats and Hidden
// included) in one transaction: the import path.
func (s *Store) PutVolunteers(ctx context.Context, vs []*volmatch.Volunteer) error {
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			return volmatch.AtIndex("volunteers", i, err)
		}
	}
	now := s.now()
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bVolunteers)
		for _, v := range vs {
			c := *v
			if c.UpdatedAt.IsZero() {
				c.UpdatedAt = now
			}
			if err := putJSON(b, []byte(c.ID), &c); err != nil {
				return err
			}
			if err := appendChange(tx, volmatch.ChangeVolunteer, c.ID, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// Volunteer returns one volunteer; ENOTFOUND if missing.
func (s *Store) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	var v volmatch.Volunteer
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bVolunteers), []byte(id), &v)
		if err == nil && !ok {
			err = volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s not found", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// DeleteVolunteer removes a volunteer; ENOTFOUND if missing. Assignments
// and events that name the volunteer stay.
func (s *Store) DeleteVolunteer(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bVolunteers)
		if b.Get([]byte(id)) == nil {
			return volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s not found", id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return appendChange(tx, volmatch.ChangeVolunteer, id, true)
	})
}

// Volunteers lists volunteers in ID order.
func (s *Store) Volunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	var out []*volmatch.Volunteer
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list(tx.Bucket(bVolunteers), f.ListOptions, f.Match)
		return err
	})
	return out, next, err
}

// EachVolunteer calls fn for every volunteer in ID order.
func (s *Store) EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error {
	return each(ctx, s, bVolunteers, nil, fn)
}
