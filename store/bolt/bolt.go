package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"volmatch"
)

// FileName is the name of the store file inside a data folder.
const FileName = "volmatch.db"

// Bucket names.
var (
	bVolunteers  = []byte("volunteers")
	bNeeds       = []byte("needs")
	bPools       = []byte("pools")
	bStations    = []byte("stations")
	bInvitations = []byte("invitations")
	bAssignments = []byte("assignments")
	bEvents      = []byte("events")
	bChanges     = []byte("changes")
	bTokens      = []byte("tokens")
	bOrgs        = []byte("organisations")
	// bAsgByVol holds volunteer\x00assignmentID -> "".
	bAsgByVol = []byte("assignments_by_volunteer")
	// bAsgByShift holds need\x00shift\x00assignmentID -> "".
	bAsgByShift = []byte("assignments_by_shift")
	// bLiveInvites holds volunteer\x00need\x00shift -> invitation ID of the
	// sent (live) invitation.
	bLiveInvites = []byte("live_invitations")
	// bFills holds need\x00shift -> big-endian count of holding assignments.
	bFills = []byte("fills")
	// bIdem holds scope\x00key -> the idempotency record (JSON).
	bIdem = []byte("idempotency")
	// bJobs holds job ID -> the job (JSON).
	bJobs = []byte("jobs")
)

var allBuckets = [][]byte{bVolunteers, bNeeds, bPools, bStations, bInvitations, bAssignments,
	bEvents, bChanges, bTokens, bAsgByVol, bAsgByShift, bLiveInvites, bFills, bOrgs, bIdem, bJobs,
	bCerts, bCertSeries, bCertByVol, bOpenings, bTxns, bBalances, bTxnByAccount, bTeams,
	bProjects}

// Options tune a Store; the zero value is the safe default.
type Options struct {
	// NoSync skips the fsync on commit: for tests and bulk loads only, a
	// crash may then lose acknowledged writes.
	NoSync bool
	// Now is the clock for PostedAt, UpdatedAt and defaults (time.Now when nil).
	Now func() time.Time
	// LockTimeout is how long Open waits for the file lock held by another
	// process before failing (1s when zero).
	LockTimeout time.Duration
}

// Store is the bbolt implementation of volmatch.Store. It is safe for
// concurrent use.
type Store struct {
	common // pools, stations, organisations; need and invitation writes

	db   *bbolt.DB
	now  func() time.Time
	path string

	appends appender     // group commit of AppendEvents (group.go)
	changed changeSignal // wakes WaitChange after a write
	holders holderSet    // volunteers that hold or held an assignment
	closed  atomic.Bool
}

var _ volmatch.Store = (*Store)(nil)

// Open opens (creating when missing) the store file at path and its buckets.
// A file held open by another process (or another Open in this one) makes it
// fail after Options.LockTimeout with an EUNAVAILABLE error.
func Open(path string, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("bolt: create folder %s: %w", dir, err)
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: o.LockTimeout, NoSync: o.NoSync})
	if errors.Is(err, bberrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: %w", path, volmatch.Errorf(volmatch.EUNAVAILABLE,
			"the store file %s is in use by another process (waited %s for its lock)", path, o.LockTimeout))
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	s := &Store{db: db, now: o.Now, path: path}
	s.common = s.shared()
	if err := s.holders.load(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	return s, nil
}

// holderSet is the set of volunteers with an entry in the assignments-by-
// volunteer index, kept in memory so that asking for the assignments of a
// volunteer who never had one costs no transaction. Entries are added
// before the transaction that writes the index entry commits and never
// removed, so the set is a superset of the index: a volunteer missing from
// it has no assignment. (The file is locked to this process, so no other
// writer can add one behind its back.)
type holderSet struct {
	mu  sync.RWMutex
	ids map[string]struct{}
}

