package scoring_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// judgeLog is a simulated log (hidden preferences the default weights do
// not know), built once.
var judgeLog = sync.OnceValue(func() []volmatch.Event {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 5000, Needs: 600, Seed: 42})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	sim, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 42})
	if err != nil {
		panic(err)
	}
	return sim.Events
})

// TestSplitsKeepTheirSides: the time split trains only on listings shown,
// and outcomes known, before its cut and tests only on listings after it;
// the need split puts no need on both sides; the page split (the old one)
// does, which is why it is not the one to trust.
func TestSplitsKeepTheirSides(t *testing.T) {
	samples := scoring.SamplesFromEvents(judgeLog())
	for _, sp := range scoring.Splits() {
		t.Run(string(sp), func(t *testing.T) {
			res, err := scoring.Fit(samples, scoring.FitOptions{Seed: 5, Split: sp})
			if err != nil {
				t.Fatalf("Fit(%s): %v", sp, err)
			}
			held := map[string]bool{}
			for _, b := range res.HeldOutBatches {
				held[b] = true
			}
			trainNeeds, testNeeds := map[string]bool{}, map[string]bool{}
			var trained, late int
			for _, s := range samples {
				if held[s.Batch] {
					testNeeds[s.Need] = true
					if sp == scoring.SplitTime && s.At.Before(res.Cut) {
						t.Fatalf("held-out sample of %s shown at %v, before the cut %v", s.Batch, s.At, res.Cut)
					}
					continue
				}
				if sp == scoring.SplitTime {
					if !s.At.Before(res.Cut) {
						t.Fatalf("sample of %s shown at %v, at or after the cut %v, is not held out", s.Batch, s.At, res.Cut)
					}
					if !s.Known.Before(res.Cut) {
						late++
						continue
					}
				}
				trained++
				trainNeeds[s.Need] = true
			}
			if trained != res.Train.Samples || late != res.LateOutcomes {
				t.Errorf("Fit(%s) trained on %d samples, %d late; counted here %d and %d", sp, res.Train.Samples, res.LateOutcomes, trained, late)
			}
			shared := 0
			for n := range testNeeds {
				if trainNeeds[n] {
					shared++
				}
			}
			if shared != res.SharedNeeds || len(trainNeeds) != res.TrainNeeds || len(testNeeds) != res.HeldOutNeeds {
				t.Errorf("Fit(%s) sides: needs %d/%d shared %d, counted here %d/%d shared %d", sp,
					res.TrainNeeds, res.HeldOutNeeds, res.SharedNeeds, len(trainNeeds), len(testNeeds), shared)
			}
			switch sp {
			case scoring.SplitNeed:
				if shared != 0 {
					t.Errorf("Fit(need): %d needs on both sides, want 0", shared)
				}
			case scoring.SplitPage:
				if shared == 0 {
					t.Errorf("Fit(page): no need on both sides; the test data cannot show the leak")
				}
			case scoring.SplitTime:
				if res.Cut.IsZero() || late == 0 {
					t.Errorf("Fit(time): cut %v, %d late outcomes; want a cut and outcomes after it left out", res.Cut, late)
				}
			}
			if f := float64(res.HeldOutListings) / float64(res.HeldOutListings+res.TrainListings+0); f < 0.15 || f > 0.45 {
				t.Errorf("Fit(%s) held out %d of %d listings, want about 30%%", sp, res.HeldOutListings, res.HeldOutListings+res.TrainListings)
			}
		})
	}
}

// TestSplitTimeGivenCut: a cut given is the cut used; one before every
// listing leaves nothing to train on (EINVALID), an unknown split is
// EINVALID naming the field.
func TestSplitTimeGivenCut(t *testing.T) {
	samples := scoring.SamplesFromEvents(judgeLog())
	first := samples[0].At
	for _, s := range samples {
		if s.At.Before(first) {
			first = s.At
		}
	}
	cut := first.Add(10 * 24 * time.Hour)
	res, err := scoring.Fit(samples, scoring.FitOptions{Split: scoring.SplitTime, Cut: cut})
	if err != nil {
		t.Fatalf("Fit(time, cut %v): %v", cut, err)
	}
	if !res.Cut.Equal(cut) {
		t.Errorf("Fit(time).Cut = %v, want %v", res.Cut, cut)
	}
	for _, tc := range []struct {
		name  string
		o     scoring.FitOptions
		field string
	}{
		{"cut before everything", scoring.FitOptions{Split: scoring.SplitTime, Cut: first}, ""},
		{"unknown split", scoring.FitOptions{Split: "random"}, "split"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scoring.Fit(samples, tc.o)
			var ve *volmatch.Error
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Fatalf("Fit(%+v) = %v, want EINVALID", tc.o, err)
			}
			if tc.field != "" && (!asError(err, &ve) || ve.Field != tc.field) {
				t.Errorf("Fit(%+v) = %v, want the field %q named", tc.o, err, tc.field)
			}
		})
	}
}

