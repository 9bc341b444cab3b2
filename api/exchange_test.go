package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
)

// exchangeRows are the matrix rows of the exchange. The import an admin
// sends names a key this deployment does not trust: 422.
func exchangeRows() []access {
	return []access{
		{method: "GET", route: "/v1/volunteers/:id/exchange", want: selfOnly, req: func(w *world, _ string) call {
			w.served()
			return call{path: "/v1/volunteers/v1/exchange"}
		}},
		{method: "GET", route: "/v1/volunteers/:id/imported", want: selfOnly, req: get("/v1/volunteers/v1/imported")},
		{method: "POST", route: "/v1/exchange/import", want: "401 401 401 422 403 403 403 403 403", req: func(*world, string) call {
			return call{"/v1/exchange/import", map[string]any{"format": volmatch.ExchangeFormat, "key_id": "0123456789abcdef", "payload": map[string]any{}, "signature": "AAAA"}}
		}},
	}
}

// TestExchangeOverHTTP: deployment A serves v1's signed file to v1;
// deployment B (its own store and key, trusting A's public key as A
// serves it) imports it once — a second import adds nothing — and counts
// the hours in v1's stars; an altered byte is 422 bad_signature.
func TestExchangeOverHTTP(t *testing.T) {
	a := newEnv(t, api.Options{})
	w := newWorld(t, a)
	w.served() // v1: 2 h with org1
	st, file := a.do("vol1", "GET", "/v1/volunteers/v1/exchange", nil, nil)
	if st != 200 || !bytes.Contains(file, []byte(`"format":"volmatch-exchange/1"`)) {
		t.Fatalf("export = %d %s", st, file)
	}
	var key engine.PublicKey
	a.must(200, "", "GET", "/v1/certificates/key", nil, &key)

	// Deployment B.
	bst, err := bolt.Open(filepath.Join(t.TempDir(), "b.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bst.Close() })
	if err := bst.PutVolunteers(context.Background(), []*volmatch.Volunteer{fixture.Volunteer("v1")}); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	bKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, ed25519.SeedSize))
	eng := startEngine(t, bst, openText(t), engine.Options{Now: now,
		Certificates: engine.CertificateOptions{Key: bKey, Issuer: "北京"},
		Exchange:     engine.ExchangeOptions{Trusted: []engine.TrustedIssuer{{Name: key.Issuer, PublicKey: key.PublicKey}}}})
	srv := httptest.NewServer(api.New(eng, api.Options{Now: now, Rate: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	admin := createTokens(t, bst, map[string]volmatch.Token{"admin": {Role: volmatch.RoleAdmin}})["admin"]
	post := func(body []byte) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/exchange/import", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i, want := range []string{`"added":1`, `"duplicates":1`} {
		if st, b := post(file); st != 200 || !strings.Contains(b, want) {
			t.Errorf("import %d = %d %s, want 200 with %s", i+1, st, b, want)
		}
	}
	altered := bytes.Replace(file, []byte(`"hours":2`), []byte(`"hours":3`), 1)
	if bytes.Equal(altered, file) {
		t.Fatal("the export holds no 2-hour service to alter")
	}
	if st, b := post(altered); st != 422 || !strings.Contains(b, `"reason":"bad_signature"`) {
		t.Errorf("import of an altered file = %d %s, want 422 bad_signature", st, b)
	}
	s, err := eng.Stars(context.Background(), &volmatch.Token{Role: volmatch.RoleAdmin}, "v1")
	if err != nil || s.Imported != 2 {
		t.Errorf("v1's stars at B: %+v, %v; want 2 imported hours", s, err)
	}
}
