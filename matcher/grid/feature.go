package grid

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// The feature grid covers Beijing (lat 39.4–41.1, lng 115.4–117.5) with cells
// of about 2 km; homes outside it (or not numbers) go to a fallback list that
// every query scans.
const (
	gridMinLat = 39.4
	gridMaxLat = 41.1
	gridMinLng = 115.4
	gridMaxLng = 117.5
	cellKm     = 1.0
	// kmPerDeg is the length of a degree of latitude on the sphere of
	// volmatch.DistanceKm (radius 6371.0088 km).
	kmPerDeg = 6371.0088 * math.Pi / 180

	// approxMaxKm is the largest reach for which rows are pruned by an
	// equirectangular distance estimate; beyond it every row in reach of
	// the bounding box goes to the scorer.
	approxMaxKm = 100
	// approxRel and approxAbsKm are the safety margins of the estimate:
	// relative (curvature and the cosine's change over the band) and
	// absolute (a margin for rounding).
	approxRel   = 0.001
	approxAbsKm = 0.05
)

var (
	latStep = cellKm / kmPerDeg
	lngStep = cellKm / (kmPerDeg * math.Cos((gridMinLat+gridMaxLat)/2*math.Pi/180))
	nLat    = int(math.Ceil((gridMaxLat - gridMinLat) / latStep))
	nLng    = int(math.Ceil((gridMaxLng - gridMinLng) / lngStep))
	nCells  = nLat * nLng // cells[nCells] is the fallback list
)

// Features is the in-memory feature index that the matcher reads: a spatial
// grid over Beijing whose cells hold compact rows (home, travel
// limit, weekly availability), and per-key bitsets over the rows for the
// skill (one per level threshold), certificate (with expiries, bucketed by
// day), training, language and insurance gates. A query (Prune) visits
// only the cells within the need's radius, skips by bitsets the rows that cannot pass the skill,
// certificate, training, insurance and language gates, by a conservative
// distance estimate the rows beyond reach, and by weekly availability the
// rows free for no shift; it hands the rest (the full *volmatch.Volunteer,
// kept by pointer) to the scorer, which applies every gate exactly, and
// counts the skipped ones by the gate each fails first, so that ranking
// through the index gives exactly the exhaustive answer. PruneBounded also
// leaves out rows it proves eligible from the compact data alone whose
// score bound (from the lower bound of the distance, the weekly slack, the
// skills held and the preferred domains) is below the ranking's current floor, counting them as
// eligible: the scorer then reads only the volunteers that can still enter
// the top K. Load numbers the rows cell by cell, by decreasing travel limit
// within a cell, so that in a cell a prefix of rows lies within reach for
// certain and a suffix beyond it (found from the cell's runs of equal
// travel limit, without reading rows): when a whole cell's bound is below the
// floor, its prefix is counted a word at a time from the bitsets (weekly
// hours, dated exceptions, the gates) without reading a row. A row with one
// dated exception on whole hours that covers every shift it is free for by
// its weekly pattern is counted under availability from the compact row,
// without the scorer reading the volunteer.
//
// The index also keeps the time slots each volunteer holds (SetHeld,
// UpsertHeld, LoadHeld; held.go), bucketed by week: the busy gate. A query
// hands a volunteer's slots to its callback with the volunteer, and counts
// a word at a time only the rows none of whose slots can touch its shifts,
// so that a ranking with the busy gate reads no store and keeps its
// bounded pruning.
//
// Features is safe for concurrent use: readers share a read lock, writers
// hold the write lock; a query calls its callback under the read lock, so
// the callback must not call back into the index. The index keeps the
// volunteers it is given by pointer and reads their Stats only through the
// scorer, so Stats may be updated in place (a simulation does); any other
// change must go through Upsert, with a new copy.
//
// All gives the exhaustive Features, which prunes nothing: the reference
// that the grid's answers are checked against.
type Features struct {
	mu sync.RWMutex
	// all is set by All: scan holds the volunteers, every query yields
	// each of them and the grid below stays empty.
	all   bool
	scan  []*volmatch.Volunteer
	rows  []frow
	byID  map[string]int32
	free  []int32
	live  bitset
	cells [][]cellEntry // nCells grid cells, then the fallback list
	meta  []cellMeta    // per cell: bounds of its rows, and whether sorted

	// hours[h] holds the rows free at hour h of the week by their weekly
	// pattern, exc the rows with a dated exception: a query counts the
	// rows of a sorted cell free for its shifts a word at a time.
	hours [volmatch.HoursPerWeek]bitset
	exc   bitset

	skillID   map[string]int32
	skillKeys []string
	skillBits [][3]bitset // per skill, rows with level >= 1, 2, 3
	certID    map[string]int32
	certs     []certColumn
	trainID   map[string]int32
	trainBits []bitset
	langID    map[string]int32
	langBits  []bitset
	prefID    map[string]int32 // preferred domain keys, ids by first sight
	prefKeys  []string
	insured   expiries // every live row by InsuredUntil

	// held keeps the slots each row holds (held.go): by row, by week
	// bucket, and by ID for All.
	held      map[int32]Held
	heldAll   map[string]Held
	heldWeeks map[int64]*weekBits
	heldLong  weekBits

	pool sync.Pool // *[]uint64 pruneQuery buffers
}

// frow is a row: where its entry lies and the keys it was indexed under,
// so that a delete clears exactly what the upsert set. keys holds the
// skills (id<<4 | level<<2 | keySkill), trainings (id<<2 | keyTrain) and
// languages (id<<2 | keyLang) in one slice.
type frow struct {
	cell  int32
	pos   int32
	keys  []int32
	certs []certRef
	ins   stamp
}

const (
	keySkill = iota
	keyTrain
	keyLang
)

type skillRef struct{ id, level int32 }

type certRef struct {
	id int32
	at stamp
}

// cellEntry is the compact row a query reads from a cell (88 bytes).
type cellEntry struct {
	v   *volmatch.Volunteer
	row int32
	// excExact: one dated exception, starting before it ends, on whole
	// hours: excLo and excHi are its bounds, and a shift overlaps it
	// exactly when its span in whole hours overlaps [excLo, excHi).
	excExact bool
	maxKm    float64 // the volunteer's MaxTravelKm
	lat, lng float64 // the volunteer's Home
	avail    volmatch.Week
	prefs    uint64 // preferred domains by prefID; bit 63: one beyond 62
	// excLo, excHi span every dated exception in Unix hours (widened to
	// whole hours); excLo > excHi when there is none.
	excLo, excHi int32
	// skills holds up to four skills as id<<2 | level (0 ends the list),
	// manySkills in the first when there are more or an id is too large.
	skills [4]uint16
}

const manySkills = 0xFFFF

// cellMeta bounds what the rows of a cell hold, for leaving out or counting
// a whole cell at once: the box of their homes, the union of their
// weekly patterns and preferred domains, the skills held. The bounds
// grow with every row added and do not shrink when one leaves (they stay
// bounds). A sorted cell's entries are its rows in row-number order, with
// consecutive row numbers and non-increasing, non-negative travel limits:
// Load leaves every grid cell so; an Upsert or a Delete in it clears the
// flag, and a query then reads the cell row by row.
type cellMeta struct {
	sorted                 bool
	lat0, lat1, lng0, lng1 float64 // lat0 > lat1 when no row was added
	prefs                  uint64
	avail                  volmatch.Week
	skills                 []uint16 // each skill held, once: id<<2 | highest level
	// runs are a sorted cell's rows by travel limit (nil when it has more
	// than maxRuns distinct limits), for finding the rows within reach
	// without reading them.
	runs []limitRun
}

// addSkill notes a skill held in the cell (ids past 1<<14 bound the cell's
// skill fit by its highest level only).
func (m *cellMeta) addSkill(sk skillRef) {
	if sk.id >= 1<<14 {
		m.skills = append(m.skills, manySkills)
		return
	}
	for i, x := range m.skills {
		if int32(x>>2) == sk.id {
			m.skills[i] = max(x, uint16(sk.id)<<2|uint16(sk.level))
			return
		}
	}
	m.skills = append(m.skills, uint16(sk.id)<<2|uint16(sk.level))
}

