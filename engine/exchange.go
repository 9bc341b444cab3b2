package engine

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"volmatch"
)

// The 京津冀 exchange (issue 15 item 5; the types and rules are
// volmatch.ExchangeRecords'): ExportRecords signs a volunteer's identity
// and the services recorded here with the deployment's certificate key;
// ImportRecords checks a file from a trusted deployment (its key in the
// trust list, the signature over the exact payload bytes, no ID-card
// number anywhere in them) and adds its services, marked with their
// source, to the volunteer's hours, stars and certificates here, each
// service once however often the file comes.

// TrustedIssuer is a deployment whose exchange files are imported: its
// name and its public key (as GET /v1/certificates/key gives it).
type TrustedIssuer struct {
	Name      string            `json:"issuer"`
	PublicKey ed25519.PublicKey `json:"public_key"`
}

// ExchangeOptions configure the exchange.
type ExchangeOptions struct {
	// Trusted are the deployments whose files are imported.
	Trusted []TrustedIssuer
}

func (o ExchangeOptions) byKeyID() map[string]TrustedIssuer {
	m := map[string]TrustedIssuer{}
	for _, t := range o.Trusted {
		if len(t.PublicKey) == ed25519.PublicKeySize {
			m[KeyID(t.PublicKey)] = t
		}
	}
	return m
}

// ExportRecords returns volunteer vol's exchange file (an admin, or the
// volunteer themself): their number and name, every service recorded
// here with its organisation, project, date, hours and rating, and their
// certificates; signed with the certificate key (EUNAVAILABLE without
// one). Services imported from elsewhere are not exported again.
func (e *Engine) ExportRecords(ctx context.Context, tok *volmatch.Token, vol string) (*volmatch.ExchangeFile, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	if e.certs.key == nil {
		return nil, volmatch.Errorf(volmatch.EUNAVAILABLE, "this deployment has no signing key")
	}
	v, err := e.store.Volunteer(ctx, vol)
	if err != nil {
		return nil, err
	}
	st, err := e.stars(ctx, vol)
	if err != nil {
		return nil, err
	}
	x := volmatch.ExchangeRecords{Issuer: e.certs.issuer, KeyID: e.certs.keyID, ExportedAt: e.now().UTC().Truncate(time.Second),
		Volunteer:     volmatch.ExchangeVolunteer{Number: v.ID, Name: v.Name, Stars: st.Level, Hours: st.Hours},
		Organisations: []volmatch.ExchangeOrganisation{}, Projects: []volmatch.ExchangeProject{},
		Services: []volmatch.ExchangeService{}, Certificates: []volmatch.ExchangeCertificate{}}
	done, err := e.completed(ctx, vol, "")
	if err != nil {
		return nil, err
	}
	orgs, projects := map[string]bool{}, map[string]bool{}
	for _, a := range done {
		if a.Hours <= 0 {
			continue
		}
		if !orgs[a.Org] {
			orgs[a.Org] = true
			o := volmatch.ExchangeOrganisation{ID: a.Org, Name: a.Org}
			if org, err := e.store.Organisation(ctx, a.Org); err == nil {
				o.Name, o.District = org.Name, org.District
			} else if volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				return nil, err
			}
			x.Organisations = append(x.Organisations, o)
		}
		if !projects[a.Need] {
			projects[a.Need] = true
			p := volmatch.ExchangeProject{ID: a.Need, Org: a.Org, Title: a.Need}
			if n, err := e.store.Need(ctx, a.Need); err == nil {
				p.Title, p.Domain = n.Title, n.Domain
			} else if volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				return nil, err
			}
			x.Projects = append(x.Projects, p)
		}
		x.Services = append(x.Services, volmatch.ExchangeService{ID: a.ID, Org: a.Org, Project: a.Need,
			Date: a.Start.In(volmatch.Beijing).Format(time.DateOnly), Hours: a.Hours, Evaluation: a.Rating})
	}
	slices.SortFunc(x.Organisations, func(a, b volmatch.ExchangeOrganisation) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(x.Projects, func(a, b volmatch.ExchangeProject) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(x.Services, func(a, b volmatch.ExchangeService) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), strings.Compare(a.ID, b.ID))
	})
	certs, err := e.Certificates(ctx, &volmatch.Token{Role: volmatch.RoleAdmin}, vol)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		x.Certificates = append(x.Certificates, volmatch.ExchangeCertificate{Code: FormatCode(c.Code), From: c.From, To: c.To,
			Hours: c.Hours, IssuedAt: c.IssuedAt, Status: c.Status})
	}
	payload, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	if volmatch.HoldsIDCardNumber(payload) {
		return nil, volmatch.Reasonf(volmatch.EINVALID, volmatch.ReasonIDCard, "the record holds what looks like an ID-card number; it is not exported")
	}
	return &volmatch.ExchangeFile{Format: volmatch.ExchangeFormat, KeyID: e.certs.keyID, Payload: payload,
		Signature: ed25519.Sign(e.certs.key, payload)}, nil
}

