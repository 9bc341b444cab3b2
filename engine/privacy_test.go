package engine_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/scoring"
)

// trilaterate returns the point whose great-circle distances to qs best fit
// ds in least squares (Gauss–Newton from the centroid of qs, with a numeric
// Jacobian): what an attacker holding (query point, distance) pairs would
// compute.
func trilaterate(qs []volmatch.Point, ds []float64) volmatch.Point {
	var p volmatch.Point
	for _, q := range qs {
		p.Lat += q.Lat / float64(len(qs))
		p.Lng += q.Lng / float64(len(qs))
	}
	const h = 1e-7
	for range 100 {
		// Normal equations J^T J δ = -J^T r over the two unknowns.
		var a11, a12, a22, b1, b2 float64
		for i, q := range qs {
			r := volmatch.DistanceKm(p, q) - ds[i]
			jl := (volmatch.DistanceKm(volmatch.Point{Lat: p.Lat + h, Lng: p.Lng}, q) - volmatch.DistanceKm(p, q)) / h
			jg := (volmatch.DistanceKm(volmatch.Point{Lat: p.Lat, Lng: p.Lng + h}, q) - volmatch.DistanceKm(p, q)) / h
			a11, a12, a22 = a11+jl*jl, a12+jl*jg, a22+jg*jg
			b1, b2 = b1-jl*r, b2-jg*r
		}
		det := a11*a22 - a12*a12
		if det == 0 {
			break
		}
		dl, dg := (b1*a22-b2*a12)/det, (a11*b2-a12*b1)/det
		p.Lat, p.Lng = p.Lat+dl, p.Lng+dg
		if math.Abs(dl) < 1e-12 && math.Abs(dg) < 1e-12 {
			break
		}
	}
	return p
}

// TestTrilaterationRecoversOnlyTheCoarsePoint plays a social worker who
// wants a volunteer's home: they post needs around it and read the
// volunteer's distance in the matches of each, in a volunteer search near
// each point and in the volunteer's menu, then solve for the home. The rule
// (issue 13): every figure derived from a home is derived from the masked
// (coarse) point for a caller who may see only that, so the best they
// recover is the coarse point they may already see, hundreds of metres from
// the home; before the rule the exact distances gave the home to a metre.
// V1 is in the store when the engine starts (the indexes' bulk load), V2
// is written after (the follower's catch-up).
func TestTrilaterationRecoversOnlyTheCoarsePoint(t *testing.T) {
	ctx := context.Background()
	// Homes in Chaoyang well off the centres of their 0.01° cells.
	homes := map[string]volmatch.Point{
		"V1": {Lat: 39.92563, Lng: 116.48342},
		"V2": {Lat: 39.93388, Lng: 116.48617},
	}
	for id, h := range homes {
		if d := volmatch.DistanceKm(h, h.Coarse()); d < 0.45 {
			t.Fatalf("%s's home is %.3f km from its coarse point; place it farther off the cell centre", id, d)
		}
	}
	e, st := newEngine(t, fixture.Volunteer("V1", fixture.At(homes["V1"]), fixture.Travel(30)))
	if err := st.PutVolunteers(ctx, []*volmatch.Volunteer{fixture.Volunteer("V2", fixture.At(homes["V2"]), fixture.Travel(30))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	// Query points on three rings around V1's home, in the same district.
	centre := homes["V1"]
	var qs []volmatch.Point
	for ring, km := range []float64{0.8, 1.7, 2.9} {
		for i := range 8 {
			a := 2*math.Pi*float64(i)/8 + float64(ring)*0.4
			qs = append(qs, volmatch.Point{
				Lat: centre.Lat + km*math.Sin(a)/111.2,
				Lng: centre.Lng + km*math.Cos(a)/(111.2*math.Cos(centre.Lat*math.Pi/180)),
			})
		}
	}
	type key struct{ source, volunteer string }
	seen := map[key][]volmatch.Point{}
	dist := map[key][]float64{}
	add := func(source, vol string, q volmatch.Point, d float64) {
		k := key{source, vol}
		seen[k], dist[k] = append(seen[k], q), append(dist[k], d)
	}
	byID := map[string]volmatch.Point{}
	for i, q := range qs {
		id := fmt.Sprintf("N%02d", i)
		byID[id] = q
		n := fixture.Need(id, fixture.Place(q, 10), func(n *volmatch.Need) { n.Street = "" })
		if _, err := e.PostNeed(ctx, sw1, n); err != nil {
			t.Fatalf("PostNeed %s at %v: %v", id, q, err)
		}
		m, err := e.Matches(ctx, sw1, id, engine.RankOptions{K: 5})
		if err != nil {
			t.Fatalf("Matches(%s): %v", id, err)
		}
		for _, mt := range m.Matches {
			add("matches", mt.Volunteer, q, mt.DistanceKm)
		}
		res, err := e.Search(ctx, sw1, volmatch.SearchQuery{Kind: volmatch.ChangeVolunteer, Near: &q})
		if volmatch.ErrorCode(err) == volmatch.EFORBIDDEN {
			continue // a social worker may not search volunteers at all: nothing to read
		} else if err != nil {
			t.Fatalf("Search near %v: %v", q, err)
		}
		for _, f := range res.Items {
			add("search", f.ID, q, f.DistanceKm)
		}
	}
	for id := range homes {
		menu, err := e.Menu(ctx, sw1, id, engine.MenuOptions{K: len(qs)})
		if volmatch.ErrorCode(err) == volmatch.EFORBIDDEN {
			continue // a social worker may not read a volunteer's menu: nothing to read
		} else if err != nil {
			t.Fatalf("Menu(%s): %v", id, err)
		}
		for _, it := range menu.Items {
			add("menu", id, byID[it.Need], it.DistanceKm)
		}
	}
	for _, id := range []string{"V1", "V2"} {
		if got := len(seen[key{"matches", id}]); got < len(qs) {
			t.Fatalf("%s was matched for %d of %d needs, want all", id, got, len(qs))
		}
	}
	for _, source := range []string{"matches", "search", "menu"} {
		for _, id := range []string{"V1", "V2"} {
			t.Run(source+"/"+id, func(t *testing.T) {
				k := key{source, id}
				if len(seen[k]) < 3 {
					t.Skipf("%d distances to solve from", len(seen[k]))
				}
				home := homes[id]
				got := trilaterate(seen[k], dist[k])
				toHome, toCoarse := volmatch.DistanceKm(got, home), volmatch.DistanceKm(got, home.Coarse())
				t.Logf("from %d distances: recovered %.6f,%.6f: %.0f m from the home, %.0f m from the coarse point",
					len(seen[k]), got.Lat, got.Lng, toHome*1000, toCoarse*1000)
				if toHome < 0.3 || toHome < toCoarse {
					t.Errorf("trilateration from %s distances recovered a point %.0f m from %s's home (%.0f m from the coarse point %v); "+
						"want at least 300 m from the home and no closer to it than to the coarse point",
						source, toHome*1000, id, toCoarse*1000, home.Coarse())
				}
			})
		}
	}
}

// TestOwnMenuFromTheHome checks that a volunteer's own menu is ranked from
// their home, not the masked point: the rule hides the home from others
// only.
func TestOwnMenuFromTheHome(t *testing.T) {
	ctx := context.Background()
	home := volmatch.Point{Lat: 39.92563, Lng: 116.48342}
	e, _ := newEngine(t, fixture.Volunteer("V1", fixture.At(home), fixture.Travel(30)))
	site := volmatch.Point{Lat: 39.94, Lng: 116.49}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Place(site, 10), func(n *volmatch.Need) { n.Street = "" })); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		tok       *volmatch.Token
		from      volmatch.Point
		forbidden bool
	}{
		{"self", volunteerToken("V1"), home, false},
		{"admin", admin, home, false},
		{"social worker", sw1, home.Coarse(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := e.Menu(ctx, c.tok, "V1", engine.MenuOptions{})
			if c.forbidden {
				if volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
					t.Fatalf("Menu as %s = %v, want forbidden", c.name, err)
				}
				return
			}
			if err != nil || len(m.Items) != 1 {
				t.Fatalf("Menu = %d items, %v; want 1", len(m.Items), err)
			}
			if got, want := m.Items[0].DistanceKm, volmatch.DisplayKm(volmatch.DistanceKm(c.from, site)); got != want {
				t.Errorf("menu distance = %v, want %v (from %v, to %v)", got, want, c.from, volmatch.ShownKmStep)
			}
		})
	}
}

