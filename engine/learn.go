package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// Flow 9b: what fitting would change (issue 18), for planners and admins.
//
// Learning fits the scorer's weights to the outcomes in the event log and
// judges them honestly against the weights in use: fitted on the listings
// shown before a cut (and the outcomes known by then), replayed on the
// listings after it; and, as a check, fitted on some needs and replayed on
// needs it never saw. Each comparison carries a bootstrap interval over
// needs of the NDCG@10 difference (scoring.Judge). The weights proposed are
// the time split's: exactly the weights whose held-out figures are shown.
//
// AdoptWeights puts the proposal in force and UndoWeights takes the latest
// adoption back. Both are events (weights.adopted, weights.undone): the
// weights in use are the fold of them over the log, so every replica reads
// the same ones (at Start, and every few seconds while it follows), and a
// restart keeps them. The rules are here: the proposal adopted must be the
// one computed at the log position it names, under the weights still in
// force (so a planner adopts what they saw, once); it must be better on the
// held-out listings after the cut (its interval above 0) and not worse on
// the unseen needs; no fit is made from fewer volunteers than the minimum
// group size; and only the latest adoption can be undone.

// Reasons of the learning refusals (volmatch.Error.Reason; Learning.Refusal).
const (
	ReasonNoFit          = "no_fit"          // too few outcomes, or one class only
	ReasonTooFewPeople   = "too_few_people"  // outcomes of fewer volunteers than the minimum group
	ReasonNotBetter      = "not_better"      // the held-out interval does not lie above 0
	ReasonUnchanged      = "unchanged"       // the fitted weights are the weights in use
	ReasonStaleProposal  = "stale_proposal"  // the proposal is not the one computed at its position
	ReasonWeightsChanged = "weights_changed" // weights were adopted or undone since the proposal
	ReasonNothingToUndo  = "nothing_to_undo" // no adoption in force
	ReasonNotLatest      = "not_latest"      // an adoption in force, but not the latest
)

// Verdicts of a held-out comparison (scoring.Comparison.Verdict), and
// "none" when nothing was fitted.
const (
	VerdictBetter  = "better"
	VerdictWorse   = "worse"
	VerdictUnclear = "unclear"
	VerdictNone    = "none"
)

// learnSeed seeds the need split and the bootstraps: the same log gives
// the same figures and the same proposal on every replica.
const learnSeed = 1

// Adoption is one adoption of fitted weights in force.
type Adoption struct {
	ID      string          `json:"id"`
	At      time.Time       `json:"at"`
	Weights scoring.Weights `json:"weights"`
}

// HeldOut is one honest test of fitting: weights fitted on one side of a
// split, replayed against the weights in use on the other.
type HeldOut struct {
	Split scoring.Split `json:"split"`
	// Cut of the time split: trained on listings shown (and outcomes
	// known) before it, tested on those shown at or after it.
	Cut time.Time `json:"cut,omitzero"`
	// The sides: listings and needs trained on and held out, needs on
	// both sides (0 for the need split), samples trained on and held out,
	// and samples before the cut left out because their outcome came
	// after it.
	TrainListings   int `json:"train_listings"`
	TrainNeeds      int `json:"train_needs"`
	HeldOutListings int `json:"held_out_listings"`
	HeldOutNeeds    int `json:"held_out_needs"`
	SharedNeeds     int `json:"shared_needs"`
	TrainSamples    int `json:"train_samples"`
	HeldOutSamples  int `json:"held_out_samples"`
	LateOutcomes    int `json:"late_outcomes"`
	// CurrentAUC and FittedAUC separate completed from failed invitations
	// on the held-out samples.
	CurrentAUC float64 `json:"current_auc"`
	FittedAUC  float64 `json:"fitted_auc"`
	// Replay is the NDCG@10 of the weights in use (baseline_ndcg) and of
	// the fitted ones on the held-out listings, the difference and its
	// bootstrap interval over needs.
	Replay  scoring.Comparison `json:"replay"`
	Verdict string             `json:"verdict"`
	// Weights are the weights fitted on this split's training side.
	Weights scoring.Weights `json:"weights"`
}

