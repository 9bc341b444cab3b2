package engine

import (
	"context"

	"volmatch"
)

// Who may see and change what. The roles: admin may do everything; a
// social worker is scoped to an organisation (its needs, invitations and
// assignments), reads volunteers masked; a volunteer is scoped to themself;
// a planner reads aggregates only.

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

// viewVolunteer returns v as tok may see it: whole to admins and to the
// volunteer themself, with contact details to a social worker whose
// organisation's invitation v accepted with consent to share them, masked
// otherwise. Hidden preferences are never shown.
func (e *Engine) viewVolunteer(ctx context.Context, tok *volmatch.Token, v *volmatch.Volunteer) (*volmatch.Volunteer, error) {
	whole := func() *volmatch.Volunteer {
		c := *v
		c.Hidden = nil
		return &c
	}
	switch tok.Role {
	case volmatch.RoleAdmin:
		return whole(), nil
	case volmatch.RoleVolunteer:
		if tok.Volunteer == v.ID {
			return whole(), nil
		}
	case volmatch.RoleSocialWorker:
		if !v.Consent.ShareContact {
			break
		}
		invs, _, err := e.store.Invitations(ctx, volmatch.InvitationFilter{
			Volunteer: v.ID, Org: tok.Org, Status: volmatch.InviteAccepted, ListOptions: volmatch.ListOptions{Limit: 1},
		})
		if err != nil {
			return nil, err
		}
		if len(invs) > 0 {
			return whole(), nil
		}
	}
	return v.Masked(), nil
}
