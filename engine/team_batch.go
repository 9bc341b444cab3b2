package engine

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/matcher"
)

// Batch assignment with teams: the needs that ask for a team are filled
// with whole teams first, as units (matcher.PlaceTeams: greedy, each
// team once per plan), and the other needs with single volunteers by the
// exact optimum of matcher.Assign, which sees the teams' placements as
// held time (no member is placed alone in an overlapping shift). A team
// need is never given single volunteers. The commit reserves the teams'
// slots first, in the same all-or-nothing writes as the rest.

// placeTeams splits needs into those that ask for a team, which it fills
// with teams, and the others, which it returns; teamHeld are the teams'
// placements as assignments, for the plan of the others.
func (e *Engine) placeTeams(ctx context.Context, needs []*volmatch.Need) (rest []*volmatch.Need, teams []matcher.TeamPlacement, teamHeld []volmatch.Assignment, err error) {
	var asked []*volmatch.Need
	for _, n := range needs {
		if n.Team != nil {
			asked = append(asked, upcoming(n, e.now()))
		} else {
			rest = append(rest, n)
		}
	}
	if len(asked) == 0 {
		return rest, nil, nil, nil
	}
	all, err := e.allTeams(ctx, volmatch.TeamFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	cache := map[string]*volmatch.Volunteer{}
	var cands []matcher.TeamCandidate
	for _, t := range all {
		c, ok, err := e.teamCandidate(ctx, t, cache)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("batch plan: %w", err)
		}
		if ok {
			cands = append(cands, c)
		}
	}
	teams = matcher.PlaceTeams(asked, cands, e.scorer())
	byNeed := map[string]*volmatch.Need{}
	for _, n := range asked {
		byNeed[n.ID] = n
	}
	for _, tp := range teams {
		sh, _ := byNeed[tp.Need].Shift(tp.Shift)
		for _, m := range tp.Members {
			teamHeld = append(teamHeld, volmatch.Assignment{Need: tp.Need, Shift: tp.Shift, Volunteer: m,
				Start: sh.Start, End: sh.End, Status: volmatch.AssignReserved})
		}
	}
	return rest, teams, teamHeld, nil
}

// teamReservations are the reservations of the teams' placements, each
// carrying its team.
func teamReservations(teams []matcher.TeamPlacement) []volmatch.Reservation {
	var rs []volmatch.Reservation
	for _, tp := range teams {
		for _, m := range tp.Members {
			rs = append(rs, volmatch.Reservation{Need: tp.Need, Shift: tp.Shift, Volunteer: m, Team: tp.Team})
		}
	}
	return rs
}
