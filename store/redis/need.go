package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// A need is need:ID (JSON, shifts with Filled zero), its fill counts in the
// hash fill:ID (shift -> holding assignments) and its version in the hash
// nver (ID -> a fresh stamp on every write). Reservations check the
// version, so they never act on a need that changed after it was read.

func (s *Store) needKey(id string) string { return s.k("need", id) }
func (s *Store) fillKey(id string) string { return s.k("fill", id) }

// needState is a need as read: the record with Filled set, its raw fill
// counts and its version ("" when missing).
type needState struct {
	n     *volmatch.Need
	fills map[string]string
	ver   string
}

// loadNeed reads need id, its fills and version in one transaction. The
// decoded record is kept by version (needCache), so a need read again
// unchanged, as every accept of its shifts does, is not decoded again.
func (s *Store) loadNeed(ctx context.Context, id string) (needState, error) {
	p := s.c.TxPipeline()
	g := p.Get(ctx, s.needKey(id))
	f := p.HGetAll(ctx, s.fillKey(id))
	v := p.HGet(ctx, s.k("nver"), id)
	if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
		return needState{}, s.err("read need", err)
	}
	st := needState{fills: f.Val(), ver: v.Val()}
	raw, err := g.Result()
	if err == goredis.Nil {
		return st, nil
	}
	n, ok := s.needs.get(id, st.ver)
	if !ok {
		n = new(volmatch.Need)
		if err := json.Unmarshal([]byte(raw), n); err != nil {
			return st, fmt.Errorf("redis: decode need %s: %w", id, err)
		}
		s.needs.put(id, st.ver, n)
	}
	setFilled(n, st.fills)
	st.n = n
	return st, nil
}

// needCache keeps decoded needs by ID and version. The version is a fresh
// stamp written in the same script as every write of the need (nver), and
// read in the same transaction as the record, so a record cached under a
// version is exactly the record stored under it: the cache never serves a
// stale need, on one replica or many. It holds at most maxCachedNeeds.
type needCache struct {
	mu sync.Mutex
	m  map[string]cachedNeed
}

type cachedNeed struct {
	ver string
	n   *volmatch.Need // never handed out: callers get clones
}

const maxCachedNeeds = 10000

