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
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	KindTeams      = "teams" // JSONL only, like pools
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
	Teams      []*volmatch.Team
}

// Add appends the records of o.
func (b *Batch) Add(o *Batch) {
	b.Volunteers = append(b.Volunteers, o.Volunteers...)
	b.Needs = append(b.Needs, o.Needs...)
	b.Pools = append(b.Pools, o.Pools...)
	b.Stations = append(b.Stations, o.Stations...)
	b.Teams = append(b.Teams, o.Teams...)
}

// Len returns the number of records.
func (b *Batch) Len() int {
	return len(b.Volunteers) + len(b.Needs) + len(b.Pools) + len(b.Stations) + len(b.Teams)
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
	for _, k := range []string{KindVolunteers, KindNeeds, KindPools, KindStations, KindTeams} {
		if strings.HasPrefix(base, k) {
			kind = k
		}
	}
	if kind == "" {
		return "", "", volmatch.Errorf(volmatch.EINVALID, "file %s: name must start with volunteers, needs, pools, stations or teams", filepath.Base(name))
	}
	if format == FormatCSV && (kind == KindPools || kind == KindStations || kind == KindTeams) {
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
// JSONL rows are decoded and checked on every core (see Stream).
func Read(r io.Reader, name string, known func(key string) bool) (*Batch, error) {
	rd, err := newRowReader(name, known)
	if err != nil {
		return nil, err
	}
	if err := rd.read(r, StreamOptions{}); err != nil {
		return nil, err
	}
	if len(rd.errs) > 0 {
		return nil, &ImportError{Rows: rd.errs}
	}
	return &rd.batch, nil
}

// StreamOptions tune Stream; the zero value works.
type StreamOptions struct {
	// Chunk is the most records passed to one call of fn (5,000 when 0).
	Chunk int
	// Workers is the number of goroutines that decode and check JSONL rows
	// (GOMAXPROCS when 0).
	Workers int
	// Progress, when set, is called now and then with the bytes of the file
	// read so far (JSONL only), from the goroutine that calls fn.
	Progress func(bytes int64)
}

// StreamFile opens a file and streams it; see Stream.
func StreamFile(path string, known func(key string) bool, o StreamOptions, fn func(*Batch) error) error {
	if _, _, err := FileKind(path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: open %s: %w", path, err)
	}
	defer f.Close()
	return Stream(f, path, known, o, fn)
}

// Stream reads and validates one file as Read does, without keeping its
// records: fn, when not nil, is called with the valid records in file
// order, at most Chunk at a time, until the first bad row; after a bad row
// it is not called again, the rest of the file is still checked, and
// Stream returns an *ImportError with every bad row (up to MaxRowErrors).
// An error from fn stops the reading and is returned. So a file is checked
// with one Stream (fn collecting IDs, say) and, when clean, written with a
// second one whose fn writes: an import holds no more than a few chunks of
// records at a time, whatever the size of the file. JSONL rows are decoded
// and checked on several goroutines; fn is called from one goroutine.
func Stream(r io.Reader, name string, known func(key string) bool, o StreamOptions, fn func(*Batch) error) error {
	rd, err := newRowReader(name, known)
	if err != nil {
		return err
	}
	if o.Chunk <= 0 {
		o.Chunk = 5000
	}
	rd.emit, rd.chunk = fn, o.Chunk
	if fn == nil {
		rd.emit = func(*Batch) error { return nil }
	}
	if err := rd.read(r, o); err != nil {
		return err
	}
	if rd.emitErr != nil {
		return rd.emitErr
	}
	if len(rd.errs) > 0 {
		return &ImportError{Rows: rd.errs}
	}
	return rd.flush()
}

func newRowReader(name string, known func(key string) bool) (*rowReader, error) {
	kind, format, err := FileKind(name)
	if err != nil {
		return nil, err
	}
	return &rowReader{file: name, kind: kind, format: format, known: known, seen: map[string]int{}}, nil
}

// read reads every row of the file, keeping or emitting the valid records.
func (rd *rowReader) read(r io.Reader, o StreamOptions) error {
	if rd.format == FormatCSV {
		return rd.readCSV(r)
	}
	return rd.readJSONL(r, o)
}

// rowReader collects the records and the bad rows of one file.
type rowReader struct {
	file   string
	kind   string
	format string
	known  func(string) bool
	seen   map[string]int // id -> first row
	batch  Batch
	errs   []RowError

	// emit, when set, receives the records chunk records at a time instead
	// of keeping them all; emitErr is the error it returned.
	emit    func(*Batch) error
	chunk   int
	emitErr error
}

// errEmit stops reading after emit failed (the error is in emitErr).
var errEmit = errors.New("emit failed")

// flush passes the records kept so far to emit.
func (rd *rowReader) flush() error {
	if rd.emit == nil || rd.batch.Len() == 0 {
		return nil
	}
	b := rd.batch
	rd.batch = Batch{}
	if err := rd.emit(&b); err != nil {
		rd.emitErr = err
		return errEmit
	}
	return nil
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

// jsonBlock is a run of JSONL lines handed to a decoding worker, and the
// outcome of each.
type jsonBlock struct {
	seq   int
	row   int      // row of the first line
	lines [][]byte // trimmed; empty lines are skipped
	bytes int64    // bytes of the file the block covers
	out   []jsonRow
}

// jsonRow is one decoded and checked line.
type jsonRow struct {
	row   int
	id    string
	rec   any
	field string // decoding failed: the field and the reason
	msg   string
	bad   bool
	err   error // the record fails Validate or CheckSkills
}

// readJSONL decodes and checks lines on several workers and takes their
// outcomes in line order, so the result is the one a single reader gives.
func (rd *rowReader) readJSONL(r io.Reader, o StreamOptions) error {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const blockLines = 256
	jobs := make(chan *jsonBlock, workers)
	results := make(chan *jsonBlock, 2*workers)
	stop := make(chan struct{})
	var (
		scanErr error
		lastRow int
	)
	go func() { // the reader
		defer close(jobs)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 256*1024), maxLine)
		row, seq := 0, 0
		blk := &jsonBlock{row: 1}
		var buf []byte
		send := func() bool {
			select {
			case jobs <- blk:
				seq++
				blk = &jsonBlock{seq: seq, row: row + 1}
				buf = nil
				return true
			case <-stop:
				return false
			}
		}
		for sc.Scan() {
			row++
			raw := sc.Bytes()
			blk.bytes += int64(len(raw)) + 1
			line := bytes.TrimSpace(raw)
			if row == 1 {
				line = bytes.TrimPrefix(line, []byte("\uFEFF"))
			}
			if len(line) > 0 {
				if buf == nil {
					buf = make([]byte, 0, 64*1024)
				}
				start := len(buf)
				buf = append(buf, line...)
				blk.lines = append(blk.lines, buf[start:len(buf):len(buf)])
				blk.out = append(blk.out, jsonRow{row: row})
			}
			if len(blk.lines) >= blockLines || len(buf) > 60*1024 {
				if !send() {
					return
				}
			}
		}
		scanErr, lastRow = sc.Err(), row
		if len(blk.lines) > 0 || blk.bytes > 0 {
			send()
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				for i, line := range b.lines {
					rd.decodeJSON(&b.out[i], line)
				}
				b.lines = nil
				results <- b
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	// Take the blocks in order; after a stop, drain so the workers end.
	pending := map[int]*jsonBlock{}
	next := 0
	stopped := false
	var done int64
	for b := range results {
		if stopped {
			continue
		}
		pending[b.seq] = b
		for !stopped {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for i := range b.out {
				if rd.take(&b.out[i]) != nil {
					stopped = true
					close(stop)
					break
				}
			}
			done += b.bytes
			if o.Progress != nil && !stopped {
				o.Progress(done)
			}
		}
	}
	if stopped {
		return nil // errFull (enough said) or emitErr
	}
	if scanErr != nil {
		if errors.Is(scanErr, bufio.ErrTooLong) {
			_ = rd.fail(lastRow+1, "", fmt.Sprintf("line longer than %d bytes", maxLine))
			return nil
		}
		return fmt.Errorf("datasets: read %s: %w", rd.file, scanErr)
	}
	return nil
}

// take records the outcome of one decoded line, in line order.
func (rd *rowReader) take(x *jsonRow) error {
	switch {
	case x.bad:
		return rd.fail(x.row, x.field, x.msg)
	case x.err != nil:
		return rd.failErr(x.row, x.err, nil)
	}
	return rd.keep(x.row, x.id, x.rec)
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
	case KindTeams:
		return &volmatch.Team{}
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

// decodeJSON decodes and checks one line into x; it runs on a worker and
// touches nothing shared.
func (rd *rowReader) decodeJSON(x *jsonRow, line []byte) {
	rec := newRecord(rd.kind)
	if err := strictJSON(line, rec); err != nil {
		f, msg := jsonFailure(err)
		if f == "" {
			f = locateField(line, rd.kind)
		}
		x.bad, x.field, x.msg = true, f, msg
		return
	}
	switch r := rec.(type) {
	case *volmatch.Volunteer:
		x.id = r.ID
	case *volmatch.Need:
		x.id = r.ID
	case *volmatch.TalentPool:
		x.id = r.ID
	case *volmatch.Station:
		x.id = r.ID
	case *volmatch.Team:
		x.id = r.ID
	}
	x.rec, x.err = rec, rd.check(rec)
}

// check validates a decoded record.
func (rd *rowReader) check(rec any) error {
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
	case *volmatch.Team:
		err = x.Validate()
		if err == nil && x.Domain != "" && rd.known != nil && !rd.known(x.Domain) {
			err = volmatch.FieldError("domain", "unknown domain key %q", x.Domain)
		}
	}
	return err
}

// add validates a decoded record and keeps it, or records why not.
func (rd *rowReader) add(row int, id string, rec any, column func(string) string) error {
	if err := rd.check(rec); err != nil {
		return rd.failErr(row, err, column)
	}
	return rd.keep(row, id, rec)
}

// keep keeps a valid record unless its ID was seen before in the file. When
// streaming, records are passed on a chunk at a time, and none once a bad
// row was found.
func (rd *rowReader) keep(row int, id string, rec any) error {
	if first, dup := rd.seen[id]; dup {
		return rd.fail(row, "id", fmt.Sprintf("id %q is used twice in the file (first at row %d)", id, first))
	}
	rd.seen[id] = row
	if rd.emit != nil && len(rd.errs) > 0 {
		return nil
	}
	switch x := rec.(type) {
	case *volmatch.Volunteer:
		rd.batch.Volunteers = append(rd.batch.Volunteers, x)
	case *volmatch.Need:
		rd.batch.Needs = append(rd.batch.Needs, x)
	case *volmatch.TalentPool:
		rd.batch.Pools = append(rd.batch.Pools, x)
	case *volmatch.Station:
		rd.batch.Stations = append(rd.batch.Stations, x)
	case *volmatch.Team:
		rd.batch.Teams = append(rd.batch.Teams, x)
	}
	if rd.emit != nil && rd.batch.Len() >= rd.chunk {
		return rd.flush()
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
