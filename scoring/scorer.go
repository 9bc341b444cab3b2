package scoring

import (
	"math"
	"time"

	"volmatch"
)

// Taxonomy is what the scorer needs of the skill taxonomy (package datasets
// provides one). A nil Taxonomy relates nothing and takes every key for its
// own domain.
type Taxonomy interface {
	// Related reports whether two different keys are related (one lists the
	// other, or one is the other's parent).
	Related(a, b string) bool
	// DomainOf returns the top-level domain or service of a key, the key
	// itself for a top-level one, "" when unknown.
	DomainOf(key string) string
}

// Options configure a Scorer; the zero value gives the defaults.
type Options struct {
	// Weights multiply the soft scores; all zero means DefaultWeights.
	Weights Weights
	// DistanceHalfKm is the distance at which the distance score halves
	// (3 km when 0).
	DistanceHalfKm float64
	// SlackHours is the window before and after a shift that
	// availability_slack looks at (3 hours when 0).
	SlackHours int
}

// Scorer applies the hard gates and computes the weighted soft scores. It is
// immutable and safe for concurrent use; a Prepared is not.
type Scorer struct {
	tax    Taxonomy
	w      Weights
	wa     [NumComponents]float64
	halfKm float64
	slack  time.Duration
}

// NewScorer returns a scorer over the taxonomy (nil is allowed) with the
// options. Invalid weights (negative, NaN) are replaced by the defaults;
// check them first with Weights.Validate.
func NewScorer(tax Taxonomy, o Options) *Scorer {
	if o.Weights.IsZero() || o.Weights.Validate() != nil {
		o.Weights = DefaultWeights()
	}
	if !(o.DistanceHalfKm > 0) || math.IsInf(o.DistanceHalfKm, 0) {
		o.DistanceHalfKm = 3
	}
	if o.SlackHours <= 0 {
		o.SlackHours = 3
	}
	return &Scorer{tax: tax, w: o.Weights, wa: o.Weights.array(), halfKm: o.DistanceHalfKm,
		slack: time.Duration(o.SlackHours) * time.Hour}
}

// Weights returns the weights in use.
func (sc *Scorer) Weights() Weights { return sc.w }

// DistanceHalfKm returns the distance at which the distance score halves.
func (sc *Scorer) DistanceHalfKm() float64 { return sc.halfKm }

// SlackWindow returns the hours of the week that availability_slack looks
// at for shift s: up to the slack before its start and after its end, on
// the calendar days it touches (Beijing time), without its own hours. The
// value is the share of these hours the volunteer is available, 1 when
// there are none: for a peer that computes the score elsewhere (a database)
// and must get the same number.
func (sc *Scorer) SlackWindow(s volmatch.Shift) volmatch.Week {
	return sc.slackWindow(s, volmatch.ShiftHours(s.Start, s.End))
}

// Gate is the package-level Gate: the first hard gate of n's shift s that v
// fails, "" when all pass. It allocates nothing.
func (sc *Scorer) Gate(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) string {
	return Gate(v, n, s)
}

// Score returns v's score for n's shift s and its breakdown, whether or not
// v passes the gates.
func (sc *Scorer) Score(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) (float64, []volmatch.Component) {
	p := sc.Prepare(n, []volmatch.Shift{s})
	vals := p.Values(v, 0)
	return p.sum(&vals), sc.Breakdown(vals)
}

// Evaluate returns the first failing gate ("" when v passes), the score and
// the breakdown of v for n's shift s.
func (sc *Scorer) Evaluate(v *volmatch.Volunteer, n *volmatch.Need, s volmatch.Shift) (string, float64, []volmatch.Component) {
	score, bd := sc.Score(v, n, s)
	return Gate(v, n, s), score, bd
}

// Breakdown turns component values (in the order of Names) into a
// breakdown with the scorer's weights.
func (sc *Scorer) Breakdown(vals [NumComponents]float64) []volmatch.Component {
	names := Names()
	out := make([]volmatch.Component, NumComponents)
	for i := range out {
		out[i] = volmatch.Component{Name: names[i], Value: vals[i], Weight: sc.wa[i]}
	}
	return out
}

func (sc *Scorer) related(a, b string) bool { return sc.tax != nil && sc.tax.Related(a, b) }

func (sc *Scorer) domainOf(k string) string {
	if sc.tax == nil {
		return k
	}
	if d := sc.tax.DomainOf(k); d != "" {
		return d
	}
	return k
}

