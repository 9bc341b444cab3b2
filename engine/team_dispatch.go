package engine

import (
	"context"
	"fmt"
	"slices"

	"volmatch"
	"volmatch/matcher"
)

// Emergency dispatch reaches standing emergency teams first (§7): before
// any wave of single volunteers, a wave invites the eligible standing
// teams of the nearest tier that has one — the need's street's street
// teams, then its district's district teams, then the city's teams —
// best first, as many as the shift's free slots hold whole. A team is
// eligible as in TeamMatches, and every member must have consented to
// emergency mobilisation (Consent.Emergency). A team with a member
// already invited to the need is not asked again. Once no standing team
// is left to ask, the waves of single volunteers follow (flow 6); a need
// that asks for a team gets team waves only.

// teamTierLabel is the Tier of a team wave: "team:street" and so on.
func teamTierLabel(t volmatch.TeamTier) string { return "team:" + string(t) }

// teamWavePlan is the next team wave of emergency need n: the shift, the
// tier and the teams to invite, best first (none when no standing team is
// left to ask).
type teamWavePlan struct {
	Shift volmatch.Shift
	Tier  volmatch.TeamTier
	Teams []volmatch.TeamMatch
	cands map[string]*volmatch.Team
}

// planTeamWave plans the next team wave of n (upcoming shifts only) for
// the shift asked ("" for the first open one), given the volunteers
// already invited to it.
func (e *Engine) planTeamWave(ctx context.Context, n *volmatch.Need, shift string, invited map[string]bool) (teamWavePlan, error) {
	var p teamWavePlan
	open := matcher.OpenShifts(n, shift)
	if len(open) == 0 {
		return p, nil
	}
	p.Shift = open[0]
	teams, err := e.allTeams(ctx, volmatch.TeamFilter{Emergency: true})
	if err != nil {
		return p, err
	}
	free := p.Shift.Slots - p.Shift.Filled
	cache := map[string]*volmatch.Volunteer{}
	for _, tier := range volmatch.TierOrder {
		var ms []volmatch.TeamMatch
		byID := map[string]*volmatch.Team{}
		for _, t := range teams {
			if t.Tier != tier || tier == volmatch.TierStreet && t.Street != n.Street || tier == volmatch.TierDistrict && t.District != n.District {
				continue
			}
			if slices.ContainsFunc(t.Members, func(m string) bool { return invited[m] }) {
				continue
			}
			c, ok, err := e.teamCandidate(ctx, t, cache)
			if err != nil {
				return p, fmt.Errorf("dispatch teams for need %s: %w", n.ID, err)
			}
			if !ok || slices.ContainsFunc(c.Members, func(v *volmatch.Volunteer) bool { return !v.Consent.Emergency }) {
				continue
			}
			if m := matcher.EvaluateTeam(n, p.Shift, c, e.scorer()); m.Eligible {
				ms = append(ms, m)
				byID[t.ID] = t
			}
		}
		slices.SortStableFunc(ms, func(a, b volmatch.TeamMatch) int {
			switch {
			case a.Score != b.Score && a.Score > b.Score:
				return -1
			case a.Score != b.Score:
				return 1
			case a.Team < b.Team:
				return -1
			case a.Team > b.Team:
				return 1
			}
			return 0
		})
		left := free
		for _, m := range ms {
			if m.Members <= left {
				m.Rank = len(p.Teams) + 1
				p.Teams = append(p.Teams, m)
				left -= m.Members
			}
		}
		if len(p.Teams) > 0 {
			p.Tier, p.cands = tier, byID
			return p, nil
		}
	}
	return p, nil
}

// sendTeamWave invites every team of p, each member, with the
// dispatch.wave event, in one store write.
func (e *Engine) sendTeamWave(ctx context.Context, n *volmatch.Need, p teamWavePlan, wave int) (Wave, error) {
	now := e.now()
	out := Wave{Need: n.ID, Shift: p.Shift.ID, Tier: teamTierLabel(p.Tier), Wave: wave, Invitations: []*volmatch.Invitation{}}
	for _, m := range p.Teams {
		for _, v := range p.cands[m.Team].Members {
			out.Invitations = append(out.Invitations, &volmatch.Invitation{ID: NewID("inv"), Need: n.ID, Shift: p.Shift.ID,
				Volunteer: v, Org: n.Org, Status: volmatch.InviteSent, Rank: m.Rank, Score: m.Score, Wave: wave, SentAt: now, Team: m.Team})
		}
	}
	ev := volmatch.NeedEvent(volmatch.EventDispatchWave, n, now)
	ev.Shift, ev.Tier, ev.Wave, ev.Count = p.Shift.ID, out.Tier, wave, len(out.Invitations)
	if err := e.store.CreateInvitations(ctx, out.Invitations, ev); err != nil {
		if volmatch.ErrorField(err) != "" {
			err = volmatch.Errorf(volmatch.ErrorCode(err), "team wave %d was not sent: %s", wave, volmatch.ErrorMessage(err))
		}
		return Wave{}, fmt.Errorf("engine: dispatch team wave %d: %w", wave, err)
	}
	e.synced(ctx)
	return out, nil
}

// dispatchTeams sends the next team wave of need id when a standing team
// is left to ask (true), or answers that the need, asking for a team, has
// no wave left (true, Done); false leaves the dispatch to the waves of
// single volunteers.
func (e *Engine) dispatchTeams(ctx context.Context, tok *volmatch.Token, id string, req DispatchRequest, send bool) (Wave, teamWavePlan, bool, error) {
	var p teamWavePlan
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil || n.Urgency != volmatch.UrgencyEmergency {
		return Wave{}, p, false, nil // nextWave refuses as it does
	}
	n = upcoming(n, e.now())
	if n.Status != volmatch.NeedOpen {
		return Wave{}, p, false, nil
	}
	invited, last, err := e.dispatchState(ctx, n)
	if err != nil {
		return Wave{}, p, false, err
	}
	if p, err = e.planTeamWave(ctx, n, req.Shift, invited); err != nil {
		return Wave{}, p, false, err
	}
	if len(p.Teams) == 0 {
		if n.Team != nil {
			return Wave{Need: n.ID, Invitations: []*volmatch.Invitation{}, Done: true}, p, true, nil
		}
		return Wave{}, p, false, nil
	}
	if !send {
		return Wave{Need: n.ID, Shift: p.Shift.ID, Tier: teamTierLabel(p.Tier), Wave: last + 1}, p, true, nil
	}
	w, err := e.sendTeamWave(ctx, n, p, last+1)
	return w, p, true, err
}
