package matcher

import (
	"context"
	"fmt"
	"math"
	"sort"

	"volmatch"
	"volmatch/matcher/flow"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// PairOptions configure Pair and Repair; the zero value works.
type PairOptions struct {
	// OverlapWeight multiplies the weekly overlap (default 1): the share of
	// the hours the recipient wants visits (Recipient.Weekly, or the hours
	// of the need's shifts) that the volunteer's weekly pattern marks free.
	OverlapWeight float64
	// LanguageWeight multiplies the language fit (default 0.5): 1 when the
	// volunteer speaks one of the recipient's preferred languages (or the
	// recipient states none), else 0.
	LanguageWeight float64
	// Exclude lists volunteers who may not be paired (already paired
	// elsewhere, or dropped out).
	Exclude map[string]bool
	// Held are assignments already held: a volunteer is not paired with a
	// need whose visits overlap one they hold.
	Held []volmatch.Assignment
	// Scale turns weights into the solver's integer costs (default 1e6).
	Scale float64
}

func (o PairOptions) withDefaults() PairOptions {
	if o.OverlapWeight <= 0 {
		o.OverlapWeight = 1
	}
	if o.LanguageWeight <= 0 {
		o.LanguageWeight = 0.5
	}
	if o.Scale <= 0 {
		o.Scale = 1e6
	}
	return o
}

// Names of the pairing weight's components, after the scorer's.
const (
	PairScore    = "score"              // the scorer's mean score over the visits
	PairOverlap  = "weekly_overlap"     // see PairOptions.OverlapWeight
	PairLanguage = "recipient_language" // see PairOptions.LanguageWeight
)

// PairMatch is a lasting pair: a volunteer and a pairing-mode need.
type PairMatch struct {
	Volunteer  string               `json:"volunteer"`
	Need       string               `json:"need"`
	Weight     float64              `json:"weight"`
	DistanceKm float64              `json:"distance_km"`
	Breakdown  []volmatch.Component `json:"breakdown"`
}

// Pairing is a set of one-to-one pairs.
type Pairing struct {
	// Pairs are sorted by need ID.
	Pairs []PairMatch `json:"pairs"`
	// Unpaired lists the needs left without a volunteer, by ID.
	Unpaired []string `json:"unpaired"`
	// Total is the sum of the pairs' weights, the most any one-to-one
	// pairing of the eligible pairs reaches.
	Total float64 `json:"total"`
	// Eligible counts the eligible (volunteer, need) pairs.
	Eligible int `json:"eligible"`
}

// Pair pairs volunteers one-to-one with the pairing-mode needs (结对服务) so
// that the total weight is greatest: a maximum-weight bipartite matching,
// solved exactly as a min-cost flow (source → volunteer → need → sink, every
// capacity 1, cost −weight, and a bypass so that a need may stay unpaired).
//
// A volunteer is eligible for a need when the need is open and in pairing
// mode, and the volunteer passes every hard gate of the scorer (the busy
// gate against o.Held included) on every open shift of the need — each
// shift is one planned visit, and a lasting pair serves them all — and
// meets the recipient's stated preferences: the gender when one is stated,
// and an age at most MaxAge in the year of the first visit (a volunteer
// without a birth year does not meet a stated MaxAge). The weight is the
// scorer's mean score over the visits (skill fit, distance, reliability, ...)
// plus OverlapWeight × the weekly overlap plus LanguageWeight × the
// language fit; its breakdown lists the three parts.
//
// Ties are broken by IDs through the solver's fixed arc order. Pair honours
// ctx.
func Pair(ctx context.Context, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o PairOptions) (Pairing, error) {
	o = o.withDefaults()
	ns := pairingNeeds(needs)
	type edge struct {
		vol  string
		need int
		m    PairMatch
		gain int64
	}
	var edges []edge
	vols := map[string]bool{}
	held := heldBy(o.Held)
	for ni, n := range ns {
		if err := ctx.Err(); err != nil {
			return Pairing{}, err
		}
		shifts := OpenShifts(n, "")
		seen := map[string]bool{}
		feats.Prune(n, shifts, func(v *volmatch.Volunteer) {
			if seen[v.ID] || o.Exclude[v.ID] {
				return
			}
			seen[v.ID] = true
			m, ok := pairWeight(v, n, shifts, sc, held[v.ID], o)
			if !ok {
				return
			}
			gain := int64(math.Round(m.Weight * o.Scale))
			if gain <= 0 {
				return
			}
			vols[v.ID] = true
			edges = append(edges, edge{v.ID, ni, m, gain})
		})
	}
	ids := make([]string, 0, len(vols))
	for id := range vols {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	volNode := make(map[string]int, len(ids))
	const source, sink = 0, 1
	g := flow.NewGraph(2 + len(ns) + len(ids))
	for i, id := range ids {
		volNode[id] = 2 + len(ns) + i
		g.AddArc(source, volNode[id], 0, 1, 0)
	}
	for ni := range ns {
		g.AddArc(2+ni, sink, 0, 1, 0)
	}
	supply := int64(len(ns))
	g.SetSupply(source, supply)
	g.SetSupply(sink, -supply)
	g.AddArc(source, sink, 0, supply, 0)
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].vol != edges[j].vol {
			return edges[i].vol < edges[j].vol
		}
		return edges[i].need < edges[j].need
	})
	arc := make([]int, len(edges))
	for i, e := range edges {
		arc[i] = g.AddArc(volNode[e.vol], 2+e.need, 0, 1, -e.gain)
	}
	res, err := flow.Solve(ctx, g)
	if err != nil {
		return Pairing{}, fmt.Errorf("matcher: pair: %w", err)
	}
	p := Pairing{Eligible: len(edges)}
	paired := make([]bool, len(ns))
	for i, e := range edges {
		if res.Flow[arc[i]] > 0 {
			p.Pairs = append(p.Pairs, e.m)
			paired[e.need] = true
		}
	}
	for ni, n := range ns {
		if !paired[ni] {
			p.Unpaired = append(p.Unpaired, n.ID)
		}
	}
	p.finish()
	return p, nil
}

