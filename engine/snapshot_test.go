package engine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/internal/testlog"
	"volmatch/store/bolt"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/taxonomy"
)

// snapCity is a generated city in a real bbolt file, with slots held by
// some volunteers; it returns the store, the population and the clock.
func snapCity(t *testing.T, ctx context.Context, dir string, seed uint64) (*bolt.Store, *datasets.Population, time.Time) {
	t.Helper()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 3000, Needs: 60, Seed: seed, Weeks: 1})
	now := datasets.DefaultStart.Add(-24 * time.Hour)
	st, err := bolt.Open(filepath.Join(dir, bolt.FileName), bolt.Options{NoSync: true, Now: func() time.Time { return now }})
	mustDo(t, "Open", err)
	t.Cleanup(func() { st.Close() })
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, pop.Volunteers))
	mustDo(t, "PutNeeds", st.PutNeeds(ctx, pop.Needs))
	r := rand.New(rand.NewPCG(seed, 2))
	for _, n := range pop.Needs[:15] {
		for k, v := range pop.Volunteers[r.IntN(len(pop.Volunteers)-5):][:5] {
			_, _ = st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: n.Shifts[k%len(n.Shifts)].ID, Volunteer: v.ID}}, now)
		}
	}
	return st, pop, now
}

// snapEngine starts an engine over st as serve does (slim grid, the
// snapshot in dir) and returns it with its log.
func snapEngine(t *testing.T, ctx context.Context, st volmatch.Store, dir string, now time.Time) (*engine.Engine, *testlog.Buffer) {
	t.Helper()
	lb := &testlog.Buffer{}
	e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: func() time.Time { return now }, Slim: true,
		Logger: slog.New(slog.NewTextHandler(lb, nil)), FeatureSnapshot: filepath.Join(dir, "features.snap")})
	mustDo(t, "Start", e.Start(ctx))
	return e, lb
}

// sameAsExhaustive checks the engine's ranking of every need, whole and
// for its first shift, against the exhaustive ranking over the store.
func sameAsExhaustive(t *testing.T, ctx context.Context, what string, e *engine.Engine, st volmatch.Store, needs []*volmatch.Need, now time.Time) {
	t.Helper()
	for _, n := range needs {
		if _, err := st.Need(ctx, n.ID); err != nil {
			continue
		}
		m, err := e.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 10})
		mustDo(t, "Matches", err)
		sameRanking(t, fmt.Sprintf("%s: need %s", what, n.ID), exhaustiveMatches(t, ctx, st, n.ID, "", 10, now), m)
		s := n.Shifts[0].ID
		m, err = e.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 10, Shift: s})
		mustDo(t, "Matches", err)
		sameRanking(t, fmt.Sprintf("%s: need %s shift %s", what, n.ID, s), exhaustiveMatches(t, ctx, st, n.ID, s, 10, now), m)
	}
}

func wantLog(t *testing.T, lb *testlog.Buffer, what, want string) {
	t.Helper()
	if !strings.Contains(lb.String(), want) && !strings.Contains(lb.String(), strings.ReplaceAll(want, `"`, "")) {
		t.Fatalf("%s: log lacks %q:\n%s", what, want, lb.String())
	}
}