// Result is the outcome of evaluating a volunteer for one prepared shift.
type Result struct {
	// Reason is the first hard gate that fails, "" when the volunteer passes.
	Reason string
	// DistanceKm from home to the need's point; 0 when a gate before
	// distance failed.
	DistanceKm float64
	// Score and Values (in the order of Names) are set only when Reason is
	// "": the score is the sum of Values[i]×weight[i] added in order.
	Score  float64
	Values [NumComponents]float64
}

// preparedShift is a shift with its hours and slack window precomputed.
type preparedShift struct {
	ready   bool // hours and the slack window computed (PrepareAgain defers them)
	s       volmatch.Shift
	hours   volmatch.Week
	around  volmatch.Week // the slack window, shift hours removed
	aroundN int
}

// Prepared is a need made ready for evaluating many volunteers: its shifts'
// hours of the week and slack windows are computed once and taxonomy
// look-ups are memoised. It is not safe for concurrent use (the memo).
// Neither the need nor the volunteers may change while it is used: the
// distance and shift-independent values of the last volunteer are reused
// when the same pointer comes again.
type Prepared struct {
	sc     *Scorer
	n      *volmatch.Need
	shifts []preparedShift
	top    string // DomainOf(n.Domain)

	// memo of held skill key -> bits: i < 62 Related to required skill i,
	// 62 same domain as the need, 63 related to the need's domain.
	skillMemo map[string]uint64
	prefMemo  map[string]float64

	// the last volunteer evaluated: their distance and shift-independent
	// values, so that evaluating them on several shifts computes these once
	distV    *volmatch.Volunteer
	dist     float64
	within   bool
	valsV    *volmatch.Volunteer
	lastVals [NumComponents]float64
	boundV   *volmatch.Volunteer
	bound    float64 // UpperBound without the slack
}

// Prepare readies n for evaluating volunteers on shifts (n.Shifts when
// shifts is nil); shift indexes in Prepared's methods index this list.
func (sc *Scorer) Prepare(n *volmatch.Need, shifts []volmatch.Shift) *Prepared {
	if shifts == nil {
		shifts = n.Shifts
	}
	p := &Prepared{sc: sc, n: n, top: sc.domainOf(n.Domain),
		skillMemo: map[string]uint64{}, prefMemo: map[string]float64{}}
	p.shifts = make([]preparedShift, len(shifts))
	for i, s := range shifts {
		ps := preparedShift{ready: true, s: s, hours: volmatch.ShiftHours(s.Start, s.End)}
		ps.around = sc.slackWindow(s, ps.hours)
		ps.aroundN = ps.around.Count()
		p.shifts[i] = ps
	}
	return p
}

// PrepareAgain is Prepare reusing p's memory (p may be nil), deferring each
// shift's hours and slack window to its first use: for a caller that
// evaluates few shifts of many needs (a volunteer's menu). p must no longer
// be used for the need it was prepared for.
func (sc *Scorer) PrepareAgain(p *Prepared, n *volmatch.Need, shifts []volmatch.Shift) *Prepared {
	if p == nil || p.sc != sc {
		return sc.Prepare(n, shifts)
	}
	if shifts == nil {
		shifts = n.Shifts
	}
	clear(p.skillMemo)
	clear(p.prefMemo)
	*p = Prepared{sc: sc, n: n, top: sc.domainOf(n.Domain), skillMemo: p.skillMemo, prefMemo: p.prefMemo,
		shifts: p.shifts[:0]}
	for _, s := range shifts {
		p.shifts = append(p.shifts, preparedShift{s: s})
	}
	return p
}

// shift returns prepared shift i, computing its hours and slack window on
// first use.
func (p *Prepared) shift(i int) *preparedShift {
	ps := &p.shifts[i]
	if !ps.ready {
		ps.hours = volmatch.ShiftHours(ps.s.Start, ps.s.End)
		ps.around = p.sc.slackWindow(ps.s, ps.hours)
		ps.aroundN = ps.around.Count()
		ps.ready = true
	}
	return ps
}

