package datasets

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
)

// SimOptions configure Simulate; the zero value works.
type SimOptions struct {
	// Seed makes the outcomes: the same population, source, scorer and
	// options give the same events.
	Seed uint64
	// Start and Weeks bound the needs simulated to those posted in
	// [Start, Start + Weeks×7 days); a zero Start or Weeks leaves that end
	// open.
	Start time.Time
	Weeks int
	// K is the number of candidates shown per page of a shift's listing
	// (10 when 0).
	K int
	// InvitesPerSlot is how many invitations are kept out per open slot
	// (2 when 0).
	InvitesPerSlot int
	// Pages is how many pages of K candidates a social worker goes through
	// before giving up on a shift; 0 means enough for four candidates per
	// slot, at least 3.
	Pages int
	// ExpireAfter is how long an unanswered invitation stays open (48 hours
	// when 0); it also closes at the invitation deadline, an hour before
	// the shift starts.
	ExpireAfter time.Duration
	// Progress, when set, is called after each need with the needs done
	// and the total.
	Progress func(done, total int)
}

// SimResult is what Simulate produced.
type SimResult struct {
	// Events are the lifecycle events, sorted by At (ties in the order they
	// were made, so every assignment's events are in causal order). They
	// carry no Seq; the store gives it on append. need.posted is not among
	// them: the store appends it when the needs are stored (PutNeeds), so
	// store the needs before appending these events.
	Events []volmatch.Event
	// Stats are the final derived figures of every volunteer whose figures
	// changed, by volunteer ID (also written to the volunteers, see
	// Simulate).
	Stats map[string]volmatch.VolunteerStats
}

// Simulate plays invitations and outcomes for the population's needs, in
// PostedAt order (ties by ID), from the volunteers' hidden preferences.
//
// For each open shift of a need it ranks the candidates (matcher.Rank with
// the scorer, K per page; the busy gate sees the slots already held), logs
// them as match.shown with one Batch per page, and keeps InvitesPerSlot
// invitations out per open slot, inviting down the list as answers come in,
// a further page when the list runs out, until the shift is full, the pages
// run out or the invitation deadline passes. Each invitee answers from
// their hidden preferences alone, never from the scorer's weights: they
// answer at all with chance 0.5 + 0.5 × Responsiveness (otherwise the
// invitation expires), and accept with a probability that is the domain's
// affinity (0.1 for a domain they have none for) times a distance factor
// (1 up to DistanceTolKm, then decaying by e per 2 km beyond), an
// availability factor (0.6 + 0.4 × the share of free hours in the two
// hours either side of the shift) and a load factor (1 / (1 + 0.3 × Stats.Load, the
// slots held and not yet served)). An accept that comes after the shift has filled is
// refused and logged as invite.expired with Reason scoring.ReasonShiftFull.
// An accepted slot is then cancelled (0.03 + 0.3 × Flakiness), missed
// (no_show, Flakiness) or served: check-in, check-out with the shift's
// hours, and, for 85% of them, a rating drawn around 1 + 4 × Quality.
//
// The volunteers' Stats (hours, completed, no-shows, cancellations,
// declines, load, reliability) change as the simulated time passes, and
// Simulate writes them into the population's volunteers as it goes, so
// that later rankings (which read Volunteer.Stats through src) see the
// earlier outcomes. The population's needs are not modified.
func Simulate(ctx context.Context, pop *Population, src *grid.Features, sc *scoring.Scorer, o SimOptions) (SimResult, error) {
	if o.K <= 0 {
		o.K = 10
	}
	if o.InvitesPerSlot <= 0 {
		o.InvitesPerSlot = 2
	}
	if o.ExpireAfter <= 0 {
		o.ExpireAfter = 48 * time.Hour
	}
	s := &sim{o: o, sc: sc, src: src, vols: map[string]*volmatch.Volunteer{}, held: map[string][]heldSlot{},
		changed: map[string]bool{}}
	for _, v := range pop.Volunteers {
		s.vols[v.ID] = v
	}
	var needs []*volmatch.Need
	var end time.Time
	if !o.Start.IsZero() && o.Weeks > 0 {
		end = o.Start.AddDate(0, 0, 7*o.Weeks)
	}
	for _, n := range pop.Needs {
		if (!o.Start.IsZero() && n.PostedAt.Before(o.Start)) || (!end.IsZero() && !n.PostedAt.Before(end)) {
			continue
		}
		if n.Status != volmatch.NeedOpen && n.Status != "" {
			continue
		}
		needs = append(needs, n)
	}
	sort.SliceStable(needs, func(i, j int) bool {
		if !needs[i].PostedAt.Equal(needs[j].PostedAt) {
			return needs[i].PostedAt.Before(needs[j].PostedAt)
		}
		return needs[i].ID < needs[j].ID
	})
	for i, n := range needs {
		if err := ctx.Err(); err != nil {
			return SimResult{}, fmt.Errorf("datasets: simulate: %w", err)
		}
		s.need(n)
		if o.Progress != nil {
			o.Progress(i+1, len(needs))
		}
	}
	s.applyUntil(time.Time{}) // every remaining effect
	sort.SliceStable(s.events, func(i, j int) bool { return s.events[i].At.Before(s.events[j].At) })
	res := SimResult{Events: s.events, Stats: map[string]volmatch.VolunteerStats{}}
	for id := range s.changed {
		res.Stats[id] = s.vols[id].Stats
	}
	return res, nil
}

