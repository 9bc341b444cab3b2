package scoring

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"volmatch"
)

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float64
		pos    []bool
		want   float64
	}{
		// Pairs (pos, neg): (0.35, 0.1) win, (0.35, 0.4) loss, (0.8, ·) two wins: 3/4.
		{"mixed", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		{"tie", []float64{0.5, 0.5}, []bool{true, false}, 0.5}, // a tie counts one half
		{"one class", []float64{1, 2, 3}, []bool{true, true, true}, 0.5},
		{"perfect", []float64{3, 2, 1}, []bool{true, false, false}, 1},
		// Mid-ranks: positive 0.5 ties with one negative: (1 + 0.5 + 0) / 3.
		{"mid-ranks", []float64{0.2, 0.5, 0.5, 0.9}, []bool{false, true, false, false}, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := AUC(c.scores, c.pos); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("AUC(%v, %v) = %v, want %v", c.scores, c.pos, got, c.want)
			}
		})
	}
}

// synthetic draws n samples from a known logistic model over random
// component values, in batches of 10.
func synthetic(n int, seed uint64, intercept float64, coef []float64) []Sample {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]Sample, n)
	for i := range out {
		x := make([]float64, NumComponents)
		for j := range x {
			x[j] = r.Float64()
		}
		z := intercept
		for j := range x {
			z += coef[j] * x[j]
		}
		out[i] = Sample{Batch: "B" + string(rune('a'+i/10%26)) + string(rune('a'+i/260%26)), X: x, Positive: r.Float64() < sigmoid(z)}
	}
	return out
}

func TestFitRecoversModel(t *testing.T) {
	// True model: skill −2 (clamped to 0 as a weight), distance 1, slack 0,
	// reliability 2, load 0, domain 3; intercept −2.
	coef := []float64{-2, 1, 0, 2, 0, 3}
	samples := synthetic(8000, 7, -2, coef)
	res, err := Fit(samples, FitOptions{L2: 1e-4, Seed: 3})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	for j, c := range coef {
		if math.Abs(res.Model.Coef[j]-c) > 0.35 {
			t.Errorf("Fit coefficient %s = %.3f, want %v ± 0.35", res.Names[j], res.Model.Coef[j], c)
		}
	}
	if math.Abs(res.Model.Intercept+2) > 0.35 {
		t.Errorf("Fit intercept = %.3f, want −2 ± 0.35", res.Model.Intercept)
	}
	w := res.Weights.Vector()
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if w[0] != 0 || math.Abs(sum-1) > 1e-9 || w[5] < w[3] || w[3] < w[1] {
		t.Errorf("Fit weights = %v (sum %v), want skill 0, sum 1, domain > reliability > distance", w, sum)
	}
	// The fitted model separates better than the default weights, whose
	// biggest weight (skill) is the wrong way round here.
	if !(res.HeldOut.AUC > res.DefaultHeldOut.AUC) || !(res.HeldOut.LogLoss < res.DefaultHeldOut.LogLoss) {
		t.Errorf("held out: fitted %+v, default %+v; want the fitted better in AUC and log-loss", res.HeldOut, res.DefaultHeldOut)
	}
	if res.HeldOut.Samples+res.Train.Samples != len(samples) || res.HeldOut.Samples == 0 {
		t.Errorf("split %d + %d, want %d with some held out", res.Train.Samples, res.HeldOut.Samples, len(samples))
	}
	// Deterministic for a seed: the whole result again.
	again, err := Fit(samples, FitOptions{L2: 1e-4, Seed: 3})
	if err != nil {
		t.Fatalf("Fit again: %v", err)
	}
	if diff := cmp.Diff(res, again); diff != "" {
		t.Errorf("Fit is not deterministic (-first +second):\n%s", diff)
	}
}

func TestFitRefuses(t *testing.T) {
	ok := synthetic(50, 1, 0, make([]float64, NumComponents))
	allNeg := synthetic(50, 1, -50, make([]float64, NumComponents))
	short := []Sample{{Batch: "b", X: []float64{1}, Positive: true}}
	for _, c := range []struct {
		name    string
		samples []Sample
		o       FitOptions
	}{
		{"none", nil, FitOptions{}},
		{"one class", allNeg, FitOptions{}},
		{"short vector", short, FitOptions{}},
		{"hold-out too big", ok, FitOptions{HoldOut: 0.95}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Fit(c.samples, c.o); volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("Fit(%s) error = %v, want EINVALID", c.name, err)
			}
		})
	}
}

