package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"volmatch"
)

// MaxRowErrors is the number of bad rows collected from one file before
// reading stops; the file is rejected either way.
const MaxRowErrors = 1000

// maxLine is the longest JSONL line accepted (a need with 500 shifts fits).
const maxLine = 4 << 20

// Record kinds, as named by the start of a file's name.
const (
	KindVolunteers = "volunteers"
	KindNeeds      = "needs"
	KindPools      = "pools"
	KindStations   = "stations"
)

// Formats of import and export files.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// RowError is one bad row of an import file.
type RowError struct {
	File string
	// Row is the 1-based line number in the file: the line of a JSONL
	// record, or the line a CSV record starts on (the header is row 1).
	Row int
	// Field names the field (JSON path) or CSV column; empty when the row as
	// a whole is bad.
	Field  string
	Reason string
}

// String renders the row error as FILE:ROW: FIELD: REASON.
func (e RowError) String() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Row, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Row, e.Field, e.Reason)
}

// ImportError rejects a whole file: every bad row found (up to
// MaxRowErrors). It unwraps to an EINVALID *volmatch.Error, so
// volmatch.ErrorCode reports EINVALID.
type ImportError struct {
	Rows []RowError
}

// Error lists up to 20 bad rows.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s", plural(len(e.Rows), "bad row"))
	for i, r := range e.Rows {
		if i == 20 {
			fmt.Fprintf(&b, "\n... and %d more", len(e.Rows)-20)
			break
		}
		b.WriteString("\n")
		b.WriteString(r.String())
	}
	return b.String()
}

// Unwrap returns the EINVALID application error that the rows amount to.
func (e *ImportError) Unwrap() error {
	ve := volmatch.Errorf(volmatch.EINVALID, "%s", plural(len(e.Rows), "bad row"))
	if len(e.Rows) > 0 {
		ve.Field = e.Rows[0].Field
		ve.Message = fmt.Sprintf("%s; first: %s", plural(len(e.Rows), "bad row"), e.Rows[0].String())
	}
	return ve
}

// Batch is the content of import files, all of it valid.
type Batch struct {
	Volunteers []*volmatch.Volunteer
	Needs      []*volmatch.Need
	Pools      []*volmatch.TalentPool
	Stations   []*volmatch.Station
}

// Add appends the records of o.
func (b *Batch) Add(o *Batch) {
	b.Volunteers = append(b.Volunteers, o.Volunteers...)
	b.Needs = append(b.Needs, o.Needs...)
	b.Pools = append(b.Pools, o.Pools...)
	b.Stations = append(b.Stations, o.Stations...)
}

// Len returns the number of records.
func (b *Batch) Len() int {
	return len(b.Volunteers) + len(b.Needs) + len(b.Pools) + len(b.Stations)
}

// FileKind returns the record kind and the format that a file name stands
// for: the kind from how the base name starts (volunteers*, needs*, pools*,
// stations*), the format from the extension (.jsonl, .csv). EINVALID when
// either is unknown or CSV is asked for pools or stations.
func FileKind(name string) (kind, format string, err error) {
	base := strings.ToLower(filepath.Base(name))
	switch ext := filepath.Ext(base); ext {
	case ".jsonl":
		format = FormatJSONL
	case ".csv":
		format = FormatCSV
	default:
		return "", "", volmatch.Errorf(volmatch.EINVALID, "file %s: extension %q is not .jsonl or .csv", filepath.Base(name), ext)
	}
	for _, k := range []string{KindVolunteers, KindNeeds, KindPools, KindStations} {
		if strings.HasPrefix(base, k) {
			kind = k
		}
	}
	if kind == "" {
		return "", "", volmatch.Errorf(volmatch.EINVALID, "file %s: name must start with volunteers, needs, pools or stations", filepath.Base(name))
	}
	if format == FormatCSV && (kind == KindPools || kind == KindStations) {
		return "", "", volmatch.Errorf(volmatch.EINVALID, "file %s: %s are imported from JSONL only", filepath.Base(name), kind)
	}
	return kind, format, nil
}

// ReadFile reads and validates an import file; see Read.
func ReadFile(path string, known func(key string) bool) (*Batch, error) {
	if _, _, err := FileKind(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: open %s: %w", path, err)
	}
	defer f.Close()
	return Read(f, path, known)
}

// Read reads and validates the records of one file, whose kind and format
// name gives (see FileKind). Every row is decoded strictly (unknown fields
// and columns are errors) and checked with Validate and, for volunteers and
// needs, CheckSkills(known) (nil known skips that check). An ID used twice
// is an error. All bad rows are collected (up to MaxRowErrors) and returned
// as an *ImportError, with no records: a file is taken whole or not at all.
func Read(r io.Reader, name string, known func(key string) bool) (*Batch, error) {
	kind, format, err := FileKind(name)
	if err != nil {
		return nil, err
	}
	rd := &rowReader{file: name, kind: kind, known: known, seen: map[string]int{}}
	if format == FormatCSV {
		err = rd.readCSV(r)
	} else {
		err = rd.readJSONL(r)
	}
	if err != nil {
		return nil, err
	}
	if len(rd.errs) > 0 {
		return nil, &ImportError{Rows: rd.errs}
	}
	return &rd.batch, nil
}

