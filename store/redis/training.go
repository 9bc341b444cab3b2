package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// The course library and its enrolments (volmatch.TrainingStore):
// course:ID (JSON, Enrolled not kept) in ids:course; seats:C, a hash of
// session -> seats held; enr:ID (JSON) in ids:enr, ix:enrvol:V and
// ix:enrcourse:C; tenr:V, a hash of the volunteer's seat-holding
// enrolments (ID -> course, session, start, end). Enrol runs one script
// that checks the seats, the volunteer's sessions (tenr:V) and shifts
// (held:V) and writes, so seats are never overfilled and no two of a
// volunteer's sessions or shifts overlap, on any number of replicas.

// enrolSrc takes a seat. ARGV: 1 key prefix, 2 course, 3 session,
// 4 volunteer, 5 enrolment ID, 6 the course JSON as read (RETRY when it
// changed), 7 seats, 8 start, 9 end (tkey), 10 the enrolment JSON,
// 11 a refusal found by the caller ("" for none). It answers "OK", "RETRY"
// or "E:code[/reason]:message".
const enrolSrc = `
local P, cid, sid, vol, eid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local st, en = ARGV[8], ARGV[9]
if (redis.call('GET', P .. 'course:' .. cid) or '') ~= ARGV[6] then return 'RETRY' end
if ARGV[11] ~= '' then return 'E:' .. ARGV[11] end
if redis.call('EXISTS', P .. 'vol:' .. vol) == 0 then return 'E:not_found:volunteer ' .. vol .. ' not found' end
if redis.call('EXISTS', P .. 'enr:' .. eid) == 1 then return 'E:conflict:enrolment ' .. eid .. ' already exists' end
local h = redis.call('HGETALL', P .. 'tenr:' .. vol)
for x = 1, #h, 2 do
  local hc, hs, hst, hen = string.match(h[x+1], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$')
  if hc == cid and hs == sid then
    return 'E:conflict/already_held:volunteer already holds a seat of session ' .. sid
  end
  if hst < en and st < hen then
    return 'E:conflict/shift_clash:volunteer is enrolled in session ' .. hs .. ' of course ' .. hc .. ' at that time'
  end
end
h = redis.call('HGETALL', P .. 'held:' .. vol)
for x = 1, #h, 2 do
  local hn, hs, hst, hen = string.match(h[x+1], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$')
  if hst < en and st < hen then
    return 'E:conflict/shift_clash:volunteer serves shift ' .. hs .. ' of need ' .. hn .. ' at that time'
  end
end
local filled = tonumber(redis.call('HGET', P .. 'seats:' .. cid, sid) or '0')
if filled >= tonumber(ARGV[7]) then
  return 'E:conflict/slot_full:session ' .. sid .. ' of course ' .. cid .. ' is full (' .. filled .. ' of ' .. ARGV[7] .. ' seats)'
end
redis.call('SET', P .. 'enr:' .. eid, ARGV[10])
redis.call('ZADD', P .. 'ids:enr', 0, eid)
redis.call('ZADD', P .. 'ix:enrvol:' .. vol, 0, eid)
redis.call('ZADD', P .. 'ix:enrcourse:' .. cid, 0, eid)
redis.call('HINCRBY', P .. 'seats:' .. cid, sid, 1)
redis.call('HSET', P .. 'tenr:' .. vol, eid, cid .. '\t' .. sid .. '\t' .. st .. '\t' .. en)
return 'OK'
`

var enrolScript = goredis.NewScript(enrolSrc)

// seatsOf returns the seats held of each session of course id.
func (s *Store) seatsOf(ctx context.Context, id string) (map[string]int, error) {
	m, err := s.c.HGetAll(ctx, s.k("seats", id)).Result()
	if err != nil {
		return nil, s.err("read seats", err)
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("redis: seats of %s: %w", id, err)
		}
		out[k] = n
	}
	return out, nil
}

