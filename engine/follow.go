package engine

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"volmatch"
	"volmatch/internal/parallel"
	"volmatch/matcher/grid"
)

// ChangeSource is what a Follower reads: the store's change feed and the
// current records. Every volmatch.Store is one.
type ChangeSource interface {
	volmatch.ChangeFeed
	// Volunteer returns a volunteer; ENOTFOUND when it was deleted.
	Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error)
	// Need returns a need; ENOTFOUND when it was deleted.
	Need(ctx context.Context, id string) (*volmatch.Need, error)
	EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error
	EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error
	// HeldSlots returns the slots the named volunteers hold (every
	// volunteer's when none is named), for the busy gate the feature grid
	// keeps (see volmatch.AssignmentStore).
	HeldSlots(ctx context.Context, volunteers ...string) (map[string][]volmatch.HeldSlot, error)
}

// TextIndex is what a Follower updates in the text index (index.Text is
// one). The index records the last store change it applied (its Seq), so
// that a follower started later catches up from there.
type TextIndex interface {
	// Seq returns the store change the index has applied (0 when new or
	// emptied).
	Seq() (uint64, error)
	// SetSeq records seq as the store change applied.
	SetSeq(seq uint64) error
	// Reset empties the index (its Seq becomes 0).
	Reset() error
	// Bulk indexes many records at once, on every core; it stops early
	// when ctx is done. It leaves Seq alone.
	Bulk(ctx context.Context, vs []*volmatch.Volunteer, ns []*volmatch.Need) error
	// Apply indexes vs and ns, deletes the needs and volunteers named by
	// deleted, and records seq, all at once: the recorded Seq never runs
	// ahead of the documents.
	Apply(vs []*volmatch.Volunteer, ns []*volmatch.Need, deleted []volmatch.Change, seq uint64) error
	// UpsertDocs indexes or re-indexes catalogue records. It leaves Seq
	// alone: the follower calls it before the Apply that records the
	// change, so an interruption between the two repeats it harmlessly.
	UpsertDocs(docs []volmatch.CatalogDoc) error
}

// FollowerOptions tune a Follower; the zero value works.
type FollowerOptions struct {
	// Logger receives progress and errors of Run (IDs and counts only, never
	// personal data); nil discards.
	Logger *slog.Logger
	// Batch is the number of changes read per call to the feed and the
	// number of records per Bleve batch in a rebuild (1,000 when 0).
	Batch int
	// Progress, when set, is called during a rebuild with the records
	// indexed so far; total is -1 because the store does not count.
	Progress func(done, total int)
	// Slim, when set, gives the feature grid slim copies of the volunteers
	// (see grid.Slim) instead of the records as read.
	Slim bool
	// Catalog, when set, is read for the catalogue records the text index
	// holds (StoreCatalog); without it they are not indexed.
	Catalog CatalogSource
	// Shifts, when set, has the follower keep the open-shift index (see
	// Follower.Shifts) for the volunteers' menus.
	Shifts bool
	// Snapshot, when set, is the file of the feature snapshot (snapshot.go):
	// Start loads the feature index from it when it can be trusted, Run
	// writes it after a full load, and SaveSnapshot writes it.
	Snapshot string
}

// volunteerBatcher is a ChangeSource that reads many volunteers at a time,
// decoding them on every core (store/bolt).
type volunteerBatcher interface {
	EachVolunteerBatch(ctx context.Context, fn func([]*volmatch.Volunteer) error) error
}

// volunteersByID is a ChangeSource that reads the volunteers of a page of
// changes at once (store/redis: in one round trip), leaving out the
// missing ones.
type volunteersByID interface {
	VolunteersByID(ctx context.Context, ids []string) (map[string]*volmatch.Volunteer, error)
}

// statsHeldReader is a ChangeSource that reads only what a derived change
// of volunteers changes, their Stats and held slots, in one round trip
// (store/redis), leaving the missing ones out of stats.
type statsHeldReader interface {
	VolunteerStatsHeld(ctx context.Context, ids []string) (map[string]volmatch.VolunteerStats, map[string][]volmatch.HeldSlot, error)
}

// slimBatcher is a ChangeSource that reads volunteers without what
// grid.Slim drops, skipping it while decoding (store/bolt).
type slimBatcher interface {
	EachVolunteerSlim(ctx context.Context, fn func([]*volmatch.Volunteer) error) error
}

