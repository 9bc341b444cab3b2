package evaluation

import (
	"sort"
	"time"

	"volmatch"
)

// Stages of a need's life, in funnel order.
const (
	stagePosted = iota
	stageShown
	stageInvited
	stageAccepted
	stageCheckedIn
	stageCompleted
	stageRated
	stageCount
)

// needRec follows one posted need through the log.
type needRec struct {
	id       string
	posted   time.Time
	attrs    *volmatch.Event // the need.posted event
	shifts   []volmatch.Shift
	eligible int
	cohort   bool           // posted in the window
	hold     map[string]int // shift -> assignments holding a slot now
	// reserved holds, per shift, the volunteers who reserved a slot of it.
	reserved map[string]map[string]bool
	reached  [stageCount]bool

	firstAccept time.Time
	filledAt    time.Time // first time every shift held all its slots
}

// stage marks stage s reached.
func (n *needRec) stage(s int) { n.reached[s] = true }

// full reports whether every shift holds all its slots.
func (n *needRec) full() bool {
	if len(n.shifts) == 0 {
		return false
	}
	for _, s := range n.shifts {
		if n.hold[s.ID] < s.Slots {
			return false
		}
	}
	return true
}

// filled returns the slots held at the end of the log, at most the slots
// asked, per shift.
func (n *needRec) filled(s volmatch.Shift) int { return min(n.hold[s.ID], s.Slots) }

// asgRec is one assignment (a reserved slot).
type asgRec struct {
	need, shift, volunteer string
	holds                  bool
}

// ledger is the log read once: the events that pass the attribute filter in
// log order, the needs, assignments and the outcome of each (need,
// volunteer) pair.
type ledger struct {
	f      Filter
	events []*volmatch.Event // attribute-filtered, log order, whole time range
	needs  map[string]*needRec
	cohort []*needRec // posted in the window, by ID
	asg    map[string]*asgRec
	// grade is the graded relevance of a volunteer for a need: 2 completed
	// (checked out), 1 accepted, absent otherwise.
	grade map[pairKey]int
}

type pairKey struct{ need, volunteer string }

// assignmentKey joins an assignment's events: its ID, or need, shift and
// volunteer when the event carries none.
func assignmentKey(ev *volmatch.Event) string {
	if ev.Assignment != "" {
		return ev.Assignment
	}
	return ev.Need + "\x00" + ev.Shift + "\x00" + ev.Volunteer
}

// ordered returns pointers to events in log order: by Seq when any Seq is
// set (stable), otherwise as given.
func ordered(events []volmatch.Event) []*volmatch.Event {
	out := make([]*volmatch.Event, len(events))
	seq := false
	for i := range events {
		out[i] = &events[i]
		seq = seq || events[i].Seq != 0
	}
	if seq {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	}
	return out
}

// newLedger reads the log under f's attribute conditions.
func newLedger(events []volmatch.Event, f Filter) *ledger {
	l := &ledger{f: f, needs: map[string]*needRec{}, asg: map[string]*asgRec{}, grade: map[pairKey]int{}}
	for _, ev := range ordered(events) {
		if !f.Matches(ev) {
			continue
		}
		l.events = append(l.events, ev)
		n := l.needs[ev.Need]
		switch ev.Type {
		case volmatch.EventNeedPosted:
			if n != nil {
				continue // a need is posted once; a repeat is ignored
			}
			n = &needRec{id: ev.Need, posted: ev.At, attrs: ev, shifts: ev.Shifts, eligible: ev.Eligible,
				cohort: f.InWindow(ev.At), hold: map[string]int{}, reserved: map[string]map[string]bool{}}
			n.stage(stagePosted)
			l.needs[ev.Need] = n
			if n.cohort {
				l.cohort = append(l.cohort, n)
			}
		case volmatch.EventMatchShown:
			if n != nil {
				n.stage(stageShown)
			}
		case volmatch.EventInviteSent:
			if n != nil {
				n.stage(stageInvited)
			}
		case volmatch.EventInviteAccepted:
			k := assignmentKey(ev)
			if _, dup := l.asg[k]; dup {
				continue
			}
			l.asg[k] = &asgRec{need: ev.Need, shift: ev.Shift, volunteer: ev.Volunteer, holds: true}
			l.raise(ev, 1)
			if n != nil {
				n.stage(stageAccepted)
				n.hold[ev.Shift]++
				if ev.Volunteer != "" {
					if n.reserved[ev.Shift] == nil {
						n.reserved[ev.Shift] = map[string]bool{}
					}
					n.reserved[ev.Shift][ev.Volunteer] = true
				}
				if n.firstAccept.IsZero() {
					n.firstAccept = ev.At
				}
				if n.filledAt.IsZero() && n.full() {
					n.filledAt = ev.At
				}
			}
		case volmatch.EventCheckIn:
			if n != nil {
				n.stage(stageCheckedIn)
			}
		case volmatch.EventCheckOut:
			l.raise(ev, 2)
			if n != nil {
				n.stage(stageCompleted)
			}
		case volmatch.EventRated:
			if n != nil {
				n.stage(stageRated)
			}
		case volmatch.EventNoShow, volmatch.EventCancelled:
			a := l.asg[assignmentKey(ev)]
			if a == nil || !a.holds {
				continue
			}
			a.holds = false
			if n != nil {
				n.hold[a.shift]--
			}
		}
	}
	sort.Slice(l.cohort, func(i, j int) bool { return l.cohort[i].id < l.cohort[j].id })
	return l
}

// raise lifts the graded relevance of the event's (need, volunteer) to g.
func (l *ledger) raise(ev *volmatch.Event, g int) {
	k := pairKey{ev.Need, ev.Volunteer}
	if l.grade[k] < g {
		l.grade[k] = g
	}
}

// window calls fn for every attribute-filtered event in the time window, in
// log order.
func (l *ledger) window(fn func(ev *volmatch.Event)) {
	for _, ev := range l.events {
		if l.f.InWindow(ev.At) {
			fn(ev)
		}
	}
}

// ratio returns a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