// sim is the state of one simulation.
type sim struct {
	o       SimOptions
	sc      *scoring.Scorer
	src     *grid.Features
	vols    map[string]*volmatch.Volunteer
	held    map[string][]heldSlot // slots reserved, by volunteer
	changed map[string]bool
	events  []volmatch.Event
	effects effectQueue // stats and holds changing at a later time
	seq     int         // effect order among equal times
	invites int
	asgs    int
}

// heldSlot is a reserved slot and when it was given up (a cancellation or
// a no-show; zero when never). The time is known when the slot is reserved,
// so a later need, processed after this one but happening earlier, sees the
// slot held exactly while it was.
type heldSlot struct {
	a     volmatch.Assignment
	freed time.Time
}

// heldAt returns the slots a volunteer holds at t.
func (s *sim) heldAt(vid string, t time.Time) []volmatch.Assignment {
	var out []volmatch.Assignment
	for _, h := range s.held[vid] {
		if h.freed.IsZero() || t.Before(h.freed) {
			out = append(out, h.a)
		}
	}
	return out
}

// effect is a change to a volunteer's stats or holds that takes place at a
// time: rankings after that time see it.
type effect struct {
	at  time.Time
	seq int
	vol string
	fn  func(v *volmatch.Volunteer)
}

type effectQueue []effect

func (q effectQueue) Len() int { return len(q) }
func (q effectQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q effectQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *effectQueue) Push(x any)   { *q = append(*q, x.(effect)) }
func (q *effectQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules fn on a volunteer at t.
func (s *sim) at(t time.Time, vol string, fn func(v *volmatch.Volunteer)) {
	s.seq++
	heap.Push(&s.effects, effect{at: t, seq: s.seq, vol: vol, fn: fn})
}

// applyUntil applies the effects up to t (all of them when t is zero).
func (s *sim) applyUntil(t time.Time) {
	for s.effects.Len() > 0 && (t.IsZero() || !s.effects[0].at.After(t)) {
		e := heap.Pop(&s.effects).(effect)
		if v := s.vols[e.vol]; v != nil {
			e.fn(v)
			v.Stats.Reliability = v.Stats.ReliabilityScore()
			s.changed[e.vol] = true
		}
	}
}

// emit appends an event about need n.
func (s *sim) emit(typ volmatch.EventType, n *volmatch.Need, sh volmatch.Shift, at time.Time, fill func(ev *volmatch.Event)) {
	ev := volmatch.NeedEvent(typ, n, at)
	ev.Shift, ev.ShiftStart, ev.ShiftEnd = sh.ID, sh.Start, sh.End
	if fill != nil {
		fill(&ev)
	}
	s.events = append(s.events, ev)
}

// rng returns the random stream of one need.
func (s *sim) rng(id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(s.o.Seed, h.Sum64()))
}

// pending is an invitation waiting for its answer.
type pending struct {
	at     time.Time
	order  int
	invite string
	m      volmatch.Match
	answer int // answerAccept, answerDecline, answerNone
}

const (
	answerNone = iota
	answerAccept
	answerDecline
)

func (s *sim) need(orig *volmatch.Need) {
	n := *orig
	n.Shifts = append([]volmatch.Shift(nil), orig.Shifts...)
	r := s.rng(n.ID)
	for i := range n.Shifts {
		s.shift(&n, i, r)
	}
}