// Repair replaces a volunteer who dropped out of current: the need they
// were paired with gets the best-weighted eligible volunteer who is in no
// pair of current (ties by ID), or joins Unpaired when there is none. No
// other pair changes. needs must hold the dropped pair's need; o.Exclude
// can name more volunteers to pass over. It returns ENOTFOUND when the
// volunteer is in no pair, or the need is not among needs.
func Repair(ctx context.Context, current Pairing, dropped string, needs []*volmatch.Need, feats *grid.Features, sc *scoring.Scorer, o PairOptions) (Pairing, error) {
	if err := ctx.Err(); err != nil {
		return Pairing{}, err
	}
	o = o.withDefaults()
	at := -1
	busy := map[string]bool{dropped: true}
	for i, m := range current.Pairs {
		busy[m.Volunteer] = true
		if m.Volunteer == dropped {
			at = i
		}
	}
	if at < 0 {
		return Pairing{}, volmatch.Errorf(volmatch.ENOTFOUND, "volunteer %s is in no pair", dropped)
	}
	var n *volmatch.Need
	for _, x := range needs {
		if x.ID == current.Pairs[at].Need {
			n = x
		}
	}
	if n == nil {
		return Pairing{}, volmatch.Errorf(volmatch.ENOTFOUND, "need %s of the dropped pair is not among the needs", current.Pairs[at].Need)
	}
	held := heldBy(o.Held)
	shifts := OpenShifts(n, "")
	var best *PairMatch
	feats.Prune(n, shifts, func(v *volmatch.Volunteer) {
		if busy[v.ID] || o.Exclude[v.ID] {
			return
		}
		m, ok := pairWeight(v, n, shifts, sc, held[v.ID], o)
		if !ok || math.Round(m.Weight*o.Scale) <= 0 {
			return
		}
		if best == nil || m.Weight > best.Weight || m.Weight == best.Weight && m.Volunteer < best.Volunteer {
			best = &m
		}
	})
	out := Pairing{Eligible: current.Eligible, Unpaired: append([]string(nil), current.Unpaired...)}
	for i, m := range current.Pairs {
		if i != at {
			out.Pairs = append(out.Pairs, m)
		}
	}
	if best != nil {
		out.Pairs = append(out.Pairs, *best)
	} else {
		out.Unpaired = append(out.Unpaired, n.ID)
	}
	out.finish()
	return out, nil
}

