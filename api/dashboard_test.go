package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"volmatch/api"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// TestReferenceAndGeo checks the public reference data and boundaries.
func TestReferenceAndGeo(t *testing.T) {
	e := newEnv(t, api.Options{})
	var ref api.ReferenceResponse
	e.must(200, "", "GET", "/v1/reference", nil, &ref)
	if len(ref.Districts) != 16 || len(ref.TargetGroups) != 5 {
		t.Fatalf("reference: %d districts, %d target groups; want 16 and 5", len(ref.Districts), len(ref.TargetGroups))
	}
	var bounds struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code, Name string
			} `json:"properties"`
		} `json:"features"`
	}
	e.must(200, "", "GET", "/v1/geo/districts", nil, &bounds)
	if bounds.Type != "FeatureCollection" || len(bounds.Features) != 16 {
		t.Fatalf("geo: %s with %d features, want a FeatureCollection of 16", bounds.Type, len(bounds.Features))
	}
	// The map colours a region by name: the reference's names must be the
	// boundaries' names.
	names := map[string]string{}
	for _, f := range bounds.Features {
		names[f.Properties.Code] = f.Properties.Name
	}
	for _, d := range ref.Districts {
		if names[d.Code] != d.Name || d.NameEN == "" || d.NameEN == d.Name {
			t.Errorf("district %s: name %q (boundaries %q), English %q", d.Code, d.Name, names[d.Code], d.NameEN)
		}
	}
	domains := map[string]api.RefDomain{}
	for _, d := range ref.Domains {
		domains[d.Key] = d
	}
	if d := domains["elderly_care"]; d.Name == "" || d.NameEN == "" || d.Kind != "service" {
		t.Errorf("domain elderly_care = %+v, want Chinese and English names, kind service", d)
	}
	if d := domains["health"]; d.Name == "" || d.NameEN == "" || d.Kind != "domain" {
		t.Errorf("domain health = %+v, want Chinese and English names, kind domain", d)
	}
	if len(ref.Domains) != len(taxonomy.Load().Domains()) {
		t.Errorf("reference holds %d domains, the taxonomy %d", len(ref.Domains), len(taxonomy.Load().Domains()))
	}

	// Cacheable: an ETag, 304 on revalidation, gzip when asked.
	get := func(path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	plain := get("/v1/geo/districts", nil)
	body, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("ETag") == "" || !strings.Contains(plain.Header.Get("Cache-Control"), "max-age") ||
		!bytes.Equal(body, geo.DistrictsGeoJSON()) || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("GET /v1/geo/districts: headers %v, %d bytes", plain.Header, len(body))
	}
	if r := get("/v1/geo/districts", map[string]string{"If-None-Match": plain.Header.Get("ETag")}); r.StatusCode != 304 {
		t.Errorf("revalidation = %d, want 304", r.StatusCode)
	}
	gz := get("/v1/geo/districts", map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip answer: %v, headers %v", err, gz.Header)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, body) || gz.ContentLength >= int64(len(body))/2 {
		t.Errorf("gzip answer: %d bytes unzipping to %d, want the same body at under half the size", gz.ContentLength, len(unzipped))
	}
	if r := get("/v1/geo/districts", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 answered %q", r.Header.Get("Content-Encoding"))
	}
}

// TestDashboardMoved: the dashboard is a web page since issue 14; its old
// address redirects there (a bookmarked /dashboard/#token=... too: the
// browser keeps the fragment, the page drops it), and its old files are
// gone.
func TestDashboardMoved(t *testing.T) {
	e := newEnv(t, api.Options{})
	for _, p := range []string{"/dashboard", "/dashboard/", "/dashboard?x=1"} {
		req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 301 || resp.Header.Get("Location") != "/web/dashboard" {
			t.Errorf("GET %s = %d to %q, want 301 to /web/dashboard", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/dashboard/app.js", "/dashboard/vendor/echarts/echarts.min.js"} {
		var pr api.Problem
		if status, b := e.do("", "GET", p, nil, &pr); status != 404 || pr.Status != 404 {
			t.Errorf("GET %s = %d %s, want a 404 problem", p, status, b)
		}
	}
}
