package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// beijingKey signs the second deployment's files in these tests.
var beijingKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))

// secondDeployment returns another deployment (its own bbolt file and
// key) where V1 and V2 are registered, trusting the issuers given.
func secondDeployment(t *testing.T, clock *time.Time, trusted ...engine.TrustedIssuer) (*engine.Engine, *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "beijing.db"), bolt.Options{NoSync: true})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	v1 := fixture.Volunteer("V1")
	v1.Name = "王小明"
	must(t, st.PutVolunteers(ctx, []*volmatch.Volunteer{v1, fixture.Volunteer("V2")}))
	e := engine.New(st, nil, taxonomy.Load(), engine.Options{Now: func() time.Time { return *clock },
		Certificates: engine.CertificateOptions{Key: beijingKey, Issuer: "北京志愿服务平台"},
		Exchange:     engine.ExchangeOptions{Trusted: trusted}})
	must(t, e.Start(ctx))
	return e, st
}

// TestExchangeBetweenDeployments: one deployment exports a volunteer's
// signed records; another that trusts its key imports them, marked with
// their source, into the volunteer's hours, stars, record and
// certificate; importing the file again, or many times at once, adds the
// hours once; an altered byte, an untrusted key, the deployment's own
// file, an ID-card number, an unregistered volunteer and a non-admin are
// refused with nothing written.
func TestExchangeBetweenDeployments(t *testing.T) {
	clock := recordClock
	tianjin, _ := recordEngine(t, &clock) // V1: 3 + 2.5 + 4 h with O1 and O2
	ctx := context.Background()
	tjKey, err := tianjin.CertificateKey()
	must(t, err)
	trust := engine.TrustedIssuer{Name: tjKey.Issuer, PublicKey: tjKey.PublicKey}
	beijing, bst := secondDeployment(t, &clock, trust)

	if _, err := tianjin.ExportRecords(ctx, volunteerToken("V2"), "V1"); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("another volunteer's export = %v, want EFORBIDDEN", err)
	}
	f, err := tianjin.ExportRecords(ctx, volunteerToken("V1"), "V1")
	must(t, err)
	var x volmatch.ExchangeRecords
	must(t, json.Unmarshal(f.Payload, &x))
	if x.Volunteer.Number != "V1" || len(x.Services) != 3 || len(x.Organisations) != 2 || len(x.Projects) != 2 {
		t.Fatalf("export = %+v, want V1 with 3 services of 2 organisations and 2 projects", x)
	}
	raw, err := json.Marshal(f)
	must(t, err)
	if strings.Contains(string(raw), fixture.Volunteer("V1").Phone) {
		t.Errorf("the export carries the volunteer's phone")
	}
	read := func(b []byte) *volmatch.ExchangeFile {
		var g volmatch.ExchangeFile
		must(t, json.Unmarshal(b, &g))
		return &g
	}

	if _, err := beijing.ImportRecords(ctx, volunteerToken("V1"), read(raw)); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("a volunteer's import = %v, want EFORBIDDEN", err)
	}
	res, err := beijing.ImportRecords(ctx, admin, read(raw))
	must(t, err)
	if res.Added != 3 || res.Duplicates != 0 || res.Hours != 9.5 || res.Source != "测试平台" {
		t.Errorf("first import = %+v, want 3 added, 9.5 h from 测试平台", res)
	}
	// The same file again, and many times at once: nothing more.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := beijing.ImportRecords(ctx, admin, read(raw)); err != nil || r.Added != 0 || r.Duplicates != 3 {
				t.Errorf("import again = %+v, %v; want 3 duplicates, none added", r, err)
			}
		}()
	}
	wg.Wait()
	st, err := beijing.Stars(ctx, admin, "V1")
	must(t, err)
	if st.Hours != 9.5 || st.Imported != 9.5 || st.Recorded != 0 {
		t.Errorf("stars after imports = %v h (%v imported, %v recorded), want 9.5 imported once", st.Hours, st.Imported, st.Recorded)
	}
	today := clock.In(volmatch.Beijing).Format(time.DateOnly)
	rec, err := beijing.ServiceRecord(ctx, volunteerToken("V1"), engine.RecordRequest{Volunteer: "V1", From: "2020-01-01", To: today})
	must(t, err)
	if rec.TotalHours != 9.5 || len(rec.Services) != 3 || rec.Services[0].Source != "测试平台" || rec.Services[0].OrgName == "" {
		t.Errorf("record here = %v h, %+v; want 9.5 h of 3 services from 测试平台", rec.TotalHours, rec.Services)
	}
	c, err := beijing.IssueCertificate(ctx, volunteerToken("V1"), engine.RecordRequest{Volunteer: "V1", From: "2020-01-01", To: today})
	must(t, err)
	if c.Record.TotalHours != 9.5 || !strings.Contains(string(c.Signed), `"source":"测试平台"`) {
		t.Errorf("certificate here = %v h, want 9.5 with the source", c.Record.TotalHours)
	}
	if v, err := beijing.VerifyCertificate(ctx, c.Record.Code); err != nil || v.Status != engine.CertGenuine {
		t.Errorf("the certificate with imported services verifies %v, %v", v, err)
	}

	before := len(mustImported(t, bst, "V1"))
	for _, c := range []struct {
		name   string
		eng    *engine.Engine
		file   func() *volmatch.ExchangeFile
		reason string
	}{
		{"an altered byte", beijing, func() *volmatch.ExchangeFile {
			g := read(raw)
			i := bytes.Index(g.Payload, []byte(`"hours":4`))
			g.Payload[i+len(`"hours":`)] = '8'
			return g
		}, volmatch.ReasonBadSignature},
		{"a signature of other bytes", beijing, func() *volmatch.ExchangeFile {
			g := read(raw)
			g.Signature[0] ^= 1
			return g
		}, volmatch.ReasonBadSignature},
		{"an untrusted key", func() *engine.Engine { e, _ := secondDeployment(t, &clock); return e }(), func() *volmatch.ExchangeFile { return read(raw) }, volmatch.ReasonUntrusted},
		{"its own file", tianjin, func() *volmatch.ExchangeFile { return read(raw) }, volmatch.ReasonOwnRecords},
		{"an ID-card number", beijing, func() *volmatch.ExchangeFile {
			y := x
			y.Volunteer.Name = "王小明 " + validIDCard("11010519491231002")
			p, err := json.Marshal(y)
			must(t, err)
			return &volmatch.ExchangeFile{Format: volmatch.ExchangeFormat, KeyID: f.KeyID, Payload: p, Signature: ed25519.Sign(certKey, p)}
		}, volmatch.ReasonIDCard},
		{"an ID-card number in JSON escapes", beijing, func() *volmatch.ExchangeFile {
			y := x
			y.Volunteer.Name = "ID"
			p, err := json.Marshal(y)
			must(t, err)
			var esc strings.Builder
			for _, r := range validIDCard("11010519491231002") {
				fmt.Fprintf(&esc, `\u%04x`, r)
			}
			p = bytes.Replace(p, []byte(`"name":"ID"`), []byte(`"name":"`+esc.String()+`"`), 1)
			return &volmatch.ExchangeFile{Format: volmatch.ExchangeFormat, KeyID: f.KeyID, Payload: p, Signature: ed25519.Sign(certKey, p)}
		}, volmatch.ReasonIDCard},
	} {
		_, err := c.eng.ImportRecords(ctx, admin, c.file())
		if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorReason(err) != c.reason {
			t.Errorf("import of %s = %v, want EINVALID %s", c.name, err, c.reason)
		}
	}
	// A validly signed file of a volunteer not registered here.
	y := x
	y.Volunteer.Number = "V404"
	p, err := json.Marshal(y)
	must(t, err)
	_, err = beijing.ImportRecords(ctx, admin, &volmatch.ExchangeFile{Format: volmatch.ExchangeFormat, KeyID: f.KeyID, Payload: p, Signature: ed25519.Sign(certKey, p)})
	if volmatch.ErrorField(err) != "volunteer.number" {
		t.Errorf("import of an unregistered volunteer = %v, want EINVALID on volunteer.number", err)
	}
	// A service dated after today.
	y = x
	y.Services = append([]volmatch.ExchangeService{}, x.Services...)
	y.Services[0].Date = clock.AddDate(0, 0, 2).In(volmatch.Beijing).Format(time.DateOnly)
	p, err = json.Marshal(y)
	must(t, err)
	_, err = beijing.ImportRecords(ctx, admin, &volmatch.ExchangeFile{Format: volmatch.ExchangeFormat, KeyID: f.KeyID, Payload: p, Signature: ed25519.Sign(certKey, p)})
	if volmatch.ErrorField(err) != "services[0].date" {
		t.Errorf("import of a service to come = %v, want EINVALID on services[0].date", err)
	}
	if after := len(mustImported(t, bst, "V1")); after != before {
		t.Errorf("refused imports stored %d services", after-before)
	}
	// The way back: Beijing's own export does not carry what it imported.
	back, err := beijing.ExportRecords(ctx, admin, "V1")
	must(t, err)
	var bx volmatch.ExchangeRecords
	must(t, json.Unmarshal(back.Payload, &bx))
	if len(bx.Services) != 0 || len(bx.Certificates) != 1 {
		t.Errorf("Beijing's export of V1 = %d services, %d certificates; want none of Tianjin's services, its one certificate", len(bx.Services), len(bx.Certificates))
	}
}

