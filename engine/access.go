package engine

import (
	"context"
	"slices"
	"sync"
	"time"

	"volmatch"
	"volmatch/matcher"
)

// Who may see and change what. The roles: admin may do everything; a
// social worker is scoped to an organisation (its needs, invitations and
// assignments), reads volunteers masked; a volunteer is scoped to themself;
// a planner reads aggregates only.
//
// # Who may browse whom
//
// Volunteers' records are read by one rule on every path that shows them
// (the listing, a volunteer search, one volunteer by ID; and any transport):
//
//   - an admin: every volunteer, whole;
//   - a volunteer: themself, whole; no listing, no volunteer search;
//   - a planner: nobody (aggregates only);
//   - a social worker of organisation O: only the volunteers who
//     (a) are candidates for one of O's open needs: they pass every hard gate
//     (skill, certificate, training, insurance, language, distance from
//     the masked home, weekly availability; not the busy gate, which
//     reads other organisations' assignments) of a shift of an open need
//     of O that is not full and has not begun, as the ranker checks them;
//     (b) had an invitation from O or an assignment with O (any status);
//     (c) or opted into being found by every organisation
//     (Consent.Findable).
//     Anyone else is EFORBIDDEN by ID (so is a missing ID: the answer does
//     not tell who is registered) and left out of listings and searches,
//     their totals included (the scope narrows the index query itself).
//     The scope (a and b; c is the volunteer's own flag, read live) is
//     computed once per organisation and kept while the indexes apply no
//     store change, for at most browseTTL: a shift that begins stops
//     counting within a minute, and a volunteer invited by override who
//     is no candidate joins within a minute (invitations are not in the
//     change feed).
//
// What a social worker sees of a volunteer they may browse: the whole
// record (Hidden aside) when the volunteer accepted O's invitation and
// consented to share contact details; the masked view (volmatch.Volunteer.
// Masked: name and phone masked, home coarse, no bio) when they accepted
// without that consent; otherwise the masked view without birth year,
// gender and street (the district stays).
//
// What a social worker may search, filter and sort volunteers on is what
// they may read of every volunteer they browse: the public text (the
// names of skills, domains, trainings, languages and certificates),
// district, domain, skill, pool and the coarse home (the text index holds
// only that point). Never the bio (a separate index field that only an
// admin's search reads), never the street (a listing filtered by street is
// EFORBIDDEN to a social worker).

func forbidden(format string, args ...any) error {
	return volmatch.Errorf(volmatch.EFORBIDDEN, format, args...)
}

// canManageOrg reports an EFORBIDDEN error unless tok may manage records of
// org (needs, invitations, assignments): admins always, social workers for
// their own organisation.
func canManageOrg(tok *volmatch.Token, org string) error {
	switch {
	case tok.Role == volmatch.RoleAdmin:
		return nil
	case tok.Role == volmatch.RoleSocialWorker && tok.Org == org:
		return nil
	}
	return forbidden("this record belongs to another organisation")
}

// canSeeNeed reports an EFORBIDDEN error unless tok may read need n: a
// social worker reads only their own organisation's needs; the other roles
// read any (volunteers choose work from them, planners count them).
func canSeeNeed(tok *volmatch.Token, n *volmatch.Need) error {
	if tok.Role == volmatch.RoleSocialWorker && tok.Org != n.Org {
		return forbidden("this need belongs to another organisation")
	}
	return nil
}

// viewNeed returns n as tok may see it: the recipient's preferences (about
// a resident: gender, age, notes) only to those who manage the need.
func viewNeed(tok *volmatch.Token, n *volmatch.Need) *volmatch.Need {
	if n.Recipient == nil || canManageOrg(tok, n.Org) == nil {
		return n
	}
	c := *n
	c.Recipient = nil
	return &c
}

// scopeNeeds narrows a need listing to tok's scope: a social worker lists
// their own organisation (another one asked for is EFORBIDDEN).
func scopeNeeds(tok *volmatch.Token, f *volmatch.NeedFilter) error {
	if tok.Role != volmatch.RoleSocialWorker {
		return nil
	}
	if f.Org != "" && f.Org != tok.Org {
		return forbidden("a social worker sees only their own organisation's needs")
	}
	f.Org = tok.Org
	return nil
}

// canActOn reports an EFORBIDDEN error unless tok may act on a record of
// volunteer vol owned by org: the organisation's staff or the volunteer
// themself.
func canActOn(tok *volmatch.Token, org, vol string) error {
	if tok.Role == volmatch.RoleVolunteer {
		if tok.Volunteer == vol {
			return nil
		}
		return forbidden("this record belongs to another volunteer")
	}
	return canManageOrg(tok, org)
}

