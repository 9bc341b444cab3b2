package matcher

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"volmatch"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// Menu defaults.
const (
	DefaultMenuK         = 10
	DefaultMenuPerDomain = 3
	DefaultMenuPerNeed   = 1
)

// MenuOptions configure Menu and RankShifts; the zero value works.
type MenuOptions struct {
	// K is the number of items of the menu (DefaultMenuK when 0 or less).
	K int
	// Busy are the volunteer's assignments: a shift overlapping one that
	// holds its slot is not offered (the busy gate), nor one they hold.
	Busy []volmatch.Assignment
	// PerDomain caps the items of one category (domain) in the menu
	// (DefaultMenuPerDomain when 0 or less), PerNeed the shifts of one need
	// (DefaultMenuPerNeed when 0 or less); see Menu.
	PerDomain int
	PerNeed   int
	// After, when set, offers only shifts that start after it (the caller
	// passes the current time; matcher reads no clock).
	After time.Time
	// DomainOf maps a need's domain key to its category, the top-level
	// domain (the taxonomy's DomainOf); nil keeps the key.
	DomainOf func(key string) string
	// Scratch, when set, holds Menu's working memory across menus (see
	// MenuScratch); the menu is the same with or without it.
	Scratch *MenuScratch
}

// MenuScratch is the working memory of Menu (the gated shifts, the scored
// candidates, the ranking heap, the caps' counts), kept from one menu to
// the next so that a caller building many menus does not allocate it for
// each: a menu over 100,000 open shifts gates thousands of them. The zero
// value is ready. A scratch serves one menu at a time: keep one per
// goroutine or a sync.Pool of them. It holds no volunteer's data between
// menus that a later menu reads (every buffer is emptied before use), and
// Menu's result shares no memory with it.
type MenuScratch struct {
	gs      []int32 // the index in its need's Shifts of each eligible shift, by need
	ns      []gatedNeed
	cs      []shiftCand
	p       *scoring.Prepared
	floor   menuFloor
	rank    ranking
	taken   []bool
	perNeed map[string]int
	perCat  map[string]int
}

func (o MenuOptions) withDefaults() MenuOptions {
	if o.K <= 0 {
		o.K = DefaultMenuK
	}
	if o.PerDomain <= 0 {
		o.PerDomain = DefaultMenuPerDomain
	}
	if o.PerNeed <= 0 {
		o.PerNeed = DefaultMenuPerNeed
	}
	return o
}

// MenuItem is one shift offered to a volunteer.
type MenuItem struct {
	Need       string               `json:"need"`
	Shift      string               `json:"shift"`
	Title      string               `json:"title"`
	Category   string               `json:"category"` // the need's top-level domain
	Domain     string               `json:"domain"`   // the need's domain key
	Start      time.Time            `json:"start"`
	End        time.Time            `json:"end"`
	Day        string               `json:"day"`  // the start's Beijing date, 2006-01-02
	Rank       int                  `json:"rank"` // 1-based, in the ranking before diversification
	Score      float64              `json:"score"`
	DistanceKm float64              `json:"distance_km"`
	Breakdown  []volmatch.Component `json:"breakdown"`
}

// MenuGroup is the items of one category on one day.
type MenuGroup struct {
	Category string     `json:"category"`
	Day      string     `json:"day"`
	Items    []MenuItem `json:"items"`
}

// ServiceMenu is a volunteer's menu (菜单式服务).
type ServiceMenu struct {
	Volunteer string `json:"volunteer"`
	// Items are the menu's K (or fewer) items in rank order.
	Items []MenuItem `json:"items"`
	// Groups hold the same items by category and day; groups are ordered
	// by their best item.
	Groups []MenuGroup `json:"groups"`
	// Eligible counts the open shifts the volunteer is eligible for,
	// Scanned the shifts the grid yielded.
	Eligible int `json:"eligible"`
	Scanned  int `json:"scanned"`
}

// RankShifts returns every open shift volunteer v is eligible for, ranked
// by the scorer: highest score first, ties by the earlier start, then need
// and shift ID. A shift is offered when its need is open, it is not full
// (Filled < Slots), it starts after o.After (when set), v passes every hard
// gate of sc on it (the same gates as Rank: skills, certificates, training,
// insurance, language, distance — near home —, availability — free time —)
// and it overlaps none of o.Busy. The list equals that through the
// exhaustive grid.AllShifts over the same needs. It also returns the number
// of shifts the grid yielded.
func RankShifts(v *volmatch.Volunteer, open *grid.Shifts, sc *scoring.Scorer, o MenuOptions) ([]MenuItem, int) {
	o = o.withDefaults()
	cs, scanned := rankShifts(v, open, sc, o)
	slices.SortFunc(cs, candCmp)
	items := make([]MenuItem, len(cs))
	for i := range cs {
		items[i] = cs[i].item(sc, o, i)
	}
	return items, scanned
}

