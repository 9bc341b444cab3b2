package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// searchQuery reads the search parameters.
func searchQuery(c *gin.Context) (volmatch.SearchQuery, error) {
	sq := volmatch.SearchQuery{Text: strings.TrimSpace(c.Query("q")), District: c.Query("district"), Domain: c.Query("domain")}
	kinds := []string{string(volmatch.ChangeNeed), string(volmatch.ChangeVolunteer)}
	for _, k := range volmatch.CatalogKinds() {
		kinds = append(kinds, string(k))
	}
	kind, err := enumParam(c, "kind", kinds...)
	if err != nil {
		return sq, err
	}
	sq.Kind = volmatch.ChangeKind(kind)
	if sq.Limit, err = limitParam(c, 20, 100); err != nil {
		return sq, err
	}
	if sq.Offset, err = intParam(c, "offset", 0, 0, 10000); err != nil {
		return sq, err
	}
	if sq.Near, sq.WithinKm, err = nearParam(c); err != nil {
		return sq, err
	}
	if sq.Pool, err = idParam(c, "pool"); err != nil {
		return sq, err
	}
	if sq.Text == "" && sq.Near == nil && sq.Pool == "" {
		return sq, malformed("q", "give q (text), near (lat,lng) or pool")
	}
	return sq, nil
}

// nearParam reads near=lat,lng and km (the radius, default 10).
func nearParam(c *gin.Context) (*volmatch.Point, float64, error) {
	near := c.Query("near")
	if near == "" {
		if c.Query("km") != "" {
			return nil, 0, malformed("km", "needs near")
		}
		return nil, 0, nil
	}
	lat, lng, ok := strings.Cut(near, ",")
	p := volmatch.Point{}
	var e1, e2 error
	p.Lat, e1 = strconv.ParseFloat(strings.TrimSpace(lat), 64)
	p.Lng, e2 = strconv.ParseFloat(strings.TrimSpace(lng), 64)
	if !ok || e1 != nil || e2 != nil {
		return nil, 0, malformed("near", "must be lat,lng in degrees, got %q", near)
	}
	if err := p.Validate("near"); err != nil {
		return nil, 0, &errMalformed{err.(*volmatch.Error)}
	}
	km, err := floatParam(c, "km", 10, 0.01, 200)
	return &p, km, err
}

func (s *Server) search(c *gin.Context) {
	sq, err := searchQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.eng.Search(c.Request.Context(), principal(c), sq)
	if err != nil {
		s.fail(c, err)
		return
	}
	resp := SearchResponse{Items: make([]SearchItem, len(page.Items)), Total: page.Total}
	for i, f := range page.Items {
		resp.Items[i] = searchItem(f)
	}
	if sq.Offset+sq.Limit < page.Total {
		resp.Next = strconv.Itoa(sq.Offset + sq.Limit)
	}
	c.JSON(http.StatusOK, resp)
}

func searchItem(f engine.Found) SearchItem {
	it := SearchItem{Kind: string(f.Kind), ID: f.ID, Score: f.Score, DistanceKm: f.DistanceKm, Volunteer: f.Volunteer}
	if n := f.Need; n != nil {
		it.Title, it.Domain, it.District, it.Status = n.Title, n.Domain, n.District, string(n.Status)
	}
	if f.Volunteer != nil {
		it.District = f.Volunteer.District
	}
	if r := f.Record; r != nil {
		it.Title, it.Domain, it.District, it.Record = r.Name, r.Domain, r.District, r
	}
	return it
}