// TestSnapshotStart (issue 17): an engine started from the feature
// snapshot of a generated city with held slots ranks every need as the
// exhaustive scan over the store does; after writes made since the
// snapshot (a new volunteer, a deleted one, changed skills, an accept) it
// catches up from the snapshot and still does; the snapshot holds no
// name, phone nor exact home.
func TestSnapshotStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, pop, now := snapCity(t, ctx, dir, 1717)
	e1, lb1 := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb1, "first start", "no feature snapshot")
	mustDo(t, "SaveSnapshot", e1.SaveSnapshot(ctx))
	data, err := os.ReadFile(filepath.Join(dir, "features.snap"))
	mustDo(t, "ReadFile", err)
	for _, v := range pop.Volunteers {
		for _, secret := range []string{v.Name, v.Phone} {
			if secret != "" && bytes.Contains(data, []byte(secret)) {
				t.Fatalf("the snapshot holds %q of %s", secret, v.ID)
			}
		}
		for _, x := range []float64{v.Home.Lat, v.Home.Lng} {
			if x != v.Coarsened().Home.Lat && x != v.Coarsened().Home.Lng &&
				bytes.Contains(data, binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))) {
				t.Fatalf("the snapshot holds the exact home %v of %s", v.Home, v.ID)
			}
		}
	}

	e2, lb2 := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb2, "restart", "features loaded from the snapshot")
	sameAsExhaustive(t, ctx, "from the snapshot", e2, st, pop.Needs[15:45], now)

	// Writes after the snapshot, chosen where rankings show them: a copy
	// of a need's top volunteer under a new ID, the top volunteer of
	// another deleted, a third's skills dropped, an accept.
	top := func(n *volmatch.Need) string {
		m, err := e2.Matches(ctx, adminTok, n.ID, engine.RankOptions{K: 1})
		mustDo(t, "Matches", err)
		if len(m.Matches) == 0 {
			return ""
		}
		return m.Matches[0].Volunteer
	}
	tops := map[string]bool{}
	var picks []string
	for _, n := range pop.Needs[20:] {
		if id := top(n); id != "" && !tops[id] {
			tops[id] = true
			picks = append(picks, id)
		}
		if len(picks) == 4 {
			break
		}
	}
	v, err := st.Volunteer(ctx, picks[0])
	mustDo(t, "Volunteer", err)
	v.ID = "V-NEW-" + v.ID
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, []*volmatch.Volunteer{v}))
	mustDo(t, "DeleteVolunteer", st.DeleteVolunteer(ctx, picks[1]))
	v, err = st.Volunteer(ctx, picks[2])
	mustDo(t, "Volunteer", err)
	v.Skills = nil
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, []*volmatch.Volunteer{v}))
	var need *volmatch.Need
	for _, n := range pop.Needs[20:] {
		if top(n) == picks[3] {
			need = n
			break
		}
	}
	if need != nil {
		m, err := e2.Matches(ctx, adminTok, need.ID, engine.RankOptions{K: 1})
		mustDo(t, "Matches", err)
		invs, err := e2.Invite(ctx, adminTok, need.ID, engine.InviteRequest{Shift: m.Matches[0].Shift, Volunteers: []string{picks[3]}})
		mustDo(t, "Invite", err)
		_, err = e2.Accept(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: picks[3]}, invs[0].ID)
		mustDo(t, "Accept", err)
	}

	e3, lb3 := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb3, "restart after writes", "features loaded from the snapshot")
	if strings.Contains(lb3.String(), "behind=0") {
		t.Fatalf("the snapshot is not behind the store after writes:\n%s", lb3)
	}
	sameAsExhaustive(t, ctx, "from an older snapshot, caught up", e3, st, pop.Needs[15:45], now)
}

// TestSnapshotRefused (issue 17): a snapshot that is truncated, corrupt,
// of another version, of another store or ahead of the store (a store file
// restored from an older copy) is not used: the engine loads the features
// from the store and ranks as the exhaustive scan does.
func TestSnapshotRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, pop, now := snapCity(t, ctx, dir, 1717)
	// An older copy of the store file (same identity), then one more write.
	_, err := st.StoreID(ctx)
	mustDo(t, "StoreID", err)
	file, err := os.ReadFile(filepath.Join(dir, bolt.FileName))
	mustDo(t, "ReadFile", err)
	oldDir := t.TempDir()
	mustDo(t, "WriteFile", os.WriteFile(filepath.Join(oldDir, bolt.FileName), file, 0o600))
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, pop.Volunteers[:1]))
	old, err := bolt.Open(filepath.Join(oldDir, bolt.FileName), bolt.Options{NoSync: true, Now: func() time.Time { return now }})
	mustDo(t, "Open", err)
	t.Cleanup(func() { old.Close() })

	e, _ := snapEngine(t, ctx, st, dir, now)
	mustDo(t, "SaveSnapshot", e.SaveSnapshot(ctx))
	path := filepath.Join(dir, "features.snap")
	good, err := os.ReadFile(path)
	mustDo(t, "ReadFile", err)

	// Another store with fewer changes: the same change at the snapshot's
	// Seq may well be there (the same kind of import), its identity is not.
	smallDir := t.TempDir()
	pop2 := datasets.Generate(datasets.GenOptions{Volunteers: 100, Needs: 5, Seed: 5, Weeks: 1})
	small, err := bolt.Open(filepath.Join(smallDir, bolt.FileName), bolt.Options{NoSync: true})
	mustDo(t, "Open", err)
	t.Cleanup(func() { small.Close() })
	mustDo(t, "PutVolunteers", small.PutVolunteers(ctx, pop2.Volunteers))
	es, _ := snapEngine(t, ctx, small, smallDir, now)
	mustDo(t, "SaveSnapshot", es.SaveSnapshot(ctx))
	otherStore, err := os.ReadFile(filepath.Join(smallDir, "features.snap"))
	mustDo(t, "ReadFile", err)

	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x40
	version := bytes.Clone(good)
	version[8]++ // the version follows the 8-byte magic
	for _, c := range []struct {
		name, why string
		data      []byte
		st        *bolt.Store
		dir       string
	}{
		{"truncated", "invalid", good[:len(good)-100], st, dir},
		{"corrupt", "invalid", corrupt, st, dir},
		{"another version", "invalid", version, st, dir},
		{"another store", "taken from another store", otherStore, st, dir},
		{"not a snapshot", "invalid", []byte("volmatch"), st, dir},
		{"ahead of the store", "ahead of the store", good, old, oldDir},
	} {
		t.Run(c.name, func(t *testing.T) {
			mustDo(t, "WriteFile", os.WriteFile(filepath.Join(c.dir, "features.snap"), c.data, 0o600))
			e, lb := snapEngine(t, ctx, c.st, c.dir, now)
			wantLog(t, lb, c.name, "feature snapshot not used")
			wantLog(t, lb, c.name, "why=\""+c.why+"\"")
			sameAsExhaustive(t, ctx, c.name, e, c.st, pop.Needs[:6], now)
		})
	}
	_ = path
}

