package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
)

func projectBody(id, org string) map[string]any {
	return map[string]any{"id": id, "org": org, "name": "手语陪诊", "goal": "每月陪同听障老人就医", "domain": "disability_help",
		"district": "110105", "grade": "district", "category": "elderly_disabled"}
}

// project returns org1's project pj1, created with need n1 in it on the
// first call.
func (w *world) project() string {
	w.e.t.Helper()
	ctx := context.Background()
	if _, err := w.e.st.Project(ctx, "pj1"); err == nil {
		return "pj1"
	}
	p := &volmatch.Project{ID: "pj1", Org: "org1", Name: "手语陪诊", Goal: "每月陪同听障老人就医", Domain: "disability_help",
		District: "110105", Grade: volmatch.GradeDistrict, Category: "elderly_disabled"}
	if err := w.e.st.CreateProject(ctx, p); err != nil {
		w.e.t.Fatal(err)
	}
	n, err := w.e.st.Need(ctx, "n1")
	if err != nil {
		w.e.t.Fatal(err)
	}
	n.Project = "pj1"
	if err := w.e.st.UpdateNeed(ctx, n); err != nil {
		w.e.t.Fatal(err)
	}
	return "pj1"
}

// freshProject stores a new project of org1 with no needs.
func (w *world) freshProject() string {
	w.e.t.Helper()
	id := fmt.Sprintf("fxpj%03d", w.next())
	p := &volmatch.Project{ID: id, Org: "org1", Name: "手语陪诊", Goal: "每月陪同听障老人就医", Domain: "disability_help",
		District: "110105", Grade: volmatch.GradeDistrict, Category: "elderly_disabled"}
	if err := w.e.st.CreateProject(context.Background(), p); err != nil {
		w.e.t.Fatal(err)
	}
	return id
}

// projectRows are the access matrix's rows of projects and the station
// map: org1's staff write org1's projects; every role reads projects
// (public records: their organisation is no secret, their needs are shown
// as each caller may see them); a project's figures and the suggestions
// are for planners, admins and the organisation's staff.
func projectRows() []access {
	const (
		orgWrite   = "401 401 401 200 200 403 403 403 403"
		figures    = "401 401 401 200 200 403 403 403 200"
		suggestAll = "401 401 401 200 200 200 403 403 200"
	)
	return []access{
		{method: "POST", route: "/v1/projects", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/projects", projectBody(fmt.Sprintf("fxpj%03d", w.next()), "org1")}
		}},
		{method: "GET", route: "/v1/projects", want: anyRole, public: true, req: func(w *world, _ string) call { w.project(); return call{path: "/v1/projects"} }},
		{method: "GET", route: "/v1/projects/:id", want: anyRole, public: true, req: func(w *world, _ string) call { return call{path: "/v1/projects/" + w.project()} }},
		{method: "PUT", route: "/v1/projects/:id", want: orgWrite, req: func(w *world, _ string) call {
			id := w.project()
			return call{"/v1/projects/" + id, projectBody(id, "org1")}
		}},
		{method: "DELETE", route: "/v1/projects/:id", want: "401 401 401 204 204 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/projects/" + w.freshProject()}
		}},
		{method: "GET", route: "/v1/projects/:id/needs", want: anyRole, public: true, req: func(w *world, _ string) call {
			return call{path: "/v1/projects/" + w.project() + "/needs"}
		}},
		{method: "POST", route: "/v1/projects/:id/needs", want: orgWrite, req: func(w *world, _ string) call {
			return call{"/v1/projects/" + w.project() + "/needs", map[string]any{"needs": []string{w.need("org1", volmatch.UrgencyNormal)}}}
		}},
		{method: "GET", route: "/v1/projects/:id/evaluation", want: figures, req: func(w *world, _ string) call {
			return call{path: "/v1/projects/" + w.project() + "/evaluation"}
		}},
		{method: "GET", route: "/v1/evaluation/suggestions", want: suggestAll, req: get("/v1/evaluation/suggestions")},
		{method: "GET", route: "/v1/stations/map", want: anyRole, req: get("/v1/stations/map?near=39.92,116.44&km=20")},
		{method: "GET", route: "/v1/volunteers/:id/stations", want: selfOnly, req: get("/v1/volunteers/v1/stations?km=20")},
	}
}

