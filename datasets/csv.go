package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"volmatch"
)

// CSV layout. One record per row under a header row; the header names the
// columns (any order; a missing column reads as empty; an unknown column
// rejects the file). Lists are joined by ';'. Encodings:
//
//	skills         key:level;key:level              (requires: req_skills)
//	certificates   key@2027-05-01                   (an expiry at Beijing midnight is written as a date, other times in RFC 3339)
//	exceptions     START/END;START/END              (RFC 3339)
//	availability   the Week string form: 7 days of 24 0/1 characters joined by '|', Monday first
//	shifts         s1@START/END#SLOTS;s2@...        (RFC 3339)
//	times          RFC 3339, Beijing offset on export; empty = none
//
// CSV carries what clients write and updated_at; derived fields (a
// volunteer's stats, a shift's filled count, a need's supply) and the hidden
// preferences of synthetic volunteers are JSONL only.
//
// Spreadsheets. An export starts with a UTF-8 byte order mark, so that Excel
// (on Chinese Windows too) reads it as UTF-8; an import skips one. A cell
// that a spreadsheet would run as a formula (OWASP's CSV injection: one
// beginning with '=', '+', '-', '@', a tab or a carriage return) is written
// with a single quote before it, so that it shows as text: a name
// "=HYPERLINK(...)" is written "'=HYPERLINK(...)". So that every value reads
// back as it was, a cell beginning with a quote followed by one of those
// characters or by another quote gets a quote before it as well. An import
// drops the first character of a cell that begins with a quote followed by
// one of those characters or a quote, and reads every other cell as it is.
// (A negative number is therefore written '-1.5 and read back as -1.5.)
var (
	volunteerColumns = []string{"id", "name", "phone", "gender", "birth_year", "lat", "lng", "district", "street",
		"max_travel_km", "skills", "certificates", "trainings", "insured_until", "languages", "preferred_domains",
		"availability", "exceptions", "teams", "pools", "share_contact", "emergency", "bio", "updated_at"}
	needColumns = []string{"id", "org", "title", "description", "domain", "target_group", "mode", "urgency",
		"lat", "lng", "district", "street", "station", "radius_km", "shifts", "req_skills", "req_certificates",
		"req_trainings", "req_insurance", "req_languages", "recipient_gender", "recipient_max_age",
		"recipient_languages", "recipient_weekly", "recipient_notes", "status", "posted_at", "updated_at"}
)

// WriteVolunteers writes volunteers as "jsonl" or "csv".
func WriteVolunteers(w io.Writer, format string, vs []*volmatch.Volunteer) error {
	switch format {
	case FormatJSONL:
		return writeJSONL(w, vs)
	case FormatCSV:
		return writeCSV(w, volunteerColumns, len(vs), func(i int) []string { return volunteerRow(vs[i]) })
	}
	return volmatch.Errorf(volmatch.EINVALID, "format must be jsonl or csv, got %q", format)
}

// WriteNeeds writes needs as "jsonl" or "csv".
func WriteNeeds(w io.Writer, format string, ns []*volmatch.Need) error {
	switch format {
	case FormatJSONL:
		return writeJSONL(w, ns)
	case FormatCSV:
		return writeCSV(w, needColumns, len(ns), func(i int) []string { return needRow(ns[i]) })
	}
	return volmatch.Errorf(volmatch.EINVALID, "format must be jsonl or csv, got %q", format)
}

// WritePools writes talent pools as JSONL, the only format for pools.
func WritePools(w io.Writer, ps []*volmatch.TalentPool) error { return writeJSONL(w, ps) }

// WriteStations writes stations as JSONL, the only format for stations.
func WriteStations(w io.Writer, ss []*volmatch.Station) error { return writeJSONL(w, ss) }

// bom is the UTF-8 byte order mark a CSV export starts with.
const bom = "\uFEFF"

func writeCSV(w io.Writer, header []string, n int, row func(i int) []string) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("datasets: write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("datasets: write csv: %w", err)
	}
	for i := range n {
		rec := row(i)
		for j, c := range rec {
			rec[j] = escapeCell(c)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("datasets: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("datasets: write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("datasets: write csv: %w", err)
	}
	return nil
}

// formulaStart reports whether a spreadsheet runs a cell beginning with c
// as a formula.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// quoted reports whether s begins with a quote that unescapeCell drops.
func quoted(s string) bool {
	return len(s) >= 2 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'')
}

// escapeCell writes s so that a spreadsheet shows it as text (see the CSV
// layout above); unescapeCell reads it back.
func escapeCell(s string) string {
	if s != "" && formulaStart(s[0]) || quoted(s) {
		return "'" + s
	}
	return s
}