type certColumn struct {
	holders bitset
	exp     expiries // one entry per holder: their latest expiry
}

// NewFeatures returns an index of vs (see Load).
func NewFeatures(vs []*volmatch.Volunteer) *Features {
	f := &Features{}
	f.reset()
	f.load(vs)
	return f
}

// Load replaces the contents of the index with vs in bulk; when an ID occurs
// twice the later volunteer wins, as with Upsert. Rows are numbered cell by
// cell, so that a query reads neighbouring bits and rows. An exhaustive
// Features (All) then holds vs as given.
func (f *Features) Load(vs []*volmatch.Volunteer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.scan = vs
		f.heldAll = nil
		return
	}
	f.reset()
	f.load(vs)
}

func (f *Features) load(vs []*volmatch.Volunteer) { f.loadRows(vs, false) }

// loadRows is load into an empty index; unique tells that no ID occurs
// twice in vs and none is nil or empty (a snapshot: Freeze gives the
// index's rows), which spares the map that finds the later of two and the
// look-up of each ID before it is added. It reports false, the index then
// to be reset, when an ID of a unique vs occurs twice after all.
func (f *Features) loadRows(vs []*volmatch.Volunteer, unique bool) bool {
	var last map[string]int
	if !unique {
		last = make(map[string]int, len(vs))
		for i, v := range vs {
			if v != nil && v.ID != "" {
				last[v.ID] = i
			}
		}
	}
	type item struct {
		cell  int32
		maxKm float64
		i     int32
	}
	items := make([]item, 0, len(vs))
	for i, v := range vs {
		if unique || v != nil && v.ID != "" && last[v.ID] == i {
			items = append(items, item{int32(cellOf(v.Home)), v.MaxTravelKm, int32(i)})
		}
	}
	clear(last)
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.cell, b.cell); c != 0 {
			return c
		}
		if c := cmp.Compare(b.maxKm, a.maxKm); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	// Sized once: rows, the ID map, the bitsets every row is in or most
	// hours are, and every cell's entries.
	f.rows = slices.Grow(f.rows, len(items))
	if len(f.byID) == 0 {
		f.byID = make(map[string]int32, len(items))
	}
	words := (len(f.rows) + len(items) + 63) / 64
	f.live = slices.Grow(f.live, max(0, words-len(f.live)))
	for h := range f.hours {
		f.hours[h] = slices.Grow(f.hours[h], max(0, words-len(f.hours[h])))
	}
	for k := 0; k < len(items); {
		c, j := items[k].cell, k
		for j < len(items) && items[j].cell == c {
			j++
		}
		f.cells[c] = slices.Grow(f.cells[c], j-k)
		k = j
	}
	for _, it := range items {
		v := vs[it.i]
		if !unique {
			f.upsert(v)
			continue
		}
		r, n := int32(len(f.rows)), len(f.byID)
		if f.byID[v.ID] = r; len(f.byID) == n {
			return false
		}
		f.rows = append(f.rows, frow{})
		f.add(r, v)
	}
	for c := range nCells {
		f.markSorted(c)
	}
	f.fitBitsets()
	return true
}

// fitBitsets gives back the spare capacity the key columns grew while a
// load added rows (bitset.grow).
func (f *Features) fitBitsets() {
	for i := range f.skillBits {
		for l := range f.skillBits[i] {
			f.skillBits[i][l].fit()
		}
	}
	for i := range f.certs {
		f.certs[i].holders.fit()
	}
	for _, cols := range [][]bitset{f.trainBits, f.langBits} {
		for i := range cols {
			cols[i].fit()
		}
	}
	f.exc.fit()
}

// markSorted sets the sorted flag of grid cell c when its entries qualify
// (see cellMeta).
func (f *Features) markSorted(c int) {
	cell := f.cells[c]
	ok := len(cell) > 0
	for k := range cell {
		e := &cell[k]
		if !(e.maxKm >= 0) || e.row != cell[0].row+int32(k) || k > 0 && !(cell[k-1].maxKm >= e.maxKm) {
			ok = false
			break
		}
	}
	f.meta[c].sorted = ok
	f.meta[c].runs = nil
	if !ok {
		return
	}
	var runs []limitRun
	for k := range cell {
		if k > 0 && cell[k].maxKm == cell[k-1].maxKm {
			runs[len(runs)-1].end++
			continue
		}
		if len(runs) == maxRuns {
			return // too many distinct limits: the query searches the rows
		}
		runs = append(runs, limitRun{cell[k].maxKm, int32(k + 1)})
	}
	f.meta[c].runs = slices.Clip(runs)
}

// maxRuns is the most distinct travel limits a sorted cell keeps as runs.
const maxRuns = 64

// limitRun is a run of a sorted cell's rows with one travel limit: the
// rows before end (from the previous run's end) have travel limit maxKm.
type limitRun struct {
	maxKm float64
	end   int32
}

// search returns the first row k of a sorted cell of n rows for which ok,
// a monotone test of the travel limit (false, then true, down the rows),
// holds on cell[k].maxKm, n when none: from the cell's runs when it has
// them (a few neighbouring words rather than rows far apart), else over
// the rows.
func (m *cellMeta) search(cell []cellEntry, ok func(maxKm float64) bool) int {
	if m.runs == nil {
		return sort.Search(len(cell), func(k int) bool { return ok(cell[k].maxKm) })
	}
	i := sort.Search(len(m.runs), func(i int) bool { return ok(m.runs[i].maxKm) })
	if i == 0 {
		return 0
	}
	return int(m.runs[i-1].end)
}

// Compact lays the indexed volunteers out in memory cell by cell, as copies
// the index owns (the structs, and their skills, certificates, trainings,
// languages and preferred domains in shared arrays), so that a query reads
// the volunteers of a cell from neighbouring memory rather than chasing
// pointers scattered over the heap: ranking gets about a quarter faster.
// Afterwards the index no longer sees in-place changes to the caller's
// volunteers, Stats included: use it on snapshots (a CLI run, a benchmark),
// not under a simulation that updates Stats in place. An exhaustive
// Features (All) is left as it is.
func (f *Features) Compact() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		return
	}
	var vs []*volmatch.Volunteer
	var nSkills, nCerts, nStrings int
	for _, cell := range f.cells {
		for _, e := range cell {
			v := e.v
			vs = append(vs, v)
			nSkills += len(v.Skills)
			nCerts += len(v.Certificates)
			nStrings += len(v.Trainings) + len(v.Languages) + len(v.PreferredDomains)
		}
	}
	arena := make([]volmatch.Volunteer, len(vs))
	skills := make([]volmatch.SkillLevel, 0, nSkills)
	certs := make([]volmatch.Certificate, 0, nCerts)
	strs := make([]string, 0, nStrings)
	copies := make([]*volmatch.Volunteer, len(vs))
	for k, v := range vs {
		c := *v
		if c.Skills != nil {
			skills = append(skills, c.Skills...)
			c.Skills = skills[len(skills)-len(c.Skills) : len(skills) : len(skills)]
		}
		if c.Certificates != nil {
			certs = append(certs, c.Certificates...)
			c.Certificates = certs[len(certs)-len(c.Certificates) : len(certs) : len(certs)]
		}
		for _, p := range []*[]string{&c.Trainings, &c.Languages, &c.PreferredDomains} {
			if *p != nil {
				strs = append(strs, *p...)
				*p = strs[len(strs)-len(*p) : len(strs) : len(strs)]
			}
		}
		arena[k] = c
		copies[k] = &arena[k]
	}
	held := make(map[string]Held, len(f.held))
	for r, h := range f.held {
		held[f.cells[f.rows[r].cell][f.rows[r].pos].v.ID] = h
	}
	f.reset()
	f.load(copies)
	for id, h := range held {
		f.setHeld(id, h)
	}
}

// Reset empties the index (a follower calls it before a full load).
func (f *Features) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.scan, f.heldAll = nil, nil
		return
	}
	f.reset()
}

