package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAssignInstances(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--orlib", "../../datasets/testdata/orlib/assign100.txt"}, "cost 305"},
		{[]string{"--orlib", "../../datasets/testdata/orlib/assign100.txt", "--method", "dense"}, "cost 305"},
		{[]string{"--orlib", "../../datasets/testdata/orlib/assignp800.txt", "--format", "sparse"}, "cost 2239"},
		{[]string{"--dimacs", "../../datasets/testdata/mcf/transport_40x30.min"}, "cost 42667"},
		{[]string{"--dimacs", "../../datasets/testdata/mcf/netgen_8_08a.min"}, "cost 142274536"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"assign"}, tt.args...)
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("run(%q) = %d, stderr %q", args, code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if last := lines[len(lines)-1]; last != tt.want {
				t.Errorf("run(%q) last line = %q, want %q", args, last, tt.want)
			}
		})
	}
}

func TestAssignInstanceErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.min")
	if err := os.WriteFile(bad, []byte("p min 2 1\na 1 5 0 1 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"assign", "--dimacs", bad}, &stdout, &stderr); code == 0 {
		t.Fatalf("run(assign --dimacs bad) = 0, want failure")
	}
	if !strings.Contains(stderr.String(), "line 2: node 5 is outside 1..2") {
		t.Errorf("stderr = %q, want the line and the reason", stderr.String())
	}
}
