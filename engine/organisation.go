package engine

import (
	"context"

	"volmatch"
)

// Organisations are registered by admins; a social worker's token is
// issued only for a registered one (CreateToken). A social worker reads
// their own organisation.

// CreateOrganisation registers organisation o (admin only); ECONFLICT when
// its ID is taken.
func (e *Engine) CreateOrganisation(ctx context.Context, tok *volmatch.Token, o *volmatch.Organisation) error {
	if err := adminOnly(tok, "organisations"); err != nil {
		return err
	}
	o.CreatedAt = e.now()
	if err := o.Validate(); err != nil {
		return err
	}
	return e.store.CreateOrganisation(ctx, o)
}

// Organisation returns organisation id: to an admin, or to a social worker
// of it.
func (e *Engine) Organisation(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.Organisation, error) {
	if err := canManageOrg(tok, id); err != nil {
		return nil, err
	}
	return e.store.Organisation(ctx, id)
}

// Organisations lists the registered organisations (admin only).
func (e *Engine) Organisations(ctx context.Context, tok *volmatch.Token, o volmatch.ListOptions) ([]*volmatch.Organisation, string, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, "", forbidden("only an admin lists organisations")
	}
	return e.store.Organisations(ctx, o)
}
