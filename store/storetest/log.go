package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

func testEvents(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	evs, err := st.Events(ctx, 0, 10)
	must(t, "Events", err)
	if len(evs) != 0 {
		t.Fatalf("Events of an empty store = %d, want 0", len(evs))
	}
	seed(t, st, fixture.Volunteers(1), need("N1", "O1", shift("S1", 24, 3, 2)))
	shown := []volmatch.Event{
		{Type: volmatch.EventMatchShown, At: at(1), Need: "N1", Volunteer: "V000", Rank: 1, Score: 0.9, Batch: "B1",
			Breakdown: []volmatch.Component{{Name: "distance", Value: 0.5, Weight: 2}}},
		{Type: volmatch.EventMatchShown, At: at(1), Need: "N1", Volunteer: "V001", Rank: 2, Score: 0.8, Batch: "B1"},
		{Type: volmatch.EventDispatchWave, At: at(2), Need: "N1", Wave: 1, Tier: "street", Count: 2, Seq: 999},
	}
	must(t, "AppendEvents", st.AppendEvents(ctx, shown...))
	must(t, "AppendEvents none", st.AppendEvents(ctx))
	invite(t, st, "I1", "N1", "S1", "V000")
	_, err = st.Accept(ctx, "I1", at(3))
	must(t, "Accept", err)

	all := allEvents(t, st)
	var types []volmatch.EventType
	for i, e := range all {
		types = append(types, e.Type)
		if i > 0 && e.Seq <= all[i-1].Seq {
			t.Errorf("event %d Seq %d after %d, want strictly increasing", i, e.Seq, all[i-1].Seq)
		}
	}
	want := []volmatch.EventType{volmatch.EventNeedPosted, volmatch.EventMatchShown, volmatch.EventMatchShown,
		volmatch.EventDispatchWave, volmatch.EventInviteSent, volmatch.EventInviteAccepted}
	if jsonOf(t, types) != jsonOf(t, want) {
		t.Fatalf("event types = %v, want %v", types, want)
	}
	got := all[1]
	w := shown[0]
	w.Seq = got.Seq
	sameJSON(t, "match.shown as appended", got, w)
	if all[3].Seq == 999 {
		t.Errorf("AppendEvents kept the caller's Seq 999; the store gives Seq")
	}

	// Paging by Seq.
	page, err := st.Events(ctx, all[1].Seq, 2)
	must(t, "Events", err)
	if len(page) != 2 || page[0].Seq != all[2].Seq || page[1].Seq != all[3].Seq {
		t.Errorf("Events(after %d, 2) = %d events, want the 3rd and 4th", all[1].Seq, len(page))
	}
	page, err = st.Events(ctx, all[len(all)-1].Seq, 10)
	must(t, "Events", err)
	if len(page) != 0 {
		t.Errorf("Events after the last = %d, want 0", len(page))
	}

	refused(t, st, "AppendEvents with an untyped event", volmatch.EINVALID, func() error {
		return st.AppendEvents(ctx, volmatch.Event{Type: volmatch.EventMatchShown, At: at(4)}, volmatch.Event{At: at(4)})
	})
}

