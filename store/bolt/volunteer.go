package bolt

import (
	"context"

	"volmatch"
)

func (s *Store) volunteers() stored[volmatch.Volunteer, *volmatch.Volunteer] {
	return stored[volmatch.Volunteer, *volmatch.Volunteer]{reader[volmatch.Volunteer]{s, volunteerKind}}
}

// CreateVolunteer stores a new volunteer with empty Stats; ECONFLICT if the
// ID exists. It sets v.UpdatedAt.
func (s *Store) CreateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	return s.volunteers().Write(ctx, v, volmatch.WriteCreate)
}

// UpdateVolunteer replaces a volunteer's client-written fields, keeping the
// stored Stats and Hidden; ENOTFOUND if missing.
func (s *Store) UpdateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	return s.volunteers().Write(ctx, v, volmatch.WriteUpdate)
}

// PutVolunteers creates or replaces all of vs as given (Stats and Hidden
// included) in one transaction: the import path.
func (s *Store) PutVolunteers(ctx context.Context, vs []*volmatch.Volunteer) error {
	return s.volunteers().Put(ctx, vs)
}

// Volunteer returns one volunteer; ENOTFOUND if missing.
func (s *Store) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	return s.volunteers().Get(ctx, id)
}

// DeleteVolunteer removes a volunteer; ENOTFOUND if missing. Assignments
// and events that name the volunteer stay.
func (s *Store) DeleteVolunteer(ctx context.Context, id string) error {
	return s.volunteers().Delete(ctx, id)
}

// Volunteers lists volunteers in ID order.
func (s *Store) Volunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	return s.volunteers().list(ctx, f.ListOptions, f.Match)
}

// EachVolunteer calls fn for every volunteer in ID order.
func (s *Store) EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error {
	return each(ctx, s, bVolunteers, nil, fn)
}
