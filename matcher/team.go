package matcher

import (
	"fmt"
	"slices"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// TeamCandidate is a team with its members' records (in the team's member
// order, homes as matching reads them: masked) and, per member, the
// assignments they hold (for the busy gate).
type TeamCandidate struct {
	Team    *volmatch.Team
	Members []*volmatch.Volunteer
	Held    [][]volmatch.Assignment
}

// TeamRanking is the result of RankTeams: the eligible teams best first,
// then the ineligible ones with their reasons, in team ID order.
type TeamRanking struct {
	Matches    []volmatch.TeamMatch
	Ineligible []volmatch.TeamMatch
}

// RankTeams ranks teams for need n (one shift of it, or each team's best
// open shift) with the same hard gates as Rank applied to every member: a
// team is eligible for a shift when it has the members n.Team asks (Size),
// fits in the shift's free slots, holds the roles asked, and every member
// passes every hard gate. The first member (in the team's order) failing
// a gate makes the team ineligible with that member's gate. Ties break by
// team ID. Pure and deterministic.
func RankTeams(n *volmatch.Need, cands []TeamCandidate, sc *scoring.Scorer, o RankOptions) TeamRanking {
	shifts := OpenShifts(n, o.Shift)
	if !o.After.IsZero() {
		shifts = slices.DeleteFunc(slices.Clone(shifts), func(s volmatch.Shift) bool { return !o.After.Before(s.Start) })
	}
	var out TeamRanking
	for _, c := range cands {
		var best, first volmatch.TeamMatch
		found := false
		for i, sh := range shifts {
			m := EvaluateTeam(n, sh, c, sc)
			if i == 0 {
				first = m
			}
			if m.Eligible && (!found || m.Score > best.Score) {
				best, found = m, true
			}
		}
		switch {
		case found:
			out.Matches = append(out.Matches, best)
		case len(shifts) > 0:
			out.Ineligible = append(out.Ineligible, first)
		}
	}
	slices.SortStableFunc(out.Matches, func(a, b volmatch.TeamMatch) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Team < b.Team:
			return -1
		case a.Team > b.Team:
			return 1
		}
		return 0
	})
	slices.SortStableFunc(out.Ineligible, func(a, b volmatch.TeamMatch) int {
		switch {
		case a.Team < b.Team:
			return -1
		case a.Team > b.Team:
			return 1
		}
		return 0
	})
	k := o.K
	if k <= 0 {
		k = DefaultK
	}
	if len(out.Matches) > k {
		out.Matches = out.Matches[:k]
	}
	for i := range out.Matches {
		out.Matches[i].Rank = i + 1
	}
	return out
}

// EvaluateTeam applies the team gates and every member's hard gates of
// need n's shift sh to candidate c, and scores it when it passes.
func EvaluateTeam(n *volmatch.Need, sh volmatch.Shift, c TeamCandidate, sc *scoring.Scorer) volmatch.TeamMatch {
	t := c.Team
	m := volmatch.TeamMatch{Team: t.ID, Name: t.Name, Need: n.ID, Shift: sh.ID, Members: len(c.Members),
		Emergency: t.Emergency, Tier: t.Tier}
	fail := func(gate, detail string) volmatch.TeamMatch {
		m.Gate, m.Detail = gate, detail
		return m
	}
	if a := n.Team; a != nil && len(c.Members) < a.Size {
		return fail(volmatch.TeamGateSize, fmt.Sprintf("the need asks for %d members who come together; the team has %d", a.Size, len(c.Members)))
	}
	if free := sh.Slots - sh.Filled; len(c.Members) > free {
		return fail(volmatch.TeamGateSlots, fmt.Sprintf("the team has %d members; the shift has %d free slots", len(c.Members), free))
	}
	if a := n.Team; a != nil {
		for _, r := range a.Roles {
			if got := holding(c.Members, r, sh.End); got < r.Count {
				return fail(volmatch.TeamGateRole, fmt.Sprintf("the need asks for %d members with %s; the team has %d", r.Count, roleName(r), got))
			}
		}
	}
	var sum [scoring.NumComponents]float64
	total := 0.0
	for k, v := range c.Members {
		var held []volmatch.Assignment
		if k < len(c.Held) {
			held = c.Held[k]
		}
		if failed := scoring.Failed(v, n, sh, held); len(failed) > 0 {
			m.Member, m.MemberIndex = volmatch.MaskName(v.Name), k+1
			return fail(failed[0], fmt.Sprintf("member %d (%s) fails the hard gate %s", k+1, m.Member, failed[0]))
		}
		score, bd := sc.Score(v, n, sh)
		total += score
		for i, comp := range bd {
			if i < len(sum) {
				sum[i] += comp.Value
			}
		}
		if km, ok := scoring.Reach(v, n); ok && km > m.DistanceKm {
			m.DistanceKm = km
		}
	}
	div := float64(max(len(c.Members), 1))
	for i := range sum {
		sum[i] /= div
	}
	m.Eligible, m.Score, m.Breakdown = true, total/div, sc.Breakdown(sum)
	m.DistanceKm = volmatch.DisplayKm(m.DistanceKm)
	return m
}

