package grid

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"

	"volmatch"
	"volmatch/scoring"
)

// ShiftsOptions configure a Shifts index; the zero value works.
type ShiftsOptions struct {
	// CellKm is the side of a grid cell in km (2 when 0 or less).
	CellKm float64
}

// Shifts is an in-memory spatial index of the open shifts, for the
// volunteer's menu: a grid of the points of the open needs that have a
// shift with a free slot. For a volunteer it yields the open shifts of the
// needs within the volunteer's MaxTravelKm of home and the need's RadiusKm
// (the distance gate can pass no farther), never omitting one. It is safe
// for concurrent use; the callback of a query must not call back into the
// index's writers.
//
// AllShifts gives the exhaustive Shifts, which indexes nothing: the
// reference that the grid's answers are checked against.
type Shifts struct {
	mu sync.RWMutex
	// all is set by AllShifts: list holds the needs, queries read every
	// one of them and the grid below stays empty.
	all     bool
	list    []*volmatch.Need
	latStep float64 // cell height in degrees
	lngStep float64 // cell width in degrees (at Beijing's latitude)
	cells   map[[2]int32][]needEntry
	needs   map[string]*volmatch.Need
	open    int // open shifts held
	maxLat  float64
	// classes number the needs' requirements (skills, trainings,
	// languages) as Put meets them, so that a walk passes NeedGates once a
	// class, not once a need: a city's needs share a few hundred of them
	// (333 over 45,000 generated needs). Every need held is open, so the
	// verdict depends on the class alone. A class is never forgotten.
	classes map[string]int32
	pool    sync.Pool // *[]uint8 per-walk verdicts by class
}

// needEntry is a need of a cell with the figures that decide whether it is
// in reach, so that needs out of reach are passed over without reading them.
// class numbers its requirements (Shifts.classes), noReq when it requires
// no skill, training or language: ShiftHours then passes its need-level
// gates without reading the need.
type needEntry struct {
	lat, lng, radius float64
	class            int32
	n                *volmatch.Need
	shifts           []shiftEntry // the open shifts
}

// noReq is the class of a need that requires no skill, training or language.
const noReq = -1

// shiftEntry is an open shift of a need: its index in the need's Shifts and
// its hours of the week, so that a volunteer whose weekly availability does
// not cover them is passed over without reading the shift.
type shiftEntry struct {
	hours volmatch.Week
	i     int32
}

// kmPerDegree is the length of a degree of a great circle on the sphere of
// volmatch.DistanceKm.
const kmPerDegree = 6371.0088 * math.Pi / 180

// NewShifts returns an empty index.
func NewShifts(o ShiftsOptions) *Shifts {
	if !(o.CellKm > 0) {
		o.CellKm = 2
	}
	step := o.CellKm / kmPerDegree
	return &Shifts{
		latStep: step, lngStep: step / math.Cos(40*math.Pi/180),
		cells: map[[2]int32][]needEntry{}, needs: map[string]*volmatch.Need{}, classes: map[string]int32{},
	}
}

// NewShiftsOf returns an index of the open shifts of needs.
func NewShiftsOf(needs []*volmatch.Need, o ShiftsOptions) *Shifts {
	x := NewShifts(o)
	for _, n := range needs {
		x.Put(n)
	}
	return x
}

func openShifts(n *volmatch.Need) int {
	if n.Status != volmatch.NeedOpen && n.Status != "" {
		return 0
	}
	c := 0
	for _, s := range n.Shifts {
		if s.Filled < s.Slots {
			c++
		}
	}
	return c
}

func (x *Shifts) cell(p volmatch.Point) [2]int32 {
	return [2]int32{int32(math.Floor(p.Lat / x.latStep)), int32(math.Floor(p.Lng / x.lngStep))}
}

// Put adds or replaces a need (a copy is kept). A need that is not open or
// has no shift with a free slot is removed.
func (x *Shifts) Put(n *volmatch.Need) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.all {
		x.putAll(n)
		return
	}
	x.remove(n.ID)
	c := openShifts(n)
	if c == 0 {
		return
	}
	cp := *n
	cp.Shifts = append([]volmatch.Shift(nil), n.Shifts...)
	x.needs[n.ID] = &cp
	k := x.cell(cp.Point)
	e := needEntry{lat: cp.Point.Lat, lng: cp.Point.Lng, radius: cp.RadiusKm, n: &cp, shifts: make([]shiftEntry, 0, c),
		class: x.classOf(&cp.Requires)}
	for i, s := range cp.Shifts {
		if s.Filled < s.Slots {
			e.shifts = append(e.shifts, shiftEntry{hours: volmatch.ShiftHours(s.Start, s.End), i: int32(i)})
		}
	}
	x.cells[k] = append(x.cells[k], e)
	x.open += c
	x.maxLat = math.Max(x.maxLat, math.Abs(cp.Point.Lat))
}

