package volmatch

import (
	"slices"
	"strings"
	"time"
)

// Mode is a service mode of the Beijing measures (§9).
type Mode string

// Service modes.
const (
	ModeConcentrated Mode = "concentrated" // 集中服务: many volunteers, one time and place
	ModePairing      Mode = "pairing"      // 结对服务: a lasting one-to-one tie
	ModeMenu         Mode = "menu"         // 菜单式服务: volunteers pick from a menu
)

// Urgency of a need.
type Urgency string

// Urgencies.
const (
	UrgencyNormal    Urgency = "normal"
	UrgencyUrgent    Urgency = "urgent"
	UrgencyEmergency Urgency = "emergency" // 应急动员
)

// NeedStatus is where a need is in its life.
type NeedStatus string

// Need statuses.
const (
	NeedOpen      NeedStatus = "open"
	NeedClosed    NeedStatus = "closed"
	NeedCancelled NeedStatus = "cancelled"
)

// Target groups (服务对象).
const (
	TargetElderly   = "elderly"    // 老年人
	TargetChildren  = "children"   // 儿童
	TargetDisabled  = "disabled"   // 残疾人
	TargetDifficult = "difficulty" // 困境儿童
	TargetResidents = "residents"  // 社区居民
)

// TargetGroups lists the target groups with their Chinese names.
var TargetGroups = map[string]string{
	TargetElderly:   "老年人",
	TargetChildren:  "儿童",
	TargetDisabled:  "残疾人",
	TargetDifficult: "困境儿童",
	TargetResidents: "社区居民",
}

// Shift is one period of service with a number of volunteer slots. ID is
// unique within its need.
type Shift struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Slots int       `json:"slots"`
	// Filled is derived: the reservations held (accepted, checked in or done).
	Filled int `json:"filled"`
}

// Hours returns the shift's length in hours.
func (s Shift) Hours() float64 { return s.End.Sub(s.Start).Hours() }

// Overlaps reports whether the two shifts share any instant.
func (s Shift) Overlaps(o Shift) bool { return Overlap(s.Start, s.End, o.Start, o.End) }

// Overlap reports whether [a0,a1) and [b0,b1) intersect.
func Overlap(a0, a1, b0, b1 time.Time) bool { return a0.Before(b1) && b0.Before(a1) }

// Requirements are a need's hard gates.
type Requirements struct {
	Skills       []SkillLevel `json:"skills,omitempty"`       // each at a minimum level
	Certificates []string     `json:"certificates,omitempty"` // valid on the shift's date
	Trainings    []string     `json:"trainings,omitempty"`    // completed (先培训再上岗)
	Insurance    bool         `json:"insurance,omitempty"`    // insured on the shift's date
	Languages    []string     `json:"languages,omitempty"`    // at least one spoken
}

// RecipientPreferences are what the person served asked for (pairing).
type RecipientPreferences struct {
	Gender    string   `json:"gender,omitempty"`    // "f", "m" or empty
	MaxAge    int      `json:"max_age,omitempty"`   // of the volunteer, 0 = any
	Languages []string `json:"languages,omitempty"` // dialects and languages preferred
	Weekly    Week     `json:"weekly,omitempty"`    // hours the recipient wants visits
	Notes     string   `json:"notes,omitempty"`     // free text
}

// Need is a community need (需求) posted by an organisation.
type Need struct {
	ID          string                `json:"id"`
	Org         string                `json:"org"`
	Title       string                `json:"title"`
	Description string                `json:"description,omitempty"`
	Domain      string                `json:"domain"`       // taxonomy key of a domain or service
	TargetGroup string                `json:"target_group"` // see TargetGroups
	Mode        Mode                  `json:"mode"`
	Urgency     Urgency               `json:"urgency"`
	Point       Point                 `json:"point"`
	District    string                `json:"district"`
	Street      string                `json:"street"`
	Station     string                `json:"station,omitempty"`
	Project     string                `json:"project,omitempty"` // the project it belongs to, of the same organisation
	RadiusKm    float64               `json:"radius_km"`
	Shifts      []Shift               `json:"shifts"`
	Requires    Requirements          `json:"requires"`
	Recipient   *RecipientPreferences `json:"recipient,omitempty"`
	Status      NeedStatus            `json:"status"`
	PostedAt    time.Time             `json:"posted_at"`
	// Supply is derived, set by the service when the need is posted: the
	// volunteers within reach who pass every hard gate for some shift. The
	// store copies it into need.posted (Event.Eligible) for the gap map.
	Supply    int       `json:"supply"`
	UpdatedAt time.Time `json:"updated_at"`
	// Approval, on a menu-mode need, sends each sign-up (报名) to the
	// organisation as a request it approves or declines, instead of
	// reserving the slot at once (flow 7).
	Approval bool `json:"approval,omitempty"`
	// Team, when set, asks for whole teams only (team.go).
	Team *TeamAsk `json:"team,omitempty"`
}

