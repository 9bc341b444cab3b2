package index

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	"volmatch"
	"volmatch/internal/parallel"
)

// Source is what a Follower reads: the store's change feed and the current
// records. Every volmatch.Store is a Source.
type Source interface {
	volmatch.ChangeFeed
	// Volunteer returns a volunteer; ENOTFOUND when it was deleted.
	Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error)
	// Need returns a need; ENOTFOUND when it was deleted.
	Need(ctx context.Context, id string) (*volmatch.Need, error)
	EachVolunteer(ctx context.Context, fn func(*volmatch.Volunteer) error) error
	EachNeed(ctx context.Context, fn func(*volmatch.Need) error) error
}

// FeatureSink is what a Follower updates in the in-memory feature index;
// *Features is one. A sink that also has a Reset() method is emptied before
// a rebuild.
type FeatureSink interface {
	Upsert(v *volmatch.Volunteer)
	Delete(id string)
}

var _ FeatureSink = (*Features)(nil)

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
	// Slim, when set, gives the feature index slim copies of the volunteers
	// (see Slim) instead of the records as read.
	Slim bool
}

// volunteerBatcher is a Source that reads many volunteers at a time,
// decoding them on every core (store/bolt).
type volunteerBatcher interface {
	EachVolunteerBatch(ctx context.Context, fn func([]*volmatch.Volunteer) error) error
}

// slimBatcher is a Source that reads volunteers without what Slim drops,
// skipping it while decoding (store/bolt).
type slimBatcher interface {
	EachVolunteerSlim(ctx context.Context, fn func([]*volmatch.Volunteer) error) error
}

// bulkLoader is a feature sink that loads many volunteers at once (and lays
// them out better than one Upsert each); *Features is one.
type bulkLoader interface {
	Load(vs []*volmatch.Volunteer)
}

// Follower keeps the text index and the feature index in step with the
// store by applying its change feed. It is safe for concurrent use: calls
// are serialised.
type Follower struct {
	src      Source
	text     *Text
	features FeatureSink // may be nil
	log      *slog.Logger
	batch    int
	progress func(done, total int)
	slim     bool

	mu  sync.Mutex
	seq uint64 // the last change applied to both indexes
}