func (c *needCache) get(id, ver string) (*volmatch.Need, bool) {
	if ver == "" {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || e.ver != ver {
		return nil, false
	}
	return e.n.Clone(), true
}

// latest returns the need last cached under id with its version, shared:
// the caller must not change it. The version may be stale; a script that
// checks it (nver) then answers RETRY.
func (c *needCache) latest(id string) (needState, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok {
		return needState{}, false
	}
	return needState{n: e.n, ver: e.ver}, true
}

func (c *needCache) put(id, ver string, n *volmatch.Need) {
	if ver == "" {
		return
	}
	cn := n.Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedNeeds {
		c.m = make(map[string]cachedNeed)
	}
	c.m[id] = cachedNeed{ver: ver, n: cn}
}

func setFilled(n *volmatch.Need, fills map[string]string) {
	for i := range n.Shifts {
		n.Shifts[i].Filled, _ = strconv.Atoi(fills[n.Shifts[i].ID])
	}
}

// fillPrep reads a need's fill counts along with its record.
func (s *Store) fillPrep(p goredis.Pipeliner, id string) func(*volmatch.Need) error {
	h := p.HGetAll(context.Background(), s.fillKey(id))
	return func(n *volmatch.Need) error {
		setFilled(n, h.Val())
		return nil
	}
}

// needOrStub returns the need for an event, or a stub with the ID when the
// need was deleted.
func needOrStub(st needState, id, org string) *volmatch.Need {
	if st.n == nil {
		return &volmatch.Need{ID: id, Org: org}
	}
	return st.n
}

// writeNeed reads the stored need, applies volmatch's rules to n (a copy,
// see Need.PrepareStore) and adds the writes, conditioned on the need and
// its fills as read.
func (s *Store) writeNeed(ctx context.Context, o *ops, n *volmatch.Need, now time.Time, m volmatch.WriteMode) error {
	st, err := s.loadNeed(ctx, n.ID)
	if err != nil {
		return err
	}
	stored, ev, err := n.PrepareStore(st.n, now, m)
	if err != nil {
		return err
	}
	// The conditions: the version as read (absent for a new need) and every
	// fill count as read, so a reservation in between makes this round retry.
	o.heq(s.k("nver"), n.ID, st.ver)
	if m == volmatch.WriteCreate {
		o.expect(s.needKey(n.ID), m, "need", n.ID)
	}
	for shift, v := range st.fills {
		o.heq(s.fillKey(n.ID), shift, v)
	}
	o.set(s.needKey(n.ID), mustJSON(stored))
	o.hset(s.k("nver"), n.ID, nonce())
	o.zadd(s.k("ids", "need"), n.ID)
	o.change(volmatch.ChangeNeed, n.ID, false)
	setFilled(n, st.fills)
	if ev != nil {
		return o.event(*ev)
	}
	return nil
}

// saveNeed writes n in one script; each round works on a fresh copy, as the
// stored need it reads may have changed.
func (s *Store) saveNeed(ctx context.Context, n *volmatch.Need, m volmatch.WriteMode) error {
	now := s.now()
	return volmatch.WriteRecord(n, now, m, func(c *volmatch.Need) error {
		var w *volmatch.Need
		err := s.apply(ctx, "save need", func(o *ops) error {
			w = c.Clone()
			return s.writeNeed(ctx, o, w, now, m)
		})
		if err == nil {
			*c = *w
		}
		return err
	})
}

// PutNeeds creates or replaces all of ns in one script (import), appending
// need.posted for the new ones; the shift rules of UpdateNeed apply to the
// replaced ones.
func (s *Store) PutNeeds(ctx context.Context, ns []*volmatch.Need) error {
	now := s.now()
	cs, err := volmatch.PrepareRecords("needs", ns, now, volmatch.WritePut)
	if err != nil {
		return err
	}
	// A later copy of an ID replaces an earlier one within the batch; the
	// store reads each need once, so only the last copy is written.
	last := map[string]int{}
	for i, c := range cs {
		last[c.ID] = i
	}
	return s.applyOn(ctx, true, "put needs", func(o *ops) error {
		for i, c := range cs {
			if last[c.ID] != i {
				continue
			}
			if err := s.writeNeed(ctx, o, c.Clone(), now, volmatch.WritePut); err != nil {
				return volmatch.AtIndex("needs", i, err)
			}
		}
		return nil
	})
}

// Need returns one need with its shifts' Filled; ENOTFOUND if missing.
func (s *Store) Need(ctx context.Context, id string) (*volmatch.Need, error) {
	st, err := s.loadNeed(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.n == nil {
		return nil, volmatch.NotFoundError("need", id)
	}
	return st.n, nil
}

// DeleteNeed removes a need; ENOTFOUND if missing; ECONFLICT if any
// assignment names it (close or cancel it instead, so records stay whole).
func (s *Store) DeleteNeed(ctx context.Context, id string) error {
	return s.apply(ctx, "delete need", func(o *ops) error {
		o.expect(s.needKey(id), volmatch.WriteUpdate, "need", id)
		o.zempty(s.k("ix", "asgneed", id), volmatch.ECONFLICT, fmt.Sprintf("need %s holds assignments; close or cancel it instead", id))
		o.del(s.needKey(id))
		o.del(s.fillKey(id))
		o.hdel(s.k("nver"), id)
		o.zrem(s.k("ids", "need"), id)
		o.change(volmatch.ChangeNeed, id, true)
		return nil
	})
}

// Needs lists needs in ID order, with their shifts' Filled.
func (s *Store) Needs(ctx context.Context, f volmatch.NeedFilter) ([]*volmatch.Need, string, error) {
	return list(ctx, s, s.k("ids", "need"), s.needKey, f.ListOptions, f.Match, s.fillPrep)
}

// EachNeed calls fn for every need in ID order, with their shifts' Filled.
func (s *Store) EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error {
	return each(ctx, s, s.k("ids", "need"), s.needKey, s.fillPrep, fn)
}
