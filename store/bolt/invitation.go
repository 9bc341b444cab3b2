package bolt

import (
	"context"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// createInvitations writes invs and then evs in one transaction and
// returns, with a refusal, the index of the invitation it concerns (-1 for
// other errors).
func (s *Store) createInvitations(ctx context.Context, invs []*volmatch.Invitation, evs []volmatch.Event) (int, error) {
	evs, err := volmatch.PrepareEvents(evs, s.now())
	if err != nil {
		return -1, err
	}
	raws := make([][]byte, len(evs))
	for i, ev := range evs {
		if raws[i], err = encodeEvent(ev); err != nil {
			return -1, err
		}
	}
	return volmatch.WriteInvitations(invs, s.now(), func(cs []volmatch.Invitation) (int, error) {
		bad := -1
		err := s.update(ctx, func(tx *bbolt.Tx) (err error) {
			if bad, err = insertInvitations(tx, cs); err != nil {
				return err
			}
			for _, raw := range raws {
				if err := appendEncoded(tx, raw); err != nil {
					return err
				}
			}
			return nil
		})
		return bad, err
	})
}

// insertInvitations checks (Invitation.Check) and writes cs in tx, with
// their live index entries and invite.sent events, setting each one's Org.
// It returns, with a refusal, the index of the invitation it concerns.
func insertInvitations(tx *bbolt.Tx, cs []volmatch.Invitation) (int, error) {
	b, live := tx.Bucket(bInvitations), tx.Bucket(bLiveInvites)
	needs := map[string]*volmatch.Need{}
	for i := range cs {
		c := &cs[i]
		lk := key(c.Volunteer, c.Need, c.Shift)
		n, ok := needs[c.Need]
		if !ok {
			var err error
			if n, _, err = loadNeed(tx, c.Need); err != nil {
				return -1, err
			}
			needs[c.Need] = n
		}
		sh, err := c.Check(b.Get([]byte(c.ID)) != nil, n, tx.Bucket(bVolunteers).Get([]byte(c.Volunteer)) != nil, string(live.Get(lk)))
		if err != nil {
			return i, err
		}
		c.Org = n.Org
		if err := putJSON(b, []byte(c.ID), c); err != nil {
			return -1, err
		}
		if err := live.Put(lk, []byte(c.ID)); err != nil {
			return -1, fmt.Errorf("bolt: index invitation %s: %w", c.ID, err)
		}
		if err := appendEvent(tx, c.SentEvent(n, sh)); err != nil {
			return -1, err
		}
	}
	return -1, nil
}

// Invitation returns one invitation; ENOTFOUND if missing.
func (s *Store) Invitation(ctx context.Context, id string) (*volmatch.Invitation, error) {
	return reader[volmatch.Invitation]{s, invitationKind}.Get(ctx, id)
}

// Invitations lists invitations in ID order.
func (s *Store) Invitations(ctx context.Context, f volmatch.InvitationFilter) ([]*volmatch.Invitation, string, error) {
	var out []*volmatch.Invitation
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		if f.Status == volmatch.InviteSent && f.Volunteer != "" && f.Need != "" {
			// The sent invitations of a volunteer to a need are exactly the
			// live index's entries under volunteer\x00need (one per shift):
			// no scan of every invitation (the API asks this before sending).
			var ids []string
			for _, sh := range suffixes(tx.Bucket(bLiveInvites), f.Volunteer, f.Need) {
				ids = append(ids, string(tx.Bucket(bLiveInvites).Get(key(f.Volunteer, f.Need, sh))))
			}
			slices.Sort(ids)
			out, next, err = listIDs(tx.Bucket(bInvitations), ids, f.ListOptions, f.Match)
			return err
		}
		out, next, err = list(tx.Bucket(bInvitations), f.ListOptions, f.Match)
		return err
	})
	return out, next, err
}

// loadSent reads an invitation that must still be sent.
func loadSent(tx *bbolt.Tx, id string) (*volmatch.Invitation, error) {
	var inv volmatch.Invitation
	ok, err := getJSON(tx.Bucket(bInvitations), []byte(id), &inv)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError("invitation", id)
	}
	if inv.Status != volmatch.InviteSent {
		return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "invitation %s is %s", id, inv.Status)
	}
	return &inv, nil
}

// respond writes an answered invitation and drops it from the live index.
func respond(tx *bbolt.Tx, inv *volmatch.Invitation, status volmatch.InviteStatus, at time.Time) error {
	inv.Status, inv.RespondedAt = status, at
	if err := putJSON(tx.Bucket(bInvitations), []byte(inv.ID), inv); err != nil {
		return err
	}
	if err := tx.Bucket(bLiveInvites).Delete(key(inv.Volunteer, inv.Need, inv.Shift)); err != nil {
		return fmt.Errorf("bolt: unindex invitation %s: %w", inv.ID, err)
	}
	return nil
}

