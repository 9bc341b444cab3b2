package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"volmatch/evaluation"
)

// TestMinGroupWired checks that serve's --min-group reaches the engine
// (wireOptions.MinGroup), that the default is evaluation.DefaultMinGroup,
// and that a minimum below 1 is refused before anything starts.
func TestMinGroupWired(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ set, want int }{{0, evaluation.DefaultMinGroup}, {11, 11}} {
		svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: t.TempDir()}, MinGroup: c.set, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("wire: %v", err)
		}
		if got := svc.engine.MinGroup(); got != c.want {
			t.Errorf("wire(MinGroup %d): engine MinGroup = %d, want %d", c.set, got, c.want)
		}
		svc.Close()
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "--data", t.TempDir(), "--min-group", "0"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "--min-group") {
		t.Errorf("serve --min-group 0 = exit %d, stderr %q; want a failure naming --min-group", code, stderr.String())
	}
}