// finish sorts the pairing and sums its weight.
func (p *Pairing) finish() {
	sort.Slice(p.Pairs, func(i, j int) bool { return p.Pairs[i].Need < p.Pairs[j].Need })
	sort.Strings(p.Unpaired)
	p.Total = 0
	for _, m := range p.Pairs {
		p.Total += m.Weight
	}
	if p.Pairs == nil {
		p.Pairs = []PairMatch{}
	}
	if p.Unpaired == nil {
		p.Unpaired = []string{}
	}
}

// pairingNeeds returns the open pairing-mode needs with an open shift, by ID.
func pairingNeeds(needs []*volmatch.Need) []*volmatch.Need {
	var ns []*volmatch.Need
	for _, n := range needs {
		if n.Mode == volmatch.ModePairing && (n.Status == volmatch.NeedOpen || n.Status == "") && len(OpenShifts(n, "")) > 0 {
			ns = append(ns, n)
		}
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	return ns
}

func heldBy(as []volmatch.Assignment) map[string][]volmatch.Assignment {
	m := map[string][]volmatch.Assignment{}
	for _, a := range as {
		m[a.Volunteer] = append(m[a.Volunteer], a)
	}
	return m
}

// pairWeight gates v for every visit of n and the recipient's preferences,
// and weighs the pair.
func pairWeight(v *volmatch.Volunteer, n *volmatch.Need, shifts []volmatch.Shift, sc *scoring.Scorer, held []volmatch.Assignment, o PairOptions) (PairMatch, bool) {
	if len(shifts) == 0 {
		return PairMatch{}, false
	}
	r := n.Recipient
	if r != nil {
		if r.Gender != "" && v.Gender != r.Gender {
			return PairMatch{}, false
		}
		if r.MaxAge > 0 {
			year := shifts[0].Start.In(volmatch.Beijing).Year()
			if v.BirthYear <= 0 || year-v.BirthYear > r.MaxAge {
				return PairMatch{}, false
			}
		}
	}
	var score float64
	for _, s := range shifts {
		if sc.Gate(v, n, s) != "" || scoring.Busy(held, s) {
			return PairMatch{}, false
		}
		x, _ := sc.Score(v, n, s)
		score += x
	}
	score /= float64(len(shifts))
	want := volmatch.Week{}
	if r != nil {
		want = r.Weekly
	}
	if want.Count() == 0 {
		for _, s := range shifts {
			h := volmatch.ShiftHours(s.Start, s.End)
			want = volmatch.Week{want[0] | h[0], want[1] | h[1], want[2] | h[2]}
		}
	}
	overlap := 0.0
	if c := want.Count(); c > 0 {
		overlap = float64(v.Availability.And(want).Count()) / float64(c)
	}
	lang := 1.0
	if r != nil && len(r.Languages) > 0 && !scoring.SpeaksAny(v, r.Languages) {
		lang = 0
	}
	m := PairMatch{
		Volunteer: v.ID, Need: n.ID, DistanceKm: volmatch.DistanceKm(v.Home, n.Point),
		Breakdown: []volmatch.Component{
			{Name: PairScore, Value: score, Weight: 1},
			{Name: PairOverlap, Value: overlap, Weight: o.OverlapWeight},
			{Name: PairLanguage, Value: lang, Weight: o.LanguageWeight},
		},
	}
	for _, c := range m.Breakdown {
		m.Weight += c.Contribution()
	}
	return m, true
}
