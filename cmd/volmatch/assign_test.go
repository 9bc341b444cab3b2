package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"volmatch"
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

// TestAssignOverlapInstances solves the four shared overlap instances
// (../shared/data/overlap, copied to datasets/testdata/overlap) through the
// CLI: each to the optimum HiGHS proved, with the bound equal to it. The
// relax-and-repair Assign used before fell short on 117, 120 and 123.
func TestAssignOverlapInstances(t *testing.T) {
	tests := []struct {
		file    string
		optimum string
	}{
		{"overlap_117.json", "282710649"},
		{"overlap_118.json", "289926727"},
		{"overlap_120.json", "399163943"},
		{"overlap_123.json", "553032003"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"assign", "--instance", filepath.Join("../../datasets/testdata/overlap", tt.file)}
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("run(%q) = %d, stderr %q", args, code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if last := lines[len(lines)-1]; last != "objective "+tt.optimum {
				t.Errorf("run(%q) last line = %q, want %q", args, last, "objective "+tt.optimum)
			}
			if !slices.Contains(lines, "bound "+tt.optimum) {
				t.Errorf("run(%q) printed no line %q:\n%s", args, "bound "+tt.optimum, stdout.String())
			}
			if !strings.Contains(stdout.String(), "proven optimal") {
				t.Errorf("run(%q) does not say the plan is proven optimal:\n%s", args, stdout.String())
			}
		})
	}
}

// TestAssignInstanceRefused: a malformed batch instance is refused with the
// field and the reason, and nothing is solved.
func TestAssignInstanceRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, want string
	}{
		{"pair out of range", `{"max_per_volunteer":1,"volunteers":["a"],"shifts":[{"id":"s","start":0,"end":3600,"slots":1}],"pairs":[[0,3,5]]}`, "pairs[0]: shift 3 out of range (1 shifts)"},
		{"end before start", `{"max_per_volunteer":1,"volunteers":["a"],"shifts":[{"id":"s","start":3600,"end":0,"slots":1}],"pairs":[]}`, "shifts[0].end: must be after start"},
		{"pair twice", `{"max_per_volunteer":1,"volunteers":["a"],"shifts":[{"id":"s","start":0,"end":3600,"slots":1}],"pairs":[[0,0,5],[0,0,6]]}`, "pairs[1]: pair (0, 0) given twice"},
		{"huge gain", `{"max_per_volunteer":1,"volunteers":["a"],"shifts":[{"id":"s","start":0,"end":3600,"slots":1}],"pairs":[[0,0,9223372036854775807]]}`, "pairs[0]: gain must be between 0 and 1000000000000"},
		{"year 3000", `{"max_per_volunteer":1,"volunteers":["a"],"shifts":[{"id":"s","start":32503680000,"end":32503683600,"slots":1}],"pairs":[]}`, "shifts[0]: start and end must lie between 1900 and 2200"},
		{"no cap", `{"volunteers":["a"],"shifts":[],"pairs":[]}`, "max_per_volunteer: is required"},
		{"unknown field", `{"max_per_volunteer":1,"volunteer":["a"]}`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "bad.json")
			if err := os.WriteFile(file, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run([]string{"assign", "--instance", file}, &stdout, &stderr); code == 0 {
				t.Fatalf("run(assign --instance %s) = 0, want failure", tt.name)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.want)
			}
			if strings.Contains(stdout.String(), "objective") {
				t.Errorf("stdout = %q, want no objective", stdout.String())
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

func TestAssignBatchAndMenu(t *testing.T) {
	tmp := t.TempDir()
	pop, data := filepath.Join(tmp, "pop"), filepath.Join(tmp, "data")
	runOK(t, "gen", "--volunteers", "1500", "--needs", "80", "--seed", "5", "--out", pop)
	runOK(t, "import", "--data", data, filepath.Join(pop, "volunteers.jsonl"), filepath.Join(pop, "needs.jsonl"),
		filepath.Join(pop, "pools.jsonl"), filepath.Join(pop, "stations.jsonl"))

	dry, _ := runOK(t, "assign", "--data", data, "--all-open", "--at", "2026-10-01")
	if !strings.Contains(dry, "dry run: nothing reserved") {
		t.Fatalf("assign dry run printed:\n%s", dry)
	}
	var planned int
	for _, l := range strings.Split(dry, "\n") {
		if strings.HasPrefix(l, "planned ") {
			if _, err := fmt.Sscanf(l, "planned %d placements", &planned); err != nil {
				t.Fatal(err)
			}
		}
	}
	if planned == 0 {
		t.Fatalf("assign planned nothing:\n%s", dry)
	}
	out, _ := runOK(t, "assign", "--data", data, "--all-open", "--commit", "--at", "2026-10-01")
	if want := fmt.Sprintf("reserved %d slots", planned); !strings.Contains(out, want) {
		t.Fatalf("assign --commit printed:\n%s\nwant %q", out, want)
	}
	st, err := openStore(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	as, _, err := st.Assignments(context.Background(), volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 100000}})
	st.Close()
	if err != nil || len(as) != planned {
		t.Fatalf("store holds %d assignments (%v), want %d", len(as), err, planned)
	}

	menu, _ := runOK(t, "menu", "--data", data, as[0].Volunteer, "--after", "2026-10-01", "-k", "5")
	if !strings.HasPrefix(menu, "menu of "+as[0].Volunteer) {
		t.Fatalf("menu printed:\n%s", menu)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"assign", "--data", data}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "--needs, --district or --all-open") {
		t.Errorf("assign without a choice of needs = %d, stderr %q", code, stderr.String())
	}
}
