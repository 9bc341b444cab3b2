package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// simulatedLog is the event log of weeks of service simulated from
// volunteers' hidden preferences, which the default weights do not know
// (a strong preference for their own domains): built once per size.
var simulatedLog = sync.OnceValues(func() ([]volmatch.Event, []volmatch.Event) {
	sim := func(vols, needs int, seed uint64) []volmatch.Event {
		pop := datasets.Generate(datasets.GenOptions{Volunteers: vols, Needs: needs, Seed: seed})
		r, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers),
			scoring.NewScorer(taxonomy.Load(), scoring.Options{}), datasets.SimOptions{Seed: seed})
		if err != nil {
			panic(err)
		}
		// Only what fitting reads (and need.posted): a smaller log to
		// store and read.
		var out []volmatch.Event
		for _, ev := range r.Events {
			switch ev.Type {
			case volmatch.EventRated, volmatch.EventCheckIn, volmatch.EventNeedClosed:
				continue
			}
			out = append(out, ev)
		}
		return out
	}
	// Enough outcomes for the fit to win with an interval above 0; too
	// few for that (the interval holds 0).
	return sim(5000, 600, 42), sim(3000, 400, 18)
})

// learnVolunteers are two volunteers the fitted weights order otherwise
// than the defaults: N at the need's site, preferring no domain; P 4 km
// away, preferring the need's domain (elderly_care).
func learnVolunteers() []*volmatch.Volunteer {
	return []*volmatch.Volunteer{
		fixture.Volunteer("N", fixture.At(fixture.Site), fixture.Prefers()),
		fixture.Volunteer("P", fixture.At(volmatch.Point{Lat: fixture.Site.Lat + 0.036, Lng: fixture.Site.Lng})),
	}
}