func (f *Features) reset() {
	f.rows, f.free, f.live = nil, nil, nil
	f.byID = map[string]int32{}
	f.cells = make([][]cellEntry, nCells+1)
	f.meta = make([]cellMeta, nCells+1)
	for i := range f.meta {
		f.meta[i].lat0, f.meta[i].lat1 = 1, 0
	}
	f.hours = [volmatch.HoursPerWeek]bitset{}
	f.exc = nil
	f.skillID, f.skillBits, f.skillKeys = map[string]int32{}, nil, nil
	f.certID, f.certs = map[string]int32{}, nil
	f.trainID, f.trainBits = map[string]int32{}, nil
	f.langID, f.langBits = map[string]int32{}, nil
	f.prefID, f.prefKeys = map[string]int32{}, nil
	f.insured = expiries{}
	f.resetHeld()
}

// Len returns the number of volunteers indexed (held, for All).
func (f *Features) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.all {
		return len(f.scan)
	}
	return len(f.byID)
}

// Upsert adds v, or replaces the volunteer with v's ID. A nil volunteer or an
// empty ID is ignored.
func (f *Features) Upsert(v *volmatch.Volunteer) {
	if v == nil || v.ID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.upsertAll(v)
		return
	}
	f.upsert(v)
}

// Volunteer returns the volunteer indexed under id, as it was given to
// Upsert or Load (or its copy, after Compact); the caller must not change
// it.
func (f *Features) Volunteer(id string) (*volmatch.Volunteer, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.all {
		for _, v := range f.scan {
			if v != nil && v.ID == id {
				return v, true
			}
		}
		return nil, false
	}
	r, ok := f.byID[id]
	if !ok {
		return nil, false
	}
	row := f.rows[r]
	return f.cells[row.cell][row.pos].v, true
}

// Delete removes the volunteer with the ID; a missing one is ignored.
func (f *Features) Delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.deleteAll(id)
		delete(f.heldAll, id)
		return
	}
	r, ok := f.byID[id]
	if !ok {
		return
	}
	f.dropHeld(r)
	f.remove(r)
	delete(f.byID, id)
	f.free = append(f.free, r)
}

func (f *Features) upsert(v *volmatch.Volunteer) {
	if v == nil || v.ID == "" {
		return
	}
	r, ok := f.byID[v.ID]
	switch {
	case ok:
		f.remove(r)
	case len(f.free) > 0:
		r = f.free[len(f.free)-1]
		f.free = f.free[:len(f.free)-1]
	default:
		r = int32(len(f.rows))
		f.rows = append(f.rows, frow{})
	}
	f.byID[v.ID] = r
	f.add(r, v)
}

func dictID(dict map[string]int32, key string) (int32, bool) {
	id, ok := dict[key]
	if !ok {
		id = int32(len(dict))
		dict[key] = id
	}
	return id, !ok
}

// add indexes v as row r: its keys in the bitsets, its entry in its cell,
// the cell's bounds widened to hold it.
func (f *Features) add(r int32, v *volmatch.Volunteer) {
	row := frow{ins: stampOf(v.InsuredUntil)}
	var skillBuf [8]skillRef
	skills := f.skillRefs(skillBuf[:0], v.Skills)
	for _, s := range skills {
		for l := range s.level {
			f.skillBits[s.id][l].set(r)
		}
	}
	row.certs = f.certRefs(v.Certificates)
	for _, c := range row.certs {
		f.certs[c.id].holders.set(r)
		f.certs[c.id].exp.add(c.at, r)
	}
	row.keys = f.rowKeys(r, skills, v)
	f.insured.add(row.ins, r)

	cell := cellOf(v.Home)
	e := cellEntry{v: v, row: r, maxKm: v.MaxTravelKm, lat: v.Home.Lat, lng: v.Home.Lng,
		avail: v.Availability}
	e.excLo, e.excHi = exceptionSpan(v.Exceptions)
	e.excExact = exactException(v.Exceptions)
	e.skills = packSkills(skills)
	e.prefs = f.prefBits(v.PreferredDomains)
	f.setHours(r, e.avail)
	if len(v.Exceptions) > 0 {
		f.exc.set(r)
	}
	f.meta[cell].include(&e, skills)
	row.cell, row.pos = int32(cell), int32(len(f.cells[cell]))
	f.cells[cell] = append(f.cells[cell], e)
	f.rows[r] = row
	f.live.set(r)
}

// skillRefs appends to refs each skill of ss held at a level above 0,
// once, at its highest level; a skill key met for the first time gets its
// id and bitsets.
func (f *Features) skillRefs(refs []skillRef, ss []volmatch.SkillLevel) []skillRef {
	for _, s := range ss {
		l := int32(scoring.ClampLevel(s.Level))
		if l == 0 {
			continue
		}
		id, isNew := dictID(f.skillID, s.Skill)
		if isNew {
			f.skillBits = append(f.skillBits, [3]bitset{})
			f.skillKeys = append(f.skillKeys, s.Skill)
		}
		dup := false
		for i := range refs {
			if refs[i].id == id {
				refs[i].level = max(refs[i].level, l)
				dup = true
			}
		}
		if !dup {
			refs = append(refs, skillRef{id, l})
		}
	}
	return refs
}

// certRefs returns each certificate of cs once, with its latest expiry; a
// name met for the first time gets its id and column.
func (f *Features) certRefs(cs []volmatch.Certificate) []certRef {
	var refs []certRef
	for _, c := range cs {
		id, isNew := dictID(f.certID, c.Name)
		if isNew {
			f.certs = append(f.certs, certColumn{})
		}
		at, dup := stampOf(c.Expires), false
		for i := range refs {
			if refs[i].id == id {
				if at.after(refs[i].at) {
					refs[i].at = at
				}
				dup = true
			}
		}
		if !dup {
			refs = append(refs, certRef{id, at})
		}
	}
	return refs
}

// rowKeys returns the keys of row r (see frow): its skills, and v's
// trainings and languages, which it indexes; nil when there is none.
func (f *Features) rowKeys(r int32, skills []skillRef, v *volmatch.Volunteer) []int32 {
	var keys []int32
	if n := len(skills) + len(v.Trainings) + len(v.Languages); n > 0 {
		keys = make([]int32, 0, n)
	}
	for _, s := range skills {
		keys = append(keys, s.id<<4|s.level<<2|keySkill)
	}
	keys = f.tags(r, keys, keyTrain, v.Trainings, f.trainID, &f.trainBits)
	keys = f.tags(r, keys, keyLang, v.Languages, f.langID, &f.langBits)
	if len(keys) == 0 {
		keys = nil
	}
	return keys
}

// exceptionSpan returns the span of the exceptions xs in Unix hours,
// widened to whole hours; lo > hi when there is none.
func exceptionSpan(xs []volmatch.Exception) (lo, hi int32) {
	lo, hi = 1, 0
	for k, x := range xs {
		xlo := min(floorHour(x.Start), floorHour(x.End))
		xhi := max(ceilHour(x.Start), ceilHour(x.End))
		if k == 0 || xlo < lo {
			lo = xlo
		}
		if k == 0 || xhi > hi {
			hi = xhi
		}
	}
	return lo, hi
}

// exactException reports whether xs is one exception that starts before it
// ends, both on whole Unix hours strictly within the range floorHour
// clamps to. Then, the hours being whole, x.Start < s.End exactly when
// x.Start's hour < ceilHour(s.End), and s.Start < x.End exactly when
// floorHour(s.Start) < x.End's hour (a clamped shift hour keeps both
// comparisons): the hour spans decide the overlap that the availability
// gate tests.
func exactException(xs []volmatch.Exception) bool {
	if len(xs) != 1 {
		return false
	}
	x := xs[0]
	lo, hi := floorHour(x.Start), floorHour(x.End)
	return lo == ceilHour(x.Start) && hi == ceilHour(x.End) && x.Start.Before(x.End) &&
		lo > math.MinInt32 && hi < math.MaxInt32
}

