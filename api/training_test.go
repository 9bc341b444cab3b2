package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// courseBody is a course of org1 with one session, k hours apart from
// every other fixture's course, a year after the server's clock (apart
// from every fixture's shift: v1 holds many, and a shift and a held seat
// may not overlap).
func courseBody(k int, org string) volmatch.Course {
	start := t0.AddDate(1, 0, 0).Add(time.Duration(4*k) * time.Hour)
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

// TestTrainingAPI: a course posted by org1's staff, a volunteer's enrolment
// (a second one refused 409 already_held, a bad body 400), the roster of
// the course for its staff only, the planner's blocking trainings, and a
// volunteer search within a talent pool (staff only; pool= alone is a
// query).
func TestTrainingAPI(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	c := courseBody(w.next(), "")
	var got volmatch.Course
	e.must(201, "sw1", "POST", "/v1/courses", c, &got)
	if got.Org != "org1" || got.Sessions[0].Enrolled != 0 {
		t.Errorf("POST /v1/courses as sw1 = %+v, want org1's course", got)
	}
	var en volmatch.Enrolment
	e.must(201, "vol1", "POST", "/v1/courses/"+c.ID+"/sessions/s1/enrol", nil, &en)
	var p api.Problem
	e.must(409, "vol1", "POST", "/v1/courses/"+c.ID+"/sessions/s1/enrol", nil, &p)
	if p.Reason != volmatch.ReasonAlreadyHeld {
		t.Errorf("enrol twice: %+v, want reason already_held", p)
	}
	e.must(400, "vol1", "POST", "/v1/courses/"+c.ID+"/sessions/s1/enrol", "{", nil)
	e.must(201, "admin", "POST", "/v1/courses/"+c.ID+"/sessions/s1/enrol", map[string]string{"volunteer": "v2"}, nil)
	var list api.List[volmatch.Enrolment]
	e.must(200, "sw1", "GET", "/v1/enrolments?course="+c.ID, nil, &list)
	if len(list.Items) != 2 {
		t.Errorf("sw1's enrolments of %s = %d, want 2", c.ID, len(list.Items))
	}
	e.must(422, "sw1", "GET", "/v1/enrolments", nil, nil)
	e.must(403, "sw2", "GET", "/v1/enrolments?course="+c.ID, nil, nil)
	var rows []map[string]any
	e.must(200, "planner", "GET", "/v1/evaluation/blocking-trainings?district=110105", nil, &rows)
	var found api.SearchResponse
	e.must(200, "admin", "GET", "/v1/search?pool=p1", nil, &found)
	if len(found.Items) != 1 || found.Items[0].ID != "v1" {
		t.Errorf("search within p1 as admin = %+v, want v1", found.Items)
	}
	e.must(403, "vol1", "GET", "/v1/search?pool=p1", nil, nil)
}
