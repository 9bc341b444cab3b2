package datasets_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/datasets"
)

// The import fuzz targets read any bytes as an import file. The property:
// no panic; either an *ImportError whose every row reads FILE:ROW: FIELD:
// REASON (FIELD empty only for a row bad as a whole) with no records, or
// records that export and import again to the same records. The seed
// corpora are in testdata/fuzz/FuzzImportCSV and FuzzImportJSONL; plain go
// test runs them.

// importKinds are the files a fuzz input is read as, by its selector byte.
var (
	csvFiles   = []string{"volunteers.csv", "needs.csv"}
	jsonlFiles = []string{"volunteers.jsonl", "needs.jsonl", "pools.jsonl", "stations.jsonl"}
)

func FuzzImportCSV(f *testing.F) {
	f.Add(uint8(0), []byte("id,name,phone,lat,lng,max_travel_km\nV1,王芳,13800000000,39.9,116.4,5\n"))
	f.Add(uint8(1), []byte("id,org,title,domain,mode,urgency,lat,lng,radius_km,shifts\n"+
		"N1,o1,探访,elderly_care,menu,normal,39.9,116.4,5,s1@2026-11-05T18:00:00+08:00/2026-11-05T20:00:00+08:00#2\n"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		checkImport(t, csvFiles[int(kind)%len(csvFiles)], data)
	})
}

func FuzzImportJSONL(f *testing.F) {
	f.Add(uint8(0), []byte(`{"id":"V1","name":"王芳","phone":"13800000000","home":{"lat":39.9,"lng":116.4},"max_travel_km":5}`+"\n"))
	f.Add(uint8(1), []byte(`{"id":"N1","org":"o1","title":"探访","domain":"elderly_care","mode":"menu","urgency":"normal","point":{"lat":39.9,"lng":116.4},"radius_km":5,"shifts":[{"id":"s1","start":"2026-11-05T18:00:00+08:00","end":"2026-11-05T20:00:00+08:00","slots":2}]}`+"\n"))
	f.Add(uint8(2), []byte(`{"id":"P1","domain":"law","name":"法律人才库"}`+"\n"))
	f.Add(uint8(3), []byte(`{"id":"S1","name":"站点","point":{"lat":39.9,"lng":116.4}}`+"\n"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		checkImport(t, jsonlFiles[int(kind)%len(jsonlFiles)], data)
	})
}

// known is the fuzz targets' taxonomy check: every key but one is known, so
// CheckSkills runs and can fail.
func known(key string) bool { return key != "unknown_skill" }

// checkImport reads data as the file name and checks the property.
func checkImport(t *testing.T, name string, data []byte) {
	b, err := datasets.Read(bytes.NewReader(data), name, known)
	if err != nil {
		checkImportError(t, name, data, err)
		return
	}
	_, format, _ := datasets.FileKind(name)
	out1 := export(t, name, format, b)
	b2, err := datasets.Read(bytes.NewReader(out1), name, known)
	if err != nil {
		t.Fatalf("Read(export of %s) = %v; the export:\n%s", name, err, out1)
	}
	out2 := export(t, name, format, b2)
	if !bytes.Equal(out1, out2) {
		t.Fatalf("export, import, export of %s differs:\n%s\nthen\n%s", name, out1, out2)
	}
	toUTC(reflect.ValueOf(b))
	toUTC(reflect.ValueOf(b2))
	if !reflect.DeepEqual(b, b2) {
		t.Fatalf("records of %s differ after export and import:\n%#v\nthen\n%#v", name, b, b2)
	}
}

// checkImportError checks that a refusal is an *ImportError whose rows each
// name the file, a row of it and a reason.
func checkImportError(t *testing.T, name string, data []byte, err error) {
	var ie *datasets.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("Read(%s) = %v (%T), want an *ImportError", name, err, err)
	}
	if volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Fatalf("Read(%s) code = %q, want %q", name, volmatch.ErrorCode(err), volmatch.EINVALID)
	}
	if len(ie.Rows) == 0 || len(ie.Rows) > datasets.MaxRowErrors {
		t.Fatalf("Read(%s) = %d bad rows, want 1..%d", name, len(ie.Rows), datasets.MaxRowErrors)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, r := range ie.Rows {
		if r.File != name || r.Row < 1 || r.Row > lines+1 || strings.TrimSpace(r.Reason) == "" {
			t.Fatalf("Read(%s) row error %+v: want file %s, a row in 1..%d and a reason", name, r, name, lines+1)
		}
		want := fmt.Sprintf("%s:%d: ", name, r.Row)
		if r.Field != "" {
			want += r.Field + ": "
		}
		if s := r.String(); s != want+r.Reason {
			t.Fatalf("RowError.String() = %q, want %q", s, want+r.Reason)
		}
	}
}

func export(t *testing.T, name, format string, b *datasets.Batch) []byte {
	var buf bytes.Buffer
	var err error
	switch {
	case strings.HasPrefix(name, datasets.KindVolunteers):
		err = datasets.WriteVolunteers(&buf, format, b.Volunteers)
	case strings.HasPrefix(name, datasets.KindNeeds):
		err = datasets.WriteNeeds(&buf, format, b.Needs)
	case strings.HasPrefix(name, datasets.KindPools):
		err = datasets.WritePools(&buf, b.Pools)
	default:
		err = datasets.WriteStations(&buf, b.Stations)
	}
	if err != nil {
		t.Fatalf("export %s: %v", name, err)
	}
	return buf.Bytes()
}

var timeType = reflect.TypeOf(time.Time{})

// toUTC sets every time.Time reachable from v to UTC, so records compare by
// instant, not by the zone a file wrote them in.
func toUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			toUTC(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				toUTC(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			toUTC(v.Index(i))
		}
	}
}
