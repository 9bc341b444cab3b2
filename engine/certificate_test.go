package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// certKey is the deployment's signing key in these tests (a fixed seed).
var certKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// recordClock is the engine's clock in the record tests: ten days after
// the fixture's Monday, after every shift below.
var recordClock = fixture.Base.AddDate(0, 0, 10)

// served is one completed service of the record fixture.
type served struct {
	vol, need, shift string
	hours            float64
}

// recordEngine returns an engine (clock *clock, signing key certKey) over
// a real bbolt file holding volunteers V1 (王小明), V2 and V3,
// organisations O1 and O2, and completed services: V1 3 h on N1/a and
// 2.5 h on N1/b with O1 (Tuesday and Wednesday) and 4 h on N2/c with O2
// (Thursday); V2 3 h on N1/a.
func recordEngine(t *testing.T, clock *time.Time) (*engine.Engine, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "volmatch.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v1 := fixture.Volunteer("V1")
	v1.Name = "王小明"
	must(t, st.PutVolunteers(ctx, []*volmatch.Volunteer{v1, fixture.Volunteer("V2"), fixture.Volunteer("V3")}))
	must(t, st.CreateOrganisation(ctx, &volmatch.Organisation{ID: "O1", Name: "朝阳区和平街社区"}))
	must(t, st.CreateOrganisation(ctx, &volmatch.Organisation{ID: "O2", Name: "海淀区志愿者协会"}))
	b := fixture.Base
	must(t, st.CreateNeed(ctx, fixture.Need("N1", fixture.Title("社区助老服务"), fixture.Shifts(
		fixture.Shift("a", b.Add(33*time.Hour), 3*time.Hour, 5), fixture.Shift("b", b.Add(57*time.Hour), 3*time.Hour, 5)))))
	must(t, st.CreateNeed(ctx, fixture.Need("N2", fixture.Org("O2"), fixture.Title("图书馆导读"), fixture.Shifts(
		fixture.Shift("c", b.Add(81*time.Hour), 4*time.Hour, 5)))))
	for _, s := range []served{{"V1", "N1", "a", 3}, {"V1", "N1", "b", 2.5}, {"V1", "N2", "c", 4}, {"V2", "N1", "a", 3}} {
		serve(t, st, s)
	}
	e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: func() time.Time { return *clock },
		Certificates: engine.CertificateOptions{Key: certKey, Issuer: "测试平台"}})
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st
}

