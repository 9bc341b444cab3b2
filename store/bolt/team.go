package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// bTeams holds team ID -> the team (JSON).
var bTeams = []byte("teams")

var teamKind = kind[volmatch.Team]{bucket: bTeams, change: volmatch.ChangeTeam, noun: "team", list: "teams",
	id: func(t *volmatch.Team) string { return t.ID }}

func (s *Store) teams() stored[volmatch.Team, *volmatch.Team] {
	return stored[volmatch.Team, *volmatch.Team]{reader[volmatch.Team]{s, teamKind}}
}

// CreateTeam stores a new team; ECONFLICT if the ID exists.
func (s *Store) CreateTeam(ctx context.Context, t *volmatch.Team) error {
	return s.teams().Write(ctx, t, volmatch.WriteCreate)
}

// UpdateTeam replaces a team; ENOTFOUND if missing.
func (s *Store) UpdateTeam(ctx context.Context, t *volmatch.Team) error {
	return s.teams().Write(ctx, t, volmatch.WriteUpdate)
}

// PutTeams creates or replaces all of ts in one transaction (import).
func (s *Store) PutTeams(ctx context.Context, ts []*volmatch.Team) error {
	return s.teams().Put(ctx, ts)
}

// Team returns one team; ENOTFOUND if missing.
func (s *Store) Team(ctx context.Context, id string) (*volmatch.Team, error) {
	return s.teams().Get(ctx, id)
}

// DeleteTeam removes a team; ENOTFOUND if missing.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	return s.teams().Delete(ctx, id)
}

// Teams lists the teams f keeps in ID order.
func (s *Store) Teams(ctx context.Context, f volmatch.TeamFilter) ([]*volmatch.Team, string, error) {
	return s.teams().list(ctx, f.ListOptions, f.Match)
}

// AcceptAll accepts every invitation of ids in one transaction, each
// reservation counting the ones before it, or none (see
// volmatch.TeamStore).
func (s *Store) AcceptAll(ctx context.Context, ids []string, at time.Time) ([]*volmatch.Assignment, error) {
	if err := volmatch.CheckAcceptAll(ids); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = s.now()
	}
	out := make([]*volmatch.Assignment, 0, len(ids))
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		out = out[:0]
		for i, id := range ids {
			inv, err := loadSent(tx, id)
			if err != nil {
				return volmatch.AtIndex("invitations", i, err)
			}
			r := volmatch.Reservation{Need: inv.Need, Shift: inv.Shift, Volunteer: inv.Volunteer, Origin: inv.Origin, Team: inv.Team}
			a, err := s.reserve(tx, r, inv.ID, at, volmatch.ECONFLICT)
			if err != nil {
				return volmatch.AtIndex("invitations", i, err)
			}
			if err := respond(tx, inv, volmatch.InviteAccepted, at); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
