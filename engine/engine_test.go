package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// now is the engine's clock in these tests: a day before the fixture
// needs' first shift.
var (
	fixture0 = fixture.Base.Add(9 * time.Hour)
	now      = fixture0
)

// Callers of the tests, one per role and scope.
var (
	admin   = &volmatch.Token{Role: volmatch.RoleAdmin}
	sw1     = &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	sw2     = &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O2"}
	planner = &volmatch.Token{Role: volmatch.RolePlanner}
)

func volunteerToken(id string) *volmatch.Token {
	return &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: id}
}

// newEngine returns a started engine over a real bbolt file and a real
// Bleve index in memory, holding the volunteers.
func newEngine(t testing.TB, vs ...*volmatch.Volunteer) (*engine.Engine, *bolt.Store) {
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
	e := engine.New(st, text, tax, engine.Options{Now: func() time.Time { return now }})
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st
}

// events returns the types of the events in the log, in order.
func events(t testing.TB, st volmatch.EventLog) []volmatch.EventType {
	t.Helper()
	evs, err := st.Events(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]volmatch.EventType, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

func count(ts []volmatch.EventType, want volmatch.EventType) int {
	n := 0
	for _, t := range ts {
		if t == want {
			n++
		}
	}
	return n
}

// TestServiceFlow walks one need from posting to rating through the engine
// and checks each step's record and event.
func TestServiceFlow(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteers(5)...)

	n, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org("")))
	if err != nil {
		t.Fatalf("PostNeed: %v", err)
	}
	if n.Org != "O1" || n.Status != volmatch.NeedOpen || n.Supply != 5 || !n.PostedAt.Equal(now) {
		t.Errorf("PostNeed = org %q status %q supply %d posted %v, want O1 open 5 %v", n.Org, n.Status, n.Supply, n.PostedAt, now)
	}
	m, err := e.Matches(ctx, sw1, "N1", engine.RankOptions{K: 3})
	if err != nil {
		t.Fatalf("Matches: %v", err)
	}
	if len(m.Matches) != 3 || m.Eligible != 5 || m.Batch == "" {
		t.Fatalf("Matches = %d matches, %d eligible, batch %q; want 3, 5, a batch", len(m.Matches), m.Eligible, m.Batch)
	}
	if got := count(events(t, st), volmatch.EventMatchShown); got != 3 {
		t.Errorf("match.shown events = %d, want 3", got)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Top: 2})
	if err != nil || len(invs) != 2 {
		t.Fatalf("Invite top 2 = %d, %v; want 2 invitations", len(invs), err)
	}
	if invs[0].Volunteer != m.Matches[0].Volunteer {
		t.Errorf("first invitation to %s, want the top match %s", invs[0].Volunteer, m.Matches[0].Volunteer)
	}
	vol := volunteerToken(invs[0].Volunteer)
	a, err := e.Accept(ctx, vol, invs[0].ID)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if _, err := e.Decline(ctx, volunteerToken(invs[1].Volunteer), invs[1].ID); err != nil {
		t.Fatalf("Decline: %v", err)
	}
	sh := n.Shifts[0]
	steps := []engine.StepRequest{
		{Kind: volmatch.StepCheckIn, At: &sh.Start},
		{Kind: volmatch.StepCheckOut, At: &sh.End, Hours: 3},
		{Kind: volmatch.StepRate, Rating: 5},
	}
	for _, s := range steps {
		if a, err = e.Advance(ctx, sw1, a.ID, s); err != nil {
			t.Fatalf("Advance %s: %v", s.Kind, err)
		}
	}
	if a.Status != volmatch.AssignCompleted || a.Hours != 3 || a.Rating != 5 {
		t.Errorf("after the steps: status %s, hours %v, rating %d; want completed, 3, 5", a.Status, a.Hours, a.Rating)
	}
	ts := events(t, st)
	for _, want := range []volmatch.EventType{volmatch.EventNeedPosted, volmatch.EventInviteSent, volmatch.EventInviteAccepted,
		volmatch.EventInviteDeclined, volmatch.EventCheckIn, volmatch.EventCheckOut, volmatch.EventRated} {
		if count(ts, want) == 0 {
			t.Errorf("no %s event in the log %v", want, ts)
		}
	}
}