// serve reserves, checks in and checks out one service through the store.
func serve(t *testing.T, st *bolt.Store, s served) *volmatch.Assignment {
	t.Helper()
	ctx := context.Background()
	n, err := st.Need(ctx, s.need)
	must(t, err)
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: s.need, Shift: s.shift, Volunteer: s.vol}}, fixture.Base)
	must(t, err)
	sh := n.Shifts[0]
	for _, x := range n.Shifts {
		if x.ID == s.shift {
			sh = x
		}
	}
	_, err = st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckIn, At: sh.Start})
	must(t, err)
	a, err := st.Advance(ctx, as[0].ID, volmatch.Step{Kind: volmatch.StepCheckOut, At: sh.End, Hours: s.hours})
	must(t, err)
	return a
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestServiceRecordScope: who reads whose record, and what it holds: a
// volunteer their own, an admin anyone's, an organisation's staff only
// the services with them, a planner none.
func TestServiceRecordScope(t *testing.T) {
	clock := recordClock
	e, _ := recordEngine(t, &clock)
	ctx := context.Background()
	period := func(vol, org string) engine.RecordRequest {
		return engine.RecordRequest{Volunteer: vol, Org: org, From: "2026-11-01", To: "2026-11-10"}
	}
	cases := []struct {
		name   string
		tok    *volmatch.Token
		req    engine.RecordRequest
		code   string
		hours  float64
		orgs   string
		orgFor string
	}{
		{"the volunteer, every organisation", volunteerToken("V1"), period("", ""), "", 9.5, "O1,O1,O2", ""},
		{"the volunteer, one organisation", volunteerToken("V1"), period("V1", "O2"), "", 4, "O2", "海淀区志愿者协会"},
		{"another volunteer", volunteerToken("V2"), period("V1", ""), volmatch.EFORBIDDEN, 0, "", ""},
		{"an admin", admin, period("V1", ""), "", 9.5, "O1,O1,O2", ""},
		{"the organisation's staff: their services only", sw1, period("V1", ""), "", 5.5, "O1,O1", "朝阳区和平街社区"},
		{"staff asking for another organisation", sw1, period("V1", "O2"), volmatch.EFORBIDDEN, 0, "", ""},
		{"staff of an organisation the volunteer never served", sw2, period("V2", ""), volmatch.EFORBIDDEN, 0, "", ""},
		{"staff asking for nobody registered", sw1, period("V404", ""), volmatch.EFORBIDDEN, 0, "", ""},
		{"a planner", planner, period("V1", ""), volmatch.EFORBIDDEN, 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.ServiceRecord(ctx, c.tok, c.req)
			if volmatch.ErrorCode(err) != c.code {
				t.Fatalf("ServiceRecord = %v, want code %q", err, c.code)
			}
			if c.code != "" {
				return
			}
			var orgs []string
			for _, s := range r.Services {
				orgs = append(orgs, s.Org)
			}
			if r.TotalHours != c.hours || strings.Join(orgs, ",") != c.orgs || r.OrgName != c.orgFor || r.Volunteer != "V1" || r.Name != "王小明" {
				t.Errorf("ServiceRecord = %v h from %v (for %q), %s %s; want %v h from %s (for %q), V1 王小明",
					r.TotalHours, orgs, r.OrgName, r.Volunteer, r.Name, c.hours, c.orgs, c.orgFor)
			}
		})
	}
	r, err := e.ServiceRecord(ctx, admin, period("V1", ""))
	must(t, err)
	want := []volmatch.ServiceEntry{
		{Org: "O1", OrgName: "朝阳区和平街社区", Need: "N1", Title: "社区助老服务", Date: "2026-11-03", Hours: 3},
		{Org: "O1", OrgName: "朝阳区和平街社区", Need: "N1", Title: "社区助老服务", Date: "2026-11-04", Hours: 2.5},
		{Org: "O2", OrgName: "海淀区志愿者协会", Need: "N2", Title: "图书馆导读", Date: "2026-11-05", Hours: 4},
	}
	for i := range r.Services {
		r.Services[i].Assignment = ""
	}
	if g, w := mustJSON(t, r.Services), mustJSON(t, want); g != w {
		t.Errorf("services:\n got  %s\n want %s", g, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}

// TestRecordPeriod: the period's dates are checked, a period cannot run
// past today (an inflated period would certify service not done), and a
// period holds only the services whose shift began in it.
func TestRecordPeriod(t *testing.T) {
	clock := recordClock
	e, _ := recordEngine(t, &clock)
	ctx := context.Background()
	cases := []struct {
		name, from, to string
		field          string
		hours          float64
	}{
		{"Wednesday only", "2026-11-04", "2026-11-04", "", 2.5},
		{"the whole month so far", "2026-11-01", "2026-11-12", "", 9.5},
		{"a period past today", "2026-11-01", "2026-12-31", "to", 0},
		{"to before from", "2026-11-05", "2026-11-04", "to", 0},
		{"no from", "", "2026-11-04", "from", 0},
		{"not a date", "2026-13-01", "2026-11-04", "from", 0},
		{"before 2000", "1999-12-31", "2026-11-04", "from", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.ServiceRecord(ctx, volunteerToken("V1"), engine.RecordRequest{From: c.from, To: c.to})
			if c.field != "" {
				if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != c.field {
					t.Fatalf("ServiceRecord(%s..%s) = %v, want EINVALID on %s", c.from, c.to, err, c.field)
				}
				return
			}
			must(t, err)
			if r.TotalHours != c.hours {
				t.Errorf("ServiceRecord(%s..%s) = %v h, want %v", c.from, c.to, r.TotalHours, c.hours)
			}
		})
	}
}

