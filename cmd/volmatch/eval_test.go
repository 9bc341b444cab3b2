package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"volmatch/datasets"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// evalData stores a simulated population's needs (need.posted) and its
// simulated events in a bbolt store under a temporary folder.
func evalData(t *testing.T) (string, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 1500, Needs: 150, Seed: 3})
	sim, err := datasets.Simulate(ctx, pop, grid.NewFeatures(pop.Volunteers), scoring.NewScorer(taxonomy.Load(), scoring.Options{}), datasets.SimOptions{Seed: 3})
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	st, err := openStoreConfig(ctx, storeConfig{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("openStore: %v", err)
	}
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		t.Fatalf("PutNeeds: %v", err)
	}
	if err := st.AppendEvents(ctx, sim.Events...); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, len(pop.Needs) + len(sim.Events)
}

func TestEval(t *testing.T) {
	dir, n := evalData(t)
	var out, errb bytes.Buffer
	if code := run([]string{"eval", "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("eval = %d, stderr %q", code, errb.String())
	}
	for _, want := range []string{"全流程评估", "events read", "需求发布 posted", "岗位满足率 fill rate", "服务总时长 hours delivered",
		"基尼系数 Gini", "供需缺口 Top gaps", "推荐质量 Ranking quality", "NDCG@k", "每周趋势 Weekly"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := run([]string{"eval", "--data", dir, "--json", "--fit", "--from", "2026-11-02", "--to", "2026-11-29"}, &out, &errb); code != 0 {
		t.Fatalf("eval --json --fit = %d, stderr %q", code, errb.String())
	}
	var rep evalReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("eval --json printed %q: %v", out.String()[:min(200, out.Len())], err)
	}
	s := rep.Summary
	if s.Funnel.Needs[0].Count == 0 || s.Rates.SlotsAsked == 0 || s.Hours.Hours <= 0 || s.Ranking.Listings == 0 || len(s.Weekly) == 0 {
		t.Errorf("eval --json summary looks empty: funnel %+v rates %+v", s.Funnel.Needs, s.Rates)
	}
	if s.Filter.From.IsZero() || s.Filter.To.Sub(s.Filter.From).Hours() != 28*24 {
		t.Errorf("eval --from/--to = %v..%v, want 28 days", s.Filter.From, s.Filter.To)
	}
	if rep.Fit == nil || rep.Fit.ReplayFitted.Listings == 0 || len(rep.Fit.Fit.Names) != scoring.NumComponents {
		t.Fatalf("eval --fit report = %+v", rep.Fit)
	}
	if len(rep.Fit.Judged) != 3 {
		t.Fatalf("eval --fit judged %d splits, want time, need and page", len(rep.Fit.Judged))
	}
	for i, sp := range scoring.Splits() {
		j := rep.Fit.Judged[i]
		if j.Fit.Split != sp || j.Replay.Listings == 0 || j.Replay.Resamples != 1000 || !(j.Replay.Low <= j.Replay.Diff && j.Replay.Diff <= j.Replay.High) {
			t.Errorf("eval --fit judged[%d] = split %q, %d listings, %d resamples, diff %v [%v, %v]; want %q with an interval around the difference",
				i, j.Fit.Split, j.Replay.Listings, j.Replay.Resamples, j.Replay.Diff, j.Replay.Low, j.Replay.High, sp)
		}
	}
	if rep.Fit.Judged[1].Fit.SharedNeeds != 0 || rep.Fit.Judged[0].Fit.Cut.IsZero() {
		t.Errorf("eval --fit: need split shares %d needs, time split cut %v; want 0 and a cut", rep.Fit.Judged[1].Fit.SharedNeeds, rep.Fit.Judged[0].Fit.Cut)
	}
	out.Reset()
	if code := run([]string{"eval", "--data", dir, "--fit", "--cut", "2026-11-16", "--resamples", "200", "--seed", "4"}, &out, &errb); code != 0 {
		t.Fatalf("eval --fit --cut = %d, stderr %q", code, errb.String())
	}
	for _, want := range []string{"公正评估 Held-out judgement", "200 bootstrap resamples", "seed 4", "time (cut 2026-11-16 00:00)", "need  ", "page (random listings)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval --fit --cut output lacks %q:\n%s", want, out.String())
		}
	}
	if code := run([]string{"eval", "--data", dir, "--fit", "--cut", "yesterday"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "--cut") {
		t.Errorf("eval --fit --cut yesterday = %d, stderr %q; want a refusal naming --cut", code, errb.String())
	}
	if n == 0 {
		t.Fatal("no events stored")
	}

	// A district filter narrows every figure.
	out.Reset()
	d := s.Gaps.Districts[0].District
	if code := run([]string{"eval", "--data", dir, "--json", "--district", d, "--from", "2026-11-02", "--to", "2026-11-29"}, &out, &errb); code != 0 {
		t.Fatalf("eval --district = %d, stderr %q", code, errb.String())
	}
	var one evalReport
	if err := json.Unmarshal(out.Bytes(), &one); err != nil {
		t.Fatal(err)
	}
	if one.Summary.Rates.SlotsAsked != s.Gaps.Districts[0].Slots || len(one.Summary.Gaps.Districts) != 1 {
		t.Errorf("eval --district %s: slots %d, districts %d; want %d, 1", d, one.Summary.Rates.SlotsAsked, len(one.Summary.Gaps.Districts), s.Gaps.Districts[0].Slots)
	}
	if f := one.Summary.Filter; f.District != d || f.From != s.Filter.From || f.To != s.Filter.To || f.Domain != "" {
		t.Errorf("eval --district filter = %+v", one.Summary.Filter)
	}
}

func TestEvalRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"eval", "--data", dir, "--from", "yesterday"},
		{"eval", "--data", dir, "--to", "2026-13-01"},
		{"eval", "--data", dir, "--fit"}, // an empty log has nothing to fit
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code == 0 || errb.Len() == 0 {
			t.Errorf("run(%q) = %d, stderr %q; want a failure with a message", args, code, errb.String())
		}
	}
}