// unescapeCell is the inverse of escapeCell.
func unescapeCell(s string) string {
	if quoted(s) {
		return s[1:]
	}
	return s
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(volmatch.Beijing).Format(time.RFC3339Nano) // fractions of a second only when there are any
}

// fmtDate writes a Beijing midnight as a date, any other time in RFC 3339.
func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	b := t.In(volmatch.Beijing)
	if b.Hour() == 0 && b.Minute() == 0 && b.Second() == 0 && b.Nanosecond() == 0 {
		return b.Format(time.DateOnly)
	}
	return b.Format(time.RFC3339Nano)
}

func fmtWeek(w volmatch.Week) string {
	if w == (volmatch.Week{}) {
		return ""
	}
	return w.String()
}

func fmtBool(b bool) string { return strconv.FormatBool(b) }

func fmtInt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func fmtSkills(ss []volmatch.SkillLevel) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Skill + ":" + strconv.Itoa(s.Level)
	}
	return strings.Join(parts, ";")
}

func volunteerRow(v *volmatch.Volunteer) []string {
	certs := make([]string, len(v.Certificates))
	for i, c := range v.Certificates {
		certs[i] = c.Name + "@" + fmtDate(c.Expires)
	}
	exc := make([]string, len(v.Exceptions))
	for i, e := range v.Exceptions {
		exc[i] = fmtTime(e.Start) + "/" + fmtTime(e.End)
	}
	return []string{v.ID, v.Name, v.Phone, v.Gender, fmtInt(v.BirthYear), fmtFloat(v.Home.Lat), fmtFloat(v.Home.Lng),
		v.District, v.Street, fmtFloat(v.MaxTravelKm), fmtSkills(v.Skills), strings.Join(certs, ";"),
		strings.Join(v.Trainings, ";"), fmtDate(v.InsuredUntil), strings.Join(v.Languages, ";"),
		strings.Join(v.PreferredDomains, ";"), fmtWeek(v.Availability), strings.Join(exc, ";"),
		strings.Join(v.Teams, ";"), strings.Join(v.Pools, ";"), fmtBool(v.Consent.ShareContact),
		fmtBool(v.Consent.Emergency), v.Bio, fmtTime(v.UpdatedAt)}
}

func needRow(n *volmatch.Need) []string {
	shifts := make([]string, len(n.Shifts))
	for i, s := range n.Shifts {
		shifts[i] = s.ID + "@" + fmtTime(s.Start) + "/" + fmtTime(s.End) + "#" + strconv.Itoa(s.Slots)
	}
	rp := n.Recipient
	if rp == nil {
		rp = &volmatch.RecipientPreferences{}
	}
	return []string{n.ID, n.Org, n.Title, n.Description, n.Domain, n.TargetGroup, string(n.Mode), string(n.Urgency),
		fmtFloat(n.Point.Lat), fmtFloat(n.Point.Lng), n.District, n.Street, n.Station, fmtFloat(n.RadiusKm),
		strings.Join(shifts, ";"), fmtSkills(n.Requires.Skills), strings.Join(n.Requires.Certificates, ";"),
		strings.Join(n.Requires.Trainings, ";"), fmtBool(n.Requires.Insurance), strings.Join(n.Requires.Languages, ";"),
		rp.Gender, fmtInt(rp.MaxAge), strings.Join(rp.Languages, ";"), fmtWeek(rp.Weekly), rp.Notes,
		string(n.Status), fmtTime(n.PostedAt), fmtTime(n.UpdatedAt)}
}

// cellError is a bad cell: its column and why.
type cellError struct{ column, reason string }

func (e *cellError) Error() string { return e.column + ": " + e.reason }

// cells reads one CSV row by column name.
type cells struct {
	idx map[string]int
	rec []string
	err *cellError // the first bad cell
}

func (c *cells) str(col string) string {
	return strings.TrimSpace(c.raw(col))
}

// raw returns a free-text cell untrimmed. Carriage returns before a line
// feed inside a quoted cell are dropped: encoding/csv drops only the last one
// of each line ("\r\r\n" reads as "\r\n"), so without this the cell would
// read differently after an export.
func (c *cells) raw(col string) string {
	i, ok := c.idx[col]
	if !ok || i >= len(c.rec) {
		return ""
	}
	s := unescapeCell(c.rec[i])
	for strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	return s
}

func (c *cells) bad(col, format string, args ...any) {
	if c.err == nil {
		c.err = &cellError{col, fmt.Sprintf(format, args...)}
	}
}

func (c *cells) list(col string) []string {
	s := c.str(col)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func (c *cells) float(col string) float64 {
	s := c.str(col)
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		c.bad(col, "%s is not a number", rowString(s))
	}
	return x
}