func (h *holderSet) load(db *bbolt.DB) error {
	ids := map[string]struct{}{}
	err := db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bAsgByVol).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			vol, _, _ := bytes.Cut(k, []byte{0})
			if _, ok := ids[string(vol)]; !ok {
				ids[string(vol)] = struct{}{}
			}
		}
		return nil
	})
	h.mu.Lock()
	h.ids = ids
	h.mu.Unlock()
	return err
}

func (h *holderSet) add(vol string) {
	h.mu.Lock()
	h.ids[vol] = struct{}{}
	h.mu.Unlock()
}

func (h *holderSet) has(vol string) bool {
	h.mu.RLock()
	_, ok := h.ids[vol]
	h.mu.RUnlock()
	return ok
}

// Path returns the file the store was opened on.
func (s *Store) Path() string { return s.path }

// Close closes the file; the store must not be used afterwards.
func (s *Store) Close() error {
	s.closed.Store(true)
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

// Ping reports whether the store can serve: EUNAVAILABLE once closed.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx *bbolt.Tx) error { return nil })
}

// update runs fn in one write transaction after checking ctx. A fence in
// ctx (volmatch.WithFence) is checked and marked in the same transaction.
func (s *Store) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	if f, ok := volmatch.FenceFrom(ctx); ok {
		inner := fn
		fn = func(tx *bbolt.Tx) error {
			if err := fence(tx, f); err != nil {
				return err
			}
			return inner(tx)
		}
	}
	err := dbErr(s.db.Update(fn))
	if err == nil {
		s.changed.notify() // the write may have appended changes
	}
	return err
}

// view runs fn in one read transaction after checking ctx.
func (s *Store) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: %w", err)
	}
	return dbErr(s.db.View(fn))
}

// dbErr turns a closed database into EUNAVAILABLE.
func dbErr(err error) error {
	if errors.Is(err, bberrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("bolt: %w", volmatch.Errorf(volmatch.EUNAVAILABLE, "the store is closed"))
	}
	return err
}

// key joins parts with a NUL byte, which no valid ID holds.
func key(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// getJSON decodes the value at k into v, reporting whether it exists.
func getJSON(b *bbolt.Bucket, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("bolt: decode record %q: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bbolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bolt: encode %q: %w", k, err)
	}
	if err := b.Put(k, raw); err != nil {
		return fmt.Errorf("bolt: put %q: %w", k, err)
	}
	return nil
}

// appendChange appends one entry to the change feed.
func appendChange(tx *bbolt.Tx, kind volmatch.ChangeKind, id string, deleted bool) error {
	return putChange(tx, volmatch.Change{Kind: kind, ID: id, Deleted: deleted})
}

// appendDerived appends a change of derived figures only (Change.Derived).
func appendDerived(tx *bbolt.Tx, kind volmatch.ChangeKind, id string) error {
	return putChange(tx, volmatch.Change{Kind: kind, ID: id, Derived: true})
}

func putChange(tx *bbolt.Tx, c volmatch.Change) error {
	b := tx.Bucket(bChanges)
	b.FillPercent = 0.95
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("bolt: change sequence: %w", err)
	}
	c.Seq = seq
	return putJSON(b, u64(seq), c)
}

// appendEvent appends one event to the log, giving it its Seq.
func appendEvent(tx *bbolt.Tx, ev volmatch.Event) error {
	raw, err := encodeEvent(ev)
	if err != nil {
		return err
	}
	return appendEncoded(tx, raw)
}

// seqZero is how encodeEvent's JSON starts: the Seq, 0 until appended.
const seqZero = `{"seq":0,`

// encodeEvent encodes ev with Seq 0, which appendEncoded replaces, so that
// the encoding can happen outside the write transaction.
func encodeEvent(ev volmatch.Event) ([]byte, error) {
	ev.Seq = 0
	raw, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("bolt: encode event %s: %w", ev.Type, err)
	}
	if !bytes.HasPrefix(raw, []byte(seqZero)) {
		return nil, fmt.Errorf("bolt: encoded event does not start with its seq")
	}
	return raw, nil
}

