package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestWire: a client's own connection sends each request as the pooled
// client would (method, path and query, the token, an empty POST with
// Content-Length 0), keeps one connection for its requests, and dials
// again after the server closes it.
func TestWire(t *testing.T) {
	var conns atomic.Int32
	type seen struct {
		method, uri, auth string
		length            int64
	}
	got := make(chan seen, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.ContentLength}
		if r.URL.Query().Get("close") == "1" {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"A1"}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	w, err := newWire(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	ctx := context.Background()
	for i, c := range []struct{ method, path string }{
		{http.MethodPost, "/v1/invites/I1/accept"},
		{http.MethodGet, "/v1/needs/N1/matches?k=10"},
		{http.MethodGet, "/v1/needs/N2/matches?k=10&close=1"},
		{http.MethodPost, "/v1/invites/I2/accept"},
	} {
		st, err := w.do(ctx, c.method, c.path)
		if err != nil || st != http.StatusCreated {
			t.Fatalf("request %d: %d, %v", i, st, err)
		}
		s := <-got
		if s.method != c.method || s.uri != c.path || s.auth != "Bearer tok" || s.length != 0 {
			t.Errorf("request %d: the server saw %+v, want %s %s with the token and no body", i, s, c.method, c.path)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: one kept for three requests, one after the server closed it", n)
	}
	if _, err := newWire("https://example.org", "tok"); err == nil {
		t.Errorf("newWire(https://...) = nil error, want one: only http is spoken")
	}
}
