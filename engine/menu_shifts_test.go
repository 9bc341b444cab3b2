package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// referenceMenu is volunteer id's menu by the old path: every need read
// from the store, the open ones put into a fresh grid.NewShiftsOf, the
// volunteer's holding assignments read from the store, the distances as
// shown.
func referenceMenu(t testing.TB, ctx context.Context, st volmatch.Store, id string, now time.Time) matcher.ServiceMenu {
	t.Helper()
	mustDo := func(_ testing.TB, what string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	v, err := st.Volunteer(ctx, id)
	mustDo(t, "Volunteer", err)
	var open []*volmatch.Need
	mustDo(t, "EachNeed", st.EachNeed(ctx, func(n *volmatch.Need) error {
		if n.Status == volmatch.NeedOpen {
			open = append(open, n)
		}
		return nil
	}))
	busy, err := engine.Holding(ctx, st, id)
	mustDo(t, "Holding", err)
	tax, sc := refScorer()
	m := matcher.Menu(v, grid.NewShiftsOf(open, grid.ShiftsOptions{}), sc, matcher.MenuOptions{
		K: 20, Busy: busy, After: now, DomainOf: tax.DomainOf})
	for i := range m.Items {
		m.Items[i].DistanceKm = volmatch.DisplayKm(m.Items[i].DistanceKm)
	}
	for g := range m.Groups {
		for i := range m.Groups[g].Items {
			m.Groups[g].Items[i].DistanceKm = volmatch.DisplayKm(m.Groups[g].Items[i].DistanceKm)
		}
	}
	return m
}

// refScorer is the taxonomy and the default scorer, made once (so that the
// benchmark's old path does not pay for them on every call).
var refScorer = sync.OnceValues(func() (*taxonomy.Taxonomy, *scoring.Scorer) {
	tax := taxonomy.Load()
	return tax, scoring.NewScorer(tax, scoring.Options{Weights: scoring.DefaultWeights()})
})

// TestBoltMenuShiftsIndex (issue 17): the engine's menu, read from the
// open-shift index its follower keeps, equals the menu over the store's
// open needs read afresh, right after each need write on the engine.
func TestBoltMenuShiftsIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pop, now := replicaPop()
	st, err := bolt.Open(t.TempDir()+"/volmatch.db", bolt.Options{NoSync: true, Now: func() time.Time { return now }})
	mustDo(t, "Open", err)
	t.Cleanup(func() { st.Close() })
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, pop.Volunteers))
	mustDo(t, "PutNeeds", st.PutNeeds(ctx, pop.Needs))
	testMenuShifts(t, ctx, st, st, &now)
}

// TestReplicaMenuShiftsIndex is the same over one real redis-server with
// two replicas: the writes on A, the menus on A at once and on B once B
// has applied them (WaitApplied).
func TestReplicaMenuShiftsIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pop, now := replicaPop()
	a, b := replicaPair(t, ctx, 5, func() time.Time { return now }, pop)
	testMenuShifts(t, ctx, a, b, &now)
}