// appendEncoded appends an event encoded by encodeEvent, giving it its Seq.
func appendEncoded(tx *bbolt.Tx, raw []byte) error {
	b := tx.Bucket(bEvents)
	b.FillPercent = 0.95 // keys only grow: fill the pages rather than split them in half
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("bolt: event sequence: %w", err)
	}
	v := make([]byte, 0, len(raw)+20)
	v = append(v, `{"seq":`...)
	v = strconv.AppendUint(v, seq, 10)
	v = append(v, raw[len(seqZero)-1:]...)
	if err := b.Put(u64(seq), v); err != nil {
		return fmt.Errorf("bolt: put event %d: %w", seq, err)
	}
	return nil
}

// list pages through bucket b in key (ID) order after o.After, decoding each
// value into a new T and keeping those keep accepts. The cursor is the last
// ID of the page when more matching records follow, "" otherwise.
func list[T any](b *bbolt.Bucket, o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	limit, err := o.PageSize()
	if err != nil {
		return nil, "", err
	}
	var out []*T
	var last string
	c := b.Cursor()
	for k, v := seekAfter(c, o.After); k != nil; k, v = c.Next() {
		x := new(T)
		if err := json.Unmarshal(v, x); err != nil {
			return nil, "", fmt.Errorf("bolt: decode record %q: %w", k, err)
		}
		if keep != nil && !keep(x) {
			continue
		}
		if len(out) == limit {
			return out, last, nil // one more matches: there is a next page
		}
		out = append(out, x)
		last = string(k)
	}
	return out, "", nil
}

// listIDs pages through the records of bucket b whose IDs are given in
// ascending order (from a secondary index).
func listIDs[T any](b *bbolt.Bucket, ids []string, o volmatch.ListOptions, keep func(*T) bool) ([]*T, string, error) {
	limit, err := o.PageSize()
	if err != nil {
		return nil, "", err
	}
	var out []*T
	var last string
	for _, id := range ids {
		if o.After != "" && id <= o.After {
			continue
		}
		x := new(T)
		ok, err := getJSON(b, []byte(id), x)
		if err != nil {
			return nil, "", err
		}
		if !ok || keep != nil && !keep(x) {
			continue
		}
		if len(out) == limit {
			return out, last, nil
		}
		out = append(out, x)
		last = id
	}
	return out, "", nil
}

// seekAfter positions c on the first key after the given one, or on the
// first key when after is "" (bbolt keys are never empty).
func seekAfter(c *bbolt.Cursor, after string) (k, v []byte) {
	if after == "" {
		return c.First()
	}
	k, v = c.Seek([]byte(after))
	if k != nil && string(k) == after {
		k, v = c.Next()
	}
	return k, v
}

// suffixes returns, in key order, what follows prefix\x00 in the keys of b.
func suffixes(b *bbolt.Bucket, prefix ...string) []string {
	p := append(key(prefix...), 0)
	var out []string
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		out = append(out, string(k[len(p):]))
	}
	return out
}

// eachBatch is how many records Each* decodes per read transaction, so a
// slow callback never holds one long read transaction (which would block a
// write that must grow the file).
const eachBatch = 1000

// each calls fn for every record of bucket in ID order, in batches.
func each[T any](ctx context.Context, s *Store, bucket []byte, prep func(tx *bbolt.Tx, x *T) error, fn func(*T) error) error {
	after := ""
	for {
		var batch []*T
		err := s.view(ctx, func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			for k, v := seekAfter(c, after); k != nil && len(batch) < eachBatch; k, v = c.Next() {
				x := new(T)
				if err := json.Unmarshal(v, x); err != nil {
					return fmt.Errorf("bolt: decode %s %q: %w", bucket, k, err)
				}
				if prep != nil {
					if err := prep(tx, x); err != nil {
						return err
					}
				}
				batch = append(batch, x)
				after = string(k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, x := range batch {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(batch) < eachBatch {
			return nil
		}
	}
}
