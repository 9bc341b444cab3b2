package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/store/bolt"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/taxonomy"
)

var adminTok = &volmatch.Token{Role: volmatch.RoleAdmin}

// exhaustiveMatches is the ranking of need id as the store holds it now,
// by brute force: every volunteer (at the masked point, as the grid holds
// them) through grid.All, the busy gate reading each volunteer's holding
// assignments from the store, the distances as shown.
func exhaustiveMatches(t *testing.T, ctx context.Context, st volmatch.Store, id, shift string, k int, now time.Time) matcher.Ranking {
	t.Helper()
	n, err := st.Need(ctx, id)
	mustDo(t, "Need", err)
	var vs []*volmatch.Volunteer
	mustDo(t, "EachVolunteer", st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error {
		vs = append(vs, v.Coarsened())
		return nil
	}))
	held, err := engine.Holding(ctx, st, "")
	mustDo(t, "Holding", err)
	by := map[string][]volmatch.Assignment{}
	for _, a := range held {
		by[a.Volunteer] = append(by[a.Volunteer], a)
	}
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{Weights: scoring.DefaultWeights()})
	rk := matcher.Rank(n, grid.All(vs), sc, matcher.RankOptions{K: k, Shift: shift, After: now,
		Busy: func(id string) []volmatch.Assignment { return by[id] }})
	for i := range rk.Matches {
		rk.Matches[i].DistanceKm = volmatch.DisplayKm(rk.Matches[i].DistanceKm)
	}
	return rk
}

// sameRanking fails unless the engine's ranking equals the exhaustive one.
func sameRanking(t *testing.T, what string, want matcher.Ranking, got engine.Matches) {
	t.Helper()
	g := matcher.Ranking{Matches: got.Matches, Exclusions: got.Exclusions, Considered: got.Considered, Eligible: got.Eligible}
	want.Scanned = 0
	if len(want.Exclusions) == 0 {
		want.Exclusions = volmatch.Exclusions{}
	}
	if !reflect.DeepEqual(want, g) {
		t.Fatalf("%s: ranking differs from the exhaustive one over the store\nwant %+v\ngot  %+v", what, want, g)
	}
}

// replicaPop is a small generated city: its volunteers and needs, and a
// clock a day before the needs' first shifts.
func replicaPop() (*datasets.Population, time.Time) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 3000, Needs: 60, Seed: 1717, Weeks: 1})
	return pop, datasets.DefaultStart.Add(-24 * time.Hour)
}

// TestReplicaRankSeesAccept (issue 17): two replicas over one real
// redis-server, each with its own feature grid fed by its follower. After
// each accept on replica A, once replica B reports it has applied that
// change (WaitApplied with the store's last change), B's ranking equals the
// exhaustive ranking over the store, busy gate included, and the volunteer
// who accepted is no longer offered for that time. Some slots are held
// before the replicas start, so the grids load them too.
func TestReplicaRankSeesAccept(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pop, now := replicaPop()
	a, b := replicaPair(t, ctx, 4, func() time.Time { return now }, pop)
	testReplicasRank(t, ctx, a, b, pop, now)
}

// replicaPair starts a real redis-server and opens two stores over its
// database db (replicas A and B, clocked by clock), with pop's volunteers
// and needs written through A.
func replicaPair(t *testing.T, ctx context.Context, db int, clock func() time.Time, pop *datasets.Population) (a, b *redis.Store) {
	t.Helper()
	srv := redistest.Start(t)
	var stores [2]*redis.Store
	for i := range stores {
		st, err := redis.Open(ctx, srv.URL(db), redis.Options{Now: clock})
		mustDo(t, "Open", err)
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	mustDo(t, "PutVolunteers", stores[0].PutVolunteers(ctx, pop.Volunteers))
	mustDo(t, "PutNeeds", stores[0].PutNeeds(ctx, pop.Needs))
	return stores[0], stores[1]
}

// TestBoltRankSeesAccept is the same in bbolt mode: one process, the
// grid fed by the same follower, which waits on the file's commits.
func TestBoltRankSeesAccept(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pop, now := replicaPop()
	st, err := bolt.Open(t.TempDir()+"/volmatch.db", bolt.Options{NoSync: true, Now: func() time.Time { return now }})
	mustDo(t, "Open", err)
	t.Cleanup(func() { st.Close() })
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, pop.Volunteers))
	mustDo(t, "PutNeeds", st.PutNeeds(ctx, pop.Needs))
	testReplicasRank(t, ctx, st, st, pop, now)
}

