package datasets_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"volmatch/datasets"
	"volmatch/matcher/flow"
)

// BenchmarkORLib is the time to the known optimum of each OR-Library
// instance (graph built and solved; the file is read once).
func BenchmarkORLib(b *testing.B) {
	for _, tt := range []struct {
		file string
		want int64
	}{{"assign100.txt", 305}, {"assign200.txt", 475}, {"assign300.txt", 626}, {"assign400.txt", 804}, {"assignp800.txt", 2239}} {
		f, err := os.Open(filepath.Join("testdata", "orlib", tt.file))
		if err != nil {
			b.Fatal(err)
		}
		inst, err := datasets.ReadORLib(f, datasets.ORLibAuto)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tt.file+"/network-simplex", func(b *testing.B) {
			for b.Loop() {
				res, err := flow.Solve(context.Background(), inst.Graph())
				if err != nil || res.Cost != tt.want {
					b.Fatalf("Solve = %d, %v, want %d", res.Cost, err, tt.want)
				}
			}
		})
		if m := inst.Dense(); m != nil {
			b.Run(tt.file+"/dense-hungarian", func(b *testing.B) {
				for b.Loop() {
					_, total, err := flow.AssignDense(context.Background(), m)
					if err != nil || total != tt.want {
						b.Fatalf("AssignDense = %d, %v, want %d", total, err, tt.want)
					}
				}
			})
		}
	}
}
