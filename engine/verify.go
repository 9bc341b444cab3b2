package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"volmatch"
)

// Qualifications are verified, not claimed (volmatch.Claims). A
// volunteer who changes their own record keeps the verified skills,
// certificates, trainings and insurance in force; what would qualify them
// for more waits as a pending claim until an organisation's staff or an
// admin verifies it (VerifyVolunteer), and the hard gates read only the
// verified values. Talent-pool membership has one source, the pool's
// record (TalentPool.Members, written by admins): a volunteer's Pools are
// derived from the pools on every write and every read, never taken from a
// client.

// VerifyVolunteer verifies (or, with r.Reject, refuses) the pending claims
// r names of volunteer id, for an admin or a social worker (recorded as
// VerifiedBy: "admin" or the organisation's ID), and returns the record as
// tok may see it.
func (e *Engine) VerifyVolunteer(ctx context.Context, tok *volmatch.Token, id string, r volmatch.Verification) (*volmatch.Volunteer, error) {
	by := ""
	switch tok.Role {
	case volmatch.RoleAdmin:
		by = "admin"
	case volmatch.RoleSocialWorker:
		by = tok.Org
	default:
		return nil, forbidden("only an organisation's staff or an admin verifies qualifications")
	}
	v, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	// An organisation verifies only volunteers it deals with (who may be
	// browsed by it: candidates, past invitees, or volunteers who opted in
	// to be found), so a stranger's word cannot qualify anyone.
	if err := e.canBrowse(ctx, tok, v); err != nil {
		return nil, err
	}
	if err := v.Verify(r, by, e.now()); err != nil {
		return nil, err
	}
	if err := e.checkVolunteer(ctx, v); err != nil {
		return nil, err
	}
	if v.Pools, err = e.poolsOf(ctx, v.ID); err != nil {
		return nil, err
	}
	if err := e.store.UpdateVolunteer(ctx, v); err != nil {
		return nil, err
	}
	e.synced(ctx)
	return e.viewVolunteer(ctx, tok, v)
}

// ownFields applies to v, about to replace old (nil for a new volunteer),
// the rules of the fields a client does not simply write: a volunteer's
// own changes to their qualifications are held as claims
// (Volunteer.HoldClaims); an admin's write keeps the pending claims (less
// those it meets) and the last verification, and a new record has
// neither; the talent pools are derived from the pools' records.
func (e *Engine) ownFields(ctx context.Context, tok *volmatch.Token, old, v *volmatch.Volunteer) error {
	switch {
	case old == nil:
		v.Claims, v.VerifiedBy, v.VerifiedAt = nil, "", time.Time{}
	case tok.Role == volmatch.RoleVolunteer:
		v.HoldClaims(old, e.now())
	default:
		v.Claims, v.VerifiedBy, v.VerifiedAt = old.Claims.Clone(), old.VerifiedBy, old.VerifiedAt
		v.PruneClaims()
	}
	var err error
	v.Pools, err = e.poolsOf(ctx, v.ID)
	return err
}

// poolsOf returns the IDs of the talent pools whose members list volunteer
// id, in pool ID order: the derived Volunteer.Pools.
func (e *Engine) poolsOf(ctx context.Context, id string) ([]string, error) {
	m, err := e.membership(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(m[id]), nil
}

// membership maps each volunteer to the pools that list them, from the
// pools' records (a city has a pool per professional domain, so they are
// read whole), kept for the store's last change: every pool write appends
// a change, so the next read after one (on any replica) reads them again,
// and a read between writes costs one read of the change counter. The map
// is shared: callers copy what they keep.
func (e *Engine) membership(ctx context.Context) (map[string][]string, error) {
	seq, err := e.store.LastChange(ctx)
	if err != nil {
		return nil, fmt.Errorf("talent pools: %w", err)
	}
	if m, ok := e.members.get(seq); ok {
		return m, nil
	}
	m, err := e.readMembership(ctx)
	if err != nil {
		return nil, err
	}
	e.members.put(seq, m)
	return m, nil
}

// memberCache keeps the membership map read at a store change.
type memberCache struct {
	mu  sync.Mutex
	seq uint64
	m   map[string][]string
}

func (c *memberCache) get(seq uint64) (map[string][]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m, c.m != nil && c.seq == seq
}

func (c *memberCache) put(seq uint64, m map[string][]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || seq >= c.seq {
		c.seq, c.m = seq, m
	}
}

// readMembership reads the membership map from the pools' records.
func (e *Engine) readMembership(ctx context.Context) (map[string][]string, error) {
	m := map[string][]string{}
	o := volmatch.ListOptions{Limit: 1000}
	for {
		ps, next, err := e.store.Pools(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("talent pools: %w", err)
		}
		for _, p := range ps {
			for _, id := range p.Members {
				if l := m[id]; len(l) == 0 || l[len(l)-1] != p.ID {
					m[id] = append(l, p.ID)
				}
			}
		}
		if next == "" || len(ps) == 0 {
			return m, nil
		}
		o.After = next
	}
}

// withPools sets the derived Pools of each of vs (copies the caller owns)
// from the pools' records.
func (e *Engine) withPools(ctx context.Context, vs ...*volmatch.Volunteer) error {
	if len(vs) == 0 {
		return nil
	}
	m, err := e.membership(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs {
		v.Pools = slices.Clone(m[v.ID])
	}
	return nil
}

// poolVolunteers lists the members of pool f.Pool that pass the rest of f,
// in ID order from f.After: the pool's record decides who is in it.
func (e *Engine) poolVolunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return e.pagePool(ctx, f, limit, func(string) (bool, bool) { return true, false })
}

// pagePool pages the members of pool f.Pool that pass the rest of f, limit
// at a time in ID order from f.After. admit says of a member's ID whether
// to read it at all, and whether it is shown only when findable (the
// browse scope's rule; poolVolunteers admits every member).
func (e *Engine) pagePool(ctx context.Context, f volmatch.VolunteerFilter, limit int, admit func(id string) (read, onlyFindable bool)) ([]*volmatch.Volunteer, string, error) {
	p, err := e.store.Pool(ctx, f.Pool)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	ids := slices.Clone(p.Members)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rest := f
	rest.Pool = ""
	var out []*volmatch.Volunteer
	for i, id := range ids {
		if id <= f.After {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			return out, ids[i-1], nil
		}
		read, onlyFindable := admit(id)
		if !read {
			continue
		}
		v, err := e.store.Volunteer(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			continue // listed, since deleted
		} else if err != nil {
			return nil, "", err
		}
		if (!onlyFindable || v.Consent.Findable) && rest.Match(v) {
			out = append(out, v)
		}
	}
	return out, "", nil
}

// storedVolunteer reads volunteer id with the pools derived.
func (e *Engine) storedVolunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	v, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, e.withPools(ctx, v)
}

// listVolunteers lists the volunteers f selects with their pools derived;
// a pool filter lists the pool's members.
func (e *Engine) listVolunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	var vs []*volmatch.Volunteer
	var next string
	var err error
	if f.Pool != "" {
		vs, next, err = e.poolVolunteers(ctx, f)
	} else {
		vs, next, err = e.store.Volunteers(ctx, f)
	}
	if err != nil {
		return nil, "", err
	}
	return vs, next, e.withPools(ctx, vs...)
}
