package volmatch

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Teams (志愿服务团队, §10 of the Beijing measures): volunteers who serve
// together, with a leader, an organisation and a home street. Some are
// standing emergency teams (应急队伍) of a tier, city, district or street
// (§7), which emergency dispatch reaches first.
//
// A need may ask for a team (Need.Team): its shifts are then filled by
// whole teams only. A team is matched with the same hard gates applied to
// each member; one member failing one makes the team ineligible, with that
// member's reason (masked). A team is invited as one (an invitation per
// member, each carrying the team's ID) and accepts as one: its leader
// accepts, and every member's slot is reserved in one store write or none
// is (TeamStore.AcceptAll).

// TeamTier is the tier of a standing emergency team (§7).
type TeamTier string

// Team tiers, from the nearest to the widest.
const (
	TierStreet   TeamTier = "street"   // 街道/乡镇
	TierDistrict TeamTier = "district" // 区
	TierCity     TeamTier = "city"     // 市
)

// TierOrder is the order in which emergency dispatch reaches standing
// teams: street, then district, then city (§7).
var TierOrder = []TeamTier{TierStreet, TierDistrict, TierCity}

// Limits of a team.
const (
	// MinTeamMembers is the fewest members of a team (a leader and one
	// more).
	MinTeamMembers = 2
	// MaxTeamMembers bounds a team's members: a team accepts in one store
	// write, which takes at most MaxReserve reservations.
	MaxTeamMembers = 200
)

// ChangeTeam is the change kind of a team (the catalogue index follows it).
const ChangeTeam ChangeKind = "team"