// slackWindow returns the hours of the week up to sc.slack before the start
// and after the end of s, clipped to the calendar days the shift touches
// (Beijing time), without the shift's own hours.
func (sc *Scorer) slackWindow(s volmatch.Shift, hours volmatch.Week) volmatch.Week {
	if !s.End.After(s.Start) {
		return volmatch.Week{}
	}
	st, en := s.Start.In(volmatch.Beijing), s.End.In(volmatch.Beijing)
	dayStart := time.Date(st.Year(), st.Month(), st.Day(), 0, 0, 0, 0, volmatch.Beijing)
	dayEnd := time.Date(en.Year(), en.Month(), en.Day(), 0, 0, 0, 0, volmatch.Beijing)
	if en.After(dayEnd) {
		dayEnd = dayEnd.AddDate(0, 0, 1)
	}
	b0 := s.Start.Add(-sc.slack)
	if b0.Before(dayStart) {
		b0 = dayStart
	}
	a1 := s.End.Add(sc.slack)
	if a1.After(dayEnd) {
		a1 = dayEnd
	}
	before := volmatch.ShiftHours(b0, s.Start)
	after := volmatch.ShiftHours(s.End, a1)
	var w volmatch.Week
	for i := range w {
		w[i] = (before[i] | after[i]) &^ hours[i]
	}
	return w
}

// Need returns the prepared need.
func (p *Prepared) Need() *volmatch.Need { return p.n }

// Shift returns the i-th prepared shift.
func (p *Prepared) Shift(i int) volmatch.Shift { return p.shifts[i].s }

// Len returns the number of prepared shifts.
func (p *Prepared) Len() int { return len(p.shifts) }

// Gate returns the first hard gate of shift i that v fails ("" when all
// pass), as the package-level Gate does, without the busy gate.
func (p *Prepared) Gate(v *volmatch.Volunteer, i int) string {
	ps := p.shift(i)
	n := p.n
	switch {
	case !HasSkills(v, n.Requires.Skills):
		return GateSkill
	case !HasCertificates(v, n.Requires.Certificates, ps.s.End):
		return GateCertificate
	case !HasTrainings(v, n.Requires.Trainings):
		return GateTraining
	case n.Requires.Insurance && !v.InsuredUntil.After(ps.s.End):
		return GateInsurance
	case !SpeaksAny(v, n.Requires.Languages):
		return GateLanguage
	}
	p.reach(v)
	if !p.within {
		return GateDistance
	}
	if !availableHours(v, ps.hours, ps.s.Start, ps.s.End) {
		return GateAvailability
	}
	return ""
}

// reach memoises Reach for the last volunteer.
func (p *Prepared) reach(v *volmatch.Volunteer) {
	if p.distV != v {
		p.distV = v
		p.dist, p.within = Reach(v, p.n)
	}
}

// Evaluate gates v on shift i and, when v passes, scores them. Evaluating
// the same volunteer on several shifts in a row reuses the parts that do not
// depend on the shift.
func (p *Prepared) Evaluate(v *volmatch.Volunteer, i int) Result {
	reason := p.Gate(v, i)
	switch reason {
	case "":
		return p.Score(v, i)
	case GateDistance, GateAvailability:
		return Result{Reason: reason, DistanceKm: p.dist}
	}
	return Result{Reason: reason}
}

// Score scores v on shift i without gating (Reason is left ""): the values,
// their weighted sum and the distance.
func (p *Prepared) Score(v *volmatch.Volunteer, i int) Result {
	p.static(v)
	r := Result{DistanceKm: p.dist, Values: p.lastVals}
	r.Values[2] = p.slackValue(v, p.shift(i))
	r.Score = p.sum(&r.Values)
	return r
}

// UpperBound returns a number that v's score on shift i does not exceed,
// computed from the distance, the slack and the volunteer's stats only (skill
// fit and domain preference taken at 1), a little above the true bound so
// that float rounding never makes a score exceed it. A caller keeping the
// best K can skip scoring a volunteer whose bound is below the K-th score.
func (p *Prepared) UpperBound(v *volmatch.Volunteer, i int) float64 {
	if p.boundV != v {
		p.reach(v)
		w := &p.sc.wa
		p.boundV = v
		p.bound = w[0] + w[1]*math.Exp2(-p.dist/p.sc.halfKm) + w[3]*reliability(v.Stats) +
			w[4]*LoadValue(v.Stats) + w[5]
	}
	b := p.bound + p.sc.wa[2]*p.slackValue(v, p.shift(i))
	return b*(1+1e-9) + 1e-12
}