// classOf returns the class of requirements r, numbering a new one; the
// key lists the skills (with levels), trainings and languages in their
// order, each string with its length, so that two keys are equal only for
// the same lists (NeedGates gives both the same verdict).
func (x *Shifts) classOf(r *volmatch.Requirements) int32 {
	if len(r.Skills) == 0 && len(r.Trainings) == 0 && len(r.Languages) == 0 {
		return noReq
	}
	var b []byte
	str := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	for _, s := range r.Skills {
		str(s.Skill)
		b = strconv.AppendInt(b, int64(s.Level), 10)
		b = append(b, ';')
	}
	b = append(b, '|')
	for _, s := range r.Trainings {
		str(s)
	}
	b = append(b, '|')
	for _, s := range r.Languages {
		str(s)
	}
	c, ok := x.classes[string(b)]
	if !ok {
		c = int32(len(x.classes))
		x.classes[string(b)] = c
	}
	return c
}

// Delete removes a need; it is a no-op for an unknown one.
func (x *Shifts) Delete(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.all {
		x.deleteAll(id)
		return
	}
	x.remove(id)
}

func (x *Shifts) remove(id string) {
	old, ok := x.needs[id]
	if !ok {
		return
	}
	delete(x.needs, id)
	k := x.cell(old.Point)
	ns := x.cells[k]
	for i, e := range ns {
		if e.n == old {
			ns = append(ns[:i], ns[i+1:]...)
			break
		}
	}
	if len(ns) == 0 {
		delete(x.cells, k)
	} else {
		x.cells[k] = ns
	}
	x.open -= openShifts(old)
}

// Len returns the number of open shifts (not full, of open needs) held.
func (x *Shifts) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.all {
		c := 0
		for _, n := range x.list {
			c += openShifts(n)
		}
		return c
	}
	return x.open
}

// Needs returns the needs held, by ID: those put that are open and have a
// shift with a free slot (of an exhaustive Shifts, those of its list that
// have one), as the copies kept. The caller must not change them.
func (x *Shifts) Needs() []*volmatch.Need {
	x.mu.RLock()
	var out []*volmatch.Need
	if x.all {
		for _, n := range x.list {
			if openShifts(n) > 0 {
				out = append(out, n)
			}
		}
	} else {
		out = slices.Collect(maps.Values(x.needs))
	}
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b *volmatch.Need) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Shifts calls fn for every open shift of the needs within both
// v.MaxTravelKm of v's home and the need's RadiusKm, need by need, cell by
// cell of the grid (in a fixed order for the same history of Puts and
// Deletes). An exhaustive Shifts (AllShifts) calls it for every shift of
// every need, in order.
func (x *Shifts) Shifts(v *volmatch.Volunteer, fn func(n *volmatch.Need, s volmatch.Shift)) {
	if x.all {
		x.mu.RLock()
		defer x.mu.RUnlock()
		for _, n := range x.list {
			for _, s := range n.Shifts {
				fn(n, s)
			}
		}
		return
	}
	x.walk(v, false, func(e *needEntry, _ float64) {
		n := e.n
		for _, se := range e.shifts {
			fn(n, n.Shifts[se.i])
		}
	})
}

// ShiftHours calls fn for the open shifts of Shifts whose hours v's weekly
// availability covers (the others fail the availability gate) and whose
// need's requirements v meets (NeedGates: the others fail the skill,
// training or language gate), with the shift's index in n.Shifts, its
// hours of the week (volmatch.ShiftHours of its start and end) and v's
// distance to n (as scoring.Reach computes it), so that the menu computes
// none of them. It never omits a shift v is eligible for. A need that
// requires nothing is passed without reading it, and a need whose
// requirements v does not meet costs no distance. An exhaustive Shifts
// (AllShifts) calls it for every shift, open or not, of every need that
// passes the distance gate (scoring.Reach) and NeedGates, in order, whose
// hours v's weekly availability covers.
func (x *Shifts) ShiftHours(v *volmatch.Volunteer, fn func(n *volmatch.Need, i int, hours volmatch.Week, dist float64)) {
	avail := &v.Availability
	if x.all {
		x.mu.RLock()
		defer x.mu.RUnlock()
		x.shiftHoursAll(v, fn)
		return
	}
	x.walk(v, true, func(e *needEntry, dist float64) {
		for k := range e.shifts {
			se := &e.shifts[k]
			if covers(avail, &se.hours) {
				fn(e.n, int(se.i), se.hours, dist)
			}
		}
	})
}