func (c *cells) int(col string) int {
	s := c.str(col)
	if s == "" {
		return 0
	}
	x, err := strconv.Atoi(s)
	if err != nil {
		c.bad(col, "%s is not a whole number", rowString(s))
	}
	return x
}

func (c *cells) bool(col string) bool {
	s := c.str(col)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		c.bad(col, "%s is not true or false", rowString(s))
	}
	return b
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) == len(time.DateOnly) {
		return time.ParseInLocation(time.DateOnly, s, volmatch.Beijing)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, err
	}
	// Export writes Beijing time: a year outside 1..9999 there would not
	// read back.
	if y := t.In(volmatch.Beijing).Year(); y < 1 || y > 9999 {
		return time.Time{}, errors.New("year out of range")
	}
	return t, nil
}

func (c *cells) time(col string) time.Time {
	t, err := parseTime(c.str(col))
	if err != nil {
		c.bad(col, "%s is not a date (2027-05-01) or RFC 3339 time", rowString(c.str(col)))
	}
	return t
}

func (c *cells) week(col string) volmatch.Week {
	w, err := volmatch.ParseWeek(c.str(col))
	if err != nil {
		c.bad(col, "%v", err)
	}
	return w
}

// items parses each item of col's list with parse, which reports false for
// an item not of form; such an item is the cell's error and the list nil.
func items[T any](c *cells, col, form string, parse func(p string) (T, bool)) []T {
	var out []T
	for i, p := range c.list(col) {
		x, ok := parse(p)
		if !ok {
			c.bad(col, "item %d: %s is not %s", i+1, rowString(p), form)
			return nil
		}
		out = append(out, x)
	}
	return out
}

func (c *cells) skills(col string) []volmatch.SkillLevel {
	return items(c, col, "key:level", func(p string) (volmatch.SkillLevel, bool) {
		k, l, ok := strings.Cut(p, ":")
		n, err := strconv.Atoi(strings.TrimSpace(l))
		return volmatch.SkillLevel{Skill: strings.TrimSpace(k), Level: n}, ok && err == nil
	})
}

func (c *cells) certificates(col string) []volmatch.Certificate {
	return items(c, col, "key@2027-05-01", func(p string) (volmatch.Certificate, bool) {
		k, d, ok := strings.Cut(p, "@")
		t, err := parseTime(strings.TrimSpace(d))
		return volmatch.Certificate{Name: strings.TrimSpace(k), Expires: t}, ok && err == nil && !t.IsZero()
	})
}

// span parses START/END in RFC 3339.
func span(p string) (start, end time.Time, ok bool) {
	a, b, ok := strings.Cut(p, "/")
	s, err1 := parseTime(strings.TrimSpace(a))
	e, err2 := parseTime(strings.TrimSpace(b))
	return s, e, ok && err1 == nil && err2 == nil
}

func (c *cells) exceptions(col string) []volmatch.Exception {
	return items(c, col, "START/END in RFC 3339", func(p string) (volmatch.Exception, bool) {
		s, e, ok := span(p)
		return volmatch.Exception{Start: s, End: e}, ok
	})
}

// shifts parses s1@START/END#SLOTS;...
func (c *cells) shifts(col string) []volmatch.Shift {
	return items(c, col, "ID@START/END#SLOTS", func(p string) (volmatch.Shift, bool) {
		id, rest, ok1 := strings.Cut(p, "@")
		times, slots, ok2 := strings.Cut(rest, "#")
		s, e, ok3 := span(times)
		n, err := strconv.Atoi(strings.TrimSpace(slots))
		return volmatch.Shift{ID: strings.TrimSpace(id), Start: s, End: e, Slots: n}, ok1 && ok2 && ok3 && err == nil
	})
}

func volunteerFromRow(c *cells) *volmatch.Volunteer {
	return &volmatch.Volunteer{
		ID: c.str("id"), Name: c.str("name"), Phone: c.str("phone"), Gender: c.str("gender"),
		BirthYear: c.int("birth_year"), Home: volmatch.Point{Lat: c.float("lat"), Lng: c.float("lng")},
		District: c.str("district"), Street: c.str("street"), MaxTravelKm: c.float("max_travel_km"),
		Skills: c.skills("skills"), Certificates: c.certificates("certificates"), Trainings: c.list("trainings"),
		InsuredUntil: c.time("insured_until"), Languages: c.list("languages"),
		PreferredDomains: c.list("preferred_domains"), Availability: c.week("availability"),
		Exceptions: c.exceptions("exceptions"), Teams: c.list("teams"), Pools: c.list("pools"),
		Consent: volmatch.Consent{ShareContact: c.bool("share_contact"), Emergency: c.bool("emergency")},
		Bio:     c.raw("bio"), UpdatedAt: c.time("updated_at"),
	}
}