// TestCertificateVerifies: an issued certificate verifies as genuine by
// its code (as printed, any case) and by its signed bytes; altering any
// byte of the record or the signature makes it fail; a record signed by
// another key, or a code of another record, does not verify; the public
// answer holds only the certificate's record.
func TestCertificateVerifies(t *testing.T) {
	clock := recordClock
	e, st := recordEngine(t, &clock)
	ctx := context.Background()
	c, err := e.IssueCertificate(ctx, volunteerToken("V1"), engine.RecordRequest{From: "2026-11-01", To: "2026-11-10"})
	must(t, err)
	if !c.New || len(c.Record.Code) != 24 || c.Record.TotalHours != 9.5 || c.Record.KeyID != engine.KeyID(certKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("IssueCertificate = %+v", c.Record)
	}
	for _, code := range []string{c.Record.Code, strings.ToLower(engine.FormatCode(c.Record.Code))} {
		v, err := e.VerifyCertificate(ctx, code)
		must(t, err)
		if v.Status != engine.CertGenuine || v.Record.TotalHours != 9.5 || v.Record.Name != "王小明" {
			t.Errorf("VerifyCertificate(%s) = %s %+v, want genuine 9.5 h", code, v.Status, v.Record)
		}
	}
	v, err := e.VerifySigned(ctx, c.Signed, c.Signature)
	must(t, err)
	if v.Status != engine.CertGenuine {
		t.Fatalf("VerifySigned(as issued) = %s, want genuine", v.Status)
	}
	if got := events(t, st); count(got, volmatch.EventCertificateIssued) != 1 {
		t.Errorf("certificate.issued events = %d, want 1", count(got, volmatch.EventCertificateIssued))
	}

	holds := func(signed, sig []byte) bool {
		v, err := e.VerifySigned(ctx, signed, sig)
		return err == nil && (v.Status == engine.CertGenuine || v.Status == engine.CertSuperseded)
	}
	for i := range c.Signed {
		for _, bit := range []byte{0x01, 0x20} {
			alt := bytes.Clone(c.Signed)
			alt[i] ^= bit
			if holds(alt, c.Signature) {
				t.Fatalf("the record with byte %d (%q) changed by %#x still verifies", i, c.Signed[i], bit)
			}
		}
	}
	for i := range c.Signature {
		alt := bytes.Clone(c.Signature)
		alt[i] ^= 0x01
		if holds(c.Signed, alt) {
			t.Fatalf("the signature with byte %d changed still verifies", i)
		}
	}
	// Hostile: hours inflated, the period widened, or the whole record
	// signed again with a key of one's own.
	var r volmatch.ServiceRecord
	must(t, json.Unmarshal(c.Signed, &r))
	for name, edit := range map[string]func(*volmatch.ServiceRecord){
		"hours inflated":   func(r *volmatch.ServiceRecord) { r.TotalHours = 950 },
		"period inflated":  func(r *volmatch.ServiceRecord) { r.From = "2020-01-01" },
		"stars raised":     func(r *volmatch.ServiceRecord) { r.Stars = 5 },
		"another's number": func(r *volmatch.ServiceRecord) { r.Volunteer = "V2" },
	} {
		x := r
		edit(&x)
		b, _ := json.Marshal(x)
		if holds(b, c.Signature) {
			t.Errorf("%s: still verifies with the original signature", name)
		}
		forger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
		if holds(b, ed25519.Sign(forger, b)) {
			t.Errorf("%s: verifies when signed with a forger's key", name)
		}
	}
	if _, err := e.VerifyCertificate(ctx, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("VerifyCertificate(never issued) = %v, want ENOTFOUND", err)
	}
	if _, err := e.VerifyCertificate(ctx, "not a code"); volmatch.ErrorField(err) != "code" {
		t.Errorf("VerifyCertificate(garbage) = %v, want EINVALID on code", err)
	}
}

// TestCertificateHolders: the signed record is downloaded by those who may
// read it; another volunteer or another organisation's staff holding the
// code get EFORBIDDEN (they may still verify it publicly, which shows no
// more than the certificate).
func TestCertificateHolders(t *testing.T) {
	clock := recordClock
	e, _ := recordEngine(t, &clock)
	ctx := context.Background()
	whole, err := e.IssueCertificate(ctx, volunteerToken("V1"), engine.RecordRequest{From: "2026-11-01", To: "2026-11-10"})
	must(t, err)
	ofO1, err := e.IssueCertificate(ctx, sw1, engine.RecordRequest{Volunteer: "V1", From: "2026-11-01", To: "2026-11-10"})
	must(t, err)
	if ofO1.Record.Org != "O1" || ofO1.Record.TotalHours != 5.5 || ofO1.Record.OrgName != "朝阳区和平街社区" {
		t.Errorf("the organisation's certificate = %s %v h, want O1's 5.5 h", ofO1.Record.Org, ofO1.Record.TotalHours)
	}
	cases := []struct {
		name string
		tok  *volmatch.Token
		code string
		want string
	}{
		{"the volunteer, their own", volunteerToken("V1"), whole.Record.Code, ""},
		{"the volunteer, their organisation's", volunteerToken("V1"), ofO1.Record.Code, ""},
		{"another volunteer with the code", volunteerToken("V2"), whole.Record.Code, volmatch.EFORBIDDEN},
		{"the organisation, its own", sw1, ofO1.Record.Code, ""},
		{"the organisation, the whole record", sw1, whole.Record.Code, volmatch.EFORBIDDEN},
		{"another organisation", sw2, ofO1.Record.Code, volmatch.EFORBIDDEN},
		{"a planner", planner, whole.Record.Code, volmatch.EFORBIDDEN},
		{"an admin", admin, ofO1.Record.Code, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.HeldCertificate(ctx, c.tok, c.code)
			if volmatch.ErrorCode(err) != c.want {
				t.Fatalf("HeldCertificate = %v, want code %q", err, c.want)
			}
			if err == nil && got.Record.Code != c.code {
				t.Errorf("HeldCertificate = %s, want %s", got.Record.Code, c.code)
			}
		})
	}
	if _, err := e.IssueCertificate(ctx, volunteerToken("V3"), engine.RecordRequest{From: "2026-11-01", To: "2026-11-10"}); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("a certificate of no service = %v, want EINVALID", err)
	}
}

