package bolt

import (
	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// heldBy returns the volunteer's assignments that hold a slot.
func heldBy(tx *bbolt.Tx, volunteer string) ([]*volmatch.Assignment, error) {
	b := tx.Bucket(bAssignments)
	var out []*volmatch.Assignment
	for _, id := range suffixes(tx.Bucket(bAsgByVol), volunteer) {
		var a volmatch.Assignment
		ok, err := getJSON(b, []byte(id), &a)
		if err != nil {
			return nil, err
		}
		if ok && a.Status.Holds() {
			out = append(out, &a)
		}
	}
	return out, nil
}

// reserve checks and writes one reservation in tx: the assignment, its
// indexes, the fill count, the volunteer's load, the change and the
// invite.accepted event. missing is the code for a missing need, shift or
// volunteer (ECONFLICT for an accept, whose invitation existed).
func (s *Store) reserve(tx *bbolt.Tx, r volmatch.Reservation, invite string, at time.Time, missing string) (*volmatch.Assignment, error) {
	n, sh, err := checkReserve(tx, r, missing)
	if err != nil {
		return nil, err
	}
	return s.writeReserve(tx, r, n, sh, invite, at, nil)
}

// checkReserve reads and checks one reservation in tx, writing nothing:
// the need and the shift it reserves a slot of.
func checkReserve(tx *bbolt.Tx, r volmatch.Reservation, missing string) (*volmatch.Need, volmatch.Shift, error) {
	n, _, err := loadNeed(tx, r.Need)
	if err != nil {
		return nil, volmatch.Shift{}, err
	}
	return checkReserveOf(tx, r, n, missing)
}

// checkReserveOf is checkReserve of a need the caller has just read in tx
// (nil when missing).
func checkReserveOf(tx *bbolt.Tx, r volmatch.Reservation, n *volmatch.Need, missing string) (*volmatch.Need, volmatch.Shift, error) {
	sh, err := r.Find(n, missing)
	if err != nil {
		return nil, volmatch.Shift{}, err
	}
	if tx.Bucket(bVolunteers).Get([]byte(r.Volunteer)) == nil {
		return nil, volmatch.Shift{}, volmatch.Errorf(missing, "volunteer %s not found", r.Volunteer)
	}
	held, err := heldBy(tx, r.Volunteer)
	if err != nil {
		return nil, volmatch.Shift{}, err
	}
	if err := volmatch.CheckReservation(n, sh, sh.Filled, held, r.Volunteer); err != nil {
		return nil, volmatch.Shift{}, err
	}
	sessions, err := heldSessions(tx, r.Volunteer) // training.go
	if err != nil {
		return nil, volmatch.Shift{}, err
	}
	if err := volmatch.CheckSessions(sessions, sh); err != nil {
		return nil, volmatch.Shift{}, err
	}
	return n, sh, nil
}

// writeReserve writes a reservation checkReserve passed (see reserve). v
// is the volunteer as just read in tx, or nil to read it.
func (s *Store) writeReserve(tx *bbolt.Tx, r volmatch.Reservation, n *volmatch.Need, sh volmatch.Shift, invite string, at time.Time, v *volmatch.Volunteer) (*volmatch.Assignment, error) {
	b := tx.Bucket(bAssignments)
	seq, err := b.NextSequence()
	if err != nil {
		return nil, fmt.Errorf("bolt: assignment sequence: %w", err)
	}
	a := volmatch.NewAssignment(n, sh, r.Volunteer, invite, at)
	a.Origin, a.Team = r.Origin, r.Team
	a.ID = fmt.Sprintf("A%012d", seq)
	if err := putJSON(b, []byte(a.ID), &a); err != nil {
		return nil, err
	}
	s.holders.add(a.Volunteer) // before the commit: the set may only be too large
	if err := tx.Bucket(bAsgByVol).Put(key(a.Volunteer, a.ID), nil); err != nil {
		return nil, fmt.Errorf("bolt: index assignment %s: %w", a.ID, err)
	}
	if err := tx.Bucket(bAsgByShift).Put(key(a.Need, a.Shift, a.ID), nil); err != nil {
		return nil, fmt.Errorf("bolt: index assignment %s: %w", a.ID, err)
	}
	if err := addFill(tx, a.Need, a.Shift, 1); err != nil {
		return nil, err
	}
	if err := updateStatsOf(tx, a.Volunteer, v, func(st *volmatch.VolunteerStats) { st.Load++ }); err != nil {
		return nil, err
	}
	if err := appendEvent(tx, a.AcceptedEvent(n)); err != nil {
		return nil, err
	}
	return &a, nil
}

// Reserve reserves every slot of rs or none, in order, each counting the
// ones before it; ENOTFOUND for a missing need, shift or volunteer and
// ECONFLICT for a clash, naming the reservation (reservations[i]).
func (s *Store) Reserve(ctx context.Context, rs []volmatch.Reservation, at time.Time) ([]*volmatch.Assignment, error) {
	if at.IsZero() {
		at = s.now()
	}
	if err := volmatch.CheckReserveSize(len(rs)); err != nil {
		return nil, err
	}
	out := make([]*volmatch.Assignment, 0, len(rs))
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		out = out[:0]
		for i, r := range rs {
			a, err := s.reserve(tx, r, "", at, volmatch.ENOTFOUND)
			if err != nil {
				return volmatch.AtIndex("reservations", i, err)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Assignment returns one assignment; ENOTFOUND if missing.
func (s *Store) Assignment(ctx context.Context, id string) (*volmatch.Assignment, error) {
	return reader[volmatch.Assignment]{s, assignmentKind}.Get(ctx, id)
}

// Assignments lists assignments in ID order (the order they were made).
func (s *Store) Assignments(ctx context.Context, f volmatch.AssignmentFilter) ([]*volmatch.Assignment, string, error) {
	if f.Volunteer != "" && !s.holders.has(f.Volunteer) && !s.closed.Load() {
		// Never assigned: nothing to list, and no transaction to pay for
		// (the ranker's busy gate asks this for every eligible candidate).
		if _, err := f.PageSize(); err != nil {
			return nil, "", err
		}
		if err := ctx.Err(); err != nil {
			return nil, "", fmt.Errorf("bolt: %w", err)
		}
		return nil, "", nil
	}
	var out []*volmatch.Assignment
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		b := tx.Bucket(bAssignments)
		switch {
		case f.Volunteer != "":
			out, next, err = listIDs(b, suffixes(tx.Bucket(bAsgByVol), f.Volunteer), f.ListOptions, f.Match)
		case f.Need != "" && f.Shift != "":
			out, next, err = listIDs(b, suffixes(tx.Bucket(bAsgByShift), f.Need, f.Shift), f.ListOptions, f.Match)
		default:
			out, next, err = list(b, f.ListOptions, f.Match)
		}
		return err
	})
	return out, next, err
}

// Advance applies a step (volmatch.Step.Apply) and writes together the
// assignment, the volunteer's stats, the fill count when the slot is freed,
// the event and the changes. ENOTFOUND for a missing assignment; ECONFLICT
// or EINVALID as Apply says. A zero s.At is now.
func (s *Store) Advance(ctx context.Context, id string, step volmatch.Step) (*volmatch.Assignment, error) {
	if step.At.IsZero() {
		step.At = s.now()
	}
	var a volmatch.Assignment
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bAssignments)
		ok, err := getJSON(b, []byte(id), &a)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("assignment", id)
		}
		n, err := needOrStub(tx, a.Need, a.Org)
		if err != nil {
			return err
		}
		held := a.Status.Holds()
		ev, stats, err := step.Apply(&a, n)
		if err != nil {
			return err
		}
		if err := putJSON(b, []byte(a.ID), &a); err != nil {
			return err
		}
		if stats != nil {
			if err := updateStats(tx, a.Volunteer, stats); err != nil {
				return err
			}
		}
		if held && !a.Status.Holds() {
			if err := addFill(tx, a.Need, a.Shift, -1); err != nil {
				return err
			}
		}
		return appendEvent(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// HeldSlots returns the slots each named volunteer holds, or every
// volunteer's when none is named (see volmatch.AssignmentStore). A
// volunteer who never held an assignment costs no read.
func (s *Store) HeldSlots(ctx context.Context, volunteers ...string) (map[string][]volmatch.HeldSlot, error) {
	out := map[string][]volmatch.HeldSlot{}
	if len(volunteers) == 0 {
		err := each(ctx, s, bAssignments, nil, func(a *volmatch.Assignment) error {
			if a.Status.Holds() {
				out[a.Volunteer] = append(out[a.Volunteer], volmatch.HeldSlot{Assignment: a.ID, Start: a.Start, End: a.End})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bolt: held slots: %w", err)
		}
		return out, nil
	}
	ask := volunteers[:0:0]
	for _, id := range volunteers {
		if s.holders.has(id) || s.closed.Load() {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("bolt: %w", err)
		}
		return out, nil
	}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		for _, id := range ask {
			held, err := heldBy(tx, id)
			if err != nil {
				return err
			}
			if slots := volmatch.HeldSlotsOf(held); len(slots) > 0 {
				out[id] = slots
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: held slots: %w", err)
	}
	return out, nil
}
