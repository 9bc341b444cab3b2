package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// openNeeds returns the store's open needs.
func openNeeds(t *testing.T, st volmatch.Store) []*volmatch.Need {
	t.Helper()
	var needs []*volmatch.Need
	err := st.EachNeed(context.Background(), func(n *volmatch.Need) error {
		if n.Status == volmatch.NeedOpen {
			needs = append(needs, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return needs
}

// shiftedNeed is need(id, org) with its one shift moved by d and slots.
func shiftedNeed(id, org string, d time.Duration, slots int) volmatch.Need {
	n := need(id, org)
	n.Shifts[0].Start, n.Shifts[0].End = n.Shifts[0].Start.Add(d), n.Shifts[0].End.Add(d)
	n.Shifts[0].Slots = slots
	return n
}

func TestMenuRoute(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	for i, n := range []volmatch.Need{shiftedNeed("n1", "org1", 0, 2), shiftedNeed("n2", "org2", 24*time.Hour, 1),
		shiftedNeed("n3", "org1", -72*time.Hour, 1)} { // n3 starts before now: not offered
		if i == 1 {
			n.Domain = "elderly_care"
			n.Requires = volmatch.Requirements{}
		}
		e.must(201, "admin", "POST", "/v1/needs", n, nil)
	}
	for _, c := range []struct {
		who  string
		path string
		want int
	}{
		{"vol1", "/v1/volunteers/v1/menu", 200},
		{"admin", "/v1/volunteers/v1/menu?k=5", 200},
		{"vol2", "/v1/volunteers/v1/menu", 403},
		{"sw1", "/v1/volunteers/v1/menu", 403},
		{"planner", "/v1/volunteers/v1/menu", 403},
		{"", "/v1/volunteers/v1/menu", 401},
		{"admin", "/v1/volunteers/nobody/menu", 404},
		{"admin", "/v1/volunteers/v1/menu?k=0", 400},
	} {
		t.Run(c.who+c.path, func(t *testing.T) {
			if got, b := e.do(c.who, "GET", c.path, nil, nil); got != c.want {
				t.Fatalf("GET %s as %s = %d %s, want %d", c.path, c.who, got, b, c.want)
			}
		})
	}
	var got matcher.ServiceMenu
	e.must(200, "vol1", "GET", "/v1/volunteers/v1/menu", nil, &got)
	v, err := e.st.Volunteer(context.Background(), "v1")
	if err != nil {
		t.Fatal(err)
	}
	// The expectation by brute force: every open shift, the default
	// scorer (the engine's weights), no index.
	tax := taxonomy.Load()
	want := matcher.Menu(v, grid.AllShifts(openNeeds(t, e.st)), scoring.NewScorer(tax, scoring.Options{Weights: scoring.DefaultWeights()}),
		matcher.MenuOptions{After: t0, DomainOf: tax.DomainOf})
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("menu = %s\nwant (matcher.Menu directly) %s", gj, wj)
	}
	if len(got.Items) == 0 || len(got.Groups) == 0 {
		t.Fatalf("menu of v1 is empty: %s", gj)
	}
	for _, it := range got.Items {
		if it.Need == "n3" {
			t.Errorf("menu offers n3, which starts before now")
		}
	}

	// After v1 holds n1's shift, the menu leaves it out.
	if _, err := e.st.Reserve(context.Background(), []volmatch.Reservation{{Need: "n1", Shift: "s1", Volunteer: "v1"}}, t0); err != nil {
		t.Fatal(err)
	}
	e.must(200, "vol1", "GET", "/v1/volunteers/v1/menu", nil, &got)
	for _, it := range got.Items {
		if it.Need == "n1" {
			t.Errorf("menu offers n1/s1, which v1 already holds")
		}
	}
}

// assignmentKeys lists need/shift/volunteer of every assignment, sorted.
func assignmentKeys(t *testing.T, st volmatch.Store) []string {
	t.Helper()
	as, _, err := st.Assignments(context.Background(), volmatch.AssignmentFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Need+"/"+a.Shift+"/"+a.Volunteer)
	}
	sort.Strings(out)
	return out
}

func placementKeys(ps []matcher.Placement) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Need+"/"+p.Shift+"/"+p.Volunteer)
	}
	sort.Strings(out)
	return out
}

