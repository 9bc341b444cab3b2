package bolt

import (
	"context"

	"volmatch"
)

// Projects (volmatch.ProjectStore): a bucket of projects by ID, written as
// the other records kept by ID are (record.go), with a change each.

// bProjects holds project ID -> the project (JSON).
var bProjects = []byte("projects")

var projectKind = kind[volmatch.Project]{bucket: bProjects, change: volmatch.ChangeProject, noun: "project", list: "projects",
	id: func(p *volmatch.Project) string { return p.ID }, keep: (*volmatch.Project).KeepCreated}

func (s *Store) projects() stored[volmatch.Project, *volmatch.Project] {
	return stored[volmatch.Project, *volmatch.Project]{reader[volmatch.Project]{s, projectKind}}
}

// CreateProject stores a new project; ECONFLICT if the ID exists.
func (s *Store) CreateProject(ctx context.Context, p *volmatch.Project) error {
	return s.projects().Write(ctx, p, volmatch.WriteCreate)
}

// UpdateProject replaces a project, keeping CreatedAt; ENOTFOUND if missing.
func (s *Store) UpdateProject(ctx context.Context, p *volmatch.Project) error {
	return s.projects().Write(ctx, p, volmatch.WriteUpdate)
}

// Project returns one project; ENOTFOUND if missing.
func (s *Store) Project(ctx context.Context, id string) (*volmatch.Project, error) {
	return s.projects().Get(ctx, id)
}

// DeleteProject removes a project; ENOTFOUND if missing.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.projects().Delete(ctx, id)
}

// Projects lists the projects that pass f in ID order.
func (s *Store) Projects(ctx context.Context, f volmatch.ProjectFilter) ([]*volmatch.Project, string, error) {
	return s.projects().list(ctx, f.ListOptions, f.Match)
}

// PutProjects creates or replaces all of ps in one transaction (import).
func (s *Store) PutProjects(ctx context.Context, ps []*volmatch.Project) error {
	return s.projects().Put(ctx, ps)
}
