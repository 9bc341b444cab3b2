package engine

import (
	"context"

	"volmatch"
)

// Search over needs and volunteers by text and place (Bleve: CJK analysis,
// the taxonomy's synonyms, geo distance). A volunteer or a planner searches
// needs only; a social worker's hits leave out other organisations' needs;
// volunteers come back as the caller may see them (masked).

// Found is one search hit with its record as the caller may see it: Need
// for a need, Volunteer for a volunteer.
type Found struct {
	volmatch.SearchHit
	Need      *volmatch.Need
	Volunteer *volmatch.Volunteer
}

// FoundPage is a page of hits and the number of all matching records.
type FoundPage struct {
	Items []Found
	Total int
}

// Search runs q for tok.
func (e *Engine) Search(ctx context.Context, tok *volmatch.Token, q volmatch.SearchQuery) (FoundPage, error) {
	if tok.Role == volmatch.RoleVolunteer || tok.Role == volmatch.RolePlanner {
		if q.Kind == volmatch.ChangeVolunteer {
			return FoundPage{}, forbidden("the %s role may not search volunteers", tok.Role)
		}
		q.Kind = volmatch.ChangeNeed
	}
	if e.search == nil {
		return FoundPage{}, volmatch.Errorf(volmatch.EUNAVAILABLE, "search is not configured")
	}
	res, err := e.search.Search(ctx, q)
	if err != nil {
		return FoundPage{}, err
	}
	out := FoundPage{Items: []Found{}, Total: int(res.Total)}
	for _, h := range res.Hits {
		f, err := e.found(ctx, tok, h)
		if err != nil {
			return FoundPage{}, err
		}
		if f != nil {
			out.Items = append(out.Items, *f)
		}
	}
	return out, nil
}

// found loads a hit's record; a record deleted since it was indexed, or
// one tok may not see, gives nil.
func (e *Engine) found(ctx context.Context, tok *volmatch.Token, h volmatch.SearchHit) (*Found, error) {
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
		return nil, nil
	}
	return f, nil
}