// rowReader collects the records and the bad rows of one file.
type rowReader struct {
	file  string
	kind  string
	known func(string) bool
	seen  map[string]int // id -> first row
	batch Batch
	errs  []RowError
}

// errFull stops reading once MaxRowErrors rows are collected.
var errFull = errors.New("too many bad rows")

func (rd *rowReader) fail(row int, field, reason string) error {
	rd.errs = append(rd.errs, RowError{File: rd.file, Row: row, Field: field, Reason: reason})
	if len(rd.errs) >= MaxRowErrors {
		return errFull
	}
	return nil
}

// failErr records a validation error, naming its field.
func (rd *rowReader) failErr(row int, err error, column func(string) string) error {
	field := volmatch.ErrorField(err)
	msg := volmatch.ErrorMessage(err)
	if volmatch.ErrorCode(err) == volmatch.EINTERNAL {
		msg = err.Error()
	}
	if column != nil && field != "" {
		if c := column(field); c != field {
			msg = field + " " + msg
			field = c
		}
	}
	return rd.fail(row, field, msg)
}

func (rd *rowReader) readJSONL(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	row := 0
	for sc.Scan() {
		row++
		line := bytes.TrimSpace(sc.Bytes())
		if row == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(line) == 0 {
			continue
		}
		if err := rd.decodeJSON(row, line); err != nil {
			return nil // errFull: enough said
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			_ = rd.fail(row+1, "", fmt.Sprintf("line longer than %d bytes", maxLine))
			return nil
		}
		return fmt.Errorf("datasets: read %s: %w", rd.file, err)
	}
	return nil
}

func strictJSON(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// jsonFailure turns a decoding error into a field and a reason.
func jsonFailure(err error) (string, string) {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return te.Field, fmt.Sprintf("cannot be a JSON %s", te.Value)
	case errors.As(err, &se):
		return "", fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return strings.Trim(f, `"`), "unknown field"
	}
	msg = strings.TrimPrefix(msg, "json: ")
	// Errors from a field's UnmarshalJSON (Week, time) name no field.
	if strings.Contains(msg, "availability") {
		return "availability", msg
	}
	if strings.Contains(msg, "parsing time") {
		// The message would echo the value; say what is wanted instead.
		return "", "must be an RFC 3339 time, like 2026-11-05T18:00:00+08:00"
	}
	return "", msg
}

func newRecord(kind string) any {
	switch kind {
	case KindVolunteers:
		return &volmatch.Volunteer{}
	case KindNeeds:
		return &volmatch.Need{}
	case KindPools:
		return &volmatch.TalentPool{}
	}
	return &volmatch.Station{}
}

// locateField finds the top-level field whose value fails to decode when
// the decoder's error names none (a bad time or week inside it): each field
// is decoded alone. "" when the line is not an object or no field fails
// alone.
func locateField(line []byte, kind string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			continue
		}
		if strictJSON(one, newRecord(kind)) != nil {
			return k
		}
	}
	return ""
}

func (rd *rowReader) decodeJSON(row int, line []byte) error {
	var id string
	rec := newRecord(rd.kind)
	if err := strictJSON(line, rec); err != nil {
		f, msg := jsonFailure(err)
		if f == "" {
			f = locateField(line, rd.kind)
		}
		return rd.fail(row, f, msg)
	}
	switch x := rec.(type) {
	case *volmatch.Volunteer:
		id = x.ID
	case *volmatch.Need:
		id = x.ID
	case *volmatch.TalentPool:
		id = x.ID
	case *volmatch.Station:
		id = x.ID
	}
	return rd.add(row, id, rec, nil)
}

// add validates a decoded record and keeps it, or records why not.
func (rd *rowReader) add(row int, id string, rec any, column func(string) string) error {
	var err error
	switch x := rec.(type) {
	case *volmatch.Volunteer:
		err = x.Validate()
		if err == nil && rd.known != nil {
			err = x.CheckSkills(rd.known)
		}
	case *volmatch.Need:
		err = x.Validate()
		if err == nil && rd.known != nil {
			err = x.CheckSkills(rd.known)
		}
	case *volmatch.TalentPool:
		err = x.Validate()
	case *volmatch.Station:
		err = x.Validate()
	}
	if err != nil {
		return rd.failErr(row, err, column)
	}
	if first, dup := rd.seen[id]; dup {
		return rd.fail(row, "id", fmt.Sprintf("id %q is used twice in the file (first at row %d)", id, first))
	}
	rd.seen[id] = row
	switch x := rec.(type) {
	case *volmatch.Volunteer:
		rd.batch.Volunteers = append(rd.batch.Volunteers, x)
	case *volmatch.Need:
		rd.batch.Needs = append(rd.batch.Needs, x)
	case *volmatch.TalentPool:
		rd.batch.Pools = append(rd.batch.Pools, x)
	case *volmatch.Station:
		rd.batch.Stations = append(rd.batch.Stations, x)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// rowString is a helper for messages about a value read from a cell.
func rowString(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
