package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
	"volmatch/internal/fixture"
)

var evaluationAll = evaluation.Filter{}

// TestBatch checks that a dry run writes nothing and a commit reserves
// exactly the plan's placements.
func TestBatch(t *testing.T) {
	ctx := context.Background()
	e, st := newEngine(t, fixture.Volunteers(6)...)
	for i := range 3 {
		start := fixture.Base.Add(33*time.Hour + time.Duration(i)*4*time.Hour)
		n := fixture.Need(fmt.Sprintf("N%d", i), fixture.Shifts(fixture.Shift("s1", start, 3*time.Hour, 2)))
		if _, err := e.PostNeed(ctx, sw1, n); err != nil {
			t.Fatal(err)
		}
	}
	req := engine.BatchRequest{Needs: []string{"N0", "N1", "N2"}, MaxPerVolunteer: 1}
	dry, err := e.Batch(ctx, sw1, req)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if !dry.DryRun || len(dry.Plan.Placements) != 6 || len(dry.Assignments) != 0 {
		t.Fatalf("dry run = dry %v, %d placements, %d assignments; want true, 6, 0", dry.DryRun, len(dry.Plan.Placements), len(dry.Assignments))
	}
	if as, _, _ := st.Assignments(ctx, volmatch.AssignmentFilter{}); len(as) != 0 {
		t.Fatalf("a dry run wrote %d assignments", len(as))
	}
	commit := false
	req.DryRun = &commit
	b, err := e.Batch(ctx, sw1, req)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	if len(b.Assignments) != len(b.Plan.Placements) || len(b.Assignments) != 6 {
		t.Errorf("commit = %d assignments for %d placements, want 6 each", len(b.Assignments), len(b.Plan.Placements))
	}
	if _, err := e.Batch(ctx, sw2, req); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation's batch = %v, want forbidden", err)
	}
}

// TestDispatchWaves sends waves until the tiers run out: no volunteer is
// invited twice and the waves count up.
func TestDispatchWaves(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(5, func(v *volmatch.Volunteer) { v.Consent.Emergency = true })...)
	n := fixture.Need("E1", func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for want := 1; ; want++ {
		w, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: 2})
		if err != nil {
			t.Fatalf("wave %d: %v", want, err)
		}
		if w.Done {
			break
		}
		if w.Wave != want {
			t.Errorf("wave number = %d, want %d", w.Wave, want)
		}
		for _, inv := range w.Invitations {
			if seen[inv.Volunteer] {
				t.Errorf("%s invited twice", inv.Volunteer)
			}
			seen[inv.Volunteer] = true
		}
		if want > 10 {
			t.Fatal("dispatch never ends")
		}
	}
	if len(seen) != 5 {
		t.Errorf("dispatch reached %d volunteers, want all 5", len(seen))
	}
	if _, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{WaveSize: engine.MaxWaveSize + 1}); volmatch.ErrorField(err) != "wave_size" {
		t.Errorf("an oversized wave = %v, want an error on wave_size", err)
	}
}

// TestMenuAndSearch checks a volunteer's menu and that search leaves out
// what the caller may not see.
func TestMenuAndSearch(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(2)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	m, err := e.Menu(ctx, volunteerToken("V000"), "V000", engine.MenuOptions{K: 5})
	if err != nil {
		t.Fatalf("Menu: %v", err)
	}
	if len(m.Items) != 1 || m.Items[0].Need != "N1" {
		t.Errorf("menu = %+v, want the one shift of N1", m.Items)
	}
	q := volmatch.SearchQuery{Text: "助老", Kind: volmatch.ChangeNeed}
	cases := []struct {
		name string
		tok  *volmatch.Token
		want int
	}{
		{"its organisation", sw1, 1},
		{"another organisation", sw2, 0},
		{"a volunteer", volunteerToken("V000"), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := e.Search(ctx, c.tok, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != c.want {
				t.Errorf("Search(%q) = %d hits, want %d", q.Text, len(page.Items), c.want)
			}
		})
	}
}

// TestReportsFollowTheLog checks that a cached report is recomputed once
// the log grows.
func TestReportsFollowTheLog(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(2)...)
	before, err := e.Funnel(ctx, planner, evaluationAll)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	after, err := e.Funnel(ctx, planner, evaluationAll)
	if err != nil {
		t.Fatal(err)
	}
	posted := func(r evaluation.FunnelReport) int {
		if len(r.Needs) == 0 {
			return 0
		}
		return r.Needs[0].Count
	}
	if posted(before) != 0 || posted(after) != 1 {
		t.Errorf("needs posted before and after a need = %d, %d; want 0, 1", posted(before), posted(after))
	}
}

// TestBegunShiftsNotOffered: neither a batch plan nor a dispatch wave
// places or invites anyone on a shift that has begun (the time rule of
// invitations and accepts holds on every path).
func TestBegunShiftsNotOffered(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(4, func(v *volmatch.Volunteer) { v.Consent.Emergency = true })...)
	begun := fixture.Shift("s0", now.Add(-time.Hour), 3*time.Hour, 2)
	later := fixture.Shift("s1", fixture.Base.Add(33*time.Hour), 3*time.Hour, 2)
	n := fixture.Need("E1", fixture.Shifts(begun, later), func(n *volmatch.Need) { n.Urgency = volmatch.UrgencyEmergency })
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	b, err := e.Batch(ctx, sw1, engine.BatchRequest{Needs: []string{"E1"}, MaxPerVolunteer: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Plan.Placements {
		if p.Shift == "s0" {
			t.Errorf("batch placed %s on the begun shift s0", p.Volunteer)
		}
	}
	if len(b.Plan.Placements) != 2 {
		t.Errorf("batch placed %d, want the 2 slots of s1", len(b.Plan.Placements))
	}
	w, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Shift != "s1" {
		t.Errorf("dispatch wave for shift %q, want s1 (s0 has begun)", w.Shift)
	}
	if _, err := e.Dispatch(ctx, sw1, "E1", engine.DispatchRequest{Shift: "s0"}); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("dispatch for the begun shift s0 = %v, want a conflict", err)
	}
}