// BoundWith returns a number that no score on any prepared shift exceeds
// for a volunteer at least minKm from the need, with weekly pattern avail,
// a skill_fit value at most skill (SkillBound bounds it from the skills
// held), a domain preference value at most pref, and stats (reliability and
// load taken at 1 when nil), the slack at its best over the shifts. An
// index that holds these figures compactly (grid.Features) uses it to leave
// out volunteers who cannot enter a top K without reading them.
func (p *Prepared) BoundWith(minKm float64, avail volmatch.Week, skill, pref float64, stats *volmatch.VolunteerStats) float64 {
	w := &p.sc.wa
	slack := 0.0
	for i := range p.shifts {
		ps := p.shift(i)
		if ps.aroundN == 0 {
			slack = 1
			break
		}
		slack = max(slack, float64(avail.And(ps.around).Count())/float64(ps.aroundN))
	}
	rel, load := 1.0, 1.0
	if stats != nil {
		rel, load = reliability(*stats), LoadValue(*stats)
	}
	b := w[0]*min(max(skill, 0), 1) + w[1]*math.Exp2(-max(minKm, 0)/p.sc.halfKm) + w[2]*slack + w[3]*rel + w[4]*load +
		w[5]*min(max(pref, 0), 1)
	return b*(1+1e-9) + 1e-12
}

// SkillBound returns a number that the skill_fit value of a volunteer does
// not exceed when each skill they hold, key at level (clamped to 0..3), has
// a SkillBound at most that number: when the need requires no skill, the
// fit such a skill alone gives (skill fit is the best over the skills
// held); 1 otherwise (grid.Features.PruneBounded).
func (p *Prepared) SkillBound(key string, level int) float64 {
	if len(p.n.Requires.Skills) > 0 {
		return 1
	}
	l := ClampLevel(level)
	if l == 0 {
		return 0
	}
	b := p.skillBits(key)
	switch {
	case b&(1<<bitSameDomain) != 0:
		return float64(l) / 3
	case b&(1<<bitRelatedDomain) != 0:
		return 0.5 * float64(l) / 3
	}
	return 0
}

// DomainPreference returns the domain_preference value of a volunteer whose
// one preferred domain is key (grid.Features.PruneBounded).
func (p *Prepared) DomainPreference(key string) float64 { return p.prefValue(key) }

// Values returns v's component values for shift i (in the order of Names),
// whether or not v passes the gates.
func (p *Prepared) Values(v *volmatch.Volunteer, i int) [NumComponents]float64 {
	p.static(v)
	vals := p.lastVals
	vals[2] = p.slackValue(v, p.shift(i))
	return vals
}

func (p *Prepared) sum(vals *[NumComponents]float64) float64 {
	t := 0.0
	for i, x := range vals {
		t += x * p.sc.wa[i]
	}
	return t
}

// static computes the shift-independent values of v once per run of
// evaluations of the same volunteer.
func (p *Prepared) static(v *volmatch.Volunteer) {
	if p.valsV == v {
		return
	}
	p.reach(v)
	p.valsV = v
	p.lastVals = [NumComponents]float64{
		p.skillFit(v),
		math.Exp2(-p.dist / p.sc.halfKm),
		0,
		reliability(v.Stats),
		LoadValue(v.Stats),
		p.domainPreference(v),
	}
}

// ReliabilityValue is the reliability component of a volunteer with stats s.
func ReliabilityValue(s volmatch.VolunteerStats) float64 { return reliability(s) }

// LoadValue is the load component of a volunteer with stats s.
func LoadValue(s volmatch.VolunteerStats) float64 { return 1 / (1 + float64(max(s.Load, 0))) }

func reliability(s volmatch.VolunteerStats) float64 {
	r := s.Reliability
	if r == 0 || math.IsNaN(r) {
		r = s.ReliabilityScore()
	}
	return min(max(r, 0), 1)
}

func (p *Prepared) slackValue(v *volmatch.Volunteer, ps *preparedShift) float64 {
	if ps.aroundN == 0 {
		return 1
	}
	return float64(v.Availability.And(ps.around).Count()) / float64(ps.aroundN)
}

const (
	bitSameDomain    = 62
	bitRelatedDomain = 63
)

// skillBits returns the memoised relations of a held skill key.
func (p *Prepared) skillBits(k string) uint64 {
	if b, ok := p.skillMemo[k]; ok {
		return b
	}
	var b uint64
	for i, r := range p.n.Requires.Skills {
		if i < bitSameDomain && r.Skill != k && p.sc.related(k, r.Skill) {
			b |= 1 << uint(i)
		}
	}
	d := p.sc.domainOf(k)
	if d == p.top {
		b |= 1 << bitSameDomain
	}
	if p.sc.related(k, p.n.Domain) || p.sc.related(d, p.top) || p.top != p.n.Domain && p.sc.related(d, p.n.Domain) {
		b |= 1 << bitRelatedDomain
	}
	p.skillMemo[k] = b
	return b
}

