package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// An assignment is asg:ID (JSON, IDs A000000000001 on from the counter
// seq:asg, given inside the reservation script). Sorted sets index them by
// volunteer (ix:asgvol:V), by shift (ix:asgshift:N:S) and by need
// (ix:asgneed:N); the hash held:V maps each of the volunteer's holding
// assignments to "NEED\tSHIFT\tSTART\tEND" for the overlap check.

func (s *Store) asgKey(id string) string { return s.k("asg", id) }

// reservation is one slot to reserve, with the invitation it answers.
type reservation struct {
	volmatch.Reservation
	invite, inviteRaw, inviteNew string
	// volRaw is "=" and the volunteer's JSON as the caller's check read
	// it, "-" when the check saw no volunteer, "" when nothing was checked.
	volRaw string
	// need, when set, is the need as the caller's check read it, so the
	// script reserves against that version; cached tells that build took
	// it, or the invitation or volunteer, from this replica's caches
	// rather than from a read of this round.
	need   *needState
	cached bool
}

// reserve runs the reservation script over what build returns, reading the
// needs and retrying while they change. missing is the code for a missing
// need, shift or volunteer. Refusals of a batch (more than one, or what is
// "reserve") name the reservation.
func (s *Store) reserve(ctx context.Context, what string, build func() ([]reservation, error), at time.Time, missing string) ([]*volmatch.Assignment, error) {
	guessed := false // this round took a record from a cache (no backoff on RETRY)
	for try := 0; try < maxTries; try++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("redis: %s: %w", what, err)
		}
		rs, err := build()
		if err != nil {
			return nil, err
		}
		// The first round takes each need from the cache when it holds one,
		// under the version last read: the script checks that version
		// before anything else and answers RETRY when the need changed
		// since, and the next rounds read the needs.
		firstRound := try == 0
		guessed = false
		needs := map[string]needState{}
		args := make([]any, 0, 2+len(rs)*reserveWidth)
		args = append(args, s.p, len(rs))
		made := make([]volmatch.Assignment, len(rs)) // returned with the IDs the script gives
		for i, r := range rs {
			st, ok := needs[r.Need]
			if r.need != nil {
				st, ok = *r.need, true
				needs[r.Need] = st
			}
			guessed = guessed || r.cached
			if !ok && firstRound {
				if st, ok = s.needs.latest(r.Need); ok {
					needs[r.Need], guessed = st, true
				}
			}
			if !ok {
				if st, err = s.loadNeed(ctx, r.Need); err != nil {
					return nil, err
				}
				needs[r.Need] = st
			}
			var preA, preB string
			n := st.n
			sh, err := r.Find(n, missing)
			switch {
			case err != nil:
				preA = scriptRefusal(err)
				if n == nil {
					n = &volmatch.Need{ID: r.Need}
				}
			case n.Status != volmatch.NeedOpen && n.Status != "":
				preB = scriptRefusal(volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNeedClosed, "need %s is %s", n.ID, n.Status))
			}
			made[i] = volmatch.NewAssignment(n, sh, r.Volunteer, r.invite, at)
			made[i].Origin, made[i].Team = r.Origin, r.Team
			aj := string(mustJSON(&made[i]))
			if !strings.HasPrefix(aj, `{"id":"",`) {
				return nil, fmt.Errorf("redis: encoded assignment does not start with its id")
			}
			ev := made[i].AcceptedEvent(n)
			ev.Assignment = "\x01" // the script puts the ID it gives in its place
			eb, err := eventJSON(ev)
			if err != nil {
				return nil, err
			}
			evBefore, evAfter, ok := strings.Cut(string(eb), `"assignment":"\u0001"`)
			if !ok {
				return nil, fmt.Errorf("redis: encoded event lacks its assignment")
			}
			args = append(args, r.invite, r.inviteRaw, r.inviteNew, liveField(r.Volunteer, r.Need, r.Shift),
				r.Need, st.ver, r.Shift, sh.Slots, tkey(sh.Start), tkey(sh.End),
				r.Volunteer, missing, preA, preB,
				`{"id":"`, `"`+aj[8:], evBefore+`"assignment":"`, `"`+evAfter, r.volRaw)
		}
		if len(args) != 2+len(rs)*reserveWidth {
			return nil, fmt.Errorf("redis: %s: %d script arguments for %d reservations", what, len(args), len(rs))
		}
		if f, ok := volmatch.FenceFrom(ctx); ok {
			args = append(args, s.idemKey(f.Scope, f.Key), f.Nonce, volmatch.ErrorMessage(volmatch.FenceLost(f.Key)))
		} else {
			args = append(args, "", "", "")
		}
		// A batch (Reserve, at most volmatch.MaxReserve) waits for its
		// script's reply on the bulk client: a reply given up on would
		// leave a committed batch answered as failed.
		var res any
		if what == "reserve" {
			res, err = reserveScript.Run(ctx, s.bulk, s.keys, args...).Result()
		} else {
			res, err = s.pipe.run(ctx, reserveScript, s.keys, args...).Result()
		}
		if err != nil {
			return nil, s.err(what, err)
		}
		if tab, ok := res.([]any); ok && len(tab) == len(rs)+1 && tab[0] == "OK" {
			out := make([]*volmatch.Assignment, len(rs))
			for i := range rs {
				id, _ := tab[i+1].(string)
				if id == "" {
					return nil, fmt.Errorf("redis: %s: the script gave no assignment ID", what)
				}
				made[i].ID = id
				out[i] = &made[i]
			}
			return out, nil
		}
		str, _ := res.(string)
		if str == "RETRY" {
			if !guessed {
				backoff(try)
			}
			continue
		}
		if rest, ok := strings.CutPrefix(str, "E:"); ok {
			idx, rest, _ := strings.Cut(rest, ":")
			e := parseRefusal(rest)
			if list := batchList[what]; list != "" {
				i, _ := strconv.Atoi(idx)
				return nil, volmatch.AtIndex(list, i, e)
			}
			return nil, e
		}
		return nil, fmt.Errorf("redis: %s: unexpected script answer %v", what, res)
	}
	return nil, fmt.Errorf("redis: %s: %w", what, volmatch.Errorf(volmatch.EUNAVAILABLE, "the need kept changing; try again"))
}

