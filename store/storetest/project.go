package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"volmatch"
)

// project returns a valid project of org in district.
func project(id, org, district string) *volmatch.Project {
	return &volmatch.Project{ID: id, Org: org, Name: "项目" + id, Goal: "每周为独居老人上门探访", Domain: "elderly_care",
		District: district, Grade: volmatch.GradeDistrict, Category: "elderly_disabled"}
}

// testProjects: create (stamped, active by default), read, update keeping
// CreatedAt, list by filter in pages, put, delete, the refusals (an
// existing ID, a missing one, a record that fails Validate, which writes
// nothing) and a change for each write.
func testProjects(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	before, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	for i := range 4 {
		org := "O1"
		if i == 3 {
			org = "O2"
		}
		p := project(fmt.Sprintf("P%d", i+1), org, "110105")
		must(t, "CreateProject", st.CreateProject(ctx, p))
		if p.Status != volmatch.ProjectActive || !p.CreatedAt.Equal(Epoch) || !p.UpdatedAt.Equal(Epoch) {
			t.Fatalf("CreateProject set status %q, created %v, updated %v; want active and %v", p.Status, p.CreatedAt, p.UpdatedAt, Epoch)
		}
	}
	got, err := st.Project(ctx, "P2")
	must(t, "Project", err)
	want := project("P2", "O1", "110105")
	want.Status, want.CreatedAt, want.UpdatedAt = volmatch.ProjectActive, Epoch, Epoch
	sameJSON(t, "Project(P2)", got, want)

	wantCode(t, "CreateProject with an existing ID", st.CreateProject(ctx, project("P1", "O1", "110105")), volmatch.ECONFLICT)
	bad := project("P9", "O1", "110105")
	bad.Category = "no_such"
	err = st.CreateProject(ctx, bad)
	wantCode(t, "CreateProject with an unknown category", err, volmatch.EINVALID)
	if e := (*volmatch.Error)(nil); !errors.As(err, &e) || e.Field != "category" {
		t.Errorf("CreateProject with an unknown category: %v, want the field category", err)
	}
	_, err = st.Project(ctx, "P9")
	wantCode(t, "Project(refused)", err, volmatch.ENOTFOUND)
	wantCode(t, "UpdateProject of a missing one", st.UpdateProject(ctx, project("P8", "O1", "110105")), volmatch.ENOTFOUND)

	up := project("P2", "O1", "110105")
	up.Name, up.Status, up.CreatedAt = "改名的项目", volmatch.ProjectClosed, at(100) // CreatedAt is the store's
	must(t, "UpdateProject", st.UpdateProject(ctx, up))
	got, err = st.Project(ctx, "P2")
	must(t, "Project after update", err)
	if got.Name != "改名的项目" || got.Status != volmatch.ProjectClosed || !got.CreatedAt.Equal(Epoch) {
		t.Errorf("Project(P2) after update = %q %q created %v, want the new name, closed, created %v", got.Name, got.Status, got.CreatedAt, Epoch)
	}

	page, next, err := st.Projects(ctx, volmatch.ProjectFilter{Org: "O1", ListOptions: volmatch.ListOptions{Limit: 2}})
	must(t, "Projects page 1", err)
	if len(page) != 2 || page[0].ID != "P1" || page[1].ID != "P2" || next != "P2" {
		t.Fatalf("Projects(O1, limit 2) = %d records, next %q; want P1, P2 and next P2", len(page), next)
	}
	page, next, err = st.Projects(ctx, volmatch.ProjectFilter{Org: "O1", ListOptions: volmatch.ListOptions{After: next, Limit: 2}})
	must(t, "Projects page 2", err)
	if len(page) != 1 || page[0].ID != "P3" || next != "" {
		t.Fatalf("Projects(O1 after P2) = %d records, next %q; want P3 alone", len(page), next)
	}
	page, _, err = st.Projects(ctx, volmatch.ProjectFilter{Status: volmatch.ProjectClosed})
	must(t, "Projects(closed)", err)
	if len(page) != 1 || page[0].ID != "P2" {
		t.Errorf("Projects(closed) = %d records, want P2 alone", len(page))
	}

	put := []*volmatch.Project{project("P5", "O3", "110108"), project("P1", "O1", "110101")}
	must(t, "PutProjects", st.PutProjects(ctx, put))
	got, err = st.Project(ctx, "P1")
	must(t, "Project(P1) after put", err)
	if got.District != "110101" {
		t.Errorf("Project(P1) after put in district %q, want 110101", got.District)
	}
	badPut := []*volmatch.Project{project("P6", "O3", "110108"), project("P7", "O3", "")}
	err = st.PutProjects(ctx, badPut)
	wantCode(t, "PutProjects with a project without a district", err, volmatch.EINVALID)
	if _, err := st.Project(ctx, "P6"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("PutProjects refused wrote P6 (%v), want nothing written", err)
	}

	must(t, "DeleteProject", st.DeleteProject(ctx, "P3"))
	_, err = st.Project(ctx, "P3")
	wantCode(t, "Project(deleted)", err, volmatch.ENOTFOUND)
	wantCode(t, "DeleteProject of a missing one", st.DeleteProject(ctx, "P3"), volmatch.ENOTFOUND)

	cs, err := st.Changes(ctx, before, 100)
	must(t, "Changes", err)
	for _, id := range []string{"P1", "P2", "P3", "P4", "P5"} {
		if !hasChange(cs, volmatch.ChangeProject, id) {
			t.Errorf("no project change of %s among %d changes", id, len(cs))
		}
	}
}