// learnEngine returns a started engine over a real bbolt file holding the
// learn volunteers, need N1 and the log evs, and the store.
func learnEngine(t *testing.T, evs []volmatch.Event) (*engine.Engine, *bolt.Store, func() *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutVolunteers(ctx, learnVolunteers()); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvents(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	// another starts one more engine over the same store: a second
	// replica, or the same one restarted.
	another := func() *engine.Engine {
		tax := taxonomy.Load()
		text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { text.Close() })
		e := engine.New(st, text, tax, engine.Options{Now: func() time.Time { return now }})
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := another()
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	return e, st, another
}

// order returns the volunteers of N1's matches, best first, and checks
// that each breakdown carries the weights w and sums to the score.
func order(t *testing.T, e *engine.Engine, w scoring.Weights) []string {
	t.Helper()
	m, err := e.Matches(context.Background(), sw1, "N1", engine.RankOptions{K: 5})
	if err != nil {
		t.Fatalf("Matches: %v", err)
	}
	var ids []string
	for _, x := range m.Matches {
		ids = append(ids, x.Volunteer)
		for i, c := range x.Breakdown {
			if c.Weight != w.Vector()[i] {
				t.Errorf("Matches: %s weighs %s by %v, want %v", x.Volunteer, c.Name, c.Weight, w.Vector()[i])
			}
		}
		if got := scoring.Total(x.Breakdown); math.Abs(got-x.Score) > 1e-12 {
			t.Errorf("Matches: %s score %v, breakdown sums to %v", x.Volunteer, x.Score, got)
		}
	}
	return ids
}

// weightsEvents counts the weights events in the whole log.
func weightsEvents(t *testing.T, st volmatch.EventLog) (adopted, undone int) {
	t.Helper()
	var after uint64
	for {
		evs, err := st.Events(context.Background(), after, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return adopted, undone
		}
		for _, ev := range evs {
			switch ev.Type {
			case volmatch.EventWeightsAdopted:
				adopted++
			case volmatch.EventWeightsUndone:
				undone++
			}
		}
		after = evs[len(evs)-1].Seq
	}
}

func reasonOf(err error) string {
	var e *volmatch.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// TestLearningAdoptUndo: a planner sees the fitted weights beside the ones
// in use with the held-out figures; adopting writes weights.adopted and the
// engine ranks with the fitted weights (here: the volunteer who prefers the
// domain overtakes the nearer one), on this replica, on one started after,
// and after a restart; undoing writes weights.undone and ranks as before.
// A replayed adoption or undo is refused, not done twice.
func TestLearningAdoptUndo(t *testing.T) {
	ctx := context.Background()
	good, _ := simulatedLog()
	e, st, another := learnEngine(t, good)
	def := scoring.DefaultWeights()
	if got := order(t, e, def); !slices.Equal(got, []string{"N", "P"}) {
		t.Fatalf("before: matches %v, want [N P] (nearer first under the defaults)", got)
	}

	l, err := e.Learning(ctx, planner)
	if err != nil {
		t.Fatalf("Learning: %v", err)
	}
	if l.Fitted == nil || l.Proposal == "" || l.Verdict != engine.VerdictBetter || l.Refusal != "" {
		t.Fatalf("Learning = fitted %v proposal %q verdict %q refusal %q (%s); want a proposal judged better", l.Fitted, l.Proposal, l.Verdict, l.Refusal, l.Message)
	}
	if l.Current != def || l.Configured != def || len(l.Adoptions) != 0 || !slices.Equal(l.Names, scoring.Names()) {
		t.Errorf("Learning: current %v configured %v adoptions %v names %v", l.Current, l.Configured, l.Adoptions, l.Names)
	}
	if len(l.HeldOut) != 2 || l.HeldOut[0].Split != scoring.SplitTime || l.HeldOut[1].Split != scoring.SplitNeed {
		t.Fatalf("Learning.HeldOut = %+v, want the time split then the need split", l.HeldOut)
	}
	tm, nd := l.HeldOut[0], l.HeldOut[1]
	t.Logf("time: cut %v, %d/%d listings, NDCG@10 %.4f → %.4f, %+.4f [%+.4f, %+.4f]; need: %+.4f [%+.4f, %+.4f]",
		tm.Cut, tm.TrainListings, tm.HeldOutListings, tm.Replay.Baseline, tm.Replay.Fitted, tm.Replay.Diff, tm.Replay.Low, tm.Replay.High,
		nd.Replay.Diff, nd.Replay.Low, nd.Replay.High)
	if tm.Cut.IsZero() || tm.Weights != *l.Fitted || tm.Replay.Low <= 0 || nd.SharedNeeds != 0 || nd.HeldOutListings == 0 {
		t.Errorf("Learning.HeldOut: time cut %v weights %v (fitted %v) interval low %v; need shares %d needs, %d listings",
			tm.Cut, tm.Weights, *l.Fitted, tm.Replay.Low, nd.SharedNeeds, nd.HeldOutListings)
	}
	fitted := *l.Fitted

	// The proposal stays good while the log grows (matches are shown).
	order(t, e, def)
	ch, err := e.AdoptWeights(ctx, planner, l.Proposal)
	if err != nil {
		t.Fatalf("AdoptWeights(%s): %v", l.Proposal, err)
	}
	if ch.Current != fitted || e.Weights() != fitted || len(ch.Adoptions) != 1 || ch.Adoptions[0].ID != ch.Adoption.ID || !ch.Adoption.At.Equal(now) {
		t.Fatalf("AdoptWeights = %+v, engine weights %v; want %v in force", ch, e.Weights(), fitted)
	}
	if got := order(t, e, fitted); !slices.Equal(got, []string{"P", "N"}) {
		t.Errorf("after adopting: matches %v, want [P N] (the domain preference weighs more)", got)
	}
	if a, u := weightsEvents(t, st); a != 1 || u != 0 {
		t.Errorf("weights events: %d adopted, %d undone; want 1 and 0", a, u)
	}
	// A replay of the same adoption is refused: the weights it was
	// computed under are no longer in force.
	if _, err := e.AdoptWeights(ctx, planner, l.Proposal); volmatch.ErrorCode(err) != volmatch.ECONFLICT || reasonOf(err) != engine.ReasonWeightsChanged {
		t.Errorf("AdoptWeights replayed = %v, want ECONFLICT %s", err, engine.ReasonWeightsChanged)
	}
	// Another replica (or a restart) reads the adoption from the log.
	if w := another().Weights(); w != fitted {
		t.Errorf("an engine started after the adoption uses %v, want %v", w, fitted)
	}
	after, err := e.Learning(ctx, admin)
	if err != nil {
		t.Fatalf("Learning after adopting: %v", err)
	}
	if after.Current != fitted || len(after.Adoptions) != 1 {
		t.Errorf("Learning after adopting: current %v, adoptions %v", after.Current, after.Adoptions)
	}

	for _, tc := range []struct {
		name   string
		id     string
		code   string
		reason string
	}{
		{"no id", "", volmatch.EINVALID, ""},
		{"unknown id", "W-0000000000000000", volmatch.ENOTFOUND, ""},
	} {
		t.Run("undo "+tc.name, func(t *testing.T) {
			if _, err := e.UndoWeights(ctx, planner, tc.id); volmatch.ErrorCode(err) != tc.code || reasonOf(err) != tc.reason {
				t.Errorf("UndoWeights(%q) = %v, want %s %q", tc.id, err, tc.code, tc.reason)
			}
		})
	}
	un, err := e.UndoWeights(ctx, planner, ch.Adoption.ID)
	if err != nil {
		t.Fatalf("UndoWeights: %v", err)
	}
	if un.Current != def || e.Weights() != def || len(un.Adoptions) != 0 || un.Adoption.ID != ch.Adoption.ID {
		t.Fatalf("UndoWeights = %+v, engine weights %v; want the defaults back", un, e.Weights())
	}
	if got := order(t, e, def); !slices.Equal(got, []string{"N", "P"}) {
		t.Errorf("after undoing: matches %v, want [N P]", got)
	}
	if _, err := e.UndoWeights(ctx, planner, ch.Adoption.ID); volmatch.ErrorCode(err) != volmatch.ECONFLICT || reasonOf(err) != engine.ReasonNothingToUndo {
		t.Errorf("UndoWeights replayed = %v, want ECONFLICT %s", err, engine.ReasonNothingToUndo)
	}
	if a, u := weightsEvents(t, st); a != 1 || u != 1 {
		t.Errorf("weights events: %d adopted, %d undone; want 1 and 1", a, u)
	}
	if w := another().Weights(); w != def {
		t.Errorf("an engine started after the undo uses %v, want the defaults", w)
	}
}

// TestLearningGuards: only planners and admins read, adopt and undo (a
// social worker or a volunteer is refused before anything is read or
// written); malformed, forged and stale proposals are refused naming the
// field or the reason, and nothing is written; two adoptions in a row
// stack, and undo takes back only the latest.
func TestLearningGuards(t *testing.T) {
	ctx := context.Background()
	good, _ := simulatedLog()
	e, st, _ := learnEngine(t, good)
	l, err := e.Learning(ctx, planner)
	if err != nil || l.Proposal == "" {
		t.Fatalf("Learning = %q %v", l.Proposal, err)
	}
	for _, tok := range []*volmatch.Token{sw1, volunteerToken("N"), nil} {
		name := "nil"
		if tok != nil {
			name = string(tok.Role)
		}
		t.Run(name, func(t *testing.T) {
			if _, err := e.Learning(ctx, tok); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
				t.Errorf("Learning(%s) = %v, want EFORBIDDEN", name, err)
			}
			if _, err := e.AdoptWeights(ctx, tok, l.Proposal); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
				t.Errorf("AdoptWeights(%s) = %v, want EFORBIDDEN", name, err)
			}
			if _, err := e.UndoWeights(ctx, tok, "W-1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
				t.Errorf("UndoWeights(%s) = %v, want EFORBIDDEN", name, err)
			}
		})
	}
	if a, _ := weightsEvents(t, st); a != 0 {
		t.Errorf("%d weights.adopted written by refused callers", a)
	}
	for _, tc := range []struct {
		name, proposal, code, reason, field string
	}{
		{"empty", "", volmatch.EINVALID, "", "proposal"},
		{"no digest", fmt.Sprint(l.AsOf), volmatch.EINVALID, "", "proposal"},
		{"upper-case digest", fmt.Sprintf("%d-0123456789ABCDEF", l.AsOf), volmatch.EINVALID, "", "proposal"},
		{"huge", string(make([]byte, 5000)), volmatch.EINVALID, "", "proposal"},
		{"from the future", fmt.Sprintf("%d-0123456789abcdef", l.AsOf+1000), volmatch.EINVALID, "", "proposal"},
		{"forged digest", fmt.Sprintf("%d-0123456789abcdef", l.AsOf), volmatch.ECONFLICT, engine.ReasonStaleProposal, ""},
		{"an earlier position", fmt.Sprintf("%d-%s", l.AsOf-1, l.Proposal[len(l.Proposal)-16:]), volmatch.ECONFLICT, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.AdoptWeights(ctx, planner, tc.proposal)
			if volmatch.ErrorCode(err) != tc.code || tc.reason != "" && reasonOf(err) != tc.reason || volmatch.ErrorField(err) != tc.field {
				t.Errorf("AdoptWeights(%.30q) = %v (reason %q field %q), want %s %q field %q", tc.proposal, err, reasonOf(err), volmatch.ErrorField(err), tc.code, tc.reason, tc.field)
			}
		})
	}
	if a, _ := weightsEvents(t, st); a != 0 || e.Weights() != scoring.DefaultWeights() {
		t.Fatalf("after refused calls: %d weights.adopted, weights %v", a, e.Weights())
	}

	// An admin adopts; a second adoption comes from another replica
	// (written to the log directly); the refit is judged against the
	// weights in force, so its proposal is never the first one.
	first, err := e.AdoptWeights(ctx, admin, l.Proposal)
	if err != nil {
		t.Fatal(err)
	}
	other := scoring.Weights{Distance: 0.5, SkillFit: 0.5}
	otherEv := volmatch.Event{Type: volmatch.EventWeightsAdopted, At: now, Batch: "W-other"}
	for i, name := range scoring.Names() {
		otherEv.Breakdown = append(otherEv.Breakdown, volmatch.Component{Name: name, Weight: other.Vector()[i]})
	}
	if err := st.AppendEvents(ctx, otherEv); err != nil {
		t.Fatal(err)
	}
	l2, err := e.Learning(ctx, planner)
	if err != nil {
		t.Fatal(err)
	}
	if l2.Current != other || e.Weights() != other || len(l2.Adoptions) != 2 || l2.Proposal == l.Proposal {
		t.Fatalf("Learning after two adoptions: current %v (engine %v), %d adoptions, proposal %q", l2.Current, e.Weights(), len(l2.Adoptions), l2.Proposal)
	}
	if _, err := e.UndoWeights(ctx, planner, first.Adoption.ID); reasonOf(err) != engine.ReasonNotLatest {
		t.Errorf("UndoWeights(first) = %v, want %s", err, engine.ReasonNotLatest)
	}
	if un, err := e.UndoWeights(ctx, planner, "W-other"); err != nil || un.Current != first.Current || e.Weights() != first.Current {
		t.Errorf("UndoWeights(W-other) = %+v, %v; want the first adoption's weights", un, err)
	}
	if un, err := e.UndoWeights(ctx, admin, first.Adoption.ID); err != nil || un.Current != scoring.DefaultWeights() {
		t.Errorf("UndoWeights(first) = %+v, %v; want the defaults", un, err)
	}
}

