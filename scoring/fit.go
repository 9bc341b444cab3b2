package scoring

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gonum.org/v1/gonum/optimize"

	"volmatch"
)

// Sample is one logged candidate with a known outcome: the values of the
// score's components when the volunteer was shown for a need (in the
// breakdown's component order, Names), and whether the invitation that
// followed ended well.
type Sample struct {
	Batch     string `json:"batch"`
	Need      string `json:"need"`
	Volunteer string `json:"volunteer"`
	// At is when the candidate was shown; Known when the outcome became
	// final (the checkout, no-show, decline or expiry). The time split
	// trains only on what was known before its cut.
	At    time.Time `json:"at"`
	Known time.Time `json:"known"`
	// X holds the component values, X[i] for Names[i] of the sample set.
	X []float64 `json:"x"`
	// Positive: accepted and completed. Negative: declined, expired (not
	// for a full shift) or no-show.
	Positive bool `json:"positive"`
}

// FitOptions configure Fit. The zero value works: L2 0.01, seed 0, hold-out
// 0.3 of the listings drawn at random (SplitPage), compared with the
// default weights.
type FitOptions struct {
	// L2 is the ridge penalty λ on the coefficients (not the intercept) of
	// the mean log-loss: loss + λ/2·‖β‖².
	L2 float64
	// Seed orders the batches for the hold-out split.
	Seed uint64
	// HoldOut is the share held out for evaluation, in [0, 0.9]: of the
	// listings (SplitPage), of the needs (SplitNeed), or of the listings by
	// time, latest last (SplitTime without a Cut); 0 means 0.3, a negative
	// value holds nothing out.
	HoldOut float64
	// Split is how the held-out samples are chosen ("" is SplitPage).
	Split Split
	// Cut is the time of SplitTime: the listings shown at or after it are
	// held out. Zero puts it where HoldOut of the listings are at or after
	// it.
	Cut time.Time
	// Baseline are the weights the fit is compared with and scaled to
	// (zero means DefaultWeights): the weights in use.
	Baseline Weights
}

// Split names how Fit chooses the samples it holds out.
type Split string

// The splits. Listings (pages of a shift's candidates) of the same need
// and shift, and the same volunteers, fall on both sides of a split by
// page; the time split trains on the past and tests on the future, as the
// weights would be used; the need split tests on needs the fit never saw.
const (
	// SplitPage holds out a seeded random share of the listings (batches).
	SplitPage Split = "page"
	// SplitTime holds out the listings shown at or after the cut and
	// trains on the listings shown before it whose outcome was known
	// before it.
	SplitTime Split = "time"
	// SplitNeed holds out a seeded random share of the needs, every
	// listing of a need on one side.
	SplitNeed Split = "need"
)

// Splits returns the splits in the order they are reported.
func Splits() []Split { return []Split{SplitTime, SplitNeed, SplitPage} }

// Model is a logistic model of P(positive | x) = σ(Intercept + Coef·x).
type Model struct {
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
}

// Prob returns σ(Intercept + Coef·x).
func (m Model) Prob(x []float64) float64 {
	z := m.Intercept
	for i, c := range m.Coef {
		z += c * x[i]
	}
	return sigmoid(z)
}

// Quality is how well scores separate positives from negatives on a set of
// samples.
type Quality struct {
	Samples   int     `json:"samples"`
	Positives int     `json:"positives"`
	LogLoss   float64 `json:"log_loss"` // mean −log p(label), natural log
	AUC       float64 `json:"auc"`      // ties count one half
}