// shift runs the invitations of one shift.
func (s *sim) shift(n *volmatch.Need, si int, r *rand.Rand) {
	sh := n.Shifts[si]
	deadline := sh.Start.Add(-time.Hour)
	now := n.PostedAt.Add(5 * time.Minute)
	if !now.Before(deadline) {
		return
	}
	shown := map[string]bool{}
	var list []volmatch.Match
	next, page := 0, 0
	showPage := func(t time.Time) bool {
		pages := s.o.Pages
		if pages <= 0 {
			pages = max(3, (4*sh.Slots+s.o.K-1)/s.o.K)
		}
		if page >= pages {
			return false
		}
		page++
		s.applyUntil(t)
		n.Shifts[si].Filled = 0 // the busy gate, not Filled, keeps holders out
		busy := func(id string) []volmatch.Assignment { return s.heldAt(id, t) }
		rk := matcher.Rank(n, s.src, s.sc, matcher.RankOptions{K: page * s.o.K, Shift: sh.ID, Busy: busy})
		batch := fmt.Sprintf("%s/%s/p%d", n.ID, sh.ID, page)
		added := false
		for _, m := range rk.Matches {
			if shown[m.Volunteer] {
				continue
			}
			shown[m.Volunteer] = true
			list = append(list, m)
			added = true
			s.emit(volmatch.EventMatchShown, n, sh, t, func(ev *volmatch.Event) {
				ev.Volunteer, ev.Rank, ev.Score, ev.Breakdown, ev.Batch = m.Volunteer, m.Rank, m.Score, m.Breakdown, batch
			})
		}
		return added
	}
	if !showPage(now) {
		return
	}
	now = now.Add(5 * time.Minute)
	filled := 0
	var out []*pending
	order := 0
	invite := func(t time.Time) {
		for filled < sh.Slots && len(out) < (sh.Slots-filled)*s.o.InvitesPerSlot && t.Before(deadline) {
			if next == len(list) && !showPage(t) {
				return
			}
			if next == len(list) {
				return
			}
			m := list[next]
			next++
			s.invites++
			p := &pending{invite: fmt.Sprintf("SI%08d", s.invites), m: m, order: order}
			order++
			s.emit(volmatch.EventInviteSent, n, sh, t, func(ev *volmatch.Event) {
				ev.Volunteer, ev.Invite, ev.Rank, ev.Score = m.Volunteer, p.invite, m.Rank, m.Score
			})
			s.decide(p, n, sh, t, deadline, r)
			out = append(out, p)
		}
	}
	invite(now)
	for len(out) > 0 {
		// The earliest answer next (ties by invitation order).
		bi := 0
		for i, p := range out {
			if p.at.Before(out[bi].at) || p.at.Equal(out[bi].at) && p.order < out[bi].order {
				bi = i
			}
		}
		p := out[bi]
		out = append(out[:bi], out[bi+1:]...)
		v := s.vols[p.m.Volunteer]
		switch {
		case p.answer == answerAccept && filled >= sh.Slots:
			s.emit(volmatch.EventInviteExpired, n, sh, p.at, func(ev *volmatch.Event) {
				ev.Volunteer, ev.Invite, ev.Reason = p.m.Volunteer, p.invite, scoring.ReasonShiftFull
			})
		case p.answer == answerAccept && scoring.Busy(s.heldAt(v.ID, p.at), sh):
			// Took another slot at that time meanwhile: says no.
			s.decline(n, sh, p)
		case p.answer == answerAccept:
			filled++
			s.accept(n, sh, p, r)
		case p.answer == answerDecline:
			s.decline(n, sh, p)
		default:
			s.emit(volmatch.EventInviteExpired, n, sh, p.at, func(ev *volmatch.Event) {
				ev.Volunteer, ev.Invite = p.m.Volunteer, p.invite
			})
		}
		invite(p.at)
	}
}

// decide draws whether and when the invitee answers, and what.
func (s *sim) decide(p *pending, n *volmatch.Need, sh volmatch.Shift, sent, deadline time.Time, r *rand.Rand) {
	v := s.vols[p.m.Volunteer]
	h := v.Hidden
	if h == nil {
		h = &volmatch.HiddenPreferences{Responsiveness: 0.5, DistanceTolKm: v.MaxTravelKm, Flakiness: 0.05, Quality: 0.75}
	}
	expire := sent.Add(s.o.ExpireAfter)
	if deadline.Before(expire) {
		expire = deadline
	}
	respond := r.Float64() < 0.5+0.5*h.Responsiveness
	delay := time.Duration(r.ExpFloat64() * float64(2*time.Hour+time.Duration(20*(1-h.Responsiveness)*float64(time.Hour))))
	at := sent.Add(time.Minute + delay)
	accept := r.Float64() < acceptProbability(v, h, n, sh, v.Stats.Load)
	if !respond || !at.Before(expire) {
		p.at, p.answer = expire, answerNone
		return
	}
	p.at = at
	if accept {
		p.answer = answerAccept
	} else {
		p.answer = answerDecline
	}
}

