package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/geo"
)

// The station map (站点地图, issue 16): every signed-in role sees the
// service stations on a map of Beijing with their hours, services and the
// open needs it may see; a volunteer sees the stations near home with the
// needs they can still sign up for. The map is an SVG drawn here from the
// district boundaries (no script, a few kilobytes), so that it shows on a
// phone before anything loads.

// nearChoices are the radii a volunteer picks from, in km.
var nearChoices = []int{3, 5, 10, 20}

// stationCard is a station as the page lists it.
type stationCard struct {
	N                            int // its number on the map
	ID, Name, Type, Place, Hours string
	Services                     []string
	Km                           string
	Open                         []openLine
	More                         int // open needs not listed
	X, Y                         float64
}

// openLine is an open need at a station.
type openLine struct {
	ID, Title, When, Shift string
	SignUp                 bool // a menu-mode need the volunteer may sign up for
}

// maxOpenShown bounds the open needs listed per station.
const maxOpenShown = 5

// stationsData is the station page.
type stationsData struct {
	Volunteer bool
	Km        int
	Kms       []int
	District  string
	Districts []option
	Cards     []stationCard
	Map       *svgMap
	Listed    bool // the city's list: stations with open needs only
}

// maxStationsListed bounds the city's list of stations.
const maxStationsListed = 50

