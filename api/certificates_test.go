package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// certKey signs the test deployment's certificates (a fixed seed).
var certKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize))

// served gives v1, once, a completed 2-hour service with org1 two days
// before the server's clock.
func (w *world) served() {
	if w.past {
		return
	}
	w.past = true
	ctx := context.Background()
	n := w.needValue(w.next(), "org1")
	n.Shifts[0].Start = t0.Add(-48 * time.Hour)
	n.Shifts[0].End = n.Shifts[0].Start.Add(2 * time.Hour)
	if err := w.e.st.CreateNeed(ctx, &n); err != nil {
		w.e.t.Fatal(err)
	}
	as, err := w.e.st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: "s1", Volunteer: "v1"}}, t0.Add(-72*time.Hour))
	if err != nil {
		w.e.t.Fatal(err)
	}
	for _, s := range []volmatch.Step{{Kind: volmatch.StepCheckIn, At: n.Shifts[0].Start}, {Kind: volmatch.StepCheckOut, At: n.Shifts[0].End, Hours: 2}} {
		if _, err := w.e.st.Advance(ctx, as[0].ID, s); err != nil {
			w.e.t.Fatal(err)
		}
	}
}

// period is the query of a record's period: from 10+k days before the
// server's clock to its day (each k a period of its own).
func (w *world) period(k int) string {
	w.served()
	return fmt.Sprintf("from=%s&to=%s", t0.AddDate(0, 0, -10-k).Format(time.DateOnly), t0.Format(time.DateOnly))
}

// periodBody is the body of a certificate request of period k.
func periodBody(k int) map[string]string {
	return map[string]string{"from": t0.AddDate(0, 0, -10-k).Format(time.DateOnly), "to": t0.Format(time.DateOnly)}
}

// certificate returns org1's certificate of v1 (issued once, by sw1).
func (w *world) certificate() *api.IssuedCertificate {
	if w.cert == nil {
		w.served()
		w.cert = new(api.IssuedCertificate)
		w.e.must(201, "sw1", "POST", "/v1/volunteers/v1/certificates", periodBody(0), w.cert)
	}
	return w.cert
}