// shiftCand is an eligible shift before it becomes a MenuItem: Menu turns
// only the shifts it offers into items.
type shiftCand struct {
	n   *volmatch.Need
	s   volmatch.Shift
	res scoring.Result
}

func (c *shiftCand) item(sc *scoring.Scorer, o MenuOptions, i int) MenuItem {
	n, s := c.n, c.s
	return MenuItem{
		Need: n.ID, Shift: s.ID, Title: n.Title, Category: category(n, o), Domain: n.Domain,
		Start: s.Start, End: s.End, Day: s.Start.In(volmatch.Beijing).Format("2006-01-02"),
		Rank: i + 1, Score: c.res.Score, DistanceKm: c.res.DistanceKm, Breakdown: sc.Breakdown(c.res.Values),
	}
}

func category(n *volmatch.Need, o MenuOptions) string {
	if o.DomainOf != nil {
		if d := o.DomainOf(n.Domain); d != "" {
			return d
		}
	}
	return n.Domain
}

// candCmp orders candidates as RankShifts ranks them: higher score, then the
// earlier start, then need and shift ID.
func candCmp(a, b shiftCand) int {
	if a.res.Score != b.res.Score {
		if a.res.Score > b.res.Score {
			return -1
		}
		return 1
	}
	if c := a.s.Start.Compare(b.s.Start); c != 0 {
		return c
	}
	if c := strings.Compare(a.n.ID, b.n.ID); c != 0 {
		return c
	}
	return strings.Compare(a.s.ID, b.s.ID)
}

// ranking yields candidates in rank order, best first, ordering only as far
// as it is read (a binary heap): a menu reads a few of thousands.
type ranking struct {
	cs    []shiftCand
	heap  []int32 // indexes into cs not yet yielded
	order []int32 // yielded so far, in rank order
}

// reset makes r the ranking of cs, reusing its memory.
func (r *ranking) reset(cs []shiftCand) {
	r.cs, r.heap, r.order = cs, r.heap[:0], r.order[:0]
	for i := range cs {
		r.heap = append(r.heap, int32(i))
	}
	for i := len(r.heap)/2 - 1; i >= 0; i-- {
		r.down(i)
	}
}

func (r *ranking) less(i, j int) bool { return candCmp(r.cs[r.heap[i]], r.cs[r.heap[j]]) < 0 }

func (r *ranking) down(i int) {
	n := len(r.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if l+1 < n && r.less(l+1, l) {
			m = l + 1
		}
		if !r.less(m, i) {
			return
		}
		r.heap[i], r.heap[m] = r.heap[m], r.heap[i]
		i = m
	}
}

// at returns the candidate of rank k+1 (0-based k) and whether there is one.
func (r *ranking) at(k int) (*shiftCand, bool) {
	for len(r.order) <= k {
		if len(r.heap) == 0 {
			return nil, false
		}
		top := r.heap[0]
		last := len(r.heap) - 1
		r.heap[0] = r.heap[last]
		r.heap = r.heap[:last]
		r.down(0)
		r.order = append(r.order, top)
	}
	return &r.cs[r.order[k]], true
}

// rankShifts returns the eligible shifts of RankShifts, unordered.
func rankShifts(v *volmatch.Volunteer, open *grid.Shifts, sc *scoring.Scorer, o MenuOptions) ([]shiftCand, int) {
	var cs []shiftCand
	var p *scoring.Prepared
	var pn *volmatch.Need
	scanned := gateShifts(v, open, o, func(n *volmatch.Need, i int, s *volmatch.Shift, _ float64) {
		if pn != n {
			pn, p = n, sc.PrepareAgain(p, n, nil)
		}
		if res := p.Evaluate(v, i); res.Reason == "" {
			cs = append(cs, shiftCand{n: n, s: *s, res: res})
		}
	})
	return cs, scanned
}

