package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"volmatch"
	"volmatch/geo"
	"volmatch/matcher"
)

// Teams (志愿服务团队, §10). A team's organisation's staff (and admins)
// write it; its members read it; other organisations' staff read its card
// with the members masked, as they see it among a need's team matches.
// Planners read aggregates only.
//
// A need that asks for a team (Need.Team) is filled by whole teams only:
// no volunteer is invited to it alone, and a team invitation is one
// invitation per member, sent together, which only the leader accepts,
// for every member at once (the store's AcceptAll: every slot or none).
// A member who cannot come declines their own invitation; the team then
// cannot accept until it is invited again as it is.

// TeamMember is one member of a team as a reader sees it: the masked name
// and, for the team's organisation's staff and admins, the volunteer ID.
type TeamMember struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Leader bool   `json:"leader,omitempty"`
}

// TeamView is a team as tok may read it: the record and the roster with
// masked names. Its organisation's staff and admins (Manage) read the
// member IDs; a member reads the roster only (other members' IDs are
// theirs); another organisation's staff, who meet the team among a need's
// team matches, read the card without the organisation, the leader and
// the IDs.
type TeamView struct {
	*volmatch.Team
	Roster []TeamMember `json:"roster"`
	Manage bool         `json:"manage"`
	// Leads says the caller is the team's leader (who accepts for it).
	Leads bool `json:"leads,omitempty"`
}

// canReadTeam refuses the callers who read no team card: planners
// (aggregates only) and volunteers outside the team.
func canReadTeam(tok *volmatch.Token, t *volmatch.Team) error {
	switch {
	case tok.Role == volmatch.RoleAdmin || tok.Role == volmatch.RoleSocialWorker:
		return nil
	case tok.Role == volmatch.RoleVolunteer && t.Has(tok.Volunteer):
		return nil
	}
	return forbidden("the %s role reads only the teams it belongs to", tok.Role)
}

// teamView returns t as tok sees it (see TeamView).
func (e *Engine) teamView(ctx context.Context, tok *volmatch.Token, t *volmatch.Team) (TeamView, error) {
	manage := canManageOrg(tok, t.Org) == nil
	c := *t
	c.Members = slices.Clone(t.Members)
	out := TeamView{Team: &c, Manage: manage, Roster: make([]TeamMember, 0, len(t.Members)),
		Leads: tok.Role == volmatch.RoleVolunteer && tok.Volunteer == t.Leader}
	for _, id := range t.Members {
		m := TeamMember{Leader: id == t.Leader}
		v, err := e.store.Volunteer(ctx, id)
		switch {
		case err == nil:
			m.Name = volmatch.MaskName(v.Name)
		case volmatch.ErrorCode(err) == volmatch.ENOTFOUND:
			m.Name = "—"
		default:
			return TeamView{}, err
		}
		if manage {
			m.ID = id
		}
		out.Roster = append(out.Roster, m)
	}
	if !manage {
		c.Members, c.Leader = nil, ""
		if tok.Role != volmatch.RoleVolunteer {
			c.Org = ""
		}
	}
	return out, nil
}

// SaveTeam creates team t, or replaces team id with it when id is not "":
// admins for any organisation, social workers for their own (an empty Org
// is theirs). Every member must be a registered volunteer.
func (e *Engine) SaveTeam(ctx context.Context, tok *volmatch.Token, id string, t *volmatch.Team) error {
	if tok.Role == volmatch.RoleSocialWorker && t.Org == "" {
		t.Org = tok.Org
	}
	if err := canManageOrg(tok, t.Org); err != nil {
		return err
	}
	if err := e.stamp(id, &t.ID, &t.UpdatedAt, t.Validate); err != nil {
		return err
	}
	st, ok := geo.Beijing().Street(t.Street)
	switch {
	case !ok:
		return volmatch.FieldError("street", "unknown street code %q", t.Street)
	case t.District == "":
		t.District = st.District
	case t.District != st.District:
		return volmatch.FieldError("district", "street %s lies in district %s, not %s", t.Street, st.District, t.District)
	}
	if t.Domain != "" && !e.tax.Has(t.Domain) {
		return volmatch.FieldError("domain", "unknown domain key %q", t.Domain)
	}
	if id != "" {
		old, err := e.store.Team(ctx, id)
		if err != nil {
			return err
		}
		if err := canManageOrg(tok, old.Org); err != nil {
			return err
		}
	}
	for i, m := range t.Members {
		if _, err := e.store.Volunteer(ctx, m); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return volmatch.FieldError(fmt.Sprintf("members[%d]", i), "no volunteer %q", m)
		} else if err != nil {
			return err
		}
	}
	if err := createOrUpdate(ctx, id, t, e.store.CreateTeam, e.store.UpdateTeam); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// DeleteTeam deletes team id (its organisation's staff, admins).