// NewFollower returns a follower of src that updates text and features
// (either may be nil). Call Start before CatchUp or Run.
func NewFollower(src Source, text *Text, features FeatureSink, o FollowerOptions) *Follower {
	if fs, ok := features.(*Features); ok && fs == nil {
		features = nil // a nil *Features means no feature index
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	return &Follower{src: src, text: text, features: features, log: o.Logger, batch: o.Batch,
		progress: o.Progress, slim: o.Slim}
}

// Seq returns the last store change applied to both indexes.
func (f *Follower) Seq() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// Start brings both indexes up to date. The feature index, which lives in
// memory, is always loaded in full from the store. The text index is
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
		// Load the features as of now (at least last); the changes after
		// the text index's Seq are then applied to both, which repeats some
		// on the features harmlessly: every change re-reads the record.
		if err := f.loadFeatures(ctx); err != nil {
			return err
		}
		f.seq = textSeq
		if f.text == nil {
			f.seq = last
		}
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
	if r, ok := f.features.(interface{ Reset() }); ok {
		r.Reset()
	}
	var (
		pending []textChange
		done    int
	)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if f.text != nil {
			if err := f.text.apply(pending, 0); err != nil {
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
	add := func(c textChange) error {
		pending = append(pending, c)
		if len(pending) >= f.batch {
			return flush()
		}
		return nil
	}
	var all []*volmatch.Volunteer // for a bulk load of the features
	loader, bulk := f.features.(bulkLoader)
	err := f.eachVolunteerBatch(ctx, func(vs []*volmatch.Volunteer) error {
		if f.text != nil {
			// Big batches on every core (Text.Bulk), not the follower's pages.
			if err := f.text.Bulk(ctx, vs, nil); err != nil {
				return err
			}
		}
		done += len(vs)
		if f.progress != nil {
			f.progress(done, -1)
		}
		vs = f.slimmed(vs)
		if bulk {
			all = append(all, vs...)
		} else if f.features != nil {
			for _, v := range vs {
				f.features.Upsert(v)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: rebuild volunteers: %w", err)
	}
	if bulk {
		loader.Load(all)
	}
	err = f.src.EachNeed(ctx, func(n *volmatch.Need) error {
		return add(textChange{kind: volmatch.ChangeNeed, id: n.ID, n: n})
	})
	if err != nil {
		return fmt.Errorf("index: rebuild needs: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	if f.text != nil {
		if err := f.text.SetSeq(last); err != nil {
			return err
		}
	}
	f.seq = last
	f.log.Info("index: rebuilt from the store", "records", done, "seq", last,
		"took", time.Since(begin).Round(time.Millisecond))
	return nil
}

// loadFeatures loads every volunteer into the feature index.
func (f *Follower) loadFeatures(ctx context.Context) error {
	if f.features == nil {
		return nil
	}
	if r, ok := f.features.(interface{ Reset() }); ok {
		r.Reset()
	}
	loader, bulk := f.features.(bulkLoader)
	var all []*volmatch.Volunteer
	each := f.eachVolunteerBatch
	if sb, ok := f.src.(slimBatcher); ok && f.slim {
		each = sb.EachVolunteerSlim
	}
	err := each(ctx, func(vs []*volmatch.Volunteer) error {
		vs = f.slimmed(vs)
		if bulk {
			all = append(all, vs...)
			return nil
		}
		for _, v := range vs {
			f.features.Upsert(v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: load features: %w", err)
	}
	if bulk {
		loader.Load(all)
	}
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

// slimmed returns vs, as slim copies when the follower slims (in a new
// slice: the caller may hold vs).
func (f *Follower) slimmed(vs []*volmatch.Volunteer) []*volmatch.Volunteer {
	if !f.slim {
		return vs
	}
	out := make([]*volmatch.Volunteer, len(vs))
	parallel.For(len(vs), 256, func(i int) { out[i] = Slim(vs[i]) })
	return out
}

// Slim returns a copy of v for the in-memory feature index, which keeps a
// million of them: without what matching never reads (name, phone, bio,
// hidden preferences), with its repeated strings (district, street, gender,
// skill, certificate, training, language, domain, team and pool keys)
// shared through unique handles (decoding gives each its own copy). The copy
// shares no slice with v, but its short key lists are shared with other
// slim copies: treat it as read-only, as the feature index does.
func Slim(v *volmatch.Volunteer) *volmatch.Volunteer {
	c := *v
	c.Name, c.Phone, c.Bio, c.Hidden = "", "", "", nil
	// The ID is the one string not interned: copy it, since a fast decoder's
	// strings may point into the whole record's bytes, which a held ID
	// would keep alive (1.1 -> 2.2 GiB at 1M volunteers).
	c.ID = strings.Clone(v.ID)
	c.Gender, c.District, c.Street = intern(c.Gender), intern(c.District), intern(c.Street)
	if v.Skills != nil {
		c.Skills = make([]volmatch.SkillLevel, len(v.Skills))
		for i, s := range v.Skills {
			c.Skills[i] = volmatch.SkillLevel{Skill: intern(s.Skill), Level: s.Level}
		}
	}
	if v.Certificates != nil {
		c.Certificates = make([]volmatch.Certificate, len(v.Certificates))
		for i, x := range v.Certificates {
			c.Certificates[i] = volmatch.Certificate{Name: intern(x.Name), Expires: x.Expires}
		}
	}
	c.Exceptions = slices.Clone(v.Exceptions)
	c.Trainings, c.Languages = internAll(v.Trainings), internAll(v.Languages)
	c.PreferredDomains, c.Teams, c.Pools = internAll(v.PreferredDomains), internAll(v.Teams), internAll(v.Pools)
	return &c
}

// intern returns the canonical copy of s.
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// internAll returns a copy of xs with its strings interned; lists of up to
// two keys (most of them: one language, a team) are themselves shared.
func internAll(xs []string) []string {
	switch len(xs) {
	case 0:
		if xs == nil {
			return nil
		}
		return []string{}
	case 1, 2:
		key := xs[0]
		if len(xs) == 2 {
			key += "\x00" + xs[1]
		}
		if l, ok := sharedLists.Load(key); ok {
			return l.([]string)
		}
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = intern(x)
		}
		out = out[:len(out):len(out)] // an append copies
		l, _ := sharedLists.LoadOrStore(intern(key), out)
		return l.([]string)
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = intern(x)
	}
	return out
}

// sharedLists holds the shared lists of one or two keys, by their keys
// joined with NUL. Keys come from the taxonomy, teams from streets: the
// table stays small.
var sharedLists sync.Map

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
		f.seq = cs[len(cs)-1].Seq
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
	seen := make(map[ref]bool, len(cs))
	var out []textChange
	for i := len(cs) - 1; i >= 0; i-- { // newest first, so the last word wins
		c := cs[i]
		r := ref{c.Kind, c.ID}
		if seen[r] || c.Kind != volmatch.ChangeVolunteer && c.Kind != volmatch.ChangeNeed {
			continue
		}
		seen[r] = true
		tc := textChange{kind: c.Kind, id: c.ID}
		if !c.Deleted {
			var err error
			switch c.Kind {
			case volmatch.ChangeVolunteer:
				tc.v, err = f.src.Volunteer(ctx, c.ID)
			case volmatch.ChangeNeed:
				tc.n, err = f.src.Need(ctx, c.ID)
			}
			if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
				tc.v, tc.n, err = nil, nil, nil // deleted since: delete it here
			}
			if err != nil {
				return fmt.Errorf("index: read %s %s for change %d: %w", c.Kind, c.ID, c.Seq, err)
			}
		}
		out = append(out, tc)
	}
	if f.text != nil {
		if err := f.text.apply(out, cs[len(cs)-1].Seq); err != nil {
			return err
		}
	}
	if f.features != nil {
		for _, tc := range out {
			if tc.kind != volmatch.ChangeVolunteer {
				continue
			}
			if tc.v != nil {
				f.features.Upsert(tc.v)
			} else {
				f.features.Delete(tc.id)
			}
		}
	}
	return nil
}

// changeWaiter is a Source that can wait for a change newer than after.
type changeWaiter interface {
	WaitChange(ctx context.Context, after uint64, timeout time.Duration) (bool, error)
}

// Run calls CatchUp every interval until ctx is done, so that the indexes
// follow writes made by other replicas; a Source that can wait for a change
// (WaitChange) wakes it as soon as one is written. Errors are logged and
// retried.
func (f *Follower) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	// A source that can block until a newer change (store/redis, on its
	// stream) wakes the follower at once instead of at the next tick.
	waiter, _ := f.src.(changeWaiter)
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
		}
	}
}
