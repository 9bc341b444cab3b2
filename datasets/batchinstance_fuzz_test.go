package datasets_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"volmatch/datasets"
	"volmatch/matcher"
)

// FuzzReadBatchInstance: any input is either refused with an error or
// read into an instance that solves without panicking, to a plan whose
// objective is at most its bound, and that writes back to the same
// instance.
func FuzzReadBatchInstance(f *testing.F) {
	seed, err := os.ReadFile("../matcher/testdata/overlap/dense_60x40_a.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"max_per_volunteer":2,"fairness_step":3,"volunteers":["a","b"],"shifts":[{"id":"x","start":0,"end":7200,"slots":1},{"id":"y","start":3600,"end":9000,"slots":2}],"pairs":[[0,0,5],[0,1,7],[1,1,2]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bi, err := datasets.ReadBatchInstance(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(bi.Pairs) > 2000 {
			return // keep each input quick
		}
		plan, err := matcher.SolveInstance(context.Background(), bi.Instance, matcher.AssignOptions{MaxNodes: 20})
		if err != nil {
			t.Fatalf("SolveInstance of an accepted instance: %v", err)
		}
		if plan.Objective > plan.Bound {
			t.Fatalf("objective %v above bound %v", plan.Objective, plan.Bound)
		}
		var buf bytes.Buffer
		if err := datasets.WriteBatchInstance(&buf, bi); err != nil {
			t.Fatal(err)
		}
		again, err := datasets.ReadBatchInstance(&buf)
		if err != nil {
			t.Fatalf("the written instance does not read back: %v", err)
		}
		if len(again.Pairs) != len(bi.Pairs) || len(again.Shifts) != len(bi.Shifts) || again.MaxPerVolunteer != bi.MaxPerVolunteer {
			t.Fatalf("the written instance reads back different")
		}
	})
}
