package engine

import (
	"context"
	"fmt"
	"time"

	"volmatch"
)

// Talent pools (分领域专业志愿者人员库) and service stations (站点) are written
// by admins. A pool's members are the one source of membership (a
// volunteer's Pools are derived from them, see verify.go), and a member
// must be a registered volunteer. Pools are read by staff only (their
// members are people); stations, public places, by every role.

func adminOnly(tok *volmatch.Token, what string) error {
	if tok.Role != volmatch.RoleAdmin {
		return forbidden("only an admin writes %s", what)
	}
	return nil
}

func staffOnly(tok *volmatch.Token, what string) error {
	if tok.Role != volmatch.RoleAdmin && tok.Role != volmatch.RoleSocialWorker {
		return forbidden("the %s role may not read %s", tok.Role, what)
	}
	return nil
}

// SavePool creates pool p, or replaces pool id with it when id is not "".
func (e *Engine) SavePool(ctx context.Context, tok *volmatch.Token, id string, p *volmatch.TalentPool) error {
	return e.adminWrite(ctx, tok, "talent pools", func() error {
		if err := e.stamp(id, &p.ID, &p.UpdatedAt, p.Validate); err != nil {
			return err
		}
		if !e.tax.Has(p.Domain) {
			return volmatch.FieldError("domain", "unknown domain key %q", p.Domain)
		}
		if err := e.checkMembers(ctx, id, p); err != nil {
			return err
		}
		return createOrUpdate(ctx, id, p, e.store.CreatePool, e.store.UpdatePool)
	})
}

// Pool returns talent pool id.
func (e *Engine) Pool(ctx context.Context, tok *volmatch.Token, id string) (*volmatch.TalentPool, error) {
	if err := staffOnly(tok, "talent pools"); err != nil {
		return nil, err
	}
	return e.store.Pool(ctx, id)
}

// Pools lists talent pools.
func (e *Engine) Pools(ctx context.Context, tok *volmatch.Token, o volmatch.ListOptions) ([]*volmatch.TalentPool, string, error) {
	if err := staffOnly(tok, "talent pools"); err != nil {
		return nil, "", err
	}
	return e.store.Pools(ctx, o)
}

// DeletePool deletes talent pool id.
func (e *Engine) DeletePool(ctx context.Context, tok *volmatch.Token, id string) error {
	return e.adminWrite(ctx, tok, "talent pools", func() error { return e.store.DeletePool(ctx, id) })
}

// SaveStation creates station st, or replaces station id with it when id
// is not "".
func (e *Engine) SaveStation(ctx context.Context, tok *volmatch.Token, id string, st *volmatch.Station) error {
	return e.adminWrite(ctx, tok, "stations", func() error {
		if err := e.stamp(id, &st.ID, &st.UpdatedAt, st.Validate); err != nil {
			return err
		}
		return createOrUpdate(ctx, id, st, e.store.CreateStation, e.store.UpdateStation)
	})
}

// Station returns station id.
func (e *Engine) Station(ctx context.Context, _ *volmatch.Token, id string) (*volmatch.Station, error) {
	return e.store.Station(ctx, id)
}

// Stations lists stations.
func (e *Engine) Stations(ctx context.Context, _ *volmatch.Token, o volmatch.ListOptions) ([]*volmatch.Station, string, error) {
	return e.store.Stations(ctx, o)
}

// DeleteStation deletes station id.
func (e *Engine) DeleteStation(ctx context.Context, tok *volmatch.Token, id string) error {
	return e.adminWrite(ctx, tok, "stations", func() error { return e.store.DeleteStation(ctx, id) })
}

// adminWrite runs write, an admin's write of what (pools, stations), and
// then catches the indexes up.
func (e *Engine) adminWrite(ctx context.Context, tok *volmatch.Token, what string, write func() error) error {
	if err := adminOnly(tok, what); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// stamp readies a record to be written: when replacing record id, its ID
// must be id (or empty, then set); its UpdatedAt is the engine's now; then
// it must validate.
func (e *Engine) stamp(id string, recID *string, updatedAt *time.Time, validate func() error) error {
	if id != "" {
		if err := pathIDMatches(recID, id); err != nil {
			return err
		}
	}
	*updatedAt = e.now()
	return validate()
}

// createOrUpdate creates rec when id is "" and replaces record id with it
// otherwise.
func createOrUpdate[T any](ctx context.Context, id string, rec T, create, update func(context.Context, T) error) error {
	if id == "" {
		return create(ctx, rec)
	}
	return update(ctx, rec)
}

// checkMembers refuses a member of p who is not a registered volunteer
// (EINVALID naming members[i]); members pool id (when replacing it)
// already lists are not read again.
func (e *Engine) checkMembers(ctx context.Context, id string, p *volmatch.TalentPool) error {
	known := map[string]bool{}
	if id != "" {
		old, err := e.store.Pool(ctx, id)
		if err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			return err
		}
		if old != nil {
			for _, m := range old.Members {
				known[m] = true
			}
		}
	}
	for i, m := range p.Members {
		if known[m] {
			continue
		}
		if _, err := e.store.Volunteer(ctx, m); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return volmatch.FieldError(fmt.Sprintf("members[%d]", i), "no volunteer %q", m)
		} else if err != nil {
			return err
		}
	}
	return nil
}
