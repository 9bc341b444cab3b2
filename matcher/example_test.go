package matcher_test

import (
	"context"
	"fmt"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// saturday is the morning of the examples' shifts.
var saturday = time.Date(2026, 11, 7, 9, 0, 0, 0, volmatch.Beijing)

// exampleVolunteer lives at (lat, lng), travels up to 8 km, is free on
// weekends and holds first aid at the level.
func exampleVolunteer(id string, lat, lng float64, firstAid int) *volmatch.Volunteer {
	v := &volmatch.Volunteer{ID: id, Home: volmatch.Point{Lat: lat, Lng: lng}, MaxTravelKm: 8,
		Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: firstAid}}, Languages: []string{"zh"}}
	for h := 5 * 24; h < volmatch.HoursPerWeek; h++ { // Saturday and Sunday
		v.Availability.Set(h)
	}
	return v
}

// exampleNeed asks for first aid at level 2 at p, within 5 km, on one
// three-hour shift on Saturday morning with the slots.
func exampleNeed(id string, p volmatch.Point, slots int) *volmatch.Need {
	return &volmatch.Need{ID: id, Domain: "emergency", Status: volmatch.NeedOpen, Point: p, RadiusKm: 5,
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}},
		Shifts:   []volmatch.Shift{{ID: "s1", Start: saturday, End: saturday.Add(3 * time.Hour), Slots: slots}}}
}

// ExampleRank ranks four volunteers for a first-aid post at Tiananmen:
// two qualify, one holds first aid below the level asked for, one lives
// beyond the need's 5 km. Each match carries its score and breakdown; the
// others are counted by the gate that excluded them.
func ExampleRank() {
	need := exampleNeed("N1", volmatch.Point{Lat: 39.9087, Lng: 116.3975}, 2)
	vs := []*volmatch.Volunteer{
		exampleVolunteer("V1", 39.9149, 116.4109, 3), // Wangfujing
		exampleVolunteer("V2", 39.9334, 116.4548, 2), // Sanlitun, beyond 5 km
		exampleVolunteer("V3", 39.9100, 116.4000, 1), // next door, level 1
		exampleVolunteer("V4", 39.9000, 116.3900, 2), // Qianmen
	}
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	r := matcher.Rank(need, grid.NewFeatures(vs), sc, matcher.RankOptions{K: 10})
	for _, m := range r.Matches {
		fmt.Printf("%d. %s on %s: %.3f, %.1f km\n", m.Rank, m.Volunteer, m.Shift, m.Score, m.DistanceKm)
	}
	for _, c := range r.Matches[0].Breakdown {
		fmt.Printf("   %-18s %.2f × %.2f\n", c.Name, c.Value, c.Weight)
	}
	fmt.Println("eligible:", r.Eligible, "excluded:", r.Exclusions)
	// Output:
	// 1. V1 on s1: 0.804, 1.3 km
	// 2. V4 on s1: 0.661, 1.2 km
	//    skill_fit          1.00 × 0.30
	//    distance           0.73 × 0.25
	//    availability_slack 1.00 × 0.10
	//    reliability        0.80 × 0.15
	//    load               1.00 × 0.10
	//    domain_preference  0.00 × 0.10
	// eligible: 2 excluded: map[distance:1 skill:1]
}

// ExampleAssign plans three volunteers into two first-aid posts of one
// slot each, for the greatest total score (an exact min-cost flow); one
// volunteer is left over.
func ExampleAssign() {
	needs := []*volmatch.Need{
		exampleNeed("N1", volmatch.Point{Lat: 39.9087, Lng: 116.3975}, 1), // Tiananmen
		exampleNeed("N2", volmatch.Point{Lat: 39.9334, Lng: 116.4548}, 1), // Sanlitun
	}
	vs := []*volmatch.Volunteer{
		exampleVolunteer("V1", 39.9149, 116.4109, 3), // Wangfujing
		exampleVolunteer("V2", 39.9300, 116.4500, 2), // by Sanlitun
		exampleVolunteer("V3", 39.9000, 116.3900, 2), // Qianmen
	}
	sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
	plan, err := matcher.Assign(context.Background(), needs, grid.NewFeatures(vs), sc, matcher.AssignOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plan.Placements {
		fmt.Printf("%s/%s: %s (%.3f)\n", p.Need, p.Shift, p.Volunteer, p.Score)
	}
	fmt.Printf("objective %.3f, exact %v, unfilled %d\n", plan.Objective, plan.Exact, plan.Unfilled)
	// Output:
	// N1/s1: V1 (0.804)
	// N2/s1: V2 (0.690)
	// objective 1.493, exact true, unfilled 0
}
