// Package records holds what the two stores (store/bolt, store/redis) share
// of their record plumbing: the exported methods of volmatch.Store whose
// logic is the same in both, written once over a store's own operations.
//
// A store embeds a Common built by New from its Ops: a Kind for each record
// type kept by ID (pools, stations, organisations), which the store
// implements once as a generic type over its own transaction model (a bbolt
// transaction, a Redis script), and the few store-specific writes the
// shared methods delegate to. The rules of a write stay volmatch's
// (WriteRecord, PrepareRecords, WriteInvitations).
package records

import (
	"context"
	"time"

	"volmatch"
)

// Kind is one record type as a store keeps it by ID, each operation in one
// transaction of the store.
type Kind[T any] interface {
	// Write writes r in mode m (volmatch.WriteRecord) with its change.
	Write(ctx context.Context, r *T, m volmatch.WriteMode) error
	// Put creates or replaces all of rs as given (volmatch.PrepareRecords).
	Put(ctx context.Context, rs []*T) error
	// Get returns one record; ENOTFOUND if missing.
	Get(ctx context.Context, id string) (*T, error)
	// Delete removes one record with its change; ENOTFOUND if missing.
	Delete(ctx context.Context, id string) error
	// List pages through the records in ID order.
	List(ctx context.Context, o volmatch.ListOptions) ([]*T, string, error)
}

// Ops are a store's own operations behind the shared methods.
type Ops struct {
	Pools         Kind[volmatch.TalentPool]
	Stations      Kind[volmatch.Station]
	Organisations Kind[volmatch.Organisation]
	// SaveNeed writes n in mode WriteCreate or WriteUpdate, with its events
	// and the shifts' Filled set on n.
	SaveNeed func(ctx context.Context, n *volmatch.Need, m volmatch.WriteMode) error
	// CreateInvitations writes invs and then evs in one transaction and
	// returns, with a refusal, the index of the invitation it concerns (-1
	// for other errors).
	CreateInvitations func(ctx context.Context, invs []*volmatch.Invitation, evs []volmatch.Event) (int, error)
}

// Common is the part of volmatch.Store both stores serve alike. Embed it
// (through an unexported alias) so its methods are the store's.
type Common struct {
	ops Ops
}

// New returns the shared methods over a store's ops.
func New(ops Ops) Common { return Common{ops: ops} }

// CreatePool stores a new talent pool; ECONFLICT if the ID exists.
func (c Common) CreatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return c.ops.Pools.Write(ctx, p, volmatch.WriteCreate)
}

// UpdatePool replaces a talent pool; ENOTFOUND if missing.
func (c Common) UpdatePool(ctx context.Context, p *volmatch.TalentPool) error {
	return c.ops.Pools.Write(ctx, p, volmatch.WriteUpdate)
}

// Pool returns one talent pool; ENOTFOUND if missing.
func (c Common) Pool(ctx context.Context, id string) (*volmatch.TalentPool, error) {
	return c.ops.Pools.Get(ctx, id)
}

// DeletePool removes a talent pool; ENOTFOUND if missing.
func (c Common) DeletePool(ctx context.Context, id string) error {
	return c.ops.Pools.Delete(ctx, id)
}

// Pools lists talent pools in ID order.
func (c Common) Pools(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.TalentPool, string, error) {
	return c.ops.Pools.List(ctx, o)
}

// PutPools creates or replaces all of ps in one transaction (import).
func (c Common) PutPools(ctx context.Context, ps []*volmatch.TalentPool) error {
	return c.ops.Pools.Put(ctx, ps)
}

// CreateStation stores a new service station; ECONFLICT if the ID exists.
func (c Common) CreateStation(ctx context.Context, st *volmatch.Station) error {
	return c.ops.Stations.Write(ctx, st, volmatch.WriteCreate)
}

// UpdateStation replaces a service station; ENOTFOUND if missing.
func (c Common) UpdateStation(ctx context.Context, st *volmatch.Station) error {
	return c.ops.Stations.Write(ctx, st, volmatch.WriteUpdate)
}

// Station returns one service station; ENOTFOUND if missing.
func (c Common) Station(ctx context.Context, id string) (*volmatch.Station, error) {
	return c.ops.Stations.Get(ctx, id)
}

// DeleteStation removes a service station; ENOTFOUND if missing.
func (c Common) DeleteStation(ctx context.Context, id string) error {
	return c.ops.Stations.Delete(ctx, id)
}

// Stations lists service stations in ID order.
func (c Common) Stations(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Station, string, error) {
	return c.ops.Stations.List(ctx, o)
}

// PutStations creates or replaces all of ss in one transaction (import).
func (c Common) PutStations(ctx context.Context, ss []*volmatch.Station) error {
	return c.ops.Stations.Put(ctx, ss)
}

// CreateOrganisation stores a new organisation; ECONFLICT if the ID exists.
func (c Common) CreateOrganisation(ctx context.Context, o *volmatch.Organisation) error {
	return c.ops.Organisations.Write(ctx, o, volmatch.WriteCreate)
}

// Organisation returns one organisation; ENOTFOUND if missing.
func (c Common) Organisation(ctx context.Context, id string) (*volmatch.Organisation, error) {
	return c.ops.Organisations.Get(ctx, id)
}

// Organisations lists organisations in ID order.
func (c Common) Organisations(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Organisation, string, error) {
	return c.ops.Organisations.List(ctx, o)
}

// CreateNeed stores a new need and appends need.posted; ECONFLICT if the ID
// exists. It sets Status (open when empty), PostedAt (now when zero),
// UpdatedAt and the shifts' Filled on n.
func (c Common) CreateNeed(ctx context.Context, n *volmatch.Need) error {
	return c.ops.SaveNeed(ctx, n, volmatch.WriteCreate)
}

// UpdateNeed replaces a need, keeping PostedAt, and Status and Supply when
// they are empty; ENOTFOUND if missing; ECONFLICT if a shift holding
// assignments is removed, moved or shrunk below its fill. Closing it
// appends need.closed.
func (c Common) UpdateNeed(ctx context.Context, n *volmatch.Need) error {
	return c.ops.SaveNeed(ctx, n, volmatch.WriteUpdate)
}

// CreateInvitation stores a sent invitation and appends invite.sent. The
// need must exist and be open (ECONFLICT when not), its shift and the
// volunteer must exist (ENOTFOUND naming which); ECONFLICT if the ID exists
// or the volunteer already has a live invitation to the shift. Status
// becomes sent, Org the need's organisation, SentAt now when zero.
func (c Common) CreateInvitation(ctx context.Context, inv *volmatch.Invitation) error {
	_, err := c.ops.CreateInvitations(ctx, []*volmatch.Invitation{inv}, nil)
	return err
}

// CreateInvitations stores all of invs with their invite.sent events, in
// order, in one transaction, or none of them (see volmatch.InvitationStore):
// a refusal names the element with the field "invitations[k]". The events
// evs follow in the same transaction.
func (c Common) CreateInvitations(ctx context.Context, invs []*volmatch.Invitation, evs ...volmatch.Event) error {
	k, err := c.ops.CreateInvitations(ctx, invs, evs)
	return volmatch.AtIndex("invitations", k, err)
}

// Prepare is volmatch.PrepareRecords in mode WritePut over xs: the copies
// an import writes.
func Prepare[T any, P volmatch.Record[T]](list string, xs []*T, now time.Time) ([]P, error) {
	ps := make([]P, len(xs))
	for i, x := range xs {
		ps[i] = x
	}
	return volmatch.PrepareRecords(list, ps, now, volmatch.WritePut)
}
