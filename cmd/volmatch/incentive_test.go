package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncentiveCLI: a partner and an offer are saved, saved again
// (replaced, not duplicated), listed; an offer of an unknown partner or
// asking for nothing is refused naming the field.
func TestIncentiveCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, _ := runOK(t, "incentive", "partner", "--data", data, "--id", "museum", "--name", "首都博物馆")
	if !strings.Contains(out, "saved partner museum") {
		t.Errorf("incentive partner printed %q", out)
	}
	runOK(t, "incentive", "partner", "--data", data, "--id", "museum", "--name", "首都博物馆（新馆）")
	offer := []string{"incentive", "offer", "--data", data, "--id", "ticket", "--partner", "museum", "--title", "特展门票",
		"--min-stars", "1", "--points", "50", "--stock", "200", "--per-volunteer", "1", "--from", "2026-12-01", "--to", "2027-01-01"}
	runOK(t, offer...)
	out, _ = runOK(t, append(offer, "--withdrawn")...)
	if !strings.Contains(out, "saved offer ticket of museum") {
		t.Errorf("incentive offer printed %q", out)
	}
	out, _ = runOK(t, "incentive", "list", "--data", data)
	if strings.Count(out, "ticket") != 1 || !strings.Contains(out, "特展门票") || !strings.Contains(out, "withdrawn") {
		t.Errorf("incentive list printed %q, want ticket once, withdrawn", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--id", "x", "--partner", "nobody", "--title", "x", "--points", "1"}, "partner"},
		{[]string{"--id", "x", "--partner", "museum", "--title", "x"}, "points"},
		{[]string{"--id", "x", "--partner", "museum", "--title", "x", "--points", "1", "--from", "12/01"}, "--from"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"incentive", "offer", "--data", data}, c.args...)
		if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) = %d, stderr %q; want a refusal naming %s", args, code, stderr.String(), c.want)
		}
	}
}
