package grid

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"time"

	"volmatch"
	"volmatch/internal/parallel"
)

// A snapshot is the feature index's volunteers (the slim, coarsened copies
// it holds) and their held slots in a compact binary form, so that a
// restart reads them in a fraction of the time a walk of the store and its
// JSON records takes. The follower (engine) writes one to the data folder
// and checks, before it trusts one, that the store it was taken from is
// the store it serves (SnapshotInfo.Store, At) and not behind it; it then applies
// the store's changes after SnapshotInfo.Seq as usual.
//
// Layout (every integer a varint unless said otherwise):
//
//	"VMFSNAP\n"          magic
//	version
//	store identity       (string)
//	seq, change at seq   (kind, ID, flags: deleted 1, derived 2)
//	string table         count, then each string (length, bytes); entry 0 is ""
//	volunteer count
//	blocks               each: count, byte length, then its volunteers
//	crc32                Castagnoli of everything before, 4 bytes little-endian
//
// The repeated keys (gender, district, street, skills, certificates,
// trainings, languages, domains, teams, pools, verifier, zone names) are
// string-table indexes. Blocks decode in parallel. A snapshot holds no name,
// phone, bio, hidden preferences nor exact home: only what Slim keeps of a
// Coarsened volunteer.

// SnapshotVersion is the format version a snapshot is written in; a
// snapshot of another version is refused (ErrSnapshot).
const SnapshotVersion = 1

var snapshotMagic = []byte("VMFSNAP\n")

// snapshotBlock is the number of volunteers per block.
const snapshotBlock = 4096

// ErrSnapshot is wrapped by every error of reading a snapshot that is not
// one (bad magic), of another version, truncated or corrupt.
var ErrSnapshot = errors.New("grid: not a valid feature snapshot")

var snapCRC = crc32.MakeTable(crc32.Castagnoli)

// SnapshotInfo is what a snapshot tells about the store it was taken from.
type SnapshotInfo struct {
	// Store is the identity of the store (empty when it has none).
	Store string
	// Seq is the last store change the index had applied.
	Seq uint64
	// At is the store's change at Seq (zero when Seq is 0): a store that
	// has another change at Seq is another store.
	At volmatch.Change
	// Volunteers is the number of volunteers held.
	Volunteers int
}

// Frozen is the contents of a Features at one moment: its volunteers and
// the slots each holds (Held[i] for Volunteers[i]). The volunteers are
// shared with the index, read-only.
type Frozen struct {
	Volunteers []*volmatch.Volunteer
	Held       []Held
}

// Freeze returns the index's contents, in row order cell by cell (the
// order Load gives them again). It holds the read lock only while it
// copies the pointers, so it can be encoded (WriteSnapshot) while the
// index changes.
func (f *Features) Freeze() Frozen {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var z Frozen
	if f.all {
		for _, v := range f.scan {
			if v != nil && v.ID != "" {
				z.Volunteers = append(z.Volunteers, v)
				z.Held = append(z.Held, f.heldAll[v.ID])
			}
		}
		return z
	}
	n := len(f.byID)
	z.Volunteers = make([]*volmatch.Volunteer, 0, n)
	z.Held = make([]Held, 0, n)
	for _, cell := range f.cells {
		for i := range cell {
			z.Volunteers = append(z.Volunteers, cell[i].v)
			z.Held = append(z.Held, f.held[cell[i].row])
		}
	}
	return z
}

// LoadFrozen replaces the contents of the index with z (as Load, then the
// held slots of each). z must hold each ID once, as Freeze and ReadSnapshot
// give it: an error (ErrSnapshot) when it does not, with the index then
// empty.
func (f *Features) LoadFrozen(z Frozen) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.scan = z.Volunteers
		f.heldAll = nil
		for i, v := range z.Volunteers {
			f.setHeld(v.ID, z.Held[i])
		}
		return nil
	}
	f.reset()
	if !f.loadRows(z.Volunteers, true) {
		f.reset()
		return fmt.Errorf("%w: a volunteer ID occurs twice", ErrSnapshot)
	}
	for i, v := range z.Volunteers {
		if len(z.Held[i]) > 0 {
			f.setHeld(v.ID, z.Held[i])
		}
	}
	return nil
}