// scope narrows org and volunteer filters to the caller's scope: a social
// worker sees their organisation, a volunteer themself.
func scope(tok *volmatch.Token, org, vol *string) error {
	switch tok.Role {
	case volmatch.RoleSocialWorker:
		if *org != "" && *org != tok.Org {
			return forbidden("a social worker sees only their own organisation")
		}
		*org = tok.Org
	case volmatch.RoleVolunteer:
		if *vol != "" && *vol != tok.Volunteer {
			return forbidden("a volunteer sees only their own records")
		}
		*vol = tok.Volunteer
	}
	return nil
}

// selfOrStaff refuses a volunteer token acting on another volunteer's record.
func selfOrStaff(tok *volmatch.Token, id string) error {
	if tok.Role == volmatch.RoleVolunteer && tok.Volunteer != id {
		return forbidden("a volunteer may only see their own record")
	}
	return nil
}

// viewVolunteer returns v as tok may see it (see "Who may browse whom"):
// whole to admins and to the volunteer themself; to a social worker whole
// when v accepted their organisation's invitation (or signed up from the
// menu for its service) and consents to share contact details, masked
// when v accepted without that consent, masked without birth year, gender
// and street otherwise. Hidden preferences are
// never shown. It does not check that tok may browse v (canBrowse).
func (e *Engine) viewVolunteer(ctx context.Context, tok *volmatch.Token, v *volmatch.Volunteer) (*volmatch.Volunteer, error) {
	whole := func() *volmatch.Volunteer {
		c := *v
		c.Hidden = nil
		return &c
	}
	accepted := false
	switch tok.Role {
	case volmatch.RoleAdmin:
		return whole(), nil
	case volmatch.RoleVolunteer:
		if tok.Volunteer == v.ID {
			return whole(), nil
		}
	case volmatch.RoleSocialWorker:
		invs, _, err := e.store.Invitations(ctx, volmatch.InvitationFilter{
			Volunteer: v.ID, Org: tok.Org, Status: volmatch.InviteAccepted, ListOptions: volmatch.ListOptions{Limit: 1},
		})
		if err != nil {
			return nil, err
		}
		accepted = len(invs) > 0
		if !accepted {
			// A sign-up from the menu is the volunteer's own acceptance
			// of the organisation's service, as an accepted invitation
			// is; a slot the organisation filled by batch is not.
			if accepted, err = e.signedUpWith(ctx, v.ID, tok.Org); err != nil {
				return nil, err
			}
		}
		if accepted && v.Consent.ShareContact {
			return whole(), nil
		}
	}
	m := v.Masked()
	if !accepted {
		m.BirthYear, m.Gender, m.Street = 0, "", ""
	}
	return m, nil
}

// signedUpWith reports whether volunteer id signed up from the menu for a
// shift of org's (the slot taken, whatever became of it since).
func (e *Engine) signedUpWith(ctx context.Context, id, org string) (bool, error) {
	f := volmatch.AssignmentFilter{Volunteer: id, Org: org, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		as, next, err := e.store.Assignments(ctx, f)
		if err != nil {
			return false, err
		}
		for _, a := range as {
			if a.Origin == volmatch.OriginSignUp {
				return true, nil
			}
		}
		if next == "" || len(as) == 0 {
			return false, nil
		}
		f.After = next
	}
}

// canBrowse reports an EFORBIDDEN error unless tok may read volunteer v
// (see "Who may browse whom"). A social worker is checked against the same
// scope that narrows their listings and searches (browseScope).
func (e *Engine) canBrowse(ctx context.Context, tok *volmatch.Token, v *volmatch.Volunteer) error {
	switch tok.Role {
	case volmatch.RoleAdmin:
		return nil
	case volmatch.RoleVolunteer:
		if tok.Volunteer == v.ID {
			return nil
		}
		return forbidden("a volunteer may only see their own record")
	case volmatch.RoleSocialWorker:
	default:
		return forbidden("the %s role may not read volunteers", tok.Role)
	}
	if v.Consent.Findable {
		return nil
	}
	s, err := e.browseScope(ctx, tok)
	if err != nil {
		return err
	}
	if _, ok := slices.BinarySearch(s.IDs, v.ID); ok {
		return nil
	}
	return errNotBrowsable(v.ID)
}

// errNotBrowsable is the answer to a social worker about a volunteer they
// may not browse, or one that does not exist: the same for both.
func errNotBrowsable(id string) error {
	return forbidden("volunteer %s is not one your organisation may browse: not a candidate for its open needs, never invited or assigned by it, not findable", id)
}

