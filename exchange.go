package volmatch

import (
	"context"
	"math"
	"regexp"
	"strings"
	"time"
)

// The 京津冀 exchange (issue 15 item 5, 身份互认、记录互通): a deployment
// exports a volunteer's identity and service records as a signed file
// keyed by the unified volunteer number, with the elements of the national
// volunteer information standard (volunteer, organisation, project,
// service time, evaluation, certificate); another deployment that trusts
// the issuer's key imports it. docs/exchange.md describes the format.
//
// A file carries only the issuer's own services (never ones it imported),
// so records cannot come round twice through a third deployment. An
// imported service is kept once per issuer key and service ID: importing
// a file again adds nothing, and a later file of the same volunteer adds
// only its new services. No ID-card number ever enters: a file whose
// signed bytes hold one is refused whole.

// ExchangeFormat names the format and version of an exchange file.
const ExchangeFormat = "volmatch-exchange/1"

// Bounds of an exchange file.
const (
	MaxExchangeServices     = 10000
	MaxExchangeCertificates = 1000
)

// Refusal reasons of an import.
const (
	ReasonBadSignature = "bad_signature"  // altered, or not signed by the key named
	ReasonUntrusted    = "untrusted_key"  // the issuer's key is not in the trust list
	ReasonIDCard       = "id_card_number" // the file holds an ID-card number
	ReasonOwnRecords   = "own_records"    // the file is this deployment's own
)

// ExchangeFile is the signed envelope: Payload is the JSON of
// ExchangeRecords exactly as signed (Ed25519 over these bytes, by the key
// named KeyID).
type ExchangeFile struct {
	Format    string   `json:"format"`
	KeyID     string   `json:"key_id"`
	Payload   RawBytes `json:"payload"`
	Signature []byte   `json:"signature"`
}

// RawBytes is JSON kept as the exact bytes it was read from (the signed
// payload): it marshals as those bytes.
type RawBytes []byte

// MarshalJSON returns the bytes (null when empty).
func (r RawBytes) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of the bytes.
func (r *RawBytes) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// ExchangeRecords is what an exchange file attests.
type ExchangeRecords struct {
	Issuer        string                 `json:"issuer"`
	KeyID         string                 `json:"key_id"`
	ExportedAt    time.Time              `json:"exported_at"`
	Volunteer     ExchangeVolunteer      `json:"volunteer"`
	Organisations []ExchangeOrganisation `json:"organisations"`
	Projects      []ExchangeProject      `json:"projects"`
	Services      []ExchangeService      `json:"services"`
	Certificates  []ExchangeCertificate  `json:"certificates"`
}

// ExchangeVolunteer is the volunteer's identity: the unified volunteer
// number (志愿者统一编号), the name, and the star level and verified hours
// at the export, for information (the importer counts services, not this).
type ExchangeVolunteer struct {
	Number string  `json:"number"`
	Name   string  `json:"name"`
	Stars  int     `json:"stars"`
	Hours  float64 `json:"hours"`
}

// ExchangeOrganisation is an organisation that recorded services.
type ExchangeOrganisation struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	District string `json:"district,omitempty"`
}

// ExchangeProject is the project (a need) a service was for.
type ExchangeProject struct {
	ID     string `json:"id"`
	Org    string `json:"org"`
	Title  string `json:"title"`
	Domain string `json:"domain,omitempty"`
}

// ExchangeService is one completed service: its ID at the issuer, the
// organisation and project, the Beijing date, the hours recorded, and the
// evaluation (the rating 1–5, 0 when none).
type ExchangeService struct {
	ID         string  `json:"id"`
	Org        string  `json:"org"`
	Project    string  `json:"project"`
	Date       string  `json:"date"`
	Hours      float64 `json:"hours"`
	Evaluation int     `json:"evaluation,omitempty"`
}

