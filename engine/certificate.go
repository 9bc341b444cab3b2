package engine

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"volmatch"
)

// Service records and certificates (志愿服务记录证明, issue 15). A record
// is every completed service of a volunteer in a period (the Beijing dates
// of the shifts' starts), with the organisation, the need and the hours
// the organisation recorded; "who organises, records; who records,
// certifies": a social worker's record holds their organisation's services
// only and their certificate is issued in its name; a volunteer's and an
// admin's may span every organisation (issued by the deployment) or name
// one.
//
// A certificate is the record's canonical bytes (its JSON) signed with the
// deployment's Ed25519 key and stored under a random verification code of
// 120 bits, never altered. Anyone holding the code may verify it without
// signing in, and sees what the certificate shows and nothing more. A
// certificate issued again for the same volunteer, scope and period when
// the record changed (a correction, a late check-out, new stars) is a new
// certificate, and the older one verifies as superseded; issued again
// unchanged, the newest one is returned.

// CertificateOptions configure the service certificates.
type CertificateOptions struct {
	// Key signs new certificates; nil disables issuing (EUNAVAILABLE).
	Key ed25519.PrivateKey
	// Trusted are earlier keys whose certificates still verify (after a
	// key rotation).
	Trusted []ed25519.PublicKey
	// Issuer names the deployment on the certificates it issues for
	// every organisation (default "volmatch 志愿服务平台").
	Issuer string
	// BaseURL is the deployment's public address (https://host), which a
	// certificate's QR code and printed link point to; empty: the address
	// the request came to.
	BaseURL string
}

// certKeys are the signing key and the public keys certificates are
// verified against, by key ID.
type certKeys struct {
	key     ed25519.PrivateKey
	keyID   string
	trusted map[string]ed25519.PublicKey
	issuer  string
	baseURL string
}

