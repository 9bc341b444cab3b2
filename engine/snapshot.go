package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"volmatch/matcher/grid"
)

// The feature snapshot (grid.WriteSnapshot): the follower saves the feature
// index to FollowerOptions.Snapshot and, at the next Start, loads it instead
// of walking every volunteer of the store, then applies the store's changes
// after the snapshot's Seq as it applies any change (re-reading each changed
// record). A snapshot is used only when every check passes; any doubt means
// a full load from the store, logged, never an index that may be wrong:
//
//   - it reads whole, of this version, with its checksum (grid.ErrSnapshot
//     otherwise: truncated, corrupt, another version);
//   - it was taken from this store: the store's identity (StoreID, made at
//     random on first use) is the one it recorded, and so is the store's
//     change at its Seq (a copy of the store file shares the identity);
//   - it is not ahead of the store (Seq <= LastChange: a store restored from
//     an older backup);
//   - the changes to apply after it are fewer than half the volunteers it
//     holds (past that a full load is quicker).
//
// Run saves a snapshot after a full load and every snapshotEvery changes,
// in the background; serve saves one at a clean shutdown.

// snapshotEvery is the number of changes applied after which Run saves a
// new snapshot, so that a start after a crash has at most about as many to
// apply from the store.
const snapshotEvery = 200_000

// saveBehind saves a snapshot in the background unless one is being saved:
// the follower goes on applying changes meanwhile (SaveSnapshot holds it only
// while it takes the index's contents).
func (f *Follower) saveBehind(ctx context.Context) {
	if !f.inFlight.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer f.inFlight.Store(false)
		if err := f.SaveSnapshot(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("index: feature snapshot not saved", "err", err)
		}
	}()
}

// snapshotMaxBehind is the share of a snapshot's volunteers beyond which
// the changes after it make a full load the quicker start.
const snapshotMaxBehind = 0.5

// loadSnapshot loads the feature index from the snapshot file when it can
// be trusted for the store whose newest change is last, and returns the
// store change the index then reflects. ok is false when there is no
// snapshot or it was refused (logged): the caller loads in full.
func (f *Follower) loadSnapshot(ctx context.Context, last uint64) (seq uint64, ok bool) {
	if f.snapshot == "" || f.features == nil || !f.slim {
		return 0, false
	}
	begin := time.Now()
	data, err := os.ReadFile(f.snapshot)
	if errors.Is(err, os.ErrNotExist) {
		f.log.Info("index: no feature snapshot; loading the features from the store", "file", f.snapshot)
		return 0, false
	}
	refuse := func(why string, err error) (uint64, bool) {
		f.log.Warn("index: feature snapshot not used; loading the features from the store",
			"file", f.snapshot, "why", why, "err", err)
		return 0, false
	}
	if err != nil {
		return refuse("unreadable", err)
	}
	info, err := grid.ReadSnapshotInfo(data)
	if err != nil {
		return refuse("invalid", err)
	}
	id, err := storeID(ctx, f.src)
	if err != nil {
		return refuse("store unreadable", err)
	}
	if info.Store != id {
		return refuse("taken from another store", fmt.Errorf("store %q, snapshot of %q", id, info.Store))
	}
	if info.Seq > last {
		return refuse("ahead of the store", fmt.Errorf("snapshot at change %d, store at %d", info.Seq, last))
	}
	if info.Seq > 0 {
		cs, err := f.src.Changes(ctx, info.Seq-1, 1)
		if err != nil {
			return refuse("store unreadable", err)
		}
		if len(cs) == 0 || cs[0] != info.At {
			return refuse("taken from another store", fmt.Errorf("the store's change %d differs", info.Seq))
		}
	}
	if behind := last - info.Seq; float64(behind) > snapshotMaxBehind*float64(info.Volunteers) && behind > uint64(f.batch) {
		return refuse("too far behind", fmt.Errorf("%d changes after it, %d volunteers in it", behind, info.Volunteers))
	}
	info, z, err := grid.ReadSnapshot(data)
	if err != nil {
		return refuse("invalid", err)
	}
	if err := f.features.LoadFrozen(z); err != nil {
		return refuse("invalid", err)
	}
	f.saving.Lock()
	f.saved = info.Seq
	f.savedAt.Store(info.Seq)
	f.saving.Unlock()
	f.log.Info("index: features loaded from the snapshot", "file", f.snapshot, "volunteers", info.Volunteers,
		"seq", info.Seq, "behind", last-info.Seq, "took", time.Since(begin).Round(time.Millisecond))
	return info.Seq, true
}

// SaveSnapshot writes the feature index to the snapshot file (nothing when
// the follower has none, or when the file already holds the index as of the
// last change applied): to a temporary file beside it, synced, then
// renamed over it, so that a crash leaves the old snapshot or the new one.
// It holds the follower only while it takes the index's contents; the
// encoding runs beside catch-ups and queries.
func (f *Follower) SaveSnapshot(ctx context.Context) error {
	if f.snapshot == "" || f.features == nil || !f.slim {
		return nil
	}
	begin := time.Now()
	f.mu.Lock()
	seq := f.seq
	z := f.features.Freeze()
	f.mu.Unlock()
	id, err := storeID(ctx, f.src)
	if err != nil {
		return fmt.Errorf("index: save snapshot: %w", err)
	}
	info := grid.SnapshotInfo{Store: id, Seq: seq}
	if seq > 0 {
		cs, err := f.src.Changes(ctx, seq-1, 1)
		if err != nil {
			return fmt.Errorf("index: save snapshot: %w", err)
		}
		if len(cs) == 0 || cs[0].Seq != seq {
			return fmt.Errorf("index: save snapshot: the store has no change %d", seq)
		}
		info.At = cs[0]
	}
	// One writer at a time: two saves would share the temporary file.
	f.saving.Lock()
	defer f.saving.Unlock()
	if seq > 0 && seq == f.saved {
		return nil
	}
	tmp := f.snapshot + ".tmp"
	if err := writeSnapshotFile(tmp, info, z); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("index: save snapshot: %w", err)
	}
	if err := os.Rename(tmp, f.snapshot); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("index: save snapshot: %w", err)
	}
	f.saved = seq
	f.savedAt.Store(seq)
	f.log.Info("index: feature snapshot saved", "file", f.snapshot, "volunteers", len(z.Volunteers),
		"seq", seq, "took", time.Since(begin).Round(time.Millisecond))
	return nil
}

// identified is a ChangeSource with an identity (both stores).
type identified interface {
	StoreID(ctx context.Context) (string, error)
}

// storeID returns the source's identity, "" when it has none.
func storeID(ctx context.Context, src ChangeSource) (string, error) {
	if x, ok := src.(identified); ok {
		return x.StoreID(ctx)
	}
	return "", nil
}

func writeSnapshotFile(path string, info grid.SnapshotInfo, z grid.Frozen) error {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(file, 1<<20)
	err = grid.WriteSnapshot(w, info, z)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

// SaveSnapshot writes the feature index to its snapshot file (Options.
// FeatureSnapshot), for a quick next start; nothing without one. Serve
// calls it at a clean shutdown.
func (e *Engine) SaveSnapshot(ctx context.Context) error {
	return e.follower.SaveSnapshot(ctx)
}