// TestCertificateSuperseded: issuing again an unchanged record returns the
// same certificate; after the organisation corrects an hour, a new one is
// issued and the old one verifies as superseded (and is listed so).
func TestCertificateSuperseded(t *testing.T) {
	clock := recordClock
	e, st := recordEngine(t, &clock)
	ctx := context.Background()
	req := engine.RecordRequest{From: "2026-11-01", To: "2026-11-10"}
	first, err := e.IssueCertificate(ctx, volunteerToken("V1"), req)
	must(t, err)
	again, err := e.IssueCertificate(ctx, volunteerToken("V1"), req)
	must(t, err)
	if again.New || again.Record.Code != first.Record.Code {
		t.Errorf("issued again unchanged = %s (new %v), want %s returned", again.Record.Code, again.New, first.Record.Code)
	}
	as, _, err := st.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: "V1", Need: "N2"})
	must(t, err)
	clock = clock.Add(time.Hour)
	if _, err := e.Advance(ctx, volunteerToken("V1"), as[0].ID, engine.StepRequest{Kind: volmatch.StepCorrect, Hours: 4, Reason: "多算"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a volunteer correcting hours = %v, want EFORBIDDEN", err)
	}
	if _, err := e.Advance(ctx, sw1, as[0].ID, engine.StepRequest{Kind: volmatch.StepCorrect, Hours: 3.5, Reason: "x"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another organisation correcting hours = %v, want EFORBIDDEN", err)
	}
	_, err = e.Advance(ctx, sw2, as[0].ID, engine.StepRequest{Kind: volmatch.StepCorrect, Hours: 3.5, Reason: "签退时间记错"})
	must(t, err)
	second, err := e.IssueCertificate(ctx, volunteerToken("V1"), req)
	must(t, err)
	if !second.New || second.Record.Code == first.Record.Code || second.Record.TotalHours != 9 {
		t.Fatalf("after the correction = %s %v h (new %v), want a new certificate of 9 h", second.Record.Code, second.Record.TotalHours, second.New)
	}
	old, err := e.VerifyCertificate(ctx, first.Record.Code)
	must(t, err)
	if old.Status != engine.CertSuperseded || !old.SupersededAt.Equal(second.Record.IssuedAt) || old.Record.TotalHours != 9.5 {
		t.Errorf("the old certificate = %s (superseded at %v, %v h), want superseded at %v, showing its own 9.5 h", old.Status, old.SupersededAt, old.Record.TotalHours, second.Record.IssuedAt)
	}
	cur, err := e.VerifyCertificate(ctx, second.Record.Code)
	must(t, err)
	if cur.Status != engine.CertGenuine {
		t.Errorf("the new certificate = %s, want genuine", cur.Status)
	}
	list, err := e.Certificates(ctx, volunteerToken("V1"), "")
	must(t, err)
	if len(list) != 2 || list[0].Code != second.Record.Code || list[0].Status != engine.CertGenuine || list[1].Status != engine.CertSuperseded {
		t.Errorf("Certificates = %+v, want the new (genuine) then the old (superseded)", list)
	}
	if _, err := e.Certificates(ctx, volunteerToken("V2"), "V1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Certificates of another volunteer = %v, want EFORBIDDEN", err)
	}
}

// TestNoKeyNoCertificate: a deployment without a key issues none.
func TestNoKeyNoCertificate(t *testing.T) {
	e, _ := newEngine(t, fixture.Volunteer("V1"))
	if _, err := e.IssueCertificate(context.Background(), volunteerToken("V1"), engine.RecordRequest{From: "2026-11-01", To: "2026-11-01"}); volmatch.ErrorCode(err) != volmatch.EUNAVAILABLE {
		t.Errorf("IssueCertificate without a key = %v, want EUNAVAILABLE", err)
	}
	if _, err := e.CertificateKey(); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("CertificateKey without a key = %v, want ENOTFOUND", err)
	}
}
