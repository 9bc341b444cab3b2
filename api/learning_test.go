package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/internal/testlog"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// learnOnce is a population with weeks of outcomes simulated from
// preferences the default weights ignore, large enough for the fitted
// weights to win on the held-out listings with an interval above 0.
var learnOnce = sync.OnceValues(func() (*demoData, error) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 5000, Needs: 600, Seed: 42})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	res, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: 42})
	if err != nil {
		return nil, err
	}
	return &demoData{pop: pop, events: res.Events}, nil
})

// newLearnEnv is a real server over a real bbolt file holding the learn
// population and its log, its engine's clock at the start of the
// simulated weeks (so that the needs' shifts lie ahead), with tokens per
// role; sw1 is of the first need's organisation.
func newLearnEnv(t *testing.T) (*env, *demoData) {
	t.Helper()
	d, err := learnOnce()
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutVolunteers(ctx, d.pop.Volunteers); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNeeds(ctx, d.pop.Needs); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvents(ctx, d.events...); err != nil {
		t.Fatal(err)
	}
	at := datasets.DefaultStart.Add(-24 * time.Hour)
	e := &env{t: t, st: st, logs: &testlog.Buffer{}}
	e.api = api.New(startEngine(t, st, openText(t), engine.Options{Now: func() time.Time { return at }}), api.Options{Rate: -1})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	e.tokens = createTokens(t, st, map[string]volmatch.Token{
		"admin":   {Role: volmatch.RoleAdmin},
		"planner": {Role: volmatch.RolePlanner},
		"sw1":     {Role: volmatch.RoleSocialWorker, Org: d.pop.Needs[0].Org},
		"vol1":    {Role: volmatch.RoleVolunteer, Volunteer: d.pop.Volunteers[0].ID},
	})
	return e, d
}

