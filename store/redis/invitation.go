package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// An invitation is inv:ID (JSON); the hash live maps VOLUNTEER:NEED:SHIFT
// to the ID of the sent (live) invitation of that volunteer to that shift.

func (s *Store) invKey(id string) string { return s.k("inv", id) }

func liveField(vol, need, shift string) string { return vol + ":" + need + ":" + shift }

// createInvitations writes invs and then evs in one apply script and
// returns, with a refusal, the index of the invitation it concerns (-1 for
// other errors).
// It reads the batch's records and live-index entries in a few round
// trips, whatever the number of invitations stored.
func (s *Store) createInvitations(ctx context.Context, invs []*volmatch.Invitation, evs []volmatch.Event) (int, error) {
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return -1, err
	}
	return volmatch.WriteInvitations(invs, s.now(), func(cs []volmatch.Invitation) (int, error) {
		lfs := make([]string, len(cs))
		for i, c := range cs {
			lfs[i] = liveField(c.Volunteer, c.Need, c.Shift)
		}
		bad := -1
		var raws []string // each one's JSON as written, for sent
		err := s.apply(ctx, "create invitations", func(o *ops) (err error) {
			if bad, raws, err = s.inviteOps(ctx, o, cs, lfs); err != nil {
				return err
			}
			for _, ev := range evs {
				if err := o.event(ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for i := range cs {
				c := cs[i] // a copy of its own: cs goes back to the caller
				s.sent.put(c.ID, raws[i], &c)
			}
		}
		return bad, err
	})
}

// inviteOps reads what the checks of cs need (Invitation.Check), in a few
// round trips whatever the batch's size, and adds the writes of cs, with
// their live entries (lfs) and invite.sent events, conditioned on what it
// read; it sets each one's Org. It returns each one's JSON as written, or,
// with a refusal, the index of the invitation it concerns.
func (s *Store) inviteOps(ctx context.Context, o *ops, cs []volmatch.Invitation, lfs []string) (int, []string, error) {
	needs := map[string]needState{}
	for _, c := range cs {
		if _, ok := needs[c.Need]; !ok {
			st, err := s.loadNeed(ctx, c.Need)
			if err != nil {
				return -1, nil, err
			}
			needs[c.Need] = st
		}
	}
	// One round trip for the rest: the IDs, the volunteers and the live
	// index entries of the batch (never a scan of all invitations).
	p := s.c.Pipeline()
	idEx := make([]*goredis.IntCmd, len(cs))
	volEx := map[string]*goredis.IntCmd{}
	for i, c := range cs {
		idEx[i] = p.Exists(ctx, s.invKey(c.ID))
		if volEx[c.Volunteer] == nil {
			volEx[c.Volunteer] = p.Exists(ctx, s.volKey(c.Volunteer))
		}
	}
	liveCmd := p.HMGet(ctx, s.k("live"), lfs...)
	if _, err := p.Exec(ctx); err != nil {
		return -1, nil, s.err("read invitations", err)
	}
	live := liveCmd.Val()
	for i, c := range cs {
		liveID, _ := live[i].(string)
		if _, err := c.Check(idEx[i].Val() > 0, needs[c.Need].n, volEx[c.Volunteer].Val() > 0, liveID); err != nil {
			return i, nil, err
		}
	}
	// The conditions: a clash written since the reads above makes the
	// script answer RETRY, and the next round names it.
	for id, st := range needs {
		o.heq(s.k("nver"), id, st.ver)
	}
	for vol := range volEx {
		o.exists(s.volKey(vol), true)
	}
	for i, c := range cs {
		o.exists(s.invKey(c.ID), false)
		o.heq(s.k("live"), lfs[i], "")
	}
	raws := make([]string, len(cs))
	for i := range cs {
		c := &cs[i]
		n := needs[c.Need].n
		sh, _ := n.Shift(c.Shift) // Check found it
		c.Org = n.Org
		raw := mustJSON(c)
		raws[i] = string(raw)
		o.set(s.invKey(c.ID), raw)
		o.zadd(s.k("ids", "inv"), c.ID)
		o.hset(s.k("live"), lfs[i], c.ID)
		if err := o.event(c.SentEvent(n, sh)); err != nil {
			return -1, nil, err
		}
	}
	return -1, raws, nil
}

// hget reads a hash field; ok false when missing.
func (s *Store) hget(ctx context.Context, key, field string) (string, bool, error) {
	v, err := s.c.HGet(ctx, key, field).Result()
	if err != nil {
		if err == goredis.Nil {
			return "", false, nil
		}
		return "", false, s.err("read", err)
	}
	return v, true, nil
}

// Invitation returns one invitation; ENOTFOUND if missing.
func (s *Store) Invitation(ctx context.Context, id string) (*volmatch.Invitation, error) {
	return reader[volmatch.Invitation]{s, invitationKind}.Get(ctx, id)
}

// Invitations lists invitations in ID order.
func (s *Store) Invitations(ctx context.Context, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error) {
	if f.Status == volmatch.InviteSent && f.Volunteer != "" && f.Need != "" {
		return s.liveInvitations(ctx, f)
	}
	return reader[volmatch.Invitation]{s, invitationKind}.list(ctx, f.ListOptions, f.Match)
}

// liveInvitations lists a volunteer's sent invitations to a need from the
// live hash (its fields VOLUNTEER:NEED:* name them; IDs hold no ':' nor
// glob characters), so no invitation record but those is read. The hash
// is still iterated server-side (HSCAN MATCH), which costs far less than
// reading every invitation but grows with the number of live ones.
func (s *Store) liveInvitations(ctx context.Context, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error) {
	limit, err := f.PageSize()
	if err != nil {
		return nil, "", err
	}
	var ids []string
	var cursor uint64
	for {
		kvs, next, err := s.c.HScan(ctx, s.k("live"), cursor, liveField(f.Volunteer, f.Need, "*"), 1000).Result()
		if err != nil {
			return nil, "", s.err("scan live invitations", err)
		}
		for i := 1; i < len(kvs); i += 2 {
			if kvs[i] > f.After {
				ids = append(ids, kvs[i])
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids) // HSCAN may return an entry twice
	recs, _, err := fetch[volmatch.Invitation](ctx, s, s.c, ids, s.invKey, nil)
	if err != nil {
		return nil, "", err
	}
	var out []*volmatch.Invitation
	for _, inv := range recs {
		if !f.Match(inv) {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, inv)
	}
	return out, "", nil
}

// loadSent reads an invitation that must still be sent, with its raw JSON.
func (s *Store) loadSent(ctx context.Context, id string) (*volmatch.Invitation, string, error) {
	var inv volmatch.Invitation
	raw, ok, err := s.getJSON(ctx, s.invKey(id), &inv)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", volmatch.NotFoundError("invitation", id)
	}
	if inv.Status != volmatch.InviteSent {
		return nil, "", volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "invitation %s is %s", id, inv.Status)
	}
	return &inv, raw, nil
}

// Accept reserves the invitation's slot atomically in one script (see
// volmatch.InvitationStore): ENOTFOUND for a missing invitation, ECONFLICT
// when it is not sent, the need, shift or volunteer is gone, or the checks
// of CheckReservation refuse. Two round trips: the read of the invitation,
// its need and its volunteer (one script, acceptView) and the reservation
// script.
func (s *Store) Accept(ctx context.Context, inviteID string, at time.Time) (*volmatch.Assignment, error) {
	return s.AcceptChecked(ctx, inviteID, at, nil)
}

// AcceptChecked is Accept with the caller's check (see
// volmatch.InvitationStore). The reservation script reserves only while
// the invitation, its need and its volunteer are as check saw them (the
// invitation's JSON, the need's version, the volunteer's JSON); otherwise
// they are read again and check runs again.
//
// An accept usually takes one round trip: when this replica holds the
// invitation (it sent it: Store.sent), its need (needCache) and its
// volunteer (read for an earlier accept: Store.vols), check runs on those and the
// reservation script is the only call (acceptCached). Otherwise, and
// whenever check refuses or the script finds one of them changed, the
// three are read in one round trip first (acceptView), each decoded once.
// The shifts' Filled that check sees are those last read (cached: they
// may lag); the script counts the slots itself.
func (s *Store) AcceptChecked(ctx context.Context, inviteID string, at time.Time, check volmatch.AcceptCheck) (*volmatch.Assignment, error) {
	if at.IsZero() {
		at = s.now()
	}
	fromCache := check != nil
	as, err := s.reserve(ctx, "accept", func() ([]reservation, error) {
		if fromCache {
			fromCache = false
			if r, ok := s.acceptCached(inviteID, at, check); ok {
				return []reservation{r}, nil
			}
		}
		view, err := s.acceptView(ctx, inviteID, check != nil)
		if err != nil {
			return nil, err
		}
		inv := view.inv
		volRaw := "" // the script checks only that the volunteer exists
		if check != nil {
			if err := check(inv, view.need.n, view.vol); err != nil {
				return nil, err
			}
			volRaw = "-" // check saw no volunteer: there must still be none
			if view.vol != nil {
				volRaw = "=" + view.volRaw
				s.vols.put(inv.Volunteer, view.volRaw, view.vol)
			}
		}
		if inv.Status != volmatch.InviteSent {
			return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "invitation %s is %s", inv.ID, inv.Status)
		}
		return []reservation{acceptReservation(inv, view.invRaw, volRaw, view.need, at, false)}, nil
	}, at, volmatch.ECONFLICT)
	s.sent.drop(inviteID) // answered now, or to be read again
	if err != nil {
		return nil, err
	}
	return as[0], nil
}

// acceptCached builds the reservation of an accept from this replica's
// caches when they hold the invitation (sent), its need and its volunteer
// and check passes on them; false otherwise, and whenever check refuses
// (a refusal is given only on records read from the store).
func (s *Store) acceptCached(id string, at time.Time, check volmatch.AcceptCheck) (reservation, bool) {
	ie, ok := s.sent.get(id)
	if !ok || ie.v.Status != volmatch.InviteSent {
		return reservation{}, false
	}
	inv := ie.v
	ve, ok := s.vols.get(inv.Volunteer)
	if !ok {
		return reservation{}, false
	}
	st, ok := s.needs.latest(inv.Need)
	if !ok {
		return reservation{}, false
	}
	if check(inv, st.n, ve.v) != nil {
		return reservation{}, false
	}
	return acceptReservation(inv, ie.raw, "="+ve.raw, st, at, true), true
}

// acceptReservation is the reservation that accepts sent invitation inv
// (its JSON raw) at at, with the volunteer's JSON volRaw and the need st
// that the caller's check saw.
func acceptReservation(inv *volmatch.Invitation, raw, volRaw string, st needState, at time.Time, cached bool) reservation {
	acc := *inv
	acc.Status, acc.RespondedAt = volmatch.InviteAccepted, at
	return reservation{
		Reservation: volmatch.Reservation{Need: inv.Need, Shift: inv.Shift, Volunteer: inv.Volunteer, Origin: inv.Origin, Team: inv.Team},
		invite:      inv.ID, inviteRaw: raw, inviteNew: string(mustJSON(&acc)), volRaw: volRaw,
		need: &st, cached: cached,
	}
}

// acceptRead is what acceptView read: the invitation, its need (with
// Filled, from the cache when its version is cached) and, when asked, its
// volunteer without Stats (nil when gone; the gates read no stats).
type acceptRead struct {
	inv    *volmatch.Invitation
	invRaw string
	need   needState
	vol    *volmatch.Volunteer
	volRaw string
}

// acceptView reads invitation id, its need and, when withVol, its volunteer
// in one round trip (the script acceptViewSrc); ENOTFOUND for a missing
// invitation. The need is cached under the version read (needCache), so the
// reservation script's first round checks that version without reading
// the need again.
func (s *Store) acceptView(ctx context.Context, id string, withVol bool) (acceptRead, error) {
	// First without the need's JSON; again with it when the need's version
	// is not cached (the first accept of a need, or of a new version).
	out, missed, err := s.acceptViewOnce(ctx, id, withVol, false)
	if missed && err == nil {
		out, _, err = s.acceptViewOnce(ctx, id, withVol, true)
	}
	return out, err
}

// acceptViewOnce runs acceptViewSrc once, with the need's JSON when
// withNeed; missed tells that the need exists but was not read and its
// version is not cached.
func (s *Store) acceptViewOnce(ctx context.Context, id string, withVol, withNeed bool) (out acceptRead, missed bool, err error) {
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	res, err := s.pipe.run(ctx, acceptViewScript, s.keys, s.p, id, flag(withVol), flag(withNeed)).Slice()
	if err != nil {
		return out, false, s.err("read invitation", err)
	}
	if len(res) == 0 {
		return out, false, volmatch.NotFoundError("invitation", id)
	}
	out.invRaw, _ = res[0].(string)
	out.inv = new(volmatch.Invitation)
	if err := json.Unmarshal([]byte(out.invRaw), out.inv); err != nil {
		return out, false, fmt.Errorf("redis: decode invitation %s: %w", id, err)
	}
	if len(res) != 5 {
		return out, false, fmt.Errorf("redis: read invitation %s: %d values, want 5", id, len(res))
	}
	ver, _ := res[1].(string)
	needRaw, _ := res[2].(string)
	flat, _ := res[3].([]any)
	out.volRaw, _ = res[4].(string)
	fills := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		fills[k] = v
	}
	out.need = needState{fills: fills, ver: ver}
	if needRaw != "" {
		n, ok := s.needs.get(out.inv.Need, ver)
		if !ok {
			if needRaw == "-" {
				return out, true, nil
			}
			n = new(volmatch.Need)
			if err := json.Unmarshal([]byte(needRaw), n); err != nil {
				return out, false, fmt.Errorf("redis: decode need %s: %w", out.inv.Need, err)
			}
			s.needs.put(out.inv.Need, ver, n)
		}
		setFilled(n, fills)
		out.need.n = n
	}
	if withVol && out.volRaw != "" {
		out.vol = new(volmatch.Volunteer)
		if err := json.Unmarshal([]byte(out.volRaw), out.vol); err != nil {
			return out, false, fmt.Errorf("redis: decode volunteer %s: %w", out.inv.Volunteer, err)
		}
	}
	return out, false, nil
}

