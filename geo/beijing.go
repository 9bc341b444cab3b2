package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"volmatch"
)

//go:embed beijing/districts.csv
var districtsCSV []byte

//go:embed beijing/streets.csv
var streetsCSV []byte

// namesCSV holds the English names of the districts and streets (pinyin
// with the kind translated: 建外街道办事处 -> Jianwai Subdistrict), made by
// scripts/names_en.mjs and checked by hand where a character reads two ways.
//
//go:embed beijing/names_en.csv
var namesCSV []byte

//go:embed beijing/districts.geojson
var districtsGeoJSON []byte

// District is one of Beijing's 16 districts (区) with its seat as centre.
type District struct {
	Code   string         // statistics division code, "110105"
	Name   string         // "朝阳区"
	NameEN string         // "Chaoyang District"
	Center volmatch.Point // district seat (GCJ-02)
}

// Street is a street or township unit (街道/乡镇) of a district.
type Street struct {
	Code         string         // 12-digit division code, "110105001000"
	Name         string         // "建外街道办事处"
	NameEN       string         // "Jianwai Subdistrict"
	District     string         // district code
	DistrictName string         // district name
	Point        volmatch.Point // the unit's centre, or its district's when Approximate
	// Approximate is true when the source had no point of its own for the
	// unit and the district centre stands in (coord_from = district).
	Approximate bool
}

// City is a city's districts and streets with lookups by code and name;
// Beijing's is read from the embedded copy of the adcode data set (see
// beijing/SOURCE.md). It is immutable and safe for concurrent use.
type City struct {
	districts []District
	streets   []Street
	distBy    map[string]int // code, full name and short name -> index
	streetBy  map[string]int // code and names -> index; -1 when ambiguous
	inDist    map[string][]Street
}

var (
	beijingOnce sync.Once
	beijingGeo  *City
)

// Beijing returns the geography of Beijing, parsed once from the embedded
// files. It panics only if the embedded files are corrupt.
func Beijing() *City {
	beijingOnce.Do(func() {
		g, err := parseCity(districtsCSV, streetsCSV, namesCSV)
		if err != nil {
			panic(fmt.Sprintf("geo: embedded Beijing geography: %v", err))
		}
		beijingGeo = g
	})
	return beijingGeo
}

// DistrictsGeoJSON returns the district boundaries as a GeoJSON
// FeatureCollection (properties code, name, center), ready for ECharts
// registerMap. The caller must not modify the slice.
func DistrictsGeoJSON() []byte { return districtsGeoJSON }

func readCSV(b []byte, want []string) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("header is not %v", want)
	}
	return rows[1:], nil
}

func parsePoint(lng, lat string) (volmatch.Point, error) {
	x, err := strconv.ParseFloat(lng, 64)
	if err != nil {
		return volmatch.Point{}, err
	}
	y, err := strconv.ParseFloat(lat, 64)
	if err != nil {
		return volmatch.Point{}, err
	}
	p := volmatch.Point{Lat: y, Lng: x}
	return p, p.Validate("point")
}