// Follower keeps the text index and the feature grid (and, when asked,
// the open-shift index: Shifts) in step with the store by applying its
// change feed. It is safe for concurrent use: calls are serialised.
//
// The grid also keeps the slots each volunteer holds (the busy gate): read
// with the volunteer on each change of them (every write that changes a
// volunteer's held slots also records a change of that volunteer), so a
// ranking reads no assignment from the store, and once the follower has
// applied a change (WaitApplied) its rankings see that write.
//
// Both indexes receive every volunteer Coarsened: with the home at the
// masked point (issue 13). Their answers reach callers who may see only
// that point (a social worker's matches and search hits, a batch plan, a
// dispatch wave), so every distance, distance gate, score, sort order and
// count they give derives from the coarse point, and no number of queries
// from chosen points recovers more than it.
type Follower struct {
	src      ChangeSource
	text     TextIndex      // may be nil
	features *grid.Features // may be nil
	log      *slog.Logger
	batch    int
	progress func(done, total int)
	slim     bool
	catalog  CatalogSource // may be nil
	// shifts is the open-shift index (nil unless FollowerOptions.Shifts):
	// a full load builds a new one and swaps it in, so a reader never sees
	// one half loaded; changes are put into the current one.
	shifts   atomic.Pointer[grid.Shifts]
	keepOpen bool
	snapshot string // the feature snapshot's file; "" for none

	// saving serialises SaveSnapshot; saveOnRun asks Run to save a
	// snapshot (Start loaded the features in full).
	saving    sync.Mutex
	saveOnRun bool
	// saved is the Seq of the snapshot in the file, as this follower
	// loaded or wrote it (0: none known); under saving. savedAt mirrors it
	// for Run, and inFlight tells that Run's background save is running.
	saved    uint64
	savedAt  atomic.Uint64
	inFlight atomic.Bool

	mu  sync.Mutex
	seq uint64 // the last change applied to both indexes
	// advanced is closed (and replaced) whenever seq moves: WaitApplied
	// waits on it.
	advanced chan struct{}
}

// NewFollower returns a follower of src that updates text and features
// (either may be nil: an untyped nil text, a nil *grid.Features). Call
// Start before CatchUp or Run.
func NewFollower(src ChangeSource, text TextIndex, features *grid.Features, o FollowerOptions) *Follower {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	return &Follower{src: src, text: text, features: features, log: o.Logger, batch: o.Batch,
		progress: o.Progress, slim: o.Slim, catalog: o.Catalog, snapshot: o.Snapshot, keepOpen: o.Shifts, advanced: make(chan struct{})}
}

// Shifts returns the open-shift index: the open shifts (with a free slot)
// of the store's open needs (volmatch.NeedOpen), as of the last change
// applied (Seq). It is nil before Start and when the follower keeps none.
// The index is safe for concurrent use; callers only read it.
func (f *Follower) Shifts() *grid.Shifts { return f.shifts.Load() }

// putShift puts need n into the open-shift index when it is open, deletes
// it otherwise (grid.Shifts.Put drops a need without a free slot).
func putShift(x *grid.Shifts, n *volmatch.Need) {
	if n.Status == volmatch.NeedOpen {
		x.Put(n)
	} else {
		x.Delete(n.ID)
	}
}

// loadShifts builds the open-shift index afresh from the store's needs and
// swaps it in.
func (f *Follower) loadShifts(ctx context.Context) error {
	if !f.keepOpen {
		return nil
	}
	x := grid.NewShifts(grid.ShiftsOptions{})
	err := f.src.EachNeed(ctx, func(n *volmatch.Need) error {
		putShift(x, n)
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: load open shifts: %w", err)
	}
	f.shifts.Store(x)
	return nil
}

// setSeq records seq as applied and wakes WaitApplied; f.mu is held.
func (f *Follower) setSeq(seq uint64) {
	if seq == f.seq {
		return
	}
	f.seq = seq
	close(f.advanced)
	f.advanced = make(chan struct{})
}

// WaitApplied blocks until the indexes have applied every store change up
// to seq (a Seq from the store's LastChange after a write, another
// replica's included) or ctx ends. It does not apply changes itself: Run
// (or CatchUp) does.
func (f *Follower) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		f.mu.Lock()
		done, ch := f.seq >= seq, f.advanced
		f.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("index: wait for change %d: %w", seq, ctx.Err())
		}
	}
}