func (e *Engine) DeleteTeam(ctx context.Context, tok *volmatch.Token, id string) error {
	t, err := e.store.Team(ctx, id)
	if err != nil {
		return err
	}
	if err := canManageOrg(tok, t.Org); err != nil {
		return err
	}
	return e.store.DeleteTeam(ctx, id)
}

// Team returns team id as tok may read it.
func (e *Engine) Team(ctx context.Context, tok *volmatch.Token, id string) (*TeamView, error) {
	t, err := e.store.Team(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canReadTeam(tok, t); err != nil {
		return nil, err
	}
	v, err := e.teamView(ctx, tok, t)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Teams lists teams in tok's scope: a social worker's organisation's, a
// volunteer's own, any for an admin.
func (e *Engine) Teams(ctx context.Context, tok *volmatch.Token, f volmatch.TeamFilter) ([]*TeamView, string, error) {
	switch tok.Role {
	case volmatch.RoleAdmin:
	case volmatch.RoleSocialWorker:
		if f.Org != "" && f.Org != tok.Org {
			return nil, "", forbidden("a social worker lists only their own organisation's teams; other teams appear among a need's team matches")
		}
		f.Org = tok.Org
	case volmatch.RoleVolunteer:
		if f.Member != "" && f.Member != tok.Volunteer {
			return nil, "", forbidden("a volunteer lists only their own teams")
		}
		f.Member = tok.Volunteer
	default:
		return nil, "", forbidden("the %s role reads aggregates only", tok.Role)
	}
	ts, next, err := e.store.Teams(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out := make([]*TeamView, 0, len(ts))
	for _, t := range ts {
		v, err := e.teamView(ctx, tok, t)
		if err != nil {
			return nil, "", err
		}
		out = append(out, &v)
	}
	return out, next, nil
}

// allTeams reads every team that f keeps, in ID order.
func (e *Engine) allTeams(ctx context.Context, f volmatch.TeamFilter) ([]*volmatch.Team, error) {
	var out []*volmatch.Team
	f.Limit = 1000
	for {
		ts, next, err := e.store.Teams(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("read teams: %w", err)
		}
		out = append(out, ts...)
		if next == "" || len(ts) == 0 {
			return out, nil
		}
		f.After = next
	}
}

// teamCandidate reads t's members as matching reads them (masked homes)
// with the assignments each holds. A member no longer registered leaves
// the team out (false).
func (e *Engine) teamCandidate(ctx context.Context, t *volmatch.Team, cache map[string]*volmatch.Volunteer) (matcher.TeamCandidate, bool, error) {
	c, ok, err := e.teamMembers(ctx, t, cache)
	if err != nil || !ok {
		return c, ok, err
	}
	return c, true, e.teamHeld(ctx, &c)
}

// teamMembers reads t's members (masked homes), without their
// assignments; false when one is no longer registered.
func (e *Engine) teamMembers(ctx context.Context, t *volmatch.Team, cache map[string]*volmatch.Volunteer) (matcher.TeamCandidate, bool, error) {
	c := matcher.TeamCandidate{Team: t}
	for _, id := range t.Members {
		v, ok := cache[id]
		if !ok {
			got, err := e.store.Volunteer(ctx, id)
			if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
				return c, false, nil
			} else if err != nil {
				return c, false, err
			}
			v = got.Coarsened()
			cache[id] = v
		}
		c.Members = append(c.Members, v)
	}
	return c, true, nil
}

// teamHeld reads the assignments each member of c holds (the busy gate).
func (e *Engine) teamHeld(ctx context.Context, c *matcher.TeamCandidate) error {
	c.Held = make([][]volmatch.Assignment, len(c.Members))
	for k, v := range c.Members {
		held, err := e.holding(ctx, v.ID)
		if err != nil {
			return err
		}
		c.Held[k] = held
	}
	return nil
}

// TeamMatches is a team ranking as shown to a social worker.
type TeamMatches struct {
	Need  *volmatch.Need
	Shift string
	matcher.TeamRanking
}

// TeamMatches ranks the teams for need id (one shift of it, or each
// team's best open shift), with every member gated as a volunteer is; the
// ineligible teams come with the first reason, a member's masked.
func (e *Engine) TeamMatches(ctx context.Context, tok *volmatch.Token, id string, o RankOptions) (TeamMatches, error) {
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil {
		return TeamMatches{}, err
	}
	if o.Shift != "" {
		if _, ok := n.Shift(o.Shift); !ok {
			return TeamMatches{}, volmatch.Errorf(volmatch.ENOTFOUND, "need %s has no shift %q", n.ID, o.Shift)
		}
	}
	r, err := e.rankTeams(ctx, n, nil, o)
	if err != nil {
		return TeamMatches{}, err
	}
	return TeamMatches{Need: n, Shift: o.Shift, TeamRanking: r}, nil
}

// rankTeams ranks teams (every team when nil) for n.
func (e *Engine) rankTeams(ctx context.Context, n *volmatch.Need, teams []*volmatch.Team, o RankOptions) (matcher.TeamRanking, error) {
	if teams == nil {
		var err error
		if teams, err = e.allTeams(ctx, volmatch.TeamFilter{}); err != nil {
			return matcher.TeamRanking{}, err
		}
	}
	cache := map[string]*volmatch.Volunteer{}
	cands := make([]matcher.TeamCandidate, 0, len(teams))
	shifts := matcher.OpenShifts(n, o.Shift)
	for _, t := range teams {
		c, ok, err := e.teamMembers(ctx, t, cache)
		if err == nil && ok && matcher.TeamMayPass(n, shifts, c) {
			// Only a team whose every member passes the other gates of
			// some shift has its members' assignments read (the busy
			// gate): a store scan per member. The others are judged
			// without it, on a gate a member does fail.
			err = e.teamHeld(ctx, &c)
		}
		if err != nil {
			return matcher.TeamRanking{}, fmt.Errorf("rank teams for need %s: %w", n.ID, err)
		}
		if ok {
			cands = append(cands, c)
		}
	}
	return matcher.RankTeams(n, cands, e.scorer(), matcher.RankOptions{K: o.K, Shift: o.Shift, After: e.now()}), nil
}

// TeamInviteRequest asks to invite a team to a shift of a need (Shift may
// be left out when the need has one shift).
type TeamInviteRequest struct {
	Team  string `json:"team"`
	Shift string `json:"shift"`
}

// InviteTeam invites every member of a team to a shift of need id, as
// one: the team must be eligible (every member passing every hard gate,
// the size and roles asked, room for all), and the invitations, one per
// member carrying the team, are written together or not at all.
func (e *Engine) InviteTeam(ctx context.Context, tok *volmatch.Token, id string, req TeamInviteRequest) ([]*volmatch.Invitation, error) {
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil {
		return nil, err
	}
	if err := volmatch.ValidID("team", req.Team); err != nil {
		return nil, err
	}
	if req.Shift == "" && len(n.Shifts) == 1 {
		req.Shift = n.Shifts[0].ID
	}
	if req.Shift == "" {
		return nil, volmatch.FieldError("shift", "is required: the need has %d shifts", len(n.Shifts))
	}
	sh, ok := n.Shift(req.Shift)
	if !ok {
		return nil, volmatch.FieldError("shift", "need %s has no shift %q", n.ID, req.Shift)
	}
	now := e.now()
	if err := shiftBegun(n, sh, now); err != nil {
		return nil, err
	}
	t, err := e.store.Team(ctx, req.Team)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, volmatch.FieldError("team", "no team %q", req.Team)
	} else if err != nil {
		return nil, err
	}
	c, ok, err := e.teamCandidate(ctx, t, map[string]*volmatch.Volunteer{})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate(volmatch.TeamGateSize), "team %s lists a member who is no longer registered", t.ID)
	}
	if m := matcher.EvaluateTeam(n, sh, c, e.scorer()); !m.Eligible {
		return nil, volmatch.FieldError("team", "team %s is not eligible for shift %s: %s", t.ID, sh.ID, m.Detail).WithReason(volmatch.ReasonGate(m.Gate))
	}
	invs := make([]*volmatch.Invitation, len(t.Members))
	for k, v := range t.Members {
		invs[k] = &volmatch.Invitation{ID: NewID("inv"), Need: n.ID, Shift: sh.ID, Volunteer: v, Org: n.Org,
			Status: volmatch.InviteSent, SentAt: now, Team: t.ID}
	}
	if err := e.store.CreateInvitations(ctx, invs); err != nil {
		return nil, teamInviteError(err)
	}
	return invs, nil
}