func (s *Store) writeCourse(ctx context.Context, c *volmatch.Course, m volmatch.WriteMode) error {
	return volmatch.WriteRecord(c, s.now(), m, func(c *volmatch.Course) error {
		var seats map[string]int
		err := s.apply(ctx, "write course", func(o *ops) error {
			key := s.k("course", c.ID)
			old := new(volmatch.Course)
			raw, exists, err := s.getJSON(ctx, key, old)
			if err != nil {
				return err
			}
			if err := m.Check("course", c.ID, exists); err != nil {
				return err
			}
			if seats, err = s.seatsOf(ctx, c.ID); err != nil {
				return err
			}
			if exists {
				if err := c.CheckUpdate(old, seats); err != nil {
					return err
				}
			}
			o.eq(key, raw)
			for _, x := range old.Sessions {
				n := ""
				if seats[x.ID] > 0 {
					n = strconv.Itoa(seats[x.ID])
				}
				o.heq(s.k("seats", c.ID), x.ID, n)
			}
			for i := range c.Sessions {
				c.Sessions[i].Enrolled = 0
			}
			o.set(key, mustJSON(c))
			o.zadd(s.k("ids", "course"), c.ID)
			o.change(volmatch.ChangeCourse, c.ID, false)
			return nil
		})
		for i := range c.Sessions {
			c.Sessions[i].Enrolled = seats[c.Sessions[i].ID]
		}
		return err
	})
}

// CreateCourse stores a new course (see volmatch.TrainingStore).
func (s *Store) CreateCourse(ctx context.Context, c *volmatch.Course) error {
	return s.writeCourse(ctx, c, volmatch.WriteCreate)
}

// UpdateCourse replaces a course (see volmatch.TrainingStore).
func (s *Store) UpdateCourse(ctx context.Context, c *volmatch.Course) error {
	return s.writeCourse(ctx, c, volmatch.WriteUpdate)
}

// withSeats sets the sessions' Enrolled of c.
func (s *Store) withSeats(ctx context.Context, c *volmatch.Course) error {
	m, err := s.seatsOf(ctx, c.ID)
	if err != nil {
		return err
	}
	for i := range c.Sessions {
		c.Sessions[i].Enrolled = m[c.Sessions[i].ID]
	}
	return nil
}

// Course returns one course with its seats held.
func (s *Store) Course(ctx context.Context, id string) (*volmatch.Course, error) {
	c := new(volmatch.Course)
	_, ok, err := s.getJSON(ctx, s.k("course", id), c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("course", id)
	}
	return c, s.withSeats(ctx, c)
}

// DeleteCourse removes a course that holds no seat.
func (s *Store) DeleteCourse(ctx context.Context, id string) error {
	return s.apply(ctx, "delete course", func(o *ops) error {
		key := s.k("course", id)
		c := new(volmatch.Course)
		raw, ok, err := s.getJSON(ctx, key, c)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("course", id)
		}
		seats, err := s.seatsOf(ctx, id)
		if err != nil {
			return err
		}
		for sess, n := range seats {
			if n > 0 {
				return volmatch.Errorf(volmatch.ECONFLICT, "course %s holds %d enrolments in session %s", id, n, sess)
			}
		}
		o.eq(key, raw)
		for _, x := range c.Sessions {
			o.heq(s.k("seats", id), x.ID, "")
		}
		o.del(key)
		o.zrem(s.k("ids", "course"), id)
		o.change(volmatch.ChangeCourse, id, true)
		return nil
	})
}