// FitResult is the outcome of Fit.
type FitResult struct {
	Names []string `json:"names"` // component order of the vectors below
	Model Model    `json:"model"`
	// Weights are the fitted coefficients made into a weight set: negative
	// coefficients clamped to 0, then scaled so the weights add up to the
	// default weights' sum (a positive scale does not change a ranking, so
	// the order equals the model's wherever no coefficient was clamped).
	Weights Weights `json:"weights"`
	Default Weights `json:"default"`
	// Train and HeldOut are the fitted model's quality; DefaultHeldOut the
	// default weights' on the held-out samples, their score calibrated to a
	// probability by a one-feature logistic fit on the training samples
	// (AUC needs no calibration).
	Train          Quality `json:"train"`
	HeldOut        Quality `json:"held_out"`
	DefaultHeldOut Quality `json:"default_held_out"`
	// HeldOutBatches are the batch ids held out, sorted; replay them with
	// ReplayBatches to compare weight sets on data the fit did not see.
	HeldOutBatches []string `json:"held_out_batches"`
	Iterations     int      `json:"iterations"`
	// Split and, for SplitTime, Cut are the split used.
	Split Split     `json:"split"`
	Cut   time.Time `json:"cut,omitzero"`
	// Sides of the split: the listings and needs trained on and held out,
	// the needs and volunteers found on both sides, and (SplitTime) the
	// samples shown before the cut left out of training because their
	// outcome came after it.
	TrainListings    int `json:"train_listings"`
	HeldOutListings  int `json:"held_out_listings"`
	TrainNeeds       int `json:"train_needs"`
	HeldOutNeeds     int `json:"held_out_needs"`
	SharedNeeds      int `json:"shared_needs"`
	SharedVolunteers int `json:"shared_volunteers"`
	LateOutcomes     int `json:"late_outcomes"`
}

// Fit fits the component weights to logged outcomes by L2-regularised
// logistic regression (gonum's L-BFGS with the analytic gradient), holding
// out samples by o.Split: a seeded share of the listings (SplitPage), of
// the needs (SplitNeed), or the listings after a cut (SplitTime, training
// only on outcomes known before it). Judge compares the result with the
// baseline by replay. The samples' X must have the length of
// the breakdown (NumComponents, in the order of Names). It returns EINVALID when there are
// no samples, vectors of the wrong length, or only one class to train on.
func Fit(samples []Sample, o FitOptions) (FitResult, error) {
	names := Names()
	d := NumComponents
	if o.L2 == 0 {
		o.L2 = 0.01
	}
	if o.HoldOut == 0 {
		o.HoldOut = 0.3
	}
	if o.HoldOut > 0.9 {
		return FitResult{}, volmatch.FieldError("hold_out", "must be at most 0.9, got %v", o.HoldOut)
	}
	if len(samples) == 0 {
		return FitResult{}, volmatch.Errorf(volmatch.EINVALID, "no samples to fit")
	}
	for i, s := range samples {
		if len(s.X) != d {
			return FitResult{}, volmatch.FieldError(fmt.Sprintf("samples[%d].x", i), "has %d values, want %d", len(s.X), d)
		}
	}
	if o.Split == "" {
		o.Split = SplitPage
	}
	held, cut, err := holdOut(samples, o)
	if err != nil {
		return FitResult{}, err
	}
	var train, test []Sample
	late := 0
	for _, s := range samples {
		switch {
		case held[s.Batch]:
			test = append(test, s)
		case o.Split == SplitTime && !s.Known.Before(cut):
			late++ // shown before the cut, outcome known only after it
		default:
			train = append(train, s)
		}
	}
	if len(train) == 0 {
		return FitResult{}, volmatch.Errorf(volmatch.EINVALID, "no samples to train on before the split (%s)", o.Split)
	}
	pos := 0
	for _, s := range train {
		if s.Positive {
			pos++
		}
	}
	if pos == 0 || pos == len(train) {
		return FitResult{}, volmatch.Errorf(volmatch.EINVALID, "the training samples hold one class only (%d of %d positive)", pos, len(train))
	}
	xs := make([][]float64, len(train))
	for i, s := range train {
		xs[i] = s.X
	}
	m, iters, err := logistic(xs, labels(train), o.L2)
	if err != nil {
		return FitResult{}, err
	}
	def := o.Baseline
	if def.IsZero() {
		def = DefaultWeights()
	}
	if err := def.Validate(); err != nil {
		return FitResult{}, err
	}
	r := FitResult{Names: names, Model: m, Default: def, Iterations: iters, Split: o.Split, LateOutcomes: late}
	if o.Split == SplitTime {
		r.Cut = cut
	}
	r.sides(train, test)
	r.Weights, err = weightsFromCoef(m.Coef, def)
	if err != nil {
		return FitResult{}, err
	}
	r.Train = quality(train, m.Prob)
	r.HeldOut = quality(test, m.Prob)
	// The default weights' score, calibrated on the training samples.
	dv := def.Vector()
	score := func(x []float64) float64 { return dot(dv, x) }
	cal := make([][]float64, len(train))
	for i, s := range train {
		cal[i] = []float64{score(s.X)}
	}
	cm, _, err := logistic(cal, labels(train), 0)
	if err != nil {
		return FitResult{}, err
	}
	r.DefaultHeldOut = quality(test, func(x []float64) float64 { return cm.Prob([]float64{score(x)}) })
	for b := range held {
		r.HeldOutBatches = append(r.HeldOutBatches, b)
	}
	sort.Strings(r.HeldOutBatches)
	return r, nil
}