// WriteSnapshot writes z as a snapshot taken at info.Seq (info.Volunteers
// is set from z).
func WriteSnapshot(w io.Writer, info SnapshotInfo, z Frozen) error {
	s := &snapWriter{w: w, crc: crc32.New(snapCRC), strs: map[string]uint64{"": 0}, table: []string{""}}
	for _, v := range z.Volunteers {
		s.collect(v)
	}
	b := append([]byte(nil), snapshotMagic...)
	b = binary.AppendUvarint(b, SnapshotVersion)
	b = appendString(b, info.Store)
	b = binary.AppendUvarint(b, info.Seq)
	b = appendString(b, string(info.At.Kind))
	b = appendString(b, info.At.ID)
	var flags byte
	if info.At.Deleted {
		flags |= 1
	}
	if info.At.Derived {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(s.table)))
	for _, x := range s.table {
		b = appendString(b, x)
	}
	b = binary.AppendUvarint(b, uint64(len(z.Volunteers)))
	if err := s.write(b); err != nil {
		return err
	}
	var body []byte
	for lo := 0; lo < len(z.Volunteers); lo += snapshotBlock {
		hi := min(lo+snapshotBlock, len(z.Volunteers))
		body = body[:0]
		for i := lo; i < hi; i++ {
			body = s.appendVolunteer(body, z.Volunteers[i], z.Held[i])
		}
		head := binary.AppendUvarint(nil, uint64(hi-lo))
		head = binary.AppendUvarint(head, uint64(len(body)))
		if err := s.write(head); err != nil {
			return err
		}
		if err := s.write(body); err != nil {
			return err
		}
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, s.crc.Sum32())); err != nil {
		return fmt.Errorf("grid: write snapshot: %w", err)
	}
	return nil
}

type snapWriter struct {
	w     io.Writer
	crc   hash.Hash32
	strs  map[string]uint64
	table []string
}

func (s *snapWriter) write(b []byte) error {
	s.crc.Write(b)
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("grid: write snapshot: %w", err)
	}
	return nil
}

func (s *snapWriter) key(x string) {
	if _, ok := s.strs[x]; !ok {
		s.strs[x] = uint64(len(s.table))
		s.table = append(s.table, x)
	}
}

func (s *snapWriter) keyTime(t time.Time) {
	if l := t.Location(); l != time.UTC && l != time.Local {
		name, _ := t.Zone()
		s.key(name)
	}
}

// collect puts v's repeated strings in the table.
func (s *snapWriter) collect(v *volmatch.Volunteer) {
	s.key(v.Gender)
	s.key(v.District)
	s.key(v.Street)
	s.key(v.VerifiedBy)
	for _, x := range v.Skills {
		s.key(x.Skill)
	}
	for _, x := range v.Certificates {
		s.key(x.Name)
		s.keyTime(x.Expires)
	}
	for _, l := range [][]string{v.Trainings, v.Languages, v.PreferredDomains, v.Teams, v.Pools} {
		for _, x := range l {
			s.key(x)
		}
	}
	for _, t := range []time.Time{v.InsuredUntil, v.VerifiedAt, v.UpdatedAt} {
		s.keyTime(t)
	}
	for _, x := range v.Exceptions {
		s.keyTime(x.Start)
		s.keyTime(x.End)
	}
	if c := v.Claims; c != nil {
		for _, x := range c.Skills {
			s.key(x.Skill)
		}
		for _, x := range c.Certificates {
			s.key(x.Name)
			s.keyTime(x.Expires)
		}
		for _, x := range c.Trainings {
			s.key(x)
		}
		s.keyTime(c.InsuredUntil)
		s.keyTime(c.At)
	}
}

func appendString(b []byte, x string) []byte {
	b = binary.AppendUvarint(b, uint64(len(x)))
	return append(b, x...)
}

func appendFloat(b []byte, x float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
}

// Time zones of a snapshot's times.
const (
	zoneZero  = iota // time.Time{}
	zoneUTC          // UTC
	zoneLocal        // time.Local
	zoneFixed        // a fixed offset, with its name
)

