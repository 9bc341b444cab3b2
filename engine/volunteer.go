package engine

import (
	"context"

	"volmatch"
)

// Volunteers' records. Derived fields (hours, stars, reliability, load) are
// the store's, never written by clients; the simulation's hidden
// preferences are kept and never shown. A volunteer reads and replaces
// their own record; admins register and delete; social workers read
// volunteers masked unless contact is shared (viewVolunteer).

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
	if err := e.checkVolunteer(v); err != nil {
		return nil, err
	}
	if err := e.store.CreateVolunteer(ctx, v); err != nil {
		return nil, err
	}
	e.synced(ctx)
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
	if err := e.ownFields(ctx, tok, old, v); err != nil { // claims pending, pools derived
		return nil, err
	}
	if err := e.checkVolunteer(v); err != nil {
		return nil, err
	}
	if err := e.store.UpdateVolunteer(ctx, v); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return e.viewVolunteer(ctx, tok, v)
}

func (e *Engine) checkVolunteer(v *volmatch.Volunteer) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return v.CheckSkills(e.tax.Has)
}

// Volunteer returns volunteer id as tok may see it.
func (e *Engine) Volunteer(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Volunteer, error) {
	if err := selfOrStaff(tok, id); err != nil {
		return nil, err
	}
	if tok.Role == volmatch.RolePlanner {
		return nil, forbidden("a planner reads aggregates only")
	}
	v, err := e.storedVolunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.viewVolunteer(ctx, tok, v)
}

// Volunteers lists volunteers as tok may see them (staff only).
func (e *Engine) Volunteers(ctx context.Context, tok *volmatch.Token, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	if tok.Role != volmatch.RoleAdmin && tok.Role != volmatch.RoleSocialWorker {
		return nil, "", forbidden("the %s role may not list volunteers", tok.Role)
	}
	vs, next, err := e.listVolunteers(ctx, f)
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

// DeleteVolunteer deletes volunteer id (admin only).
func (e *Engine) DeleteVolunteer(ctx context.Context, tok *volmatch.Token, id string) error {
	if tok.Role != volmatch.RoleAdmin {
		return forbidden("only an admin deletes volunteers")
	}
	if err := e.store.DeleteVolunteer(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}