func (s *Server) stationsPage(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &stationsData{Volunteer: r.tok.Role == volmatch.RoleVolunteer, Km: 5, Kms: nearChoices}
	d.Districts, _, _ = filterChoices(r.lang, "")
	var (
		views []engine.StationView
		err   error
		home  *volmatch.Point
	)
	if d.Volunteer {
		if k, e := strconv.Atoi(q.Get("km")); e == nil && k > 0 && k <= engine.MaxNearKm {
			d.Km = k
		}
		views, err = s.eng.NearMe(ctx, r.tok, r.tok.Volunteer, float64(d.Km))
		if v, e := s.eng.Volunteer(ctx, r.tok, r.tok.Volunteer); e == nil {
			h := v.Home
			home = &h
		}
	} else {
		views, err = s.eng.StationMap(ctx, r.tok, engine.StationQuery{})
		if dist := q.Get("district"); dist != "" {
			if _, ok := geo.Beijing().District(dist); ok {
				d.District = dist
				kept := views[:0]
				for _, v := range views {
					if v.Station.District == dist {
						kept = append(kept, v)
					}
				}
				views = kept
			}
		}
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	now := s.eng.Now()
	listed := 0
	for i, v := range views {
		// The whole city's list is its stations with open needs, the first
		// maxStationsListed of them (the map shows every one); a district's is all.
		if !d.Volunteer && d.District == "" && (v.OpenCount == 0 || listed == maxStationsListed) {
			continue
		}
		listed++
		c := stationCard{N: i + 1, ID: v.Station.ID, Name: v.Station.Name, Type: v.Station.Type, Place: areaName(r.lang, v.Station.District),
			Hours: hoursOf(r.lang, v.Station.Hours)}
		if v.Station.Street != "" {
			c.Place += " " + areaName(r.lang, v.Station.Street)
		}
		if v.DistanceKm > 0 || home != nil {
			c.Km = strconv.FormatFloat(v.DistanceKm, 'f', 1, 64)
		}
		for _, k := range v.Services {
			c.Services = append(c.Services, domainName(r.lang, k))
		}
		for i, n := range v.Open {
			if i == maxOpenShown {
				c.More = len(v.Open) - i
				break
			}
			l := openLine{ID: n.ID, Title: n.Title}
			for _, sh := range n.Shifts {
				if sh.Start.After(now) && sh.Filled < sh.Slots {
					l.When, l.Shift = sh.Start.In(volmatch.Beijing).Format("01-02 15:04"), sh.ID
					break
				}
			}
			l.SignUp = d.Volunteer && n.Mode == volmatch.ModeMenu
			c.Open = append(c.Open, l)
		}
		d.Cards = append(d.Cards, c)
	}
	d.Listed = !d.Volunteer && d.District == ""
	d.Map = drawMap(r.lang, views, home, d.Volunteer)
	s.render(w, r.Request, http.StatusOK, "stations", r.view("st.title", d))
}

// hoursOf writes a week of opening hours: days with the same hours
// together, "周一至周五 09:00–17:00；周六 09:00–12:00".
func hoursOf(lang string, w volmatch.Week) string {
	days := [7]string{}
	for d := range 7 {
		var spans []string
		for h := 0; h < 24; h++ {
			if !w.Has(24*d + h) {
				continue
			}
			e := h
			for e < 24 && w.Has(24*d+e) {
				e++
			}
			spans = append(spans, fmt.Sprintf("%02d:00–%02d:00", h, e))
			h = e
		}
		days[d] = strings.Join(spans, ", ")
	}
	names := weekdays[lang] // Sunday first
	name := func(d int) string { return names[(d+1)%7] }
	var parts []string
	for d := 0; d < 7; {
		e := d
		for e+1 < 7 && days[e+1] == days[d] {
			e++
		}
		if days[d] != "" {
			label := name(d)
			if e > d {
				label += msg(lang, "st.to") + name(e)
			}
			parts = append(parts, label+" "+days[d])
		}
		d = e + 1
	}
	if len(parts) == 0 {
		return msg(lang, "st.nohours")
	}
	return strings.Join(parts, msg(lang, "st.sep"))
}

// firstShift is the start of n's earliest shift.
func firstShift(n *volmatch.Need) time.Time {
	var t time.Time
	for _, s := range n.Shifts {
		if t.IsZero() || s.Start.Before(t) {
			t = s.Start
		}
	}
	return t
}

// svgMap is the map the page draws: the districts' outlines in a view
// box, the stations as numbered dots, and the volunteer's home.
type svgMap struct {
	ViewBox string
	R       float64 // a dot's radius in view units
	Font    float64 // the labels' size in view units
	Numbers bool    // the dots are numbered (few of them, as the list)
	Paths   []svgPath
	Dots    []svgDot
	Home    *svgDot
	Label   string
}

type svgPath struct {
	D, Name string
	LX, LY  float64
	Label   bool // its centre is in the view
}

type svgDot struct {
	X, Y float64
	N    int
	Name string
	Open bool
}

// The map's projection: equirectangular around Beijing, 1000 units a
// side of the city's box (lng 115.4–117.6, lat 39.4–41.1).
const (
	mapLng0, mapLng1 = 115.4, 117.6
	mapLat0, mapLat1 = 39.4, 41.1
)

var mapKx = 1000 / (mapLng1 - mapLng0)
var mapKy = mapKx / math.Cos((mapLat0+mapLat1)/2*math.Pi/180)

func project(p volmatch.Point) (float64, float64) {
	return (p.Lng - mapLng0) * mapKx, (mapLat1 - p.Lat) * mapKy
}

// outline is a district's boundary, simplified, in map units.
type outline struct {
	code, name string
	rings      [][][2]float64
	minX, minY float64
	maxX, maxY float64
	cx, cy     float64
}

var (
	outlinesOnce sync.Once
	outlines     []outline
)

// loadOutlines reads the district boundaries once, keeping a point only
// when it is at least 1.5 map units (about 250 m) from the last kept.
func loadOutlines() []outline {
	outlinesOnce.Do(func() {
		var fc struct {
			Features []struct {
				Properties struct {
					Code   string     `json:"code"`
					Name   string     `json:"name"`
					Center [2]float64 `json:"center"`
				} `json:"properties"`
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(geo.DistrictsGeoJSON(), &fc); err != nil {
			return
		}
		for _, f := range fc.Features {
			var polys [][][][2]float64
			if f.Geometry.Type == "Polygon" {
				var p [][][2]float64
				if json.Unmarshal(f.Geometry.Coordinates, &p) != nil {
					continue
				}
				polys = append(polys, p)
			} else if json.Unmarshal(f.Geometry.Coordinates, &polys) != nil {
				continue
			}
			o := outline{code: f.Properties.Code, name: f.Properties.Name, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
			o.cx, o.cy = project(volmatch.Point{Lng: f.Properties.Center[0], Lat: f.Properties.Center[1]})
			for _, poly := range polys {
				for i, ring := range poly {
					if i > 0 {
						break // holes are not drawn
					}
					var kept [][2]float64
					for _, c := range ring {
						x, y := project(volmatch.Point{Lng: c[0], Lat: c[1]})
						if n := len(kept); n > 0 && math.Hypot(x-kept[n-1][0], y-kept[n-1][1]) < 1.5 {
							continue
						}
						kept = append(kept, [2]float64{x, y})
						o.minX, o.minY, o.maxX, o.maxY = min(o.minX, x), min(o.minY, y), max(o.maxX, x), max(o.maxY, y)
					}
					if len(kept) > 2 {
						o.rings = append(o.rings, kept)
					}
				}
			}
			outlines = append(outlines, o)
		}
	})
	return outlines
}

// drawMap draws the stations of views on the
// districts within the view: the whole city, or around the volunteer's
// home (and the stations near it).
func drawMap(lang string, views []engine.StationView, home *volmatch.Point, near bool) *svgMap {
	os := loadOutlines()
	if len(os) == 0 {
		return nil
	}
	m := &svgMap{Label: msg(lang, "st.map")}
	x0, y0, x1, y1 := 0.0, 0.0, 1000.0, 1000*(mapLat1-mapLat0)/(mapLng1-mapLng0)*mapKy/mapKx
	if near && home != nil {
		hx, hy := project(*home)
		x0, y0, x1, y1 = hx-40, hy-40, hx+40, hy+40 // about 13 km a side
		for _, v := range views {
			x, y := project(v.Station.Point)
			x0, y0, x1, y1 = min(x0, x-8), min(y0, y-8), max(x1, x+8), max(y1, y+8)
		}
		m.Home = &svgDot{X: round1(hx), Y: round1(hy), Name: msg(lang, "st.home")}
	}
	m.ViewBox = fmt.Sprintf("%.0f %.0f %.0f %.0f", x0, y0, x1-x0, y1-y0)
	m.R = round1(min(max((x1-x0)/160, 1.6), 6))
	m.Font = round1((x1 - x0) / 40)
	m.Numbers = len(views) <= 30
	for _, o := range os {
		if o.maxX < x0 || o.minX > x1 || o.maxY < y0 || o.minY > y1 {
			continue
		}
		var b strings.Builder
		for _, ring := range o.rings {
			for i, c := range ring {
				if i == 0 {
					fmt.Fprintf(&b, "M%.1f %.1f", c[0], c[1])
					continue
				}
				fmt.Fprintf(&b, "l%.1f %.1f", c[0]-ring[i-1][0], c[1]-ring[i-1][1])
			}
			b.WriteString("z")
		}
		m.Paths = append(m.Paths, svgPath{D: b.String(), Name: areaName(lang, o.code), LX: round1(o.cx), LY: round1(o.cy),
			// Named when its centre is in view and it is not too small for
			// its name (the city's centre districts are).
			Label: o.cx > x0 && o.cx < x1 && o.cy > y0 && o.cy < y1 && o.maxX-o.minX > (x1-x0)/8})
	}
	for i, v := range views {
		x, y := project(v.Station.Point)
		m.Dots = append(m.Dots, svgDot{X: round1(x), Y: round1(y), N: i + 1, Name: v.Station.Name, Open: v.OpenCount > 0})
	}
	return m
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// stationPoints are the stations the dashboard's map draws (those of the
// district when one is chosen): point, name and open needs.
func (s *Server) stationPoints(r *request, district string) ([][4]any, error) {
	views, err := s.eng.StationMap(r.Context(), r.tok, engine.StationQuery{})
	if err != nil {
		return nil, err
	}
	var out [][4]any
	for _, v := range views {
		if district == "" || v.Station.District == district {
			out = append(out, [4]any{v.Station.Point.Lng, v.Station.Point.Lat, v.Station.Name, v.OpenCount})
		}
	}
	return out, nil
}
