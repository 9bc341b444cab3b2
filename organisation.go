package volmatch

import (
	"strings"
	"time"
)

// Organisation is an organisation whose staff post needs and invite
// volunteers (a community, a social organisation, a volunteer service
// organisation). A social worker's token is scoped to one, and is issued
// only for an organisation that is registered.
type Organisation struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	District  string    `json:"district,omitempty"` // district code, 110105
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the fields a client writes.
func (o *Organisation) Validate() error {
	if err := validID("id", o.ID); err != nil {
		return err
	}
	if strings.TrimSpace(o.Name) == "" {
		return FieldError("name", "is required")
	}
	return checkLens(
		textField{"name", o.Name, MaxNameLen},
		textField{"district", o.District, MaxCodeLen},
	)
}

// Stamp sets CreatedAt when it is empty (see Record).
func (o *Organisation) Stamp(now time.Time, _ WriteMode) {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
}

func (o *Organisation) clone() *Organisation { c := *o; return &c }