func (p *Prepared) skillFit(v *volmatch.Volunteer) float64 {
	req := p.n.Requires.Skills
	if len(req) == 0 {
		return p.domainFit(v)
	}
	total := 0.0
	for i, r := range req {
		base := levelCredit(v, r)
		rel := 0.0
		if i < bitSameDomain && base < 1 {
			for _, s := range v.Skills {
				hl := ClampLevel(s.Level)
				if hl == 0 || s.Skill == r.Skill {
					continue
				}
				if p.skillBits(s.Skill)&(1<<uint(i)) != 0 {
					rel = max(rel, float64(hl)/3)
				}
			}
		}
		total += base + (1-base)*0.5*rel
	}
	return total / float64(len(req))
}

// domainFit is the best fit of v's skills to the need's domain: a skill of
// the domain counts its level / 3, one of a related domain half that.
func (p *Prepared) domainFit(v *volmatch.Volunteer) float64 {
	best := 0.0
	for _, s := range v.Skills {
		l := ClampLevel(s.Level)
		if l == 0 {
			continue
		}
		switch b := p.skillBits(s.Skill); {
		case b&(1<<bitSameDomain) != 0:
			best = max(best, float64(l)/3)
		case b&(1<<bitRelatedDomain) != 0:
			best = max(best, 0.5*float64(l)/3)
		}
	}
	return best
}

// levelCredit is how far v's level of skill r clears r's minimum level, in
// (0, 1]; 0 below it.
func levelCredit(v *volmatch.Volunteer, r volmatch.SkillLevel) float64 {
	m := ClampMin(r.Level)
	if l := LevelOf(v, r.Skill); l >= m {
		return float64(l-m+1) / float64(4-m)
	}
	return 0
}

func (p *Prepared) domainPreference(v *volmatch.Volunteer) float64 {
	best := 0.0
	for _, d := range v.PreferredDomains {
		best = max(best, p.prefValue(d))
	}
	return best
}

func (p *Prepared) prefValue(d string) float64 {
	f, ok := p.prefMemo[d]
	if !ok {
		switch {
		case d == p.n.Domain:
			f = 1
		case d == p.top:
			f = 0.75
		case p.sc.related(d, p.n.Domain) || p.sc.related(d, p.top):
			f = 0.5
		}
		p.prefMemo[d] = f
	}
	return f
}

// NeedBounds bounds one volunteer's scores over many needs (a volunteer's
// menu): NeedBound, the parts that depend only on a need's domain computed
// once a domain with the taxonomy. It is not safe for concurrent use.
type NeedBounds struct {
	sc   *Scorer
	v    *volmatch.Volunteer
	p    *Prepared
	dom  map[string][2]float64 // domain -> skill fit with no skill required, domain preference
	top  float64               // v's highest skill level / 3
	rest float64               // the slack at 1, reliability and load, weighted
}

// NeedBounds returns the bounds of v's scores.
func (sc *Scorer) NeedBounds(v *volmatch.Volunteer) *NeedBounds {
	maxL := 0
	for _, s := range v.Skills {
		maxL = max(maxL, ClampLevel(s.Level))
	}
	w := &sc.wa
	return &NeedBounds{sc: sc, v: v, dom: map[string][2]float64{}, top: float64(maxL) / 3,
		rest: w[2] + w[3]*reliability(v.Stats) + w[4]*LoadValue(v.Stats)}
}

// NeedBound returns a number that the volunteer's score on no shift of n
// exceeds when they are dist km from n's point (as Reach gives it): the
// shift-independent values exactly when n requires no skill, with every
// related skill at the volunteer's highest level otherwise, and the slack
// at 1. A caller keeping the best of many needs' shifts scores only the
// needs whose bound can still enter them.
func (b *NeedBounds) NeedBound(n *volmatch.Need, dist float64) float64 {
	v := b.v
	d, ok := b.dom[n.Domain]
	if !ok {
		b.p = b.sc.PrepareAgain(b.p, n, []volmatch.Shift{})
		d = [2]float64{b.p.domainFit(v), b.p.domainPreference(v)}
		b.dom[n.Domain] = d
	}
	skill := d[0]
	if req := n.Requires.Skills; len(req) > 0 {
		total := 0.0
		for _, r := range req {
			base := levelCredit(v, r)
			total += base + (1-base)*0.5*b.top
		}
		skill = total / float64(len(req))
	}
	w := &b.sc.wa
	bound := w[0]*min(max(skill, 0), 1) + w[1]*math.Exp2(-max(dist, 0)/b.sc.halfKm) + b.rest + w[5]*d[1]
	return bound*(1+1e-9) + 1e-12
}
