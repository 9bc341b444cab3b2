package scoring_test

import (
	"fmt"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// A social worker's need, first aid at level 2 on a Tuesday evening within
// 5 km, and three volunteers: one who fits, one whose first aid is too
// basic, one who lives too far. Evaluate names the gate that excludes a
// volunteer, or gives the score and the breakdown the social worker sees.
func ExampleScorer() {
	start := time.Date(2026, 11, 3, 18, 0, 0, 0, volmatch.Beijing) // Tuesday
	need := &volmatch.Need{ID: "N1", Domain: "emergency", RadiusKm: 5,
		Point:    volmatch.Point{Lat: 39.9, Lng: 116.4},
		Shifts:   []volmatch.Shift{{ID: "s1", Start: start, End: start.Add(2 * time.Hour), Slots: 2}},
		Requires: volmatch.Requirements{Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}}},
	}
	var week volmatch.Week
	for h := range volmatch.HoursPerWeek {
		week.Set(h)
	}
	volunteer := func(id string, level int, home volmatch.Point) *volmatch.Volunteer {
		return &volmatch.Volunteer{ID: id, Home: home, MaxTravelKm: 10, Availability: week,
			Skills:           []volmatch.SkillLevel{{Skill: "first_aid", Level: level}},
			PreferredDomains: []string{"emergency"},
			Stats:            volmatch.VolunteerStats{Completed: 9, NoShows: 1, Load: 1}}
	}
	vols := []*volmatch.Volunteer{
		volunteer("V1", 3, volmatch.Point{Lat: 39.91, Lng: 116.41}), // 1.4 km away
		volunteer("V2", 1, volmatch.Point{Lat: 39.91, Lng: 116.41}),
		volunteer("V3", 3, volmatch.Point{Lat: 39.99, Lng: 116.47}), // 11.7 km away
	}

	sc := scoring.NewScorer(nil, scoring.Options{}) // default weights
	for _, v := range vols {
		gate, score, breakdown := sc.Evaluate(v, need, need.Shifts[0])
		if gate != "" {
			fmt.Printf("%s excluded: %s\n", v.ID, gate)
			continue
		}
		fmt.Printf("%s score %.3f\n", v.ID, score)
		for _, c := range breakdown {
			fmt.Printf("  %-18s %.2f × %.2f = %.3f\n", c.Name, c.Value, c.Weight, c.Contribution())
		}
	}
	// Output:
	// V1 score 0.863
	//   skill_fit          1.00 × 0.30 = 0.300
	//   distance           0.72 × 0.25 = 0.181
	//   availability_slack 1.00 × 0.10 = 0.100
	//   reliability        0.88 × 0.15 = 0.132
	//   load               0.50 × 0.10 = 0.050
	//   domain_preference  1.00 × 0.10 = 0.100
	// V2 excluded: skill
	// V3 excluded: distance
}
