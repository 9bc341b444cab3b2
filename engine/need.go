package engine

import (
	"context"

	"volmatch"
	"volmatch/geo"
)

// Flow 1: a social worker posts a need. It is validated (shape, skill keys
// of the taxonomy), its supply counted (the volunteers within reach who
// pass every hard gate for some shift), stored with the event need.posted
// (written by the store in the same write), and indexed at once.

// PostNeed stores a new need for tok's organisation (a social worker's need
// takes their organisation) and returns it as stored.
func (e *Engine) PostNeed(ctx context.Context, tok *volmatch.Token, n *volmatch.Need) (*volmatch.Need, error) {
	if tok.Role == volmatch.RoleSocialWorker && n.Org == "" {
		n.Org = tok.Org
	}
	if err := canManageOrg(tok, n.Org); err != nil {
		return nil, err
	}
	now := e.now()
	n.PostedAt, n.UpdatedAt = now, now
	if n.Status == "" {
		n.Status = volmatch.NeedOpen
	}
	if err := e.checkNeedProject(ctx, n, nil); err != nil { // project.go
		return nil, err
	}
	if err := checkedWrite(ctx, e, n, e.prepareNeed, e.store.CreateNeed); err != nil {
		return nil, err
	}
	return n, nil
}

// UpdateNeed replaces need id with n (a status of closed closes it, and the
// store logs need.closed) and returns the stored need.
func (e *Engine) UpdateNeed(ctx context.Context, tok *volmatch.Token, id string, n *volmatch.Need) (*volmatch.Need, error) {
	old, err := e.store.Need(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canManageOrg(tok, old.Org); err != nil {
		return nil, err
	}
	if err := pathIDMatches(&n.ID, old.ID); err != nil {
		return nil, err
	}
	if n.Org == "" {
		n.Org = old.Org
	}
	if err := canManageOrg(tok, n.Org); err != nil {
		return nil, err
	}
	n.PostedAt, n.UpdatedAt = old.PostedAt, e.now()
	if n.Status == "" {
		n.Status = old.Status
	}
	if err := e.checkNeedProject(ctx, n, old); err != nil { // project.go
		return nil, err
	}
	if err := checkedWrite(ctx, e, n, e.prepareNeed, e.store.UpdateNeed); err != nil {
		return nil, err
	}
	e.appendNotices(ctx, needChanges(old, n, n.UpdatedAt)...) // notify.go
	return e.store.Need(ctx, n.ID)
}

// CloseNeed closes need id: no more matches, invitations or accepts; the
// store logs need.closed.
func (e *Engine) CloseNeed(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Need, error) {
	n, err := e.store.Need(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.Status == volmatch.NeedClosed {
		return n, canManageOrg(tok, n.Org)
	}
	n.Status = volmatch.NeedClosed
	return e.UpdateNeed(ctx, tok, id, n)
}

// DeleteNeed deletes need id.
func (e *Engine) DeleteNeed(ctx context.Context, tok *volmatch.Token, id string) error {
	n, err := e.store.Need(ctx, id)
	if err != nil {
		return err
	}
	if err := canManageOrg(tok, n.Org); err != nil {
		return err
	}
	if err := e.store.DeleteNeed(ctx, n.ID); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// Need returns need id as tok may see it.
func (e *Engine) Need(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Need, error) {
	n, err := e.store.Need(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canSeeNeed(tok, n); err != nil {
		return nil, err
	}
	return viewNeed(tok, n), nil
}

// Needs lists needs in tok's scope and returns the ID to list after for the
// next page ("" on the last).
func (e *Engine) Needs(ctx context.Context, tok *volmatch.Token, f volmatch.NeedFilter) ([]*volmatch.Need, string, error) {
	if err := scopeNeeds(tok, &f); err != nil {
		return nil, "", err
	}
	ns, next, err := e.store.Needs(ctx, f)
	if err != nil {
		return nil, "", err
	}
	for i, n := range ns {
		ns[i] = viewNeed(tok, n)
	}
	return ns, next, nil
}

// managedNeed loads need id and checks tok manages it.
func (e *Engine) managedNeed(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Need, error) {
	n, err := e.store.Need(ctx, id)
	if err != nil {
		return nil, err
	}
	return n, canManageOrg(tok, n.Org)
}

// prepareNeed validates n and computes its Supply: the volunteers within
// reach who pass every hard gate for some shift. The need's point must lie
// where it says: in Beijing, inside the boundary of the district it names
// and near the street it names (geo.City.CheckPlace), so that a need is
// never matched, counted or mapped in a place it is not.
func (e *Engine) prepareNeed(ctx context.Context, n *volmatch.Need) error {
	for i := range n.Shifts {
		n.Shifts[i].Filled = 0 // derived: the store counts it
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if err := geo.Beijing().CheckPlace(n.Point, n.District, n.Street); err != nil {
		return err
	}
	if err := n.CheckSkills(e.tax.Has); err != nil {
		return err
	}
	r, err := e.rank(ctx, n, RankOptions{K: 1})
	if err != nil {
		return err
	}
	n.Supply = r.Eligible
	return nil
}

// pathIDMatches sets *id to the path's id when empty and rejects a
// different one.
func pathIDMatches(id *string, path string) error {
	if *id == "" {
		*id = path
		return nil
	}
	if *id != path {
		return volmatch.FieldError("id", "must match the id in the path (%q), got %q", path, *id)
	}
	return nil
}