func (s *snapWriter) appendTime(b []byte, t time.Time) []byte {
	l := t.Location()
	switch {
	case t == time.Time{}:
		return append(b, zoneZero)
	case l == time.UTC:
		b = append(b, zoneUTC)
	case l == time.Local:
		b = append(b, zoneLocal)
	default:
		name, off := t.Zone()
		b = append(b, zoneFixed)
		b = binary.AppendVarint(b, int64(off))
		b = binary.AppendUvarint(b, s.strs[name])
	}
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// appendList writes a list's length plus one (0: nil).
func appendLen[T any](b []byte, xs []T) []byte {
	if xs == nil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(len(xs))+1)
}

func (s *snapWriter) appendKeys(b []byte, xs []string) []byte {
	b = appendLen(b, xs)
	for _, x := range xs {
		b = binary.AppendUvarint(b, s.strs[x])
	}
	return b
}

func (s *snapWriter) appendSkills(b []byte, xs []volmatch.SkillLevel) []byte {
	b = appendLen(b, xs)
	for _, x := range xs {
		b = binary.AppendUvarint(b, s.strs[x.Skill])
		b = binary.AppendVarint(b, int64(x.Level))
	}
	return b
}

func (s *snapWriter) appendCerts(b []byte, xs []volmatch.Certificate) []byte {
	b = appendLen(b, xs)
	for _, x := range xs {
		b = binary.AppendUvarint(b, s.strs[x.Name])
		b = s.appendTime(b, x.Expires)
	}
	return b
}

func (s *snapWriter) appendVolunteer(b []byte, v *volmatch.Volunteer, held Held) []byte {
	b = appendString(b, v.ID)
	b = binary.AppendUvarint(b, s.strs[v.Gender])
	b = binary.AppendVarint(b, int64(v.BirthYear))
	b = appendFloat(b, v.Home.Lat)
	b = appendFloat(b, v.Home.Lng)
	b = binary.AppendUvarint(b, s.strs[v.District])
	b = binary.AppendUvarint(b, s.strs[v.Street])
	b = appendFloat(b, v.MaxTravelKm)
	b = s.appendSkills(b, v.Skills)
	b = s.appendCerts(b, v.Certificates)
	b = s.appendKeys(b, v.Trainings)
	b = s.appendTime(b, v.InsuredUntil)
	b = s.appendKeys(b, v.Languages)
	b = s.appendKeys(b, v.PreferredDomains)
	for _, w := range v.Availability {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	b = appendLen(b, v.Exceptions)
	for _, x := range v.Exceptions {
		b = s.appendTime(b, x.Start)
		b = s.appendTime(b, x.End)
	}
	b = s.appendKeys(b, v.Teams)
	b = s.appendKeys(b, v.Pools)
	var consent byte
	if v.Consent.ShareContact {
		consent |= 1
	}
	if v.Consent.Emergency {
		consent |= 2
	}
	if v.Consent.Findable {
		consent |= 4
	}
	b = append(b, consent)
	if c := v.Claims; c == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = s.appendSkills(b, c.Skills)
		b = s.appendCerts(b, c.Certificates)
		b = s.appendKeys(b, c.Trainings)
		b = s.appendTime(b, c.InsuredUntil)
		b = s.appendTime(b, c.At)
	}
	b = binary.AppendUvarint(b, s.strs[v.VerifiedBy])
	b = s.appendTime(b, v.VerifiedAt)
	st := v.Stats
	b = appendFloat(b, st.Hours)
	for _, x := range []int{st.Completed, st.NoShows, st.Cancelled, st.Declined, st.Load} {
		b = binary.AppendVarint(b, int64(x))
	}
	b = appendFloat(b, st.Reliability)
	b = s.appendTime(b, v.UpdatedAt)
	b = binary.AppendUvarint(b, uint64(len(held)))
	for _, x := range held {
		b = binary.AppendVarint(b, x.lo)
		b = binary.AppendVarint(b, x.hi)
	}
	return b
}

// snapReader decodes a snapshot held in memory; a read past the end or a
// malformed value sets err and returns zeros from then on.
type snapReader struct {
	b     []byte
	err   error
	table []string
}

func (r *snapReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s", ErrSnapshot, what)
	}
	r.b = nil
}

func (r *snapReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *snapReader) varint() int64 {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *snapReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail("length")
		return nil
	}
	x := r.b[:n]
	r.b = r.b[n:]
	return x
}

func (r *snapReader) byte1() byte {
	x := r.bytes(1)
	if x == nil {
		return 0
	}
	return x[0]
}

