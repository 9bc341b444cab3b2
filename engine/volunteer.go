package engine

import (
	"context"
	"fmt"
	"slices"

	"volmatch"
)

// Volunteers' records. Derived fields (hours, stars, reliability, load) are
// the store's, never written by clients; the simulation's hidden
// preferences are kept and never shown. A volunteer reads and replaces
// their own record; admins register and delete; social workers read only
// the volunteers they may browse (canBrowse, browseScope in access.go),
// masked unless contact is shared (viewVolunteer).

// RegisterVolunteer stores a new volunteer (admin only).
func (e *Engine) RegisterVolunteer(ctx context.Context, tok *volmatch.Token, v *volmatch.Volunteer) (*volmatch.Volunteer, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("only an admin registers volunteers")
	}
	v.Stats, v.Hidden, v.UpdatedAt = volmatch.VolunteerStats{}, nil, e.now()
	v.Stats.Reliability = v.Stats.ReliabilityScore()
	if err := e.ownFields(ctx, tok, nil, v); err != nil {
		return nil, err
	}
	if err := checkedWrite(ctx, e, v, e.checkVolunteer, e.store.CreateVolunteer); err != nil {
		return nil, err
	}
	return e.viewVolunteer(ctx, tok, v)
}

// UpdateVolunteer replaces volunteer id's record with v (an admin or the
// volunteer themself); derived fields are kept.
func (e *Engine) UpdateVolunteer(ctx context.Context, tok *volmatch.Token, id string, v *volmatch.Volunteer) (*volmatch.Volunteer, error) {
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != id) {
		return nil, forbidden("a volunteer may only change their own record")
	}
	old, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pathIDMatches(&v.ID, old.ID); err != nil {
		return nil, err
	}
	v.Stats, v.Hidden, v.UpdatedAt = old.Stats, old.Hidden, e.now()
	if tok.Role == volmatch.RoleVolunteer {
		if err := e.ownPlace(old, v); err != nil { // as at registration (register.go)
			return nil, err
		}
	}
	if err := e.ownFields(ctx, tok, old, v); err != nil { // claims pending, pools derived
		return nil, err
	}
	if err := checkedWrite(ctx, e, v, e.checkVolunteer, e.store.UpdateVolunteer); err != nil {
		return nil, err
	}
	return e.viewVolunteer(ctx, tok, v)
}

func (e *Engine) checkVolunteer(_ context.Context, v *volmatch.Volunteer) error {
	if err := v.Validate(); err != nil {
		return err
	}
	if err := v.CheckSkills(e.tax.Has); err != nil {
		return err
	}
	// A claimed skill is checked as a verified one: a key the taxonomy
	// does not hold could never be verified into anything.
	if v.Claims != nil {
		for i, s := range v.Claims.Skills {
			if !e.tax.Has(s.Skill) {
				return volmatch.FieldError(fmt.Sprintf("claims.skills[%d].skill", i), "unknown skill key %q", s.Skill)
			}
		}
	}
	return nil
}

