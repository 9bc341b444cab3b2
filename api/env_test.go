package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/testlog"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// env is a real server on 127.0.0.1:0 over the real engine on a bbolt
// temp file and a real Bleve index, with a token per role.
type env struct {
	t      *testing.T
	st     *bolt.Store
	srv    *httptest.Server
	api    *api.Server
	eng    *engine.Engine
	logs   *testlog.Buffer
	tokens map[string]string // admin, sw1 (org1), sw2 (org2), vol1 (v1), vol2 (v2), planner
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, volmatch.Beijing) // a Monday

// openText returns a real in-memory Bleve index with the taxonomy's
// synonyms, closed when the test ends.
func openText(tb testing.TB) *index.Text {
	tb.Helper()
	text, err := index.OpenMem(index.Options{Synonyms: taxonomy.Load().SynonymGroups(), Labels: taxonomy.Load().Labels()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { text.Close() })
	return text
}

// startEngine returns the real engine over st (the bbolt store, or a
// wrapper of it: the engine's one seam) and the text index (nil for none),
// started: its indexes hold what st holds.
func startEngine(tb testing.TB, st volmatch.Store, text engine.Index, o engine.Options) *engine.Engine {
	tb.Helper()
	eng := engine.New(st, text, taxonomy.Load(), o)
	if err := eng.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return eng
}

// createTokens stores a token per name with the role and scope given and
// returns their secrets by name.
func createTokens(tb testing.TB, st volmatch.Store, toks map[string]volmatch.Token) map[string]string {
	tb.Helper()
	secrets := map[string]string{}
	for name, tok := range toks {
		secret := volmatch.NewSecret()
		tok.Hash, tok.CreatedAt = volmatch.HashToken(secret), time.Now()
		if err := st.CreateToken(context.Background(), &tok); err != nil {
			tb.Fatal(err)
		}
		secrets[name] = secret
	}
	return secrets
}

func newEnv(t *testing.T, o api.Options) *env { return newEnvWith(t, o, nil) }

// newEnvWith is newEnv with the engine over wrap(the bbolt store) when wrap
// is not nil, for the failures a real store cannot show. Options.Now (t0
// when nil) is the clock of both the engine and the rate limiter.
func newEnvWith(t *testing.T, o api.Options, wrap func(*bolt.Store) volmatch.Store) *env {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, logs: &testlog.Buffer{}}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.Rate == 0 {
		o.Rate = -1
	}
	if o.Now == nil {
		o.Now = func() time.Time { return t0 } // before the test needs' shifts
	}
	var es volmatch.Store = st
	if wrap != nil {
		es = wrap(st)
	}
	e.eng = startEngine(t, es, openText(t), engine.Options{Now: o.Now, Logger: o.Logger,
		Certificates: engine.CertificateOptions{Key: certKey}})
	e.api = api.New(e.eng, o)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	e.tokens = createTokens(t, st, map[string]volmatch.Token{
		"admin":   {Role: volmatch.RoleAdmin},
		"sw1":     {Role: volmatch.RoleSocialWorker, Org: "org1"},
		"sw2":     {Role: volmatch.RoleSocialWorker, Org: "org2"},
		"vol1":    {Role: volmatch.RoleVolunteer, Volunteer: "v1"},
		"vol2":    {Role: volmatch.RoleVolunteer, Volunteer: "v2"},
		"planner": {Role: volmatch.RolePlanner},
	})
	return e
}

// do sends a request as who ("" for none) with body (a string is sent as is,
// anything else as JSON) and decodes the answer into out when non-nil.
func (e *env) do(who, method, path string, body any, out any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret, ok := e.tokens[who]; ok {
		req.Header.Set("Authorization", "Bearer "+secret)
	} else if who != "" {
		req.Header.Set("Authorization", "Bearer "+who) // an unknown token
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, b
}

// must sends a request and fails the test unless the status is want.
func (e *env) must(want int, who, method, path string, body any, out any) {
	e.t.Helper()
	if got, b := e.do(who, method, path, body, out); got != want {
		e.t.Fatalf("%s %s as %s = %d %s, want %d", method, path, who, got, b, want)
	}
}

// Test people: names and phones that must never reach a log.
var people = []struct{ id, name, phone string }{
	{"v1", "王小明", "13812345678"},
	{"v2", "李秀英", "13987654321"},
	{"v3", "张伟东", "13700001111"},
}

func volunteer(id, name, phone string, lat, lng float64) volmatch.Volunteer {
	var w volmatch.Week
	for h := 0; h < volmatch.HoursPerWeek; h++ {
		w.Set(h)
	}
	return volmatch.Volunteer{
		ID: id, Name: name, Phone: phone, Home: volmatch.Point{Lat: lat, Lng: lng},
		District: "110105", Street: "110105001000", MaxTravelKm: 10,
		Skills:       []volmatch.SkillLevel{{Skill: "sign_language", Level: 2}},
		Availability: w, Consent: volmatch.Consent{ShareContact: true},
		Bio: "会手语，愿意陪同就医",
	}
}

func need(id, org string) volmatch.Need {
	return volmatch.Need{
		ID: id, Org: org, Title: "手语翻译陪同听障老人就医", Description: "陪同社区听障老人去医院复查",
		Domain: "disability_help", TargetGroup: volmatch.TargetDisabled, Mode: volmatch.ModeConcentrated,
		Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.92, Lng: 116.44}, District: "110105",
		Street: "110105001000", RadiusKm: 8,
		Shifts:   []volmatch.Shift{{ID: "s1", Start: t0.Add(48 * time.Hour), End: t0.Add(51 * time.Hour), Slots: 2}},
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "sign_language", Level: 1}}},
	}
}

// seedVolunteers registers the test people near the need's point.
func (e *env) seedVolunteers() {
	e.t.Helper()
	for i, p := range people {
		v := volunteer(p.id, p.name, p.phone, 39.92+0.005*float64(i), 116.44)
		e.must(201, "admin", "POST", "/v1/volunteers", v, nil)
	}
}

// events returns every event of the log.
func (e *env) events() []volmatch.Event {
	e.t.Helper()
	evs, err := e.st.Events(context.Background(), 0, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}