// Courses lists courses in ID order with their seats held.
func (s *Store) Courses(ctx context.Context, f volmatch.CourseFilter) ([]*volmatch.Course, string, error) {
	out, next, err := list(ctx, s, s.k("ids", "course"), func(id string) string { return s.k("course", id) }, f.ListOptions, f.Match, nil)
	if err != nil {
		return nil, "", err
	}
	for _, c := range out {
		if err := s.withSeats(ctx, c); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// Enrol takes a seat (see volmatch.TrainingStore).
func (s *Store) Enrol(ctx context.Context, e *volmatch.Enrolment, at time.Time) error {
	if err := volmatch.ValidID("id", e.ID); err != nil {
		return err
	}
	for try := 0; try < maxTries; try++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("redis: enrol: %w", err)
		}
		c := new(volmatch.Course)
		raw, ok, err := s.getJSON(ctx, s.k("course", e.Course), c)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("course", e.Course)
		}
		sess, ok := c.Session(e.Session)
		if !ok {
			return volmatch.Errorf(volmatch.ENOTFOUND, "course %s has no session %q", c.ID, e.Session)
		}
		refusal := ""
		if !at.Before(sess.Start) {
			refusal = scriptRefusal(volmatch.CheckEnrolment(c, sess, 0, nil, nil, e.Volunteer, at))
		}
		out := volmatch.EnrolmentFor(e.ID, c, sess, e.Volunteer, at)
		res, err := s.pipe.run(ctx, enrolScript, s.keys, s.p, c.ID, sess.ID, e.Volunteer, e.ID, raw,
			sess.Seats, tkey(sess.Start), tkey(sess.End), mustJSON(out), refusal).Result()
		if err != nil {
			return s.err("enrol", err)
		}
		str, _ := res.(string)
		switch {
		case str == "OK":
			*e = *out
			return nil
		case str == "RETRY":
			backoff(try)
			continue
		case strings.HasPrefix(str, "E:"):
			return parseRefusal(str[2:])
		}
		return fmt.Errorf("redis: enrol: unexpected script answer %v", res)
	}
	return fmt.Errorf("redis: enrol: %w", volmatch.Errorf(volmatch.EUNAVAILABLE, "the course kept changing; try again"))
}

// stepEnrolment applies fn to enrolment id and frees its seat when it no
// longer holds one.
func (s *Store) stepEnrolment(ctx context.Context, what, id string, fn func(e *volmatch.Enrolment) error) (*volmatch.Enrolment, error) {
	var e *volmatch.Enrolment
	err := s.apply(ctx, what, func(o *ops) error {
		e = new(volmatch.Enrolment)
		key := s.k("enr", id)
		raw, ok, err := s.getJSON(ctx, key, e)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("enrolment", id)
		}
		held := e.Status.Holds()
		if err := fn(e); err != nil {
			return err
		}
		o.eq(key, raw)
		o.set(key, mustJSON(e))
		if held && !e.Status.Holds() {
			o.hincr(s.k("seats", e.Course), e.Session, -1, true)
			o.hdel(s.k("tenr", e.Volunteer), e.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// CancelEnrolment cancels an enrolment and frees its seat.
func (s *Store) CancelEnrolment(ctx context.Context, id string, at time.Time) (*volmatch.Enrolment, error) {
	return s.stepEnrolment(ctx, "cancel enrolment", id, func(e *volmatch.Enrolment) error { return e.Cancel(at) })
}

// RecordAttendance records whether the volunteer attended.
func (s *Store) RecordAttendance(ctx context.Context, id string, attended bool, at time.Time) (*volmatch.Enrolment, error) {
	return s.stepEnrolment(ctx, "record attendance", id, func(e *volmatch.Enrolment) error {
		c := new(volmatch.Course)
		_, ok, err := s.getJSON(ctx, s.k("course", e.Course), c)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("course", e.Course)
		}
		return e.Attend(c, attended, at)
	})
}

// Enrolment returns one enrolment.
func (s *Store) Enrolment(ctx context.Context, id string) (*volmatch.Enrolment, error) {
	e := new(volmatch.Enrolment)
	_, ok, err := s.getJSON(ctx, s.k("enr", id), e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("enrolment", id)
	}
	return e, nil
}

// Enrolments lists enrolments in ID order.
func (s *Store) Enrolments(ctx context.Context, f volmatch.EnrolmentFilter) ([]*volmatch.Enrolment, string, error) {
	set := s.k("ids", "enr")
	switch {
	case f.Volunteer != "":
		set = s.k("ix", "enrvol", f.Volunteer)
	case f.Course != "":
		set = s.k("ix", "enrcourse", f.Course)
	}
	return list(ctx, s, set, func(id string) string { return s.k("enr", id) }, f.ListOptions, f.Match, nil)
}
