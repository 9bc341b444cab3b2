package volmatch

import (
	"math"
	"time"
)

// Beijing is the time zone in which hours of the week are read: UTC+8, which
// has had no daylight saving since 1991. A fixed zone keeps the result the
// same on machines without tzdata.
var Beijing = time.FixedZone("CST", 8*3600)

// Point is a WGS-84/GCJ-02 coordinate in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Validate reports a point outside the valid coordinate range. field names the
// point in the error ("home", "point").
func (p Point) Validate(field string) error {
	switch {
	case math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90:
		return FieldError(field+".lat", "latitude must be between -90 and 90, got %v", p.Lat)
	case math.IsNaN(p.Lng) || p.Lng < -180 || p.Lng > 180:
		return FieldError(field+".lng", "longitude must be between -180 and 180, got %v", p.Lng)
	case p.Lat == 0 && p.Lng == 0:
		return FieldError(field, "point is missing (0,0)")
	}
	return nil
}

const earthRadiusKm = 6371.0088

// DistanceKm returns the great-circle (haversine) distance between a and b in
// kilometres.
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(s)))
}

// Coarse is p rounded to 0.01 degree (about 1.1 km north–south and 0.85 km
// east–west in Beijing): enough to show a neighbourhood, not a home
// address. It is the one coarsening of a personal point: Volunteer.Masked
// shows it and Volunteer.Coarsened gives it to everything derived.
func (p Point) Coarse() Point {
	return Point{Lat: math.Round(p.Lat*100) / 100, Lng: math.Round(p.Lng*100) / 100}
}

// Coarsened returns a copy of v whose Home is the masked point (Point.Coarse),
// the rest shared. The derived indexes (the feature grid, the text index)
// hold volunteers coarsened, so that every distance, distance gate, score,
// sort order and count they give is a function of the point Masked already
// shows: trilateration from any number of query points finds at most that
// point, never the home.
func (v *Volunteer) Coarsened() *Volunteer {
	c := *v
	c.Home = v.Home.Coarse()
	return &c
}

// ShownKmStep is the step, in km, to which a distance shown to a caller is
// rounded (DisplayKm).
const ShownKmStep = 0.1

// DisplayKm rounds a distance shown to a caller to ShownKmStep. The
// distances shown are computed from coarse points, which already hide the
// home (Coarsened); the rounding only drops the false precision of a
// figure that is good to about half a kilometre, while keeping the order
// of the candidates of one neighbourhood readable (0.5 km steps would show
// most of them as 0.5 or 1.0).
func DisplayKm(km float64) float64 {
	const perKm = 1 / ShownKmStep // exact: 10 per km
	return math.Round(km*perKm) / perKm
}