// TestCertificateOverHTTP: a volunteer issues their certificate, downloads
// the PDF (their name and hours in it), and anyone verifies it without
// signing in, by its code and by its bytes against the published key;
// altered bytes, an inflated period, another volunteer's code and a
// superseded certificate are each answered as they must be.
func TestCertificateOverHTTP(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	w.served()
	var c api.IssuedCertificate
	e.must(201, "vol1", "POST", "/v1/volunteers/v1/certificates", periodBody(0), &c)
	if c.Record.TotalHours != 2 || c.Record.Name != people[0].name || !strings.HasPrefix(c.VerifyURL, e.srv.URL+"/web/verify/") {
		t.Fatalf("issued = %+v, verify at %s", c.Record, c.VerifyURL)
	}
	var again api.IssuedCertificate
	e.must(200, "vol1", "POST", "/v1/volunteers/v1/certificates", periodBody(0), &again)
	if again.Record.Code != c.Record.Code {
		t.Errorf("issued again unchanged = %s, want %s", again.Record.Code, c.Record.Code)
	}

	// The public key verifies the signature without volmatch.
	var key struct {
		KeyID     string `json:"key_id"`
		PublicKey []byte `json:"public_key"`
	}
	e.must(200, "", "GET", "/v1/certificates/key", nil, &key)
	if !ed25519.Verify(ed25519.PublicKey(key.PublicKey), c.Signed, c.Signature) || key.KeyID != c.Record.KeyID {
		t.Errorf("the published key %s does not verify the certificate (key %s)", key.KeyID, c.Record.KeyID)
	}
	var v struct {
		Status string                 `json:"status"`
		Record volmatch.ServiceRecord `json:"record"`
	}
	e.must(200, "", "GET", "/v1/certificates/"+strings.ToLower(c.Code)+"/verify", nil, &v)
	if v.Status != "genuine" || v.Record.TotalHours != 2 {
		t.Errorf("verify by code = %s %v h, want genuine 2 h", v.Status, v.Record.TotalHours)
	}
	v.Record = volmatch.ServiceRecord{}
	forged := bytes.Replace(c.Signed, []byte(`"total_hours":2`), []byte(`"total_hours":200`), 1)
	e.must(200, "", "POST", "/v1/certificates/verify", map[string]any{"record": forged, "signature": c.Signature}, &v)
	if v.Status != "invalid" || v.Record.Name != "" {
		t.Errorf("verify of a record with hours inflated = %s (%+v), want invalid and no record", v.Status, v.Record)
	}
	if st, b := e.do("", "GET", "/v1/certificates/AAAAAAAAAAAAAAAAAAAAAAAA/verify", nil, nil); st != 404 {
		t.Errorf("verify of a code never issued = %d %s, want 404", st, b)
	}

	// The PDF, as its holder downloads it.
	st, pdf := e.do("vol1", "GET", "/v1/certificates/"+c.Record.Code+"/pdf", nil, nil)
	if st != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("GET pdf = %d %.40q, want a PDF", st, pdf)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		path := filepath.Join(t.TempDir(), "c.pdf")
		if err := os.WriteFile(path, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command("pdftotext", path, "-").Output()
		if err != nil || !strings.Contains(string(text), people[0].name) || !strings.Contains(string(text), "累计服务时长 2 小时") || !strings.Contains(string(text), c.Code) {
			t.Errorf("the PDF's text = %s (%v), want the name, 2 hours and the code", text, err)
		}
	}

	// Hostile callers.
	for _, h := range []struct {
		who, method, path string
		body              any
		want              int
		field             string
	}{
		{"vol2", "GET", "/v1/certificates/" + c.Record.Code, nil, 403, ""},
		{"vol2", "GET", "/v1/certificates/" + c.Record.Code + "/pdf", nil, 403, ""},
		{"sw2", "GET", "/v1/certificates/" + c.Record.Code + "/pdf", nil, 403, ""},
		{"vol2", "POST", "/v1/volunteers/v1/certificates", periodBody(1), 403, ""},
		{"vol1", "POST", "/v1/volunteers/v1/certificates", map[string]string{"from": "2026-01-01", "to": t0.AddDate(0, 1, 0).Format(time.DateOnly)}, 422, "to"},
		{"planner", "GET", "/v1/volunteers/v1/record?" + w.period(0), nil, 403, ""},
		{"vol1", "POST", "/v1/openings", map[string]any{"openings": []map[string]any{{"volunteer": "v1", "hours": 2000, "source": "x", "as_of": t0}}}, 403, ""},
	} {
		before := e.snapshot()
		st, b := e.do(h.who, h.method, h.path, h.body, nil)
		if st != h.want || h.field != "" && !strings.Contains(string(b), `"field":"`+h.field+`"`) {
			t.Errorf("%s %s as %s = %d %.200s, want %d naming %q", h.method, h.path, h.who, st, b, h.want, h.field)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("%s %s as %s was refused but wrote", h.method, h.path, h.who)
		}
	}

	// The organisation corrects the hours: a new certificate, the old one
	// superseded.
	as, _, err := e.st.Assignments(context.Background(), volmatch.AssignmentFilter{Volunteer: "v1", Status: volmatch.AssignCompleted})
	if err != nil || len(as) != 1 {
		t.Fatalf("v1's completed assignments = %d, %v", len(as), err)
	}
	e.must(200, "sw1", "POST", "/v1/assignments/"+as[0].ID+"/correct", map[string]any{"hours": 1.5, "reason": "签退时间记错"}, nil)
	var fresh api.IssuedCertificate
	e.must(201, "vol1", "POST", "/v1/volunteers/v1/certificates", periodBody(0), &fresh)
	e.must(200, "", "GET", "/v1/certificates/"+c.Record.Code+"/verify", nil, &v)
	if v.Status != "superseded" || v.Record.TotalHours != 2 {
		t.Errorf("the old certificate = %s %v h, want superseded showing its own 2 h", v.Status, v.Record.TotalHours)
	}
	var list api.List[json.RawMessage]
	e.must(200, "vol1", "GET", "/v1/volunteers/v1/certificates", nil, &list)
	if len(list.Items) != 2 || !strings.Contains(string(list.Items[0]), fresh.Record.Code) {
		t.Errorf("the certificates = %s, want the new one first of two", list.Items)
	}
	var stars struct {
		Level int     `json:"level"`
		Hours float64 `json:"hours"`
	}
	e.must(201, "admin", "POST", "/v1/openings", map[string]any{"openings": []map[string]any{{"volunteer": "v1", "hours": 299, "source": "志愿北京", "as_of": t0.Add(-24 * time.Hour)}}}, nil)
	e.must(200, "vol1", "GET", "/v1/volunteers/v1/stars", nil, &stars)
	if stars.Level != 2 || stars.Hours != 300.5 {
		t.Errorf("stars after an opening balance of 299 h = level %d, %v h; want 2, 300.5", stars.Level, stars.Hours)
	}
}