// holdOut picks the batches held out by o.Split and returns them with the
// cut of SplitTime. SplitPage: the distinct batches in sorted order,
// shuffled by a PCG seeded with o.Seed, the first HoldOut share of them
// (rounded, at least one when any is asked and there are two or more).
// SplitNeed: the same over the distinct needs, every batch of a held-out
// need held out. SplitTime: the batches shown at or after o.Cut, or when
// it is zero after the time that leaves the HoldOut share of the batches
// (by their first showing, ties by batch id) on or after it.
func holdOut(samples []Sample, o FitOptions) (map[string]bool, time.Time, error) {
	held := map[string]bool{}
	if o.HoldOut <= 0 {
		return held, o.Cut, nil
	}
	first := map[string]time.Time{} // batch -> first shown
	needOf := map[string]string{}
	for _, s := range samples {
		if t, ok := first[s.Batch]; !ok || s.At.Before(t) {
			first[s.Batch] = s.At
		}
		needOf[s.Batch] = s.Need
	}
	bs := make([]string, 0, len(first))
	for b := range first {
		bs = append(bs, b)
	}
	sort.Strings(bs)
	share := func(n int) int {
		k := int(math.Round(o.HoldOut * float64(n)))
		if k == 0 && n >= 2 {
			k = 1
		}
		if k >= n {
			k = n - 1
		}
		return max(0, k)
	}
	switch o.Split {
	case SplitPage:
		r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
		r.Shuffle(len(bs), func(i, j int) { bs[i], bs[j] = bs[j], bs[i] })
		for _, b := range bs[:share(len(bs))] {
			held[b] = true
		}
		return held, time.Time{}, nil
	case SplitNeed:
		seen := map[string]bool{}
		var needs []string
		for _, b := range bs {
			if n := needOf[b]; !seen[n] {
				seen[n] = true
				needs = append(needs, n)
			}
		}
		sort.Strings(needs)
		r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
		r.Shuffle(len(needs), func(i, j int) { needs[i], needs[j] = needs[j], needs[i] })
		out := map[string]bool{}
		for _, n := range needs[:share(len(needs))] {
			out[n] = true
		}
		for _, b := range bs {
			if out[needOf[b]] {
				held[b] = true
			}
		}
		return held, time.Time{}, nil
	case SplitTime:
		cut := o.Cut
		if cut.IsZero() {
			sort.SliceStable(bs, func(i, j int) bool { return first[bs[i]].Before(first[bs[j]]) })
			n := share(len(bs))
			if n == 0 {
				return held, cut, nil
			}
			cut = first[bs[len(bs)-n]]
		}
		for _, b := range bs {
			if !first[b].Before(cut) {
				held[b] = true
			}
		}
		return held, cut, nil
	}
	return nil, time.Time{}, volmatch.FieldError("split", "must be %q, %q or %q, got %q", SplitTime, SplitNeed, SplitPage, o.Split)
}

// sides counts the listings, needs and volunteers on each side of the split.
func (r *FitResult) sides(train, test []Sample) {
	count := func(ss []Sample) (bs, ns, vs map[string]bool) {
		bs, ns, vs = map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, s := range ss {
			bs[s.Batch], ns[s.Need], vs[s.Volunteer] = true, true, true
		}
		return bs, ns, vs
	}
	tb, tn, tv := count(train)
	hb, hn, hv := count(test)
	r.TrainListings, r.HeldOutListings, r.TrainNeeds, r.HeldOutNeeds = len(tb), len(hb), len(tn), len(hn)
	for n := range hn {
		if tn[n] {
			r.SharedNeeds++
		}
	}
	for v := range hv {
		if tv[v] {
			r.SharedVolunteers++
		}
	}
}

func labels(ss []Sample) []bool {
	y := make([]bool, len(ss))
	for i, s := range ss {
		y[i] = s.Positive
	}
	return y
}