func testReplicasRank(t *testing.T, ctx context.Context, stA, stB volmatch.Store, pop *datasets.Population, now time.Time) {
	r := rand.New(rand.NewPCG(17, 2))
	// Slots held before the replicas start: the top candidates of a few
	// needs, reserved directly.
	var rs []volmatch.Reservation
	for _, n := range pop.Needs[:10] {
		for k, v := range pop.Volunteers[r.IntN(len(pop.Volunteers)-5):][:5] {
			rs = append(rs, volmatch.Reservation{Need: n.ID, Shift: n.Shifts[k%len(n.Shifts)].ID, Volunteer: v.ID})
		}
	}
	for _, x := range rs { // one at a time: some clash, which is fine
		_, _ = stA.Reserve(ctx, []volmatch.Reservation{x}, now)
	}
	clock := func() time.Time { return now }
	var engs []*engine.Engine
	for _, st := range []volmatch.Store{stA, stB} {
		e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: clock})
		mustDo(t, "Start", e.Start(ctx))
		go e.Follow(ctx, time.Second)
		engs = append(engs, e)
	}
	a, b := engs[0], engs[1]
	caughtUp := func() {
		t.Helper()
		seq, err := stA.LastChange(ctx)
		mustDo(t, "LastChange", err)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		mustDo(t, "WaitApplied", b.WaitApplied(wctx, seq))
	}
	caughtUp()
	accepted := 0
	for i := range 12 {
		n := pop.Needs[r.IntN(len(pop.Needs))]
		m, err := b.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 10})
		mustDo(t, "Matches", err)
		sameRanking(t, fmt.Sprintf("round %d, need %s, before", i, n.ID), exhaustiveMatches(t, ctx, stB, n.ID, "", 10, now), m)
		if len(m.Matches) == 0 {
			continue
		}
		top := m.Matches[0]
		invs, err := a.Invite(ctx, adminTok, n.ID, engine.InviteRequest{Shift: top.Shift, Volunteers: []string{top.Volunteer}})
		mustDo(t, "Invite", err)
		tok := &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: top.Volunteer}
		_, err = a.Accept(ctx, tok, invs[0].ID)
		mustDo(t, "Accept on replica A", err)
		accepted++
		caughtUp()
		m2, err := b.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 10, Shift: top.Shift})
		mustDo(t, "Matches after the accept", err)
		sameRanking(t, fmt.Sprintf("round %d, need %s shift %s, after %s accepted on A", i, n.ID, top.Shift, top.Volunteer),
			exhaustiveMatches(t, ctx, stB, n.ID, top.Shift, 10, now), m2)
		for _, x := range m2.Matches {
			if x.Volunteer == top.Volunteer {
				t.Fatalf("round %d: %s still offered for shift %s they hold", i, top.Volunteer, top.Shift)
			}
		}
		if m2.Considered > 0 && m2.Exclusions[scoring.GateBusy] == 0 {
			t.Errorf("round %d: shift %s still open, %s holds it, but no busy exclusion: %v", i, top.Shift, top.Volunteer, m2.Exclusions)
		}
		// The whole need too (every open shift), after the accept.
		m3, err := b.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 10})
		mustDo(t, "Matches, every shift", err)
		sameRanking(t, fmt.Sprintf("round %d, need %s, after", i, n.ID), exhaustiveMatches(t, ctx, stB, n.ID, "", 10, now), m3)
	}
	if accepted < 5 {
		t.Fatalf("only %d accepts: the test checks little", accepted)
	}
}
