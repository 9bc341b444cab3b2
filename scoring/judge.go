package scoring

import (
	"math/rand/v2"
	"sort"

	"volmatch"
)

// Comparison is how two weight sets ordered the same held-out listings:
// the mean NDCG@k of each, their difference, and a bootstrap confidence
// interval of the difference over needs.
type Comparison struct {
	K        int `json:"k"`
	Listings int `json:"listings"` // listings replayed (see ReplayListings)
	Needs    int `json:"needs"`    // distinct needs of those listings
	// Baseline and Fitted are the mean NDCG@k over the listings; Diff is
	// Fitted − Baseline.
	Baseline float64 `json:"baseline_ndcg"`
	Fitted   float64 `json:"fitted_ndcg"`
	Diff     float64 `json:"diff"`
	// Low and High bound the Level (0.95) percentile interval of Diff over
	// Resamples bootstrap resamples of the needs: listings of one need are
	// not independent (the same shift, the same nearby volunteers), so the
	// needs are drawn with replacement, each bringing all its listings,
	// and the statistic is the mean over the listings drawn.
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	Level     float64 `json:"level"`
	Resamples int     `json:"resamples"`
	Seed      uint64  `json:"seed"`
}

// Verdict reads the interval: "better" when it lies above 0, "worse" when
// below, "unclear" when it holds 0 (or nothing was replayed).
func (c Comparison) Verdict() string {
	switch {
	case c.Listings == 0:
		return "unclear"
	case c.Low > 0:
		return "better"
	case c.High < 0:
		return "worse"
	}
	return "unclear"
}

// CompareOptions configure Compare; the zero value works: k 10, 1000
// resamples, level 0.95, seed 0.
type CompareOptions struct {
	K         int
	Resamples int
	Level     float64
	Seed      uint64
}

// Compare replays the listings keep accepts (all when nil) with the
// baseline and the fitted weights and returns the comparison with its
// bootstrap interval over needs (seeded: the same input gives the same
// interval).
func Compare(events []volmatch.Event, baseline, fitted Weights, keep func(batch string) bool, o CompareOptions) Comparison {
	if o.K < 1 {
		o.K = 10
	}
	if o.Resamples <= 0 {
		o.Resamples = 1000
	}
	if !(o.Level > 0 && o.Level < 1) {
		o.Level = 0.95
	}
	c := Comparison{K: o.K, Level: o.Level, Resamples: o.Resamples, Seed: o.Seed}
	bl := ReplayListings(events, baseline, o.K, keep)
	fl := ReplayListings(events, fitted, o.K, keep)
	// The same listings in the same order (their set does not depend on
	// the weights); per need, the sums of the differences and the counts.
	type group struct {
		sum float64
		n   int
	}
	byNeed := map[string]*group{}
	var sb, sf float64
	for i := range bl {
		sb += bl[i].NDCG
		sf += fl[i].NDCG
		g := byNeed[bl[i].Need]
		if g == nil {
			g = &group{}
			byNeed[bl[i].Need] = g
		}
		g.sum += fl[i].NDCG - bl[i].NDCG
		g.n++
	}
	c.Listings, c.Needs = len(bl), len(byNeed)
	if c.Listings == 0 {
		return c
	}
	n := float64(c.Listings)
	c.Baseline, c.Fitted = sb/n, sf/n
	c.Diff = c.Fitted - c.Baseline
	needs := make([]string, 0, len(byNeed))
	for k := range byNeed {
		needs = append(needs, k)
	}
	sort.Strings(needs)
	gs := make([]group, len(needs))
	for i, k := range needs {
		gs[i] = *byNeed[k]
	}
	r := rand.New(rand.NewPCG(o.Seed, 0xb007))
	stats := make([]float64, o.Resamples)
	for b := range stats {
		var sum float64
		var cnt int
		for range gs {
			g := gs[r.IntN(len(gs))]
			sum += g.sum
			cnt += g.n
		}
		stats[b] = sum / float64(cnt)
	}
	sort.Float64s(stats)
	c.Low = quantile(stats, (1-o.Level)/2)
	c.High = quantile(stats, 1-(1-o.Level)/2)
	return c
}

// quantile returns the q-quantile of sorted xs by linear interpolation
// between the closest ranks.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 1 {
		return xs[0]
	}
	h := q * float64(len(xs)-1)
	i := int(h)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
}

// Judgement is one honest test of fitting: weights fitted on one side of
// a split, compared with the baseline on the other by replay.
type Judgement struct {
	Fit    FitResult  `json:"fit"`
	Replay Comparison `json:"replay"`
}

// Judge fits weights to the outcomes in events under fo (its Split, Cut,
// Seed, HoldOut and Baseline) and compares them with the baseline on the
// held-out listings (co, seeded). It returns Fit's errors (EINVALID).
func Judge(events []volmatch.Event, fo FitOptions, co CompareOptions) (Judgement, error) {
	res, err := Fit(SamplesFromEvents(events), fo)
	if err != nil {
		return Judgement{}, err
	}
	held := make(map[string]bool, len(res.HeldOutBatches))
	for _, b := range res.HeldOutBatches {
		held[b] = true
	}
	cmp := Compare(events, res.Default, res.Weights, func(b string) bool { return held[b] }, co)
	return Judgement{Fit: res, Replay: cmp}, nil
}