// holding counts the members who hold role r at end.
func holding(vs []*volmatch.Volunteer, r volmatch.TeamRole, end time.Time) int {
	n := 0
	for _, v := range vs {
		switch {
		case r.Skill != "" && scoring.HasSkills(v, []volmatch.SkillLevel{{Skill: r.Skill, Level: r.Level}}):
			n++
		case r.Certificate != "" && scoring.HasCertificates(v, []string{r.Certificate}, end):
			n++
		}
	}
	return n
}

func roleName(r volmatch.TeamRole) string {
	if r.Skill != "" {
		return fmt.Sprintf("skill %s at level %d", r.Skill, scoring.ClampMin(r.Level))
	}
	return "certificate " + r.Certificate
}

// TeamPlacement is a whole team placed on a shift by a batch plan.
type TeamPlacement struct {
	Team    string   `json:"team"`
	Need    string   `json:"need"`
	Shift   string   `json:"shift"`
	Members []string `json:"members"`
	Score   float64  `json:"score"`
}

// PlaceTeams places whole teams, as units, on the open shifts of the
// needs that ask for a team (Need.Team), before any volunteer is placed
// alone: shifts in need and shift order; on each, the eligible teams
// (EvaluateTeam, with the slots and the members' time the earlier
// placements took) best first, ties by team ID, while the free slots hold
// them whole. A team is placed at most once per plan. Greedy, not proven
// optimal (matcher.Assign's optimum is over single volunteers): teams
// come as units and in the emergencies and events where they are asked
// there are few of them. The caller leaves out the shifts that have begun.
func PlaceTeams(needs []*volmatch.Need, cands []TeamCandidate, sc *scoring.Scorer) []TeamPlacement {
	ns := slices.Clone(needs)
	slices.SortFunc(ns, func(a, b *volmatch.Need) int { return cmpString(a.ID, b.ID) })
	extra := map[string][]volmatch.Assignment{} // members' time taken by this plan
	placed := map[string]bool{}
	var out []TeamPlacement
	for _, n := range ns {
		if n.Team == nil || n.Status != volmatch.NeedOpen && n.Status != "" {
			continue
		}
		for _, sh := range n.Shifts {
			for {
				var best volmatch.TeamMatch
				bestK := -1
				for k, c := range cands {
					if placed[c.Team.ID] {
						continue
					}
					m := EvaluateTeam(n, sh, withExtra(c, extra), sc)
					if m.Eligible && (bestK < 0 || m.Score > best.Score || m.Score == best.Score && m.Team < best.Team) {
						best, bestK = m, k
					}
				}
				if bestK < 0 {
					break
				}
				c := cands[bestK]
				placed[c.Team.ID] = true
				sh.Filled += len(c.Members)
				tp := TeamPlacement{Team: c.Team.ID, Need: n.ID, Shift: sh.ID, Score: best.Score}
				for _, v := range c.Members {
					tp.Members = append(tp.Members, v.ID)
					extra[v.ID] = append(extra[v.ID], volmatch.Assignment{Need: n.ID, Shift: sh.ID, Volunteer: v.ID,
						Start: sh.Start, End: sh.End, Status: volmatch.AssignReserved})
				}
				out = append(out, tp)
			}
		}
	}
	return out
}

// withExtra returns c with the assignments of extra added to its members'.
func withExtra(c TeamCandidate, extra map[string][]volmatch.Assignment) TeamCandidate {
	out := c
	out.Held = make([][]volmatch.Assignment, len(c.Members))
	for k, v := range c.Members {
		var h []volmatch.Assignment
		if k < len(c.Held) {
			h = c.Held[k]
		}
		if x := extra[v.ID]; len(x) > 0 {
			h = append(slices.Clone(h), x...)
		}
		out.Held[k] = h
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TeamMayPass reports whether candidate c could be eligible for some of
// shifts: it fits the free slots and the size asked, and every member
// passes every hard gate but busy (which needs their assignments).
func TeamMayPass(n *volmatch.Need, shifts []volmatch.Shift, c TeamCandidate) bool {
	for _, sh := range shifts {
		if a := n.Team; a != nil && len(c.Members) < a.Size || len(c.Members) > sh.Slots-sh.Filled {
			continue
		}
		ok := true
		for _, v := range c.Members {
			if scoring.Gate(v, n, sh) != "" {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