func asError(err error, target **volmatch.Error) bool {
	e, ok := err.(*volmatch.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestJudgeOnSimulatedOutcomes: on outcomes drawn from preferences the
// default weights ignore, the weights fitted before the cut beat the
// defaults after it, and on needs never seen, with an interval above 0;
// the interval holds the difference and does not move for the same seed.
func TestJudgeOnSimulatedOutcomes(t *testing.T) {
	evs := judgeLog()
	for _, sp := range []scoring.Split{scoring.SplitTime, scoring.SplitNeed} {
		t.Run(string(sp), func(t *testing.T) {
			j, err := scoring.Judge(evs, scoring.FitOptions{Seed: 1, Split: sp}, scoring.CompareOptions{Seed: 1})
			if err != nil {
				t.Fatalf("Judge(%s): %v", sp, err)
			}
			c := j.Replay
			t.Logf("%s: %d listings of %d needs, NDCG@10 %.4f → %.4f, diff %+.4f [%+.4f, %+.4f]", sp, c.Listings, c.Needs, c.Baseline, c.Fitted, c.Diff, c.Low, c.High)
			if c.Listings < 50 || c.Needs < 20 {
				t.Fatalf("Judge(%s) replayed %d listings of %d needs; too few to judge", sp, c.Listings, c.Needs)
			}
			if !(c.Low <= c.Diff && c.Diff <= c.High) || c.Level != 0.95 || c.Resamples != 1000 {
				t.Errorf("Judge(%s) interval [%v, %v] at %v over %d resamples, want 0.95 over 1000 around the difference %v", sp, c.Low, c.High, c.Level, c.Resamples, c.Diff)
			}
			if math.Abs(c.Fitted-c.Baseline-c.Diff) > 1e-12 {
				t.Errorf("Judge(%s) diff %v != fitted %v − baseline %v", sp, c.Diff, c.Fitted, c.Baseline)
			}
			if c.Verdict() != "better" {
				t.Errorf("Judge(%s) verdict %q (diff %+.4f [%+.4f, %+.4f]), want better", sp, c.Verdict(), c.Diff, c.Low, c.High)
			}
			again, _ := scoring.Judge(evs, scoring.FitOptions{Seed: 1, Split: sp}, scoring.CompareOptions{Seed: 1})
			if again.Replay != c {
				t.Errorf("Judge(%s) twice: %+v then %+v", sp, c, again.Replay)
			}
			other, _ := scoring.Judge(evs, scoring.FitOptions{Seed: 1, Split: sp}, scoring.CompareOptions{Seed: 2})
			if other.Replay.Diff != c.Diff || other.Replay.Low == c.Low && other.Replay.High == c.High {
				t.Errorf("Judge(%s) seed 2: diff %v interval [%v, %v]; want the same diff, another draw", sp, other.Replay.Diff, other.Replay.Low, other.Replay.High)
			}
		})
	}
}

// TestCompareByHand: a log built by hand, where the fitted weights put the
// completed volunteer first in every listing of need A and last in every
// listing of need B, gives the mean over listings, and the bootstrap over
// the two needs spans from B's difference alone to A's alone.
func TestCompareByHand(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, volmatch.Beijing)
	var evs []volmatch.Event
	// In each listing two candidates: "good" completes, "bad" declines. The
	// baseline weighs distance only, the fitted weights skill only.
	listing := func(need string, i int, goodSkill, goodDist float64) {
		batch := fmt.Sprintf("%s-%d", need, i)
		for r, c := range []struct {
			vol         string
			skill, dist float64
		}{{"good", goodSkill, goodDist}, {"bad", 1 - goodSkill, 1 - goodDist}} {
			vol := fmt.Sprintf("%s-%s-%d", c.vol, need, i)
			bd := []volmatch.Component{{Name: scoring.ComponentSkillFit, Value: c.skill}, {Name: scoring.ComponentDistance, Value: c.dist}}
			inv := "I-" + vol
			evs = append(evs,
				volmatch.Event{Type: volmatch.EventMatchShown, At: at, Need: need, Volunteer: vol, Rank: r + 1, Batch: batch, Breakdown: bd},
				volmatch.Event{Type: volmatch.EventInviteSent, At: at, Need: need, Volunteer: vol, Invite: inv})
			if c.vol == "good" {
				evs = append(evs,
					volmatch.Event{Type: volmatch.EventInviteAccepted, At: at, Invite: inv, Assignment: "A-" + vol},
					volmatch.Event{Type: volmatch.EventCheckOut, At: at, Assignment: "A-" + vol})
			} else {
				evs = append(evs, volmatch.Event{Type: volmatch.EventInviteDeclined, At: at, Invite: inv})
			}
		}
	}
	for i := range 3 {
		listing("A", i, 1, 0) // fitted (skill) puts good first, baseline (distance) last
	}
	listing("B", 0, 0, 1) // the other way round
	base := scoring.Weights{Distance: 1}
	fit := scoring.Weights{SkillFit: 1}
	c := scoring.Compare(evs, base, fit, nil, scoring.CompareOptions{Resamples: 2000, Seed: 3})
	// NDCG@10 with grades (2, 0) is 1, with (0, 2) it is 3/log2(3) / 3 = 1/log2(3).
	lo := 1 / math.Log2(3)
	wantDiff := (3*(1-lo) + (lo - 1)) / 4
	if c.Listings != 4 || c.Needs != 2 || math.Abs(c.Diff-wantDiff) > 1e-12 {
		t.Fatalf("Compare = %d listings of %d needs, diff %v; want 4 of 2, %v", c.Listings, c.Needs, c.Diff, wantDiff)
	}
	// Resampling two needs gives A twice (+(1−lo)), B twice (−(1−lo)) or
	// one of each (the mean over the four listings): the 2.5% and 97.5%
	// quantiles are the extremes.
	if math.Abs(c.Low-(lo-1)) > 1e-12 || math.Abs(c.High-(1-lo)) > 1e-12 {
		t.Errorf("Compare interval [%v, %v], want [%v, %v]", c.Low, c.High, lo-1, 1-lo)
	}
	if c.Verdict() != "unclear" {
		t.Errorf("Verdict() = %q, want unclear", c.Verdict())
	}
	same := scoring.Compare(evs, fit, fit, nil, scoring.CompareOptions{})
	if same.Diff != 0 || same.Low != 0 || same.High != 0 {
		t.Errorf("Compare(w, w) = diff %v [%v, %v], want all 0", same.Diff, same.Low, same.High)
	}
}
