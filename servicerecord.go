package volmatch

import (
	"context"
	"math"
	"strings"
	"time"
)

// Service records and their proof (志愿服务记录证明), star levels (星级认定)
// and the hours a volunteer brings from an earlier system. The record of a
// period is built by the engine from the completed assignments; what a
// certificate attests is a ServiceRecord, signed (Ed25519) over its
// canonical bytes (its JSON, whose field order is fixed by the type) and
// kept as a ServiceCertificate that is never altered: a corrected record
// is a new certificate whose series makes the old one superseded.

// StarHours are the verified hours of the star levels (星级志愿者) one to
// five, as the Beijing rules set them.
var StarHours = [5]float64{100, 300, 600, 1000, 1500}

// ServiceEntry is one completed service of a record: the organisation, the
// need, the Beijing date of the shift's start and the hours recorded.
type ServiceEntry struct {
	Assignment string  `json:"assignment"`
	Org        string  `json:"org"`
	OrgName    string  `json:"org_name"`
	Need       string  `json:"need"`
	Title      string  `json:"title"`
	Date       string  `json:"date"` // 2006-01-02, Beijing
	Hours      float64 `json:"hours"`
	// Source names the deployment that recorded an imported service
	// (京津冀 exchange); empty for a service recorded here.
	Source string `json:"source,omitempty"`
}

// ServiceRecord is a volunteer's record of service for a period (from and
// to, Beijing dates, both included), as one organisation records it (Org
// set: 谁组织谁记录，谁记录谁证明) or as the deployment holds it for every
// organisation (Org empty). Volunteer is the unified volunteer number
// (志愿者统一编号); a record never holds an ID-card number. Stars and
// StarHours are the level and verified hours (opening balance included) at
// IssuedAt. Code, Issuer, IssuedAt and KeyID are set when a certificate is
// issued; the JSON of the whole value is what is signed.
type ServiceRecord struct {
	Code       string         `json:"code,omitempty"`
	Issuer     string         `json:"issuer,omitempty"`
	Org        string         `json:"org,omitempty"`
	OrgName    string         `json:"org_name,omitempty"`
	Volunteer  string         `json:"volunteer"`
	Name       string         `json:"name"`
	From       string         `json:"from"`
	To         string         `json:"to"`
	Services   []ServiceEntry `json:"services"`
	TotalHours float64        `json:"total_hours"`
	Stars      int            `json:"stars"`
	StarHours  float64        `json:"star_hours"`
	IssuedAt   time.Time      `json:"issued_at,omitzero"`
	KeyID      string         `json:"key_id,omitempty"`
}

// Series names the certificates that replace one another: the same
// volunteer, organisation scope and period. A newer certificate of a series
// supersedes the older ones.
func (r *ServiceRecord) Series() string {
	return r.Volunteer + "|" + r.Org + "|" + r.From + "|" + r.To
}

