package api_test

import (
	"io"
	"net/http"
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
