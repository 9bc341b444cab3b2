package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// TestExchangeCLI: two deployments (two data folders, two keys made on
// first use): Tianjin exports V1's signed records, Beijing imports them
// with Tianjin's public key in its trust list, once however often; an
// altered file and an untrusted one are refused.
func TestExchangeCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tianjin, beijing := filepath.Join(dir, "tianjin"), filepath.Join(dir, "beijing")
	for _, data := range []string{tianjin, beijing} {
		st, err := openStore(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutVolunteers(ctx, []*volmatch.Volunteer{fixture.Volunteer("V1")}); err != nil {
			t.Fatal(err)
		}
		if data == tianjin {
			n := fixture.Need("N1")
			sh := n.Shifts[0]
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
		}
		st.Close()
	}
	key, _ := runOK(t, "certificate", "key", "--data", tianjin)
	keyFile := filepath.Join(dir, "tianjin.key.json")
	// The importer names the issuer in its trust list.
	key = strings.Replace(key, "volmatch 志愿服务平台", "天津志愿服务平台", 1)
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "V1.json")
	out, _ := runOK(t, "exchange", "export", "--data", tianjin, "--volunteer", "V1", "--out", file, "--issuer", "天津志愿服务平台")
	if !strings.Contains(out, "exported V1: 1 services") {
		t.Errorf("exchange export printed %q", out)
	}
	imp := []string{"exchange", "import", "--data", beijing, "--exchange-trust", keyFile, file}
	if out, _ := runOK(t, imp...); !strings.Contains(out, "1 added (2.5 h), 0 already imported") || !strings.Contains(out, "天津志愿服务平台") {
		t.Errorf("first import printed %q", out)
	}
	if out, _ := runOK(t, imp...); !strings.Contains(out, "0 added (0 h), 1 already imported") {
		t.Errorf("second import printed %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	altered := filepath.Join(dir, "altered.json")
	if err := os.WriteFile(altered, bytes.Replace(b, []byte(`"hours":2.5`), []byte(`"hours":9.5`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"exchange", "import", "--data", beijing, "--exchange-trust", keyFile, altered}, "signature does not match"},
		{[]string{"exchange", "import", "--data", beijing, file}, "not in the trust list"},
		{[]string{"exchange", "import", "--data", beijing, "--exchange-trust", file, file}, "want an Ed25519 key"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) = %d, stderr %q; want a refusal with %q", c.args, code, stderr.String(), c.want)
		}
	}
}
