package main

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/datasets"
)

// demoSeatsTaken is how many volunteers of a session's district the demo
// enrols in each of its sessions (at most: a clash skips one).
const demoSeatsTaken = 6

// loadDemoCourses stores the course library of the demo's city (sessions
// in the open weeks, from boundary on) and enrols, as of boundary, a few
// volunteers of each session's district, so that rosters, seats and
// recommendations can be seen at once.
func loadDemoCourses(ctx context.Context, st volmatch.Store, pop *datasets.Population, o datasets.GenOptions) (int, error) {
	courses := datasets.Courses(o, pop)
	for _, c := range courses {
		if err := st.CreateCourse(ctx, c); err != nil {
			return 0, fmt.Errorf("demo: store course %s: %w", c.ID, err)
		}
	}
	byDistrict := map[string][]string{}
	for _, v := range pop.Volunteers {
		byDistrict[v.District] = append(byDistrict[v.District], v.ID)
	}
	next := map[string]int{}
	n := 0
	for _, c := range courses {
		for _, s := range c.Sessions {
			vols := byDistrict[s.District]
			for k := 0; k < demoSeatsTaken && len(vols) > 0; k++ {
				i := next[s.District] % len(vols)
				next[s.District]++
				e := &volmatch.Enrolment{ID: fmt.Sprintf("E-%s-%s-%d", c.ID, s.ID, k), Course: c.ID, Session: s.ID, Volunteer: vols[i]}
				err := st.Enrol(ctx, e, o.Start)
				switch volmatch.ErrorCode(err) {
				case "":
					n++
				case volmatch.ECONFLICT: // a clash or a full session: skip
				default:
					return n, fmt.Errorf("demo: enrol in %s/%s: %w", c.ID, s.ID, err)
				}
			}
		}
	}
	return n, nil
}
