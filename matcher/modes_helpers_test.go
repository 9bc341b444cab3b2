package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"volmatch"
)

// base is a Monday in Beijing, the start of the test weeks.
var base = time.Date(2026, 11, 2, 0, 0, 0, 0, volmatch.Beijing)

var center = volmatch.Point{Lat: 39.9, Lng: 116.4}

// near returns a point up to about km kilometres from center.
func near(r *rand.Rand, km float64) volmatch.Point {
	return volmatch.Point{Lat: center.Lat + (r.Float64()*2-1)*km/111, Lng: center.Lng + (r.Float64()*2-1)*km/85}
}

func allWeek() volmatch.Week {
	var w volmatch.Week
	for h := 0; h < volmatch.HoursPerWeek; h++ {
		w.Set(h)
	}
	return w
}

// randVolunteer is a volunteer near center with varied stats, so that the
// scorer gives varied scores; a few miss hours of the week or a language.
func randVolunteer(r *rand.Rand, i int) *volmatch.Volunteer {
	v := &volmatch.Volunteer{
		ID: fmt.Sprintf("V%04d", i), Name: "x", Home: near(r, 6), MaxTravelKm: 4 + r.Float64()*8,
		Languages: []string{"zh"}, Availability: allWeek(),
		Stats:   volmatch.VolunteerStats{Completed: r.IntN(12), NoShows: r.IntN(3), Load: r.IntN(5)},
		Consent: volmatch.Consent{Emergency: r.IntN(3) > 0},
		Gender:  []string{"f", "m", ""}[r.IntN(3)], BirthYear: 1950 + r.IntN(55),
	}
	if r.IntN(4) == 0 {
		v.Languages = append(v.Languages, "en")
	}
	if r.IntN(5) == 0 { // not free on Tuesdays
		for h := 24; h < 48; h++ {
			v.Availability[h/64] &^= 1 << (uint(h) % 64)
		}
	}
	v.Stats.Reliability = v.Stats.ReliabilityScore()
	return v
}

// randNeed is an open need near center with shifts on the given days (day
// offsets from base) and hours.
func randNeed(r *rand.Rand, i int, shifts []volmatch.Shift) *volmatch.Need {
	n := &volmatch.Need{
		ID: fmt.Sprintf("N%04d", i), Org: "O1", Title: "t", Domain: "elderly_care", Mode: volmatch.ModeConcentrated,
		Urgency: volmatch.UrgencyNormal, Point: near(r, 4), RadiusKm: 6 + r.Float64()*6, Status: volmatch.NeedOpen,
		Shifts: shifts,
	}
	if r.IntN(6) == 0 {
		n.Requires.Languages = []string{"en"}
	}
	return n
}

func shiftAt(id string, day, from, to, slots int) volmatch.Shift {
	d := base.AddDate(0, 0, day)
	return volmatch.Shift{ID: id, Start: d.Add(time.Duration(from) * time.Hour), End: d.Add(time.Duration(to) * time.Hour), Slots: slots}
}
