package engine

import (
	"context"
	"fmt"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
)

// Flow 3: a volunteer's menu (菜单式服务): the open shifts they are eligible
// for, near home, in their free time, ranked by the same scorer from the
// volunteer's side, diversified across domains and grouped by category and
// day. The shifts come from the open-shift index the follower keeps
// (Follower.Shifts), so a menu reads no need from the store: a write on
// this engine is in it when the write returns (synced), another replica's
// once WaitApplied returns.

// MenuOptions ask for K items of the menu.
type MenuOptions struct {
	K int
	// PerDomain is the most items of one category (default
	// matcher.DefaultMenuPerDomain).
	PerDomain int
	// After offers the shifts that start after it (default: the engine's
	// now). The API leaves it zero; the CLI's menu --after sets it.
	After time.Time
}

// Menu returns volunteer id's menu of open shifts that start after now and
// do not clash with the volunteer's holding assignments. A volunteer sees
// only their own menu. The menu is ranked from the home as the caller may
// see it: the exact home for the volunteer themself (and an admin), the
// masked point for anyone else, so that its distances, scores and order
// never reveal more than the masked point (issue 13). Distances are shown
// to volmatch.ShownKmStep.
func (e *Engine) Menu(ctx context.Context, tok *volmatch.Token, id string, o MenuOptions) (matcher.ServiceMenu, error) {
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != id) {
		return matcher.ServiceMenu{}, forbidden("a menu is for its volunteer (or an admin)")
	}
	v, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return matcher.ServiceMenu{}, err
	}
	v = rankedAs(tok, v)
	shifts := e.follower.Shifts()
	if shifts == nil { // not started: the store's open needs
		needs, err := e.openNeeds(ctx)
		if err != nil {
			return matcher.ServiceMenu{}, fmt.Errorf("menu of %s: %w", v.ID, err)
		}
		shifts = grid.NewShiftsOf(needs, grid.ShiftsOptions{})
	}
	busy, err := e.holding(ctx, v.ID)
	if err != nil {
		return matcher.ServiceMenu{}, fmt.Errorf("menu of %s: %w", v.ID, err)
	}
	sp, _ := e.menus.Get().(*matcher.MenuScratch)
	if sp == nil {
		sp = &matcher.MenuScratch{}
	}
	m := matcher.Menu(v, shifts, e.scorer(), matcher.MenuOptions{
		K: o.K, PerDomain: o.PerDomain, Busy: busy, After: e.at(&o.After), DomainOf: e.tax.DomainOf, Scratch: sp,
	})
	e.menus.Put(sp)
	for i := range m.Items {
		m.Items[i].DistanceKm = volmatch.DisplayKm(m.Items[i].DistanceKm)
	}
	for g := range m.Groups {
		for i := range m.Groups[g].Items {
			m.Groups[g].Items[i].DistanceKm = volmatch.DisplayKm(m.Groups[g].Items[i].DistanceKm)
		}
	}
	return m, nil
}

// rankedAs returns v as it may be ranked for tok: whole for the volunteer
// themself and an admin, Coarsened (as the feature grid holds it) for
// anyone else.
func rankedAs(tok *volmatch.Token, v *volmatch.Volunteer) *volmatch.Volunteer {
	if tok.Role == volmatch.RoleAdmin || tok.Role == volmatch.RoleVolunteer && tok.Volunteer == v.ID {
		return v
	}
	return v.Coarsened()
}

// openNeeds returns the open needs that have a shift with a free slot, by
// ID: the open-shift index's (Follower.Shifts; the caller must not change
// them), or, before the engine starts, the store's open needs. A need
// whose every shift is full offers nothing to a menu, a training
// recommendation or the blocking trainings.
func (e *Engine) openNeeds(ctx context.Context) ([]*volmatch.Need, error) {
	if x := e.follower.Shifts(); x != nil {
		return x.Needs(), nil
	}
	var needs []*volmatch.Need
	err := e.store.EachNeed(ctx, func(n *volmatch.Need) error {
		if n.Status == volmatch.NeedOpen {
			needs = append(needs, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read needs: %w", err)
	}
	return needs, nil
}