// ImportResult is what an import added.
type ImportResult struct {
	Volunteer  string  `json:"volunteer"`
	Source     string  `json:"source"`
	Services   int     `json:"services"`   // in the file
	Added      int     `json:"added"`      // new here
	Duplicates int     `json:"duplicates"` // imported before, left as they were
	Hours      float64 `json:"hours"`      // the hours added
	Stars      int     `json:"stars"`      // the volunteer's star level after
}

// ImportRecords imports an exchange file (admin): EINVALID with a reason
// for a file in another format, of an untrusted key (untrusted_key), of
// this deployment's own key (own_records), whose signature does not
// match its payload (bad_signature: altered), that holds an ID-card
// number (id_card_number), or whose records fail validation or name a
// volunteer not registered here; nothing is written then. Services
// imported before are counted as duplicates and not added again.
func (e *Engine) ImportRecords(ctx context.Context, tok *volmatch.Token, f *volmatch.ExchangeFile) (*ImportResult, error) {
	if tok.Role != volmatch.RoleAdmin {
		return nil, forbidden("only an admin imports exchange files")
	}
	x, from, err := e.checkExchange(f)
	if err != nil {
		return nil, err
	}
	vol := x.Volunteer.Number
	if _, err := e.store.Volunteer(ctx, vol); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, volmatch.FieldError("volunteer.number", "no volunteer %s is registered here: register them first (the number is the same everywhere)", vol)
	} else if err != nil {
		return nil, err
	}
	orgs := map[string]string{}
	for _, o := range x.Organisations {
		orgs[o.ID] = o.Name
	}
	titles := map[string]string{}
	for _, p := range x.Projects {
		titles[p.ID] = p.Title
	}
	now := e.now()
	ss := make([]*volmatch.ImportedService, len(x.Services))
	hours := map[string]float64{}
	for i, s := range x.Services {
		ss[i] = &volmatch.ImportedService{Key: volmatch.ImportKey(f.KeyID, s.ID), Volunteer: vol, Source: from.Name, SourceKey: f.KeyID,
			Service: s.ID, Org: s.Org, OrgName: orgs[s.Org], Project: s.Project, Title: titles[s.Project], Date: s.Date, Hours: s.Hours,
			Evaluation: s.Evaluation, ImportedAt: now, ImportedBy: issuer(tok)}
		hours[ss[i].Key] = s.Hours
	}
	before, err := e.stars(ctx, vol)
	if err != nil {
		return nil, err
	}
	added, err := e.store.ImportServices(ctx, ss)
	if err != nil {
		return nil, err
	}
	after, err := e.stars(ctx, vol)
	if err != nil {
		return nil, err
	}
	if evs := starEvents(vol, before.Hours, after.Hours, now); len(evs) > 0 {
		if err := e.store.AppendEvents(ctx, evs...); err != nil {
			e.log.Warn("exchange: append star.reached", "err", volmatch.Scrub(err))
		}
	}
	return &ImportResult{Volunteer: vol, Source: from.Name, Services: len(ss), Added: added, Duplicates: len(ss) - added,
		Hours: after.Imported - before.Imported, Stars: after.Level}, nil
}

