package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
	"volmatch/store/internal/records"
)

// kind is a record type kept in a bucket of its own by ID: talent pools,
// stations, volunteers and organisations, which the functions below write,
// and invitations and assignments, which they only read. A kind without a
// change (organisations: no index follows them) writes none. The rules of a write are volmatch's
// (WriteRecord, PrepareRecords); what is here is the transaction.
type kind[T any] struct {
	bucket []byte
	change volmatch.ChangeKind
	noun   string // in messages: "pool"
	list   string // the field of a batch: "pools"
	id     func(*T) string
	// keep, when set, gives an update what it keeps of the stored record.
	keep func(c, old *T)
}

var (
	poolKind = kind[volmatch.TalentPool]{bucket: bPools, change: volmatch.ChangePool, noun: "pool", list: "pools",
		id: func(p *volmatch.TalentPool) string { return p.ID }}
	stationKind = kind[volmatch.Station]{bucket: bStations, change: volmatch.ChangeStation, noun: "station", list: "stations",
		id: func(s *volmatch.Station) string { return s.ID }}
	volunteerKind = kind[volmatch.Volunteer]{bucket: bVolunteers, change: volmatch.ChangeVolunteer, noun: "volunteer", list: "volunteers",
		id: func(v *volmatch.Volunteer) string { return v.ID }, keep: (*volmatch.Volunteer).KeepDerived}
	invitationKind = kind[volmatch.Invitation]{bucket: bInvitations, noun: "invitation"}
	assignmentKind = kind[volmatch.Assignment]{bucket: bAssignments, noun: "assignment"}
	orgKind        = kind[volmatch.Organisation]{bucket: bOrgs, noun: "organisation", list: "organisations",
		id: func(o *volmatch.Organisation) string { return o.ID }}
)

// appendChange appends k's change of id, when k has one.
func (k kind[T]) appendChange(tx *bbolt.Tx, id string, deleted bool) error {
	if k.change == "" {
		return nil
	}
	return appendChange(tx, k.change, id, deleted)
}

// stored is kind k of s as a records.Kind, each operation in one
// transaction: the shared methods (records.Common) and the volunteers'
// are these.
type stored[T any, P volmatch.Record[T]] struct {
	reader[T]
}

// reader reads the records of kind k of s.
type reader[T any] struct {
	s *Store
	k kind[T]
}

// Write writes r in mode m (volmatch.WriteRecord) with its change.
func (r stored[T, P]) Write(ctx context.Context, x *T, m volmatch.WriteMode) error {
	s, k := r.s, r.k
	return volmatch.WriteRecord(P(x), s.now(), m, func(c P) error {
		id := []byte(k.id(c))
		return s.update(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(k.bucket)
			exists := b.Get(id) != nil
			if err := m.Check(k.noun, string(id), exists); err != nil {
				return err
			}
			if exists && m == volmatch.WriteUpdate && k.keep != nil {
				old := new(T)
				if _, err := getJSON(b, id, old); err != nil {
					return err
				}
				k.keep(c, old)
			}
			if err := putJSON(b, id, c); err != nil {
				return err
			}
			return k.appendChange(tx, string(id), false)
		})
	})
}

// Put creates or replaces all of xs as given (volmatch.PrepareRecords):
// the import path.
func (r stored[T, P]) Put(ctx context.Context, xs []*T) error {
	cs, err := records.Prepare[T, P](r.k.list, xs, r.s.now())
	if err != nil {
		return err
	}
	return r.s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(r.k.bucket)
		for _, c := range cs {
			id := r.k.id(c)
			if err := putJSON(b, []byte(id), c); err != nil {
				return err
			}
			if err := r.k.appendChange(tx, id, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes one record with its change; ENOTFOUND if missing.
func (r stored[T, P]) Delete(ctx context.Context, id string) error {
	return r.s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(r.k.bucket)
		if b.Get([]byte(id)) == nil {
			return volmatch.NotFoundError(r.k.noun, id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return r.k.appendChange(tx, id, true)
	})
}

// List pages through the records in ID order.
func (r stored[T, P]) List(ctx context.Context, o volmatch.ListOptions) ([]*T, string, error) {
	return r.list(ctx, o, nil)
}

// Get returns one record; ENOTFOUND if missing.
func (r reader[T]) Get(ctx context.Context, id string) (*T, error) {
	s, k := r.s, r.k
	x := new(T)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(k.bucket), []byte(id), x)
		if err == nil && !ok {
			err = volmatch.NotFoundError(k.noun, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// list pages through the records kept by keep (all when nil; see list).
func (r reader[T]) list(ctx context.Context, o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	s, k := r.s, r.k
	var out []*T
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list(tx.Bucket(k.bucket), o, keep)
		return err
	})
	return out, next, err
}

// common is embedded in Store under this name so that the shared methods
// are Store's.
type common = records.Common

// shared returns the shared methods over s.
func (s *Store) shared() common {
	return records.New(records.Ops{
		Pools:             stored[volmatch.TalentPool, *volmatch.TalentPool]{reader[volmatch.TalentPool]{s, poolKind}},
		Stations:          stored[volmatch.Station, *volmatch.Station]{reader[volmatch.Station]{s, stationKind}},
		Organisations:     stored[volmatch.Organisation, *volmatch.Organisation]{reader[volmatch.Organisation]{s, orgKind}},
		SaveNeed:          s.saveNeed,
		CreateInvitations: s.createInvitations,
	})
}