// TestLearningRefusals: what may not be adopted is refused with a reason,
// and bad proposals name the field; nothing is written.
func TestLearningRefusals(t *testing.T) {
	ctx := context.Background()
	good, weak := simulatedLog()

	t.Run("not better", func(t *testing.T) {
		e, st, _ := learnEngine(t, weak)
		l, err := e.Learning(ctx, planner)
		if err != nil {
			t.Fatal(err)
		}
		if l.Fitted == nil || l.Proposal != "" || l.Refusal != engine.ReasonNotBetter || l.Verdict == engine.VerdictBetter {
			t.Fatalf("Learning on a weak log = fitted %v proposal %q refusal %q verdict %q", l.Fitted, l.Proposal, l.Refusal, l.Verdict)
		}
		forged := fmt.Sprintf("%d-0123456789abcdef", l.AsOf)
		if _, err := e.AdoptWeights(ctx, planner, forged); volmatch.ErrorCode(err) != volmatch.ECONFLICT || reasonOf(err) != engine.ReasonNotBetter {
			t.Errorf("AdoptWeights(forged) = %v, want ECONFLICT %s", err, engine.ReasonNotBetter)
		}
		if a, _ := weightsEvents(t, st); a != 0 {
			t.Errorf("%d weights.adopted written", a)
		}
	})

	t.Run("too few people", func(t *testing.T) {
		// The outcomes of three volunteers only.
		var few []volmatch.Event
		keep := map[string]bool{}
		for _, ev := range good {
			if ev.Type == volmatch.EventInviteSent && len(keep) < 3 {
				keep[ev.Volunteer] = true
			}
		}
		invites := map[string]bool{}
		for _, ev := range good {
			switch {
			case ev.Volunteer != "" && keep[ev.Volunteer]:
				few = append(few, ev)
				if ev.Invite != "" {
					invites[ev.Invite] = true
				}
			case ev.Invite != "" && invites[ev.Invite], ev.Assignment != "" && ev.Volunteer == "":
				few = append(few, ev)
			}
		}
		e, _, _ := learnEngine(t, few)
		l, err := e.Learning(ctx, planner)
		if err != nil {
			t.Fatal(err)
		}
		if l.Refusal != engine.ReasonTooFewPeople || l.Samples == 0 || l.Fitted != nil || len(l.HeldOut) != 0 {
			t.Errorf("Learning on 3 volunteers = refusal %q, %d samples, fitted %v, held out %d; want too_few_people over some samples and nothing fitted", l.Refusal, l.Samples, l.Fitted, len(l.HeldOut))
		}
	})

	t.Run("empty log", func(t *testing.T) {
		e, _, _ := learnEngine(t, nil)
		l, err := e.Learning(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if l.Refusal != engine.ReasonNoFit || l.Fitted != nil || l.Verdict != engine.VerdictNone || l.HeldOut == nil || l.Adoptions == nil {
			t.Errorf("Learning on an empty log = %+v", l)
		}
	})
}