// packSkills packs up to four skills for a cellEntry as id<<2 | level,
// or manySkills in the first when there are more or an id is too large.
func packSkills(skills []skillRef) [4]uint16 {
	var p [4]uint16
	for i, sk := range skills {
		switch {
		case i >= len(p) || sk.id >= 1<<14-1:
			p[0] = manySkills
		case p[0] != manySkills:
			p[i] = uint16(sk.id)<<2 | uint16(sk.level)
		}
	}
	return p
}

// prefBits returns the bits of the preferred domains ds by prefID (bit
// 63: one beyond 62); a domain met for the first time gets its id.
func (f *Features) prefBits(ds []string) uint64 {
	var mask uint64
	for _, d := range ds {
		id, isNew := dictID(f.prefID, d)
		if isNew {
			f.prefKeys = append(f.prefKeys, d)
		}
		mask |= 1 << uint(min(id, 63))
	}
	return mask
}

// setHours marks row r free at each hour of the week of avail.
func (f *Features) setHours(r int32, avail volmatch.Week) {
	for w, word := range avail {
		for ; word != 0; word &= word - 1 {
			if h := w*64 + bits.TrailingZeros64(word); h < volmatch.HoursPerWeek {
				f.hours[h].set(r)
			}
		}
	}
}

// include widens the cell's bounds to hold entry e, whose skills are
// skills, and clears its sorted flag.
func (m *cellMeta) include(e *cellEntry, skills []skillRef) {
	m.sorted = false
	if m.lat0 > m.lat1 {
		m.lat0, m.lat1, m.lng0, m.lng1 = e.lat, e.lat, e.lng, e.lng
	} else {
		m.lat0, m.lat1 = min(m.lat0, e.lat), max(m.lat1, e.lat)
		m.lng0, m.lng1 = min(m.lng0, e.lng), max(m.lng1, e.lng)
	}
	for _, sk := range skills {
		m.addSkill(sk)
	}
	m.prefs |= e.prefs
	for w := range m.avail {
		m.avail[w] |= e.avail[w]
	}
}

// tags indexes row r under each distinct key of keys and appends their ids
// (id<<2 | kind) to ids.
func (f *Features) tags(r int32, ids []int32, kind int32, keys []string, dict map[string]int32, cols *[]bitset) []int32 {
	for _, k := range keys {
		id, isNew := dictID(dict, k)
		if isNew {
			*cols = append(*cols, nil)
		}
		if !(*cols)[id].has(r) {
			(*cols)[id].set(r)
			ids = append(ids, id<<2|kind)
		}
	}
	return ids
}

func (f *Features) remove(r int32) {
	row := &f.rows[r]
	for _, k := range row.keys {
		switch k & 3 {
		case keySkill:
			for l := range 3 {
				f.skillBits[k>>4][l].clear(r)
			}
		case keyTrain:
			f.trainBits[k>>2].clear(r)
		case keyLang:
			f.langBits[k>>2].clear(r)
		}
	}
	for _, c := range row.certs {
		f.certs[c.id].holders.clear(r)
		f.certs[c.id].exp.remove(c.at, r)
	}
	f.insured.remove(row.ins, r)
	for w, word := range f.cells[row.cell][row.pos].avail {
		for ; word != 0; word &= word - 1 {
			if h := w*64 + bits.TrailingZeros64(word); h < volmatch.HoursPerWeek {
				f.hours[h].clear(r)
			}
		}
	}
	f.exc.clear(r)
	f.meta[row.cell].sorted = false
	cell := f.cells[row.cell]
	last := len(cell) - 1
	if int(row.pos) != last {
		moved := cell[last]
		cell[row.pos] = moved
		f.rows[moved.row].pos = row.pos
	}
	f.cells[row.cell] = cell[:last]
	f.live.clear(r)
	f.rows[r] = frow{}
}

// floorHour and ceilHour return the Unix hour at or before and at or after
// t, clamped to int32.
func floorHour(t time.Time) int32 {
	s := t.Unix()
	h := s / 3600
	if s%3600 < 0 {
		h--
	}
	return int32(min(max(h, math.MinInt32), math.MaxInt32))
}

func ceilHour(t time.Time) int32 {
	s := t.Unix()
	h := s / 3600
	if s%3600 > 0 || s%3600 == 0 && t.Nanosecond() > 0 {
		h++
	}
	return int32(min(max(h, math.MinInt32), math.MaxInt32))
}

// prefBound returns the best value in vals of the bits of mask.
func prefBound(vals *[64]float64, mask uint64) float64 {
	best := 0.0
	for mask != 0 {
		best = max(best, vals[bits.TrailingZeros64(mask)])
		mask &= mask - 1
	}
	return best
}

// cellOf returns the grid cell of a point, nCells (the fallback list) for a
// point outside the grid.
func cellOf(p volmatch.Point) int {
	if !(p.Lat >= gridMinLat && p.Lat < gridMaxLat && p.Lng >= gridMinLng && p.Lng < gridMaxLng) {
		return nCells
	}
	i := min(int((p.Lat-gridMinLat)/latStep), nLat-1)
	j := min(int((p.Lng-gridMinLng)/lngStep), nLng-1)
	return i*nLng + j
}

// The coarse classes of a row at the first shift: the first failing of the
// gates before distance, or pass (all five pass).
const (
	clsSkill = iota
	clsCert
	clsTrain
	clsIns
	clsLang
	clsPass
	nCls
)

var clsGate = [nCls]string{scoring.GateSkill, scoring.GateCertificate, scoring.GateTraining,
	scoring.GateInsurance, scoring.GateLanguage, scoring.GateDistance}

// Prune calls fn for every volunteer that may be eligible for one of shifts
// (shifts of n; with none, for every volunteer) and returns, for every
// volunteer it did not pass to fn, a count under the first hard gate
// (scoring.Gate) that volunteer fails on shifts[0]: every volunteer it
// skips is ineligible for all of shifts, and the entries are positive. So
// ranking through Prune gives exactly the answer of the exhaustive scan
// (All, which passes every volunteer to fn and counts none).
//
// How the counts stay exact: over all rows, bitsets give for the first
// shift's date the number whose first failing gate among skill, certificate,
// training, insurance and language is each of them, and the number passing
// all five (G). The rows the query examines one by one (E: in a visited
// cell, passing the prune bitset and the distance estimate) are classified
// the same way (H). A row never examined either fails one of the five (its
// reason is that gate) or passes them all and lies beyond reach (its reason
// is distance): so G−H, with "pass" read as distance, counts them. Of the
// examined rows, those free for no shift by their weekly pattern are counted
// here by their exact reason; the rest go to fn and the scorer.
func (f *Features) Prune(n *volmatch.Need, shifts []volmatch.Shift, fn func(v *volmatch.Volunteer)) volmatch.Exclusions {
	ex, _ := f.prune(n, shifts, nil, func(v *volmatch.Volunteer, _ Held) float64 { fn(v); return math.Inf(-1) })
	return ex
}

// PruneBounded works as Prune, with fn returning the floor: the score a
// volunteer must reach to enter the ranking (-Inf while it is not full).
// It also leaves out, without calling fn, the rows it proves eligible for
// some shift on every gate but busy (the pass bitset at the first shift's
// end, the distance estimate certainly within reach, no dated exception,
// and the weekly pattern covering a shift for which passing at that end
// decides) whose score bound under bound (the need prepared for shifts),
// from the compact row, is below the floor fn last returned; it returns how
// many it left out that way. The busy gate counts too: fn gets the slots
// the volunteer holds (SetHeld) when one may overlap a shift, and a row
// left out is free of its slots on the shift it is eligible for. With a
// nil bound no row is left out (Prune, with the held slots). A caller
// whose busy gate reads elsewhere than the index must pass a nil bound.
func (f *Features) PruneBounded(n *volmatch.Need, shifts []volmatch.Shift, bound *scoring.Prepared, fn func(v *volmatch.Volunteer, held Held) float64) (volmatch.Exclusions, int) {
	return f.prune(n, shifts, bound, fn)
}

