package grid

import (
	"math"
	"math/rand/v2"
	"testing"

	"volmatch"
)

// TestEstimateBracketsDistance: the distance estimate's bounds, with its
// margins, always bracket the haversine distance (volmatch.DistanceKm) of
// a point within the estimate's band, for reaches up to approxMaxKm, in
// Beijing and at other latitudes up to 80°.
func TestEstimateBracketsDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	worst := 0.0
	for k := 0; k < 200000; k++ {
		p := volmatch.Point{Lat: 39.4 + r.Float64()*1.7, Lng: 115.4 + r.Float64()*2.1}
		if k%4 == 0 {
			p = volmatch.Point{Lat: -80 + r.Float64()*160, Lng: -179 + r.Float64()*358}
		}
		reach := []float64{0.5, 3, 19, 60, approxMaxKm}[r.IntN(5)]
		e := newEstimate(p, reach)
		if !e.ok {
			t.Fatalf("newEstimate(%v, %v) not ok", p, reach)
		}
		q := volmatch.Point{Lat: p.Lat + (2*r.Float64()-1)*e.bandLat, Lng: p.Lng + (2*r.Float64()-1)*e.bandLng}
		lo, hi := e.d2(q.Lat, q.Lng)
		d := volmatch.DistanceKm(p, q)
		dlo, dhi := math.Sqrt(lo)*(1-approxRel)-approxAbsKm, math.Sqrt(hi)*(1+approxRel)+approxAbsKm
		if d < dlo || d > dhi {
			t.Fatalf("estimate from %v to %v: [%v, %v] km, haversine %v km", p, q, dlo, dhi, d)
		}
		// the relative error before margins, for the message below
		if d > 1 {
			worst = max(worst, math.Sqrt(lo)/d-1, 1-math.Sqrt(hi)/d)
		}
	}
	t.Logf("worst relative error before margins %.3g", worst)
	if worst > approxRel/10 {
		t.Errorf("estimate error before margins up to %.2g relative: approxRel %g leaves under 10× room", worst, approxRel)
	}
}