// browseScope returns the volunteers tok may list, search and read: nil
// for every volunteer (an admin), else the scope of a social worker's
// organisation (IDs sorted; the caller must not change them);
// EFORBIDDEN for the other roles.
func (e *Engine) browseScope(ctx context.Context, tok *volmatch.Token) (*volmatch.VolunteerScope, error) {
	switch tok.Role {
	case volmatch.RoleAdmin:
		return nil, nil
	case volmatch.RoleSocialWorker:
	default:
		return nil, forbidden("the %s role may not list or search volunteers", tok.Role)
	}
	seq, now := e.follower.Seq(), e.now()
	if s := e.browse.get(tok.Org, seq, now); s != nil {
		return s, nil
	}
	s, err := e.orgScope(ctx, tok.Org)
	if err != nil {
		return nil, err
	}
	e.browse.put(tok.Org, seq, now, s)
	return s, nil
}

// browseTTL is how long an organisation's browse scope is kept while the
// indexes apply no change: its shifts beginning are the one thing that
// changes it without a change of the store.
const browseTTL = time.Minute

// browseCache keeps each organisation's browse scope for the store change
// the indexes had applied when it was computed: any later change (a need,
// a volunteer, an invitation) or browseTTL computes it again. A scope of
// an organisation with 28 open needs over 100,000 volunteers costs tens of
// milliseconds (BenchmarkBrowse).
type browseCache struct {
	mu sync.Mutex
	m  map[string]browseEntry
}

type browseEntry struct {
	seq   uint64
	at    time.Time
	scope *volmatch.VolunteerScope
}

func (c *browseCache) get(org string, seq uint64, now time.Time) *volmatch.VolunteerScope {
	c.mu.Lock()
	defer c.mu.Unlock()
	en, ok := c.m[org]
	if !ok || en.seq != seq || now.Before(en.at) || now.Sub(en.at) >= browseTTL {
		return nil
	}
	return en.scope
}

func (c *browseCache) put(org string, seq uint64, now time.Time, s *volmatch.VolunteerScope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]browseEntry{}
	}
	c.m[org] = browseEntry{seq: seq, at: now, scope: s}
}

// orgScope computes the browse scope of org's social workers.
func (e *Engine) orgScope(ctx context.Context, org string) (*volmatch.VolunteerScope, error) {
	ids := map[string]struct{}{}
	if err := e.addRelated(ctx, org, ids); err != nil {
		return nil, err
	}
	needs, err := e.orgOpenNeeds(ctx, org)
	if err != nil {
		return nil, err
	}
	for _, n := range needs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		shifts := e.browseShifts(n)
		if len(shifts) == 0 {
			continue
		}
		p := e.scorer().Prepare(n, shifts)
		e.grid.Prune(n, shifts, func(v *volmatch.Volunteer) {
			if _, ok := ids[v.ID]; ok {
				return
			}
			for i := range shifts {
				if p.Gate(v, i) == "" {
					ids[v.ID] = struct{}{}
					return
				}
			}
		})
	}
	s := &volmatch.VolunteerScope{Findable: true, IDs: make([]string, 0, len(ids))}
	for id := range ids {
		s.IDs = append(s.IDs, id)
	}
	slices.Sort(s.IDs)
	return s, nil
}

// browseShifts returns the shifts of n whose candidates its organisation
// may browse: not full and not begun.
func (e *Engine) browseShifts(n *volmatch.Need) []volmatch.Shift {
	now := e.now()
	return slices.DeleteFunc(matcher.OpenShifts(n, ""), func(s volmatch.Shift) bool { return !s.Start.After(now) })
}

// orgOpenNeeds returns org's open needs.
func (e *Engine) orgOpenNeeds(ctx context.Context, org string) ([]*volmatch.Need, error) {
	var out []*volmatch.Need
	f := volmatch.NeedFilter{Org: org, Status: volmatch.NeedOpen, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		ns, next, err := e.store.Needs(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
		if next == "" || len(ns) == 0 {
			return out, nil
		}
		f.After = next
	}
}

// addRelated adds to ids every volunteer invited by org or assigned with it.
func (e *Engine) addRelated(ctx context.Context, org string, ids map[string]struct{}) error {
	fi := volmatch.InvitationFilter{Org: org, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		invs, next, err := e.store.Invitations(ctx, fi)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			ids[inv.Volunteer] = struct{}{}
		}
		if next == "" || len(invs) == 0 {
			break
		}
		fi.After = next
	}
	fa := volmatch.AssignmentFilter{Org: org, ListOptions: volmatch.ListOptions{Limit: 1000}}
	for {
		as, next, err := e.store.Assignments(ctx, fa)
		if err != nil {
			return err
		}
		for _, a := range as {
			ids[a.Volunteer] = struct{}{}
		}
		if next == "" || len(as) == 0 {
			return nil
		}
		fa.After = next
	}
}
