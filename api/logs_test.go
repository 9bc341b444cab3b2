package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
)

// idNumbers are ID-card numbers (身份证号) the test writes into the
// volunteers' free text, where a careless log line could pick them up.
var idNumbers = map[string]string{"v1": fixture.People[0].IDNumber, "v2": fixture.People[1].IDNumber, "v3": fixture.People[2].IDNumber}

// quotingIndex is the real Bleve index whose search fails the way an
// index can: its error quotes the query.
type quotingIndex struct{ *index.Text }

func (quotingIndex) Search(_ context.Context, q volmatch.SearchQuery) (volmatch.SearchResult, error) {
	return volmatch.SearchResult{}, fmt.Errorf("index: search %q near %v: too many clauses", q.Text, q.Near)
}

// TestNoPersonalDataInLogs runs every call of the access matrix, requests
// that carry personal data in the path, the query and the body, and
// internal errors that quote the request, all with the server's log
// captured, and finds no volunteer's full name, phone number, ID-card number
// or volunteer ID in it.
func TestNoPersonalDataInLogs(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	for i, p := range people {
		v := volunteer(p.id, p.name, p.phone, 39.92+0.005*float64(i), 116.44)
		v.Bio = "会手语，身份证号 " + idNumbers[p.id]
		e.must(200, "admin", "PUT", "/v1/volunteers/"+p.id, v, nil)
	}
	calls := len(runMatrix(t, e, w))

	// Personal data in paths, queries and bodies, answered 2xx and 4xx.
	esc := url.QueryEscape
	for _, p := range people {
		bad := volunteer("x "+p.id, p.name, p.phone, 39.92, 116.44) // an invalid id
		for _, c := range []struct {
			who, method, path string
			body              any
		}{
			{"sw1", "GET", "/v1/search?q=" + esc(p.name), nil},
			{"sw1", "GET", "/v1/search?q=" + esc(p.phone) + "&kind=volunteer", nil},
			{"sw1", "GET", "/v1/search?q=" + esc(idNumbers[p.id]), nil},
			{"admin", "GET", "/v1/volunteers/" + p.phone, nil},
			{"admin", "GET", "/v1/volunteers?district=" + esc(p.name), nil},
			{"admin", "GET", "/v1/needs?org=" + esc(p.name), nil},
			{"admin", "POST", "/v1/volunteers", bad},
			{"admin", "PUT", "/v1/volunteers/" + p.id, bad},
			{"admin", "POST", "/v1/volunteers", fmt.Sprintf(`{"id":"x","name":%q,"phone":%s}`, p.name, p.phone)},
			{"vol1", "PUT", "/v1/volunteers/" + p.id, volunteer(p.id, p.name, p.phone, 39.92, 116.44)},
			{p.phone, "GET", "/v1/me", nil}, // the phone as a bearer token
		} {
			e.do(c.who, c.method, c.path, c.body, nil)
			calls++
		}
	}

	// Internal errors that quote the request: a second server over the same
	// store and log whose search index fails.
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := func() time.Time { return t0 }
	eng := startEngine(t, e.st, quotingIndex{openText(t)}, engine.Options{Now: now, Logger: logger})
	failing := api.New(eng, api.Options{Rate: -1, Now: now, Logger: logger, Registry: prometheus.NewRegistry()})
	srv := httptest.NewServer(failing.Handler())
	defer srv.Close()
	orig := e.srv
	e.srv = srv
	for _, p := range people {
		for _, q := range []string{p.name, p.phone, idNumbers[p.id], p.id + " " + p.name} {
			if got, b := e.do("admin", "GET", "/v1/search?q="+esc(q)+"&near=39.9,116.4", nil, nil); got != 500 {
				t.Fatalf("search with a failing index = %d %s, want 500", got, b)
			}
			calls++
		}
	}
	e.srv = orig

	logs := e.logs.String()
	if lines := strings.Count(logs, `"msg":"request"`); lines < calls {
		t.Fatalf("the log holds %d request lines, want at least %d (one per call)", lines, calls)
	}
	if !strings.Contains(logs, `"msg":"request failed"`) {
		t.Fatal("the log holds no internal error line; the failing index was not reached")
	}
	for _, p := range people {
		secrets := fixture.Person{Name: p.name, Phone: p.phone, IDNumber: idNumbers[p.id]}.Secrets(p.id)
		secrets[p.id+"'s volunteer ID"] = `"` + p.id + `"`
		for _, leak := range fixture.Leaks(logs, secrets) {
			t.Error(leak)
		}
	}
	t.Logf("%d calls, %d bytes of log scanned", calls, len(logs))
}