func TestBatchRoute(t *testing.T) {
	rs := &racingStore{}
	e := newEnvWith(t, api.Options{}, func(st *bolt.Store) volmatch.Store { rs.Store = st; return rs })
	e.seedVolunteers()
	for _, n := range []volmatch.Need{shiftedNeed("n1", "org1", 0, 2), shiftedNeed("n2", "org1", 24*time.Hour, 1),
		shiftedNeed("n3", "org1", 48*time.Hour, 1), shiftedNeed("n4", "org2", 0, 1)} {
		e.must(201, "admin", "POST", "/v1/needs", n, nil)
	}
	t.Run("bad bodies", func(t *testing.T) {
		for _, c := range []struct {
			who   string
			body  string
			want  int
			field string
		}{
			{"sw1", `{"needs":["n1"],"color":1}`, 400, "color"},
			{"sw1", `{"needs":[]}`, 422, "needs"},
			{"sw1", `{}`, 422, "needs"},
			{"sw1", `{"needs":["n1"],"district":"110105"}`, 422, "needs"},
			{"sw1", `{"needs":["n1"],"max_per_volunteer":11}`, 422, "max_per_volunteer"},
			{"sw1", `{"needs":["n1"],"max_per_volunteer":-1}`, 422, "max_per_volunteer"},
			{"sw1", `{"needs":["n1","nX"]}`, 422, "needs[1]"},
			{"sw1", `{"needs":"n1"}`, 400, "needs"},
			{"sw1", `{"needs":["n4"]}`, 403, ""},
			{"sw2", `{"district":"110101"}`, 422, "district"},
			{"vol1", `{"needs":["n1"]}`, 403, ""},
			{"planner", `{"needs":["n1"]}`, 403, ""},
		} {
			var p api.Problem
			if got, b := e.do(c.who, "POST", "/v1/assignments/batch", c.body, &p); got != c.want || p.Field != c.field {
				t.Errorf("POST batch %s as %s = %d %s, want %d naming %q", c.body, c.who, got, b, c.want, c.field)
			}
		}
	})

	var dry api.BatchResponse
	e.must(200, "sw1", "POST", "/v1/assignments/batch", map[string]any{"needs": []string{"n1", "n2"}, "dry_run": true}, &dry)
	if !dry.DryRun || len(dry.Placements) != 3 || dry.Unfilled != 0 || !dry.Exact || dry.Total <= 0 {
		t.Fatalf("dry run = %+v, want 3 placements, exact, nothing unfilled", dry)
	}
	if got := assignmentKeys(t, e.st); len(got) != 0 {
		t.Fatalf("a dry run wrote assignments %v", got)
	}
	var done api.BatchResponse
	e.must(200, "sw1", "POST", "/v1/assignments/batch", map[string]any{"needs": []string{"n1", "n2"}, "dry_run": false}, &done)
	if got, want := assignmentKeys(t, e.st), placementKeys(dry.Placements); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("commit wrote %v, want the dry run's plan %v", got, want)
	}
	if done.DryRun || len(done.Assignments) != 3 {
		t.Fatalf("commit answered %+v, want 3 assignments", done)
	}
	for id, want := range map[string]int{"n1": 2, "n2": 1} {
		n, err := e.st.Need(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if n.Shifts[0].Filled != want {
			t.Errorf("need %s filled %d, want %d", id, n.Shifts[0].Filled, want)
		}
	}

	// A stale plan: made while n5 had a free slot, which another
	// volunteer takes before the commit. The commit conflicts and writes
	// none of the plan, n3's placement neither.
	e.must(201, "admin", "POST", "/v1/needs", shiftedNeed("n5", "org1", 72*time.Hour, 1), nil)
	before := assignmentKeys(t, e.st)
	competed := make(chan string, 1) // the assignment the competing write made
	rs.compete(func(plan []volmatch.Reservation) error {
		if len(plan) != 2 {
			t.Errorf("the plan to commit is %+v, want n3 and n5 placed", plan)
		}
		for _, r := range plan {
			if r.Need != "n5" {
				continue
			}
			for _, p := range people {
				if p.id == r.Volunteer {
					continue
				}
				_, err := e.st.Reserve(context.Background(), []volmatch.Reservation{{Need: "n5", Shift: "s1", Volunteer: p.id}}, t0)
				competed <- "n5/s1/" + p.id
				return err
			}
		}
		return nil
	})
	if got, b := e.do("admin", "POST", "/v1/assignments/batch", `{"needs":["n3","n5"],"dry_run":false}`, nil); got != 409 {
		t.Fatalf("conflicting commit = %d %s, want 409", got, b)
	}
	var want []string
	select {
	case c := <-competed:
		want = append(append(want, before...), c)
		sort.Strings(want)
	default:
		t.Fatal("no competing write was made: the plan placed nobody on n5")
	}
	if after := assignmentKeys(t, e.st); strings.Join(after, " ") != strings.Join(want, " ") {
		t.Fatalf("a conflicting commit changed the assignments from %v (with the competing write) to %v", want, after)
	}
	if n, err := e.st.Need(context.Background(), "n3"); err != nil || n.Shifts[0].Filled != 0 {
		t.Fatalf("need n3 after the conflicting commit = %+v, %v, want nobody placed", n, err)
	}
}