func newCertKeys(o CertificateOptions) certKeys {
	k := certKeys{key: o.Key, trusted: map[string]ed25519.PublicKey{}, issuer: cmp.Or(o.Issuer, "volmatch 志愿服务平台"),
		baseURL: strings.TrimRight(o.BaseURL, "/")}
	for _, p := range o.Trusted {
		k.trusted[KeyID(p)] = p
	}
	if o.Key != nil {
		pub := o.Key.Public().(ed25519.PublicKey)
		k.keyID = KeyID(pub)
		k.trusted[k.keyID] = pub
	}
	return k
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// PublicKey is the key that verifies the certificates a deployment issues.
type PublicKey struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`  // Ed25519
	PublicKey []byte `json:"public_key"` // 32 bytes (base64 in JSON)
	Issuer    string `json:"issuer"`
}

// CertificateKey returns the public key of the signing key (ENOTFOUND
// when the deployment has none). Anyone may read it.
func (e *Engine) CertificateKey() (*PublicKey, error) {
	if e.certs.key == nil {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "this deployment has no certificate key")
	}
	return &PublicKey{KeyID: e.certs.keyID, Algorithm: "Ed25519", PublicKey: e.certs.trusted[e.certs.keyID], Issuer: e.certs.issuer}, nil
}

// VerifyPath is the path of the public verification page of a code.
func VerifyPath(code string) string { return "/web/verify/" + code }

// VerifyURL returns the address of the public verification page of code:
// under CertificateOptions.BaseURL, or else under requestBase (the scheme
// and host the request came to).
func (e *Engine) VerifyURL(code, requestBase string) string {
	return cmp.Or(e.certs.baseURL, strings.TrimRight(requestBase, "/")) + VerifyPath(code)
}

// RecordRequest asks for a volunteer's record of a period: From and To
// are Beijing dates (2006-01-02), both included; Org narrows it to one
// organisation's services (a social worker's is always theirs).
type RecordRequest struct {
	Volunteer string
	Org       string
	From, To  string
}

// maxRecordServices is the most services one record lists.
const maxRecordServices = 5000

// earliestRecord is the first date a record may begin.
var earliestRecord = time.Date(2000, 1, 1, 0, 0, 0, 0, volmatch.Beijing)

// period checks a record's period: both dates, from not after to, to not
// after today (a record certifies service done, not to come). It returns
// the instants [start, end) of the Beijing days.
func (e *Engine) period(from, to string) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if f.v == "" {
			return out[0], out[1], volmatch.FieldError(f.name, "is required: a date such as 2026-01-31")
		}
		d, err := time.ParseInLocation(time.DateOnly, f.v, volmatch.Beijing)
		if err != nil {
			return out[0], out[1], volmatch.FieldError(f.name, "must be a date such as 2026-01-31, got %q", f.v)
		}
		out[i] = d
	}
	today := e.now().In(volmatch.Beijing)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, volmatch.Beijing)
	switch {
	case out[0].Before(earliestRecord):
		return out[0], out[1], volmatch.FieldError("from", "must not be before %s", earliestRecord.Format(time.DateOnly))
	case out[1].Before(out[0]):
		return out[0], out[1], volmatch.FieldError("to", "must not be before from").WithReason(volmatch.ReasonEndBeforeStart)
	case out[1].After(today):
		return out[0], out[1], volmatch.FieldError("to", "must not be after today (%s): a record certifies service done", today.Format(time.DateOnly))
	}
	return out[0], out[1].AddDate(0, 0, 1), nil
}

// recordScope decides whose record tok may read and for which
// organisation: a volunteer their own, an admin anyone's, an
// organisation's staff the services with their organisation only (a
// volunteer who never served with it is EFORBIDDEN, as is a missing one),
// a planner none.
func (e *Engine) recordScope(ctx context.Context, tok *volmatch.Token, req *RecordRequest) error {
	switch tok.Role {
	case volmatch.RoleAdmin:
	case volmatch.RoleVolunteer:
		if req.Volunteer == "" {
			req.Volunteer = tok.Volunteer
		}
		if req.Volunteer != tok.Volunteer {
			return forbidden("a volunteer reads only their own record")
		}
	case volmatch.RoleSocialWorker:
		if req.Org != "" && req.Org != tok.Org {
			return forbidden("a social worker certifies only their own organisation's services")
		}
		req.Org = tok.Org
		if req.Volunteer == "" {
			return volmatch.FieldError("volunteer", "is required")
		}
		as, _, err := e.store.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: req.Volunteer, Org: tok.Org,
			Status: volmatch.AssignCompleted, ListOptions: volmatch.ListOptions{Limit: 1}})
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return forbidden("volunteer %s has no completed service with your organisation", req.Volunteer)
		}
	default:
		return forbidden("a planner reads aggregates only")
	}
	if req.Volunteer == "" {
		return volmatch.FieldError("volunteer", "is required")
	}
	return nil
}

// ServiceRecord returns volunteer req.Volunteer's record of the period as
// tok may read it (recordScope): the completed services in date order
// (ties by assignment ID), their total, and the star level now.
func (e *Engine) ServiceRecord(ctx context.Context, tok *volmatch.Token, req RecordRequest) (*volmatch.ServiceRecord, error) {
	if err := e.recordScope(ctx, tok, &req); err != nil {
		return nil, err
	}
	return e.record(ctx, req)
}

// record builds the record of req, whose scope was checked.
func (e *Engine) record(ctx context.Context, req RecordRequest) (*volmatch.ServiceRecord, error) {
	start, end, err := e.period(req.From, req.To)
	if err != nil {
		return nil, err
	}
	v, err := e.store.Volunteer(ctx, req.Volunteer)
	if err != nil {
		return nil, err
	}
	done, err := e.completed(ctx, v.ID, req.Org)
	if err != nil {
		return nil, err
	}
	r := &volmatch.ServiceRecord{Org: req.Org, Volunteer: v.ID, Name: v.Name, From: req.From, To: req.To, Services: []volmatch.ServiceEntry{}}
	names := map[string]string{}
	titles := map[string]string{}
	for _, a := range done {
		if a.Start.Before(start) || !a.Start.Before(end) {
			continue
		}
		if len(r.Services) == maxRecordServices {
			return nil, volmatch.FieldError("from", "the period holds more than %d services; ask for a shorter one", maxRecordServices).WithReason(volmatch.ReasonTooMany)
		}
		org, err := e.orgName(ctx, names, a.Org)
		if err != nil {
			return nil, err
		}
		title, ok := titles[a.Need]
		if !ok {
			n, err := e.store.Need(ctx, a.Need)
			if err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
				return nil, err
			}
			if n != nil {
				title = n.Title
			}
			titles[a.Need] = title
		}
		r.Services = append(r.Services, volmatch.ServiceEntry{Assignment: a.ID, Org: a.Org, OrgName: org, Need: a.Need,
			Title: title, Date: a.Start.In(volmatch.Beijing).Format(time.DateOnly), Hours: a.Hours})
		r.TotalHours += a.Hours
	}
	if req.Org == "" {
		if err := e.addImported(ctx, r, req.From, req.To); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(r.Services, func(a, b volmatch.ServiceEntry) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), strings.Compare(a.Assignment, b.Assignment))
	})
	if req.Org != "" {
		if r.OrgName, err = e.orgName(ctx, names, req.Org); err != nil {
			return nil, err
		}
	}
	stars, err := e.stars(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	r.Stars, r.StarHours = stars.Level, stars.Hours
	return r, nil
}

// orgName returns an organisation's registered name (its ID when it is
// not registered), remembered in names.
func (e *Engine) orgName(ctx context.Context, names map[string]string, id string) (string, error) {
	if n, ok := names[id]; ok {
		return n, nil
	}
	o, err := e.store.Organisation(ctx, id)
	switch {
	case volmatch.ErrorCode(err) == volmatch.ENOTFOUND:
		names[id] = id
	case err != nil:
		return "", err
	default:
		names[id] = o.Name
	}
	return names[id], nil
}

// Certificate is an issued certificate: the record it attests, the
// canonical bytes that were signed and the signature.
type Certificate struct {
	Record    volmatch.ServiceRecord `json:"record"`
	Signed    []byte                 `json:"signed"`    // the record's canonical bytes
	Signature []byte                 `json:"signature"` // Ed25519 over Signed
	// New is false when the newest certificate of the series already
	// attested the same record and was returned instead of a new one.
	New bool `json:"new"`
}

// IssueCertificate issues a certificate of req's record as tok may read it
// (recordScope): signed, stored under a fresh verification code with
// certificate.issued, and the newest of its series (the volunteer, scope
// and period), so an earlier one of the series now verifies as
// superseded. A record without a completed service is EINVALID; the
// newest certificate is returned unchanged (New false) when the record is
// the same.
func (e *Engine) IssueCertificate(ctx context.Context, tok *volmatch.Token, req RecordRequest) (*Certificate, error) {
	if err := e.recordScope(ctx, tok, &req); err != nil {
		return nil, err
	}
	if e.certs.key == nil {
		return nil, volmatch.Errorf(volmatch.EUNAVAILABLE, "this deployment has no certificate key")
	}
	r, err := e.record(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(r.Services) == 0 {
		return nil, volmatch.FieldError("from", "no completed service in the period to certify")
	}
	r.Issuer = e.certs.issuer
	if last, err := e.latest(ctx, r.Series()); err != nil {
		return nil, err
	} else if last != nil && sameRecord(&last.Record, r) {
		return last, nil
	}
	r.Code, r.IssuedAt, r.KeyID = newCode(), e.now().UTC().Truncate(time.Second), e.certs.keyID
	signed, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	c := &volmatch.ServiceCertificate{Code: r.Code, Series: r.Series(), Volunteer: r.Volunteer, Org: r.Org, IssuedAt: r.IssuedAt,
		IssuedBy: issuer(tok), Record: signed, Signature: ed25519.Sign(e.certs.key, signed)}
	ev := volmatch.Event{Type: volmatch.EventCertificateIssued, At: r.IssuedAt, Volunteer: r.Volunteer, Org: r.Org}
	if err := e.store.IssueCertificate(ctx, c, ev); err != nil {
		return nil, err
	}
	return &Certificate{Record: *r, Signed: signed, Signature: c.Signature, New: true}, nil
}

// issuer names who asked for a certificate.
func issuer(tok *volmatch.Token) string {
	switch tok.Role {
	case volmatch.RoleSocialWorker:
		return tok.Org
	case volmatch.RoleVolunteer:
		return tok.Volunteer
	}
	return string(tok.Role)
}

// latest returns the newest certificate of the series, nil when none.
func (e *Engine) latest(ctx context.Context, series string) (*Certificate, error) {
	code, err := e.store.LatestCertificate(ctx, series)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	c, err := e.store.ServiceCertificate(ctx, code)
	if err != nil {
		return nil, err
	}
	return decodeCertificate(c)
}

// decodeCertificate returns a stored certificate's record.
func decodeCertificate(c *volmatch.ServiceCertificate) (*Certificate, error) {
	out := &Certificate{Signed: c.Record, Signature: c.Signature}
	if err := json.Unmarshal(c.Record, &out.Record); err != nil {
		return nil, volmatch.Errorf(volmatch.EINTERNAL, "certificate %s: undecodable record", c.Code)
	}
	return out, nil
}

// sameRecord reports whether two records attest the same (the issue's
// code, time and key aside).
func sameRecord(a, b *volmatch.ServiceRecord) bool {
	x, y := *a, *b
	x.Code, x.IssuedAt, x.KeyID, y.Code, y.IssuedAt, y.KeyID = "", time.Time{}, "", "", time.Time{}, ""
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return bytes.Equal(bx, by)
}

// codeAlphabet is the verification code's base32 alphabet (RFC 4648: no 0,
// 1, 8 or 9, so that O, I and B are not mistaken for them).
var codeEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// codeLen is the length of a verification code: 15 random bytes (120 bits).
const codeLen = 24

// newCode returns a fresh verification code.
func newCode() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return codeEnc.EncodeToString(b)
}

// NormalizeCode returns a verification code as stored: upper case, without
// the dashes and spaces it is printed with; EINVALID (field "code") when it
// cannot be one.
func NormalizeCode(s string) (string, error) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != codeLen {
		return "", volmatch.FieldError("code", "must be %d letters and digits (dashes aside)", codeLen)
	}
	if _, err := codeEnc.DecodeString(s); err != nil {
		return "", volmatch.FieldError("code", "holds a character a code never has")
	}
	return s, nil
}

// FormatCode prints a code in groups of four: ABCD-EFGH-...
func FormatCode(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, "-")
}

// Certificate statuses of a verification.
const (
	// CertGenuine: issued here, unaltered, the newest of its series.
	CertGenuine = "genuine"
	// CertSuperseded: issued here and unaltered, but a newer certificate
	// of the same volunteer, scope and period replaced it.
	CertSuperseded = "superseded"
	// CertInvalid: the signature does not hold (altered bytes, an unknown
	// key, a code that is not the record's).
	CertInvalid = "invalid"
)

// Verification is the answer to a certificate check: its status, and for
// a certificate that holds, the record it attests (what the certificate
// shows, nothing more).
type Verification struct {
	Status string                  `json:"status"`
	Record *volmatch.ServiceRecord `json:"record,omitempty"`
	// SupersededAt is when the newer certificate was issued.
	SupersededAt time.Time `json:"superseded_at,omitzero"`
}

// VerifyCertificate checks the certificate with the code (as printed:
// dashes and case do not matter). Anyone may ask; ENOTFOUND for a code
// never issued.
func (e *Engine) VerifyCertificate(ctx context.Context, code string) (*Verification, error) {
	code, err := NormalizeCode(code)
	if err != nil {
		return nil, err
	}
	c, err := e.store.ServiceCertificate(ctx, code)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "no certificate has this code")
	} else if err != nil {
		return nil, err
	}
	return e.verify(ctx, c.Record, c.Signature, code)
}

// VerifySigned checks a certificate's signed bytes and signature as a
// holder presents them (the JSON record and its signature): EINVALID
// for bytes that are not a record; status invalid when the signature does
// not hold over every byte; otherwise genuine or superseded as the stored
// certificate of its code stands. Anyone may ask.
func (e *Engine) VerifySigned(ctx context.Context, signed, sig []byte) (*Verification, error) {
	var r volmatch.ServiceRecord
	if len(signed) == 0 || json.Unmarshal(signed, &r) != nil || r.Code == "" {
		return nil, volmatch.FieldError("record", "is not a service record")
	}
	return e.verify(ctx, signed, sig, r.Code)
}

// verify checks the signature of signed, which must be a canonical record
// of code, and then its series.
func (e *Engine) verify(ctx context.Context, signed, sig []byte, code string) (*Verification, error) {
	var r volmatch.ServiceRecord
	if err := json.Unmarshal(signed, &r); err != nil {
		return &Verification{Status: CertInvalid}, nil
	}
	pub, ok := e.certs.trusted[r.KeyID]
	if !ok || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, signed, sig) || r.Code != code {
		return &Verification{Status: CertInvalid}, nil
	}
	if _, err := e.store.ServiceCertificate(ctx, code); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		// Signed by a trusted key but never stored here: not ours to vouch for.
		return &Verification{Status: CertInvalid}, nil
	} else if err != nil {
		return nil, err
	}
	v := &Verification{Status: CertGenuine, Record: &r}
	last, err := e.store.LatestCertificate(ctx, r.Series())
	if err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		return nil, err
	}
	if last != "" && last != code {
		v.Status = CertSuperseded
		if nc, err := e.store.ServiceCertificate(ctx, last); err == nil {
			v.SupersededAt = nc.IssuedAt
		}
	}
	return v, nil
}

// HeldCertificate returns the certificate with the code to one who may
// read its record (recordScope of its volunteer and organisation): the
// signed record for download. Anyone else is EFORBIDDEN; a code never
// issued is ENOTFOUND.
func (e *Engine) HeldCertificate(ctx context.Context, tok *volmatch.Token, code string) (*Certificate, error) {
	code, err := NormalizeCode(code)
	if err != nil {
		return nil, err
	}
	c, err := e.store.ServiceCertificate(ctx, code)
	if err != nil {
		return nil, err
	}
	req := RecordRequest{Volunteer: c.Volunteer, Org: c.Org}
	if err := e.recordScope(ctx, tok, &req); err != nil {
		return nil, err
	}
	if req.Org != c.Org {
		return nil, forbidden("this certificate is not your organisation's")
	}
	return decodeCertificate(c)
}

// CertificateSummary is one of a volunteer's certificates in a listing.
type CertificateSummary struct {
	Code     string    `json:"code"`
	Org      string    `json:"org,omitempty"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Hours    float64   `json:"total_hours"`
	IssuedAt time.Time `json:"issued_at"`
	Status   string    `json:"status"` // genuine or superseded
}