// Volunteer returns volunteer id as tok may see it: EFORBIDDEN unless tok
// may browse it (to a social worker also when it does not exist, so that
// the answer does not tell who is registered).
func (e *Engine) Volunteer(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Volunteer, error) {
	if err := selfOrStaff(tok, id); err != nil {
		return nil, err
	}
	if tok.Role == volmatch.RolePlanner {
		return nil, forbidden("a planner reads aggregates only")
	}
	v, err := e.storedVolunteer(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND && tok.Role == volmatch.RoleSocialWorker {
		return nil, errNotBrowsable(id)
	} else if err != nil {
		return nil, err
	}
	if err := e.canBrowse(ctx, tok, v); err != nil {
		return nil, err
	}
	return e.viewVolunteer(ctx, tok, v)
}

// Volunteers lists volunteers as tok may see them (staff only) and returns
// the ID to list after for the next page ("" on the last). An admin lists
// every volunteer; a social worker only those they may browse (see "Who may
// browse whom"), selected before paging, so that a page is full whenever
// more follow, and never by street (it is dropped from their view of most
// volunteers).
func (e *Engine) Volunteers(ctx context.Context, tok *volmatch.Token, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	var (
		vs   []*volmatch.Volunteer
		next string
		err  error
	)
	switch tok.Role {
	case volmatch.RoleAdmin:
		vs, next, err = e.listVolunteers(ctx, f)
	case volmatch.RoleSocialWorker:
		vs, next, err = e.browseVolunteers(ctx, tok, f)
	default:
		return nil, "", forbidden("the %s role may not list volunteers", tok.Role)
	}
	if err != nil {
		return nil, "", err
	}
	for i, v := range vs {
		if vs[i], err = e.viewVolunteer(ctx, tok, v); err != nil {
			return nil, "", err
		}
	}
	return vs, next, nil
}

// maxListPage is the largest page of a social worker's volunteer listing
// (one less than the text index's largest page: one more hit tells whether
// a next page exists).
const maxListPage = 999

// browseVolunteers lists the volunteers f selects that social worker tok
// may browse, with their pools derived. Without a pool it is the text
// index's listing by ID narrowed to tok's browse scope; with one, the
// pool's members (its record decides) in the scope.
func (e *Engine) browseVolunteers(ctx context.Context, tok *volmatch.Token, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	if f.Street != "" {
		return nil, "", forbidden("a social worker may not filter volunteers by street: it is not in their view of most volunteers (filter by district)")
	}
	scope, err := e.browseScope(ctx, tok)
	if err != nil {
		return nil, "", err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100 // the stores' default page
	}
	limit = min(limit, maxListPage)
	var (
		vs   []*volmatch.Volunteer
		next string
	)
	if f.Pool != "" {
		vs, next, err = e.browsePool(ctx, scope, f, limit)
	} else {
		vs, next, err = e.browseIndex(ctx, scope, f, limit)
	}
	if err != nil {
		return nil, "", err
	}
	return vs, next, e.withPools(ctx, vs...)
}

// browseIndex pages the text index's volunteers in scope that pass f (no
// pool: the index does not hold pools).
func (e *Engine) browseIndex(ctx context.Context, scope *volmatch.VolunteerScope, f volmatch.VolunteerFilter, limit int) ([]*volmatch.Volunteer, string, error) {
	if e.search == nil {
		return nil, "", volmatch.Errorf(volmatch.EUNAVAILABLE, "search is not configured")
	}
	res, err := e.search.Search(ctx, volmatch.SearchQuery{
		Kind: volmatch.ChangeVolunteer, District: f.District, Skill: f.Skill,
		Volunteers: scope, After: f.After, Limit: limit + 1,
	})
	if err != nil {
		return nil, "", err
	}
	hits, next := res.Hits, ""
	if len(hits) > limit {
		hits = hits[:limit]
		next = hits[limit-1].ID
	}
	vs := make([]*volmatch.Volunteer, 0, len(hits))
	for _, h := range hits {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		v, err := e.store.Volunteer(ctx, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			continue // deleted since it was indexed
		} else if err != nil {
			return nil, "", err
		}
		vs = append(vs, v)
	}
	return vs, next, nil
}

// browsePool pages the members of pool f.Pool in scope that pass the rest
// of f, in ID order from f.After: a member the scope lists is shown, any
// other only when the scope lets findable volunteers be found and they are.
func (e *Engine) browsePool(ctx context.Context, scope *volmatch.VolunteerScope, f volmatch.VolunteerFilter, limit int) ([]*volmatch.Volunteer, string, error) {
	return e.pagePool(ctx, f, limit, func(id string) (bool, bool) {
		_, listed := slices.BinarySearch(scope.IDs, id)
		return listed || scope.Findable, !listed
	})
}

// DeleteVolunteer deletes volunteer id, for an admin or the volunteer
// themself (their right to erasure under PIPL): it cancels the slots they
// hold in shifts ahead, deletes the record and revokes every token scoped
// to them (bearer tokens, sign-in codes, sessions), so that a deleted
// volunteer's session ends at once. Their assignments, invitations and
// events stay, keyed by the volunteer number alone (the record of service,
// 谁组织谁记录; see erase.go). ENOTFOUND when there is no such volunteer.
func (e *Engine) DeleteVolunteer(ctx context.Context, tok *volmatch.Token, id string) error {
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != id) {
		return forbidden("only an admin or the volunteer themself deletes a volunteer")
	}
	if _, err := e.store.Volunteer(ctx, id); err != nil {
		return err
	}
	if err := e.releaseUpcoming(ctx, id); err != nil {
		return err
	}
	if err := e.releaseSeats(ctx, id); err != nil { // training.go
		return err
	}
	if err := e.store.DeleteVolunteer(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return e.revokeScoped(ctx, id)
}