// checkExchange checks an exchange file and returns its records and
// issuer.
func (e *Engine) checkExchange(f *volmatch.ExchangeFile) (*volmatch.ExchangeRecords, TrustedIssuer, error) {
	var none TrustedIssuer
	bad := func(reason, format string, args ...any) error {
		return &volmatch.Error{Code: volmatch.EINVALID, Reason: reason, Field: "payload", Message: fmt.Sprintf(format, args...)}
	}
	if f.Format != volmatch.ExchangeFormat {
		return nil, none, volmatch.FieldError("format", "must be %q, got %q", volmatch.ExchangeFormat, f.Format)
	}
	if len(f.Payload) == 0 {
		return nil, none, volmatch.FieldError("payload", "is required")
	}
	if volmatch.HoldsIDCardNumber(f.Payload) {
		return nil, none, bad(volmatch.ReasonIDCard, "the file holds an ID-card number: records travel by the unified volunteer number only, so it is refused whole")
	}
	if f.KeyID == e.certs.keyID && e.certs.keyID != "" {
		return nil, none, &volmatch.Error{Code: volmatch.EINVALID, Reason: volmatch.ReasonOwnRecords, Field: "key_id",
			Message: "the file is this deployment's own export; its services are here already"}
	}
	from, ok := e.trusted[f.KeyID]
	if !ok {
		return nil, none, &volmatch.Error{Code: volmatch.EINVALID, Reason: volmatch.ReasonUntrusted, Field: "key_id",
			Message: fmt.Sprintf("key %q is not in the trust list; add the issuing deployment's public key first", f.KeyID)}
	}
	if !ed25519.Verify(from.PublicKey, f.Payload, f.Signature) {
		return nil, none, bad(volmatch.ReasonBadSignature, "the signature does not match the payload: the file was altered or not signed by %s", from.Name)
	}
	var x volmatch.ExchangeRecords
	dec := json.NewDecoder(bytes.NewReader(f.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return nil, none, bad("", "the payload is not exchange records: %v", err)
	}
	if x.KeyID != f.KeyID {
		return nil, none, bad(volmatch.ReasonBadSignature, "the payload names key %q, the file %q", x.KeyID, f.KeyID)
	}
	if err := x.Validate(); err != nil {
		return nil, none, err
	}
	// Escaped characters (\u0031...) hide a number from the raw bytes: look
	// again at the decoded text.
	if again, err := json.Marshal(&x); err != nil || volmatch.HoldsIDCardNumber(again) {
		return nil, none, bad(volmatch.ReasonIDCard, "the file holds an ID-card number: records travel by the unified volunteer number only, so it is refused whole")
	}
	today := e.now().In(volmatch.Beijing).Format(time.DateOnly)
	for i, s := range x.Services {
		if s.Date > today {
			return nil, none, volmatch.FieldError(fmt.Sprintf("services[%d].date", i), "%s is after today: a record holds service done", s.Date)
		}
	}
	return &x, from, nil
}

// ImportedServices lists volunteer vol's services imported from other
// deployments (the volunteer themself or an admin).
func (e *Engine) ImportedServices(ctx context.Context, tok *volmatch.Token, vol string) ([]*volmatch.ImportedService, error) {
	if err := selfOrAdmin(tok, vol); err != nil {
		return nil, err
	}
	out, err := e.store.ImportedServices(ctx, vol)
	if out == nil {
		out = []*volmatch.ImportedService{}
	}
	return out, err
}

// importedAt is the instant an imported service counts from: the start
// of its Beijing date.
func importedAt(s *volmatch.ImportedService) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s.Date, volmatch.Beijing)
	if err != nil {
		return s.ImportedAt
	}
	return d
}

// addImported adds to a deployment-wide record the imported services of
// its period, marked with their source.
func (e *Engine) addImported(ctx context.Context, r *volmatch.ServiceRecord, from, to string) error {
	xs, err := e.store.ImportedServices(ctx, r.Volunteer)
	if err != nil {
		return err
	}
	for _, x := range xs {
		if x.Date < from || x.Date > to {
			continue
		}
		if len(r.Services) == maxRecordServices {
			return volmatch.FieldError("from", "the period holds more than %d services; ask for a shorter one", maxRecordServices).WithReason(volmatch.ReasonTooMany)
		}
		r.Services = append(r.Services, volmatch.ServiceEntry{Assignment: x.Key, Org: x.Org, OrgName: x.OrgName, Need: x.Project,
			Title: x.Title, Date: x.Date, Hours: x.Hours, Source: x.Source})
		r.TotalHours += x.Hours
	}
	return nil
}

// importedHours sums a volunteer's imported hours.
func (e *Engine) importedHours(ctx context.Context, vol string) (float64, error) {
	xs, err := e.store.ImportedServices(ctx, vol)
	h := 0.0
	for _, x := range xs {
		h += x.Hours
	}
	return h, err
}