// statusRank orders genuine certificates before superseded ones.
func statusRank(status string) int {
	if status == CertGenuine {
		return 0
	}
	return 1
}

// Certificates lists volunteer vol's certificates that tok may read
// (recordScope; a social worker their organisation's), newest first.
func (e *Engine) Certificates(ctx context.Context, tok *volmatch.Token, vol string) ([]CertificateSummary, error) {
	req := RecordRequest{Volunteer: vol}
	if err := e.recordScope(ctx, tok, &req); err != nil {
		return nil, err
	}
	out := []CertificateSummary{}
	o := volmatch.ListOptions{Limit: 1000}
	for {
		page, next, err := e.store.ServiceCertificates(ctx, req.Volunteer, o)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if req.Org != "" && c.Org != req.Org {
				continue
			}
			d, err := decodeCertificate(c)
			if err != nil {
				return nil, err
			}
			s := CertificateSummary{Code: c.Code, Org: c.Org, From: d.Record.From, To: d.Record.To, Hours: d.Record.TotalHours, IssuedAt: c.IssuedAt, Status: CertGenuine}
			if last, err := e.store.LatestCertificate(ctx, c.Series); err == nil && last != c.Code {
				s.Status = CertSuperseded
			}
			out = append(out, s)
		}
		if next == "" {
			break
		}
		o.After = next
	}
	slices.SortStableFunc(out, func(a, b CertificateSummary) int {
		// Newest first; at the same instant the genuine one (the series'
		// latest) before the one it superseded, then by code.
		return cmp.Or(b.IssuedAt.Compare(a.IssuedAt), cmp.Compare(statusRank(a.Status), statusRank(b.Status)), strings.Compare(a.Code, b.Code))
	})
	return out, nil
}