func testMenuShifts(t *testing.T, ctx context.Context, stA, stB volmatch.Store, now *time.Time) {
	r := rand.New(rand.NewPCG(17, 4))
	clock := func() time.Time { return *now }
	var engs []*engine.Engine
	for _, st := range []volmatch.Store{stA, stB} {
		e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: clock})
		mustDo(t, "Start", e.Start(ctx))
		go e.Follow(ctx, time.Second)
		engs = append(engs, e)
	}
	a, b := engs[0], engs[1]
	var vols []string
	mustDo(t, "EachVolunteer", stA.EachVolunteer(ctx, func(v *volmatch.Volunteer) error {
		vols = append(vols, v.ID)
		return nil
	}))
	// The volunteers asked: a few, the same each round, so that their
	// menus change as the needs near them do.
	asked := []string{vols[3], vols[100], vols[777], vols[1500], vols[2999]}
	check := func(round int, what string) {
		t.Helper()
		seq, err := stA.LastChange(ctx)
		mustDo(t, "LastChange", err)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		mustDo(t, "WaitApplied", b.WaitApplied(wctx, seq))
		nonEmpty := 0
		for _, id := range asked {
			want := referenceMenu(t, ctx, stA, id, *now)
			for _, e := range []*engine.Engine{a, b} {
				got, err := e.Menu(ctx, adminTok, id, engine.MenuOptions{K: 20})
				mustDo(t, "Menu", err)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("round %d (%s): menu of %s differs from the menu over the store's open needs\nwant %+v\ngot  %+v", round, what, id, want, got)
				}
			}
			if len(want.Items) > 0 {
				nonEmpty++
			}
		}
		if round == 0 && nonEmpty == 0 {
			t.Fatal("every menu asked is empty: the test checks little")
		}
	}
	check(0, "start")
	needs := func() []*volmatch.Need {
		var ns []*volmatch.Need
		mustDo(t, "EachNeed", stA.EachNeed(ctx, func(n *volmatch.Need) error {
			ns = append(ns, n)
			return nil
		}))
		return ns
	}
	accepts := 0
	for round := 1; round <= 40; round++ {
		ns := needs()
		n := ns[r.IntN(len(ns))]
		var what string
		switch op := r.IntN(8); op {
		case 0: // a new need, a copy of one moved
			c := *n
			c.ID, c.Status = fmt.Sprintf("N-menu-%d", round), ""
			c.Point.Lat += (r.Float64() - 0.5) * 0.02
			c.Shifts = append([]volmatch.Shift(nil), n.Shifts...)
			for i := range c.Shifts {
				c.Shifts[i].Filled = 0
			}
			_, err := a.PostNeed(ctx, adminTok, &c)
			mustDo(t, "PostNeed", err)
			what = "post"
		case 1: // radius
			n.RadiusKm = 1 + r.Float64()*20
			_, err := a.UpdateNeed(ctx, adminTok, n.ID, n)
			mustDo(t, "UpdateNeed radius", err)
			what = "radius " + n.ID
		case 2: // place
			n.Point.Lat += (r.Float64() - 0.5) * 0.02
			n.Point.Lng += (r.Float64() - 0.5) * 0.02
			_, err := a.UpdateNeed(ctx, adminTok, n.ID, n)
			mustDo(t, "UpdateNeed place", err)
			what = "place " + n.ID
		case 3: // requirements: none, or another need's
			o := ns[r.IntN(len(ns))]
			n.Requires = o.Requires
			if r.IntN(2) == 0 {
				n.Requires = volmatch.Requirements{}
			}
			_, err := a.UpdateNeed(ctx, adminTok, n.ID, n)
			mustDo(t, "UpdateNeed requirements", err)
			what = "requirements " + n.ID
		case 4: // close
			_, err := a.CloseNeed(ctx, adminTok, n.ID)
			mustDo(t, "CloseNeed", err)
			what = "close " + n.ID
		case 5: // cancel
			n.Status = volmatch.NeedCancelled
			_, err := a.UpdateNeed(ctx, adminTok, n.ID, n)
			mustDo(t, "UpdateNeed cancel", err)
			what = "cancel " + n.ID
		case 6: // accepts: a menu's top item taken by its volunteer
			id := asked[r.IntN(len(asked))]
			m, err := a.Menu(ctx, adminTok, id, engine.MenuOptions{K: 5})
			mustDo(t, "Menu", err)
			if len(m.Items) == 0 {
				continue
			}
			it := m.Items[0]
			invs, err := a.Invite(ctx, adminTok, it.Need, engine.InviteRequest{Shift: it.Shift, Volunteers: []string{id}})
			mustDo(t, "Invite", err)
			_, err = a.Accept(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: id}, invs[0].ID)
			mustDo(t, "Accept", err)
			accepts++
			what = "accept " + it.Need + "/" + it.Shift
		case 7: // time passes: shifts begin
			*now = now.Add(time.Duration(2+r.IntN(10)) * time.Hour)
			what = "clock " + now.String()
		}
		check(round, what)
	}
	if accepts == 0 {
		t.Fatal("no accept: the test checks little")
	}
	// Fill a shift: accepts until its slots are all taken.
	m, err := a.Menu(ctx, adminTok, asked[0], engine.MenuOptions{K: 5})
	mustDo(t, "Menu", err)
	if len(m.Items) > 0 {
		it := m.Items[0]
		n, err := stA.Need(ctx, it.Need)
		mustDo(t, "Need", err)
		for _, vid := range vols {
			s := shiftOf(n, it.Shift)
			if s.Filled >= s.Slots {
				break
			}
			invs, err := a.Invite(ctx, adminTok, it.Need, engine.InviteRequest{Shift: it.Shift, Volunteers: []string{vid}})
			if err != nil {
				continue
			}
			if _, err := a.Accept(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: vid}, invs[0].ID); err != nil {
				continue
			}
			n, err = stA.Need(ctx, it.Need)
			mustDo(t, "Need", err)
		}
		check(99, "filled "+it.Need+"/"+it.Shift)
	}
}

func shiftOf(n *volmatch.Need, id string) volmatch.Shift {
	for _, s := range n.Shifts {
		if s.ID == id {
			return s
		}
	}
	panic(fmt.Sprintf("no shift %s in %s", id, n.ID))
}
