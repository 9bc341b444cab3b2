package engine

import (
	"context"

	"volmatch"
)

// Search over needs and volunteers by text and place (Bleve: CJK analysis,
// the taxonomy's synonyms, geo distance). A volunteer or a planner searches
// needs only. The caller's scope is part of the index query, so that the
// total and every page count only what the caller may see: a social
// worker's needs are their organisation's (Org), their volunteers those
// they may browse (browseScope), matched on the public text only; an
// admin's words also match the bio (Private). Volunteers come back as the
// caller may see them (viewVolunteer). The text is bounded
// (volmatch.SearchQuery.CheckText), and ctx stops the work between the
// index and each record loaded.

// Found is one search hit with its record as the caller may see it: Need
// for a need, Volunteer for a volunteer, Record for a catalogue record (a
// talent pool, a station ...; see catalog.go).
type Found struct {
	volmatch.SearchHit
	Need      *volmatch.Need
	Volunteer *volmatch.Volunteer
	Record    *volmatch.CatalogDoc
}

// FoundPage is a page of hits and the number of all matching records.
type FoundPage struct {
	Items []Found
	Total int
}

// Search runs q for tok. The scope fields of q (Private, Volunteers) are
// the engine's to set: a transport's values are replaced.
func (e *Engine) Search(ctx context.Context, tok *volmatch.Token, q volmatch.SearchQuery) (FoundPage, error) {
	if err := q.CheckText(); err != nil {
		return FoundPage{}, err
	}
	q.Private, q.Volunteers = false, nil
	switch tok.Role {
	case volmatch.RoleAdmin:
		q.Private = true
	case volmatch.RoleSocialWorker:
		if q.Org != "" && q.Org != tok.Org {
			return FoundPage{}, forbidden("a social worker sees only their own organisation's needs")
		}
		q.Org = tok.Org
	case volmatch.RoleVolunteer, volmatch.RolePlanner:
		if q.Kind == volmatch.ChangeVolunteer {
			return FoundPage{}, forbidden("the %s role may not search volunteers", tok.Role)
		}
		q.Volunteers = &volmatch.VolunteerScope{} // no one: needs and the catalogue only
	default:
		return FoundPage{}, forbidden("the %s role may not search", tok.Role)
	}
	if e.search == nil {
		return FoundPage{}, volmatch.Errorf(volmatch.EUNAVAILABLE, "search is not configured")
	}
	if q.Pool != "" {
		if q.Kind != "" && q.Kind != volmatch.ChangeVolunteer {
			return FoundPage{}, volmatch.FieldError("pool", "narrows a volunteer search, not one of kind %q", q.Kind)
		}
		if tok.Role != volmatch.RoleAdmin && tok.Role != volmatch.RoleSocialWorker {
			return FoundPage{}, forbidden("the %s role may not search volunteers", tok.Role)
		}
		q.Kind = volmatch.ChangeVolunteer
	}
	if q.Volunteers == nil && (q.Kind == "" || q.Kind == volmatch.ChangeVolunteer) {
		scope, err := e.browseScope(ctx, tok)
		if err != nil {
			return FoundPage{}, err
		}
		q.Volunteers = scope
	}
	if q.Pool != "" {
		scope, err := e.poolScope(ctx, q.Pool, q.Volunteers)
		if err != nil {
			return FoundPage{}, err
		}
		q.Volunteers = scope
	}
	res, err := e.search.Search(ctx, q)
	if err != nil {
		return FoundPage{}, err
	}
	out := FoundPage{Items: []Found{}, Total: int(res.Total)}
	var vs []*volmatch.Volunteer
	for _, h := range res.Hits {
		if err := ctx.Err(); err != nil {
			return FoundPage{}, err
		}
		f, err := e.found(ctx, tok, h)
		if err != nil {
			return FoundPage{}, err
		}
		if f != nil {
			out.Items = append(out.Items, *f)
			if f.Volunteer != nil {
				vs = append(vs, f.Volunteer)
			}
		}
	}
	// The pools a view shows are derived from the pools' records: read
	// them once for the page.
	if err := e.withPools(ctx, vs...); err != nil {
		return FoundPage{}, err
	}
	return out, nil
}

// found loads a hit's record; a record deleted since it was indexed, or
// one tok may not see, gives nil.
func (e *Engine) found(ctx context.Context, tok *volmatch.Token, h volmatch.SearchHit) (*Found, error) {
	h.DistanceKm = volmatch.DisplayKm(h.DistanceKm) // from the coarse home, without false precision
	f := &Found{SearchHit: h}
	switch h.Kind {
	case volmatch.ChangeNeed:
		n, err := e.store.Need(ctx, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if canSeeNeed(tok, n) != nil {
			return nil, nil // another organisation's need: left out, as for a social worker's listing
		}
		f.Need = viewNeed(tok, n)
	case volmatch.ChangeVolunteer:
		v, err := e.store.Volunteer(ctx, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if f.Volunteer, err = e.viewVolunteer(ctx, tok, v); err != nil {
			return nil, err
		}
	default:
		d, err := StoreCatalog(e.store).CatalogDoc(ctx, h.Kind, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if !canSeeCatalog(tok, d) {
			return nil, nil
		}
		f.Record = &d
	}
	return f, nil
}

// poolScope narrows scope (nil: everyone) to the members of talent pool
// id, as its record lists them: a pool's members are verified by the
// admins who write it. A missing pool has no members.
func (e *Engine) poolScope(ctx context.Context, id string, scope *volmatch.VolunteerScope) (*volmatch.VolunteerScope, error) {
	p, err := e.store.Pool(ctx, id)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return &volmatch.VolunteerScope{}, nil
	} else if err != nil {
		return nil, err
	}
	in := map[string]bool{}
	if scope != nil {
		for _, v := range scope.IDs {
			in[v] = true
		}
	}
	out := &volmatch.VolunteerScope{IDs: []string{}}
	seen := map[string]bool{}
	for _, m := range p.Members {
		if seen[m] {
			continue
		}
		seen[m] = true
		switch {
		case scope == nil || in[m]:
		case scope.Findable:
			v, err := e.store.Volunteer(ctx, m)
			if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			if !v.Consent.Findable {
				continue
			}
		default:
			continue
		}
		out.IDs = append(out.IDs, m)
	}
	return out, nil
}