// Shift returns the shift with the id.
func (n *Need) Shift(id string) (Shift, bool) {
	for _, s := range n.Shifts {
		if s.ID == id {
			return s, true
		}
	}
	return Shift{}, false
}

// Slots returns the slots asked over all shifts.
func (n *Need) Slots() int {
	t := 0
	for _, s := range n.Shifts {
		t += s.Slots
	}
	return t
}

// Validate checks the fields a client writes.
func (n *Need) Validate() error {
	if err := validID("id", n.ID); err != nil {
		return err
	}
	if err := validID("org", n.Org); err != nil {
		return err
	}
	if strings.TrimSpace(n.Title) == "" {
		return FieldError("title", "is required")
	}
	if err := checkLens(
		textField{"title", n.Title, MaxTitleLen},
		textField{"description", n.Description, MaxDescriptionLen},
	); err != nil {
		return err
	}
	if strings.TrimSpace(n.Domain) == "" {
		return FieldError("domain", "is required")
	}
	if err := checkLens(
		textField{"domain", n.Domain, MaxCodeLen},
		textField{"district", n.District, MaxCodeLen},
		textField{"street", n.Street, MaxCodeLen},
		textField{"station", n.Station, MaxCodeLen},
		textField{"project", n.Project, MaxCodeLen},
	); err != nil {
		return err
	}
	if n.TargetGroup != "" {
		if _, ok := TargetGroups[n.TargetGroup]; !ok {
			return FieldError("target_group", "unknown target group %q", n.TargetGroup)
		}
	}
	if err := checkEnum("mode", n.Mode, true, ModeConcentrated, ModePairing, ModeMenu); err != nil {
		return err
	}
	if n.Approval && n.Mode != ModeMenu {
		return FieldError("approval", "is for menu-mode needs (菜单式服务), whose volunteers sign up themselves; this need is %s", n.Mode)
	}
	if err := checkEnum("urgency", n.Urgency, true, UrgencyNormal, UrgencyUrgent, UrgencyEmergency); err != nil {
		return err
	}
	if err := checkEnum("status", n.Status, false, NeedOpen, NeedClosed, NeedCancelled); err != nil {
		return err
	}
	if err := n.Point.Validate("point"); err != nil {
		return err
	}
	if n.RadiusKm <= 0 || n.RadiusKm > 200 {
		return FieldError("radius_km", "must be above 0 and at most 200, got %v", n.RadiusKm)
	}
	if len(n.Shifts) == 0 {
		return FieldError("shifts", "at least one shift is required")
	}
	if len(n.Shifts) > 500 {
		return FieldError("shifts", "at most 500 shifts per need")
	}
	ids := map[string]bool{}
	for i, s := range n.Shifts {
		f := fieldIndex("shifts", i)
		if err := validID(f+".id", s.ID); err != nil {
			return err
		}
		if ids[s.ID] {
			return FieldError(f+".id", "shift id %q is used twice", s.ID)
		}
		ids[s.ID] = true
		if s.Start.IsZero() {
			return FieldError(f+".start", "is required")
		}
		if s.End.IsZero() {
			return FieldError(f+".end", "is required")
		}
		if err := CheckTime(f+".start", s.Start); err != nil {
			return err
		}
		if err := CheckTime(f+".end", s.End); err != nil {
			return err
		}
		if !s.End.After(s.Start) {
			return FieldError(f+".end", "must be after start").WithReason(ReasonEndBeforeStart)
		}
		if s.End.Sub(s.Start) > 7*24*time.Hour {
			return FieldError(f+".end", "a shift lasts at most 7 days").WithReason(ReasonShiftTooLong)
		}
		if s.Slots < 1 {
			return FieldError(f+".slots", "must be at least 1, got %d", s.Slots)
		}
		if s.Slots > 10000 {
			return FieldError(f+".slots", "must be at most 10000, got %d", s.Slots)
		}
	}
	if err := validSkills("requires.skills", n.Requires.Skills); err != nil {
		return err
	}
	if err := validTags("requires.certificates", n.Requires.Certificates); err != nil {
		return err
	}
	if err := validTags("requires.trainings", n.Requires.Trainings); err != nil {
		return err
	}
	if err := validTags("requires.languages", n.Requires.Languages); err != nil {
		return err
	}
	if n.Team != nil {
		if err := n.Team.Validate(n); err != nil {
			return err
		}
	}
	if r := n.Recipient; r != nil {
		if r.Gender != "" && r.Gender != "f" && r.Gender != "m" {
			return FieldError("recipient.gender", "must be f, m or empty, got %q", r.Gender)
		}
		if r.MaxAge < 0 {
			return FieldError("recipient.max_age", "must not be negative")
		}
		if err := checkTags("recipient.languages", r.Languages); err != nil {
			return err
		}
		if err := checkLen("recipient.notes", r.Notes, MaxNotesLen); err != nil {
			return err
		}
	}
	return nil
}

