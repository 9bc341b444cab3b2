package flow_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"volmatch/datasets"
	"volmatch/matcher/flow"
)

// TestKnownOptima solves the OR-Library assignment and DIMACS min-cost
// flow instances of datasets/testdata, whose optima are published, with
// every solver of the package: the network simplex cold (Solve) and through
// a Solver, cost scaling, and AssignDense on the dense assignments.
func TestKnownOptima(t *testing.T) {
	dir := filepath.Join("..", "..", "datasets", "testdata")
	solvers := []struct {
		name  string
		solve func(*flow.Graph) (flow.Result, error)
	}{
		{"Solve", func(g *flow.Graph) (flow.Result, error) { return flow.Solve(context.Background(), g) }},
		{"Solver", func(g *flow.Graph) (flow.Result, error) { return flow.NewSolver(g).Solve(context.Background()) }},
		{"SolveScaling", func(g *flow.Graph) (flow.Result, error) { return flow.SolveScaling(context.Background(), g) }},
	}
	for _, tt := range []struct {
		file string
		want int64
	}{{"assign100.txt", 305}, {"assign200.txt", 475}, {"assign300.txt", 626}, {"assign400.txt", 804}, {"assignp800.txt", 2239}} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "orlib", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			inst, err := datasets.ReadORLib(f, datasets.ORLibAuto)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range solvers {
				g := inst.Graph()
				res, err := s.solve(g)
				if err != nil || res.Cost != tt.want {
					t.Fatalf("%s(%s) = %d, %v, want %d", s.name, tt.file, res.Cost, err, tt.want)
				}
				check(t, g, res)
			}
			if m := inst.Dense(); m != nil {
				if _, total, err := flow.AssignDense(context.Background(), m); err != nil || total != tt.want {
					t.Errorf("AssignDense(%s) = %d, %v, want %d", tt.file, total, err, tt.want)
				}
			}
		})
	}
	for _, tt := range []struct {
		file string
		want int64
	}{{"assignment_50x50.min", 50}, {"transport_40x30.min", 42667}, {"netgen_8_08a.min", 142274536}} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "mcf", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			inst, err := datasets.ReadDIMACS(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range solvers {
				g := inst.Graph()
				res, err := s.solve(g)
				if err != nil || res.Cost != tt.want {
					t.Fatalf("%s(%s) = %d, %v, want %d", s.name, tt.file, res.Cost, err, tt.want)
				}
				check(t, g, res)
			}
		})
	}
}