// teamInviteError renames the store's field "invitations[k]" of a refused
// team invitation to the request's "team", keeping which member in the
// message.
func teamInviteError(err error) error {
	var e *volmatch.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Field, "invitations[") {
		return err
	}
	idx, _, _ := strings.Cut(strings.TrimPrefix(e.Field, "invitations["), "]")
	return &volmatch.Error{Code: e.Code, Field: "team", Reason: e.Reason, Message: "member " + idx + ": " + e.Message}
}

// TeamInvitations returns the sent invitations of the team invitation
// that inv belongs to (same need, shift and team), in member order.
func (e *Engine) teamInvitations(ctx context.Context, inv *volmatch.Invitation, t *volmatch.Team) ([]*volmatch.Invitation, error) {
	byVol := map[string]*volmatch.Invitation{}
	f := volmatch.InvitationFilter{Need: inv.Need, Status: volmatch.InviteSent, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		invs, next, err := e.store.Invitations(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, x := range invs {
			if x.Team == inv.Team && x.Shift == inv.Shift {
				byVol[x.Volunteer] = x
			}
		}
		if next == "" || len(invs) == 0 {
			break
		}
		f.After = next
	}
	out := make([]*volmatch.Invitation, 0, len(t.Members))
	for _, m := range t.Members {
		if x, ok := byVol[m]; ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// AcceptTeam accepts, for the whole team, the team invitation that the
// leader's invitation inviteID belongs to: only the team's leader (or an
// admin) accepts; every member still invited, the team as it is now; each
// member passes every hard gate again; and every member's slot is reserved
// in one store write or none is.
func (e *Engine) AcceptTeam(ctx context.Context, tok *volmatch.Token, inviteID string) ([]*volmatch.Assignment, error) {
	inv, err := e.Invitation(ctx, tok, inviteID)
	if err != nil {
		return nil, err
	}
	if inv.Team == "" {
		return nil, volmatch.Errorf(volmatch.EINVALID, "invitation %s is not a team invitation; accept it alone", inv.ID)
	}
	t, err := e.store.Team(ctx, inv.Team)
	if err != nil {
		return nil, err
	}
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != t.Leader) {
		return nil, forbidden("only the team's leader accepts for team %s", t.ID)
	}
	if inv.Status != volmatch.InviteSent {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "invitation %s is %s", inv.ID, inv.Status)
	}
	invs, err := e.teamInvitations(ctx, inv, t)
	if err != nil {
		return nil, err
	}
	if len(invs) != len(t.Members) {
		var missing []string
		for k, m := range t.Members {
			if !slices.ContainsFunc(invs, func(x *volmatch.Invitation) bool { return x.Volunteer == m }) {
				missing = append(missing, fmt.Sprint(k+1))
			}
		}
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate(volmatch.TeamGateSize),
			"the team comes whole or not at all: member %s no longer holds an open invitation (declined, or joined since the team was invited)", strings.Join(missing, ", "))
	}
	n, err := e.store.Need(ctx, inv.Need)
	if err != nil {
		return nil, err
	}
	if a := n.Team; a != nil && len(invs) < a.Size {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonGate(volmatch.TeamGateSize), "the need asks for %d members; the team has %d", a.Size, len(invs))
	}
	ids := make([]string, len(invs))
	for k, x := range invs {
		if err := e.checkAccept(ctx, x); err != nil {
			return nil, volmatch.AtIndex("members", k, err)
		}
		ids[k] = x.ID
	}
	as, err := e.store.AcceptAll(ctx, ids, e.now())
	if err != nil {
		return nil, renameField(err, "invitations[", "members[")
	}
	return as, nil
}

