package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"

	"volmatch"
)

// Places: which district a point lies in, from the embedded district
// boundaries (districts.geojson), by a pure-Go point-in-polygon test (the
// even-odd rule over every ring of a polygon, so that a hole, such as the
// exclave of 朝阳 at the Capital Airport cut out of 顺义, is outside). The
// boundaries and the street points share one datum (GCJ-02), so a point is
// tested in the datum it is given in.

// Street reach: the source has no street boundaries, only each unit's
// centre, so a point names its street when it lies within a distance of
// the unit's centre: StreetReachKm for an urban subdistrict (街道, a few
// km² in the city), TownReachKm for a town, township or area (镇, 乡, 地区,
// up to hundreds of km² in the outer districts). A unit without a centre of
// its own (Approximate) is held only to its district's boundary.
const (
	StreetReachKm = 5
	TownReachKm   = 25
)

// ring is a closed ring of (lng, lat) vertices, first == last not required.
type ring struct {
	xs, ys                 []float64
	minX, maxX, minY, maxY float64
}

// polygon is an outer ring and its holes; a point is inside when it lies
// inside an odd number of its rings.
type polygon struct {
	rings                  []ring
	minX, maxX, minY, maxY float64
}

// area is one district's polygons (a MultiPolygon has several).
type area struct {
	code  string
	polys []polygon
}

var (
	boundsOnce sync.Once
	bounds     []area
	boundsErr  error
)

// boundaries returns the district areas parsed from the embedded GeoJSON.
func boundaries() ([]area, error) {
	boundsOnce.Do(func() { bounds, boundsErr = parseBoundaries(districtsGeoJSON) })
	return bounds, boundsErr
}