// TestDistanceGateOracle plays a social worker who measures a volunteer's
// distance with the distance gate of an explicit invitation: a need at a
// chosen point with a chosen radius either lets the invitation through or
// refuses it naming the gate distance, so a binary search on the radius
// gives the distance from each point, and three points give the home. The
// gate of an invitation reads the home as matching does (the masked point),
// so the search recovers the coarse point only.
func TestDistanceGateOracle(t *testing.T) {
	ctx := context.Background()
	home := volmatch.Point{Lat: 39.92563, Lng: 116.48342}
	e, _ := newEngine(t, fixture.Volunteer("V1", fixture.At(home), fixture.Travel(30)))
	probes := 0
	within := func(q volmatch.Point, km float64) bool {
		probes++
		id := fmt.Sprintf("P%03d", probes)
		if _, err := e.PostNeed(ctx, sw1, fixture.Need(id, fixture.Place(q, km), func(n *volmatch.Need) { n.Street = "" })); err != nil {
			t.Fatalf("PostNeed %s: %v", id, err)
		}
		_, err := e.Invite(ctx, sw1, id, engine.InviteRequest{Volunteers: []string{"V1"}})
		switch {
		case err == nil:
			return true
		case strings.Contains(err.Error(), scoring.GateDistance):
			return false
		}
		t.Fatalf("Invite V1 to %s: %v", id, err)
		return false
	}
	var qs []volmatch.Point
	var ds []float64
	for i := range 4 {
		a := 2 * math.Pi * float64(i) / 4
		q := volmatch.Point{
			Lat: home.Lat + 2*math.Sin(a)/111.2,
			Lng: home.Lng + 2*math.Cos(a)/(111.2*math.Cos(home.Lat*math.Pi/180)),
		}
		lo, hi := 0.05, 6.0
		for range 14 {
			if mid := (lo + hi) / 2; within(q, mid) {
				hi = mid
			} else {
				lo = mid
			}
		}
		qs, ds = append(qs, q), append(ds, (lo+hi)/2)
	}
	got := trilaterate(qs, ds)
	toHome, toCoarse := volmatch.DistanceKm(got, home), volmatch.DistanceKm(got, home.Coarse())
	t.Logf("from %d probes: recovered %.6f,%.6f: %.0f m from the home, %.0f m from the coarse point", probes, got.Lat, got.Lng, toHome*1000, toCoarse*1000)
	if toHome < 0.3 || toHome < toCoarse {
		t.Errorf("the distance gate of invitations gave a point %.0f m from the home (%.0f m from the coarse point); want at least 300 m and no closer to the home than to the coarse point",
			toHome*1000, toCoarse*1000)
	}
}