// ServiceCertificate is an issued certificate as stored: the canonical
// bytes of its ServiceRecord and their Ed25519 signature, under its
// verification code. It is written once and never changed.
type ServiceCertificate struct {
	Code      string    `json:"code"`
	Series    string    `json:"series"`
	Volunteer string    `json:"volunteer"`
	Org       string    `json:"org,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	// IssuedBy is who asked for it: "admin", the organisation's ID or the
	// volunteer's.
	IssuedBy  string `json:"issued_by"`
	Record    []byte `json:"record"`
	Signature []byte `json:"signature"`
}

// Validate checks the fields a store relies on.
func (c *ServiceCertificate) Validate() error {
	switch {
	case c.Code == "":
		return FieldError("code", "is required")
	case c.Series == "":
		return FieldError("series", "is required")
	case c.Volunteer == "":
		return FieldError("volunteer", "is required")
	case len(c.Record) == 0:
		return FieldError("record", "is required")
	case len(c.Signature) == 0:
		return FieldError("signature", "is required")
	}
	return CheckTime("issued_at", c.IssuedAt)
}

// MaxOpeningHours is the most hours an opening balance may carry (about
// eight hours a day for twenty years).
const MaxOpeningHours = 60000

// OpeningBalance is the verified hours a volunteer brings from an earlier
// system (a city that starts using volmatch keeps everyone's stars): how
// many, from which source, as of which date. It counts toward the star
// level beside the hours recorded here, and is written once per volunteer.
type OpeningBalance struct {
	Volunteer  string    `json:"volunteer"`
	Hours      float64   `json:"hours"`
	Source     string    `json:"source"`
	AsOf       time.Time `json:"as_of"`
	ImportedAt time.Time `json:"imported_at,omitzero"`
	ImportedBy string    `json:"imported_by,omitempty"`
}

// Validate checks an opening balance as imported: a volunteer ID, hours in
// (0, MaxOpeningHours] in quarter hours, a source, and an as-of date.
func (o *OpeningBalance) Validate() error {
	if err := validID("volunteer", o.Volunteer); err != nil {
		return err
	}
	if math.IsNaN(o.Hours) || o.Hours <= 0 || o.Hours > MaxOpeningHours {
		return FieldError("hours", "must be more than 0 and at most %d, got %v", MaxOpeningHours, o.Hours)
	}
	if o.Hours*4 != math.Trunc(o.Hours*4) {
		return FieldError("hours", "must be in quarter hours, got %v", o.Hours)
	}
	if strings.TrimSpace(o.Source) == "" {
		return FieldError("source", "is required: name the system the hours come from")
	}
	if err := checkLen("source", o.Source, MaxNameLen); err != nil {
		return err
	}
	if o.AsOf.IsZero() {
		return FieldError("as_of", "is required")
	}
	return CheckTime("as_of", o.AsOf)
}

// StarAward is a star level reached: the level, the date it was reached
// and the verified hours then, and whether the opening balance reached it.
type StarAward struct {
	Level   int       `json:"level"`
	At      time.Time `json:"at"`
	Hours   float64   `json:"hours"`
	Opening bool      `json:"opening,omitempty"`
	// Imported says services imported from another deployment reached it.
	Imported bool `json:"imported,omitempty"`
}

// ServiceRecordStore keeps issued certificates and opening balances.
type ServiceRecordStore interface {
	// IssueCertificate stores c under its code and makes it the newest of
	// its series, with the events evs, in one write; EINVALID if c fails
	// Validate, ECONFLICT if the code exists.
	IssueCertificate(ctx context.Context, c *ServiceCertificate, evs ...Event) error
	// ServiceCertificate returns the certificate with the code; ENOTFOUND
	// if missing.
	ServiceCertificate(ctx context.Context, code string) (*ServiceCertificate, error)
	// LatestCertificate returns the code of the newest certificate of the
	// series; ENOTFOUND when none was issued.
	LatestCertificate(ctx context.Context, series string) (string, error)
	// ServiceCertificates lists a volunteer's certificates in code order.
	ServiceCertificates(ctx context.Context, volunteer string, o ListOptions) ([]*ServiceCertificate, string, error)
	// PutOpenings stores every balance of obs, with the events evs, or
	// none: EINVALID naming openings[i] for one that fails Validate,
	// ECONFLICT naming it when its volunteer already has a balance or
	// appears twice.
	PutOpenings(ctx context.Context, obs []*OpeningBalance, evs ...Event) error
	// Opening returns a volunteer's opening balance; ENOTFOUND if none.
	Opening(ctx context.Context, volunteer string) (*OpeningBalance, error)
}

// PrepareOpenings checks a batch of opening balances a store writes all or
// nothing: each valid, no volunteer twice (ECONFLICT naming the second).
func PrepareOpenings(obs []*OpeningBalance) error {
	seen := make(map[string]bool, len(obs))
	for i, o := range obs {
		if err := o.Validate(); err != nil {
			return AtIndex("openings", i, err)
		}
		if seen[o.Volunteer] {
			return AtIndex("openings", i, &Error{Code: ECONFLICT, Field: "volunteer",
				Message: "volunteer " + o.Volunteer + " appears twice"})
		}
		seen[o.Volunteer] = true
	}
	return nil
}

// OpeningExistsError is the refusal of a second opening balance for a
// volunteer, naming element i of the batch.
func OpeningExistsError(i int, volunteer string) error {
	return AtIndex("openings", i, &Error{Code: ECONFLICT, Field: "volunteer",
		Message: "volunteer " + volunteer + " already has an opening balance"})
}