// Team is a volunteer service team. Members are volunteer IDs, the
// leader's among them; membership is the team record's, written by its
// organisation's staff or an admin, never by a volunteer.
type Team struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Org         string   `json:"org"`
	Leader      string   `json:"leader"`
	Members     []string `json:"members"`
	District    string   `json:"district"`
	Street      string   `json:"street"` // the home street (街道)
	Domain      string   `json:"domain,omitempty"`
	Description string   `json:"description,omitempty"`
	// Emergency marks a standing emergency team (应急队伍) of Tier.
	Emergency bool      `json:"emergency,omitempty"`
	Tier      TeamTier  `json:"tier,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the fields a client writes.
func (t *Team) Validate() error {
	if err := validID("id", t.ID); err != nil {
		return err
	}
	if strings.TrimSpace(t.Name) == "" {
		return FieldError("name", "is required")
	}
	if err := validID("org", t.Org); err != nil {
		return err
	}
	if err := checkLens(
		textField{"name", t.Name, MaxNameLen},
		textField{"district", t.District, MaxCodeLen},
		textField{"street", t.Street, MaxCodeLen},
		textField{"domain", t.Domain, MaxCodeLen},
		textField{"description", t.Description, MaxDescriptionLen},
	); err != nil {
		return err
	}
	if strings.TrimSpace(t.Street) == "" {
		return FieldError("street", "is required: a team has a home street")
	}
	if len(t.Members) < MinTeamMembers {
		return FieldError("members", "a team has at least %d members, got %d", MinTeamMembers, len(t.Members))
	}
	seen := make(map[string]bool, len(t.Members))
	if err := eachItem("members", t.Members, MaxTeamMembers, func(f, m string) error {
		if err := validID(f, m); err != nil {
			return err
		}
		if seen[m] {
			return FieldError(f, "volunteer %q is listed twice", m)
		}
		seen[m] = true
		return nil
	}); err != nil {
		return err
	}
	if err := validID("leader", t.Leader); err != nil {
		return err
	}
	if !seen[t.Leader] {
		return FieldError("leader", "must be one of the members, got %q", t.Leader)
	}
	if t.Emergency {
		return checkEnum("tier", t.Tier, true, TierStreet, TierDistrict, TierCity)
	}
	if t.Tier != "" {
		return FieldError("tier", "is for standing emergency teams only (emergency: true)")
	}
	return nil
}

// Has reports whether volunteer id is a member.
func (t *Team) Has(id string) bool { return slices.Contains(t.Members, id) }

// Stamp sets UpdatedAt (see Record).
func (t *Team) Stamp(now time.Time, m WriteMode) { stampUpdated(&t.UpdatedAt, now, m) }

func (t *Team) clone() *Team { c := *t; c.Members = slices.Clone(t.Members); return &c }

// TeamAsk is what a need asks of a team (Need.Team): at least Size members
// who come together, with Roles among them (for example one first-aider).
// The need's Requires are gates each member passes; Roles are what the
// team as a whole holds.
type TeamAsk struct {
	Size  int        `json:"size"`
	Roles []TeamRole `json:"roles,omitempty"`
}

// TeamRole asks for at least Count members holding Skill at Level or more,
// or Certificate valid on the shift (one of the two).
type TeamRole struct {
	Skill       string `json:"skill,omitempty"`
	Level       int    `json:"level,omitempty"`
	Certificate string `json:"certificate,omitempty"`
	Count       int    `json:"count"`
}

// Validate checks the ask of need n: a size of 2 to MaxTeamMembers that
// every shift has slots for, and roles each naming a skill or a
// certificate and a count within the size.
func (a *TeamAsk) Validate(n *Need) error {
	if n.Mode != ModeConcentrated {
		return FieldError("team", "a team comes together: a need that asks for a team is concentrated (集中服务), got %s", n.Mode)
	}
	if a.Size < MinTeamMembers || a.Size > MaxTeamMembers {
		return FieldError("team.size", "must be %d to %d, got %d", MinTeamMembers, MaxTeamMembers, a.Size)
	}
	for i, s := range n.Shifts {
		if s.Slots < a.Size {
			return FieldError(fieldIndex("shifts", i)+".slots", "a team need's shift has slots for a whole team of %d, got %d", a.Size, s.Slots)
		}
	}
	return eachItem("team.roles", a.Roles, 10, func(f string, r TeamRole) error {
		if (r.Skill == "") == (r.Certificate == "") {
			return FieldError(f, "names a skill or a certificate (one of the two)")
		}
		if err := checkLens(textField{f + ".skill", r.Skill, MaxCodeLen}, textField{f + ".certificate", r.Certificate, MaxCodeLen}); err != nil {
			return err
		}
		if r.Skill != "" && (r.Level < 0 || r.Level > 3) {
			return FieldError(f+".level", "must be 0 to 3, got %d", r.Level)
		}
		if r.Skill == "" && r.Level != 0 {
			return FieldError(f+".level", "is for a skill")
		}
		if r.Count < 1 || r.Count > a.Size {
			return FieldError(f+".count", "must be 1 to the team's size %d, got %d", a.Size, r.Count)
		}
		return nil
	})
}

// TeamFilter selects teams in a listing; empty fields match all.
type TeamFilter struct {
	ListOptions
	Org    string
	Member string
	// Emergency keeps only standing emergency teams.
	Emergency bool
}

// Match reports whether t passes the filter's field conditions.
func (f TeamFilter) Match(t *Team) bool {
	return (f.Org == "" || t.Org == f.Org) && (f.Member == "" || t.Has(f.Member)) && (!f.Emergency || t.Emergency)
}

// TeamStore keeps teams and accepts a team's invitations as one.
type TeamStore interface {
	// CreateTeam stores a new team; EINVALID if it fails Validate,
	// ECONFLICT if the ID exists.
	CreateTeam(ctx context.Context, t *Team) error
	// UpdateTeam replaces a team; ENOTFOUND if missing.
	UpdateTeam(ctx context.Context, t *Team) error
	// PutTeams creates or replaces all of ts in one transaction (import).
	PutTeams(ctx context.Context, ts []*Team) error
	// Team returns one team; ENOTFOUND if missing.
	Team(ctx context.Context, id string) (*Team, error)
	// DeleteTeam removes a team; ENOTFOUND if missing.
	DeleteTeam(ctx context.Context, id string) error
	// Teams lists in ID order; the second result is the next cursor.
	Teams(ctx context.Context, f TeamFilter) ([]*Team, string, error)
	// AcceptAll accepts every invitation of ids, reserving each one's slot
	// as Accept does, in one write, each counting the ones before it, or
	// none: ENOTFOUND for a missing invitation, ECONFLICT when one is not
	// sent or a reservation clashes (a full shift, an overlapping shift),
	// naming it (field "invitations[k]"). At most MaxTeamMembers ids.
	AcceptAll(ctx context.Context, ids []string, at time.Time) ([]*Assignment, error)
}

// CheckAcceptAll refuses an AcceptAll of no invitation, of more than
// MaxTeamMembers, or of one twice.
func CheckAcceptAll(ids []string) error {
	if len(ids) == 0 {
		return FieldError("invitations", "at least one invitation is required")
	}
	if err := checkCount("invitations", len(ids), MaxTeamMembers); err != nil {
		return err
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return FieldError(fieldIndex("invitations", i), "invitation %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// Team gates: what excludes a team as a whole, beside a member's hard
// gate (scoring's names, with the member named).
const (
	TeamGateSize  = "team_size"  // fewer members than the need asks
	TeamGateSlots = "team_slots" // more members than the shift has free slots
	TeamGateRole  = "team_role"  // too few members hold a role the need asks
)

// TeamMatch is a team ranked for a need's shift. Score is the mean of its
// members' scores and Breakdown the mean of their breakdowns; DistanceKm
// the farthest member's (masked homes). An ineligible team carries the
// first reason (Gate) and, for a member's gate, the member's masked name
// (Member, MaskName) and position in the team (MemberIndex, 1-based).
type TeamMatch struct {
	Team        string      `json:"team"`
	Name        string      `json:"name"`
	Need        string      `json:"need"`
	Shift       string      `json:"shift"`
	Rank        int         `json:"rank,omitempty"`
	Members     int         `json:"members"`
	Score       float64     `json:"score"`
	DistanceKm  float64     `json:"distance_km"`
	Breakdown   []Component `json:"breakdown,omitempty"`
	Eligible    bool        `json:"eligible"`
	Gate        string      `json:"gate,omitempty"`
	Member      string      `json:"member,omitempty"`
	MemberIndex int         `json:"member_index,omitempty"`
	Detail      string      `json:"detail,omitempty"`
	Emergency   bool        `json:"emergency,omitempty"`
	Tier        TeamTier    `json:"tier,omitempty"`
}

// TierNames are the Chinese names of the tiers, searchable with a team.
var TierNames = map[TeamTier]string{TierStreet: "街道级", TierDistrict: "区级", TierCity: "市级"}

// CatalogDoc returns what search sees of the team: its name, description,
// domain, home district and street and member count, never who the
// members are. A team is found by its organisation's staff and admins
// only (Restricted): other organisations meet teams through a need's team
// matches. The caller sets Point (the home street's centre).
func (t *Team) CatalogDoc() CatalogDoc {
	text := t.Description
	if t.Emergency {
		text = strings.TrimSpace(text + " 应急队伍 " + TierNames[t.Tier])
	}
	return CatalogDoc{Kind: ChangeTeam, ID: t.ID, Org: t.Org, Restricted: true, Name: t.Name, Text: text,
		District: t.District, Street: t.Street, Domain: t.Domain, Count: len(t.Members)}
}