// CheckSkills reports a domain or required skill key that known does not hold.
func (n *Need) CheckSkills(known func(key string) bool) error {
	if !known(n.Domain) {
		return FieldError("domain", "unknown domain key %q", n.Domain)
	}
	for i, s := range n.Requires.Skills {
		if !known(s.Skill) {
			return FieldError(fieldIndex("requires.skills", i)+".skill", "unknown skill key %q", s.Skill)
		}
	}
	return nil
}

// PrepareWrite applies the rules every store follows when it writes need n
// over old (nil for a new need): UpdatedAt is now; PostedAt, Status and
// Supply left empty keep the old values (a new need is open and posted now);
// and a shift that holds assignments (old's Filled) may not be removed,
// moved, or given fewer slots than it holds (ECONFLICT).
func (n *Need) PrepareWrite(old *Need, now time.Time) error {
	n.UpdatedAt = now
	if old != nil {
		if n.PostedAt.IsZero() {
			n.PostedAt = old.PostedAt
		}
		if n.Status == "" {
			n.Status = old.Status
		}
		if n.Supply == 0 {
			n.Supply = old.Supply
		}
		for _, os := range old.Shifts {
			if os.Filled == 0 {
				continue
			}
			ns, ok := n.Shift(os.ID)
			switch {
			case !ok:
				return Errorf(ECONFLICT, "shift %s of need %s holds %d assignments and cannot be removed", os.ID, n.ID, os.Filled)
			case !ns.Start.Equal(os.Start) || !ns.End.Equal(os.End):
				return Errorf(ECONFLICT, "shift %s of need %s holds %d assignments and cannot be moved", os.ID, n.ID, os.Filled)
			case ns.Slots < os.Filled:
				return Errorf(ECONFLICT, "shift %s of need %s holds %d assignments; slots cannot go below that (asked %d)", os.ID, n.ID, os.Filled, ns.Slots)
			}
		}
	}
	if n.Status == "" {
		n.Status = NeedOpen
	}
	if n.PostedAt.IsZero() {
		n.PostedAt = now
	}
	return nil
}

// WriteEvent returns the event a store appends, in the same transaction,
// when it writes n over old (nil for a new need): need.posted, with the
// shifts asked (Filled zeroed) and the eligible supply, for a new need;
// need.closed when the status moves to closed; none (false) otherwise.
func (n *Need) WriteEvent(old *Need, now time.Time) (Event, bool) {
	if old == nil {
		ev := NeedEvent(EventNeedPosted, n, n.PostedAt)
		ev.Shifts = append([]Shift(nil), n.Shifts...)
		for i := range ev.Shifts {
			ev.Shifts[i].Filled = 0
		}
		ev.Eligible = n.Supply
		return ev, true
	}
	if n.Status == NeedClosed && old.Status != NeedClosed {
		return NeedEvent(EventNeedClosed, n, now), true
	}
	return Event{}, false
}

// Clone returns a copy of n whose slices (shifts, requirements, the
// recipient's preferences) are its own, so that changing the copy never
// touches n.
func (n *Need) Clone() *Need {
	c := *n
	c.Shifts = slices.Clone(n.Shifts)
	c.Requires.Skills = slices.Clone(n.Requires.Skills)
	c.Requires.Certificates = slices.Clone(n.Requires.Certificates)
	c.Requires.Trainings = slices.Clone(n.Requires.Trainings)
	c.Requires.Languages = slices.Clone(n.Requires.Languages)
	if n.Team != nil {
		t := *n.Team
		t.Roles = slices.Clone(t.Roles)
		c.Team = &t
	}
	if n.Recipient != nil {
		r := *n.Recipient
		r.Languages = slices.Clone(r.Languages)
		c.Recipient = &r
	}
	return &c
}

// PrepareStore applies every rule a store follows to write n, its own copy
// (see WriteRecord), in mode m over old, the stored need with its shifts'
// Filled (nil when there is none): the existence check of m
// (WriteMode.Check), then PrepareWrite. It returns the record to store,
// whose shifts' Filled are zero (derived: never stored), and the event to
// append in the same transaction (WriteEvent), nil when there is none.
func (n *Need) PrepareStore(old *Need, now time.Time, m WriteMode) (*Need, *Event, error) {
	if err := m.Check("need", n.ID, old != nil); err != nil {
		return nil, nil, err
	}
	if err := n.PrepareWrite(old, now); err != nil {
		return nil, nil, err
	}
	stored := *n
	stored.Shifts = slices.Clone(n.Shifts)
	for i := range stored.Shifts {
		stored.Shifts[i].Filled = 0
	}
	var ev *Event
	if e, ok := n.WriteEvent(old, now); ok {
		ev = &e
	}
	return &stored, ev, nil
}
