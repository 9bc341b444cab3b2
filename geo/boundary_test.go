package geo_test

import (
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/geo"
)

// Known points (GCJ-02, as the embedded data): the first column is the
// district the point lies in, "" outside Beijing.
var knownPoints = []struct {
	name     string
	p        volmatch.Point
	district string
}{
	{"Tiananmen", volmatch.Point{Lat: 39.9087, Lng: 116.3975}, "110101"},
	{"Beijing Financial Street", volmatch.Point{Lat: 39.9155, Lng: 116.3602}, "110102"},
	{"Guomao", volmatch.Point{Lat: 39.9088, Lng: 116.4605}, "110105"},
	{"Zhongguancun", volmatch.Point{Lat: 39.9836, Lng: 116.3160}, "110108"},
	// The Capital Airport is an exclave of Chaoyang inside Shunyi: the
	// hole in Shunyi's polygon.
	{"Capital Airport T3", volmatch.Point{Lat: 40.0521, Lng: 116.6108 - 0.012}, "110105"},
	{"Shunyi town centre", volmatch.Point{Lat: 40.1300, Lng: 116.6546}, "110113"},
	{"Badaling (Yanqing)", volmatch.Point{Lat: 40.3560, Lng: 116.0160}, "110119"},
	{"Langfang, Hebei", volmatch.Point{Lat: 39.5230, Lng: 116.7040}, ""},
	{"Zhuozhou, Hebei", volmatch.Point{Lat: 39.4850, Lng: 115.9740}, ""},
	{"Tianjin", volmatch.Point{Lat: 39.1300, Lng: 117.2000}, ""},
	{"Shanghai", volmatch.Point{Lat: 31.2304, Lng: 121.4737}, ""},
}

func TestDistrictAt(t *testing.T) {
	g := geo.Beijing()
	for _, c := range knownPoints {
		t.Run(c.name, func(t *testing.T) {
			d, ok := g.DistrictAt(c.p)
			if d.Code != c.district || ok != (c.district != "") {
				t.Errorf("DistrictAt(%v) = %q, %v; want %q", c.p, d.Code, ok, c.district)
			}
			if got := g.Contains(c.p); got != (c.district != "") {
				t.Errorf("Contains(%v) = %v, want %v", c.p, got, c.district != "")
			}
			if c.district != "" && !g.InDistrict(c.p, c.district) {
				t.Errorf("InDistrict(%v, %s) = false, want true", c.p, c.district)
			}
		})
	}
	// The holed polygon: the airport is in Chaoyang; Shunyi's hole is
	// checked inside the package (TestPolygonHole).
}

func TestCheckPlace(t *testing.T) {
	g := geo.Beijing()
	tiananmen := volmatch.Point{Lat: 39.9087, Lng: 116.3975}
	cases := []struct {
		name             string
		p                volmatch.Point
		district, street string
		field            string // "" when the place is accepted
	}{
		{"Tiananmen in Dongcheng", tiananmen, "110101", "", ""},
		{"Tiananmen by name", tiananmen, "东城区", "东华门街道", ""},
		{"Tiananmen in its street", tiananmen, "110101", "110101001000", ""},
		{"no district named", tiananmen, "", "", ""},
		{"Tiananmen is not in Chaoyang", tiananmen, "110105", "", "point"},
		{"a point in Hebei", volmatch.Point{Lat: 39.5230, Lng: 116.7040}, "110115", "", "point"},
		{"a point in Hebei, no district", volmatch.Point{Lat: 39.4850, Lng: 115.9740}, "", "", "point"},
		{"an unknown district", tiananmen, "浦东新区", "", "district"},
		{"an unknown street", tiananmen, "110101", "不存在街道", "street"},
		{"a street of another district", tiananmen, "110101", "110105001000", "street"},
		{"far from the street's centre", volmatch.Point{Lat: 39.9630, Lng: 116.4200}, "110101", "110101001000", "point"},
		{"the street's district without naming it", tiananmen, "", "110105004000", "point"},
		{"zero point", volmatch.Point{}, "110101", "", "point"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := g.CheckPlace(c.p, c.district, c.street)
			got := volmatch.ErrorField(err)
			if c.field == "" && err != nil || c.field != "" && (volmatch.ErrorCode(err) != volmatch.EINVALID || got != c.field && got != c.field+".lat") {
				t.Errorf("CheckPlace(%v, %q, %q) = %v (field %q), want field %q", c.p, c.district, c.street, err, got, c.field)
			}
		})
	}
}

// TestStreetPointsInDistricts checks the embedded data against itself:
// every street's centre lies inside its district.
func TestStreetPointsInDistricts(t *testing.T) {
	g := geo.Beijing()
	for _, s := range g.Streets() {
		if err := g.CheckPlace(s.Point, s.District, s.Code); err != nil {
			t.Errorf("street %s %s: CheckPlace(its own centre) = %v", s.Code, s.Name, err)
		}
	}
}

// TestGeneratedPlaces checks that the synthetic population's needs and
// stations, placed within a kilometre of their streets' centres, lie where
// they say.
func TestGeneratedPlaces(t *testing.T) {
	p := datasets.Generate(datasets.GenOptions{Volunteers: 1, Needs: 3000, Seed: 7})
	g := geo.Beijing()
	for _, n := range p.Needs {
		if err := g.CheckPlace(n.Point, n.District, n.Street); err != nil {
			t.Errorf("need %s: %v", n.ID, err)
		}
	}
	for _, s := range p.Stations {
		if err := g.CheckPlace(s.Point, s.District, s.Street); err != nil {
			t.Errorf("station %s: %v", s.ID, err)
		}
	}
}

func BenchmarkCheckPlace(b *testing.B) {
	g := geo.Beijing()
	p := volmatch.Point{Lat: 39.93, Lng: 116.45}
	for b.Loop() {
		if err := g.CheckPlace(p, "110105", ""); err != nil {
			b.Fatal(err)
		}
	}
}
