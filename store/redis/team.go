package redis

import (
	"context"
	"time"

	"volmatch"
)

// A team is team:ID (JSON) with its ID in the sorted set ids:team.

var teamKind = kind[volmatch.Team]{word: "team", change: volmatch.ChangeTeam, noun: "team", list: "teams",
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

// PutTeams creates or replaces all of ts in one script (import).
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

// AcceptAll accepts every invitation of ids in one run of the reservation
// script, each reservation counting the ones before it, or none (see
// volmatch.TeamStore). The script reserves only while every invitation is
// still exactly as read; a round that finds one changed reads them again.
func (s *Store) AcceptAll(ctx context.Context, ids []string, at time.Time) ([]*volmatch.Assignment, error) {
	if err := volmatch.CheckAcceptAll(ids); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.reserve(ctx, "accept all", func() ([]reservation, error) {
		out := make([]reservation, len(ids))
		for i, id := range ids {
			inv, raw, err := s.loadSent(ctx, id)
			if err != nil {
				return nil, volmatch.AtIndex("invitations", i, err)
			}
			acc := *inv
			acc.Status, acc.RespondedAt = volmatch.InviteAccepted, at
			out[i] = reservation{
				Reservation: volmatch.Reservation{Need: inv.Need, Shift: inv.Shift, Volunteer: inv.Volunteer, Origin: inv.Origin, Team: inv.Team},
				invite:      inv.ID, inviteRaw: raw, inviteNew: string(mustJSON(&acc)),
			}
		}
		return out, nil
	}, at, volmatch.ECONFLICT)
}