// logistic minimises the mean log-loss plus l2/2·‖β‖² (the intercept is not
// penalised) over x with L-BFGS, from zero.
func logistic(xs [][]float64, y []bool, l2 float64) (Model, int, error) {
	d := len(xs[0])
	n := float64(len(xs))
	// theta = [intercept, β...]
	eval := func(theta, grad []float64) float64 {
		if grad != nil {
			clear(grad)
		}
		loss := 0.0
		for i, x := range xs {
			z := theta[0]
			for j, v := range x {
				z += theta[j+1] * v
			}
			// log(1+e^z) − y·z, computed stably.
			if y[i] {
				loss += softplus(-z)
			} else {
				loss += softplus(z)
			}
			if grad != nil {
				g := sigmoid(z)
				if y[i] {
					g--
				}
				grad[0] += g
				for j, v := range x {
					grad[j+1] += g * v
				}
			}
		}
		loss /= n
		for j := 1; j <= d; j++ {
			loss += l2 / 2 * theta[j] * theta[j]
		}
		if grad != nil {
			for j := range grad {
				grad[j] /= n
				if j > 0 {
					grad[j] += l2 * theta[j]
				}
			}
		}
		return loss
	}
	p := optimize.Problem{
		Func: func(theta []float64) float64 { return eval(theta, nil) },
		Grad: func(grad, theta []float64) { eval(theta, grad) },
	}
	res, err := optimize.Minimize(p, make([]float64, d+1), &optimize.Settings{GradientThreshold: 1e-8}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return Model{}, 0, fmt.Errorf("scoring: fit: %w", err)
	}
	// A run that stops on an iteration or line-search limit still holds the
	// best point found; only a non-finite result is a failure.
	for _, v := range res.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Model{}, 0, errors.New("scoring: fit: the optimiser diverged")
		}
	}
	return Model{Intercept: res.X[0], Coef: append([]float64(nil), res.X[1:]...)}, res.Stats.MajorIterations, nil
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus returns log(1 + e^z) without overflow.
func softplus(z float64) float64 {
	if z > 30 {
		return z
	}
	return math.Log1p(math.Exp(z))
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// quality measures prob on samples: mean log-loss (probabilities clipped to
// [1e-12, 1−1e-12]) and AUC.
func quality(ss []Sample, prob func([]float64) float64) Quality {
	q := Quality{Samples: len(ss)}
	if len(ss) == 0 {
		return q
	}
	ps := make([]float64, len(ss))
	y := make([]bool, len(ss))
	for i, s := range ss {
		p := math.Min(math.Max(prob(s.X), 1e-12), 1-1e-12)
		ps[i], y[i] = p, s.Positive
		if s.Positive {
			q.Positives++
			q.LogLoss -= math.Log(p)
		} else {
			q.LogLoss -= math.Log(1 - p)
		}
	}
	q.LogLoss /= float64(len(ss))
	q.AUC = AUC(ps, y)
	return q
}

// AUC returns the area under the ROC curve of scores for the labels: the
// probability that a random positive scores above a random negative, ties
// counting one half (the Mann–Whitney statistic with mid-ranks); 0.5 when
// either class is empty.
func AUC(scores []float64, positive []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var np, nn, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of 1-based ranks i+1..j
		for k := i; k < j; k++ {
			if positive[idx[k]] {
				np++
				rankSum += mid
			} else {
				nn++
			}
		}
		i = j
	}
	if np == 0 || nn == 0 {
		return 0.5
	}
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// weightsFromCoef turns fitted coefficients into weights: negative ones are
// clamped to 0 (a component that lowers the odds gets no weight, since
// weights must be non-negative), the rest scaled so that they add up to the
// sum of def. When no coefficient is positive, def is returned.
func weightsFromCoef(coef []float64, def Weights) (Weights, error) {
	x := make([]float64, len(coef))
	sum := 0.0
	for i, c := range coef {
		x[i] = math.Max(c, 0)
		sum += x[i]
	}
	if sum == 0 {
		return def, nil
	}
	target := 0.0
	for _, v := range def.Vector() {
		target += v
	}
	for i := range x {
		x[i] *= target / sum
	}
	w, err := WeightsFromVector(x)
	if err != nil {
		return Weights{}, fmt.Errorf("scoring: fitted weights: %w", err)
	}
	return w, nil
}
