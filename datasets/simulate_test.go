package datasets_test

import (
	"context"
	"reflect"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// simulate generates a population and simulates it through the feature
// index with the default scorer.
func simulate(t testing.TB, vols, needs int, seed uint64) (*datasets.Population, datasets.SimResult) {
	t.Helper()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: vols, Needs: needs, Seed: seed})
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	res, err := datasets.Simulate(context.Background(), pop, grid.NewFeatures(pop.Volunteers), sc, datasets.SimOptions{Seed: seed})
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	return pop, res
}

func TestSimulateInvariants(t *testing.T) {
	pop, res := simulate(t, 3000, 300, 11)
	needs := map[string]*volmatch.Need{}
	for _, n := range pop.Needs {
		needs[n.ID] = n
	}
	type asg struct {
		need, shift, vol string
		state            volmatch.EventType
	}
	asgs := map[string]*asg{}
	invites := map[string]volmatch.EventType{}
	holding := map[[2]string]int{}          // need, shift -> slots held
	byVol := map[string][]*volmatch.Event{} // holding assignments' accepts
	count := map[volmatch.EventType]int{}
	hours := map[string]float64{}
	for i := range res.Events {
		ev := &res.Events[i]
		count[ev.Type]++
		if i > 0 && ev.At.Before(res.Events[i-1].At) {
			t.Fatalf("event %d at %v before event %d at %v", i, ev.At, i-1, res.Events[i-1].At)
		}
		if ev.Type == volmatch.EventNeedPosted {
			t.Fatalf("Simulate emitted need.posted")
		}
		n := needs[ev.Need]
		if n == nil || ev.District != n.District || ev.Domain != n.Domain {
			t.Fatalf("event %+v does not carry its need's attributes", ev)
		}
		switch ev.Type {
		case volmatch.EventInviteSent:
			if _, dup := invites[ev.Invite]; dup {
				t.Fatalf("invitation %s sent twice", ev.Invite)
			}
			invites[ev.Invite] = ev.Type
		case volmatch.EventInviteAccepted, volmatch.EventInviteDeclined, volmatch.EventInviteExpired:
			if invites[ev.Invite] != volmatch.EventInviteSent {
				t.Fatalf("%s of invitation %s that is %q", ev.Type, ev.Invite, invites[ev.Invite])
			}
			invites[ev.Invite] = ev.Type
			if ev.Type != volmatch.EventInviteAccepted {
				continue
			}
			sh, _ := n.Shift(ev.Shift)
			k := [2]string{ev.Need, ev.Shift}
			holding[k]++
			if holding[k] > sh.Slots {
				t.Fatalf("shift %v holds %d of %d slots", k, holding[k], sh.Slots)
			}
			for _, o := range byVol[ev.Volunteer] {
				if a := asgs[o.Assignment]; a.state == volmatch.EventInviteAccepted || a.state == volmatch.EventCheckIn || a.state == volmatch.EventCheckOut {
					if volmatch.Overlap(o.ShiftStart, o.ShiftEnd, ev.ShiftStart, ev.ShiftEnd) {
						t.Fatalf("volunteer holds overlapping shifts %s/%s and %s/%s", o.Need, o.Shift, ev.Need, ev.Shift)
					}
				}
			}
			byVol[ev.Volunteer] = append(byVol[ev.Volunteer], ev)
			asgs[ev.Assignment] = &asg{ev.Need, ev.Shift, ev.Volunteer, ev.Type}
		default:
			a := asgs[ev.Assignment]
			if a == nil {
				if ev.Type == volmatch.EventMatchShown {
					continue
				}
				t.Fatalf("%s of unknown assignment %q", ev.Type, ev.Assignment)
			}
			want := map[volmatch.EventType]volmatch.EventType{
				volmatch.EventCheckIn: volmatch.EventInviteAccepted, volmatch.EventNoShow: volmatch.EventInviteAccepted,
				volmatch.EventCancelled: volmatch.EventInviteAccepted, volmatch.EventCheckOut: volmatch.EventCheckIn,
				volmatch.EventRated: volmatch.EventCheckOut,
			}[ev.Type]
			if a.state != want {
				t.Fatalf("%s of assignment %s that is at %s", ev.Type, ev.Assignment, a.state)
			}
			a.state = ev.Type
			if ev.Type == volmatch.EventNoShow || ev.Type == volmatch.EventCancelled {
				holding[[2]string{a.need, a.shift}]--
			}
			if ev.Type == volmatch.EventCheckOut {
				hours[ev.Volunteer] += ev.Hours
			}
			if ev.Type == volmatch.EventRated && (ev.Rating < 1 || ev.Rating > 5) {
				t.Fatalf("rating %d", ev.Rating)
			}
		}
	}
	for _, typ := range []volmatch.EventType{volmatch.EventMatchShown, volmatch.EventInviteSent, volmatch.EventInviteAccepted,
		volmatch.EventInviteDeclined, volmatch.EventInviteExpired, volmatch.EventCheckOut, volmatch.EventNoShow,
		volmatch.EventCancelled, volmatch.EventRated} {
		if count[typ] == 0 {
			t.Errorf("Simulate made no %s events (counts %v)", typ, count)
		}
	}
	t.Logf("events by type: %v", count)
	// The stats agree with the log and were written to the volunteers.
	for _, v := range pop.Volunteers {
		st := res.Stats[v.ID]
		if st != v.Stats {
			t.Fatalf("volunteer stats %+v, result stats %+v", v.Stats, st)
		}
		if diff := st.Hours - hours[v.ID]; diff > 1e-9 || diff < -1e-9 {
			t.Fatalf("stats hours %v, log hours %v", st.Hours, hours[v.ID])
		}
		if st.Load != 0 {
			t.Fatalf("load %d after every shift is over, want 0", st.Load)
		}
	}
}

func TestSimulateDeterministic(t *testing.T) {
	_, a := simulate(t, 1500, 120, 5)
	_, b := simulate(t, 1500, 120, 5)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Simulate with the same seed gave different results (%d vs %d events)", len(a.Events), len(b.Events))
	}
	_, c := simulate(t, 1500, 120, 6)
	if reflect.DeepEqual(a.Events, c.Events) {
		t.Errorf("Simulate with another seed gave the same events")
	}
}

func TestSimulateCancelled(t *testing.T) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 100, Needs: 10, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := datasets.Simulate(ctx, pop, grid.NewFeatures(pop.Volunteers), scoring.NewScorer(nil, scoring.Options{}), datasets.SimOptions{})
	if err == nil {
		t.Errorf("Simulate(cancelled context) = nil error, want one")
	}
}

func BenchmarkSimulate20k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		pop := datasets.Generate(datasets.GenOptions{Volunteers: 20000, Needs: 2000, Seed: 1})
		f := grid.NewFeatures(pop.Volunteers)
		sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
		b.StartTimer()
		if _, err := datasets.Simulate(context.Background(), pop, f, sc, datasets.SimOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
