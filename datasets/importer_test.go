package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/taxonomy"
)

const csvHeader = "id,name,phone,lat,lng,max_travel_km,skills,certificates,availability\n"

func TestReadRejectsBadRows(t *testing.T) {
	week := strings.Repeat("0", 24) + strings.Repeat("|"+strings.Repeat("0", 24), 6)
	cases := []struct {
		name string
		file string
		body string
		want []RowError // File is filled in
	}{
		{
			name: "csv",
			file: "volunteers.csv",
			body: csvHeader +
				"V1,王芳,13800000000,39.9,116.4,5,first_aid:1,," + week + "\n" + // row 2 good
				"V2,李明,13800000001,abc,116.4,5,first_aid:1,,\n" + // 3 lat not a number
				"V3,张伟,13800000002,39.9,116.4,5,quantum_magic:1,,\n" + // 4 unknown skill
				"V1,赵敏,13800000003,39.9,116.4,5,,,\n" + // 5 duplicate id
				"V4,孙丽,13800000004,39.9,116.4,5,first_aid:7,,\n" + // 6 bad level
				"V5,周杰,13800000005,39.9\n" + // 7 too few columns
				"V6,\"吴\n涛\",13800000006,0,0,5,,,\n" + // 8 (two lines) missing point
				"V7,郑洁,13800000007,39.9,116.4,5,,first_aid_cert@tomorrow,\n" + // 10 bad expiry
				"V8,冯刚,13800000008,39.9,116.4,5,,,1010\n" + // 11 bad availability
				"V9,,13800000009,39.9,116.4,5,,,\n", // 12 no name
			want: []RowError{
				{Row: 3, Field: "lat"},
				{Row: 4, Field: "skills"},
				{Row: 5, Field: "id"},
				{Row: 6, Field: "skills"},
				{Row: 7, Field: ""},
				{Row: 8, Field: "lat"},
				{Row: 10, Field: "certificates"},
				{Row: 11, Field: "availability"},
				{Row: 12, Field: "name"},
			},
		},
		{
			name: "csv unknown column",
			file: "needs_extra.csv",
			body: "id,title,colour\nN1,t,red\n",
			want: []RowError{{Row: 1, Field: "colour"}},
		},
		{
			name: "jsonl",
			file: "needs-2026.jsonl",
			body: `{"id":"N1","org":"o1","title":"探访","domain":"elderly_care","mode":"menu","urgency":"normal","point":{"lat":39.9,"lng":116.4},"radius_km":5,"shifts":[{"id":"s1","start":"2026-11-05T18:00:00+08:00","end":"2026-11-05T20:00:00+08:00","slots":2}]}
{"id":"N2","colour":"red"}

{"id":"N3", broken
{"id":"N4","org":"o1","title":"探访","domain":"elderly_care","mode":"menu","urgency":"normal","point":{"lat":39.9,"lng":116.4},"radius_km":5,"shifts":[{"id":"s1","start":"2026-11-05T18:00:00+08:00","end":"2026-11-05T17:00:00+08:00","slots":2}]}
{"id":"N5","org":"o1","title":"探访","domain":"astrology","mode":"menu","urgency":"normal","point":{"lat":39.9,"lng":116.4},"radius_km":5,"shifts":[{"id":"s1","start":"2026-11-05T18:00:00+08:00","end":"2026-11-05T20:00:00+08:00","slots":2}]}
{"id":"N6","radius_km":"five"}
{"id":"N7","posted_at":"yesterday"}
{"id":"N1","org":"o1","title":"探访","domain":"elderly_care","mode":"menu","urgency":"normal","point":{"lat":39.9,"lng":116.4},"radius_km":5,"shifts":[{"id":"s1","start":"2026-11-05T18:00:00+08:00","end":"2026-11-05T20:00:00+08:00","slots":2}]}
`,
			want: []RowError{
				{Row: 2, Field: "colour"},
				{Row: 4, Field: ""},
				{Row: 5, Field: "shifts[0].end"},
				{Row: 6, Field: "domain"},
				{Row: 7, Field: "radius_km"},
				{Row: 8, Field: "posted_at"},
				{Row: 9, Field: "id"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := ReadFile(path, taxonomy.Load().Has)
			if b != nil {
				t.Errorf("ReadFile() returned %d records with errors, want none", b.Len())
			}
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("ReadFile() = %v, want *ImportError", err)
			}
			if volmatch.ErrorCode(err) != volmatch.EINVALID {
				t.Errorf("ErrorCode(ReadFile()) = %q, want %q", volmatch.ErrorCode(err), volmatch.EINVALID)
			}
			var got []string
			for _, r := range ie.Rows {
				if r.File != path || r.Reason == "" {
					t.Errorf("row error %+v: want file %s and a reason", r, path)
				}
				got = append(got, r.String())
			}
			if len(ie.Rows) != len(c.want) {
				t.Fatalf("ReadFile() found %d bad rows, want %d:\n%s", len(ie.Rows), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if r := ie.Rows[i]; r.Row != w.Row || r.Field != w.Field {
					t.Errorf("bad row %d = %d %q (%s), want %d %q", i, r.Row, r.Field, r.Reason, w.Row, w.Field)
				}
			}
			for _, s := range []string{"王芳", "13800000001"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error names personal data %q: %v", s, err)
				}
			}
		})
	}
}

func TestReadCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(csvHeader)
	for range MaxRowErrors + 50 {
		b.WriteString("V1,王芳,13800000000,0,0,5,,,\n")
	}
	_, err := Read(strings.NewReader(b.String()), "volunteers.csv", nil)
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != MaxRowErrors {
		t.Fatalf("Read() = %v, want %d row errors", err, MaxRowErrors)
	}
	if msg := ie.Error(); strings.Count(msg, "\n") != 21 || !strings.Contains(msg, "and 980 more") {
		t.Errorf("ImportError.Error() lists %d lines, want 20 rows and a tail:\n%s", strings.Count(msg, "\n"), msg)
	}
}

func TestFileKind(t *testing.T) {
	for _, c := range []struct {
		name, kind, format string
		ok                 bool
	}{
		{"/x/volunteers.jsonl", KindVolunteers, FormatJSONL, true},
		{"Volunteers-2026.CSV", KindVolunteers, FormatCSV, true},
		{"needs.csv", KindNeeds, FormatCSV, true},
		{"pools.jsonl", KindPools, FormatJSONL, true},
		{"stations_all.jsonl", KindStations, FormatJSONL, true},
		{"pools.csv", "", "", false},
		{"people.jsonl", "", "", false},
		{"needs.json", "", "", false},
	} {
		k, f, err := FileKind(c.name)
		if k != c.kind || f != c.format || (err == nil) != c.ok {
			t.Errorf("FileKind(%q) = %q, %q, %v; want %q, %q, ok %v", c.name, k, f, err, c.kind, c.format, c.ok)
		}
	}
}

func TestReadPoolsAndStations(t *testing.T) {
	_, err := Read(strings.NewReader(`{"id":"p1","name":"库","domain":"health","members":["bad id!"]}`+"\n"), "pools.jsonl", nil)
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Rows[0].Field != "members[0]" {
		t.Errorf("Read(pools) = %v, want a members[0] row error", err)
	}
	b, err := Read(strings.NewReader(`{"id":"ST1","name":"站","type":"公园","point":{"lat":39.9,"lng":116.4},"hours":""}`+"\n"), "stations.jsonl", nil)
	if err != nil || len(b.Stations) != 1 {
		t.Errorf("Read(stations) = %v, %v; want one station", b, err)
	}
}