// credit gives vol n points (an admin's adjustment, straight to the store).
func (w *world) credit(vol string, n int64) {
	w.e.t.Helper()
	t := &volmatch.LedgerTxn{ID: fmt.Sprintf("fxt%03d", w.next()), Kind: volmatch.TxnAdjust, Reason: "测试", Actor: "admin", At: t0,
		Entries: []volmatch.LedgerEntry{{Account: volmatch.SystemAccount(volmatch.CurrencyPoints, volmatch.SysIssued), Amount: -n},
			{Account: volmatch.VolunteerAccount(volmatch.CurrencyPoints, vol), Amount: n}}}
	if err := w.e.st.PostTxn(context.Background(), t); err != nil {
		w.e.t.Fatal(err)
	}
}

// earned is a completed assignment of v1 with org1 (hours to earn on).
func (w *world) earned() string {
	w.e.t.Helper()
	ctx := context.Background()
	n := w.needValue(w.next(), "org1")
	n.Shifts[0].Start = t0.Add(-time.Duration(w.next()+100) * time.Hour)
	n.Shifts[0].End = n.Shifts[0].Start.Add(time.Hour)
	if err := w.e.st.CreateNeed(ctx, &n); err != nil {
		w.e.t.Fatal(err)
	}
	as, err := w.e.st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: "s1", Volunteer: "v1"}}, t0.Add(-1000*time.Hour))
	if err != nil {
		w.e.t.Fatal(err)
	}
	for _, s := range []volmatch.Step{{Kind: volmatch.StepCheckIn, At: n.Shifts[0].Start}, {Kind: volmatch.StepCheckOut, At: n.Shifts[0].End, Hours: 1}} {
		if _, err := w.e.st.Advance(ctx, as[0].ID, s); err != nil {
			w.e.t.Fatal(err)
		}
	}
	return as[0].ID
}

// TestLedgerOverHTTP: a spend beyond the balance is 409 with the reason
// insufficient_balance and writes nothing; the planner's totals name
// nobody.
func TestLedgerOverHTTP(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	w.credit("v1", 5)
	before := e.snapshot()
	st, b := e.do("vol1", "POST", "/v1/volunteers/v1/ledger/move", map[string]any{"currency": "points", "amount": 6, "reason": "兑换"}, nil)
	if st != 409 || !strings.Contains(string(b), `"reason":"insufficient_balance"`) {
		t.Errorf("a spend beyond the balance = %d %s, want 409 insufficient_balance", st, b)
	}
	if e.snapshot() != before {
		t.Errorf("the refused spend wrote")
	}
	var bal struct{ Points int64 }
	e.must(200, "vol1", "POST", "/v1/volunteers/v1/ledger/move", map[string]any{"currency": "points", "amount": 5, "to": "v2", "reason": "转给家人"}, &bal)
	if bal.Points != 0 {
		t.Errorf("after moving all: %d points, want 0", bal.Points)
	}
	st, b = e.do("planner", "GET", "/v1/ledger/totals", nil, nil)
	if st != 200 || !strings.Contains(string(b), `"issued_points":5`) || strings.Contains(string(b), "v1") || strings.Contains(string(b), "v2") {
		t.Errorf("totals = %d %s, want 5 issued and nobody named", st, b)
	}
}
