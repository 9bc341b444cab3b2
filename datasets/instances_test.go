package datasets_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher/flow"
)

func TestORLibOptima(t *testing.T) {
	tests := []struct {
		file   string
		format datasets.ORLibFormat
		n      int
		want   int64
	}{
		{"assign100.txt", datasets.ORLibDense, 100, 305},
		{"assign200.txt", datasets.ORLibDense, 200, 475},
		{"assign300.txt", datasets.ORLibDense, 300, 626},
		{"assign400.txt", datasets.ORLibDense, 400, 804},
		{"assignp800.txt", datasets.ORLibSparse, 800, 2239},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", "orlib", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			inst, err := datasets.ReadORLib(f, datasets.ORLibAuto)
			if err != nil {
				t.Fatalf("ReadORLib(%s): %v", tt.file, err)
			}
			if inst.N != tt.n || inst.Format != tt.format {
				t.Fatalf("ReadORLib(%s) = n %d %s, want n %d %s", tt.file, inst.N, inst.Format, tt.n, tt.format)
			}
			res, err := flow.Solve(context.Background(), inst.Graph())
			if err != nil {
				t.Fatalf("Solve(%s): %v", tt.file, err)
			}
			if res.Cost != tt.want {
				t.Errorf("Solve(%s) cost = %d, want %d", tt.file, res.Cost, tt.want)
			}
			if m := inst.Dense(); m != nil && tt.n <= 200 {
				_, total, err := flow.AssignDense(context.Background(), m)
				if err != nil || total != tt.want {
					t.Errorf("AssignDense(%s) = %d, %v, want %d", tt.file, total, err, tt.want)
				}
			}
		})
	}
}

func TestDIMACSOptima(t *testing.T) {
	tests := []struct {
		file        string
		nodes, arcs int
		want        int64
	}{
		{"assignment_50x50.min", 100, 2500, 50},
		{"transport_40x30.min", 70, 1200, 42667},
		{"netgen_8_08a.min", 256, 2048, 142274536},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "mcf", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			inst, err := datasets.ReadDIMACS(f)
			if err != nil {
				t.Fatalf("ReadDIMACS(%s): %v", tt.file, err)
			}
			if inst.Nodes != tt.nodes || len(inst.Arcs) != tt.arcs {
				t.Fatalf("ReadDIMACS(%s) = %d nodes %d arcs, want %d, %d", tt.file, inst.Nodes, len(inst.Arcs), tt.nodes, tt.arcs)
			}
			res, err := flow.Solve(context.Background(), inst.Graph())
			if err != nil {
				t.Fatalf("Solve(%s): %v", tt.file, err)
			}
			if res.Cost != tt.want {
				t.Errorf("Solve(%s) cost = %d, want %d", tt.file, res.Cost, tt.want)
			}
		})
	}
}

func TestReadORLibMalformed(t *testing.T) {
	tests := []struct {
		name, in string
		format   datasets.ORLibFormat
		want     string
	}{
		{"empty", "", datasets.ORLibAuto, "empty"},
		{"bad n", "0\n", datasets.ORLibAuto, "line 1: n must be"},
		{"not an integer", "2\n1 2\n3 x\n", datasets.ORLibAuto, "line 3: \"x\" is not an integer"},
		{"short dense", "2\n1 2\n3\n", datasets.ORLibDense, "line 3: a dense instance of n = 2 holds 4 costs, found 3"},
		{"long dense", "2\n1 2\n3 4\n5\n", datasets.ORLibDense, "line 4: a dense instance"},
		{"sparse pair", "2\n1 1 5\n2 2\n", datasets.ORLibSparse, "line 3: want a triple"},
		{"sparse range", "2\n1 1 5\n3 2 1\n", datasets.ORLibSparse, "line 3: worker 3 is outside 1..2"},
		{"sparse job", "2\n1 0 5\n", datasets.ORLibSparse, "line 2: job 0 is outside"},
		{"sparse duplicate", "2\n1 1 5\n2 2 1\n1 1 7\n", datasets.ORLibSparse, "line 4: pair (1, 1) is listed twice (first on line 2)"},
		{"format", "1\n1\n", "weird", "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := datasets.ReadORLib(strings.NewReader(tt.in), tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadORLib(%q) err = %v, want it to say %q", tt.in, err, tt.want)
			}
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("ErrorCode = %q, want invalid", volmatch.ErrorCode(err))
			}
		})
	}
}

func TestReadORLibSmall(t *testing.T) {
	inst, err := datasets.ReadORLib(strings.NewReader("2\n 4 1\n2\n 3\n"), datasets.ORLibAuto)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{4, 1}, {2, 3}}
	got := inst.Dense()
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("Dense() = %v, want %v", got, want)
			}
		}
	}
	res, err := flow.Solve(context.Background(), inst.Graph())
	if err != nil || res.Cost != 3 {
		t.Fatalf("Solve = %d, %v, want 3", res.Cost, err)
	}
	// A sparse instance whose forbidden pairs leave no perfect assignment.
	inst, err = datasets.ReadORLib(strings.NewReader("2\n1 1 1\n2 1 1\n"), datasets.ORLibSparse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Solve(context.Background(), inst.Graph()); err == nil {
		t.Fatalf("Solve of an instance without a perfect assignment succeeded")
	}
}

func TestReadDIMACSMalformed(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no problem", "c hello\n", "no problem line"},
		{"arc first", "a 1 2 0 1 1\n", "line 1: arc line before the problem line"},
		{"node first", "c x\nn 1 1\n", "line 2: node line before"},
		{"bad p", "p max 2 1\n", "line 1: want \"p min NODES ARCS\""},
		{"two p", "p min 2 0\np min 2 0\n", "line 2: a second problem line"},
		{"node range", "p min 2 1\nn 3 1\n", "line 2: node 3 is outside 1..2"},
		{"arc fields", "p min 2 1\na 1 2 0 1\n", "line 2: want \"a FROM TO LOW CAP COST\""},
		{"arc int", "p min 2 1\na 1 2 0 1 z\n", "line 2: \"z\" is not an integer"},
		{"cap below low", "p min 2 1\na 1 2 3 1 0\n", "line 2: capacity 1 is below the lower bound 3"},
		{"too many arcs", "p min 2 1\na 1 2 0 1 0\na 2 1 0 1 0\n", "line 3: more arcs than the 1"},
		{"too few arcs", "p min 2 2\na 1 2 0 1 0\n", "declares 2 arcs, found 1"},
		{"unknown", "p min 2 0\nx 1\n", "line 2: unknown line type \"x\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := datasets.ReadDIMACS(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadDIMACS(%q) err = %v, want it to say %q", tt.in, err, tt.want)
			}
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("ErrorCode = %q, want invalid", volmatch.ErrorCode(err))
			}
		})
	}
}

func TestReadDIMACSLowerBounds(t *testing.T) {
	in := "c lower bounds\np min 3 3\nn 1 2\nn 3 -2\na 1 3 0 2 1\na 1 2 1 2 10\na 2 3 0 2 10\n"
	inst, err := datasets.ReadDIMACS(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	res, err := flow.Solve(context.Background(), inst.Graph())
	if err != nil || res.Cost != 21 {
		t.Fatalf("Solve = %d, %v, want 21", res.Cost, err)
	}
}
