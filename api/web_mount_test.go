package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"volmatch/api"
)

// TestWebMounted: Options.Web serves "/" and "/web/..."; every other path
// stays the API's.
func TestWebMounted(t *testing.T) {
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page "+r.URL.Path) })
	e := newEnv(t, api.Options{Web: pages})
	for path, want := range map[string]string{"/": "page /", "/web/needs": "page /web/needs"} {
		resp, err := e.srv.Client().Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Errorf("GET %s = %q, want %q", path, b, want)
		}
	}
	if status, b := e.do("", "GET", "/healthz", nil, nil); status != 200 {
		t.Errorf("GET /healthz with pages mounted = %d %s", status, b)
	}
	if status, _ := e.do("", "GET", "/webx", nil, nil); status != 404 {
		t.Errorf("GET /webx = %d, want the API's 404", status)
	}
}

// TestWebMetrics: a page request is counted in the API's registry by the
// route pattern the pages' mux matched, with its method and status; never
// by the path with its IDs.
func TestWebMetrics(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /web/needs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "need") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	e := newEnv(t, api.Options{Web: mux})
	for _, path := range []string{"/web/needs/N-secret-1", "/web/needs/N-secret-2", "/web/nowhere"} {
		resp, err := e.srv.Client().Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	status, b := e.do("", "GET", "/metrics", nil, nil)
	if status != 200 {
		t.Fatalf("GET /metrics = %d", status)
	}
	m := string(b)
	for _, want := range []string{
		`volmatch_http_requests_total{method="GET",route="/web/needs/{id}",status="200"} 2`,
		`volmatch_http_requests_total{method="GET",route="/",status="404"} 1`,
		`volmatch_http_request_duration_seconds_count{method="GET",route="/web/needs/{id}"} 2`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(m, "N-secret") {
		t.Errorf("/metrics names a path's ID")
	}
}