func (r *snapReader) str() string { return string(r.bytes(r.uvarint())) }

func (r *snapReader) float() float64 {
	x := r.bytes(8)
	if x == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(x))
}

func (r *snapReader) key() string {
	i := r.uvarint()
	if i >= uint64(len(r.table)) {
		r.fail("string index")
		return ""
	}
	return r.table[i]
}

// count reads a list's length plus one: -1 for nil.
func (r *snapReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b))+1 { // every element takes a byte at least
		r.fail("list length")
		return -1
	}
	return int(n) - 1
}

func (r *snapReader) time() time.Time {
	var loc *time.Location
	switch r.byte1() {
	case zoneZero:
		return time.Time{}
	case zoneUTC:
		loc = time.UTC
	case zoneLocal:
		loc = time.Local
	case zoneFixed:
		off := r.varint()
		loc = time.FixedZone(r.key(), int(off))
	default:
		r.fail("time zone")
		return time.Time{}
	}
	sec := r.varint()
	ns := r.uvarint()
	if ns >= 1e9 {
		r.fail("time")
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).In(loc)
}

// lists shares the lists of up to two keys within one decoder, as Slim
// shares them (internAll) across the index.
type lists map[[2]uint64][]string

func (r *snapReader) keys(shared lists) []string {
	n := r.count()
	switch {
	case n < 0:
		return nil
	case n == 0:
		return []string{}
	case n <= 2:
		var k [2]uint64
		for i := range n {
			k[i] = r.uvarint() + 1
		}
		if l, ok := shared[k]; ok {
			return l
		}
		xs := make([]string, n)
		for i := range n {
			if k[i] > uint64(len(r.table)) {
				r.fail("string index")
				return nil
			}
			xs[i] = r.table[k[i]-1]
		}
		l := internAll(xs)
		shared[k] = l
		return l
	}
	xs := make([]string, n)
	for i := range xs {
		xs[i] = r.key()
	}
	return xs
}

func (r *snapReader) skills() []volmatch.SkillLevel {
	n := r.count()
	if n < 0 {
		return nil
	}
	xs := make([]volmatch.SkillLevel, n)
	for i := range xs {
		xs[i] = volmatch.SkillLevel{Skill: r.key(), Level: int(r.varint())}
	}
	return xs
}

func (r *snapReader) certs() []volmatch.Certificate {
	n := r.count()
	if n < 0 {
		return nil
	}
	xs := make([]volmatch.Certificate, n)
	for i := range xs {
		xs[i].Name = r.key()
		xs[i].Expires = r.time()
	}
	return xs
}

func (r *snapReader) volunteer(v *volmatch.Volunteer, shared lists) Held {
	if v.ID = r.str(); v.ID == "" {
		r.fail("volunteer ID")
	}
	v.Gender = r.key()
	v.BirthYear = int(r.varint())
	v.Home.Lat, v.Home.Lng = r.float(), r.float()
	v.District, v.Street = r.key(), r.key()
	v.MaxTravelKm = r.float()
	v.Skills = r.skills()
	v.Certificates = r.certs()
	v.Trainings = r.keys(shared)
	v.InsuredUntil = r.time()
	v.Languages = r.keys(shared)
	v.PreferredDomains = r.keys(shared)
	for i := range v.Availability {
		if x := r.bytes(8); x != nil {
			v.Availability[i] = binary.LittleEndian.Uint64(x)
		}
	}
	if n := r.count(); n >= 0 {
		v.Exceptions = make([]volmatch.Exception, n)
		for i := range v.Exceptions {
			v.Exceptions[i] = volmatch.Exception{Start: r.time(), End: r.time()}
		}
	}
	v.Teams = r.keys(shared)
	v.Pools = r.keys(shared)
	c := r.byte1()
	v.Consent = volmatch.Consent{ShareContact: c&1 != 0, Emergency: c&2 != 0, Findable: c&4 != 0}
	switch r.byte1() {
	case 0:
	case 1:
		v.Claims = &volmatch.Claims{Skills: r.skills(), Certificates: r.certs(), Trainings: r.keys(lists{}),
			InsuredUntil: r.time(), At: r.time()}
	default:
		r.fail("claims")
	}
	v.VerifiedBy = r.key()
	v.VerifiedAt = r.time()
	v.Stats.Hours = r.float()
	for _, p := range []*int{&v.Stats.Completed, &v.Stats.NoShows, &v.Stats.Cancelled, &v.Stats.Declined, &v.Stats.Load} {
		*p = int(r.varint())
	}
	v.Stats.Reliability = r.float()
	v.UpdatedAt = r.time()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("held slots")
		return nil
	}
	if n == 0 {
		return nil
	}
	h := make(Held, n)
	for i := range h {
		h[i] = span{r.varint(), r.varint()}
	}
	return h
}

