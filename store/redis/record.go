package redis

import (
	"context"

	"volmatch"
	"volmatch/store/internal/records"
)

// kind is a record type kept as WORD:ID (JSON) with its IDs in the sorted
// set ids:WORD: talent pools, stations and organisations, which the
// functions below write, and invitations and assignments, which they only
// read. A kind without a change (organisations: no index follows them)
// writes none. The rules of a write are
// volmatch's (WriteRecord, PrepareRecords); what is here is the script.
type kind[T any] struct {
	word   string
	change volmatch.ChangeKind
	noun   string // in messages: "pool"
	list   string // the field of a batch: "pools"
	id     func(*T) string
}

var (
	poolKind = kind[volmatch.TalentPool]{word: "pool", change: volmatch.ChangePool, noun: "pool", list: "pools",
		id: func(p *volmatch.TalentPool) string { return p.ID }}
	stationKind = kind[volmatch.Station]{word: "station", change: volmatch.ChangeStation, noun: "station", list: "stations",
		id: func(s *volmatch.Station) string { return s.ID }}
	invitationKind = kind[volmatch.Invitation]{word: "inv", noun: "invitation"}
	assignmentKind = kind[volmatch.Assignment]{word: "asg", noun: "assignment"}
	orgKind        = kind[volmatch.Organisation]{word: "org", noun: "organisation", list: "organisations",
		id: func(o *volmatch.Organisation) string { return o.ID }}
)

// changed appends k's change of id to o, when k has one.
func (k kind[T]) changed(o *ops, id string, deleted bool) {
	if k.change != "" {
		o.change(k.change, id, deleted)
	}
}

// expect adds the existence condition of a write in mode m of the record noun
// id on key: absent for a create, present for an update.
func (o *ops) expect(key string, m volmatch.WriteMode, noun, id string) {
	switch m {
	case volmatch.WriteCreate:
		e := volmatch.ExistsError(noun, id)
		o.absent(key, e.Code, e.Message)
	case volmatch.WriteUpdate:
		e := volmatch.NotFoundError(noun, id)
		o.present(key, e.Code, e.Message)
	}
}

// stored is kind k of s as a records.Kind, each write in one script: the
// shared methods (records.Common) are these.
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
		id := k.id(c)
		return s.apply(ctx, "write "+k.noun, func(o *ops) error {
			key := s.k(k.word, id)
			o.expect(key, m, k.noun, id)
			o.set(key, mustJSON(c))
			o.zadd(s.k("ids", k.word), id)
			k.changed(o, id, false)
			return nil
		})
	})
}

// Put creates or replaces all of xs as given (volmatch.PrepareRecords) in
// one script on the bulk client: the import path.
func (r stored[T, P]) Put(ctx context.Context, xs []*T) error {
	s, k := r.s, r.k
	cs, err := records.Prepare[T, P](k.list, xs, s.now())
	if err != nil {
		return err
	}
	return s.applyOn(ctx, true, "put "+k.list, func(o *ops) error {
		for _, c := range cs {
			id := k.id(c)
			o.set(s.k(k.word, id), mustJSON(c))
			o.zadd(s.k("ids", k.word), id)
			k.changed(o, id, false)
		}
		return nil
	})
}

// Delete removes one record with its change; ENOTFOUND if missing.
func (r stored[T, P]) Delete(ctx context.Context, id string) error {
	s, k := r.s, r.k
	return s.apply(ctx, "delete "+k.noun, func(o *ops) error {
		key := s.k(k.word, id)
		o.expect(key, volmatch.WriteUpdate, k.noun, id)
		o.del(key)
		o.zrem(s.k("ids", k.word), id)
		k.changed(o, id, true)
		return nil
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
	_, ok, err := s.getJSON(ctx, s.k(k.word, id), x)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError(k.noun, id)
	}
	return x, nil
}

// list pages through the records kept by keep (all when nil; see list).
func (r reader[T]) list(ctx context.Context, o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	s, k := r.s, r.k
	return list(ctx, s, s.k("ids", k.word), func(id string) string { return s.k(k.word, id) }, o, keep, nil)
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
