package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
	"volmatch/taxonomy"
)

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, stderr:\n%s", args, code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

func TestGenImportExport(t *testing.T) {
	tmp := t.TempDir()
	pop, data := filepath.Join(tmp, "pop"), filepath.Join(tmp, "data")
	out, _ := runOK(t, "gen", "--volunteers", "400", "--needs", "60", "--seed", "3", "--weeks", "2", "--out", pop)
	if want := "wrote 400 volunteers, 60 needs, 13 pools, 200 stations"; !strings.Contains(out, want) {
		t.Errorf("gen printed %q, want %q", out, want)
	}
	files := []string{"import", "--data", data}
	for _, f := range []string{datasets.VolunteersFile, datasets.NeedsFile, datasets.PoolsFile, datasets.StationsFile} {
		files = append(files, filepath.Join(pop, f))
	}
	out, _ = runOK(t, files...)
	if want := "imported 400 volunteers, 60 needs, 13 pools, 200 stations"; !strings.Contains(out, want) {
		t.Errorf("import printed %q, want %q", out, want)
	}

	p, err := datasets.ReadDir(pop)
	if err != nil {
		t.Fatal(err)
	}
	// Export in both formats and compare with what gen wrote.
	for _, c := range []struct{ kind, format string }{
		{"volunteers", "jsonl"}, {"volunteers", "csv"}, {"needs", "jsonl"}, {"needs", "csv"}, {"pools", "jsonl"}, {"stations", "jsonl"},
	} {
		t.Run(c.kind+"."+c.format, func(t *testing.T) {
			path := filepath.Join(tmp, "export-"+c.kind+"."+c.format)
			_, errOut := runOK(t, "export", "--data", data, "--kind", c.kind, "--format", c.format, "--out", path)
			if !strings.Contains(errOut, "exported ") {
				t.Errorf("export stderr %q", errOut)
			}
			// The exported file imports cleanly (as a file of its kind).
			named := filepath.Join(tmp, c.kind+"-again."+c.format)
			if err := os.Rename(path, named); err != nil {
				t.Fatal(err)
			}
			b, err := datasets.ReadFile(named, taxonomy.Load().Has)
			if err != nil {
				t.Fatalf("ReadFile(exported %s) = %v", c.kind, err)
			}
			switch c.kind {
			case "volunteers":
				if len(b.Volunteers) != len(p.Volunteers) {
					t.Fatalf("exported %d volunteers, want %d", len(b.Volunteers), len(p.Volunteers))
				}
				for i, v := range p.Volunteers {
					if got, want := normVolunteer(b.Volunteers[i], c.format), normVolunteer(v, c.format); got != want {
						t.Fatalf("exported volunteer %d:\n got %s\nwant %s", i, got, want)
					}
				}
			case "needs":
				if len(b.Needs) != len(p.Needs) {
					t.Fatalf("exported %d needs, want %d", len(b.Needs), len(p.Needs))
				}
				for i, n := range p.Needs {
					if got, want := normNeed(b.Needs[i], c.format), normNeed(n, c.format); got != want {
						t.Fatalf("exported need %d:\n got %s\nwant %s", i, got, want)
					}
				}
			case "pools":
				if len(b.Pools) != 13 {
					t.Errorf("exported %d pools, want 13", len(b.Pools))
				}
			case "stations":
				if len(b.Stations) != 200 {
					t.Errorf("exported %d stations, want 200", len(b.Stations))
				}
			}
		})
	}

	// To standard output, JSONL by default.
	out, _ = runOK(t, "export", "--data", data, "--kind", "stations")
	if lines := strings.Count(out, "\n"); lines != 200 {
		t.Errorf("export to stdout wrote %d lines, want 200", lines)
	}
	var s volmatch.Station
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &s); err != nil || s.ID != "ST0001" {
		t.Errorf("first exported station = %+v, %v; want ST0001", s, err)
	}
}

// normVolunteer renders v without what the store sets (UpdatedAt) and,
// for CSV, without what CSV does not carry (stats, hidden preferences).
func normVolunteer(v *volmatch.Volunteer, format string) string {
	c := *v
	c.UpdatedAt = time.Time{}
	if format == "csv" {
		c.Hidden, c.Stats = nil, volmatch.VolunteerStats{}
	}
	b, _ := json.Marshal(&c)
	return string(b)
}

// normNeed renders n without UpdatedAt, the derived supply and fill counts.
func normNeed(n *volmatch.Need, format string) string {
	c := *n
	c.UpdatedAt, c.Supply = time.Time{}, 0
	c.Shifts = append([]volmatch.Shift(nil), n.Shifts...)
	for i := range c.Shifts {
		c.Shifts[i].Filled = 0
	}
	b, _ := json.Marshal(&c)
	return string(b)
}

func TestImportRejectsBadRows(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	good := filepath.Join(tmp, "stations.jsonl")
	if err := os.WriteFile(good, []byte(`{"id":"ST1","name":"站","type":"公园","point":{"lat":39.9,"lng":116.4},"hours":""}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(tmp, "volunteers.csv")
	body := "id,name,phone,lat,lng,max_travel_km,skills\n" +
		"V1,王芳,13800000000,39.9,116.4,5,first_aid:1\n" +
		"V2,李明,13800000001,39.9,north,5,first_aid:1\n" +
		"V3,张伟,13800000002,39.9,116.4,5,first_aid:9\n" +
		"V4,赵敏,13800000003,39.9,116.4,5,no_such_skill:1\n"
	if err := os.WriteFile(bad, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", "--data", data, good, bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("import of bad rows exited %d, want 1; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{bad + ":3: lng: ", bad + ":4: skills: ", bad + ":5: skills: ", "nothing written"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "王芳") || strings.Contains(stderr.String(), "1380000000") {
		t.Errorf("stderr shows personal data:\n%s", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
	// Nothing written: not even the good file's station.
	st, err := openStore(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Station(context.Background(), "ST1"); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("Station(ST1) after a rejected import = %v, want ENOTFOUND", err)
	}
	if vs, _, err := st.Volunteers(context.Background(), volmatch.VolunteerFilter{}); err != nil || len(vs) != 0 {
		t.Errorf("Volunteers() after a rejected import = %d, %v; want none", len(vs), err)
	}
}

func TestDatasetCommandsRefuse(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"gen", "--volunteers", "-1", "--out", tmp}, "negative"},
		{[]string{"gen", "--volunteers", "5"}, "out"},
		{[]string{"import", "--data", tmp, filepath.Join(tmp, "people.jsonl")}, "name must start with"},
		{[]string{"import", "--data", tmp, filepath.Join(tmp, "volunteers.jsonl")}, "no such file"},
		{[]string{"export", "--data", tmp, "--kind", "pools", "--format", "csv"}, "jsonl only"},
		{[]string{"export", "--data", tmp, "--kind", "people"}, "--kind must be"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) = %d, stderr %q; want 1 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