func parseBoundaries(b []byte) ([]area, error) {
	var fc struct {
		Features []struct {
			Properties struct {
				Code string `json:"code"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("districts.geojson: %w", err)
	}
	var out []area
	for _, f := range fc.Features {
		var polys [][][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("districts.geojson %s: %w", f.Properties.Code, err)
			}
			polys = [][][][2]float64{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
				return nil, fmt.Errorf("districts.geojson %s: %w", f.Properties.Code, err)
			}
		default:
			return nil, fmt.Errorf("districts.geojson %s: geometry %q", f.Properties.Code, f.Geometry.Type)
		}
		a := area{code: f.Properties.Code}
		for _, p := range polys {
			a.polys = append(a.polys, newPolygon(p))
		}
		out = append(out, a)
	}
	return out, nil
}

func newPolygon(rs [][][2]float64) polygon {
	p := polygon{minX: 180, maxX: -180, minY: 90, maxY: -90}
	for _, r := range rs {
		g := ring{minX: 180, maxX: -180, minY: 90, maxY: -90}
		for _, v := range r {
			g.xs, g.ys = append(g.xs, v[0]), append(g.ys, v[1])
			g.minX, g.maxX = min(g.minX, v[0]), max(g.maxX, v[0])
			g.minY, g.maxY = min(g.minY, v[1]), max(g.maxY, v[1])
		}
		p.rings = append(p.rings, g)
		p.minX, p.maxX = min(p.minX, g.minX), max(p.maxX, g.maxX)
		p.minY, p.maxY = min(p.minY, g.minY), max(p.maxY, g.maxY)
	}
	return p
}

// contains reports whether (x, y) lies inside the ring: a ray cast to the
// east crosses its edges an odd number of times.
func (g *ring) contains(x, y float64) bool {
	if x < g.minX || x > g.maxX || y < g.minY || y > g.maxY {
		return false
	}
	in := false
	n := len(g.xs)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		xi, yi, xj, yj := g.xs[i], g.ys[i], g.xs[j], g.ys[j]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

func (p *polygon) contains(x, y float64) bool {
	if x < p.minX || x > p.maxX || y < p.minY || y > p.maxY {
		return false
	}
	in := false
	for i := range p.rings {
		if p.rings[i].contains(x, y) {
			in = !in
		}
	}
	return in
}

func (a *area) contains(pt volmatch.Point) bool {
	for i := range a.polys {
		if a.polys[i].contains(pt.Lng, pt.Lat) {
			return true
		}
	}
	return false
}

// kmPerDegree is the length of a degree of latitude (the mean radius of
// volmatch.DistanceKm).
const kmPerDegree = 6371.0088 * math.Pi / 180

// distanceKm returns how far pt lies from the area's boundary (0 inside),
// in a local equirectangular projection around pt: exact to well under a
// metre over the few kilometres it is asked about.
func (a *area) distanceKm(pt volmatch.Point, limitKm float64) float64 {
	if a.contains(pt) {
		return 0
	}
	kx := kmPerDegree * math.Cos(pt.Lat*math.Pi/180)
	dx, dy := limitKm/kx, limitKm/kmPerDegree // the limit in degrees
	best := math.Inf(1)
	for i := range a.polys {
		p := &a.polys[i]
		if pt.Lng < p.minX-dx || pt.Lng > p.maxX+dx || pt.Lat < p.minY-dy || pt.Lat > p.maxY+dy {
			continue
		}
		for j := range p.rings {
			g := &p.rings[j]
			n := len(g.xs)
			for k, l := 0, n-1; k < n; l, k = k, k+1 {
				ax, ay := (g.xs[l]-pt.Lng)*kx, (g.ys[l]-pt.Lat)*kmPerDegree
				bx, by := (g.xs[k]-pt.Lng)*kx, (g.ys[k]-pt.Lat)*kmPerDegree
				best = min(best, segmentDistance(ax, ay, bx, by))
			}
		}
	}
	return best
}

// segmentDistance is the distance from the origin to the segment a–b.
func segmentDistance(ax, ay, bx, by float64) float64 {
	vx, vy := bx-ax, by-ay
	t := 0.0
	if l := vx*vx + vy*vy; l > 0 {
		t = min(max(-(ax*vx+ay*vy)/l, 0), 1)
	}
	x, y := ax+t*vx, ay+t*vy
	return math.Hypot(x, y)
}

// mustBoundaries is boundaries for the embedded data, which the tests
// parse: it panics only if the embedded file is corrupt.
func mustBoundaries() []area {
	as, err := boundaries()
	if err != nil {
		panic(fmt.Sprintf("geo: embedded Beijing boundaries: %v", err))
	}
	return as
}

// BoundaryToleranceKm is how far outside a district's boundary a point
// may lie and still count as in it: the boundary is a simplified line, and
// a point taken in WGS-84 (a phone's GPS) lies a few hundred metres from
// the same place in GCJ-02, the boundaries' datum. A point in a
// neighbouring province a few kilometres away is still outside.
const BoundaryToleranceKm = 1.0

// DistrictAt returns the district whose boundary holds p; false when p lies
// outside every district's boundary.
func (g *City) DistrictAt(p volmatch.Point) (District, bool) {
	as := mustBoundaries()
	for i := range as {
		if as[i].contains(p) {
			return g.District(as[i].code)
		}
	}
	return District{}, false
}

// nearest returns the district whose boundary holds p or, outside every
// boundary, the nearest one within BoundaryToleranceKm.
func (g *City) nearest(p volmatch.Point) (District, bool) {
	if d, ok := g.DistrictAt(p); ok {
		return d, true
	}
	as := mustBoundaries()
	best, bi := math.Inf(1), -1
	for i := range as {
		if km := as[i].distanceKm(p, BoundaryToleranceKm); km <= BoundaryToleranceKm && km < best {
			best, bi = km, i
		}
	}
	if bi < 0 {
		return District{}, false
	}
	return g.District(as[bi].code)
}

// Contains reports whether p lies inside the city's boundary or within
// BoundaryToleranceKm of it.
func (g *City) Contains(p volmatch.Point) bool {
	_, ok := g.nearest(p)
	return ok
}

// InDistrict reports whether p lies inside the boundary of the district
// given by code or name, or within BoundaryToleranceKm of it; false for an
// unknown district.
func (g *City) InDistrict(p volmatch.Point, district string) bool {
	d, ok := g.District(district)
	if !ok {
		return false
	}
	for _, a := range mustBoundaries() {
		if a.code == d.Code {
			return a.distanceKm(p, BoundaryToleranceKm) <= BoundaryToleranceKm
		}
	}
	return false
}

// Reach returns how far from the street's centre a point may lie and still
// name the street (StreetReachKm, TownReachKm); 0 for a unit whose centre
// is its district's (Approximate), which is held only to the district.
func (s Street) Reach() float64 {
	switch {
	case s.Approximate:
		return 0
	case strings.Contains(s.Name, "街道"):
		return StreetReachKm
	}
	return TownReachKm
}

// CheckPlace checks that point p lies where district and street (each a
// code or a name; "" when not given) say: inside the city, inside the
// district's boundary (InDistrict), the street one of that district's and p
// within its Reach. It returns EINVALID naming the field at fault
// ("point", "district" or "street"), so a need posted at a wrong place is
// refused with the field a client must fix.
func (g *City) CheckPlace(p volmatch.Point, district, street string) error {
	if err := p.Validate("point"); err != nil {
		return err
	}
	in, ok := g.nearest(p)
	if !ok {
		return volmatch.FieldError("point", "(%v, %v) lies outside Beijing", p.Lat, p.Lng)
	}
	var d District
	if district != "" {
		if d, ok = g.District(district); !ok {
			return volmatch.FieldError("district", "unknown district %q (a Beijing district code such as 110105, or its name)", district)
		}
		if d.Code != in.Code && !g.InDistrict(p, d.Code) {
			return volmatch.FieldError("point", "(%v, %v) lies in %s (%s), not in the district %s (%s)", p.Lat, p.Lng, in.Name, in.Code, d.Name, d.Code)
		}
	}
	if street == "" {
		return nil
	}
	s, ok := g.Street(street)
	if !ok && d.Code != "" {
		// A short name several districts share (八里庄) is found within the
		// named district.
		for _, c := range g.inDist[d.Code] {
			if c.Name == street || containsString(streetAliases(c.Name), street) {
				s, ok = c, true
				break
			}
		}
	}
	if !ok {
		return volmatch.FieldError("street", "unknown street %q (a street code such as 110105001000, or its name)", street)
	}
	switch {
	case d.Code != "" && s.District != d.Code:
		return volmatch.FieldError("street", "street %s (%s) is in %s, not in the district %s (%s)", s.Name, s.Code, s.DistrictName, d.Name, d.Code)
	case d.Code == "" && !g.InDistrict(p, s.District):
		return volmatch.FieldError("point", "(%v, %v) lies in %s, not in %s where street %s (%s) is", p.Lat, p.Lng, in.Name, s.DistrictName, s.Name, s.Code)
	}
	if r := s.Reach(); r > 0 {
		if km := volmatch.DistanceKm(p, s.Point); km > r {
			return volmatch.FieldError("point", "(%v, %v) is %.1f km from the centre of street %s (%s); a point of this street lies within %v km of it", p.Lat, p.Lng, km, s.Name, s.Code, r)
		}
	}
	return nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
