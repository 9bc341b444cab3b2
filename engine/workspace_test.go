package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// movingClock is an engine clock the test moves.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *movingClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// clockEngine is newEngine with a clock the test moves (from Base), the
// organisations O1 and O2, and o's other options.
func clockEngine(t testing.TB, o engine.Options, vs ...*volmatch.Volunteer) (*engine.Engine, *movingClock, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(vs) > 0 {
		if err := st.PutVolunteers(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	tax := taxonomy.Load()
	text, err := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	c := &movingClock{t: fixture.Base}
	o.Now = c.Now
	e := engine.New(st, text, tax, o)
	for _, id := range []string{"O1", "O2"} {
		if err := e.CreateOrganisation(ctx, admin, &volmatch.Organisation{ID: id, Name: "社工站 " + id, District: fixture.District}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, c, st
}

// reserved invites volunteer vid to need id's shift s1 and accepts, and
// returns the assignment.
func reserved(t testing.TB, e *engine.Engine, need, vid string) *volmatch.Assignment {
	t.Helper()
	ctx := context.Background()
	invs, err := e.Invite(ctx, sw1, need, engine.InviteRequest{Shift: "s1", Volunteers: []string{vid}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Accept(ctx, volunteerToken(vid), invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCheckInPass: the volunteer's code checks them in once, for a social
// worker of the organisation, in the window; every hostile use is refused
// and writes nothing.
func TestCheckInPass(t *testing.T) {
	ctx := context.Background()
	e, clock, _ := clockEngine(t, engine.Options{CheckInKey: []byte("k1-0123456789abcdef0123456789abcdef")}, fixture.Volunteers(2)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil { // s1: Tuesday 09:00–12:00
		t.Fatal(err)
	}
	a := reserved(t, e, "N1", "V000")
	other := reserved(t, e, "N1", "V001")

	if _, err := e.CheckInPass(ctx, volunteerToken("V001"), a.ID); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("another volunteer's pass: %v, want ENOTFOUND", err)
	}
	if _, err := e.CheckInPass(ctx, sw1, a.ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a social worker asks for the pass: %v, want EFORBIDDEN", err)
	}
	p, err := e.CheckInPass(ctx, volunteerToken("V000"), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Code, a.ID+".") || !p.Opens.Equal(a.Start.Add(-volmatch.CheckInEarly)) || !p.Closes.Equal(a.End) {
		t.Fatalf("pass = %+v, want the assignment's code open from 2 h before %v to %v", p, a.Start, a.End)
	}
	p2, _ := e.CheckInPass(ctx, volunteerToken("V000"), a.ID)
	if p2.Code != p.Code {
		t.Errorf("the pass changes between two views: %q then %q (a page view must not need a write)", p.Code, p2.Code)
	}
	otherPass, _ := e.CheckInPass(ctx, volunteerToken("V001"), other.ID)
	mac := p.Code[strings.LastIndexByte(p.Code, '.')+1:]
	flipped := []byte(mac)
	flipped[0] ^= 1
	if flipped[0] == '.' {
		flipped[0] = 'A'
	}

	clock.Set(a.Start.Add(-3 * time.Hour)) // before the window
	if _, err := e.ScanCheckIn(ctx, sw1, p.Code); volmatch.ErrorReason(err) != volmatch.ReasonCheckInWindow {
		t.Errorf("a scan 3 h early: %v, want the check-in window", err)
	}
	clock.Set(a.Start.Add(-time.Hour)) // in the window
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		code string
		want string
	}{
		{"another organisation's worker", sw2, p.Code, volmatch.ENOTFOUND},
		{"the volunteer themself", volunteerToken("V000"), p.Code, volmatch.EFORBIDDEN},
		{"an admin", admin, p.Code, volmatch.EFORBIDDEN},
		{"a planner", planner, p.Code, volmatch.EFORBIDDEN},
		{"a flipped MAC", sw1, a.ID + "." + string(flipped), volmatch.ENOTFOUND},
		{"another assignment's MAC", sw1, a.ID + otherPass.Code[strings.LastIndexByte(otherPass.Code, '.'):], volmatch.ENOTFOUND},
		{"no MAC", sw1, a.ID, volmatch.ENOTFOUND},
		{"an empty code", sw1, "", volmatch.ENOTFOUND},
		{"an unknown assignment", sw1, "nope." + mac, volmatch.ENOTFOUND},
		{"a huge code", sw1, strings.Repeat("a", 10000) + "." + mac, volmatch.ENOTFOUND},
		{"an odd ID", sw1, "../../x." + mac, volmatch.ENOTFOUND},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.CheckInByCode(ctx, c.tok, c.code); volmatch.ErrorCode(err) != c.want {
				t.Errorf("CheckInByCode = %v, want %s", err, c.want)
			}
			if got := assignmentStatus(t, e, a.ID); got != volmatch.AssignReserved {
				t.Errorf("after a refused scan the assignment is %s, want reserved", got)
			}
		})
	}

	got, err := e.CheckInByCode(ctx, sw1, p.Code)
	if err != nil || got.Status != volmatch.AssignCheckedIn || !got.CheckIn.Equal(clock.Now()) {
		t.Fatalf("CheckInByCode = %+v, %v; want checked in at the engine's clock", got, err)
	}
	if _, err := e.CheckInByCode(ctx, sw1, p.Code); volmatch.ErrorReason(err) != volmatch.ReasonWrongState {
		t.Errorf("a replay after check-in: %v, want wrong_state", err)
	}
	if _, err := e.CheckInPass(ctx, volunteerToken("V000"), a.ID); volmatch.ErrorReason(err) != volmatch.ReasonWrongState {
		t.Errorf("a pass after check-in: %v, want wrong_state", err)
	}
	clock.Set(a.End)
	if _, err := e.Advance(ctx, sw1, a.ID, engine.StepRequest{Kind: volmatch.StepCheckOut}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CheckInByCode(ctx, sw1, p.Code); volmatch.ErrorReason(err) != volmatch.ReasonWrongState {
		t.Errorf("a replay after check-out: %v, want wrong_state", err)
	}
	if got := assignmentStatus(t, e, a.ID); got != volmatch.AssignCompleted {
		t.Errorf("after the replays the assignment is %s, want completed", got)
	}
	// After the end of the shift the other volunteer's code no longer
	// works.
	clock.Set(other.End.Add(time.Minute))
	if _, err := e.CheckInByCode(ctx, sw1, otherPass.Code); volmatch.ErrorReason(err) != volmatch.ReasonCheckInWindow {
		t.Errorf("a scan after the shift: %v, want the check-in window", err)
	}
}

// TestCheckInKeys: a code signed under one key is forged under another.
func TestCheckInKeys(t *testing.T) {
	ctx := context.Background()
	var codes []string
	var assignment string
	for _, key := range []string{"first-key-0123456789abcdef012345", "second-key-0123456789abcdef01234"} {
		e, clock, _ := clockEngine(t, engine.Options{CheckInKey: []byte(key)}, fixture.Volunteers(1)...)
		if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
			t.Fatal(err)
		}
		a := reserved(t, e, "N1", "V000")
		p, err := e.CheckInPass(ctx, volunteerToken("V000"), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, p.Code)
		if assignment == "" {
			assignment = a.ID
			continue
		}
		// The second engine holds an assignment of another ID: give the
		// first's code the second's ID and its own MAC.
		clock.Set(a.Start)
		forged := a.ID + codes[0][strings.LastIndexByte(codes[0], '.'):]
		if _, err := e.ScanCheckIn(ctx, sw1, forged); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			t.Errorf("a code signed under another key: %v, want ENOTFOUND", err)
		}
		if _, err := e.ScanCheckIn(ctx, sw1, p.Code); err != nil {
			t.Errorf("its own code: %v", err)
		}
	}
	if codes[0] == codes[1] {
		t.Errorf("two keys give one code %q", codes[0])
	}
}

func assignmentStatus(t *testing.T, e *engine.Engine, id string) volmatch.AssignmentStatus {
	t.Helper()
	a, err := e.Assignment(context.Background(), admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// TestSweep: expired sign-in codes and sessions are removed as the
// engine's clock passes their expiry; live ones and bearer tokens stay.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	e, clock, st := clockEngine(t, engine.Options{TokenTTL: time.Nanosecond})
	spec := volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	if _, _, err := e.IssueSignIn(ctx, admin, spec, time.Hour); err != nil { // never redeemed
		t.Fatal(err)
	}
	code, _, err := e.IssueSignIn(ctx, admin, spec, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := e.RedeemSignIn(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.CreateToken(ctx, "bearer-secret-0123456789-abcdefgh", &volmatch.Token{Role: volmatch.RolePlanner}, time.Hour); err != nil {
		t.Fatal(err)
	}
	kinds := func() map[volmatch.TokenKind]int {
		toks, err := st.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[volmatch.TokenKind]int{}
		for _, tk := range toks {
			out[tk.Kind]++
		}
		return out
	}
	for _, step := range []struct {
		name    string
		advance time.Duration
		removed int
		left    map[volmatch.TokenKind]int
	}{
		{"nothing expired", 0, 0, map[volmatch.TokenKind]int{volmatch.KindSignIn: 1, volmatch.KindSession: 1, volmatch.KindBearer: 1}},
		{"the code expired", time.Hour, 1, map[volmatch.TokenKind]int{volmatch.KindSession: 1, volmatch.KindBearer: 1}},
		{"the session expired", engine.SessionTTL, 1, map[volmatch.TokenKind]int{volmatch.KindBearer: 1}},
		{"again", time.Hour, 0, map[volmatch.TokenKind]int{volmatch.KindBearer: 1}},
	} {
		t.Run(step.name, func(t *testing.T) {
			clock.Add(step.advance)
			n, err := e.Sweep(ctx)
			if err != nil || n != step.removed {
				t.Fatalf("Sweep = %d, %v; want %d", n, err, step.removed)
			}
			if got := kinds(); len(got) != len(step.left) || got[volmatch.KindSignIn] != step.left[volmatch.KindSignIn] ||
				got[volmatch.KindSession] != step.left[volmatch.KindSession] || got[volmatch.KindBearer] != step.left[volmatch.KindBearer] {
				t.Errorf("tokens left by kind = %v, want %v", got, step.left)
			}
		})
	}
	if _, err := e.Session(ctx, secret); volmatch.ErrorCode(err) != volmatch.EUNAUTHORIZED {
		t.Errorf("the swept session: %v, want EUNAUTHORIZED", err)
	}
}

// TestSweepEvery: the loop sweeps at once and stops with its context.
func TestSweepEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e, clock, st := clockEngine(t, engine.Options{})
	if _, _, err := e.IssueSignIn(ctx, admin, volmatch.Token{Role: volmatch.RolePlanner}, time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	done := make(chan struct{})
	go func() { e.SweepEvery(ctx, time.Hour); close(done) }()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		toks, _ := st.Tokens(ctx)
		if len(toks) == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("SweepEvery left %d tokens", len(toks))
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SweepEvery did not stop with its context")
	}
}

// TestNextWave: the preview is the wave Dispatch then sends, and writes
// nothing; its reach is the wave's distances.
func TestNextWave(t *testing.T) {
	ctx := context.Background()
	vs := fixture.Volunteers(5, func(v *volmatch.Volunteer) { v.Consent.Emergency = true })
	e, _, st := clockEngine(t, engine.Options{}, vs...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("E1", func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	before := len(events(t, st))
	p, err := e.NextWave(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Done || p.Wave != 1 || len(p.Volunteers) != 3 || p.Remaining != 2 || p.Free != 2 || p.Shift != "s1" {
		t.Fatalf("NextWave = %+v, want wave 1 of 3 with 2 left, 2 free on s1", p)
	}
	if p.NearestKm > p.FarthestKm || p.FarthestKm != p.Volunteers[len(p.Volunteers)-1].DistanceKm {
		t.Errorf("reach %v–%v km, want the wave's nearest and farthest", p.NearestKm, p.FarthestKm)
	}
	if got := len(events(t, st)); got != before {
		t.Errorf("the preview wrote %d events", got-before)
	}
	w, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, inv := range w.Invitations {
		if inv.Volunteer != p.Volunteers[i].Volunteer {
			t.Errorf("sent invitation %d to %s, the preview showed %s", i, inv.Volunteer, p.Volunteers[i].Volunteer)
		}
	}
	p2, err := e.NextWave(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: 3})
	if err != nil || p2.Wave != 2 || len(p2.Volunteers) != 2 || p2.Remaining != 0 {
		t.Errorf("the next preview = %+v, %v; want wave 2 of the 2 left", p2, err)
	}
	for _, c := range []struct {
		name, need string
		tok        *volmatch.Token
		req        engine.DispatchRequest
		code       string
	}{
		{"another organisation", "E1", sw2, engine.DispatchRequest{}, volmatch.EFORBIDDEN},
		{"a volunteer", "E1", volunteerToken("V000"), engine.DispatchRequest{}, volmatch.EFORBIDDEN},
		{"not an emergency", "N1", sw1, engine.DispatchRequest{}, volmatch.EINVALID},
		{"a huge wave", "E1", sw1, engine.DispatchRequest{WaveSize: engine.MaxWaveSize + 1}, volmatch.EINVALID},
		{"no such need", "nope", sw1, engine.DispatchRequest{}, volmatch.ENOTFOUND},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.NextWave(ctx, c.tok, c.need, c.req); volmatch.ErrorCode(err) != c.code {
				t.Errorf("NextWave = %v, want %s", err, c.code)
			}
		})
	}
}

// TestHistory: the organisation's ended placements, newest first, by
// period and page, with the period's totals; another organisation's are
// not shown.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	e, clock, _ := clockEngine(t, engine.Options{}, fixture.Volunteers(4)...)
	// Shifts in November and December; the engine's clock is moved to
	// each shift to serve it.
	nov := fixture.Base.Add(33 * time.Hour)
	dec := time.Date(2026, 12, 8, 9, 0, 0, 0, volmatch.Beijing)
	for _, n := range []*volmatch.Need{
		fixture.Need("N1", fixture.Shifts(fixture.Shift("s1", nov, 3*time.Hour, 4))),
		fixture.Need("N2", fixture.Shifts(fixture.Shift("s1", dec, 2*time.Hour, 4))),
		fixture.Need("M1", fixture.Org("O2"), fixture.Shifts(fixture.Shift("s1", nov, 3*time.Hour, 4))),
	} {
		if _, err := e.PostNeed(ctx, admin, n); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(need, vid string, at time.Time, steps ...engine.StepRequest) {
		t.Helper()
		a := reserved(t, e, need, vid)
		clock.Set(at)
		for _, s := range steps {
			if _, err := e.Advance(ctx, sw1, a.ID, s); err != nil {
				t.Fatalf("%s: %v", s.Kind, err)
			}
		}
		clock.Set(fixture.Base)
	}
	in, out := engine.StepRequest{Kind: volmatch.StepCheckIn}, engine.StepRequest{Kind: volmatch.StepCheckOut, Hours: 2.5}
	serve("N1", "V000", nov, in)
	clock.Set(nov.Add(3 * time.Hour))
	// V000: checked in on N1, then out with 2.5 h, rated 4.
	as, _, _ := e.Assignments(ctx, sw1, volmatch.AssignmentFilter{Need: "N1"})
	for _, s := range []engine.StepRequest{out, {Kind: volmatch.StepRate, Rating: 4}} {
		if _, err := e.Advance(ctx, sw1, as[0].ID, s); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(fixture.Base)
	serve("N1", "V001", nov.Add(time.Hour), engine.StepRequest{Kind: volmatch.StepNoShow, Reason: "未到"})
	serve("N2", "V002", fixture.Base, engine.StepRequest{Kind: volmatch.StepCancel, Reason: "有事"})
	reserved(t, e, "N2", "V003") // still reserved: not history

	for _, c := range []struct {
		name      string
		tok       *volmatch.Token
		f         engine.HistoryFilter
		total     int
		ids       []string // volunteers of the page, in order
		completed int
		hours     float64
	}{
		{"all", sw1, engine.HistoryFilter{}, 3, []string{"V002", "V000", "V001"}, 1, 2.5},
		{"November", sw1, engine.HistoryFilter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, volmatch.Beijing), To: time.Date(2026, 12, 1, 0, 0, 0, 0, volmatch.Beijing)}, 2, []string{"V000", "V001"}, 1, 2.5},
		{"December", sw1, engine.HistoryFilter{From: time.Date(2026, 12, 1, 0, 0, 0, 0, volmatch.Beijing)}, 1, []string{"V002"}, 0, 0},
		{"page 2 of 2 a page", sw1, engine.HistoryFilter{Offset: 2, Limit: 2}, 3, []string{"V001"}, 1, 2.5},
		{"past the end", sw1, engine.HistoryFilter{Offset: 10}, 3, nil, 1, 2.5},
		{"another organisation", sw2, engine.HistoryFilter{}, 0, nil, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := e.History(ctx, c.tok, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range h.Placements {
				ids = append(ids, a.Volunteer)
			}
			if h.Total != c.total || strings.Join(ids, ",") != strings.Join(c.ids, ",") || h.Completed != c.completed || h.Hours != c.hours {
				t.Errorf("History = total %d %v completed %d hours %v; want %d %v %d %v", h.Total, ids, h.Completed, h.Hours, c.total, c.ids, c.completed, c.hours)
			}
		})
	}
	h, _ := e.History(ctx, sw1, engine.HistoryFilter{})
	if h.NoShows != 1 || h.Cancelled != 1 || h.Rated != 1 || h.RatingSum != 4 {
		t.Errorf("totals = %d no-shows, %d cancelled, %d rated summing %d; want 1, 1, 1, 4", h.NoShows, h.Cancelled, h.Rated, h.RatingSum)
	}
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		f    engine.HistoryFilter
		code string
	}{
		{"a volunteer", volunteerToken("V000"), engine.HistoryFilter{}, volmatch.EFORBIDDEN},
		{"a planner", planner, engine.HistoryFilter{}, volmatch.EFORBIDDEN},
		{"a negative offset", sw1, engine.HistoryFilter{Offset: -1}, volmatch.EINVALID},
		{"a huge page", sw1, engine.HistoryFilter{Limit: engine.MaxHistoryPage + 1}, volmatch.EINVALID},
		{"to before from", sw1, engine.HistoryFilter{From: dec, To: nov}, volmatch.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.History(ctx, c.tok, c.f); volmatch.ErrorCode(err) != c.code {
				t.Errorf("History = %v, want %s", err, c.code)
			}
		})
	}
}

// TestBatchExpect: a commit of a plan other than the one reviewed is
// refused and writes nothing; the one reviewed commits.
func TestBatchExpect(t *testing.T) {
	ctx := context.Background()
	e, _, _ := clockEngine(t, engine.Options{}, fixture.Volunteers(3)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	dry, err := e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"N1"}})
	if err != nil || len(dry.Plan.Placements) != 2 {
		t.Fatalf("dry run = %d placements, %v; want 2", len(dry.Plan.Placements), err)
	}
	digest := engine.PlanDigest(dry.Plan)
	if again, _ := e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"N1"}}); engine.PlanDigest(again.Plan) != digest {
		t.Fatalf("two dry runs differ")
	}
	commit := func(expect string) error {
		_, err := e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"N1"}, DryRun: new(false), Expect: expect})
		return err
	}
	if err := commit(strings.Repeat("0", 64)); volmatch.ErrorReason(err) != engine.ReasonPlanChanged {
		t.Fatalf("a commit of another plan: %v, want plan_changed", err)
	}
	if as, _, _ := e.Assignments(ctx, sw1, volmatch.AssignmentFilter{Need: "N1"}); len(as) != 0 {
		t.Fatalf("the refused commit wrote %d assignments", len(as))
	}
	if err := commit(digest); err != nil {
		t.Fatalf("the reviewed plan: %v", err)
	}
	if as, _, _ := e.Assignments(ctx, sw1, volmatch.AssignmentFilter{Need: "N1"}); len(as) != 2 {
		t.Fatalf("the commit wrote %d assignments, want 2", len(as))
	}
}
