package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
)

// TestTokenCreateTTL checks that --ttl stores an expiry that far from the
// creation time, and that a token without it never expires.
func TestTokenCreateTTL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, tc := range []struct {
		ttl  string
		want time.Duration
	}{{"90m", 90 * time.Minute}, {"", 0}} {
		args := []string{"token", "create", "--data", dir, "--role", "planner"}
		if tc.ttl != "" {
			args = append(args, "--ttl", tc.ttl)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("run(%q) = %d, stderr %q", args, code, stderr.String())
		}
		st, err := openStore(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.TokenByHash(context.Background(), volmatch.HashToken(strings.TrimSpace(stdout.String())))
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d := got.ExpiresAt.Sub(got.CreatedAt); tc.want > 0 && d != tc.want || tc.want == 0 && !got.ExpiresAt.IsZero() {
			t.Errorf("run(%q) stored expiry %v after creation (at %v), want %v", args, d, got.ExpiresAt, tc.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"token", "create", "--data", dir, "--role", "planner", "--ttl", "-1h"}, &stdout, &stderr); code == 0 {
		t.Errorf("token create --ttl -1h succeeded, want a refusal")
	}
}
