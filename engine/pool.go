package engine

import (
	"context"
	"fmt"

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
	if err := adminOnly(tok, "talent pools"); err != nil {
		return err
	}
	if id != "" {
		if err := pathIDMatches(&p.ID, id); err != nil {
			return err
		}
	}
	p.UpdatedAt = e.now()
	if err := p.Validate(); err != nil {
		return err
	}
	if !e.tax.Has(p.Domain) {
		return volmatch.FieldError("domain", "unknown domain key %q", p.Domain)
	}
	if err := e.checkMembers(ctx, id, p); err != nil {
		return err
	}
	var err error
	if id == "" {
		err = e.store.CreatePool(ctx, p)
	} else {
		err = e.store.UpdatePool(ctx, p)
	}
	if err != nil {
		return err
	}
	e.synced(ctx)
	return nil
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
	if err := adminOnly(tok, "talent pools"); err != nil {
		return err
	}
	if err := e.store.DeletePool(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// SaveStation creates station st, or replaces station id with it when id
// is not "".
func (e *Engine) SaveStation(ctx context.Context, tok *volmatch.Token, id string, st *volmatch.Station) error {
	if err := adminOnly(tok, "stations"); err != nil {
		return err
	}
	if id != "" {
		if err := pathIDMatches(&st.ID, id); err != nil {
			return err
		}
	}
	st.UpdatedAt = e.now()
	if err := st.Validate(); err != nil {
		return err
	}
	var err error
	if id == "" {
		err = e.store.CreateStation(ctx, st)
	} else {
		err = e.store.UpdateStation(ctx, st)
	}
	if err != nil {
		return err
	}
	e.synced(ctx)
	return nil
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
	if err := adminOnly(tok, "stations"); err != nil {
		return err
	}
	if err := e.store.DeleteStation(ctx, id); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
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