// racingStore is the bbolt store with a competing write slipped in
// between a batch's plan and its commit: the function given to compete
// runs once, at the engine's next Reserve, with the reservations about to
// be made, and then the Reserve goes on.
type racingStore struct {
	volmatch.Store
	mu   sync.Mutex
	next func([]volmatch.Reservation) error
}

func (s *racingStore) compete(fn func([]volmatch.Reservation) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = fn
}

func (s *racingStore) Reserve(ctx context.Context, rs []volmatch.Reservation, at time.Time) ([]*volmatch.Assignment, error) {
	s.mu.Lock()
	fn := s.next
	s.next = nil
	s.mu.Unlock()
	if fn != nil {
		if err := fn(rs); err != nil {
			return nil, fmt.Errorf("the competing write: %w", err)
		}
	}
	return s.Store.Reserve(ctx, rs, at)
}

func TestDispatchRoute(t *testing.T) {
	e := newEnv(t, api.Options{})
	// One consenting volunteer per tier, and one who did not consent.
	for i, p := range []struct {
		id, district, street string
		emergency            bool
	}{
		{"v1", "110105", "110105001000", true},
		{"v2", "110105", "110105002000", true},
		{"v3", "110101", "110101001000", true},
		{"v4", "110105", "110105001000", false},
	} {
		v := volunteer(p.id, "张伟"+p.id, fmt.Sprintf("1370000%04d", i), 39.92+0.004*float64(i), 116.44)
		v.District, v.Street, v.Consent.Emergency = p.district, p.street, p.emergency
		e.must(201, "admin", "POST", "/v1/volunteers", v, nil)
	}
	em := shiftedNeed("e1", "org1", 0, 5)
	em.Urgency = volmatch.UrgencyEmergency
	e.must(201, "admin", "POST", "/v1/needs", em, nil)
	e.must(201, "admin", "POST", "/v1/needs", shiftedNeed("n1", "org1", 0, 5), nil)

	for _, c := range []struct {
		who, path, body string
		want            int
		field           string
	}{
		{"sw1", "/v1/needs/n1/dispatch", `{}`, 422, "urgency"},
		{"sw1", "/v1/needs/e1/dispatch", `{"wave_size":501}`, 422, "wave_size"},
		{"sw1", "/v1/needs/e1/dispatch", `{"wave_size":"x"}`, 400, "wave_size"},
		{"sw1", "/v1/needs/e1/dispatch", `{"waves":1}`, 400, "waves"},
		{"sw2", "/v1/needs/e1/dispatch", `{}`, 403, ""},
		{"vol1", "/v1/needs/e1/dispatch", `{}`, 403, ""},
		{"admin", "/v1/needs/nX/dispatch", `{}`, 404, ""},
	} {
		var p api.Problem
		if got, b := e.do(c.who, "POST", c.path, c.body, &p); got != c.want || p.Field != c.field {
			t.Errorf("POST %s %s as %s = %d %s, want %d naming %q", c.path, c.body, c.who, got, b, c.want, c.field)
		}
	}

	var got []string
	for wave := 1; ; wave++ {
		var r api.DispatchResponse
		e.must(200, "sw1", "POST", "/v1/needs/e1/dispatch", map[string]int{"wave_size": 1}, &r)
		if r.Done {
			if len(r.Invitations) != 0 || wave != 4 {
				t.Fatalf("wave %d done with %d invitations, want done at wave 4 with none", wave, len(r.Invitations))
			}
			break
		}
		if r.Wave != wave || len(r.Invitations) != 1 || r.Remaining != 3-wave {
			t.Fatalf("wave %d = %+v, want wave %d with 1 invitation and %d remaining", wave, r, wave, 3-wave)
		}
		got = append(got, r.Tier+":"+r.Invitations[0].Volunteer)
		if wave > 4 {
			t.Fatal("dispatch never ends")
		}
	}
	if want := "street:v1 district:v2 city:v3"; strings.Join(got, " ") != want {
		t.Fatalf("waves = %v, want %s", got, want)
	}
	var evs []string
	for _, ev := range e.events() {
		if ev.Type == volmatch.EventDispatchWave {
			evs = append(evs, fmt.Sprintf("%d:%s:%d:%s", ev.Wave, ev.Tier, ev.Count, ev.Need))
		}
	}
	if want := "1:street:1:e1 2:district:1:e1 3:city:1:e1"; strings.Join(evs, " ") != want {
		t.Fatalf("dispatch.wave events = %v, want %s", evs, want)
	}
}
