package volmatch

import (
	"context"
	"strings"
	"time"
)

// Project is a volunteer service project (志愿服务项目): a recurring service
// of one organisation with a goal, kept in the graded, classified project
// library (分级分类项目库, §12 of the Beijing measures). Needs belong to a
// project through Need.Project, and only needs of the project's own
// organisation may (the engine checks it on every write of a need).
type Project struct {
	ID          string       `json:"id"`
	Org         string       `json:"org"`
	Name        string       `json:"name"`
	Goal        string       `json:"goal"`
	Description string       `json:"description,omitempty"`
	Domain      string       `json:"domain"` // taxonomy key, as a need's
	District    string       `json:"district"`
	Street      string       `json:"street,omitempty"`
	Grade       ProjectGrade `json:"grade"`
	Category    string       `json:"category"` // see ProjectCategories
	Status      string       `json:"status"`   // ProjectActive or ProjectClosed
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ProjectGrade is the level of the library a project is kept at (分级):
// the tier that owns it.
type ProjectGrade string

// Project grades.
const (
	GradeCity     ProjectGrade = "city"     // 市级
	GradeDistrict ProjectGrade = "district" // 区级
	GradeStreet   ProjectGrade = "street"   // 街道（乡镇）级
)

// ProjectGrades are the grades in order, with their Chinese and English
// names.
var ProjectGrades = []struct {
	Grade  ProjectGrade
	ZH, EN string
}{
	{GradeCity, "市级", "City"},
	{GradeDistrict, "区级", "District"},
	{GradeStreet, "街道级", "Street"},
}

// ProjectCategories are the categories of the library (分类), after the
// service fields of the measures (§3): key -> Chinese and English names.
var ProjectCategories = map[string][2]string{
	"elderly_disabled": {"扶老助残", "Elderly and disability"},
	"children":         {"关爱儿童", "Children"},
	"neighbourhood":    {"邻里守望", "Neighbourhood"},
	"governance":       {"社区治理", "Community governance"},
	"safety":           {"平安建设", "Safety"},
	"environment":      {"生态环保", "Environment"},
	"emergency":        {"应急救援", "Emergency"},
	"culture":          {"文化传承", "Culture"},
	"health":           {"健康服务", "Health"},
	"legal":            {"法律服务", "Legal"},
	"psychology":       {"心理关爱", "Psychological care"},
	"events":           {"赛会服务", "Large events"},
}

// Project statuses.
const (
	ProjectActive = "active"
	ProjectClosed = "closed"
)

// MaxGoalLen bounds a project's goal.
const MaxGoalLen = 1000

// Validate checks the fields a client writes.
func (p *Project) Validate() error {
	if err := validID("id", p.ID); err != nil {
		return err
	}
	if err := validID("org", p.Org); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "is required")
	}
	if strings.TrimSpace(p.Goal) == "" {
		return FieldError("goal", "is required")
	}
	if strings.TrimSpace(p.Domain) == "" {
		return FieldError("domain", "is required")
	}
	if strings.TrimSpace(p.District) == "" {
		return FieldError("district", "is required")
	}
	if err := checkLens(
		textField{"name", p.Name, MaxNameLen},
		textField{"goal", p.Goal, MaxGoalLen},
		textField{"description", p.Description, MaxDescriptionLen},
		textField{"domain", p.Domain, MaxCodeLen},
		textField{"district", p.District, MaxCodeLen},
		textField{"street", p.Street, MaxCodeLen},
	); err != nil {
		return err
	}
	if err := checkEnum("grade", p.Grade, true, GradeCity, GradeDistrict, GradeStreet); err != nil {
		return err
	}
	if _, ok := ProjectCategories[p.Category]; !ok {
		if p.Category == "" {
			return FieldError("category", "is required")
		}
		return FieldError("category", "unknown category %q", p.Category)
	}
	if p.Grade == GradeStreet && p.Street == "" {
		return FieldError("street", "is required for a street-grade project")
	}
	return checkEnum("status", p.Status, false, ProjectActive, ProjectClosed)
}

// Stamp sets CreatedAt on a new project and UpdatedAt (see Record); an
// empty Status is active.
func (p *Project) Stamp(now time.Time, m WriteMode) {
	if m == WriteCreate || (m == WritePut && p.CreatedAt.IsZero()) {
		p.CreatedAt = now
	}
	if p.Status == "" {
		p.Status = ProjectActive
	}
	stampUpdated(&p.UpdatedAt, now, m)
}

// KeepCreated gives p, which replaces old, old's CreatedAt.
func (p *Project) KeepCreated(old *Project) { p.CreatedAt = old.CreatedAt }

func (p *Project) clone() *Project { c := *p; return &c }

// ProjectFilter selects projects in a listing; empty fields match all.
type ProjectFilter struct {
	ListOptions
	Org      string
	District string
	Domain   string
	Status   string
}

// Match reports whether p passes the filter's field conditions.
func (f ProjectFilter) Match(p *Project) bool {
	return (f.Org == "" || p.Org == f.Org) && (f.District == "" || p.District == f.District) &&
		(f.Domain == "" || p.Domain == f.Domain) && (f.Status == "" || p.Status == f.Status)
}

// ProjectStore keeps projects.
type ProjectStore interface {
	// CreateProject stores a new project; ECONFLICT if the ID exists.
	CreateProject(ctx context.Context, p *Project) error
	// UpdateProject replaces a project, keeping CreatedAt; ENOTFOUND if
	// missing.
	UpdateProject(ctx context.Context, p *Project) error
	// Project returns one project; ENOTFOUND if missing.
	Project(ctx context.Context, id string) (*Project, error)
	// DeleteProject removes a project; ENOTFOUND if missing. (Whether
	// needs still belong to it is the engine's rule.)
	DeleteProject(ctx context.Context, id string) error
	// Projects lists in ID order; the second result is the next cursor.
	Projects(ctx context.Context, f ProjectFilter) ([]*Project, string, error)
	// PutProjects creates or replaces all of ps in one transaction (import).
	PutProjects(ctx context.Context, ps []*Project) error
}

// ChangeProject is the change kind of a project written or deleted.
const ChangeProject ChangeKind = "project"

// CatalogDoc returns what search sees of the project: its name, goal,
// description, category and grade, its organisation, place and domain. A
// project is public: every role that may search finds it.
func (p *Project) CatalogDoc() CatalogDoc {
	text := []string{p.Goal}
	if p.Description != "" {
		text = append(text, p.Description)
	}
	if c, ok := ProjectCategories[p.Category]; ok {
		text = append(text, c[0])
	}
	for _, g := range ProjectGrades {
		if g.Grade == p.Grade {
			text = append(text, g.ZH+"项目")
		}
	}
	return CatalogDoc{Kind: ChangeProject, ID: p.ID, Org: p.Org, Name: p.Name, Text: strings.Join(text, "\n"),
		District: p.District, Street: p.Street, Domain: p.Domain}
}
