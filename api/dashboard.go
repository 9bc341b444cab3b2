package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// The public reference data and district boundaries (the planner
// dashboard itself is a web page since issue 14: package web,
// /web/dashboard).

// ReferenceResponse is the reference data a client needs to label the
// evaluation reports: Beijing's districts, the taxonomy's domains and
// community service types, and the target groups, each with its Chinese and
// English name.
type ReferenceResponse struct {
	Districts    []RefDistrict `json:"districts"`
	Domains      []RefDomain   `json:"domains"`
	TargetGroups []RefTerm     `json:"target_groups"`
}

// RefDistrict is a district: its statistics division code, names and seat.
type RefDistrict struct {
	Code   string         `json:"code"`
	Name   string         `json:"name"`
	NameEN string         `json:"name_en"`
	Center volmatch.Point `json:"center"`
}

// RefDomain is a top-level taxonomy node: a professional domain (kind
// "domain") or a community service type (kind "service").
type RefDomain struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Kind   string `json:"kind"`
}

// RefTerm is a key with its Chinese and English names.
type RefTerm struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// targetGroupEN are the English names of the target groups.
var targetGroupEN = map[string]string{
	volmatch.TargetElderly: "Older people", volmatch.TargetChildren: "Children",
	volmatch.TargetDisabled: "People with disabilities", volmatch.TargetDifficult: "Children in difficulty",
	volmatch.TargetResidents: "Community residents",
}

// Reference returns the reference data served at /v1/reference.
func Reference() ReferenceResponse {
	var r ReferenceResponse
	for _, d := range geo.Beijing().Districts() {
		r.Districts = append(r.Districts, RefDistrict{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Center: d.Center})
	}
	for _, d := range taxonomy.Load().Domains() {
		r.Domains = append(r.Domains, RefDomain{Key: d.Key, Name: d.Name, NameEN: d.NameEN, Kind: d.Kind})
	}
	for _, k := range targetGroupKeys() {
		r.TargetGroups = append(r.TargetGroups, RefTerm{Key: k, Name: volmatch.TargetGroups[k], NameEN: targetGroupEN[k]})
	}
	return r
}

// asset is a response body that never changes while the process runs: a
// the reference data or the district boundaries.
// It answers with an ETag (304 to a matching If-None-Match) and gzipped
// when the client accepts it and it is worth it.
type asset struct {
	route, summary string
	ctype          string
	cache          string // Cache-Control
	body           []byte
	etag           string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not pay
}

func newAsset(route, summary, ctype, cache string, body []byte) *asset {
	sum := sha256.Sum256(body)
	return &asset{route: route, summary: summary, ctype: ctype, cache: cache, body: body,
		etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// mediaType is the asset's content type without parameters.
func (a *asset) mediaType() string {
	m, _, _ := strings.Cut(a.ctype, ";")
	return m
}

// gzipped returns the gzip encoding of the body, made on first use, or nil
// for a small or incompressible body.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if len(a.body) < 1024 || strings.HasPrefix(a.ctype, "image/") {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = w.Write(a.body)
		_ = w.Close()
		if b.Len() < len(a.body)*9/10 {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

// serve answers the asset.
func (a *asset) serve(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", a.cache)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if gz := a.gzipped(); gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if inm := c.GetHeader("If-None-Match"); inm != "" && (inm == "*" || strings.Contains(inm, etag)) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.ctype, body)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		if name = strings.TrimSpace(name); !strings.EqualFold(name, "gzip") && name != "*" {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if q, err := strconv.ParseFloat(v, 64); err == nil && q == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// referenceAsset and geoAsset are the public reference routes' bodies.
var (
	referenceAsset = sync.OnceValue(func() *asset {
		b, _ := json.Marshal(Reference())
		return newAsset("/v1/reference", "", "application/json; charset=utf-8", "public, max-age=3600", b)
	})
	geoAsset = sync.OnceValue(func() *asset {
		return newAsset("/v1/geo/districts", "", "application/geo+json", "public, max-age=86400", geo.DistrictsGeoJSON())
	})
)

func (s *Server) reference(c *gin.Context)    { referenceAsset().serve(c) }
func (s *Server) geoDistricts(c *gin.Context) { geoAsset().serve(c) }

// dashboardRedirect sends the old dashboard address (/dashboard,
// /dashboard/, a bookmarked /dashboard/#token=...) to the page that
// replaced it, /web/dashboard, behind the web pages' sign-in (issue 14).
// The bearer-token page is gone; bearer clients read /v1/evaluation/*.
func dashboardRedirect(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, "/web/dashboard")
}
