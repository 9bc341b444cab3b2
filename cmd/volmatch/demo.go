package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

func init() { register(newDemoCmd) }

// demoMarker is the file that marks a folder as demo data and records the
// options it was generated with.
const demoMarker = "volmatch-demo.json"

// demoOptions are the flags of demo.
type demoOptions struct {
	Data       string `json:"-"`
	Volunteers int    `json:"volunteers"`
	Needs      int    `json:"needs"`
	Weeks      int    `json:"weeks"`
	Seed       uint64 `json:"seed"`
	// Start is the Monday (YYYY-MM-DD, Beijing) the simulated weeks begin;
	// empty means Weeks weeks before the current week, so that the history
	// ends now and the needs of the two coming weeks are open.
	Start     string `json:"start"`
	ExitAfter bool   `json:"-"`
	Fresh     bool   `json:"-"`
}

// newDemoCmd is `volmatch demo`: a Beijing population, simulated weeks of
// outcomes, and the service with a token per role.
func newDemoCmd(e *env) *cobra.Command {
	var o demoOptions
	var so serveOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a Beijing population, simulate weeks of service and serve the API",
		Long: `Demo generates a synthetic Beijing population, stores it, simulates WEEKS weeks
of invitations and outcomes from the volunteers' hidden preferences into the
event log, builds the indexes and serves the API. It prints the URL, a token
for each role (admin, a social worker of a real organisation, a volunteer, a
planner) and example curl commands.

The data folder (default ./volmatch-demo-data) holds only demo data: it is
marked with ` + demoMarker + `. When it already holds a demo made with the
same --volunteers, --needs, --weeks and --seed, that data is reused (a fast
restart; --fresh regenerates); with other options it is wiped and generated
again. A folder that is not empty and not marked is never touched.`,
		Example: `  volmatch demo
  volmatch demo --volunteers 2000 --needs 200 --weeks 1 --addr 127.0.0.1:0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runDemo(ctx, e, o, so)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Data, "data", "volmatch-demo-data", "demo data folder (reused or regenerated, see above)")
	f.IntVar(&o.Volunteers, "volunteers", 20000, "number of volunteers")
	f.IntVar(&o.Needs, "needs", 2000, "number of needs")
	f.IntVar(&o.Weeks, "weeks", 4, "weeks of service to simulate")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same population and outcomes")
	f.StringVar(&o.Start, "start", "", "Monday the simulated weeks begin, YYYY-MM-DD in Beijing time (default: --weeks weeks before this week; give it to reproduce a demo exactly)")
	f.BoolVar(&o.ExitAfter, "exit-after-setup", false, "prepare the data and print the tokens, then exit without serving")
	f.BoolVar(&o.Fresh, "fresh", false, "regenerate even when the data folder holds the same demo")
	addServeFlags(cmd, &so)
	return cmd
}

func runDemo(ctx context.Context, e *env, o demoOptions, so serveOptions) error {
	if o.Volunteers < 1 || o.Needs < 1 || o.Weeks < 1 || o.Weeks > 52 {
		return fmt.Errorf("demo: --volunteers and --needs must be at least 1, --weeks 1 to 52")
	}
	if o.Start == "" {
		o.Start = demoStart(time.Now(), o.Weeks).Format(time.DateOnly)
	} else if _, err := parseDemoStart(o.Start); err != nil {
		return err
	}
	reuse, err := prepareDemoDir(o)
	if err != nil {
		return err
	}
	if reuse {
		fmt.Fprintf(e.stderr, "reusing the demo data in %s (--fresh regenerates)\n", o.Data)
	} else if err := buildDemo(ctx, e, o); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: o.Data}, Logger: logger, Progress: e.stderr, GCHeadroom: defaultGCHeadroom << 20,
		AdminToken: adminTokenFromEnv(), API: api.Options{Rate: so.Rate, Burst: so.Burst}})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer svc.Close()
	toks, needID, err := demoTokens(ctx, svc.store)
	if err != nil {
		return err
	}
	if err := demoSignIns(ctx, svc.engine, toks); err != nil {
		return err
	}
	if o.ExitAfter {
		printDemo(e.stdout, "http://"+so.Addr, o, toks, needID)
		fmt.Fprintln(e.stdout, "(not serving: --exit-after-setup; start with: volmatch serve --data "+o.Data+")")
		return svc.Close()
	}
	return svc.serve(ctx, so.Addr, func(url string) { printDemo(e.stdout, url, o, toks, needID) })
}

// demoSignIns issues, as the demo's admin, a one-time web sign-in code
// for the social worker, the volunteer and the planner of toks (engine.IssueSignIn,
// working for its default lifetime), so that the demo prints links a
// person opens in a browser.
func demoSignIns(ctx context.Context, eng *engine.Engine, toks []demoToken) error {
	admin := &volmatch.Token{Role: volmatch.RoleAdmin, Name: "demo"}
	for i := range toks {
		t := &toks[i]
		spec := volmatch.Token{Role: t.Role, Name: "demo"}
		switch t.Role {
		case volmatch.RoleSocialWorker:
			spec.Org = t.Scope
		case volmatch.RoleVolunteer:
			spec.Volunteer = t.Scope
		case volmatch.RolePlanner:
		default:
			continue
		}
		code, _, err := eng.IssueSignIn(ctx, admin, spec, 0)
		if err != nil {
			return fmt.Errorf("demo: issue a %s sign-in code: %w", t.Role, err)
		}
		t.SignIn = code
		if t.Role == volmatch.RoleVolunteer {
			if t.Register, _, err = eng.IssueRegistration(ctx, admin, "demo", 0); err != nil {
				return fmt.Errorf("demo: issue a registration code: %w", err)
			}
		}
	}
	return nil
}

// prepareDemoDir makes sure o.Data may be used, and reports whether it
// already holds the same demo.
func prepareDemoDir(o demoOptions) (reuse bool, err error) {
	want, _ := json.Marshal(o)
	ents, err := os.ReadDir(o.Data)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(ents) == 0 {
		return false, os.MkdirAll(o.Data, 0o750)
	} else if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	have, err := os.ReadFile(filepath.Join(o.Data, demoMarker))
	if errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("demo: %s is not empty and holds no %s; give another --data folder", o.Data, demoMarker)
	} else if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if string(have) == string(want) && !o.Fresh {
		return true, nil
	}
	// Our own earlier demo, made with other options: start again.
	if err := os.RemoveAll(o.Data); err != nil {
		return false, fmt.Errorf("demo: wipe %s: %w", o.Data, err)
	}
	return false, os.MkdirAll(o.Data, 0o750)
}

func bar(w io.Writer, n int, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(false), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
}

// buildDemo generates, simulates and stores the population, then marks the
// folder. The bulk load skips fsync (it is redone from scratch if it fails:
// the marker is written last, after a synced close).
func buildDemo(ctx context.Context, e *env, o demoOptions) error {
	start, err := parseDemoStart(o.Start)
	if err != nil {
		return err
	}
	b := bar(e.stderr, -1, "generating the population")
	// The needs span the simulated weeks and the upcomingWeeks after them.
	pop := datasets.Generate(datasets.GenOptions{Volunteers: o.Volunteers, Needs: o.Needs, Seed: o.Seed, Start: start, Weeks: o.Weeks + upcomingWeeks})
	_ = b.Finish()
	fmt.Fprintf(e.stderr, "generated %d volunteers, %d needs, %d pools, %d stations\n",
		len(pop.Volunteers), len(pop.Needs), len(pop.Pools), len(pop.Stations))
	fmt.Fprintf(e.stderr, "  and %d teams (志愿服务团队), %d of them standing emergency teams\n", len(pop.Teams), emergencyTeams(pop.Teams))

	computeSupply(e, pop)
	past := splitDemoNeeds(pop, start.AddDate(0, 0, 7*o.Weeks))
	events, err := simulateDemo(ctx, e, past, o, start)
	if err != nil {
		return err
	}
	for _, n := range past.Needs {
		n.Status = volmatch.NeedClosed // served and over: history, not open work
	}
	st, err := openStoreConfig(ctx, storeConfig{DataDir: o.Data, NoSync: true})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer st.Close()
	if err := loadDemo(ctx, e, st, pop, events); err != nil {
		return err
	}
	upcoming := start.AddDate(0, 0, 7*o.Weeks)
	enrolled, err := loadDemoCourses(ctx, st, pop, datasets.GenOptions{Seed: o.Seed, Start: upcoming, Weeks: upcomingWeeks})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "stored the course library with %d enrolments\n", enrolled)
	if err := st.Close(); err != nil {
		return fmt.Errorf("demo: close store: %w", err)
	}
	// Reopen with fsync so that the file is flushed before the marker.
	st2, err := openStoreConfig(ctx, storeConfig{DataDir: o.Data})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := st2.Close(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	marker, _ := json.Marshal(o)
	return os.WriteFile(filepath.Join(o.Data, demoMarker), marker, 0o640)
}

// upcomingWeeks is how many weeks of open needs the demo offers after the
// simulated history: the needs that social workers match and volunteers
// pick from a menu.
const upcomingWeeks = 2

// demoStart returns the Monday, in Beijing, weeks weeks before now's week.
func demoStart(now time.Time, weeks int) time.Time {
	d := now.In(volmatch.Beijing)
	monday := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, volmatch.Beijing)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, -7*weeks)
}

func parseDemoStart(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, volmatch.Beijing)
	if err != nil {
		return t, fmt.Errorf("demo: --start: want a date as 2026-11-02, got %q", s)
	}
	return t, nil
}

// splitDemoNeeds returns the population of the needs whose shifts all end
// before boundary (the simulated history, closed once simulated); the others
// stay open, with a posting time no later than the boundary, for live use.
func splitDemoNeeds(pop *datasets.Population, boundary time.Time) *datasets.Population {
	past := *pop
	past.Needs = nil
	for _, n := range pop.Needs {
		ended := true
		for _, s := range n.Shifts {
			if s.End.After(boundary) {
				ended = false
			}
		}
		if ended {
			past.Needs = append(past.Needs, n)
		} else if n.PostedAt.After(boundary) {
			n.PostedAt = boundary
		}
	}
	return &past
}

// loadDemo writes the population in batches, then the simulated events.
func loadDemo(ctx context.Context, e *env, st volmatch.Store, pop *datasets.Population, events []volmatch.Event) error {
	const batch = 2000
	if err := st.PutStations(ctx, pop.Stations); err != nil {
		return fmt.Errorf("demo: store stations: %w", err)
	}
	if err := st.PutPools(ctx, pop.Pools); err != nil {
		return fmt.Errorf("demo: store pools: %w", err)
	}
	if err := st.PutProjects(ctx, pop.Projects); err != nil {
		return fmt.Errorf("demo: store projects: %w", err)
	}
	b := bar(e.stderr, len(pop.Volunteers)+len(pop.Needs)+len(events), "storing")
	for i := 0; i < len(pop.Volunteers); i += batch {
		vs := pop.Volunteers[i:min(i+batch, len(pop.Volunteers))]
		if err := st.PutVolunteers(ctx, vs); err != nil {
			return fmt.Errorf("demo: store volunteers: %w", err)
		}
		_ = b.Add(len(vs))
	}
	if err := st.PutTeams(ctx, pop.Teams); err != nil { // after their members
		return fmt.Errorf("demo: store teams: %w", err)
	}
	for i := 0; i < len(pop.Needs); i += batch {
		ns := pop.Needs[i:min(i+batch, len(pop.Needs))]
		if err := st.PutNeeds(ctx, ns); err != nil {
			return fmt.Errorf("demo: store needs: %w", err)
		}
		_ = b.Add(len(ns))
	}
	for i := 0; i < len(events); i += 5 * batch {
		evs := events[i:min(i+5*batch, len(events))]
		if err := st.AppendEvents(ctx, evs...); err != nil {
			return fmt.Errorf("demo: store events: %w", err)
		}
		_ = b.Add(len(evs))
	}
	return b.Finish()
}

// demoToken is a printed token.
type demoToken struct {
	Role   volmatch.Role
	Secret string
	Scope  string // the organisation or volunteer
	// SignIn is a one-time web sign-in code for the role (social worker
	// and volunteer only).
	SignIn string
	// Register is a one-time volunteer registration code (the volunteer's
	// entry only): a person signs up as a new volunteer with it.
	Register string
}

// demoTokens creates a fresh token for each role: a social worker of the
// organisation of the open need with the largest supply (whose ID it
// returns), the first volunteer.
func demoTokens(ctx context.Context, st volmatch.Store) ([]demoToken, string, error) {
	// The open need, all of whose shifts are still ahead, with the largest
	// supply: a telling example (any open need when none lies ahead).
	var best *volmatch.Need
	ahead := func(n *volmatch.Need) bool { return n.Shifts[0].Start.After(time.Now()) }
	err := st.EachNeed(ctx, func(n *volmatch.Need) error {
		if n.Status != volmatch.NeedOpen {
			return nil
		}
		if best == nil || ahead(n) && !ahead(best) || ahead(n) == ahead(best) && n.Supply > best.Supply {
			best = n
		}
		return nil
	})
	if err != nil || best == nil {
		return nil, "", fmt.Errorf("demo: no open need to scope a social worker to: %v", err)
	}
	vs, _, err := st.Volunteers(ctx, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 1}})
	if err != nil || len(vs) == 0 {
		return nil, "", fmt.Errorf("demo: no volunteer to scope a token to: %v", err)
	}
	// A social worker's token is for a registered organisation.
	org := &volmatch.Organisation{ID: best.Org, Name: "演示机构 " + best.Org, District: best.District}
	if err := st.CreateOrganisation(ctx, org); err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		return nil, "", fmt.Errorf("demo: register organisation %s: %w", best.Org, err)
	}
	if err := seedDemoOffers(ctx, st); err != nil { // incentive.go
		return nil, "", err
	}
	toks := []demoToken{{Role: volmatch.RoleAdmin}, {Role: volmatch.RoleSocialWorker, Scope: best.Org},
		{Role: volmatch.RoleVolunteer, Scope: vs[0].ID}, {Role: volmatch.RolePlanner}}
	for i := range toks {
		t := &toks[i]
		t.Secret = volmatch.NewSecret()
		tok := &volmatch.Token{Hash: volmatch.HashToken(t.Secret), Role: t.Role, Name: "demo", CreatedAt: time.Now()}
		switch t.Role {
		case volmatch.RoleSocialWorker:
			tok.Org = t.Scope
		case volmatch.RoleVolunteer:
			tok.Volunteer = t.Scope
		}
		if err := st.CreateToken(ctx, tok); err != nil {
			return nil, "", fmt.Errorf("demo: create %s token: %w", t.Role, err)
		}
	}
	return toks, best.ID, nil
}

// printDemo prints the URL, the tokens and example commands.
func printDemo(w io.Writer, url string, o demoOptions, toks []demoToken, needID string) {
	fmt.Fprintf(w, "\nvolmatch demo: %d volunteers, %d needs, %d weeks simulated (seed %d), data in %s\n",
		o.Volunteers, o.Needs, o.Weeks, o.Seed, o.Data)
	fmt.Fprintf(w, "URL: %s\n\nTokens (send as: Authorization: Bearer TOKEN):\n", url)
	by := map[volmatch.Role]demoToken{}
	for _, t := range toks {
		by[t.Role] = t
		scope := ""
		if t.Scope != "" {
			scope = "  (" + t.Scope + ")"
		}
		fmt.Fprintf(w, "  %-14s %s%s\n", t.Role, t.Secret, scope)
	}
	sw, vol, pl := by[volmatch.RoleSocialWorker], by[volmatch.RoleVolunteer], by[volmatch.RolePlanner]
	fmt.Fprintf(w, "\nTry:\n")
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' '%s/v1/needs?org=%s&limit=5'\n", sw.Secret, url, sw.Scope)
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' '%s/v1/needs/%s/matches?k=5'\n", sw.Secret, url, needID)
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' '%s/v1/volunteers/%s/menu'\n", vol.Secret, url, vol.Scope)
	fmt.Fprintf(w, "  curl -G -H 'Authorization: Bearer %s' --data-urlencode 'q=手语' '%s/v1/search'\n", sw.Secret, url)
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' '%s/v1/evaluation/summary'\n", pl.Secret, url)
	if sw.SignIn != "" {
		fmt.Fprintf(w, "  social worker web: %s  (one-time sign-in link, %s)\n", signInLink(url, sw.SignIn), sw.Scope)
	}
	if vol.SignIn != "" {
		fmt.Fprintf(w, "  volunteer web:     %s  (one-time sign-in link, %s)\n", signInLink(url, vol.SignIn), vol.Scope)
	}
	if pl.SignIn != "" {
		fmt.Fprintf(w, "  planner dashboard: %s  (one-time sign-in link; the dashboard is %s/web/dashboard)\n", signInLink(url, pl.SignIn), url)
	}
	if vol.Register != "" {
		fmt.Fprintf(w, "  volunteer sign-up: %s  (one-time registration link: a new volunteer)\n", registerLink(url, vol.Register))
	}
	fmt.Fprintf(w, "  API document:      %s/openapi.json\n", url)
}

// simulateDemo simulates the weeks of invitations and outcomes from the
// volunteers' hidden preferences (datasets.Simulate sets their Stats) and
// returns the events to append after the needs are stored.
func simulateDemo(ctx context.Context, e *env, pop *datasets.Population, o demoOptions, start time.Time) ([]volmatch.Event, error) {
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	b := bar(e.stderr, len(pop.Needs), "simulating")
	res, err := datasets.Simulate(ctx, pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{
		Seed: o.Seed, Start: start, Weeks: o.Weeks, Progress: func(done, _ int) { _ = b.Set(done) },
	})
	_ = b.Finish()
	if err != nil {
		return nil, fmt.Errorf("demo: simulate: %w", err)
	}
	fmt.Fprintf(e.stderr, "simulated %d weeks: %d events, %d volunteers with outcomes\n", o.Weeks, len(res.Events), len(res.Stats))
	return res.Events, nil
}

// computeSupply sets each need's Supply, as the API does when a need is
// posted: the volunteers within reach who pass every hard gate for some
// shift. Needs are shared out to the CPUs.
func computeSupply(e *env, pop *datasets.Population) {
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	src := grid.NewFeatures(pop.Volunteers) // prunes exactly: the same Eligible as grid.All
	b := bar(e.stderr, len(pop.Needs), "computing supply")
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(pop.Needs); i = int(next.Add(1)) - 1 {
				n := pop.Needs[i]
				n.Supply = matcher.Rank(n, src, sc, matcher.RankOptions{K: 1}).Eligible
				_ = b.Add(1)
			}
		}()
	}
	wg.Wait()
	_ = b.Finish()
}

// emergencyTeams counts the standing emergency teams of ts.
func emergencyTeams(ts []*volmatch.Team) int {
	n := 0
	for _, t := range ts {
		if t.Emergency {
			n++
		}
	}
	return n
}