// Seq returns the last store change applied to both indexes.
func (f *Follower) Seq() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// Start brings both indexes up to date. The feature index, which lives in
// memory, is loaded from the feature snapshot when there is one it can
// trust (snapshot.go), in full from the store otherwise. The text index is
// rebuilt when it is new or was emptied (Seq 0 while the store has
// changes) or when it claims changes the store does not have (another
// store); otherwise it catches up from its Seq.
func (f *Follower) Start(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	last, err := f.src.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("index: follower start: %w", err)
	}
	var textSeq uint64
	if f.text != nil {
		if textSeq, err = f.text.Seq(); err != nil {
			return err
		}
	}
	if f.text != nil && (textSeq == 0 && last > 0 || textSeq > last) {
		if err := f.rebuild(ctx, last); err != nil {
			return err
		}
	} else {
		// Load the features as of the snapshot's Seq, or as of now (at
		// least last); the changes after the older of the two indexes are
		// then applied to both, which repeats some on the other
		// harmlessly: every change re-reads the record.
		featSeq, ok := f.loadSnapshot(ctx, last)
		if !ok {
			if err := f.loadFeatures(ctx); err != nil {
				return err
			}
			featSeq = last
			f.saveOnRun = true
		}
		if err := f.loadShifts(ctx); err != nil {
			return err
		}
		seq := last
		if f.text != nil {
			seq = textSeq
		}
		f.setSeq(min(seq, featSeq))
	}
	n, err := f.catchUp(ctx)
	if err != nil {
		return err
	}
	f.log.Info("index: follower started", "seq", f.seq, "caught_up", n)
	return nil
}

// Rebuild drops the text index and rebuilds both indexes from the store.
func (f *Follower) Rebuild(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	last, err := f.src.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	if err := f.rebuild(ctx, last); err != nil {
		return err
	}
	_, err = f.catchUp(ctx)
	return err
}