// renameField renames the prefix of a refusal's field.
func renameField(err error, from, to string) error {
	var e *volmatch.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Field, from) {
		return err
	}
	return &volmatch.Error{Code: e.Code, Field: to + strings.TrimPrefix(e.Field, from), Reason: e.Reason, Message: e.Message}
}

// teamCatalog reads teams as catalogue documents, each placed at its home
// street's centre (geo), so that a team is found by place too.
var teamCatalog = catalogKind{
	one: func(ctx context.Context, st volmatch.Store, id string) (volmatch.CatalogDoc, error) {
		t, err := st.Team(ctx, id)
		if err != nil {
			return volmatch.CatalogDoc{}, err
		}
		return teamDoc(t), nil
	},
	list: func(ctx context.Context, st volmatch.Store, o volmatch.ListOptions) ([]volmatch.CatalogDoc, string, error) {
		ts, next, err := st.Teams(ctx, volmatch.TeamFilter{ListOptions: o})
		if err != nil {
			return nil, "", err
		}
		docs := make([]volmatch.CatalogDoc, len(ts))
		for i, t := range ts {
			docs[i] = teamDoc(t)
		}
		return docs, next, nil
	},
}

func teamDoc(t *volmatch.Team) volmatch.CatalogDoc {
	d := t.CatalogDoc()
	if s, ok := geo.Beijing().Street(t.Street); ok {
		pt := s.Point
		d.Point = &pt
	}
	return d
}
