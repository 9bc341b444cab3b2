package grid_test

import (
	"fmt"
	"time"

	"volmatch"
	"volmatch/matcher/grid"
)

// ExampleFeatures_Prune indexes five volunteers and asks which may serve a
// first-aid post at Tiananmen (level 2, within 5 km, Saturday morning). The
// grid hands over only the volunteers it cannot rule out, and counts the
// others by the first gate each fails, as the scorer would: ranking through
// it gives the answer of the exhaustive grid.All, which hands over all five
// and counts none.
func ExampleFeatures_Prune() {
	sat := time.Date(2026, 11, 7, 9, 0, 0, 0, volmatch.Beijing)
	need := &volmatch.Need{ID: "N1", Point: volmatch.Point{Lat: 39.9087, Lng: 116.3975}, RadiusKm: 5,
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}},
		Shifts:   []volmatch.Shift{{ID: "s1", Start: sat, End: sat.Add(3 * time.Hour), Slots: 2}}}
	vol := func(id string, lat, lng float64, level int, weekends bool) *volmatch.Volunteer {
		v := &volmatch.Volunteer{ID: id, Home: volmatch.Point{Lat: lat, Lng: lng}, MaxTravelKm: 8,
			Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: level}}}
		for h := range volmatch.HoursPerWeek {
			if weekends == (h >= 5*24) {
				v.Availability.Set(h)
			}
		}
		return v
	}
	vs := []*volmatch.Volunteer{
		vol("V1", 39.9149, 116.4109, 3, true),  // Wangfujing
		vol("V2", 39.1300, 117.2000, 3, true),  // Tianjin
		vol("V3", 39.9100, 116.4000, 1, true),  // next door, level 1
		vol("V4", 39.9000, 116.3900, 2, true),  // Qianmen
		vol("V5", 39.9050, 116.3950, 2, false), // free on weekdays only
	}
	for _, f := range []*grid.Features{grid.NewFeatures(vs), grid.All(vs)} {
		var handed []string
		ex := f.Prune(need, need.Shifts, func(v *volmatch.Volunteer) { handed = append(handed, v.ID) })
		fmt.Println(handed, ex)
	}
	// Output:
	// [V1 V4] map[availability:1 distance:1 skill:1]
	// [V1 V2 V3 V4 V5] map[]
}