// TestScope checks that every flow holds its caller to their scope.
func TestScope(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(3)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Accept(ctx, volunteerToken("V000"), invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	hours := 8.0
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"another organisation posts for O1", func() error { _, err := e.PostNeed(ctx, sw2, fixture.Need("N2")); return err }, volmatch.EFORBIDDEN},
		{"another organisation's matches", func() error { _, err := e.Matches(ctx, sw2, "N1", engine.RankOptions{}); return err }, volmatch.EFORBIDDEN},
		{"another organisation's need", func() error { _, err := e.Need(ctx, sw2, "N1"); return err }, volmatch.EFORBIDDEN},
		{"another organisation invites", func() error {
			_, err := e.Invite(ctx, sw2, "N1", engine.InviteRequest{Top: 1})
			return err
		}, volmatch.EFORBIDDEN},
		{"another volunteer accepts", func() error { _, err := e.Accept(ctx, volunteerToken("V001"), invs[0].ID); return err }, volmatch.EFORBIDDEN},
		{"a volunteer states hours", func() error {
			_, err := e.Advance(ctx, volunteerToken("V000"), a.ID, engine.StepRequest{Kind: volmatch.StepCheckOut, Hours: hours})
			return err
		}, volmatch.EFORBIDDEN},
		{"a volunteer rates", func() error {
			_, err := e.Advance(ctx, volunteerToken("V000"), a.ID, engine.StepRequest{Kind: volmatch.StepRate, Rating: 5})
			return err
		}, volmatch.EFORBIDDEN},
		{"another volunteer's menu", func() error { _, err := e.Menu(ctx, volunteerToken("V001"), "V000", engine.MenuOptions{}); return err }, volmatch.EFORBIDDEN},
		{"a social worker reads a volunteer's menu", func() error { _, err := e.Menu(ctx, sw1, "V000", engine.MenuOptions{}); return err }, volmatch.EFORBIDDEN},
		{"a planner lists volunteers", func() error { _, _, err := e.Volunteers(ctx, planner, volmatch.VolunteerFilter{}); return err }, volmatch.EFORBIDDEN},
		{"a volunteer searches volunteers", func() error {
			_, err := e.Search(ctx, volunteerToken("V000"), volmatch.SearchQuery{Text: "志愿者", Kind: volmatch.ChangeVolunteer})
			return err
		}, volmatch.EFORBIDDEN},
		{"a social worker reads reports", func() error { _, err := e.Summary(ctx, sw1, evaluationAll); return err }, volmatch.EFORBIDDEN},
		{"a social worker writes a station", func() error {
			return e.SaveStation(ctx, sw1, "", &volmatch.Station{ID: "S1", Name: "站", Type: "library", Point: fixture.Site})
		}, volmatch.EFORBIDDEN},
		{"a rating of 6", func() error {
			_, err := e.Advance(ctx, sw1, a.ID, engine.StepRequest{Kind: volmatch.StepRate, Rating: 6})
			return err
		}, volmatch.EINVALID},
		{"both volunteers and top", func() error {
			_, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Top: 1, Volunteers: []string{"V001"}})
			return err
		}, volmatch.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := volmatch.ErrorCode(c.call()); got != c.want {
				t.Errorf("error code = %q, want %q", got, c.want)
			}
		})
	}
}

// TestDeclineIsTheVolunteers: the organisation cannot answer an ordinary
// invitation for the volunteer (the route table alone used to stop it).
func TestDeclineIsTheVolunteers(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(2)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Org(""))); err != nil {
		t.Fatal(err)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V000", "V001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decline(ctx, sw1, invs[0].ID); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Decline by the organisation = %v, want forbidden", err)
	}
	if _, err := e.Accept(ctx, volunteerToken("V000"), invs[0].ID); err != nil {
		t.Errorf("the volunteer still answers after the refused decline: %v", err)
	}
	if d, err := e.Decline(ctx, volunteerToken("V001"), invs[1].ID); err != nil || d.Status != volmatch.InviteDeclined {
		t.Errorf("Decline by the volunteer = %v, %v", d, err)
	}
}