// TestProjectsAPI: a social worker creates a project (the organisation
// theirs), a bad field is named, another organisation's need is refused
// without a write, needs join and leave all or none, and the evaluation
// and the suggestions answer with their figures.
func TestProjectsAPI(t *testing.T) {
	e := newEnv(t, api.Options{})
	e.seedVolunteers()
	for _, org := range []string{"org1", "org2"} {
		e.must(201, "admin", "POST", "/v1/orgs", map[string]any{"id": org, "name": "社区" + org, "district": "110105"}, nil)
	}
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	e.must(201, "sw2", "POST", "/v1/needs", need("n2", "org2"), nil)

	body := projectBody("", "")
	delete(body, "id")
	delete(body, "org")
	var p volmatch.Project
	e.must(201, "sw1", "POST", "/v1/projects", body, &p)
	if p.Org != "org1" || p.ID == "" || p.Status != "active" {
		t.Fatalf("POST /v1/projects as sw1 = %+v, want an active project of org1 with an id", p)
	}
	for _, c := range []struct {
		field string
		val   any
	}{{"category", "misc"}, {"grade", "national"}, {"district", "999999"}, {"domain", "astrology"}, {"name", strings.Repeat("名", 101)}} {
		b := projectBody("", "org1")
		delete(b, "id")
		b[c.field] = c.val
		if got, out := e.do("sw1", "POST", "/v1/projects", b, nil); got != 422 || !strings.Contains(string(out), `"field":"`+c.field+`"`) {
			t.Errorf("POST /v1/projects with %s %v = %d %.200s, want 422 naming %s", c.field, c.val, got, out, c.field)
		}
	}
	before := e.snapshot()
	if got, out := e.do("sw1", "POST", "/v1/projects/"+p.ID+"/needs", map[string]any{"needs": []string{"n1", "n2"}}, nil); got != 422 ||
		!strings.Contains(string(out), `"field":"needs[1]"`) || strings.Contains(string(out), "org2") {
		t.Errorf("attach org2's need = %d %.300s, want 422 on needs[1] without naming org2", got, out)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("a refused attach wrote: %+v -> %+v", before, after)
	}
	var ns api.List[volmatch.Need]
	e.must(200, "sw1", "POST", "/v1/projects/"+p.ID+"/needs", map[string]any{"needs": []string{"n1"}}, &ns)
	if len(ns.Items) != 1 || ns.Items[0].Project != p.ID {
		t.Errorf("attach n1 = %+v, want n1 in the project", ns.Items)
	}
	var n volmatch.Need
	e.must(200, "sw1", "GET", "/v1/needs/n1", nil, &n)
	if n.Project != p.ID {
		t.Errorf("n1.project = %q, want %q", n.Project, p.ID)
	}
	if got, _ := e.do("sw1", "DELETE", "/v1/projects/"+p.ID, nil, nil); got != 409 {
		t.Errorf("DELETE a project with needs = %d, want 409", got)
	}
	var r struct {
		Needs   int            `json:"needs"`
		Overall map[string]any `json:"overall"`
		Monthly []any          `json:"monthly"`
	}
	e.must(200, "planner", "GET", "/v1/projects/"+p.ID+"/evaluation", nil, &r)
	if r.Needs != 1 || r.Overall["slots_asked"] != float64(2) || r.Monthly == nil {
		t.Errorf("evaluation = %+v, want 1 need of 2 slots and a monthly list", r)
	}
	var sg engine.Suggestions
	e.must(200, "planner", "GET", "/v1/evaluation/suggestions", nil, &sg)
	if sg.Items == nil {
		t.Errorf("suggestions answered null items, want a list")
	}
	var sl api.StationList
	e.must(201, "admin", "POST", "/v1/stations", stationBody("st1"), nil)
	e.must(200, "vol1", "GET", "/v1/stations/map", nil, &sl)
	if len(sl.Items) != 1 || sl.Items[0].Station.ID != "st1" {
		t.Errorf("station map = %+v, want st1", sl.Items)
	}
	for _, q := range []string{"near=91,116&km=3", "near=39.9,116.4&km=0", "near=39.9,116.4&km=500", "open=yes", "km=3"} {
		if got, _ := e.do("vol1", "GET", "/v1/stations/map?"+q, nil, nil); got != 400 && got != 422 {
			t.Errorf("GET /v1/stations/map?%s = %d, want 400 or 422", q, got)
		}
	}
}
