package volmatch

import "time"

// This file holds the record plumbing both stores share: a write checks the
// record (Validate), copies it, stamps the copy (Stamp), hands it to the
// store's own transaction and, once that succeeds, copies it back. The
// stores keep only their transaction models (bbolt buckets, Redis scripts).

// WriteMode is how a store writes a record.
type WriteMode int

// Write modes.
const (
	// WriteCreate stores a new record: ECONFLICT when its ID exists.
	WriteCreate WriteMode = iota
	// WriteUpdate replaces a stored record: ENOTFOUND when it is missing.
	WriteUpdate
	// WritePut creates or replaces a record as given (the import path).
	WritePut
)

// Check returns the refusal of a write in mode m of the record named noun
// and id, whose stored copy exists or not: ECONFLICT (ExistsError) for
// creating an existing record, ENOTFOUND (NotFoundError) for updating a
// missing one, nil otherwise.
func (m WriteMode) Check(noun, id string, exists bool) error {
	switch {
	case m == WriteCreate && exists:
		return ExistsError(noun, id)
	case m == WriteUpdate && !exists:
		return NotFoundError(noun, id)
	}
	return nil
}

// NotFoundError is the ENOTFOUND error of a missing record: "need N1 not
// found".
func NotFoundError(noun, id string) *Error { return Errorf(ENOTFOUND, "%s %s not found", noun, id) }

// ExistsError is the ECONFLICT error of creating a record whose ID is
// taken: "need N1 already exists".
func ExistsError(noun, id string) *Error {
	return Errorf(ECONFLICT, "%s %s already exists", noun, id)
}

// Record is a record the stores write through WriteRecord and
// PrepareRecords: *TalentPool, *Station, *Volunteer, *Need, *Token and
// *Organisation.
type Record[T any] interface {
	*T
	// Validate checks the fields a client writes (EINVALID naming the field).
	Validate() error
	// Stamp sets on a copy about to be written in mode m at now what the
	// store sets without reading the stored record.
	Stamp(now time.Time, m WriteMode)
	// clone returns the copy a write stamps and fills, so that the caller's
	// record is changed only once the write succeeded.
	clone() *T
}

// WriteRecord is the plumbing of every single-record write: it validates r,
// stamps a copy for mode m at now and hands the copy to write, the store's
// own transaction, which may change it further (derived fields, what it
// keeps from the stored record). Once write succeeds it copies the copy
// back into r; a refused or failed write leaves r as it was.
func WriteRecord[T any, P Record[T]](r P, now time.Time, m WriteMode, write func(c P) error) error {
	if err := r.Validate(); err != nil {
		return err
	}
	c := P(r.clone())
	c.Stamp(now, m)
	if err := write(c); err != nil {
		return err
	}
	*r = *c
	return nil
}

// PrepareRecords validates every record of a batch the store writes all or
// nothing, naming a refused one as list[i] (AtIndex), and returns copies
// stamped for mode m at now (WritePut for an import). The batch is left as
// it was.
func PrepareRecords[T any, P Record[T]](list string, rs []P, now time.Time, m WriteMode) ([]P, error) {
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			return nil, AtIndex(list, i, err)
		}
	}
	cs := make([]P, len(rs))
	for i, r := range rs {
		cs[i] = P(r.clone())
		cs[i].Stamp(now, m)
	}
	return cs, nil
}

// stampUpdated sets *updated to now, or for an import only when it is empty
// (an imported record keeps its own time).
func stampUpdated(updated *time.Time, now time.Time, m WriteMode) {
	if m != WritePut || updated.IsZero() {
		*updated = now
	}
}

// Stamp sets UpdatedAt (see Record).
func (p *TalentPool) Stamp(now time.Time, m WriteMode) { stampUpdated(&p.UpdatedAt, now, m) }

func (p *TalentPool) clone() *TalentPool { c := *p; return &c }

// Stamp sets UpdatedAt (see Record).
func (s *Station) Stamp(now time.Time, m WriteMode) { stampUpdated(&s.UpdatedAt, now, m) }

func (s *Station) clone() *Station { c := *s; return &c }

// Stamp sets UpdatedAt, and gives a new volunteer fresh Stats (see Record).
// An update keeps the stored Stats and Hidden (KeepDerived); an import
// takes them as given.
func (v *Volunteer) Stamp(now time.Time, m WriteMode) {
	if m == WriteCreate {
		v.Stats = VolunteerStats{Reliability: VolunteerStats{}.ReliabilityScore()}
	}
	stampUpdated(&v.UpdatedAt, now, m)
}

// KeepDerived gives v, which replaces old, old's derived Stats and Hidden
// preferences: a client never writes them.
func (v *Volunteer) KeepDerived(old *Volunteer) { v.Stats, v.Hidden = old.Stats, old.Hidden }

func (v *Volunteer) clone() *Volunteer { c := *v; return &c }

// Stamp sets UpdatedAt (see Record); the rest of a need's stamps depend on
// the stored need (PrepareStore).
func (n *Need) Stamp(now time.Time, _ WriteMode) { n.UpdatedAt = now }

func (n *Need) clone() *Need { return n.Clone() }

// Stamp sets CreatedAt when it is empty (see Record).
func (t *Token) Stamp(now time.Time, _ WriteMode) {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
}

func (t *Token) clone() *Token { c := *t; return &c }