// Accept reserves the invitation's slot atomically (see
// volmatch.InvitationStore): ENOTFOUND for a missing invitation, ECONFLICT
// when it is not sent, the need or shift is gone, or CheckReservation
// refuses. Concurrent accepts share a transaction and its fsync (group
// commit, group.go): every check comes before the first write, so a
// refused accept writes nothing in the shared transaction, and each
// accept still returns once it is durable.
func (s *Store) Accept(ctx context.Context, inviteID string, at time.Time) (*volmatch.Assignment, error) {
	return s.AcceptChecked(ctx, inviteID, at, nil)
}

// AcceptChecked is Accept with the caller's check (see
// volmatch.InvitationStore) run in the same group transaction, on the
// records the reservation then writes: each is read and decoded once, and
// no read transaction comes before.
func (s *Store) AcceptChecked(ctx context.Context, inviteID string, at time.Time, check volmatch.AcceptCheck) (*volmatch.Assignment, error) {
	if at.IsZero() {
		at = s.now()
	}
	var a *volmatch.Assignment
	err := s.updateGrouped(ctx, func(tx *bbolt.Tx) error {
		a = nil
		inv := new(volmatch.Invitation)
		ok, err := getJSON(tx.Bucket(bInvitations), []byte(inviteID), inv)
		if err != nil {
			return refuse(err)
		}
		if !ok {
			return refuse(volmatch.NotFoundError("invitation", inviteID))
		}
		n, _, err := loadNeed(tx, inv.Need)
		if err != nil {
			return refuse(err)
		}
		var v *volmatch.Volunteer
		if check != nil {
			v = new(volmatch.Volunteer)
			if ok, err := getJSON(tx.Bucket(bVolunteers), []byte(inv.Volunteer), v); err != nil {
				return refuse(err)
			} else if !ok {
				v = nil
			}
			if err := runCheck(check, inv, n, v); err != nil {
				return refuse(err)
			}
		}
		if inv.Status != volmatch.InviteSent {
			return refuse(volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonAnswered, "invitation %s is %s", inviteID, inv.Status))
		}
		r := volmatch.Reservation{Need: inv.Need, Shift: inv.Shift, Volunteer: inv.Volunteer, Origin: inv.Origin, Team: inv.Team}
		n, sh, err := checkReserveOf(tx, r, n, volmatch.ECONFLICT)
		if err != nil {
			return refuse(err)
		}
		if a, err = s.writeReserve(tx, r, n, sh, inv.ID, at, v); err != nil {
			return err
		}
		return respond(tx, inv, volmatch.InviteAccepted, at)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Decline marks a sent invitation declined, counts it in the volunteer's
// Stats.Declined and appends invite.declined; ENOTFOUND if missing,
// ECONFLICT when it is not sent.
func (s *Store) Decline(ctx context.Context, inviteID string, at time.Time) (*volmatch.Invitation, error) {
	if at.IsZero() {
		at = s.now()
	}
	var inv *volmatch.Invitation
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		inv, err = loadSent(tx, inviteID)
		if err != nil {
			return err
		}
		if err := respond(tx, inv, volmatch.InviteDeclined, at); err != nil {
			return err
		}
		if err := updateStats(tx, inv.Volunteer, func(st *volmatch.VolunteerStats) { st.Declined++ }); err != nil {
			return err
		}
		n, err := needOrStub(tx, inv.Need, inv.Org)
		if err != nil {
			return err
		}
		return appendEvent(tx, inv.DeclinedEvent(n, at))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// runCheck runs the caller's check of an accept, turning a panic into an
// error: the check may run on another request's goroutine (the group
// commit's leader), whose panic would leave the group's other callers
// waiting forever.
func runCheck(check volmatch.AcceptCheck, inv *volmatch.Invitation, n *volmatch.Need, v *volmatch.Volunteer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = volmatch.Errorf(volmatch.EINTERNAL, "accept %s: the check failed: %v", inv.ID, r)
		}
	}()
	return check(inv, n, v)
}

// updateStats applies fn to a volunteer's stored Stats and records the
// change; a deleted volunteer is skipped.
func updateStats(tx *bbolt.Tx, id string, fn func(*volmatch.VolunteerStats)) error {
	return updateStatsOf(tx, id, nil, fn)
}

// updateStatsOf is updateStats of volunteer v as the caller has just read
// it in tx (nil: read it).
func updateStatsOf(tx *bbolt.Tx, id string, v *volmatch.Volunteer, fn func(*volmatch.VolunteerStats)) error {
	b := tx.Bucket(bVolunteers)
	if v == nil {
		v = new(volmatch.Volunteer)
		ok, err := getJSON(b, []byte(id), v)
		if err != nil || !ok {
			return err
		}
	}
	fn(&v.Stats)
	if err := putJSON(b, []byte(id), v); err != nil {
		return err
	}
	return appendDerived(tx, volmatch.ChangeVolunteer, id)
}
