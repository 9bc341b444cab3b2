package redis

import (
	"context"

	"volmatch"
)

// Projects (volmatch.ProjectStore): project:ID (JSON) with the IDs in the
// sorted set ids:project, written as the other records kept by ID are
// (record.go), with a change each. An update keeps the stored CreatedAt:
// it reads the project and writes only if it is unchanged since.

var projectKind = kind[volmatch.Project]{word: "project", change: volmatch.ChangeProject, noun: "project", list: "projects",
	id: func(p *volmatch.Project) string { return p.ID }}

func (s *Store) projects() stored[volmatch.Project, *volmatch.Project] {
	return stored[volmatch.Project, *volmatch.Project]{reader[volmatch.Project]{s, projectKind}}
}

// CreateProject stores a new project; ECONFLICT if the ID exists.
func (s *Store) CreateProject(ctx context.Context, p *volmatch.Project) error {
	return s.projects().Write(ctx, p, volmatch.WriteCreate)
}

// UpdateProject replaces a project, keeping CreatedAt; ENOTFOUND if missing.
func (s *Store) UpdateProject(ctx context.Context, p *volmatch.Project) error {
	return volmatch.WriteRecord(p, s.now(), volmatch.WriteUpdate, func(c *volmatch.Project) error {
		return s.apply(ctx, "write project", func(o *ops) error {
			key := s.k(projectKind.word, c.ID)
			old := new(volmatch.Project)
			raw, ok, err := s.getJSON(ctx, key, old)
			if err != nil {
				return err
			}
			if !ok {
				return volmatch.NotFoundError(projectKind.noun, c.ID)
			}
			c.KeepCreated(old)
			o.eq(key, raw)
			o.set(key, mustJSON(c))
			o.zadd(s.k("ids", projectKind.word), c.ID)
			projectKind.changed(o, c.ID, false)
			return nil
		})
	})
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

// PutProjects creates or replaces all of ps in one script (import).
func (s *Store) PutProjects(ctx context.Context, ps []*volmatch.Project) error {
	return s.projects().Put(ctx, ps)
}
