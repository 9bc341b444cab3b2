package scoring_test

import (
	"context"
	"testing"

	"volmatch/datasets"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// TestFitBeatsDefaultOnSimulatedOutcomes: on outcomes simulated from the
// volunteers' hidden preferences (which the default weights do not know),
// the weights fitted on some listings rank the held-out listings better than
// the default weights do.
func TestFitBeatsDefaultOnSimulatedOutcomes(t *testing.T) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 5000, Needs: 600, Seed: 42})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	sim, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 42})
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	samples := scoring.SamplesFromEvents(sim.Events)
	res, err := scoring.Fit(samples, scoring.FitOptions{Seed: 1})
	if err != nil {
		t.Fatalf("Fit(%d samples): %v", len(samples), err)
	}
	held := map[string]bool{}
	for _, b := range res.HeldOutBatches {
		held[b] = true
	}
	keep := func(b string) bool { return held[b] }
	def := scoring.ReplayBatches(sim.Events, res.Default, 10, keep)
	fit := scoring.ReplayBatches(sim.Events, res.Weights, 10, keep)
	t.Logf("%d samples; weights default %v fitted %v; coef %v", len(samples), res.Default.Vector(), res.Weights.Vector(), res.Model.Coef)
	t.Logf("held out: default %+v fitted %+v", res.DefaultHeldOut, res.HeldOut)
	t.Logf("replay NDCG@10 default %.4f fitted %.4f over %d listings", def.NDCGAtK, fit.NDCGAtK, def.Listings)
	if def.Listings < 50 || def.Listings != fit.Listings {
		t.Fatalf("replayed %d / %d held-out listings, want the same, at least 50", def.Listings, fit.Listings)
	}
	if !(fit.NDCGAtK > def.NDCGAtK) {
		t.Errorf("replay NDCG@10: fitted %.4f, default %.4f; want the fitted weights to win", fit.NDCGAtK, def.NDCGAtK)
	}
	if !(res.HeldOut.AUC > res.DefaultHeldOut.AUC) {
		t.Errorf("held-out AUC: fitted %.4f, default %.4f; want the fitted weights to win", res.HeldOut.AUC, res.DefaultHeldOut.AUC)
	}
}