// batchList names the list whose element a refusal of a batch concerns.
var batchList = map[string]string{"reserve": "reservations", "accept all": "invitations"}

// scriptRefusal encodes refusal err for the reservation script as
// "code/reason:message" (the reason is left out when it holds a ':'; the
// reasons a reservation refuses with hold none); the script answers its own
// refusals in the same form. parseRefusal reads it back.
func scriptRefusal(err error) string {
	code, reason := volmatch.ErrorCode(err), volmatch.ErrorReason(err)
	if reason != "" && !strings.ContainsAny(reason, ":/") {
		code += "/" + reason
	}
	return code + ":" + volmatch.ErrorMessage(err)
}

// parseRefusal reads a refusal "code[/reason]:message" of the reservation
// script.
func parseRefusal(s string) *volmatch.Error {
	head, msg, _ := strings.Cut(s, ":")
	code, reason, _ := strings.Cut(head, "/")
	return volmatch.Reasonf(code, reason, "%s", msg)
}

// Reserve reserves every slot of rs or none in one script, in order, each
// counting the ones before it; ENOTFOUND for a missing need, shift or
// volunteer and ECONFLICT for a clash, naming the reservation
// (reservations[i]).
func (s *Store) Reserve(ctx context.Context, rs []volmatch.Reservation, at time.Time) ([]*volmatch.Assignment, error) {
	if at.IsZero() {
		at = s.now()
	}
	if err := volmatch.CheckReserveSize(len(rs)); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return []*volmatch.Assignment{}, nil
	}
	return s.reserve(ctx, "reserve", func() ([]reservation, error) {
		out := make([]reservation, len(rs))
		for i, r := range rs {
			out[i] = reservation{Reservation: r}
		}
		return out, nil
	}, at, volmatch.ENOTFOUND)
}