// Decline marks a sent invitation declined, counts it in the volunteer's
// Stats.Declined and appends invite.declined; ENOTFOUND if missing,
// ECONFLICT when it is not sent.
func (s *Store) Decline(ctx context.Context, inviteID string, at time.Time) (*volmatch.Invitation, error) {
	if at.IsZero() {
		at = s.now()
	}
	s.sent.drop(inviteID)
	var inv *volmatch.Invitation
	err := s.apply(ctx, "decline", func(o *ops) error {
		var raw string
		var err error
		inv, raw, err = s.loadSent(ctx, inviteID)
		if err != nil {
			return err
		}
		st, err := s.loadNeed(ctx, inv.Need)
		if err != nil {
			return err
		}
		volExists, err := s.c.Exists(ctx, s.volKey(inv.Volunteer)).Result()
		if err != nil {
			return s.err("read volunteer", err)
		}
		inv.Status, inv.RespondedAt = volmatch.InviteDeclined, at
		o.eq(s.invKey(inv.ID), raw)
		o.heq(s.k("nver"), inv.Need, st.ver)
		o.exists(s.volKey(inv.Volunteer), volExists > 0)
		o.set(s.invKey(inv.ID), mustJSON(inv))
		o.hdel(s.k("live"), liveField(inv.Volunteer, inv.Need, inv.Shift))
		if volExists > 0 {
			o.hincr(s.vstKey(inv.Volunteer), "declined", 1, false)
			o.derived(volmatch.ChangeVolunteer, inv.Volunteer)
		}
		return o.event(inv.DeclinedEvent(needOrStub(st, inv.Need, inv.Org), at))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}
