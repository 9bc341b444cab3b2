// Package geo holds the geography volmatch runs on: Beijing's 16 districts
// and 336 street/township units (街道/乡镇) from the embedded adcode data
// (beijing/SOURCE.md, CC BY 4.0; GCJ-02 coordinates), looked up by code or
// name, and the district boundaries for the dashboard map.
//
//	bj := geo.Beijing()
//	d, _ := bj.District("朝阳")        // also "朝阳区" or "110105"
//	s, _ := bj.Street("建外街道")       // also the full name or the code
//	streets := bj.StreetsIn("110105")
//
// DistrictAt, InDistrict and CheckPlace tell where a point lies, by a
// pure-Go point-in-polygon test over the embedded district boundaries (a
// point within BoundaryToleranceKm outside a boundary counts as in it); the
// source has no street boundaries, so a street holds a point within its
// Reach of the street's centre:
//
//	err := bj.CheckPlace(p, "110101", "110101001000") // EINVALID naming point, district or street
//
// DistrictsGeoJSON gives the boundaries as GeoJSON, ready for ECharts. The
// data is reference data read at run time; package datasets, which
// generates synthetic populations, places them on these streets.
package geo