// matchWeights returns the weights the breakdowns of need's matches carry
// (the weights the engine ranks with).
func matchWeights(t *testing.T, e *env, need string) scoring.Weights {
	t.Helper()
	var m api.MatchesResponse
	if status, b := e.do("sw1", "GET", "/v1/needs/"+need+"/matches?k=3", nil, &m); status != 200 || len(m.Items) == 0 {
		t.Fatalf("GET matches of %s = %d %.300s, want matches", need, status, b)
	}
	v := make([]float64, scoring.NumComponents)
	for i, c := range m.Items[0].Breakdown {
		v[i] = c.Weight
	}
	w, err := scoring.WeightsFromVector(v)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// problemReason returns the reason member of a problem document.
func problemReason(b []byte) string {
	var p struct {
		Reason string `json:"reason"`
		Field  string `json:"field"`
	}
	_ = json.Unmarshal(b, &p)
	return p.Reason
}

// TestLearningRoutes: a planner reads what fitting would change, adopts
// the proposal (the matches are then weighed by the fitted weights),
// cannot adopt it twice, and undoes it; other roles are refused and write
// nothing; bad bodies are 400 naming the field.
func TestLearningRoutes(t *testing.T) {
	e, d := newLearnEnv(t)
	// A need of sw1's organisation with an eligible volunteer.
	need := ""
	for _, n := range d.pop.Needs {
		if n.Org != d.pop.Needs[0].Org || n.Status != volmatch.NeedOpen {
			continue
		}
		var m api.MatchesResponse
		if status, _ := e.do("sw1", "GET", "/v1/needs/"+n.ID+"/matches?k=3", nil, &m); status == 200 && len(m.Items) > 0 {
			need = n.ID
			break
		}
	}
	if need == "" {
		t.Fatal("no need of sw1's organisation has a match")
	}
	def := scoring.DefaultWeights()
	if w := matchWeights(t, e, need); w != def {
		t.Fatalf("matches weighed by %v before any adoption, want the defaults", w)
	}

	var l api.LearningResponse
	status, b := e.do("planner", "GET", "/v1/evaluation/learning", nil, &l)
	if status != 200 || l.Proposal == "" || l.Fitted == nil || len(l.HeldOut) != 2 || l.Verdict != engine.VerdictBetter {
		t.Fatalf("GET learning = %d %.600s; want a proposal judged better", status, b)
	}
	for _, key := range []string{`"current"`, `"configured"`, `"fitted"`, `"held_out"`, `"cut"`, `"baseline_ndcg"`, `"fitted_ndcg"`, `"low"`, `"high"`, `"shared_needs"`, `"proposal"`, `"adoptions":[]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("GET learning lacks %s: %.400s", key, b)
		}
	}
	fitted := *l.Fitted

	adopt := map[string]string{"proposal": l.Proposal}
	for _, who := range []string{"sw1", "vol1", "none"} {
		want := 403
		if who == "none" {
			want = 401
		}
		as := who
		if who == "none" {
			as = ""
		}
		if status, b := e.do(as, "POST", "/v1/evaluation/learning/adopt", adopt, nil); status != want {
			t.Errorf("POST adopt as %s = %d %.200s, want %d", who, status, b, want)
		}
		if status, _ := e.do(as, "GET", "/v1/evaluation/learning", nil, nil); status != want {
			t.Errorf("GET learning as %s = %d, want %d", who, status, want)
		}
	}
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"no body", nil, 400},
		{"number", `{"proposal": 5}`, 400},
		{"unknown field", `{"proposl": "x"}`, 400},
		{"malformed proposal", map[string]string{"proposal": "x"}, 422},
		{"huge proposal", map[string]string{"proposal": strings.Repeat("9", 5000)}, 422},
		{"forged digest", map[string]string{"proposal": l.Proposal[:strings.IndexByte(l.Proposal, '-')] + "-ffffffffffffffff"}, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := e.do("planner", "POST", "/v1/evaluation/learning/adopt", tc.body, nil)
			if status != tc.want {
				t.Errorf("POST adopt %.60v = %d %.200s, want %d", tc.body, status, b, tc.want)
			}
			if status == 422 && !strings.Contains(string(b), `"field":"proposal"`) {
				t.Errorf("POST adopt %.60v = %.300s, want the field proposal named", tc.body, b)
			}
		})
	}
	if w := matchWeights(t, e, need); w != def {
		t.Fatalf("matches weighed by %v after refused adoptions, want the defaults", w)
	}

	var ch api.WeightsResponse
	if status, b := e.do("planner", "POST", "/v1/evaluation/learning/adopt", adopt, &ch); status != 200 || ch.Current != fitted || ch.Adoption.ID == "" {
		t.Fatalf("POST adopt = %d %.300s, want the fitted weights in force", status, b)
	}
	if w := matchWeights(t, e, need); w != fitted {
		t.Errorf("matches weighed by %v after adopting, want %v", w, fitted)
	}
	if status, b := e.do("planner", "POST", "/v1/evaluation/learning/adopt", adopt, nil); status != 409 || problemReason(b) != engine.ReasonWeightsChanged {
		t.Errorf("POST adopt again = %d %.200s, want 409 %s", status, b, engine.ReasonWeightsChanged)
	}
	if status, b := e.do("vol1", "POST", "/v1/evaluation/learning/undo", map[string]string{"adoption": ch.Adoption.ID}, nil); status != 403 {
		t.Errorf("POST undo as vol1 = %d %.200s, want 403", status, b)
	}
	var un api.WeightsResponse
	if status, b := e.do("admin", "POST", "/v1/evaluation/learning/undo", map[string]string{"adoption": ch.Adoption.ID}, &un); status != 200 || un.Current != def {
		t.Fatalf("POST undo = %d %.300s, want the defaults back", status, b)
	}
	if w := matchWeights(t, e, need); w != def {
		t.Errorf("matches weighed by %v after undoing, want the defaults", w)
	}
	if status, b := e.do("planner", "POST", "/v1/evaluation/learning/undo", map[string]string{"adoption": ch.Adoption.ID}, nil); status != 409 || problemReason(b) != engine.ReasonNothingToUndo {
		t.Errorf("POST undo again = %d %.200s, want 409 %s", status, b, engine.ReasonNothingToUndo)
	}

	var doc map[string]any
	if status, _ := e.do("", "GET", "/openapi.json", nil, &doc); status != 200 {
		t.Fatalf("GET /openapi.json = %d", status)
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/v1/evaluation/learning", "/v1/evaluation/learning/adopt", "/v1/evaluation/learning/undo"} {
		if paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}
