package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
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

// writeRecord writes r in mode m (volmatch.WriteRecord) with its change, in
// one transaction.
func writeRecord[T any, P volmatch.Record[T]](ctx context.Context, s *Store, k kind[T], r P, m volmatch.WriteMode) error {
	return volmatch.WriteRecord(r, s.now(), m, func(c P) error {
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

// putRecords creates or replaces all of rs as given (volmatch.PrepareRecords)
// in one transaction: the import path.
func putRecords[T any, P volmatch.Record[T]](ctx context.Context, s *Store, k kind[T], rs []P) error {
	cs, err := volmatch.PrepareRecords(k.list, rs, s.now(), volmatch.WritePut)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(k.bucket)
		for _, c := range cs {
			id := k.id(c)
			if err := putJSON(b, []byte(id), c); err != nil {
				return err
			}
			if err := k.appendChange(tx, id, false); err != nil {
				return err
			}
		}
		return nil
	})
}

func deleteRecord[T any](ctx context.Context, s *Store, k kind[T], id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(k.bucket)
		if b.Get([]byte(id)) == nil {
			return volmatch.NotFoundError(k.noun, id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return k.appendChange(tx, id, true)
	})
}

func getRecord[T any](ctx context.Context, s *Store, k kind[T], id string) (*T, error) {
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

// listRecords pages through the records of k (see list).
func listRecords[T any](ctx context.Context, s *Store, k kind[T], o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	var out []*T
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list(tx.Bucket(k.bucket), o, keep)
		return err
	})
	return out, next, err
}