// Assignment returns one assignment; ENOTFOUND if missing.
func (s *Store) Assignment(ctx context.Context, id string) (*volmatch.Assignment, error) {
	return reader[volmatch.Assignment]{s, assignmentKind}.Get(ctx, id)
}

// Assignments lists assignments in ID order (the order they were made).
func (s *Store) Assignments(ctx context.Context, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error) {
	set := s.k("ids", "asg")
	switch {
	case f.Volunteer != "":
		set = s.k("ix", "asgvol", f.Volunteer)
	case f.Need != "" && f.Shift != "":
		set = s.k("ix", "asgshift", f.Need, f.Shift)
	case f.Need != "":
		set = s.k("ix", "asgneed", f.Need)
	}
	return list(ctx, s, set, s.asgKey, f.ListOptions, f.Match, nil)
}

// Advance applies a step (volmatch.Step.Apply) and writes together, in one
// script, the assignment, the volunteer's stats, the fill count and held
// interval when the slot is freed, the event and the changes. ENOTFOUND for
// a missing assignment; ECONFLICT or EINVALID as Apply says. A zero s.At is
// now.
func (s *Store) Advance(ctx context.Context, id string, step volmatch.Step) (*volmatch.Assignment, error) {
	if step.At.IsZero() {
		step.At = s.now()
	}
	var a volmatch.Assignment
	err := s.apply(ctx, "advance", func(o *ops) error {
		a = volmatch.Assignment{}
		raw, ok, err := s.getJSON(ctx, s.asgKey(id), &a)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("assignment", id)
		}
		st, err := s.loadNeed(ctx, a.Need)
		if err != nil {
			return err
		}
		held := a.Status.Holds()
		ev, stats, err := step.Apply(&a, needOrStub(st, a.Need, a.Org))
		if err != nil {
			return err
		}
		o.eq(s.asgKey(id), raw)
		o.heq(s.k("nver"), a.Need, st.ver)
		o.set(s.asgKey(id), mustJSON(&a))
		if stats != nil {
			if err := s.advanceStats(ctx, o, a.Volunteer, stats); err != nil {
				return err
			}
		}
		if held && !a.Status.Holds() {
			o.hincr(s.fillKey(a.Need), a.Shift, -1, true)
			o.hdel(s.k("held", a.Volunteer), a.ID)
			o.derived(volmatch.ChangeNeed, a.Need)
		}
		return o.event(ev)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// advanceStats adds the stats change of a step: the load as an increment,
// the rest as a compare-and-set of the core JSON; a deleted volunteer is
// skipped.
func (s *Store) advanceStats(ctx context.Context, o *ops, vol string, fn func(*volmatch.VolunteerStats)) error {
	p := s.c.TxPipeline()
	ex := p.Exists(ctx, s.volKey(vol))
	h := p.HGetAll(ctx, s.vstKey(vol))
	if _, err := p.Exec(ctx); err != nil {
		return s.err("read volunteer stats", err)
	}
	if ex.Val() == 0 {
		o.exists(s.volKey(vol), false)
		return nil
	}
	cur, err := decodeStats(h.Val())
	if err != nil {
		return err
	}
	next := cur
	fn(&next)
	o.exists(s.volKey(vol), true)
	o.heq(s.vstKey(vol), "core", h.Val()["core"])
	o.hset(s.vstKey(vol), "core", coreJSON(next))
	if d := next.Load - cur.Load; d != 0 {
		o.hincr(s.vstKey(vol), "load", d, false)
	}
	if d := next.Declined - cur.Declined; d != 0 {
		o.hincr(s.vstKey(vol), "declined", d, false)
	}
	o.derived(volmatch.ChangeVolunteer, vol)
	return nil
}

// HeldSlots returns the slots each named volunteer holds, from their held
// hashes in one round trip, or every volunteer's when none is named (a walk
// of every assignment, for a follower's start). See
// volmatch.AssignmentStore.
func (s *Store) HeldSlots(ctx context.Context, volunteers ...string) (map[string][]volmatch.HeldSlot, error) {
	out := map[string][]volmatch.HeldSlot{}
	if len(volunteers) == 0 {
		err := each(ctx, s, s.k("ids", "asg"), s.asgKey, nil, func(a *volmatch.Assignment) error {
			if a.Status.Holds() {
				out[a.Volunteer] = append(out[a.Volunteer], volmatch.HeldSlot{Assignment: a.ID, Start: a.Start, End: a.End})
			}
			return nil
		})
		return out, err
	}
	p := s.c.Pipeline()
	hs := make([]*goredis.MapStringStringCmd, len(volunteers))
	for i, id := range volunteers {
		hs[i] = p.HGetAll(ctx, s.k("held", id))
	}
	if _, err := p.Exec(ctx); err != nil {
		return nil, s.err("read held slots", err)
	}
	for i, id := range volunteers {
		slots, err := heldSlots(id, hs[i].Val())
		if err != nil {
			return nil, err
		}
		if len(slots) > 0 {
			out[id] = slots
		}
	}
	return out, nil
}

// heldSlots decodes the held hash h of volunteer id, in assignment order.
func heldSlots(id string, h map[string]string) ([]volmatch.HeldSlot, error) {
	if len(h) == 0 {
		return nil, nil
	}
	slots := make([]volmatch.HeldSlot, 0, len(h))
	for aid, v := range h {
		f := strings.Split(v, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("redis: held slot %s of %s: %q is not NEED\\tSHIFT\\tSTART\\tEND", aid, id, v)
		}
		start, err1 := untkey(f[2])
		end, err2 := untkey(f[3])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("redis: held slot %s of %s: bad time in %q", aid, id, v)
		}
		slots = append(slots, volmatch.HeldSlot{Assignment: aid, Start: start, End: end})
	}
	slices.SortFunc(slots, func(a, b volmatch.HeldSlot) int { return strings.Compare(a.Assignment, b.Assignment) })
	return slots, nil
}

// VolunteerStatsHeld reads, in one round trip, the Stats and the held
// slots of the volunteers of ids: all that a derived change of a volunteer
// (volmatch.Change.Derived) changes, so the follower need not read and
// decode their records. A missing volunteer is left out of stats.
func (s *Store) VolunteerStatsHeld(ctx context.Context, ids []string) (map[string]volmatch.VolunteerStats, map[string][]volmatch.HeldSlot, error) {
	p := s.c.TxPipeline()
	ex := make([]*goredis.IntCmd, len(ids))
	st := make([]*goredis.MapStringStringCmd, len(ids))
	hs := make([]*goredis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		ex[i] = p.Exists(ctx, s.volKey(id))
		st[i] = p.HGetAll(ctx, s.vstKey(id))
		hs[i] = p.HGetAll(ctx, s.k("held", id))
	}
	if _, err := p.Exec(ctx); err != nil {
		return nil, nil, s.err("read volunteer stats", err)
	}
	stats := make(map[string]volmatch.VolunteerStats, len(ids))
	held := make(map[string][]volmatch.HeldSlot, len(ids))
	for i, id := range ids {
		if ex[i].Val() == 0 {
			continue
		}
		var err error
		if stats[id], err = decodeStats(st[i].Val()); err != nil {
			return nil, nil, err
		}
		if held[id], err = heldSlots(id, hs[i].Val()); err != nil {
			return nil, nil, err
		}
	}
	return stats, held, nil
}

// untkey reads a time written by tkey.
func untkey(s string) (time.Time, error) {
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(u^(1<<63))).UTC(), nil
}