func parseCity(dcsv, scsv, ncsv []byte) (*City, error) {
	g := &City{distBy: map[string]int{}, streetBy: map[string]int{}, inDist: map[string][]Street{}}
	nrows, err := readCSV(ncsv, []string{"code", "name_en"})
	if err != nil {
		return nil, fmt.Errorf("names_en.csv: %w", err)
	}
	en := map[string]string{}
	for _, r := range nrows {
		en[r[0]] = r[1]
	}
	drows, err := readCSV(dcsv, []string{"code", "name", "lng", "lat"})
	if err != nil {
		return nil, fmt.Errorf("districts.csv: %w", err)
	}
	for i, r := range drows {
		p, err := parsePoint(r[2], r[3])
		if err != nil {
			return nil, fmt.Errorf("districts.csv row %d: %w", i+2, err)
		}
		if en[r[0]] == "" {
			return nil, fmt.Errorf("names_en.csv: no English name of district %s", r[0])
		}
		g.districts = append(g.districts, District{Code: r[0], Name: r[1], NameEN: en[r[0]], Center: p})
	}
	sort.Slice(g.districts, func(i, j int) bool { return g.districts[i].Code < g.districts[j].Code })
	for i, d := range g.districts {
		g.distBy[d.Code] = i
		g.distBy[d.Name] = i
		g.distBy[strings.TrimSuffix(d.Name, "区")] = i
	}
	srows, err := readCSV(scsv, []string{"code", "name", "district_code", "district", "lng", "lat", "coord_from"})
	if err != nil {
		return nil, fmt.Errorf("streets.csv: %w", err)
	}
	for i, r := range srows {
		p, err := parsePoint(r[4], r[5])
		if err != nil {
			return nil, fmt.Errorf("streets.csv row %d: %w", i+2, err)
		}
		if _, ok := g.distBy[r[2]]; !ok {
			return nil, fmt.Errorf("streets.csv row %d: unknown district %s", i+2, r[2])
		}
		if en[r[0]] == "" {
			return nil, fmt.Errorf("names_en.csv: no English name of street %s", r[0])
		}
		g.streets = append(g.streets, Street{Code: r[0], Name: r[1], NameEN: en[r[0]], District: r[2], DistrictName: r[3],
			Point: p, Approximate: r[6] == "district"})
	}
	sort.Slice(g.streets, func(i, j int) bool { return g.streets[i].Code < g.streets[j].Code })
	for i, s := range g.streets {
		g.streetBy[s.Code] = i
		g.inDist[s.District] = append(g.inDist[s.District], s)
	}
	// Names: the full name wins; shorter forms are added only where they do
	// not clash, and a clash marks the short form ambiguous (-1).
	for i, s := range g.streets {
		if _, dup := g.streetBy[s.Name]; dup {
			g.streetBy[s.Name] = -1
		} else {
			g.streetBy[s.Name] = i
		}
	}
	short := map[string][]int{}
	for i, s := range g.streets {
		for _, n := range streetAliases(s.Name) {
			short[n] = append(short[n], i)
		}
	}
	for n, is := range short {
		if _, taken := g.streetBy[n]; taken {
			continue
		}
		if len(is) == 1 {
			g.streetBy[n] = is[0]
		} else {
			g.streetBy[n] = -1
		}
	}
	return g, nil
}

// streetAliases returns the shorter names a street is called by:
// 建外街道办事处 -> 建外街道, 建外; 东风地区办事处 -> 东风地区, 东风.
func streetAliases(name string) []string {
	var out []string
	n := strings.TrimSuffix(name, "办事处")
	if n != name {
		out = append(out, n)
	}
	for _, suf := range []string{"街道", "地区", "镇", "乡"} {
		if m := strings.TrimSuffix(n, suf); m != n && m != "" {
			out = append(out, m)
			break
		}
	}
	return out
}

// Districts returns the districts ordered by code.
func (g *City) Districts() []District { return append([]District(nil), g.districts...) }

// District finds a district by code ("110105"), name ("朝阳区") or short name
// ("朝阳").
func (g *City) District(codeOrName string) (District, bool) {
	i, ok := g.distBy[strings.TrimSpace(codeOrName)]
	if !ok {
		return District{}, false
	}
	return g.districts[i], true
}

// Streets returns the streets ordered by code.
func (g *City) Streets() []Street { return append([]Street(nil), g.streets...) }

// Street finds a street by code, full name ("建外街道办事处") or a shorter
// form ("建外街道", "建外"). A name that several streets share (八里庄 is in
// both 朝阳 and 海淀) finds nothing: use the code or StreetsIn.
func (g *City) Street(codeOrName string) (Street, bool) {
	i, ok := g.streetBy[strings.TrimSpace(codeOrName)]
	if !ok || i < 0 {
		return Street{}, false
	}
	return g.streets[i], true
}

// StreetsIn returns the streets of a district given by code or name, ordered
// by code; nil for an unknown district.
func (g *City) StreetsIn(district string) []Street {
	d, ok := g.District(district)
	if !ok {
		return nil
	}
	return append([]Street(nil), g.inDist[d.Code]...)
}