// acceptProbability is the hidden chance that v accepts a shift of n.
func acceptProbability(v *volmatch.Volunteer, h *volmatch.HiddenPreferences, n *volmatch.Need, sh volmatch.Shift, load int) float64 {
	aff, ok := h.DomainAffinity[n.Domain]
	if !ok {
		aff = 0.1
	}
	dist := 1.0
	if d := volmatch.DistanceKm(v.Home, n.Point); d > h.DistanceTolKm {
		dist = math.Exp(-(d - h.DistanceTolKm) / 2)
	}
	var around volmatch.Week
	before, after := volmatch.ShiftHours(sh.Start.Add(-2*time.Hour), sh.Start), volmatch.ShiftHours(sh.End, sh.End.Add(2*time.Hour))
	for i := range around {
		around[i] = (before[i] | after[i]) &^ volmatch.ShiftHours(sh.Start, sh.End)[i]
	}
	slack := 1.0
	if c := around.Count(); c > 0 {
		slack = float64(v.Availability.And(around).Count()) / float64(c)
	}
	p := aff * dist * (0.6 + 0.4*slack) / (1 + 0.3*float64(max(load, 0)))
	return math.Min(math.Max(p, 0.03), 0.97)
}

func (s *sim) decline(n *volmatch.Need, sh volmatch.Shift, p *pending) {
	s.emit(volmatch.EventInviteDeclined, n, sh, p.at, func(ev *volmatch.Event) {
		ev.Volunteer, ev.Invite = p.m.Volunteer, p.invite
	})
	s.at(p.at, p.m.Volunteer, func(v *volmatch.Volunteer) { v.Stats.Declined++ })
}

// accept reserves the slot and plays the assignment's life.
func (s *sim) accept(n *volmatch.Need, sh volmatch.Shift, p *pending, r *rand.Rand) {
	vid := p.m.Volunteer
	v := s.vols[vid]
	h := v.Hidden
	if h == nil {
		h = &volmatch.HiddenPreferences{Flakiness: 0.05, Quality: 0.75}
	}
	s.asgs++
	a := volmatch.Assignment{ID: fmt.Sprintf("SA%08d", s.asgs), Need: n.ID, Shift: sh.ID, Volunteer: vid, Org: n.Org,
		Invite: p.invite, Start: sh.Start, End: sh.End, Status: volmatch.AssignReserved, CreatedAt: p.at}
	s.held[vid] = append(s.held[vid], heldSlot{a: a})
	slot := &s.held[vid][len(s.held[vid])-1]
	ids := func(ev *volmatch.Event) { ev.Volunteer, ev.Invite, ev.Assignment = vid, p.invite, a.ID }
	s.emit(volmatch.EventInviteAccepted, n, sh, p.at, ids)
	s.at(p.at, vid, func(v *volmatch.Volunteer) { v.Stats.Load++ })
	lastCancel := sh.Start.Add(-time.Hour)
	switch {
	case lastCancel.After(p.at) && r.Float64() < 0.03+0.3*h.Flakiness:
		t := p.at.Add(time.Duration(r.Float64() * float64(lastCancel.Sub(p.at))))
		if !t.After(p.at) {
			t = p.at.Add(time.Second)
		}
		s.emit(volmatch.EventCancelled, n, sh, t, func(ev *volmatch.Event) { ids(ev); ev.Reason = "volunteer cancelled" })
		slot.freed = t
		s.at(t, vid, func(v *volmatch.Volunteer) { v.Stats.Cancelled++; v.Stats.Load-- })
	case r.Float64() < h.Flakiness:
		t := sh.Start.Add(30 * time.Minute)
		s.emit(volmatch.EventNoShow, n, sh, t, ids)
		slot.freed = t
		s.at(t, vid, func(v *volmatch.Volunteer) { v.Stats.NoShows++; v.Stats.Load-- })
	default:
		in := sh.Start.Add(-time.Duration(r.IntN(16)) * time.Minute)
		outAt := sh.End.Add(time.Duration(r.IntN(11)) * time.Minute)
		hours := math.Round(sh.Hours()*4) / 4
		s.emit(volmatch.EventCheckIn, n, sh, in, ids)
		s.emit(volmatch.EventCheckOut, n, sh, outAt, func(ev *volmatch.Event) { ids(ev); ev.Hours = hours })
		s.at(outAt, vid, func(v *volmatch.Volunteer) {
			v.Stats.Hours += hours
			v.Stats.Completed++
			v.Stats.Load--
		})
		if r.Float64() < 0.85 {
			q := 1 + 4*(h.Quality+0.15*r.NormFloat64())
			rating := int(math.Min(5, math.Max(1, math.Round(q))))
			t := outAt.Add(time.Hour + time.Duration(r.IntN(23*60))*time.Minute)
			s.emit(volmatch.EventRated, n, sh, t, func(ev *volmatch.Event) { ids(ev); ev.Rating = rating })
		}
	}
}
