package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

// TestCertificateCLI: volmatch certificate issue writes the PDF of a
// volunteer's record, signed with a key made in the data folder on first
// use (mode 0600) and kept; certificate verify finds it genuine; issued
// again unchanged it is the same certificate; a named key file that does
// not exist is refused.
func TestCertificateCLI(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	st, err := openStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	v := fixture.Volunteer("V1")
	v.Name = "赵志强"
	n := fixture.Need("N1")
	sh := n.Shifts[0]
	if err := st.PutVolunteers(ctx, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateNeed(ctx, n); err != nil {
		t.Fatal(err)
	}
	as, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: sh.ID, Volunteer: "V1"}}, fixture.Base)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []volmatch.Step{{Kind: volmatch.StepCheckIn, At: sh.Start}, {Kind: volmatch.StepCheckOut, At: sh.End, Hours: 2.5}} {
		if _, err := st.Advance(ctx, as[0].ID, s); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	pdf := filepath.Join(t.TempDir(), "cert.pdf")
	args := []string{"certificate", "issue", "--data", data, "--volunteer", "V1", "--from", "2026-11-01", "--to", time.Now().In(volmatch.Beijing).Format(time.DateOnly),
		"--out", pdf, "--public-url", "https://volmatch.example"}
	out, _ := runOK(t, args...)
	m := regexp.MustCompile(`certificate ([A-Z2-7-]{29}) \(issued\): 1 services, 2.5 hours`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "https://volmatch.example/web/verify/") {
		t.Fatalf("certificate issue printed %q, want the code, 1 service of 2.5 hours and the verify address", out)
	}
	fi, err := os.Stat(filepath.Join(data, "certificate.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, mode %v; want it made with 0600", err, fi.Mode())
	}
	if raw, _ := os.ReadFile(pdf); !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF", pdf)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		text, err := exec.Command("pdftotext", pdf, "-").Output()
		if err != nil || !strings.Contains(string(text), "赵志强") || !strings.Contains(string(text), m[1]) {
			t.Errorf("the PDF's text = %q (%v), want the name and the code", text, err)
		}
	}
	out, _ = runOK(t, "certificate", "verify", "--data", data, strings.ToLower(m[1]))
	if !strings.Contains(out, `"status": "genuine"`) {
		t.Errorf("certificate verify = %s, want genuine", out)
	}
	if again, _ := runOK(t, args...); !strings.Contains(again, m[1]+" (unchanged") {
		t.Errorf("issued again = %q, want the same certificate %s", again, m[1])
	}
	if out, _ := runOK(t, "certificate", "key", "--data", data); !strings.Contains(out, `"algorithm": "Ed25519"`) {
		t.Errorf("certificate key = %s", out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"certificate", "key", "--data", data, "--cert-key", filepath.Join(data, "missing.key")}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "certificate key") {
		t.Errorf("a named key file that is missing = exit %d, %s; want refused", code, stderr.String())
	}
}