func needFromRow(c *cells) *volmatch.Need {
	n := &volmatch.Need{
		ID: c.str("id"), Org: c.str("org"), Title: c.raw("title"), Description: c.raw("description"),
		Domain: c.str("domain"), TargetGroup: c.str("target_group"), Mode: volmatch.Mode(c.str("mode")),
		Urgency: volmatch.Urgency(c.str("urgency")), Point: volmatch.Point{Lat: c.float("lat"), Lng: c.float("lng")},
		District: c.str("district"), Street: c.str("street"), Station: c.str("station"),
		RadiusKm: c.float("radius_km"), Shifts: c.shifts("shifts"),
		Requires: volmatch.Requirements{Skills: c.skills("req_skills"), Certificates: c.list("req_certificates"),
			Trainings: c.list("req_trainings"), Insurance: c.bool("req_insurance"), Languages: c.list("req_languages")},
		Status: volmatch.NeedStatus(c.str("status")), PostedAt: c.time("posted_at"), UpdatedAt: c.time("updated_at"),
	}
	rp := volmatch.RecipientPreferences{Gender: c.str("recipient_gender"), MaxAge: c.int("recipient_max_age"),
		Languages: c.list("recipient_languages"), Weekly: c.week("recipient_weekly"), Notes: c.raw("recipient_notes")}
	if rp.Gender != "" || rp.MaxAge != 0 || len(rp.Languages) > 0 || rp.Weekly != (volmatch.Week{}) || rp.Notes != "" {
		n.Recipient = &rp
	}
	return n
}

// csvColumn maps a JSON field path of a record to the CSV column holding it:
// home.lat -> lat, requires.skills[0].level -> req_skills, shifts[2].end ->
// shifts, recipient.gender -> recipient_gender.
func csvColumn(field string) string {
	head := field
	if i := strings.IndexAny(head, "[."); i >= 0 {
		head = head[:i]
	}
	rest := strings.TrimPrefix(field, head)
	switch head {
	case "home", "point":
		switch {
		case strings.HasPrefix(rest, ".lat"):
			return "lat"
		case strings.HasPrefix(rest, ".lng"):
			return "lng"
		}
		return "lat"
	case "requires", "recipient":
		sub := strings.TrimPrefix(rest, ".")
		if i := strings.IndexAny(sub, "[."); i >= 0 {
			sub = sub[:i]
		}
		if head == "requires" {
			return "req_" + sub
		}
		return "recipient_" + sub
	case "consent":
		return strings.TrimPrefix(rest, ".")
	}
	return head
}

func (rd *rowReader) readCSV(r io.Reader) error {
	br := bufio.NewReaderSize(r, 256<<10)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		_, _ = br.Discard(len(bom)) // a spreadsheet's byte order mark
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return rd.fail(1, "", "the file is empty: a header row is required")
	}
	if err != nil {
		return rd.fail(1, "", "bad header row: "+err.Error())
	}
	want := volunteerColumns
	if rd.kind == KindNeeds {
		want = needColumns
	}
	allowed := map[string]bool{}
	for _, c := range want {
		allowed[c] = true
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if !allowed[h] {
			if err := rd.fail(1, h, "unknown column"); err != nil {
				return nil
			}
			continue
		}
		if _, dup := idx[h]; dup {
			if err := rd.fail(1, h, "column appears twice"); err != nil {
				return nil
			}
		}
		idx[h] = i
	}
	if _, ok := idx["id"]; !ok {
		if err := rd.fail(1, "id", "the header has no id column"); err != nil {
			return nil
		}
	}
	if len(rd.errs) > 0 {
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				if rd.fail(pe.StartLine, "", fmt.Sprintf("has %d columns, the header %d", len(rec), len(header))) != nil {
					return nil
				}
				continue
			}
			if errors.As(err, &pe) {
				_ = rd.fail(pe.StartLine, "", "bad CSV: "+pe.Err.Error())
				return nil // the rest of the file cannot be trusted
			}
			return fmt.Errorf("datasets: read %s: %w", rd.file, err)
		}
		if blank(rec) {
			continue
		}
		row, _ := cr.FieldPos(0)
		c := &cells{idx: idx, rec: rec}
		var (
			x  any
			id string
		)
		if rd.kind == KindNeeds {
			n := needFromRow(c)
			x, id = n, n.ID
		} else {
			v := volunteerFromRow(c)
			x, id = v, v.ID
		}
		if c.err != nil {
			if rd.fail(row, c.err.column, c.err.reason) != nil {
				return nil
			}
			continue
		}
		if rd.add(row, id, x, csvColumn) != nil {
			return nil
		}
	}
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}
