package volmatch

import (
	"strings"
	"time"
)

// TalentPool is a domain's pool of verified professional volunteers
// (分领域专业志愿者人员库). Its Members are the one source of membership,
// written by admins only; a volunteer's Pools are derived from the pools'
// records, never taken from the volunteer.
type TalentPool struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Domain      string    `json:"domain"` // taxonomy key of one of the 13 professional domains
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"` // volunteer IDs
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks the fields a client writes.
func (p *TalentPool) Validate() error {
	if err := validID("id", p.ID); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "is required")
	}
	if strings.TrimSpace(p.Domain) == "" {
		return FieldError("domain", "is required")
	}
	if err := checkLens(
		textField{"name", p.Name, MaxNameLen},
		textField{"domain", p.Domain, MaxCodeLen},
		textField{"description", p.Description, MaxDescriptionLen},
	); err != nil {
		return err
	}
	seen := make(map[string]bool, len(p.Members))
	return eachItem("members", p.Members, unbounded, func(f, m string) error {
		if err := validID(f, m); err != nil {
			return err
		}
		if seen[m] {
			return FieldError(f, "volunteer %q is listed twice", m)
		}
		seen[m] = true
		return nil
	})
}

// Station is a volunteer service station (志愿服务站点).
type Station struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"` // party-mass centre, library, museum, park, public window ...
	Point     Point     `json:"point"`
	District  string    `json:"district"`
	Street    string    `json:"street"`
	Hours     Week      `json:"hours"` // opening hours
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the fields a client writes.
func (s *Station) Validate() error {
	if err := validID("id", s.ID); err != nil {
		return err
	}
	if strings.TrimSpace(s.Name) == "" {
		return FieldError("name", "is required")
	}
	if strings.TrimSpace(s.Type) == "" {
		return FieldError("type", "is required")
	}
	if err := checkLens(
		textField{"name", s.Name, MaxNameLen},
		textField{"type", s.Type, MaxCodeLen},
		textField{"district", s.District, MaxCodeLen},
		textField{"street", s.Street, MaxCodeLen},
	); err != nil {
		return err
	}
	return s.Point.Validate("point")
}