func testChanges(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	last, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	if last != 0 {
		t.Fatalf("LastChange of an empty store = %d, want 0", last)
	}
	steps := []struct {
		name  string
		write func() error
		want  []volmatch.Change // at least these, in order, in the new changes
	}{
		{"create volunteer", func() error { return st.CreateVolunteer(ctx, fixture.Volunteer("V1")) },
			[]volmatch.Change{{Kind: volmatch.ChangeVolunteer, ID: "V1"}}},
		{"update volunteer", func() error { return st.UpdateVolunteer(ctx, fixture.Volunteer("V1")) },
			[]volmatch.Change{{Kind: volmatch.ChangeVolunteer, ID: "V1"}}},
		{"put volunteers", func() error { return st.PutVolunteers(ctx, fixture.Volunteers(2)) },
			[]volmatch.Change{{Kind: volmatch.ChangeVolunteer, ID: "V000"}, {Kind: volmatch.ChangeVolunteer, ID: "V001"}}},
		{"delete volunteer", func() error { return st.DeleteVolunteer(ctx, "V1") },
			[]volmatch.Change{{Kind: volmatch.ChangeVolunteer, ID: "V1", Deleted: true}}},
		{"create need", func() error { return st.CreateNeed(ctx, need("N1", "O1", shift("S1", 24, 3, 2))) },
			[]volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N1"}}},
		{"update need", func() error { return st.UpdateNeed(ctx, need("N1", "O1", shift("S1", 24, 3, 3))) },
			[]volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N1"}}},
		{"put needs", func() error { return st.PutNeeds(ctx, []*volmatch.Need{need("N2", "O1", shift("S1", 24, 3, 3))}) },
			[]volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N2"}}},
		{"delete need", func() error { return st.DeleteNeed(ctx, "N2") },
			[]volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N2", Deleted: true}}},
		{"create pool", func() error {
			return st.CreatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "法律", Domain: "law"})
		}, []volmatch.Change{{Kind: volmatch.ChangePool, ID: "P1"}}},
		{"update pool", func() error {
			return st.UpdatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "法律人才库", Domain: "law"})
		}, []volmatch.Change{{Kind: volmatch.ChangePool, ID: "P1"}}},
		{"put pools", func() error {
			return st.PutPools(ctx, []*volmatch.TalentPool{{ID: "P2", Name: "法律", Domain: "law"}})
		}, []volmatch.Change{{Kind: volmatch.ChangePool, ID: "P2"}}},
		{"delete pool", func() error { return st.DeletePool(ctx, "P1") },
			[]volmatch.Change{{Kind: volmatch.ChangePool, ID: "P1", Deleted: true}}},
		{"create station", func() error {
			return st.CreateStation(ctx, &volmatch.Station{ID: "ST1", Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}})
		}, []volmatch.Change{{Kind: volmatch.ChangeStation, ID: "ST1"}}},
		{"update station", func() error {
			return st.UpdateStation(ctx, &volmatch.Station{ID: "ST1", Name: "新站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}})
		}, []volmatch.Change{{Kind: volmatch.ChangeStation, ID: "ST1"}}},
		{"put stations", func() error {
			return st.PutStations(ctx, []*volmatch.Station{{ID: "ST2", Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}}})
		}, []volmatch.Change{{Kind: volmatch.ChangeStation, ID: "ST2"}}},
		{"delete station", func() error { return st.DeleteStation(ctx, "ST1") },
			[]volmatch.Change{{Kind: volmatch.ChangeStation, ID: "ST1", Deleted: true}}},
		{"reserve", func() error {
			_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}}, at(1))
			return err
		}, []volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N1"}}},
		{"accept", func() error {
			if err := st.CreateInvitation(ctx, &volmatch.Invitation{ID: "I1", Need: "N1", Shift: "S1", Volunteer: "V001", SentAt: at(1)}); err != nil {
				return err
			}
			_, err := st.Accept(ctx, "I1", at(2))
			return err
		}, []volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N1"}}},
		{"cancel", func() error {
			as := allAssignments(t, st, volmatch.AssignmentFilter{Volunteer: "V000"})
			if len(as) != 1 {
				t.Fatalf("assignments of V000 = %d, want 1", len(as))
			}
			_, err := st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepCancel, At: at(3)})
			return err
		}, []volmatch.Change{{Kind: volmatch.ChangeNeed, ID: "N1"}}},
	}
	for _, s := range steps {
		must(t, s.name, s.write())
		cs, err := st.Changes(ctx, last, 1000)
		must(t, "Changes", err)
		if len(cs) == 0 {
			t.Fatalf("%s: no change recorded", s.name)
		}
		// The wanted changes appear in order among the new ones.
		i := 0
		for _, c := range cs {
			if i < len(s.want) && c.Kind == s.want[i].Kind && c.ID == s.want[i].ID && c.Deleted == s.want[i].Deleted {
				i++
			}
		}
		if i < len(s.want) {
			t.Errorf("%s: changes %+v, want %+v among them", s.name, cs, s.want)
		}
		for j, c := range cs {
			if c.Seq <= last || j > 0 && c.Seq <= cs[j-1].Seq {
				t.Errorf("%s: change Seq %d not increasing after %d", s.name, c.Seq, last)
			}
		}
		newLast, err := st.LastChange(ctx)
		must(t, "LastChange", err)
		if newLast != cs[len(cs)-1].Seq {
			t.Errorf("%s: LastChange = %d, want the newest change's Seq %d", s.name, newLast, cs[len(cs)-1].Seq)
		}
		last = newLast
	}
	cs, err := st.Changes(ctx, 0, 3)
	must(t, "Changes", err)
	if len(cs) != 3 || cs[0].Seq >= cs[1].Seq {
		t.Errorf("Changes(0, 3) = %+v, want the first 3 in order", cs)
	}
}

