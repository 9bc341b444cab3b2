package api_test

import (
	"context"
	"fmt"
	"time"

	"volmatch"
)

// courseBody is a course of org1 with one session, k hours apart from
// every other fixture's course, some days after the server's clock.
func courseBody(k int, org string) volmatch.Course {
	start := t0.Add(240*time.Hour + time.Duration(4*k)*time.Hour)
	return volmatch.Course{ID: fmt.Sprintf("fxc%03d", k), Org: org, Provider: "社区学院", Name: "急救技能培训", Domain: "health",
		Hours: 3, Training: "first_aid_training", ValidMonths: 24,
		Sessions: []volmatch.Session{{ID: "s1", Start: start, End: start.Add(3 * time.Hour), Place: "社区党群服务中心",
			Point: volmatch.Point{Lat: 39.93, Lng: 116.44}, District: "110105", Seats: 10}}}
}

// course stores a fresh course of org1.
func (w *world) course() string {
	w.e.t.Helper()
	c := courseBody(w.next(), "org1")
	if err := w.e.st.CreateCourse(context.Background(), &c); err != nil {
		w.e.t.Fatal(err)
	}
	return c.ID
}

// enrolment stores v1's enrolment in a fresh course of org1; begun moves
// its session to before the server's clock (attendance may be recorded).
func (w *world) enrolment(begun bool) string {
	w.e.t.Helper()
	ctx := context.Background()
	k := w.next()
	c := courseBody(k, "org1")
	at := t0
	if begun {
		c.Sessions[0].Start = t0.Add(-time.Duration(k) * time.Minute)
		c.Sessions[0].End = c.Sessions[0].Start.Add(time.Minute)
		at = c.Sessions[0].Start.Add(-time.Hour)
	}
	if err := w.e.st.CreateCourse(ctx, &c); err != nil {
		w.e.t.Fatal(err)
	}
	en := &volmatch.Enrolment{ID: fmt.Sprintf("fxe%03d", k), Course: c.ID, Session: "s1", Volunteer: "v1"}
	if err := w.e.st.Enrol(ctx, en, at); err != nil {
		w.e.t.Fatal(err)
	}
	return en.ID
}

// trainingRows are the access matrix's rows of the training routes.
func trainingRows() []access {
	return []access{
		{method: "POST", route: "/v1/courses", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/courses", courseBody(w.next(), "org1")}
		}},
		// The library is public and holds no person: every caller reads
		// every organisation's courses (static: no scan for org1's ID).
		{method: "GET", route: "/v1/courses", want: anyRole, req: get("/v1/courses?limit=1000"), static: true},
		{method: "GET", route: "/v1/courses/:id", want: anyRole, static: true, req: func(w *world, _ string) call {
			return call{path: "/v1/courses/" + w.course()}
		}},
		{method: "PUT", route: "/v1/courses/:id", want: "401 401 401 200 200 403 403 403 403", req: func(w *world, _ string) call {
			id := w.course()
			c := courseBody(0, "org1")
			c.ID, c.Name = id, "急救技能培训（改）"
			return call{"/v1/courses/" + id, c}
		}},
		{method: "DELETE", route: "/v1/courses/:id", want: "401 401 401 204 204 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/courses/" + w.course()}
		}},
		{method: "POST", route: "/v1/courses/:id/sessions/:session/enrol", want: "401 401 401 201 403 403 201 403 403", req: func(w *world, _ string) call {
			return call{"/v1/courses/" + w.course() + "/sessions/s1/enrol", map[string]string{"volunteer": "v1"}}
		}},
		{method: "GET", route: "/v1/enrolments", want: "401 401 401 200 200 403 200 200 403", req: func(w *world, _ string) call {
			w.enrolment(false)
			return call{path: "/v1/enrolments?course=" + fmt.Sprintf("fxc%03d", w.k)}
		}},
		{method: "POST", route: "/v1/enrolments/:id/cancel", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/enrolments/" + w.enrolment(false) + "/cancel"}
		}},
		{method: "POST", route: "/v1/enrolments/:id/attendance", want: orgRead, req: func(w *world, _ string) call {
			return call{"/v1/enrolments/" + w.enrolment(true) + "/attendance", map[string]bool{"attended": true}}
		}},
		{method: "GET", route: "/v1/volunteers/:id/training-recommendations", want: selfOnly, req: get("/v1/volunteers/v1/training-recommendations")},
		{method: "GET", route: "/v1/evaluation/blocking-trainings", want: readers, req: get("/v1/evaluation/blocking-trainings")},
	}
}