// gateShifts calls fn for every shift of open that v is eligible for
// (every gate of RankShifts: the scorer's Evaluate passes them all), with
// the shift's index in n.Shifts and v's distance to n, and returns the
// number of shifts open yielded. The grid has passed the distance gate,
// the need-level gates (grid.NeedGates: open, skills, trainings,
// languages) and the weekly availability, and hands over each shift's
// hours. s points into n.Shifts: the shift is read in place, not copied.
func gateShifts(v *volmatch.Volunteer, open *grid.Shifts, o MenuOptions, fn func(n *volmatch.Need, i int, s *volmatch.Shift, dist float64)) int {
	scanned := 0
	open.ShiftHours(v, func(n *volmatch.Need, i int, hours volmatch.Week, dist float64) {
		scanned++
		if i < 0 || i >= len(n.Shifts) {
			return
		}
		s := &n.Shifts[i]
		if s.Filled >= s.Slots || !o.After.IsZero() && !s.Start.After(o.After) ||
			!v.Availability.Covers(hours) || !scoring.HasCertificates(v, n.Requires.Certificates, s.End) ||
			n.Requires.Insurance && !v.InsuredUntil.After(s.End) || len(o.Busy) > 0 && scoring.Busy(o.Busy, *s) {
			return
		}
		for _, e := range v.Exceptions {
			if e.Start.Before(s.End) && s.Start.Before(e.End) {
				return
			}
		}
		fn(n, i, s, dist)
	})
	return scanned
}

// gatedNeed is a need's run of eligible shifts, gs[lo:hi], with its bound.
type gatedNeed struct {
	n      *volmatch.Need
	lo, hi int32
	bound  float64
}

// menuShifts returns the eligible shifts that may enter v's menu, scored,
// and the number of eligible shifts and of shifts scanned. It scores the
// needs in the order of their bound (scoring.NeedBounds) and stops at the
// first need whose bound is below the menu's floor: the K-th score of the
// best set of K scored shifts that the caps allow together (a greedy pick,
// best first, at most PerNeed a need and PerDomain a category). The menu's
// first pass takes at least K items among any shifts that rank above a
// shift left out (the caps form a laminar matroid: every greedy pick of a
// set has the same size, at least that of any allowed subset), so it never
// reads one: the menu equals that over every eligible shift.
func menuShifts(v *volmatch.Volunteer, open *grid.Shifts, sc *scoring.Scorer, o MenuOptions, sp *MenuScratch) ([]shiftCand, int, int) {
	gs, ns := sp.gs[:0], sp.ns[:0]
	nb := sc.NeedBounds(v)
	scanned := gateShifts(v, open, o, func(n *volmatch.Need, i int, _ *volmatch.Shift, dist float64) {
		if len(ns) == 0 || ns[len(ns)-1].n != n {
			ns = append(ns, gatedNeed{n: n, lo: int32(len(gs)), bound: nb.NeedBound(n, dist)})
		}
		gs = append(gs, int32(i))
		ns[len(ns)-1].hi = int32(len(gs))
	})
	// Needs by bound, best first, ordered only as far as they are read (a
	// binary heap): most needs stay below the floor.
	for i := len(ns)/2 - 1; i >= 0; i-- {
		siftNeed(ns, i)
	}
	cs, p := sp.cs[:0], sp.p
	floor := math.Inf(-1)
	floorAt := 0 // len(cs) when floor was computed
	fl := &sp.floor
	for h := ns; len(h) > 0; {
		g := h[0]
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		siftNeed(h, 0)
		if g.bound < floor {
			break
		}
		if len(cs) >= o.K && len(cs)-floorAt >= max(16, floorAt/4) {
			floor, floorAt = fl.compute(cs, o, floor), len(cs)
			if g.bound < floor {
				break
			}
		}
		p = sc.PrepareAgain(p, g.n, nil)
		for _, i := range gs[g.lo:g.hi] {
			if res := p.Evaluate(v, int(i)); res.Reason == "" {
				cs = append(cs, shiftCand{n: g.n, s: g.n.Shifts[i], res: res})
			}
		}
	}
	sp.gs, sp.ns, sp.cs, sp.p = gs, ns, cs, p
	return cs, len(gs), scanned
}

// needBefore orders gated needs by bound, best first, then need ID and
// place in the gated shifts.
func needBefore(a, b *gatedNeed) bool {
	if a.bound != b.bound {
		return a.bound > b.bound
	}
	if c := strings.Compare(a.n.ID, b.n.ID); c != 0 {
		return c < 0
	}
	return a.lo < b.lo
}