func (f *Features) prune(n *volmatch.Need, shifts []volmatch.Shift, bound *scoring.Prepared, fn func(v *volmatch.Volunteer, held Held) float64) (volmatch.Exclusions, int) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	ex := volmatch.Exclusions{}
	if f.all {
		for _, v := range f.scan {
			var h Held
			if v != nil {
				h = f.heldAll[v.ID]
			}
			fn(v, h)
		}
		return ex, 0
	}
	if len(shifts) == 0 {
		for r := range f.rows {
			if f.live.has(int32(r)) {
				fn(f.cells[f.rows[r].cell][f.rows[r].pos].v, f.held[int32(r)])
			}
		}
		return ex, 0
	}
	s0 := shifts[0]
	t0 := stampOf(s0.End)
	tmin, tmax := t0, t0
	for _, s := range shifts[1:] {
		t := stampOf(s.End)
		if tmin.after(t) {
			tmin = t
		}
		if t.after(tmax) {
			tmax = t
		}
	}
	var g [nCls]int
	pass, release := f.filter(n, t0, &g)
	defer release()
	// With no requirement every live row passes: skip the bit tests.
	allPass := len(pass) > 0 && len(f.live) > 0 && &pass[0] == &f.live[0]
	timed := len(n.Requires.Certificates) > 0 || n.Requires.Insurance
	// prune is pass unless an earlier shift ends before the first one: a
	// certificate or an insurance that lapses between the two ends keeps a
	// row eligible for the earlier shift, so the prune set is then computed
	// at the earliest end (a superset of pass).
	prune, whole := pass, true
	if tmin != t0 && timed {
		whole = false
		var rel func()
		prune, rel = f.filter(n, tmin, nil)
		defer rel()
	}
	// passAll: the rows passing the first five gates at the latest end,
	// hence on every shift (a subset of pass).
	passAll := pass
	if tmax != t0 && timed {
		var rel func()
		passAll, rel = f.filter(n, tmax, nil)
		defer rel()
	}
	q := pruneQuery{f: f, n: n, s0: s0, shifts: shifts, pass: pass, prune: prune, passAll: passAll, allPass: allPass,
		whole: whole, bound: bound, fn: fn, floor: math.Inf(-1), ex: ex}
	if len(f.held) > 0 {
		lo, hi := s0.Start.UnixNano(), s0.End.UnixNano()
		for _, s := range shifts[1:] {
			lo, hi = min(lo, s.Start.UnixNano()), max(hi, s.End.UnixNano())
		}
		q.busy = f.heldFor(lo, hi)
	}
	q.hours = make([]volmatch.Week, len(shifts))
	q.hourList = make([][]uint8, len(shifts))
	for i, s := range shifts {
		q.hours[i] = volmatch.ShiftHours(s.Start, s.End)
		for w, word := range q.hours[i] {
			for word != 0 {
				q.hourList[i] = append(q.hourList[i], uint8(w*64+bits.TrailingZeros64(word)))
				word &= word - 1
			}
		}
	}
	q.reach = n.RadiusKm
	q.est = newEstimate(n.Point, q.reach)
	// decided[i]: passing the first five gates at the first shift's end
	// implies passing them on shift i (no certificate or insurance asked,
	// or shift i ends no later).
	q.decided = make([]bool, len(shifts))
	q.spans = make([][2]int32, len(shifts)) // shift spans in whole Unix hours
	for i, s := range shifts {
		q.decided[i] = !timed || !stampOf(s.End).after(t0)
		q.spans[i] = [2]int32{floorHour(s.Start), ceilHour(s.End)}
	}
	if bound != nil {
		for id, k := range f.prefKeys {
			if id < 63 {
				q.prefVal[id] = bound.DomainPreference(k)
			}
		}
		q.prefVal[63] = 1
		q.skillVal = make([][4]float64, len(f.skillKeys))
		for id, k := range f.skillKeys {
			for l := 1; l <= 3; l++ {
				q.skillVal[id][l] = bound.SkillBound(k, l)
			}
		}
		q.fitLevels()
	}
	f.visitCells(q.est, q.cell)
	if q.nAvail > 0 {
		ex[scoring.GateAvailability] += q.nAvail
	}
	for c := range nCls {
		if d := g[c] - q.h[c]; d != 0 {
			ex[clsGate[c]] += d
		}
	}
	for k, c := range ex {
		if c == 0 {
			delete(ex, k)
		}
	}
	return ex, q.nSkipped
}

// pruneQuery is the state of one Prune: the need, its shifts and bitsets, and
// the counts so far.
type pruneQuery struct {
	f      *Features
	n      *volmatch.Need
	s0     volmatch.Shift // the first considered shift
	shifts []volmatch.Shift
	// busy are the held-slot buckets (held.go) whose rows may hold a slot
	// overlapping a shift: none when no row does.
	busy                 []bitset
	pass, prune, passAll bitset
	allPass              bool              // pass is every live row
	whole                bool              // prune is pass
	bound                *scoring.Prepared // nil: no row is left out
	skillVal             [][4]float64      // by skill id and level: bound.SkillBound
	// fitVals are the distinct positive skill_fit bounds that a held skill
	// gives (skillVal), descending; fitSets[j] the bitsets (a skill from
	// a level up) whose union holds the rows with a skill whose bound is
	// at least fitVals[j]: the rows outside it have a skill fit below it.
	fitVals  []float64
	fitSets  [][]bitset
	fn       func(v *volmatch.Volunteer, held Held) float64
	floor    float64 // the floor fn last returned
	reach    float64
	est      estimate
	hours    []volmatch.Week
	hourList [][]uint8 // the hours of the week of each shift
	decided  []bool
	spans    [][2]int32
	prefVal  [64]float64 // the domain preference value of each preferred domain id
	ex       volmatch.Exclusions

	h        [nCls]int // rows examined, by class
	nAvail   int       // rows excluded by availability, counted without the map
	nSkipped int       // rows left out as eligible below the floor
}

// cell examines the rows of grid cell c (or the fallback list).
func (q *pruneQuery) cell(c int32, cell []cellEntry) {
	m := &q.f.meta[c]
	if !m.sorted || !q.est.ok || !q.whole {
		for k := range cell {
			q.row(&cell[k], false, false)
		}
		return
	}
	// The rows of a sorted cell come by decreasing travel limit: a prefix
	// lies within reach for certain, a suffix beyond it.
	d2lo, d2hi := q.est.box(m)
	in := m.search(cell, func(maxKm float64) bool {
		inner := (math.Min(q.reach, maxKm)*(1-1e-6) - approxAbsKm) / (1 + approxRel)
		return !(inner > 0 && d2hi < inner*inner)
	})
	out := m.search(cell, func(maxKm float64) bool {
		o := (math.Min(q.reach, maxKm)*(1+1e-6) + approxAbsKm) / (1 - approxRel)
		return o >= 0 && d2lo > o*o
	})
	out = max(out, in)
	lo := cell[0].row
	from := 0
	below := false // no row of the cell can reach the floor
	if q.bound != nil && q.floor > math.Inf(-1) {
		minKm := math.Sqrt(d2lo)*(1-approxRel) - approxAbsKm
		if q.cellBound(m, minKm) < q.floor {
			if in > 0 {
				q.countIn(cell, lo, lo+int32(in))
			}
			from = in
			below = true
		}
	}
	if from == out {
		return
	}
	// When the cell's bound is above the floor only for rows with a skill
	// fit of at least fitVals[j], the other rows' bound is below it: those
	// certainly within reach are counted a word at a time, the rest are
	// read as rows below the floor.
	j := -1
	if !below && q.bound != nil && q.floor > math.Inf(-1) && len(q.fitVals) > 0 {
		j = q.fitFloor(m, math.Sqrt(d2lo)*(1-approxRel)-approxAbsKm)
	}
	// Row by row, the set bits of prune only.
	a, b := lo+int32(from), lo+int32(out)
	inEnd := lo + int32(in)
	for w := a >> 6; w <= (b-1)>>6; w++ {
		word := wordOf(q.prune, w) & rangeMask(w, a, b)
		high := ^uint64(0)
		if j >= 0 && word != 0 {
			high = 0
			for _, bs := range q.fitSets[j] {
				high |= wordOf(bs, w)
			}
			if a < inEnd && w <= (inEnd-1)>>6 {
				if low := word &^ high & rangeMask(w, a, inEnd); low != 0 {
					q.countWord(cell, w, low)
					word &^= low
				}
			}
		}
		for word != 0 {
			k := int32(bits.TrailingZeros64(word))
			word &= word - 1
			q.row(&cell[w<<6+k-lo], true, below || high&(1<<uint(k)) == 0)
		}
	}
}

