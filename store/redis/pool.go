package redis

import (
	"context"

	"volmatch"
)

// CreatePool stores a new talent pool; ECONFLICT if the ID exists.
func (s *Store) CreatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return writeRecord(ctx, s, poolKind, p, volmatch.WriteCreate)
}

// UpdatePool replaces a talent pool; ENOTFOUND if missing.
func (s *Store) UpdatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return writeRecord(ctx, s, poolKind, p, volmatch.WriteUpdate)
}

// Pool returns one talent pool; ENOTFOUND if missing.
func (s *Store) Pool(ctx context.Context, id string) (*volmatch.TalentPool, error) {
	return getRecord(ctx, s, poolKind, id)
}

// DeletePool removes a talent pool; ENOTFOUND if missing.
func (s *Store) DeletePool(ctx context.Context, id string) error {
	return deleteRecord(ctx, s, poolKind, id)
}

// Pools lists talent pools in ID order.
func (s *Store) Pools(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.TalentPool, string, error) {
	return listRecords(ctx, s, poolKind, o, nil)
}

// PutPools creates or replaces all of ps in one script (import).
func (s *Store) PutPools(ctx context.Context, ps []*volmatch.TalentPool) error {
	return putRecords(ctx, s, poolKind, ps)
}

// CreateStation stores a new service station; ECONFLICT if the ID exists.
func (s *Store) CreateStation(ctx context.Context, st *volmatch.Station) error {
	return writeRecord(ctx, s, stationKind, st, volmatch.WriteCreate)
}

// UpdateStation replaces a service station; ENOTFOUND if missing.
func (s *Store) UpdateStation(ctx context.Context, st *volmatch.Station) error {
	return writeRecord(ctx, s, stationKind, st, volmatch.WriteUpdate)
}

// Station returns one service station; ENOTFOUND if missing.
func (s *Store) Station(ctx context.Context, id string) (*volmatch.Station, error) {
	return getRecord(ctx, s, stationKind, id)
}

// DeleteStation removes a service station; ENOTFOUND if missing.
func (s *Store) DeleteStation(ctx context.Context, id string) error {
	return deleteRecord(ctx, s, stationKind, id)
}

// Stations lists service stations in ID order.
func (s *Store) Stations(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Station, string, error) {
	return listRecords(ctx, s, stationKind, o, nil)
}

// PutStations creates or replaces all of ss in one script (import).
func (s *Store) PutStations(ctx context.Context, ss []*volmatch.Station) error {
	return putRecords(ctx, s, stationKind, ss)
}