func testFailedWrites(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(2), need("N1", "O1", shift("S1", 24, 3, 1)))
	_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}}, at(1))
	must(t, "Reserve", err)
	noTitle := need("N2", "O1", shift("S1", 24, 3, 1))
	noTitle.Title = ""
	badShift := need("N3", "O1", shift("S1", 24, 3, 1))
	badShift.Shifts[0].End = badShift.Shifts[0].Start
	cases := []struct {
		name  string
		write func() error
		code  string
	}{
		{"CreateNeed without a title", func() error { return st.CreateNeed(ctx, noTitle) }, volmatch.EINVALID},
		{"CreateNeed with an empty shift", func() error { return st.CreateNeed(ctx, badShift) }, volmatch.EINVALID},
		{"CreateNeed of an existing ID", func() error { return st.CreateNeed(ctx, need("N1", "O9", shift("S9", 24, 3, 1))) }, volmatch.ECONFLICT},
		{"UpdateNeed invalid", func() error { return st.UpdateNeed(ctx, noTitle) }, volmatch.EINVALID},
		{"UpdateNeed removing a held shift", func() error { return st.UpdateNeed(ctx, need("N1", "O1", shift("S2", 24, 3, 1))) }, volmatch.ECONFLICT},
		{"CreateVolunteer invalid", func() error { return st.CreateVolunteer(ctx, &volmatch.Volunteer{ID: "bad id"}) }, volmatch.EINVALID},
		{"CreateVolunteer of an existing ID", func() error { return st.CreateVolunteer(ctx, fixture.Volunteer("V000")) }, volmatch.ECONFLICT},
		{"CreatePool invalid", func() error { return st.CreatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "x"}) }, volmatch.EINVALID},
		{"CreateStation invalid", func() error { return st.CreateStation(ctx, &volmatch.Station{ID: "S1"}) }, volmatch.EINVALID},
		{"Accept of a missing invitation", func() error {
			_, err := st.Accept(ctx, "I404", at(2))
			return err
		}, volmatch.ENOTFOUND},
		{"DeleteNeed holding assignments", func() error { return st.DeleteNeed(ctx, "N1") }, volmatch.ECONFLICT},
		{"CreateToken invalid", func() error { return st.CreateToken(ctx, &volmatch.Token{Hash: "short", Role: volmatch.RoleAdmin}) }, volmatch.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { refused(t, st, c.name, c.code, c.write) })
	}
	if _, err := st.Need(ctx, "N2"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("Need(N2) after a refused create: %v, want not found", err)
	}
}

// testEventsOf checks the typed read against filtering the whole log: the
// same events in the same order, for random cursors, limits and type sets,
// and a through that lets a poller read every event of its types once.
// The log is longer than a page of the Redis script (eventsOfPage).
func testEventsOf(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	evs, through, err := st.EventsOf(ctx, 0, 10, volmatch.EventInviteSent)
	must(t, "EventsOf", err)
	if len(evs) != 0 || through != 0 {
		t.Fatalf("EventsOf of an empty store = %d events through %d, want none through 0", len(evs), through)
	}
	kinds := []volmatch.EventType{volmatch.EventMatchShown, volmatch.EventInviteSent, volmatch.EventCancelled,
		volmatch.EventNeedChanged, volmatch.EventWeightsAdopted}
	rng := rand.New(rand.NewPCG(17, 3))
	var batch []volmatch.Event
	for i := range 2600 {
		// The Weights type is rare, as adoptions are; a need named like
		// a type field must not fool the reader.
		k := kinds[rng.IntN(len(kinds)-1)]
		if i%700 == 350 {
			k = volmatch.EventWeightsAdopted
		}
		batch = append(batch, volmatch.Event{Type: k, At: at(1), Need: fmt.Sprintf(`N%d","type":"%s`, i, volmatch.EventWeightsAdopted),
			Volunteer: fmt.Sprintf("V%03d", i%50), Rank: 1 + i%10})
	}
	for i := 0; i < len(batch); i += 500 {
		must(t, "AppendEvents", st.AppendEvents(ctx, batch[i:min(i+500, len(batch))]...))
	}
	all := allEvents(t, st)
	last := all[len(all)-1].Seq
	filter := func(after uint64, types []volmatch.EventType) []volmatch.Event {
		var out []volmatch.Event
		for _, e := range all {
			if e.Seq > after && slices.Contains(types, e.Type) {
				out = append(out, e)
			}
		}
		return out
	}
	for range 60 {
		types := []volmatch.EventType{kinds[rng.IntN(len(kinds))]}
		if rng.IntN(2) == 0 {
			types = append(types, kinds[rng.IntN(len(kinds))])
		}
		after := uint64(rng.IntN(int(last) + 2))
		limit := 1 + rng.IntN(1500)
		got, through, err := st.EventsOf(ctx, after, limit, types...)
		must(t, "EventsOf", err)
		want := filter(after, types)
		wantThrough := max(after, last)
		if len(want) >= limit {
			want = want[:limit]
			wantThrough = want[limit-1].Seq
		}
		sameJSON(t, fmt.Sprintf("EventsOf(after %d, limit %d, %v)", after, limit, types), got, want)
		if through != wantThrough {
			t.Errorf("EventsOf(after %d, limit %d, %v) through %d, want %d", after, limit, types, through, wantThrough)
		}
	}
	// A poller of the rare type reads each adoption once and ends at the
	// newest event.
	var seen []volmatch.Event
	cursor := uint64(0)
	for range 100 {
		evs, through, err := st.EventsOf(ctx, cursor, 2, volmatch.EventWeightsAdopted)
		must(t, "EventsOf", err)
		seen = append(seen, evs...)
		if through == cursor {
			break
		}
		cursor = through
	}
	sameJSON(t, "the poller's adoptions", seen, filter(0, []volmatch.EventType{volmatch.EventWeightsAdopted}))
	if cursor != last {
		t.Errorf("the poller stopped at %d, want the newest event %d", cursor, last)
	}
}