// siftNeed moves h[i] down the heap h (ordered by needBefore).
func siftNeed(h []gatedNeed, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if l+1 < len(h) && needBefore(&h[l+1], &h[l]) {
			m = l + 1
		}
		if !needBefore(&h[m], &h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// menuFloor computes the floor of menuShifts, reusing its memory.
type menuFloor struct {
	idx     []int32
	perNeed map[string]int
	perCat  map[string]int
	cat     map[*volmatch.Need]string
}

// compute returns the K-th score of the greedy pick of cs under the caps of
// o, -Inf when the pick has fewer than K shifts. floor is the last floor
// computed over a part of cs (-Inf for none): the pick reads only the
// shifts that score at least that. The caps and K form a matroid, so the
// K-th score of the greedy pick never falls as shifts are added: the K
// shifts picked over cs all score at least floor, and the greedy pick
// over the shifts scoring at least floor takes the same ones.
func (f *menuFloor) compute(cs []shiftCand, o MenuOptions, floor float64) float64 {
	if f.perNeed == nil {
		f.perNeed, f.perCat, f.cat = map[string]int{}, map[string]int{}, map[*volmatch.Need]string{}
	}
	clear(f.perNeed)
	clear(f.perCat)
	f.idx = f.idx[:0]
	for i := range cs {
		if cs[i].res.Score >= floor {
			f.idx = append(f.idx, int32(i))
		}
	}
	slices.SortFunc(f.idx, func(a, b int32) int { return cmp.Compare(cs[b].res.Score, cs[a].res.Score) })
	taken := 0
	for _, i := range f.idx {
		c := &cs[i]
		cat, ok := f.cat[c.n]
		if !ok {
			cat = category(c.n, o)
			f.cat[c.n] = cat
		}
		if f.perNeed[c.n.ID] >= o.PerNeed || f.perCat[cat] >= o.PerDomain {
			continue
		}
		f.perNeed[c.n.ID]++
		f.perCat[cat]++
		if taken++; taken == o.K {
			return c.res.Score
		}
	}
	return math.Inf(-1)
}

// Menu builds volunteer v's menu: the ranking of RankShifts, diversified
// and grouped. Diversification walks the ranking best first and takes an
// item unless its need already has PerNeed items or its category PerDomain
// items in the menu; if that leaves fewer than K items (few categories), the
// skipped items fill the rest in rank order. So a menu of ten is never ten
// shifts of one need or one kind while other kinds are eligible, and an item
// is left out only for a better one. The items are then grouped by category
// and by day (the Beijing date of the start).
func Menu(v *volmatch.Volunteer, open *grid.Shifts, sc *scoring.Scorer, o MenuOptions) ServiceMenu {
	o = o.withDefaults()
	sp := o.Scratch
	if sp == nil {
		sp = &MenuScratch{}
	}
	defer sp.release()
	cs, eligible, scanned := menuShifts(v, open, sc, o, sp)
	ranked := &sp.rank
	ranked.reset(cs)
	m := ServiceMenu{Volunteer: v.ID, Eligible: eligible, Scanned: scanned}
	if sp.perNeed == nil {
		sp.perNeed, sp.perCat = map[string]int{}, map[string]int{}
	}
	perNeed, perCat := sp.perNeed, sp.perCat
	taken := sp.taken[:0] // by rank
	count := 0
	for i := 0; count < o.K; i++ {
		c, ok := ranked.at(i)
		if !ok {
			break
		}
		taken = append(taken, false)
		cat := category(c.n, o)
		if perNeed[c.n.ID] >= o.PerNeed || perCat[cat] >= o.PerDomain {
			continue
		}
		perNeed[c.n.ID]++
		perCat[cat]++
		taken[i] = true
		count++
	}
	for i := 0; i < len(taken) && count < o.K; i++ {
		if !taken[i] {
			taken[i] = true
			count++
		}
	}
	sp.taken = taken
	m.Items = make([]MenuItem, 0, count)
	for i, t := range taken {
		if t {
			c, _ := ranked.at(i)
			m.Items = append(m.Items, c.item(sc, o, i))
		}
	}
	m.Groups = groupItems(m.Items)
	return m
}

// groupItems groups items by category and day, the groups in the order of
// their first item; the groups' items share one backing array.
func groupItems(items []MenuItem) []MenuGroup {
	groups := []MenuGroup{}
	gi := make([]int, len(items)) // the group of each item
	for i, it := range items {
		g := slices.IndexFunc(groups, func(g MenuGroup) bool { return g.Category == it.Category && g.Day == it.Day })
		if g < 0 {
			g = len(groups)
			groups = append(groups, MenuGroup{Category: it.Category, Day: it.Day})
		}
		gi[i] = g
	}
	all := make([]MenuItem, 0, len(items))
	for g := range groups {
		at := len(all)
		for i, it := range items {
			if gi[i] == g {
				all = append(all, it)
			}
		}
		groups[g].Items = all[at:len(all):len(all)]
	}
	return groups
}

// release drops the scratch's pointers into the menu's needs and
// volunteer, keeping the buffers' capacity: a pooled scratch then holds no
// data of the last menu alive.
func (sp *MenuScratch) release() {
	clear(sp.ns)
	clear(sp.cs)
	sp.rank.cs = nil
	clear(sp.perNeed)
	clear(sp.perCat)
	clear(sp.floor.perNeed)
	clear(sp.floor.perCat)
	clear(sp.floor.cat)
}
