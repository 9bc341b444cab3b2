package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// searchQuery reads the search parameters and narrows the kinds to what the
// caller may see: volunteers only for admins and social workers.
func searchQuery(c *gin.Context, tok *volmatch.Token) (SearchQuery, error) {
	sq := SearchQuery{Text: strings.TrimSpace(c.Query("q")), District: c.Query("district"), Domain: c.Query("domain")}
	var err error
	if sq.Kind, err = enumParam(c, "kind", "need", "volunteer"); err != nil {
		return sq, err
	}
	if sq.Limit, err = limitParam(c, 20, 100); err != nil {
		return sq, err
	}
	if sq.Offset, err = intParam(c, "offset", 0, 0, 10000); err != nil {
		return sq, err
	}
	if near := c.Query("near"); near != "" {
		lat, lng, ok := strings.Cut(near, ",")
		p := volmatch.Point{}
		var e1, e2 error
		p.Lat, e1 = strconv.ParseFloat(strings.TrimSpace(lat), 64)
		p.Lng, e2 = strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if !ok || e1 != nil || e2 != nil {
			return sq, malformed("near", "must be lat,lng in degrees, got %q", near)
		}
		if err := p.Validate("near"); err != nil {
			return sq, &errMalformed{err.(*volmatch.Error)}
		}
		sq.Near = &p
		if sq.WithinKm, err = floatParam(c, "km", 10, 0.01, 200); err != nil {
			return sq, err
		}
	} else if c.Query("km") != "" {
		return sq, malformed("km", "needs near")
	}
	if sq.Text == "" && sq.Near == nil {
		return sq, malformed("q", "give q (text) or near (lat,lng)")
	}
	if tok.Role == volmatch.RoleVolunteer || tok.Role == volmatch.RolePlanner {
		if sq.Kind == "volunteer" {
			return sq, forbidden("the %s role may not search volunteers", tok.Role)
		}
		sq.Kind = "need"
	}
	return sq, nil
}

func (s *Server) search(c *gin.Context) {
	ctx, tok := c.Request.Context(), principal(c)
	sq, err := searchQuery(c, tok)
	if err == nil && s.deps.Search == nil {
		err = volmatch.Errorf(volmatch.EUNAVAILABLE, "search is not configured")
	}
	var res SearchResult
	if err == nil {
		res, err = s.deps.Search.Search(ctx, sq)
	}
	resp := SearchResponse{Items: []SearchItem{}, Total: res.Total}
	for i := 0; err == nil && i < len(res.Hits); i++ {
		var it *SearchItem
		if it, err = s.searchItem(ctx, tok, res.Hits[i]); it != nil {
			resp.Items = append(resp.Items, *it)
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if sq.Offset+sq.Limit < res.Total {
		resp.Next = strconv.Itoa(sq.Offset + sq.Limit)
	}
	c.JSON(http.StatusOK, resp)
}

// searchItem loads a hit's record; a record deleted since it was indexed
// gives nil.
func (s *Server) searchItem(ctx context.Context, tok *volmatch.Token, h SearchHit) (*SearchItem, error) {
	it := &SearchItem{Kind: h.Kind, ID: h.ID, Score: h.Score, DistanceKm: h.DistanceKm}
	switch h.Kind {
	case "need":
		n, err := s.deps.Store.Need(ctx, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if canSeeNeed(tok, n) != nil {
			return nil, nil // another organisation's need: left out, as for a social worker's listing
		}
		it.Title, it.Domain, it.District, it.Status = n.Title, n.Domain, n.District, string(n.Status)
	case "volunteer":
		v, err := s.deps.Store.Volunteer(ctx, h.ID)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if it.Volunteer, err = s.viewVolunteer(ctx, tok, v); err != nil {
			return nil, err
		}
		it.District = v.District
	default:
		return nil, nil
	}
	return it, nil
}