// ExchangeCertificate is a certificate the issuer gave the volunteer,
// verifiable there by its code.
type ExchangeCertificate struct {
	Code     string    `json:"code"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Hours    float64   `json:"hours"`
	IssuedAt time.Time `json:"issued_at"`
	Status   string    `json:"status"`
}

// Validate checks the records of an import: an issuer and key, the
// volunteer's number, every service's organisation and project named in
// the file, dates, hours in (0, 24] in quarter hours, evaluations 0–5, no
// service twice, within the bounds.
func (x *ExchangeRecords) Validate() error {
	if strings.TrimSpace(x.Issuer) == "" {
		return FieldError("issuer", "is required")
	}
	if err := checkLen("issuer", x.Issuer, MaxNameLen); err != nil {
		return err
	}
	if err := validID("volunteer.number", x.Volunteer.Number); err != nil {
		return err
	}
	if err := checkLen("volunteer.name", x.Volunteer.Name, MaxNameLen); err != nil {
		return err
	}
	if len(x.Services) > MaxExchangeServices {
		return FieldError("services", "at most %d, got %d", MaxExchangeServices, len(x.Services)).WithReason(ReasonTooMany)
	}
	if len(x.Certificates) > MaxExchangeCertificates {
		return FieldError("certificates", "at most %d, got %d", MaxExchangeCertificates, len(x.Certificates)).WithReason(ReasonTooMany)
	}
	orgs := map[string]bool{}
	for i, o := range x.Organisations {
		f := fieldIndex("organisations", i)
		if err := validID(f+".id", o.ID); err != nil {
			return err
		}
		if err := checkLens(textField{f + ".name", o.Name, MaxNameLen}, textField{f + ".district", o.District, MaxNameLen}); err != nil {
			return err
		}
		orgs[o.ID] = true
	}
	projects := map[string]bool{}
	for i, p := range x.Projects {
		f := fieldIndex("projects", i)
		if err := validID(f+".id", p.ID); err != nil {
			return err
		}
		if !orgs[p.Org] {
			return FieldError(f+".org", "names no organisation of the file: %q", p.Org)
		}
		if err := checkLens(textField{f + ".title", p.Title, MaxTitleLen}, textField{f + ".domain", p.Domain, MaxNameLen}); err != nil {
			return err
		}
		projects[p.ID] = true
	}
	seen := map[string]bool{}
	for i, s := range x.Services {
		f := fieldIndex("services", i)
		if err := validID(f+".id", s.ID); err != nil {
			return err
		}
		if seen[s.ID] {
			return &Error{Code: ECONFLICT, Field: f + ".id", Message: "service " + s.ID + " appears twice"}
		}
		seen[s.ID] = true
		switch {
		case !orgs[s.Org]:
			return FieldError(f+".org", "names no organisation of the file: %q", s.Org)
		case !projects[s.Project]:
			return FieldError(f+".project", "names no project of the file: %q", s.Project)
		case math.IsNaN(s.Hours) || s.Hours <= 0 || s.Hours > 24 || s.Hours*4 != math.Trunc(s.Hours*4):
			return FieldError(f+".hours", "must be more than 0 and at most 24, in quarter hours, got %v", s.Hours)
		case s.Evaluation < 0 || s.Evaluation > 5:
			return FieldError(f+".evaluation", "must be 0 (none) to 5, got %d", s.Evaluation)
		}
		if _, err := time.ParseInLocation(time.DateOnly, s.Date, Beijing); err != nil {
			return FieldError(f+".date", "must be a date such as 2026-01-31, got %q", s.Date)
		}
	}
	for i, c := range x.Certificates {
		f := fieldIndex("certificates", i)
		if c.Code == "" || len(c.Code) > 64 {
			return FieldError(f+".code", "is required, at most 64 characters")
		}
		if err := checkLens(textField{f + ".from", c.From, 10}, textField{f + ".to", c.To, 10}, textField{f + ".status", c.Status, 20}); err != nil {
			return err
		}
	}
	return nil
}

// idCard matches a mainland resident ID-card number (居民身份证号码): 18
// characters, the birth date inside, the last a digit or X.
var idCard = regexp.MustCompile(`[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]`)

// HoldsIDCardNumber reports whether b holds a resident ID-card number: 18
// characters with a valid birth date and check digit (GB 11643).
func HoldsIDCardNumber(b []byte) bool {
	for _, m := range idCard.FindAll(b, -1) {
		if idCardChecksum(m) {
			return true
		}
	}
	return false
}

func idCardChecksum(n []byte) bool {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(n[i]-'0') * w
	}
	want := "10X98765432"[sum%11]
	last := n[17]
	if last == 'x' {
		last = 'X'
	}
	return last == want
}

// ImportedService is a service another deployment recorded, imported
// from its signed file: kept once under Key (the issuer's key ID and the
// service's ID there), marked with its source, counted in the volunteer's
// hours, stars and certificates here.
type ImportedService struct {
	Key        string    `json:"key"`
	Volunteer  string    `json:"volunteer"`
	Source     string    `json:"source"`
	SourceKey  string    `json:"source_key"`
	Service    string    `json:"service"`
	Org        string    `json:"org"`
	OrgName    string    `json:"org_name"`
	Project    string    `json:"project"`
	Title      string    `json:"title"`
	Date       string    `json:"date"`
	Hours      float64   `json:"hours"`
	Evaluation int       `json:"evaluation,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
}

// ImportKey is the key an imported service is kept under.
func ImportKey(keyID, service string) string { return keyID + ":" + service }

// ExchangeStore keeps the services imported from other deployments.
type ExchangeStore interface {
	// ImportServices stores each service of ss whose Key is not stored
	// yet, in one write, and returns how many it stored (the others were
	// imported before: duplicates, left as they are).
	ImportServices(ctx context.Context, ss []*ImportedService) (int, error)
	// ImportedServices returns a volunteer's imported services in key
	// order.
	ImportedServices(ctx context.Context, volunteer string) ([]*ImportedService, error)
}
