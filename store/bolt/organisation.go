package bolt

import (
	"context"

	"volmatch"
)

// CreateOrganisation stores a new organisation; ECONFLICT if the ID exists.
func (s *Store) CreateOrganisation(ctx context.Context, o *volmatch.Organisation) error {
	return writeRecord(ctx, s, orgKind, o, volmatch.WriteCreate)
}

// Organisation returns one organisation; ENOTFOUND if missing.
func (s *Store) Organisation(ctx context.Context, id string) (*volmatch.Organisation, error) {
	return getRecord(ctx, s, orgKind, id)
}

// Organisations lists organisations in ID order.
func (s *Store) Organisations(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Organisation, string, error) {
	return listRecords(ctx, s, orgKind, o, nil)
}
