package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// A volunteer is two keys: vol:ID holds the record as JSON with zero Stats,
// and vst:ID a hash of the derived stats: "load" and "declined" as integers
// (scripts add to them) and "core" as the JSON of the rest, which Advance
// replaces by compare-and-set.

func (s *Store) volKey(id string) string { return s.k("vol", id) }
func (s *Store) vstKey(id string) string { return s.k("vst", id) }

// coreJSON encodes the stats that only Advance changes.
func coreJSON(st volmatch.VolunteerStats) string {
	st.Load, st.Declined = 0, 0
	return string(mustJSON(st))
}

// decodeStats rebuilds Stats from the vst hash.
func decodeStats(h map[string]string) (volmatch.VolunteerStats, error) {
	var st volmatch.VolunteerStats
	if c := h["core"]; c != "" {
		if err := json.Unmarshal([]byte(c), &st); err != nil {
			return st, fmt.Errorf("redis: decode volunteer stats: %w", err)
		}
	} else {
		st.Reliability = volmatch.VolunteerStats{}.ReliabilityScore()
	}
	st.Load, _ = strconv.Atoi(h["load"])
	st.Declined, _ = strconv.Atoi(h["declined"])
	return st, nil
}

// putStats writes the whole of st for volunteer id.
func (s *Store) putStats(o *ops, id string, st volmatch.VolunteerStats) {
	k := s.vstKey(id)
	o.del(k)
	o.hset(k, "core", coreJSON(st))
	if st.Load != 0 {
		o.hset(k, "load", st.Load)
	}
	if st.Declined != 0 {
		o.hset(k, "declined", st.Declined)
	}
}

// record returns the stored form of v: Stats zeroed.
func record(v *volmatch.Volunteer) []byte {
	c := *v
	c.Stats = volmatch.VolunteerStats{}
	return mustJSON(&c)
}

// statsPrep reads a volunteer's stats hash along with its record.
func (s *Store) statsPrep(p goredis.Pipeliner, id string) func(*volmatch.Volunteer) error {
	h := p.HGetAll(context.Background(), s.vstKey(id))
	return func(v *volmatch.Volunteer) error {
		st, err := decodeStats(h.Val())
		v.Stats = st
		return err
	}
}

// CreateVolunteer stores a new volunteer with fresh Stats; ECONFLICT if the
// ID exists. It sets v.Stats and v.UpdatedAt.
func (s *Store) CreateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	return volmatch.WriteRecord(v, s.now(), volmatch.WriteCreate, func(c *volmatch.Volunteer) error {
		return s.apply(ctx, "create volunteer", func(o *ops) error {
			o.expect(s.volKey(c.ID), volmatch.WriteCreate, "volunteer", c.ID)
			s.putVolunteer(o, c)
			return nil
		})
	})
}

// putVolunteer adds the writes of volunteer c: the record, its stats and
// its ID, with the change.
func (s *Store) putVolunteer(o *ops, c *volmatch.Volunteer) {
	o.set(s.volKey(c.ID), record(c))
	s.putStats(o, c.ID, c.Stats)
	o.zadd(s.k("ids", "vol"), c.ID)
	o.change(volmatch.ChangeVolunteer, c.ID, false)
}

// UpdateVolunteer replaces a volunteer's client-written fields, keeping the
// stored Stats and Hidden; ENOTFOUND if missing.
func (s *Store) UpdateVolunteer(ctx context.Context, v *volmatch.Volunteer) error {
	return volmatch.WriteRecord(v, s.now(), volmatch.WriteUpdate, func(c *volmatch.Volunteer) error {
		err := s.apply(ctx, "update volunteer", func(o *ops) error {
			var old volmatch.Volunteer
			raw, ok, err := s.getJSON(ctx, s.volKey(c.ID), &old)
			if err != nil {
				return err
			}
			if err := volmatch.WriteUpdate.Check("volunteer", c.ID, ok); err != nil {
				return err
			}
			c.KeepDerived(&old) // the stored record's Stats are zero: the hash holds them
			o.eq(s.volKey(c.ID), raw)
			o.set(s.volKey(c.ID), record(c))
			o.change(volmatch.ChangeVolunteer, c.ID, false)
			return nil
		})
		if err != nil {
			return err
		}
		h, err := s.c.HGetAll(ctx, s.vstKey(c.ID)).Result()
		if err != nil {
			return s.err("read volunteer stats", err)
		}
		c.Stats, err = decodeStats(h)
		return err
	})
}

// PutVolunteers creates or replaces all of vs as given (Stats and Hidden
// included) in one script: the import path.
func (s *Store) PutVolunteers(ctx context.Context, vs []*volmatch.Volunteer) error {
	cs, err := volmatch.PrepareRecords("volunteers", vs, s.now(), volmatch.WritePut)
	if err != nil {
		return err
	}
	return s.applyOn(ctx, true, "put volunteers", func(o *ops) error {
		for _, c := range cs {
			s.putVolunteer(o, c)
		}
		return nil
	})
}

// Volunteer returns one volunteer; ENOTFOUND if missing.
func (s *Store) Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error) {
	out, _, err := fetch(ctx, s, s.c, []string{id}, s.volKey, s.statsPrep)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, volmatch.NotFoundError("volunteer", id)
	}
	return out[0], nil
}

// VolunteersByID reads the volunteers of ids in one round trip, leaving
// out the missing ones (the follower reads a page of changes so).
func (s *Store) VolunteersByID(ctx context.Context, ids []string) (map[string]*volmatch.Volunteer, error) {
	vs, kept, err := fetch(ctx, s, s.c, ids, s.volKey, s.statsPrep)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*volmatch.Volunteer, len(vs))
	for i, v := range vs {
		out[kept[i]] = v
	}
	return out, nil
}

// DeleteVolunteer removes a volunteer and its stats; ENOTFOUND if missing.
// Assignments and events that name the volunteer stay.
func (s *Store) DeleteVolunteer(ctx context.Context, id string) error {
	return s.apply(ctx, "delete volunteer", func(o *ops) error {
		o.expect(s.volKey(id), volmatch.WriteUpdate, "volunteer", id)
		o.del(s.volKey(id))
		o.del(s.vstKey(id))
		o.zrem(s.k("ids", "vol"), id)
		o.change(volmatch.ChangeVolunteer, id, true)
		return nil
	})
}

// Volunteers lists volunteers in ID order.
func (s *Store) Volunteers(ctx context.Context, f volmatch.VolunteerFilter) ([]*volmatch.Volunteer, string, error) {
	return list(ctx, s, s.k("ids", "vol"), s.volKey, f.ListOptions, f.Match, s.statsPrep)
}

// EachVolunteer calls fn for every volunteer in ID order.
func (s *Store) EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error {
	return each(ctx, s, s.k("ids", "vol"), s.volKey, s.statsPrep, fn)
}
