package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
)

// TestWireRebuildsUnreadableIndex damages the derived search index and
// checks that wire rebuilds it from the store, and that the admin token of
// the environment works.
func TestWireRebuildsUnreadableIndex(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := openStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	n := crashNeed(7)
	if err := st.CreateNeed(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(data, "index")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o640); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: data}, AdminToken: wireAdmin,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("wire over a damaged index: %v", err)
	}
	defer svc.Close()
	if !strings.Contains(logs.String(), "rebuilding it from the store") {
		t.Fatalf("the damaged index was not rebuilt; logs:\n%s", logs.String())
	}
	res, err := svc.text.Search(ctx, volmatch.SearchQuery{Text: "演练", Kind: volmatch.ChangeNeed, Limit: 10})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != n.ID {
		t.Fatalf("search after rebuild = %+v, %v; want need %s", res, err, n.ID)
	}
	if _, err := svc.store.TokenByHash(ctx, hashOf(wireAdmin)); err != nil {
		t.Fatalf("admin token from the environment: %v", err)
	}
}

func hashOf(secret string) string { return volmatch.HashToken(secret) }

// wireAdmin is a strong admin secret for the tests, as
// `openssl rand -hex 32` makes one.
const wireAdmin = "5be1c0d2a7f94e3b8c6d1f0a2e4b7c9d5be1c0d2a7f94e3b8c6d1f0a2e4b7c9d"