// Learning is what fitting would change: the weights in use against the
// fitted ones and the held-out figures behind them.
type Learning struct {
	// AsOf is the Seq of the newest event the figures were computed from.
	AsOf uint64 `json:"as_of"`
	// Names are the components, in the order of the weight vectors.
	Names []string `json:"names"`
	// Configured are the weights the engine was started with; Current
	// the weights in use (the latest adoption in force, or Configured).
	Configured scoring.Weights `json:"configured"`
	Current    scoring.Weights `json:"current"`
	// Fitted are the weights proposed: fitted on the listings before the
	// time split's cut. Nil when no fit could be made (Refusal says why).
	Fitted *scoring.Weights `json:"fitted"`
	// HeldOut holds the time split, then the need split.
	HeldOut []HeldOut `json:"held_out"`
	// Verdict is the time split's: better, worse, unclear, or none.
	Verdict string `json:"verdict"`
	// Proposal, set when the fitted weights may be adopted, is what
	// AdoptWeights takes; otherwise Refusal (a reason code) and Message
	// say why not.
	Proposal string `json:"proposal,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
	Message  string `json:"message,omitempty"`
	// Samples are the shown candidates with a final outcome.
	Samples int `json:"samples"`
	// Adoptions in force, oldest first: UndoWeights takes the last back.
	Adoptions []Adoption `json:"adoptions"`
}

// WeightsChange is the outcome of AdoptWeights or UndoWeights.
type WeightsChange struct {
	// Adoption is the adoption made or taken back.
	Adoption Adoption `json:"adoption"`
	// Current are the weights in use afterwards.
	Current   scoring.Weights `json:"current"`
	Adoptions []Adoption      `json:"adoptions"`
}

// learning is the engine's state of the flow.
type learning struct {
	configured scoring.Weights // Options.Weights

	change sync.Mutex // one adoption or undo at a time

	mu    sync.Mutex // guards last and stack
	last  uint64     // the Seq the fold has read to
	stack []Adoption // adoptions in force, oldest first

	log learnLog

	rmu     sync.Mutex
	reports map[uint64]Learning // by AsOf, the last few
}

// Weights returns the scorer weights in use.
func (e *Engine) Weights() scoring.Weights { return e.scorer().Weights() }

func (e *Engine) scorer() *scoring.Scorer { return e.scoring.Load() }

// mayLearn is the access rule of the flow: planners and admins.
func mayLearn(tok *volmatch.Token) error {
	if tok == nil || tok.Role != volmatch.RoleAdmin && tok.Role != volmatch.RolePlanner {
		role := volmatch.Role("")
		if tok != nil {
			role = tok.Role
		}
		return forbidden("the %q role may not read or change the scorer weights", role)
	}
	return nil
}

// Learning returns what fitting would change as of the newest event.
func (e *Engine) Learning(ctx context.Context, tok *volmatch.Token) (Learning, error) {
	if err := mayLearn(tok); err != nil {
		return Learning{}, err
	}
	if err := e.syncWeights(ctx); err != nil {
		return Learning{}, err
	}
	evs, last, err := e.learn.log.snapshot(ctx, e.store)
	if err != nil {
		return Learning{}, err
	}
	return e.learningAt(ctx, evs, last)
}

// AdoptWeights puts the fitted weights of proposal (Learning.Proposal) in
// force: it writes weights.adopted and the engine ranks with them from
// then on. EINVALID when proposal is malformed; ECONFLICT with a reason
// when it is not the proposal computed at its position (stale_proposal),
// weights were adopted or undone since (weights_changed), or the fit may
// not be adopted (its Refusal: not_better, unchanged, no_fit ...).
func (e *Engine) AdoptWeights(ctx context.Context, tok *volmatch.Token, proposal string) (WeightsChange, error) {
	if err := mayLearn(tok); err != nil {
		return WeightsChange{}, err
	}
	asOf, err := parseProposal(proposal)
	if err != nil {
		return WeightsChange{}, err
	}
	e.learn.change.Lock()
	defer e.learn.change.Unlock()
	if err := e.syncWeights(ctx); err != nil {
		return WeightsChange{}, err
	}
	evs, last, err := e.learn.log.snapshot(ctx, e.store)
	if err != nil {
		return WeightsChange{}, err
	}
	if asOf > last {
		return WeightsChange{}, volmatch.FieldError("proposal", "names event %d, beyond the newest event %d", asOf, last)
	}
	prefix := evs[:sort.Search(len(evs), func(i int) bool { return evs[i].Seq > asOf })]
	rep, err := e.learningAt(ctx, prefix, asOf)
	if err != nil {
		return WeightsChange{}, err
	}
	if rep.Proposal == "" {
		return WeightsChange{}, volmatch.Reasonf(volmatch.ECONFLICT, rep.Refusal, "the fitted weights may not be adopted: %s", rep.Message)
	}
	if rep.Proposal != proposal {
		return WeightsChange{}, volmatch.Reasonf(volmatch.ECONFLICT, ReasonStaleProposal, "the proposal is not the one computed at event %d; read the learning report again", asOf)
	}
	now := e.stackNow()
	if lastID(now) != lastID(rep.Adoptions) {
		return WeightsChange{}, volmatch.Reasonf(volmatch.ECONFLICT, ReasonWeightsChanged, "weights were adopted or undone since event %d; read the learning report again", asOf)
	}
	a := Adoption{ID: NewID("W"), At: e.now(), Weights: *rep.Fitted}
	ev := volmatch.Event{Type: volmatch.EventWeightsAdopted, At: a.At, Batch: a.ID, Breakdown: weightComponents(a.Weights),
		Score: rep.HeldOut[0].Replay.Diff}
	if err := e.store.AppendEvents(ctx, ev); err != nil {
		return WeightsChange{}, fmt.Errorf("engine: adopt weights: %w", err)
	}
	return e.changed(ctx, a)
}

// UndoWeights takes back the adoption with the ID, which must be the latest
// in force: it writes weights.undone and the engine ranks with the weights
// in force before it. EINVALID without an ID; ECONFLICT nothing_to_undo
// when no adoption is in force, not_latest when a later one is; ENOTFOUND
// when no adoption in force has the ID.
func (e *Engine) UndoWeights(ctx context.Context, tok *volmatch.Token, id string) (WeightsChange, error) {
	if err := mayLearn(tok); err != nil {
		return WeightsChange{}, err
	}
	if strings.TrimSpace(id) == "" {
		return WeightsChange{}, volmatch.FieldError("adoption", "is required: the id of the latest adoption in force")
	}
	e.learn.change.Lock()
	defer e.learn.change.Unlock()
	if err := e.syncWeights(ctx); err != nil {
		return WeightsChange{}, err
	}
	stack := e.stackNow()
	if len(stack) == 0 {
		return WeightsChange{}, volmatch.Reasonf(volmatch.ECONFLICT, ReasonNothingToUndo, "no adoption of fitted weights is in force")
	}
	top := stack[len(stack)-1]
	if top.ID != id {
		for _, a := range stack {
			if a.ID == id {
				return WeightsChange{}, volmatch.Reasonf(volmatch.ECONFLICT, ReasonNotLatest, "adoption %s is not the latest in force (%s is); undo that first", id, top.ID)
			}
		}
		return WeightsChange{}, volmatch.Errorf(volmatch.ENOTFOUND, "no adoption %q in force", id)
	}
	restored := e.learn.configured
	if len(stack) > 1 {
		restored = stack[len(stack)-2].Weights
	}
	ev := volmatch.Event{Type: volmatch.EventWeightsUndone, At: e.now(), Batch: id, Breakdown: weightComponents(restored)}
	if err := e.store.AppendEvents(ctx, ev); err != nil {
		return WeightsChange{}, fmt.Errorf("engine: undo weights: %w", err)
	}
	return e.changed(ctx, top)
}

// changed reads the event just written into the fold and reports.
func (e *Engine) changed(ctx context.Context, a Adoption) (WeightsChange, error) {
	if err := e.syncWeights(ctx); err != nil {
		return WeightsChange{}, err
	}
	return WeightsChange{Adoption: a, Current: e.Weights(), Adoptions: nonNil(e.stackNow())}, nil
}

func (e *Engine) stackNow() []Adoption {
	e.learn.mu.Lock()
	defer e.learn.mu.Unlock()
	return append([]Adoption(nil), e.learn.stack...)
}

func lastID(as []Adoption) string {
	if len(as) == 0 {
		return ""
	}
	return as[len(as)-1].ID
}

// learningAt computes the report over evs, the learning log up to asOf,
// or returns the one computed before.
func (e *Engine) learningAt(ctx context.Context, evs []volmatch.Event, asOf uint64) (Learning, error) {
	e.learn.rmu.Lock()
	if r, ok := e.learn.reports[asOf]; ok {
		e.learn.rmu.Unlock()
		return r, nil
	}
	e.learn.rmu.Unlock()

	var stack []Adoption
	for i := range evs {
		stack = foldWeights(stack, &evs[i])
	}
	current := e.learn.configured
	if len(stack) > 0 {
		current = stack[len(stack)-1].Weights
	}
	rep := Learning{AsOf: asOf, Names: scoring.Names(), Configured: e.learn.configured, Current: current,
		HeldOut: []HeldOut{}, Verdict: VerdictNone, Adoptions: nonNil(stack)}
	samples := scoring.SamplesFromEvents(evs)
	rep.Samples = len(samples)
	people := map[string]bool{}
	for _, s := range samples {
		people[s.Volunteer] = true
	}
	switch {
	case len(samples) == 0:
		rep.Refusal, rep.Message = ReasonNoFit, "no shown candidate has a final outcome yet"
	case len(people) < e.minGroup:
		// Weights fitted to a handful of people describe them.
		rep.Refusal, rep.Message = ReasonTooFewPeople, fmt.Sprintf("the outcomes are of fewer than %d volunteers", e.minGroup)
	default:
		for _, sp := range []scoring.Split{scoring.SplitTime, scoring.SplitNeed} {
			if err := ctx.Err(); err != nil {
				return Learning{}, volmatch.Errorf(volmatch.EUNAVAILABLE, "learning: %v", err)
			}
			j, err := scoring.Judge(evs, scoring.FitOptions{Split: sp, Seed: learnSeed, Baseline: current},
				scoring.CompareOptions{Seed: learnSeed})
			if err != nil {
				if volmatch.ErrorCode(err) != volmatch.EINVALID {
					return Learning{}, err
				}
				rep.Refusal, rep.Message = ReasonNoFit, fmt.Sprintf("%s split: %s", sp, volmatch.ErrorMessage(err))
				break
			}
			rep.HeldOut = append(rep.HeldOut, heldOut(j))
		}
	}
	if len(rep.HeldOut) > 0 && rep.HeldOut[0].Split == scoring.SplitTime {
		w := rep.HeldOut[0].Weights
		rep.Fitted = &w
		rep.Verdict = rep.HeldOut[0].Verdict
	}
	if rep.Refusal == "" {
		switch t, n := rep.HeldOut[0], rep.HeldOut[1]; {
		case t.Verdict != VerdictBetter:
			rep.Refusal, rep.Message = ReasonNotBetter, fmt.Sprintf("on the %d listings after %s the fitted weights change NDCG@10 by %+.4f, interval [%+.4f, %+.4f]: not above 0",
				t.Replay.Listings, t.Cut.In(volmatch.Beijing).Format("2006-01-02 15:04"), t.Replay.Diff, t.Replay.Low, t.Replay.High)
		case n.Verdict == VerdictWorse:
			rep.Refusal, rep.Message = ReasonNotBetter, fmt.Sprintf("on needs the fit never saw the fitted weights change NDCG@10 by %+.4f, interval [%+.4f, %+.4f]: worse",
				n.Replay.Diff, n.Replay.Low, n.Replay.High)
		case *rep.Fitted == current:
			rep.Refusal, rep.Message = ReasonUnchanged, "the fitted weights are the weights in use"
		default:
			rep.Proposal = proposalID(asOf, current, *rep.Fitted, lastID(stack))
		}
	}
	e.learn.rmu.Lock()
	if len(e.learn.reports) >= 4 {
		clear(e.learn.reports)
	}
	if e.learn.reports == nil {
		e.learn.reports = map[uint64]Learning{}
	}
	e.learn.reports[asOf] = rep
	e.learn.rmu.Unlock()
	return rep, nil
}

func heldOut(j scoring.Judgement) HeldOut {
	f := j.Fit
	return HeldOut{Split: f.Split, Cut: f.Cut, TrainListings: f.TrainListings, TrainNeeds: f.TrainNeeds,
		HeldOutListings: f.HeldOutListings, HeldOutNeeds: f.HeldOutNeeds, SharedNeeds: f.SharedNeeds,
		TrainSamples: f.Train.Samples, HeldOutSamples: f.HeldOut.Samples, LateOutcomes: f.LateOutcomes,
		CurrentAUC: f.DefaultHeldOut.AUC, FittedAUC: f.HeldOut.AUC, Replay: j.Replay, Verdict: j.Replay.Verdict(),
		Weights: f.Weights}
}

// proposalID names a proposal: the log position and a digest of what it
// was computed under (the weights in use, the latest adoption) and what it
// proposes, so that a proposal read on one replica is checked on another.
func proposalID(asOf uint64, current, fitted scoring.Weights, top string) string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], asOf)
	h.Write(b[:])
	for _, w := range [][]float64{current.Vector(), fitted.Vector()} {
		for _, x := range w {
			binary.BigEndian.PutUint64(b[:], math.Float64bits(x))
			h.Write(b[:])
		}
	}
	h.Write([]byte(top))
	return strconv.FormatUint(asOf, 10) + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// parseProposal reads the log position of a proposal; EINVALID naming
// "proposal" when it is not of the form Learning.Proposal has.
func parseProposal(p string) (uint64, error) {
	seq, digest, ok := strings.Cut(p, "-")
	asOf, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || len(digest) != 16 || strings.Trim(digest, "0123456789abcdef") != "" {
		return 0, volmatch.FieldError("proposal", "must be the proposal of the learning report (<event>-<16 hex digits>), got %q", truncate(p, 40))
	}
	return asOf, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// weightComponents writes weights into an event's breakdown.
func weightComponents(w scoring.Weights) []volmatch.Component {
	v := w.Vector()
	out := make([]volmatch.Component, len(v))
	for i, name := range scoring.Names() {
		out[i] = volmatch.Component{Name: name, Weight: v[i]}
	}
	return out
}

// weightsOf reads weights from an event's breakdown.
func weightsOf(bd []volmatch.Component) (scoring.Weights, error) {
	v := make([]float64, scoring.NumComponents)
	for i, name := range scoring.Names() {
		found := false
		for _, c := range bd {
			if c.Name == name {
				v[i], found = c.Weight, true
			}
		}
		if !found {
			return scoring.Weights{}, volmatch.FieldError("breakdown", "lacks the weight of %s", name)
		}
	}
	w, err := scoring.WeightsFromVector(v)
	if err == nil && w.IsZero() {
		err = volmatch.FieldError("breakdown", "every weight is 0")
	}
	return w, err
}

// foldWeights applies one event to the adoptions in force: an adoption is
// pushed, an undo of the latest pops it. An undo of another adoption, or
// an adoption whose weights do not read, changes nothing.
// weightsTypes are the events foldWeights reads.
var weightsTypes = []volmatch.EventType{volmatch.EventWeightsAdopted, volmatch.EventWeightsUndone}

func foldWeights(stack []Adoption, ev *volmatch.Event) []Adoption {
	switch ev.Type {
	case volmatch.EventWeightsAdopted:
		w, err := weightsOf(ev.Breakdown)
		if err != nil || ev.Batch == "" {
			return stack
		}
		return append(stack, Adoption{ID: ev.Batch, At: ev.At, Weights: w})
	case volmatch.EventWeightsUndone:
		if len(stack) > 0 && stack[len(stack)-1].ID == ev.Batch {
			return stack[:len(stack)-1]
		}
	}
	return stack
}

// syncWeights folds the weights events written since the last call into
// the adoptions in force and puts the weights they give in the scorer.
func (e *Engine) syncWeights(ctx context.Context) error {
	e.learn.mu.Lock()
	defer e.learn.mu.Unlock()
	for {
		evs, through, err := e.store.EventsOf(ctx, e.learn.last, eventPage, weightsTypes...)
		if err != nil {
			return fmt.Errorf("engine: read the event log after %d: %w", e.learn.last, err)
		}
		for i := range evs {
			e.learn.stack = foldWeights(e.learn.stack, &evs[i])
		}
		e.learn.last = max(e.learn.last, through)
		if len(evs) < eventPage {
			break
		}
	}
	w := e.learn.configured
	if n := len(e.learn.stack); n > 0 {
		w = e.learn.stack[n-1].Weights
	}
	if e.scorer().Weights() != w {
		e.scoring.Store(scoring.NewScorer(e.tax, scoring.Options{Weights: w}))
	}
	return nil
}

// followWeights keeps the weights in step with the log (adoptions made on
// another replica) until ctx is done.
func (e *Engine) followWeights(ctx context.Context, every time.Duration) {
	every = max(5*every, 5*time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := e.syncWeights(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("weights catch-up failed", "err", volmatch.Scrub(err))
		}
	}
}

// learnLog is an in-memory copy of the events fitting reads (match.shown
// with its breakdown, the invitations and their outcomes, the weights
// events), caught up on each read: kept apart from the reports' copy,
// which drops the breakdowns, and filled only once a planner asks.
type learnLog struct {
	mu     sync.Mutex
	events []volmatch.Event
	last   uint64
}

func learnable(t volmatch.EventType) bool {
	switch t {
	case volmatch.EventMatchShown, volmatch.EventInviteSent, volmatch.EventInviteAccepted, volmatch.EventInviteDeclined,
		volmatch.EventInviteExpired, volmatch.EventCheckOut, volmatch.EventNoShow,
		volmatch.EventWeightsAdopted, volmatch.EventWeightsUndone:
		return true
	}
	return false
}

// snapshot catches the copy up with log and returns it with the Seq of the
// newest event read.
func (c *learnLog) snapshot(ctx context.Context, log volmatch.EventLog) ([]volmatch.Event, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		evs, err := log.Events(ctx, c.last, eventPage)
		if err != nil {
			return nil, 0, fmt.Errorf("engine: read the event log after %d: %w", c.last, err)
		}
		for _, ev := range evs {
			if ev.Seq <= c.last {
				continue
			}
			c.last = ev.Seq
			if !learnable(ev.Type) {
				continue
			}
			// Only what fitting and replay read.
			ev.Shifts, ev.Gates, ev.District, ev.Street, ev.Domain, ev.TargetGroup, ev.Org = nil, nil, "", "", "", "", ""
			c.events = append(c.events, ev)
		}
		if len(evs) < eventPage {
			break
		}
	}
	n := len(c.events)
	return c.events[:n:n], c.last, nil
}