// ReadSnapshotInfo checks that data is a whole snapshot of this version
// (magic, version, checksum) and returns what it tells about its store.
// Errors wrap ErrSnapshot.
func ReadSnapshotInfo(data []byte) (SnapshotInfo, error) {
	info, _, err := readHead(data)
	return info, err
}

func readHead(data []byte) (SnapshotInfo, *snapReader, error) {
	var info SnapshotInfo
	if len(data) < len(snapshotMagic)+4 || string(data[:len(snapshotMagic)]) != string(snapshotMagic) {
		return info, nil, fmt.Errorf("%w: no snapshot header", ErrSnapshot)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	r := &snapReader{b: body[len(snapshotMagic):]}
	if v := r.uvarint(); r.err == nil && v != SnapshotVersion {
		return info, nil, fmt.Errorf("%w: version %d, want %d", ErrSnapshot, v, SnapshotVersion)
	}
	if crc32.Checksum(body, snapCRC) != sum {
		return info, nil, fmt.Errorf("%w: checksum mismatch (truncated or corrupt)", ErrSnapshot)
	}
	info.Store = r.str()
	info.Seq = r.uvarint()
	info.At.Kind = volmatch.ChangeKind(r.str())
	info.At.ID = r.str()
	flags := r.byte1()
	info.At.Deleted, info.At.Derived = flags&1 != 0, flags&2 != 0
	info.At.Seq = info.Seq
	if info.Seq == 0 {
		info.At = volmatch.Change{}
	}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("string table")
	}
	if r.err == nil {
		r.table = make([]string, n)
		for i := range r.table {
			r.table[i] = intern(r.str())
		}
	}
	count := r.uvarint()
	if count > uint64(len(r.b)) {
		r.fail("volunteer count")
	}
	info.Volunteers = int(count)
	if r.err != nil {
		return SnapshotInfo{}, nil, r.err
	}
	return info, r, nil
}

// ReadSnapshot decodes a snapshot (on every core) into the contents to
// load (LoadFrozen). Errors wrap ErrSnapshot.
func ReadSnapshot(data []byte) (SnapshotInfo, Frozen, error) {
	info, r, err := readHead(data)
	if err != nil {
		return info, Frozen{}, err
	}
	type block struct {
		at, n int
		b     []byte
	}
	var blocks []block
	at := 0
	for r.err == nil && len(r.b) > 0 {
		n := r.uvarint()
		b := r.bytes(r.uvarint())
		if n == 0 || n > uint64(len(b)) || uint64(at)+n > uint64(info.Volunteers) {
			r.fail("block")
			break
		}
		blocks = append(blocks, block{at, int(n), b})
		at += int(n)
	}
	if r.err == nil && at != info.Volunteers {
		r.fail("volunteer count")
	}
	if r.err != nil {
		return SnapshotInfo{}, Frozen{}, r.err
	}
	z := Frozen{Volunteers: make([]*volmatch.Volunteer, at), Held: make([]Held, at)}
	errs := make([]error, len(blocks))
	parallel.For(len(blocks), 1, func(i int) {
		k := blocks[i]
		br := &snapReader{b: k.b, table: r.table}
		arena := make([]volmatch.Volunteer, k.n) // one allocation per block
		shared := lists{}
		for j := range arena {
			z.Held[k.at+j] = br.volunteer(&arena[j], shared)
			z.Volunteers[k.at+j] = &arena[j]
		}
		if br.err == nil && len(br.b) != 0 {
			br.fail("block length")
		}
		errs[i] = br.err
	})
	if err := errors.Join(errs...); err != nil {
		return SnapshotInfo{}, Frozen{}, err
	}
	return info, z, nil
}

// crcOf is the checksum a snapshot ends with, of body.
func crcOf(body []byte) [4]byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], crc32.Checksum(body, snapCRC))
	return b
}
