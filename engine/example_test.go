package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// A social worker posts a need, sees its ranked matches and invites the
// best; the volunteer accepts.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "volmatch-example")
	defer os.RemoveAll(dir)
	st, _ := bolt.Open(filepath.Join(dir, "volmatch.db"), bolt.Options{})
	defer st.Close()
	_ = st.PutVolunteers(ctx, []*volmatch.Volunteer{
		fixture.Volunteer("V1", fixture.Travel(3)),
		fixture.Volunteer("V2", fixture.At(volmatch.Point{Lat: 39.95, Lng: 116.47})),
	})
	tax := taxonomy.Load()
	text, _ := index.OpenMem(index.Options{Synonyms: tax.SynonymGroups()})
	defer text.Close()
	clock := func() time.Time { return fixture.Base }
	e := engine.New(st, text, tax, engine.Options{Now: clock})
	if err := e.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	worker := &volmatch.Token{Role: volmatch.RoleSocialWorker, Org: "O1"}
	n, _ := e.PostNeed(ctx, worker, fixture.Need("N1"))
	fmt.Printf("posted %s with %d eligible volunteers\n", n.ID, n.Supply)
	m, _ := e.Matches(ctx, worker, "N1", engine.RankOptions{K: 2})
	for _, mt := range m.Matches {
		fmt.Printf("#%d %s %.1f km\n", mt.Rank, mt.Volunteer, mt.DistanceKm)
	}
	invs, _ := e.Invite(ctx, worker, "N1", engine.InviteRequest{Top: 1})
	a, err := e.Accept(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: invs[0].Volunteer}, invs[0].ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Volunteer, a.Status)
	// Output:
	// posted N1 with 2 eligible volunteers
	// #1 V1 1.4 km
	// #2 V2 2.8 km
	// V1 reserved
}