// TestSnapshotRedis (issue 17): in Redis mode a replica saves its own
// snapshot and a replica started from it ranks as the exhaustive scan over
// the shared store does, after a write made since; a snapshot of another
// Redis store (another DB) is refused.
func TestSnapshotRedis(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	pop, now := replicaPop()
	open := func(db int) *redis.Store {
		st, err := redis.Open(ctx, srv.URL(db), redis.Options{Now: func() time.Time { return now }})
		mustDo(t, "Open", err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, other := open(5), open(6)
	mustDo(t, "PutVolunteers", st.PutVolunteers(ctx, pop.Volunteers))
	mustDo(t, "PutNeeds", st.PutNeeds(ctx, pop.Needs))
	mustDo(t, "PutVolunteers", other.PutVolunteers(ctx, pop.Volunteers))
	dir, otherDir := t.TempDir(), t.TempDir()
	e1, _ := snapEngine(t, ctx, st, dir, now)
	mustDo(t, "SaveSnapshot", e1.SaveSnapshot(ctx))
	eo, _ := snapEngine(t, ctx, other, otherDir, now)
	mustDo(t, "SaveSnapshot", eo.SaveSnapshot(ctx))

	mustDo(t, "DeleteVolunteer", st.DeleteVolunteer(ctx, pop.Volunteers[7].ID))
	e2, lb := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb, "replica restart", "features loaded from the snapshot")
	sameAsExhaustive(t, ctx, "redis, from the snapshot", e2, st, pop.Needs[:20], now)

	data, err := os.ReadFile(filepath.Join(otherDir, "features.snap"))
	mustDo(t, "ReadFile", err)
	mustDo(t, "WriteFile", os.WriteFile(filepath.Join(dir, "features.snap"), data, 0o600))
	e3, lb := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb, "another Redis store", `why="taken from another store"`)
	sameAsExhaustive(t, ctx, "redis, another store's snapshot", e3, st, pop.Needs[:6], now)
}

// TestSnapshotSavedByFollow: after a full load, the follower saves a
// snapshot in the background once it runs, and the next start uses it.
func TestSnapshotSavedByFollow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	st, pop, now := snapCity(t, ctx, dir, 7)
	e, _ := snapEngine(t, ctx, st, dir, now)
	go e.Follow(ctx, 10*time.Millisecond)
	path := filepath.Join(dir, "features.snap")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot saved by the follower within 20 s")
		}
	}
	e2, lb := snapEngine(t, ctx, st, dir, now)
	wantLog(t, lb, "restart", "features loaded from the snapshot")
	sameAsExhaustive(t, ctx, "saved by Follow", e2, st, pop.Needs[:6], now)
}