// rebuild empties the text index and fills both indexes from the store,
// then records last, read before the store was walked, as applied: changes
// made during the walk are applied again by the next catch-up. The text
// index keeps Seq 0 until the end, so an interrupted rebuild starts over.
func (f *Follower) rebuild(ctx context.Context, last uint64) error {
	begin := time.Now()
	if f.text != nil {
		if err := f.text.Reset(); err != nil {
			return err
		}
	}
	if f.features != nil {
		f.features.Reset()
	}
	var (
		pending []*volmatch.Need
		done    int
	)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if f.text != nil {
			if err := f.text.Apply(nil, pending, nil, 0); err != nil {
				return err
			}
		}
		done += len(pending)
		pending = pending[:0]
		if f.progress != nil {
			f.progress(done, -1)
		}
		return nil
	}
	var all []*volmatch.Volunteer // for a bulk load of the features
	err := f.eachVolunteerBatch(ctx, func(vs []*volmatch.Volunteer) error {
		vs = coarsened(vs)
		if f.text != nil {
			// Big batches on every core (Bulk), not the follower's pages.
			if err := f.text.Bulk(ctx, vs, nil); err != nil {
				return err
			}
		}
		done += len(vs)
		if f.progress != nil {
			f.progress(done, -1)
		}
		if f.features != nil {
			all = append(all, f.slimmed(vs)...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: rebuild volunteers: %w", err)
	}
	if f.features != nil {
		f.features.Load(all)
		if err := f.loadHeld(ctx); err != nil {
			return err
		}
		f.saveOnRun = true
	}
	var shifts *grid.Shifts
	if f.keepOpen {
		shifts = grid.NewShifts(grid.ShiftsOptions{})
	}
	err = f.src.EachNeed(ctx, func(n *volmatch.Need) error {
		if shifts != nil {
			putShift(shifts, n)
		}
		pending = append(pending, n)
		if len(pending) >= f.batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: rebuild needs: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	if shifts != nil {
		f.shifts.Store(shifts)
	}
	if err := f.rebuildCatalog(ctx); err != nil {
		return err
	}
	if f.text != nil {
		if err := f.text.SetSeq(last); err != nil {
			return err
		}
	}
	f.setSeq(last)
	f.log.Info("index: rebuilt from the store", "records", done, "seq", last,
		"took", time.Since(begin).Round(time.Millisecond))
	return nil
}

// rebuildCatalog indexes every catalogue record, in the follower's batches.
func (f *Follower) rebuildCatalog(ctx context.Context) error {
	if f.text == nil || f.catalog == nil {
		return nil
	}
	var docs []volmatch.CatalogDoc
	err := f.catalog.EachCatalogDoc(ctx, func(d volmatch.CatalogDoc) error {
		docs = append(docs, d)
		if len(docs) < f.batch {
			return nil
		}
		err := f.text.UpsertDocs(docs)
		docs = docs[:0]
		return err
	})
	if err == nil {
		err = f.text.UpsertDocs(docs)
	}
	if err != nil {
		return fmt.Errorf("index: rebuild catalogue: %w", err)
	}
	return nil
}

// loadFeatures loads every volunteer into the feature grid.
func (f *Follower) loadFeatures(ctx context.Context) error {
	if f.features == nil {
		return nil
	}
	var all []*volmatch.Volunteer
	each := f.eachVolunteerBatch
	if sb, ok := f.src.(slimBatcher); ok && f.slim {
		each = sb.EachVolunteerSlim
	}
	err := each(ctx, func(vs []*volmatch.Volunteer) error {
		all = append(all, f.slimmed(coarsened(vs))...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: load features: %w", err)
	}
	f.features.Load(all)
	return f.loadHeld(ctx)
}

// loadHeld loads every volunteer's held slots into the feature grid
// (after a full load of the volunteers).
func (f *Follower) loadHeld(ctx context.Context) error {
	held, err := f.src.HeldSlots(ctx)
	if err != nil {
		return fmt.Errorf("index: load held slots: %w", err)
	}
	f.features.LoadHeld(held)
	return nil
}

// eachVolunteerBatch walks the source's volunteers many at a time.
func (f *Follower) eachVolunteerBatch(ctx context.Context, fn func([]*volmatch.Volunteer) error) error {
	if b, ok := f.src.(volunteerBatcher); ok {
		return b.EachVolunteerBatch(ctx, fn)
	}
	n := f.batch
	batch := make([]*volmatch.Volunteer, 0, n)
	err := f.src.EachVolunteer(ctx, func(v *volmatch.Volunteer) error {
		batch = append(batch, v)
		if len(batch) == n {
			err := fn(batch)
			batch = make([]*volmatch.Volunteer, 0, n)
			return err
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = fn(batch)
	}
	return err
}

// coarsened returns copies of vs with their homes at the masked point
// (volmatch.Volunteer.Coarsened), in a new slice: what the indexes hold.
func coarsened(vs []*volmatch.Volunteer) []*volmatch.Volunteer {
	out := make([]*volmatch.Volunteer, len(vs))
	parallel.For(len(vs), 256, func(i int) { out[i] = vs[i].Coarsened() })
	return out
}

// slimmed returns vs, as slim copies when the follower slims (in a new
// slice: the caller may hold vs).
func (f *Follower) slimmed(vs []*volmatch.Volunteer) []*volmatch.Volunteer {
	if !f.slim {
		return vs
	}
	out := make([]*volmatch.Volunteer, len(vs))
	parallel.For(len(vs), 256, func(i int) { out[i] = grid.Slim(vs[i]) })
	return out
}

// CatchUp applies every change after the last applied one to both indexes
// and returns the number of changes applied. A record that cannot be found
// any more is deleted from the indexes.
func (f *Follower) CatchUp(ctx context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.catchUp(ctx)
}

func (f *Follower) catchUp(ctx context.Context) (int, error) {
	applied := 0
	for {
		cs, err := f.src.Changes(ctx, f.seq, f.batch)
		if err != nil {
			return applied, fmt.Errorf("index: read changes after %d: %w", f.seq, err)
		}
		if len(cs) == 0 {
			return applied, nil
		}
		if err := f.applyChanges(ctx, cs); err != nil {
			return applied, err
		}
		applied += len(cs)
		f.setSeq(cs[len(cs)-1].Seq)
		if len(cs) < f.batch {
			return applied, nil
		}
	}
}

// applyChanges applies one page of changes: each record once, as it is now.
func (f *Follower) applyChanges(ctx context.Context, cs []volmatch.Change) error {
	type ref struct {
		kind volmatch.ChangeKind
		id   string
	}
	// textual: some change of the record in this page is not Derived, so
	// its text may have changed.
	textual := make(map[ref]bool, len(cs))
	for _, c := range cs {
		if !c.Derived {
			textual[ref{c.Kind, c.ID}] = true
		}
	}
	seen := make(map[ref]bool, len(cs))
	var (
		vs      []*volmatch.Volunteer
		ns      []*volmatch.Need
		docs    []volmatch.CatalogDoc
		deleted []volmatch.Change
		retext  []*volmatch.Volunteer // the volunteers of vs the text index must see
		all     []*volmatch.Need      // ns and the needs whose fill counts changed (Derived)
		// volChanges are the changes of volunteers to read, newest first.
		volChanges []volmatch.Change
	)
	for i := len(cs) - 1; i >= 0; i-- { // newest first, so the last word wins
		c := cs[i]
		r := ref{c.Kind, c.ID}
		catalogue := volmatch.IsCatalogKind(c.Kind) && f.catalog != nil
		if seen[r] || c.Kind != volmatch.ChangeVolunteer && c.Kind != volmatch.ChangeNeed && !catalogue {
			continue
		}
		seen[r] = true
		if c.Deleted {
			deleted = append(deleted, c)
			continue
		}
		if catalogue {
			d, err := f.catalog.CatalogDoc(ctx, c.Kind, c.ID)
			switch {
			case err == nil:
				docs = append(docs, d)
			case volmatch.ErrorCode(err) == volmatch.ENOTFOUND:
				deleted = append(deleted, c)
			default:
				return fmt.Errorf("index: read %s %s for change %d: %w", c.Kind, c.ID, c.Seq, err)
			}
			continue
		}
		if c.Kind == volmatch.ChangeNeed && !textual[r] && !f.keepOpen {
			continue // a fill count: the text index holds none, the grid no need
		}
		if c.Kind == volmatch.ChangeVolunteer {
			volChanges = append(volChanges, c) // read below, all at once
			continue
		}
		n, err := f.src.Need(ctx, c.ID)
		switch {
		case err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND:
			return fmt.Errorf("index: read %s %s for change %d: %w", c.Kind, c.ID, c.Seq, err)
		case n != nil:
			all = append(all, n)
			if textual[r] {
				ns = append(ns, n)
			}
		default:
			deleted = append(deleted, c) // deleted since: delete it here
		}
	}
	// A volunteer whose changes in this page are all derived (Stats and
	// held slots) and whom the feature index holds is not read again: the
	// index's copy takes the Stats and held slots read for it
	// (grid.Features.SetStatsHeld, below).
	var derivedIDs []string // in the order of volChanges
	var derivedStats map[string]volmatch.VolunteerStats
	var derivedHeld map[string][]volmatch.HeldSlot
	if sh, ok := f.src.(statsHeldReader); ok && f.features != nil && len(volChanges) > 0 {
		var ids []string
		var changes []volmatch.Change
		full := volChanges[:0:0]
		for _, c := range volChanges {
			if _, ok := f.features.Volunteer(c.ID); ok && !textual[ref{c.Kind, c.ID}] {
				ids = append(ids, c.ID)
				changes = append(changes, c)
				continue
			}
			full = append(full, c)
		}
		if len(ids) > 0 {
			stats, slots, err := sh.VolunteerStatsHeld(ctx, ids)
			if err != nil {
				return fmt.Errorf("index: read stats of %d volunteers for changes to %d: %w", len(ids), cs[len(cs)-1].Seq, err)
			}
			derivedStats, derivedHeld = stats, slots
			for _, c := range changes {
				if _, ok := stats[c.ID]; !ok {
					deleted = append(deleted, c) // deleted since: delete it here
					continue
				}
				derivedIDs = append(derivedIDs, c.ID)
			}
		}
		volChanges = full
	}
	if len(volChanges) > 0 {
		ids := make([]string, len(volChanges))
		for i, c := range volChanges {
			ids[i] = c.ID
		}
		got, err := f.readVolunteers(ctx, ids)
		if err != nil {
			return fmt.Errorf("index: read %d volunteers for changes to %d: %w", len(ids), cs[len(cs)-1].Seq, err)
		}
		for _, c := range volChanges {
			v := got[c.ID]
			if v == nil {
				deleted = append(deleted, c) // deleted since: delete it here
				continue
			}
			cv := v.Coarsened()
			vs = append(vs, cv)
			if textual[ref{c.Kind, c.ID}] {
				retext = append(retext, cv)
			}
		}
	}
	if f.text != nil {
		if err := f.text.UpsertDocs(docs); err != nil {
			return err
		}
		// Stats and held slots only (Change.Derived): the text index holds
		// neither, so such a volunteer is not indexed again.
		if err := f.text.Apply(retext, ns, deleted, cs[len(cs)-1].Seq); err != nil {
			return err
		}
	}
	if x := f.shifts.Load(); x != nil {
		// A fill count (Derived) may fill a shift or free one: the index
		// re-reads every need changed.
		for _, n := range all {
			putShift(x, n)
		}
		for _, c := range deleted {
			if c.Kind == volmatch.ChangeNeed {
				x.Delete(c.ID)
			}
		}
	}
	if f.features != nil {
		var ids []string // the volunteers of vs whose held slots are still to read
		for _, v := range vs {
			if _, ok := derivedHeld[v.ID]; !ok {
				ids = append(ids, v.ID)
			}
		}
		held := derivedHeld
		if len(ids) > 0 {
			more, err := f.src.HeldSlots(ctx, ids...)
			if err != nil {
				return fmt.Errorf("index: read held slots for changes to %d: %w", cs[len(cs)-1].Seq, err)
			}
			if held == nil {
				held = more
			} else {
				maps.Copy(held, more)
			}
		}
		for _, v := range vs {
			f.features.UpsertHeld(v, held[v.ID])
		}
		for _, id := range derivedIDs {
			f.features.SetStatsHeld(id, derivedStats[id], derivedHeld[id])
		}
		for _, c := range deleted {
			if c.Kind == volmatch.ChangeVolunteer {
				f.features.Delete(c.ID)
			}
		}
	}
	return nil
}

// readVolunteers reads the volunteers of ids, all at once when the source
// can (volunteersByID), and leaves out the missing ones.
func (f *Follower) readVolunteers(ctx context.Context, ids []string) (map[string]*volmatch.Volunteer, error) {
	if b, ok := f.src.(volunteersByID); ok {
		return b.VolunteersByID(ctx, ids)
	}
	out := make(map[string]*volmatch.Volunteer, len(ids))
	for _, id := range ids {
		v, err := f.src.Volunteer(ctx, id)
		switch {
		case err == nil:
			out[id] = v
		case volmatch.ErrorCode(err) != volmatch.ENOTFOUND:
			return nil, err
		}
	}
	return out, nil
}

// changeWaiter is a ChangeSource that can wait for a change newer than after.
type changeWaiter interface {
	WaitChange(ctx context.Context, after uint64, timeout time.Duration) (bool, error)
}

// Run calls CatchUp every interval until ctx is done, so that the indexes
// follow writes made by other replicas; a ChangeSource that can wait for a
// change (WaitChange) wakes it as soon as one is written. Errors are logged
// and retried.
func (f *Follower) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	// A source that can block until a newer change (store/redis, on its
	// stream) wakes the follower at once instead of at the next tick.
	waiter, _ := f.src.(changeWaiter)
	f.mu.Lock()
	save := f.saveOnRun
	f.saveOnRun = false
	f.mu.Unlock()
	if save {
		// A snapshot for the next start, should this process end without
		// saving one (a crash): the changes since are applied from the store.
		f.saveBehind(ctx)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		waited := false
		if waiter != nil {
			_, err := waiter.WaitChange(ctx, f.Seq(), every)
			waited = err == nil // on an error (the store may be down) wait a tick instead
		}
		if !waited {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		if ctx.Err() != nil {
			return
		}
		n, err := f.CatchUp(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			f.log.Warn("index: catch-up failed", "seq", f.Seq(), "err", err)
			continue
		}
		if n > 0 {
			f.log.Debug("index: caught up", "changes", n, "seq", f.Seq())
			if f.snapshot != "" && f.Seq()-f.savedAt.Load() >= snapshotEvery {
				f.saveBehind(ctx)
			}
		}
	}
}