// The replay log: B1 shows v1 (skill 1), v2 (skill 0.5, domain 1), v3
// (domain 0.5), v4 (never invited) for N1. v1 declines, v2 accepts and
// completes, v3 accepts and does not show up. B2 on N2 shows v5 (invited,
// expired because the shift was full: no label) and v6 (invitation still
// open: no label).
func replayLog() []volmatch.Event {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, volmatch.Beijing)
	bd := func(skill, domain float64) []volmatch.Component {
		vals := [NumComponents]float64{skill, 0, 0, 0, 0, domain}
		return NewScorer(nil, Options{}).Breakdown(vals)
	}
	e := func(typ volmatch.EventType, need, vol, inv, asg string, min int) volmatch.Event {
		return volmatch.Event{Type: typ, At: t0.Add(time.Duration(min) * time.Minute), Need: need, Shift: "s1", Volunteer: vol, Invite: inv, Assignment: asg}
	}
	show := func(need, batch, vol string, rank int, b []volmatch.Component) volmatch.Event {
		ev := e(volmatch.EventMatchShown, need, vol, "", "", 0)
		ev.Batch, ev.Rank, ev.Breakdown = batch, rank, b
		return ev
	}
	full := e(volmatch.EventInviteExpired, "N2", "v5", "I5", "", 50)
	full.Reason = ReasonShiftFull
	return []volmatch.Event{
		show("N1", "B1", "v1", 1, bd(1, 0)), show("N1", "B1", "v2", 2, bd(0.5, 1)),
		show("N1", "B1", "v3", 3, bd(0, 0.5)), show("N1", "B1", "v4", 4, bd(0, 0)),
		show("N2", "B2", "v5", 1, bd(1, 1)), show("N2", "B2", "v6", 2, bd(1, 1)),
		e(volmatch.EventInviteSent, "N1", "v1", "I1", "", 1), e(volmatch.EventInviteSent, "N1", "v2", "I2", "", 1),
		e(volmatch.EventInviteSent, "N1", "v3", "I3", "", 1), e(volmatch.EventInviteSent, "N2", "v5", "I5", "", 1),
		e(volmatch.EventInviteSent, "N2", "v6", "I6", "", 1),
		e(volmatch.EventInviteDeclined, "N1", "v1", "I1", "", 10),
		e(volmatch.EventInviteAccepted, "N1", "v2", "I2", "A2", 20),
		e(volmatch.EventInviteAccepted, "N1", "v3", "I3", "A3", 30),
		full,
		e(volmatch.EventCheckIn, "N1", "v2", "I2", "A2", 600), e(volmatch.EventCheckOut, "N1", "v2", "I2", "A2", 700),
		e(volmatch.EventNoShow, "N1", "v3", "I3", "A3", 620),
	}
}

func TestSamplesFromEvents(t *testing.T) {
	// Each sample carries its listing and its breakdown's component values
	// (replayLog's bd: skill first, domain preference last).
	// At is when the candidate was shown, Known when the outcome became
	// final: the decline (10 min), the checkout (700), the no-show (620).
	x := func(skill, domain float64) []float64 { return []float64{skill, 0, 0, 0, 0, domain} }
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, volmatch.Beijing)
	m := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	want := []Sample{
		{Batch: "B1", Need: "N1", Volunteer: "v1", At: t0, Known: m(10), X: x(1, 0), Positive: false},
		{Batch: "B1", Need: "N1", Volunteer: "v2", At: t0, Known: m(700), X: x(0.5, 1), Positive: true},
		{Batch: "B1", Need: "N1", Volunteer: "v3", At: t0, Known: m(620), X: x(0, 0.5), Positive: false},
	}
	if diff := cmp.Diff(want, SamplesFromEvents(replayLog())); diff != "" {
		t.Errorf("SamplesFromEvents mismatch (-want +got):\n%s", diff)
	}
}

func TestReplay(t *testing.T) {
	// Labelled in B1: v1 grade 0, v2 grade 2, v3 grade 1 (B2 has none).
	// Default weights (skill .30, domain .10): v1 .30, v2 .25, v3 .05 ->
	// grades [0 2 1]: DCG = 3/log2(3) + 1/2, ideal [2 1 0] = 3 + 1/log2(3).
	def := Replay(replayLog(), DefaultWeights(), 3)
	wantDef := (3/math.Log2(3) + 0.5) / (3 + 1/math.Log2(3))
	if def.Listings != 1 || def.Candidates != 3 || math.Abs(def.NDCGAtK-wantDef) > 1e-9 || def.MRR != 0.5 || math.Abs(def.LoggedNDCGAtK-wantDef) > 1e-9 {
		t.Errorf("Replay(default) = %+v, want 1 listing, 3 candidates, NDCG %.6f, MRR 0.5", def, wantDef)
	}
	// Domain preference alone: v2 1, v3 0.5, v1 0 -> grades [2 1 0]: NDCG 1.
	dom := Replay(replayLog(), Weights{DomainPreference: 1}, 3)
	if dom.NDCGAtK != 1 || dom.MRR != 1 || math.Abs(dom.LoggedNDCGAtK-wantDef) > 1e-9 {
		t.Errorf("Replay(domain) = %+v, want NDCG 1, MRR 1, logged %.6f", dom, wantDef)
	}
	// k = 1: default puts v1 (grade 0) first: NDCG@1 0.
	if r := Replay(replayLog(), DefaultWeights(), 1); r.NDCGAtK != 0 {
		t.Errorf("Replay(default, k=1) NDCG = %v, want 0", r.NDCGAtK)
	}
	if r := ReplayBatches(replayLog(), DefaultWeights(), 3, func(b string) bool { return b == "B2" }); r.Listings != 0 {
		t.Errorf("ReplayBatches(B2) = %+v, want no listings", r)
	}
}