func mustImported(t *testing.T, st *bolt.Store, vol string) []*volmatch.ImportedService {
	t.Helper()
	xs, err := st.ImportedServices(context.Background(), vol)
	must(t, err)
	return xs
}

// validIDCard completes the first 17 digits of an ID-card number with its
// check character (GB 11643).
func validIDCard(first17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range first17 {
		sum += int(c-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// TestHoldsIDCardNumber: an 18-character number with a birth date and a
// valid check character is found; IDs, phones and near misses are not.
func TestHoldsIDCardNumber(t *testing.T) {
	good := validIDCard("11010519491231002")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	for _, c := range []struct {
		s    string
		want bool
	}{
		{`{"name":"` + good + `"}`, true},
		{`{"name":"` + strings.ToLower(good) + `"}`, true},
		{`{"name":"` + bad + `"}`, false},
		{`{"number":"BJ00000001","phone":"13800138000","id":"A000000000001"}`, false},
		{`{"at":"2026-11-04T08:00:00Z","code":"ABCD-EFGH-IJKL-MNOP-QRST-UVWX"}`, false},
	} {
		if got := volmatch.HoldsIDCardNumber([]byte(c.s)); got != c.want {
			t.Errorf("HoldsIDCardNumber(%s) = %v, want %v", c.s, got, c.want)
		}
	}
}
