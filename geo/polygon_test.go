package geo

import (
	"testing"

	"volmatch"
)

// TestPolygonHole checks the even-odd rule on a square with a square hole
// and on Shunyi, whose polygon has the Capital Airport (Chaoyang's
// exclave) cut out of it.
func TestPolygonHole(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) [][2]float64 {
		return [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	p := newPolygon([][][2]float64{sq(0, 0, 10, 10), sq(4, 4, 6, 6)})
	for _, c := range []struct {
		x, y float64
		in   bool
	}{{1, 1, true}, {5, 5, false}, {3.9, 5, true}, {11, 5, false}, {-1, -1, false}, {9.99, 9.99, true}} {
		if got := p.contains(c.x, c.y); got != c.in {
			t.Errorf("contains(%v, %v) = %v, want %v", c.x, c.y, got, c.in)
		}
	}
	if d := (&area{polys: []polygon{p}}).distanceKm(volmatch.Point{Lat: 5, Lng: 5}, 500); d < 100 || d > 112 {
		t.Errorf("distanceKm(the hole's centre) = %v, want about 111 (a degree of latitude)", d)
	}
	airport := volmatch.Point{Lat: 40.075, Lng: 116.592}
	for _, a := range mustBoundaries() {
		if got, want := a.contains(airport), a.code == "110105"; got != want {
			t.Errorf("area %s contains the Capital Airport = %v, want %v", a.code, got, want)
		}
	}
}