// NeedGates reports whether v passes the gates of n that depend on the
// need alone: it is open and v has its skills (at their levels), its
// trainings and one of its languages (scoring.HasSkills, HasTrainings,
// SpeaksAny). ShiftHours yields only shifts of needs that pass it.
func NeedGates(v *volmatch.Volunteer, n *volmatch.Need) bool {
	return (n.Status == volmatch.NeedOpen || n.Status == "") && scoring.HasSkills(v, n.Requires.Skills) &&
		scoring.HasTrainings(v, n.Requires.Trainings) && scoring.SpeaksAny(v, n.Requires.Languages)
}

// covers is volmatch.Week.Covers without copying the weeks.
func covers(a, h *volmatch.Week) bool {
	for i := range h {
		if h[i]&^a[i] != 0 {
			return false
		}
	}
	return true
}

// walk calls fn for every need with an open shift within both v.MaxTravelKm
// of v's home and the need's RadiusKm, with v's distance to it; with gates,
// only for the needs that pass NeedGates (tested before the distance, once
// a class of requirements).
func (x *Shifts) walk(v *volmatch.Volunteer, gates bool, fn func(e *needEntry, dist float64)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := v.MaxTravelKm
	if !(r >= 0) {
		return
	}
	var verdict []uint8 // by class: 0 not yet tested, 1 passes NeedGates, 2 fails
	if gates {
		bp, _ := x.pool.Get().(*[]uint8)
		if bp == nil {
			bp = new([]uint8)
		}
		*bp = slices.Grow((*bp)[:0], len(x.classes))[:len(x.classes)]
		verdict = *bp
		clear(verdict)
		defer x.pool.Put(bp)
	}
	// A point within r km (haversine) differs in latitude by at most r/R
	// radians; in longitude by at most 2·asin(sin(r/2R)/cos φ), φ the
	// largest latitude involved (hav d ≥ cos φ1 cos φ2 hav Δλ).
	dLat := r/kmPerDegree + 1e-9
	phi := (math.Max(math.Abs(v.Home.Lat), x.maxLat) + dLat) * math.Pi / 180
	var dLng float64
	if s := math.Sin(r/6371.0088/2) / math.Cos(phi); phi >= math.Pi/2 || s >= 1 {
		dLng = 360
	} else {
		dLng = 2*math.Asin(s)*180/math.Pi + 1e-9
	}
	lo := x.cell(volmatch.Point{Lat: v.Home.Lat - dLat, Lng: v.Home.Lng - dLng})
	hi := x.cell(volmatch.Point{Lat: v.Home.Lat + dLat, Lng: v.Home.Lng + dLng})
	lat0 := v.Home.Lat
	visit := func(ns []needEntry) {
		for i := range ns {
			e := &ns[i]
			// The distance gate passes within min(radius, travel limit)
			// only, computed as scoring.Reach does. The difference in
			// latitude alone bounds the distance from below (with a
			// margin for rounding): most needs are passed over by it.
			limit := math.Min(e.radius, r)
			if math.Abs(e.lat-lat0)*kmPerDegree > limit*(1+1e-9)+1e-9 {
				continue
			}
			if gates && e.class != noReq {
				ok := verdict[e.class]
				if ok == 0 {
					ok = 2
					if NeedGates(v, e.n) {
						ok = 1
					}
					verdict[e.class] = ok
				}
				if ok != 1 {
					continue
				}
			}
			d := volmatch.DistanceKm(v.Home, volmatch.Point{Lat: e.lat, Lng: e.lng})
			if d > limit {
				continue
			}
			fn(e, d)
		}
	}
	rows, cols := int64(hi[0]-lo[0])+1, int64(hi[1]-lo[1])+1
	if dLng >= 180 || rows*cols > int64(len(x.cells)) {
		var keys [][2]int32
		for k := range x.cells {
			if k[0] >= lo[0] && k[0] <= hi[0] && (dLng >= 180 || k[1] >= lo[1] && k[1] <= hi[1]) {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b [2]int32) int {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return cmp.Compare(a[1], b[1])
		})
		for _, k := range keys {
			visit(x.cells[k])
		}
		return
	}
	for a := lo[0]; a <= hi[0]; a++ {
		for b := lo[1]; b <= hi[1]; b++ {
			if ns, ok := x.cells[[2]int32{a, b}]; ok {
				visit(ns)
			}
		}
	}
}
