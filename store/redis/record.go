package redis

import (
	"context"

	"volmatch"
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

// writeRecord writes r in mode m (volmatch.WriteRecord) with its change, in
// one script.
func writeRecord[T any, P volmatch.Record[T]](ctx context.Context, s *Store, k kind[T], r P, m volmatch.WriteMode) error {
	return volmatch.WriteRecord(r, s.now(), m, func(c P) error {
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

// putRecords creates or replaces all of rs as given (volmatch.PrepareRecords)
// in one script: the import path.
func putRecords[T any, P volmatch.Record[T]](ctx context.Context, s *Store, k kind[T], rs []P) error {
	cs, err := volmatch.PrepareRecords(k.list, rs, s.now(), volmatch.WritePut)
	if err != nil {
		return err
	}
	return s.applyOn(ctx, s.bulk, "put "+k.list, func(o *ops) error {
		for _, c := range cs {
			id := k.id(c)
			o.set(s.k(k.word, id), mustJSON(c))
			o.zadd(s.k("ids", k.word), id)
			k.changed(o, id, false)
		}
		return nil
	})
}

func deleteRecord[T any](ctx context.Context, s *Store, k kind[T], id string) error {
	return s.apply(ctx, "delete "+k.noun, func(o *ops) error {
		key := s.k(k.word, id)
		o.expect(key, volmatch.WriteUpdate, k.noun, id)
		o.del(key)
		o.zrem(s.k("ids", k.word), id)
		k.changed(o, id, true)
		return nil
	})
}

func getRecord[T any](ctx context.Context, s *Store, k kind[T], id string) (*T, error) {
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

// listRecords pages through the records of k (see list).
func listRecords[T any](ctx context.Context, s *Store, k kind[T], o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	return list(ctx, s, s.k("ids", k.word), func(id string) string { return s.k(k.word, id) }, o, keep, nil)
}