// fitLevels sets fitVals and fitSets from skillVal.
func (q *pruneQuery) fitLevels() {
	var vals []float64
	for id := range q.skillVal {
		for l := 1; l <= 3; l++ {
			if v := q.skillVal[id][l]; v > 0 && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	if len(vals) == 0 {
		return
	}
	slices.Sort(vals)
	slices.Reverse(vals)
	q.fitVals = vals
	q.fitSets = make([][]bitset, len(vals))
	for j, t := range vals {
		for id := range q.skillVal {
			for l := 1; l <= 3; l++ {
				if q.skillVal[id][l] >= t {
					q.fitSets[j] = append(q.fitSets[j], q.f.skillBits[id][l-1])
					break
				}
			}
		}
	}
}

// fitFloor returns the j such that only rows of the cell with a skill fit
// bound of at least fitVals[j] can reach the floor (at least minKm away,
// within the cell's unions), -1 when every row can: a row outside
// fitSets[j] holds no skill whose bound reaches fitVals[j], so its skill fit
// is at most the next value down (0 past the last).
func (q *pruneQuery) fitFloor(m *cellMeta, minKm float64) int {
	pref := prefBound(&q.prefVal, m.prefs)
	j := -1
	// Lowest first: the first value whose bound reaches the floor.
	for k := len(q.fitVals) - 1; k >= -1; k-- {
		v := 0.0
		if k+1 < len(q.fitVals) {
			v = q.fitVals[k+1]
		}
		if q.bound.BoundWith(minKm, m.avail, v, pref, nil) >= q.floor {
			return j
		}
		j = k
	}
	return -1
}

// countWord accounts for the rows of word w in p, all passing the first
// five gates, within reach for certain and unable to reach the floor, as
// countIn does.
func (q *pruneQuery) countWord(cell []cellEntry, w int32, p uint64) {
	f := q.f
	lo := cell[0].row
	var freeAny, freeDec uint64
	for i, hl := range q.hourList {
		x := ^uint64(0)
		for _, h := range hl {
			x &= wordOf(f.hours[h], w)
		}
		freeAny |= x
		if q.decided[i] {
			freeDec |= x
		}
	}
	free := p & freeAny
	sure := p & (freeDec | wordOf(q.passAll, w)&freeAny) &^ wordOf(f.exc, w) &^ q.busyWord(w)
	q.h[clsPass] += bits.OnesCount64(p)
	q.nAvail += bits.OnesCount64(p) - bits.OnesCount64(free)
	q.nSkipped += bits.OnesCount64(sure)
	for rest := free &^ sure; rest != 0; rest &= rest - 1 {
		e := &cell[w<<6+int32(bits.TrailingZeros64(rest))-lo]
		switch {
		case q.decidedFree(e):
			q.nSkipped++
		case q.unavailable(e):
			q.nAvail++
		default:
			q.floor = q.fn(e.v, q.heldOf(e.row))
		}
	}
}

// countIn accounts for the rows [a, b) of a sorted cell, all within reach
// for certain and none able to reach the floor, a word at a time: rows
// passing the first five gates are examined (class pass); those free for no
// shift by their weekly pattern are excluded by availability; those free for
// a shift on which they pass for certain, with no dated exception, are
// eligible and left out; the others are examined row by row.
func (q *pruneQuery) countIn(cell []cellEntry, a, b int32) {
	f := q.f
	lo := cell[0].row
	for w := a >> 6; w <= (b-1)>>6; w++ {
		p := wordOf(q.pass, w) & rangeMask(w, a, b)
		if p == 0 {
			continue
		}
		var freeAny, freeDec uint64
		for i, hl := range q.hourList {
			x := ^uint64(0)
			for _, h := range hl {
				x &= wordOf(f.hours[h], w)
			}
			freeAny |= x
			if q.decided[i] {
				freeDec |= x
			}
		}
		free := p & freeAny
		sure := p & (freeDec | wordOf(q.passAll, w)&freeAny) &^ wordOf(f.exc, w) &^ q.busyWord(w)
		q.h[clsPass] += bits.OnesCount64(p)
		q.nAvail += bits.OnesCount64(p) - bits.OnesCount64(free)
		q.nSkipped += bits.OnesCount64(sure)
		for rest := free &^ sure; rest != 0; rest &= rest - 1 {
			e := &cell[w<<6+int32(bits.TrailingZeros64(rest))-lo]
			switch {
			case q.decidedFree(e):
				q.nSkipped++
			case q.unavailable(e):
				q.nAvail++
			default:
				q.floor = q.fn(e.v, q.heldOf(e.row))
			}
		}
	}
}

// row examines one row; in a sorted cell (sorted) it is known to pass the
// prune set; below says that the cell's bound is below the floor.
func (q *pruneQuery) row(e *cellEntry, sorted, below bool) {
	if !sorted && !q.allPass && !q.prune.has(e.row) {
		return
	}
	in, minKm := false, 0.0
	if q.est.ok {
		d2lo, d2hi := q.est.d2(e.lat, e.lng)
		limit := math.Min(q.reach, e.maxKm)
		if out := (limit*(1+1e-6) + approxAbsKm) / (1 - approxRel); out >= 0 && d2lo > out*out {
			return // beyond reach for certain
		}
		inner := (limit*(1-1e-6) - approxAbsKm) / (1 + approxRel)
		in = inner > 0 && d2hi < inner*inner
		if in && q.bound != nil {
			minKm = math.Sqrt(d2lo)*(1-approxRel) - approxAbsKm
		}
	}
	if !in {
		// Near the edge of reach (or no estimate): the distance gate
		// itself decides, on the row's copies of home and limit.
		d, ok := scoring.ReachFrom(volmatch.Point{Lat: e.lat, Lng: e.lng}, e.maxKm, q.n)
		if !ok {
			return // beyond reach: counted with the rows never examined
		}
		in, minKm = true, d
	}
	cls := clsPass
	reason := ""
	if !q.whole && !q.pass.has(e.row) {
		// Only when prune != pass: the row fails the certificate or the
		// insurance gate on the first shift.
		if reason = scoring.Gate(e.v, q.n, q.s0); reason == scoring.GateCertificate {
			cls = clsCert
		} else {
			cls = clsIns
		}
	}
	q.h[cls]++
	free := false
	for _, w := range q.hours {
		if e.avail.Covers(w) {
			free = true
			break
		}
	}
	if free {
		if q.bound != nil && in && cls == clsPass && q.decidedFree(e) && (below || q.below(e, minKm)) {
			q.nSkipped++ // eligible on some shift, cannot enter the ranking
			return
		}
		if in && cls == clsPass && q.unavailable(e) {
			q.nAvail++
			return
		}
		q.floor = q.fn(e.v, q.heldOf(e.row))
		return
	}
	// Free for no shift by the weekly pattern: excluded here.
	switch {
	case reason != "":
		q.ex[reason]++
	case in:
		q.nAvail++
	default:
		q.ex[scoring.Gate(e.v, q.n, q.s0)]++
	}
}

// cellBound returns a score bound for every row of a cell at least minKm
// away, the skill fit bounded by the skills held in the cell.
func (q *pruneQuery) cellBound(m *cellMeta, minKm float64) float64 {
	pref := prefBound(&q.prefVal, m.prefs)
	skill := 0.0
	for _, x := range m.skills {
		if x == manySkills {
			skill = 1
			break
		}
		skill = max(skill, q.skillVal[x>>2][x&3])
	}
	return q.bound.BoundWith(minKm, m.avail, skill, pref, nil)
}

// below reports whether the score bound of an eligible row at least minKm
// away is below the floor: from the compact row first, then from the
// volunteer's stats too (one read of the volunteer rather than the
// scorer's many).
func (q *pruneQuery) below(e *cellEntry, minKm float64) bool {
	pref := prefBound(&q.prefVal, e.prefs)
	skill := 1.0
	if e.skills[0] != manySkills {
		skill = 0
		for _, x := range e.skills {
			if x == 0 {
				break
			}
			skill = max(skill, q.skillVal[x>>2][x&3])
		}
	}
	if q.bound.BoundWith(minKm, e.avail, skill, pref, nil) < q.floor {
		return true
	}
	return q.bound.BoundWith(minKm, e.avail, skill, pref, &e.v.Stats) < q.floor
}

// decidedFree reports whether a row passing the first five gates at the
// first shift's end is free, weekly pattern, dated exceptions and held
// slots all, for a shift on which it passes them for certain.
func (q *pruneQuery) decidedFree(e *cellEntry) bool {
	all := q.passAll.has(e.row)
	held := q.heldOf(e.row)
	for i, w := range q.hours {
		if (all || q.decided[i]) && e.avail.Covers(w) &&
			(e.excLo > e.excHi || q.spans[i][1] <= e.excLo || q.spans[i][0] >= e.excHi) &&
			!held.Busy(q.shifts[i]) {
			return true
		}
	}
	return false
}

// unavailable reports whether a row within reach, passing the first five
// gates on the first shift, is certainly excluded from every shift by the
// availability gate (its weekly pattern, or its one exact exception):
// ineligible, with availability as its reason on the first shift, whatever
// the later gates (busy) say.
func (q *pruneQuery) unavailable(e *cellEntry) bool {
	if !e.excExact {
		return false
	}
	for i, w := range q.hours {
		if e.avail.Covers(w) && !(e.excLo < q.spans[i][1] && q.spans[i][0] < e.excHi) {
			return false
		}
	}
	return true
}

// wordOf returns word w of b, zero beyond its length.
func wordOf(b bitset, w int32) uint64 {
	if int(w) < len(b) {
		return b[w]
	}
	return 0
}

// rangeMask returns the bits of word w that hold rows in [a, b).
func rangeMask(w, a, b int32) uint64 {
	m := ^uint64(0)
	if w == a>>6 {
		m &= ^uint64(0) << (uint(a) & 63)
	}
	if w == (b-1)>>6 {
		m &= ^uint64(0) >> (63 - uint(b-1)&63)
	}
	return m
}

// filter returns the rows passing the skill, certificate, training,
// insurance and language gates of n with certificates and insurance read at
// t, and fills g (when not nil) with the number of live rows whose first
// failing gate is each of them, and the number passing all. release returns
// the buffer.
func (f *Features) filter(n *volmatch.Need, t stamp, g *[nCls]int) (bitset, func()) {
	req := &n.Requires
	total := len(f.byID)
	if len(req.Skills) == 0 && len(req.Certificates) == 0 && len(req.Trainings) == 0 && !req.Insurance && len(req.Languages) == 0 {
		if g != nil {
			g[clsPass] = total
		}
		return f.live, func() {}
	}
	bp := f.getBuf()
	buf := bitset(*bp)
	copy(buf, f.live)
	release := func() { f.pool.Put(bp) }
	prev := total
	step := func(c int) {
		if g != nil {
			k := buf.count()
			g[c] = prev - k
			prev = k
		}
	}
	if len(req.Skills) > 0 {
		for _, s := range req.Skills {
			id, ok := f.skillID[s.Skill]
			if !ok {
				buf.zero()
				break
			}
			buf.and(f.skillBits[id][scoring.ClampMin(s.Level)-1])
		}
		step(clsSkill)
	}
	if len(req.Certificates) > 0 {
		for _, c := range req.Certificates {
			id, ok := f.certID[c]
			if !ok {
				buf.zero()
				break
			}
			buf.and(f.certs[id].holders)
			f.certs[id].exp.clearUpTo(buf, t)
		}
		step(clsCert)
	}
	if len(req.Trainings) > 0 {
		for _, tr := range req.Trainings {
			id, ok := f.trainID[tr]
			if !ok {
				buf.zero()
				break
			}
			buf.and(f.trainBits[id])
		}
		step(clsTrain)
	}
	if req.Insurance {
		f.insured.clearUpTo(buf, t)
		step(clsIns)
	}
	if len(req.Languages) > 0 {
		tp := f.getBuf()
		spoken := bitset(*tp)
		spoken.zero()
		for _, l := range req.Languages {
			if id, ok := f.langID[l]; ok {
				spoken.or(f.langBits[id])
			}
		}
		buf.and(spoken)
		f.pool.Put(tp)
		step(clsLang)
	}
	if g != nil {
		g[clsPass] = prev
	}
	return buf, release
}

func (f *Features) getBuf() *[]uint64 {
	words := len(f.live)
	if p, ok := f.pool.Get().(*[]uint64); ok && cap(*p) >= words {
		*p = (*p)[:words]
		return p
	}
	b := make([]uint64, words, words+words/8+1)
	return &b
}

// estimate bounds the haversine distance from a point by an equirectangular
// estimate with margins, for reaches up to approxMaxKm.
type estimate struct {
	ok               bool // false: no estimate, every cell is visited
	lat0, lng0       float64
	bandLat, bandLng float64 // half sides of the bounding box, degrees
	kLo, kHi         float64 // km per degree of longitude, low and high bound
	minLat, maxLat   float64
	minLng, maxLng   float64
}

func newEstimate(p volmatch.Point, reach float64) estimate {
	e := estimate{lat0: p.Lat, lng0: p.Lng}
	if !(reach >= 0) || reach > approxMaxKm || math.IsNaN(p.Lat) || math.IsNaN(p.Lng) || math.Abs(p.Lat) > 80 {
		return e
	}
	e.ok = true
	e.bandLat = (reach*(1+approxRel) + 2*approxAbsKm) / kmPerDeg
	far := math.Min(89, math.Abs(p.Lat)+e.bandLat)
	near := math.Max(0, math.Abs(p.Lat)-e.bandLat)
	e.kLo = kmPerDeg * math.Cos(far*math.Pi/180)
	e.kHi = kmPerDeg * math.Cos(near*math.Pi/180)
	e.bandLng = (reach*(1+approxRel) + 2*approxAbsKm) / e.kLo
	e.minLat, e.maxLat = p.Lat-e.bandLat, p.Lat+e.bandLat
	e.minLng, e.maxLng = p.Lng-e.bandLng, p.Lng+e.bandLng
	return e
}

// d2 returns a lower and an upper bound of the square of the distance in km
// from the estimate's point to (lat, lng) before margins: the distance lies
// within sqrt(lo)·(1-approxRel)-approxAbsKm and
// sqrt(hi)·(1+approxRel)+approxAbsKm. A row outside the latitude band gets
// +Inf; not-a-number coordinates give NaN, which no comparison accepts.
func (e *estimate) d2(lat, lng float64) (lo, hi float64) {
	dLat := math.Abs(lat - e.lat0)
	if dLat > e.bandLat {
		return math.Inf(1), math.Inf(1)
	}
	dLng := math.Abs(lng - e.lng0)
	if dLng > 180 {
		dLng = 360 - dLng
	}
	y := dLat * kmPerDeg
	xLo, xHi := dLng*e.kLo, dLng*e.kHi
	return y*y + xLo*xLo, y*y + xHi*xHi
}

// box returns a lower bound of d2's low figure and an upper bound of its
// high figure over the box of a cell's rows: no row of the cell is nearer,
// none farther.
func (e *estimate) box(m *cellMeta) (lo, hi float64) {
	near := func(x, a, b float64) float64 {
		switch {
		case x < a:
			return a - x
		case x > b:
			return x - b
		}
		return 0
	}
	lat0, lat1 := m.lat0, m.lat1
	lng0, lng1 := m.lng0, m.lng1
	if !(math.Abs(lng0-e.lng0) <= 180 && math.Abs(lng1-e.lng0) <= 180) {
		return 0, math.Inf(1) // across the antimeridian: no bound
	}
	yLo := near(e.lat0, lat0, lat1) * kmPerDeg
	xLo := near(e.lng0, lng0, lng1) * e.kLo
	yHi := math.Max(math.Abs(lat0-e.lat0), math.Abs(lat1-e.lat0)) * kmPerDeg
	xHi := math.Max(math.Abs(lng0-e.lng0), math.Abs(lng1-e.lng0)) * e.kHi
	return yLo*yLo + xLo*xLo, yHi*yHi + xHi*xHi
}

// visitCells calls fn with every grid cell the estimate's box touches (all
// cells when there is no estimate), nearest first, skipping cells wholly
// beyond the box's reach, and then the fallback list. Nearest first lets a
// top-k ranking reach its final threshold early.
func (f *Features) visitCells(e estimate, fn func(c int32, cell []cellEntry)) {
	if !e.ok {
		for c, cell := range f.cells {
			if len(cell) > 0 {
				fn(int32(c), cell)
			}
		}
		return
	}
	if e.maxLat >= gridMinLat && e.minLat < gridMaxLat && e.maxLng >= gridMinLng && e.minLng < gridMaxLng {
		i0 := max(0, int(math.Floor((e.minLat-gridMinLat)/latStep)))
		i1 := min(nLat-1, int(math.Floor((e.maxLat-gridMinLat)/latStep)))
		j0 := max(0, int(math.Floor((e.minLng-gridMinLng)/lngStep)))
		j1 := min(nLng-1, int(math.Floor((e.maxLng-gridMinLng)/lngStep)))
		type near struct {
			cell int32
			d2   float64
		}
		cells := make([]near, 0, (i1-i0+1)*(j1-j0+1))
		reach := e.bandLat * kmPerDeg / (1 - approxRel)
		for i := i0; i <= i1; i++ {
			// the cell's latitude span, widened by a hair for rounding
			cLat0 := gridMinLat + float64(i)*latStep - 1e-9
			cLat1 := cLat0 + latStep + 2e-9
			dy := 0.0
			if e.lat0 < cLat0 {
				dy = cLat0 - e.lat0
			} else if e.lat0 > cLat1 {
				dy = e.lat0 - cLat1
			}
			for j := j0; j <= j1; j++ {
				if len(f.cells[i*nLng+j]) == 0 {
					continue
				}
				cLng0 := gridMinLng + float64(j)*lngStep - 1e-9
				cLng1 := cLng0 + lngStep + 2e-9
				dx := 0.0
				if e.lng0 < cLng0 {
					dx = cLng0 - e.lng0
				} else if e.lng0 > cLng1 {
					dx = e.lng0 - cLng1
				}
				y, x := dy*kmPerDeg, dx*e.kLo
				d2 := y*y + x*x
				if d2 > reach*reach {
					continue // the nearest point of the cell is beyond reach
				}
				cells = append(cells, near{int32(i*nLng + j), d2})
			}
		}
		slices.SortFunc(cells, func(a, b near) int {
			if c := cmp.Compare(a.d2, b.d2); c != 0 {
				return c
			}
			return cmp.Compare(a.cell, b.cell)
		})
		for _, c := range cells {
			fn(c.cell, f.cells[c.cell])
		}
	}
	if c := f.cells[nCells]; len(c) > 0 {
		fn(int32(nCells), c)
	}
}

// bitset is a set of row numbers; missing words are zero.
type bitset []uint64

func (b *bitset) set(i int32) {
	w := int(i >> 6)
	if w >= len(*b) {
		b.grow(w + 1)
	}
	(*b)[w] |= 1 << (uint(i) & 63)
}

// grow lengthens b to n words, the new ones zero. It doubles the capacity
// when it must grow it (append grows a large slice by a quarter, which
// copied every skill's bitset some twenty times over while 5,000,000 rows
// loaded); fit gives the spare capacity back once a load is done.
func (b *bitset) grow(n int) {
	old := len(*b)
	if n <= cap(*b) {
		*b = (*b)[:n]
		clear((*b)[old:])
		return
	}
	nb := make(bitset, n, max(n, 2*cap(*b)))
	copy(nb, *b)
	*b = nb
}

// fit gives back b's spare capacity when it is more than an eighth.
func (b *bitset) fit() {
	if cap(*b)-len(*b) > len(*b)/8 {
		*b = slices.Clone(*b)
	}
}

func (b bitset) clear(i int32) {
	if w := int(i >> 6); w < len(b) {
		b[w] &^= 1 << (uint(i) & 63)
	}
}

func (b bitset) has(i int32) bool {
	w := int(i >> 6)
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

func (b bitset) zero() { clear(b) }

// and keeps in b only the bits also in o.
func (b bitset) and(o bitset) {
	n := min(len(b), len(o))
	for i := range n {
		b[i] &= o[i]
	}
	clear(b[n:])
}

// or adds o's bits to b, within b's length.
func (b bitset) or(o bitset) {
	n := min(len(b), len(o))
	for i := range n {
		b[i] |= o[i]
	}
}

func (b bitset) count() int {
	c := 0
	for _, w := range b {
		c += bits.OnesCount64(w)
	}
	return c
}

// stamp is an instant as Unix seconds and nanoseconds: comparing two stamps
// is exactly comparing the two time.Time values, for any year.
type stamp struct {
	sec  int64
	nsec int32
}

func stampOf(t time.Time) stamp { return stamp{t.Unix(), int32(t.Nanosecond())} }

// after reports whether s is after o (time.Time.After).
func (s stamp) after(o stamp) bool { return s.sec > o.sec || s.sec == o.sec && s.nsec > o.nsec }

// day returns the day number of s (Unix days, floored).
func (s stamp) day() int64 {
	d := s.sec / 86400
	if s.sec%86400 < 0 {
		d--
	}
	return d
}

// expiries keeps rows by an instant, bucketed by day, so that the rows at or
// before an instant are found by visiting whole days and the entries of one.
type expiries struct {
	days    []int64 // sorted
	buckets [][]expEntry
}

type expEntry struct { // 16 bytes: a stamp's fields and the row
	sec       int64
	nsec, row int32
}

func (e expEntry) at() stamp { return stamp{e.sec, e.nsec} }

func (x *expiries) add(at stamp, row int32) {
	d := at.day()
	i := sort.Search(len(x.days), func(i int) bool { return x.days[i] >= d })
	if i == len(x.days) || x.days[i] != d {
		x.days = append(x.days, 0)
		copy(x.days[i+1:], x.days[i:])
		x.days[i] = d
		x.buckets = append(x.buckets, nil)
		copy(x.buckets[i+1:], x.buckets[i:])
		x.buckets[i] = nil
	}
	x.buckets[i] = append(x.buckets[i], expEntry{at.sec, at.nsec, row})
}

func (x *expiries) remove(at stamp, row int32) {
	d := at.day()
	i := sort.Search(len(x.days), func(i int) bool { return x.days[i] >= d })
	if i == len(x.days) || x.days[i] != d {
		return
	}
	b := x.buckets[i]
	for k := range b {
		if b[k].row == row {
			b[k] = b[len(b)-1]
			b = b[:len(b)-1]
			break
		}
	}
	if len(b) > 0 {
		x.buckets[i] = b
		return
	}
	x.days = append(x.days[:i], x.days[i+1:]...)
	x.buckets = append(x.buckets[:i], x.buckets[i+1:]...)
}

// clearUpTo clears in b the rows whose instant is not after t.
func (x *expiries) clearUpTo(b bitset, t stamp) {
	td := t.day()
	for i, d := range x.days {
		if d > td {
			break
		}
		for _, e := range x.buckets[i] {
			if d < td || !e.at().after(t) {
				b.clear(e.row)
			}
		}
	}
}
