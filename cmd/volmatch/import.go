package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/taxonomy"
)

func init() { register(newImportCmd) }

// importOptions are the flags of import beyond the store's.
type importOptions struct {
	CPUProfile string
	NoIndex    bool
}

// newImportCmd is `volmatch import`: it validates every file first and
// writes to the store only when all of them are clean.
func newImportCmd(e *env) *cobra.Command {
	var (
		cfg storeConfig
		o   importOptions
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import volunteers, needs, pools, stations and teams from JSONL or CSV files",
		Long: `Import reads every file, decides its kind from the start of its name
(volunteers*, needs*, pools*, stations*, teams*) and its format from the
extension (.jsonl, .csv; pools, stations and teams are JSONL only), and
validates every row.
If any row of any file is bad, each is printed as FILE:ROW: FIELD: REASON and
nothing is written. Otherwise the records are written (created or replaced):
stations, pools, volunteers, teams (whose members must be registered
volunteers), needs. The import is all or nothing: before each
write the records it replaces are read, and if a write fails (the disk, the
Redis server) every record already written is put back as it was (created
ones deleted, replaced ones restored) before import fails; the needs, whose
need.posted events cannot be taken back, are written last in one
transaction. Should the undo itself fail, import says so: run the same
import again (it creates or replaces, so a second run ends where one would). Volunteers stream through in chunks, in
one transaction each, decoded on every core, while the search index under
DATA/index is built beside the store (so that serve only opens it); files
are read twice (check, then write) and never held in memory whole.

The embedded store is written without an fsync per transaction and synced
once at the end: a crash of the process loses nothing acknowledged, a power
failure during an import may need the import redone.`,
		Example: `  volmatch import --data data pop/volunteers.jsonl pop/needs.jsonl pop/pools.jsonl pop/stations.jsonl
  volmatch import --data data volunteers-chaoyang.csv
  volmatch import --data data --cpuprofile import.prof pop/*.jsonl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if o.CPUProfile != "" {
				stop, err := startCPUProfile(o.CPUProfile)
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				defer stop()
			}
			return runImport(cmd.Context(), e, cfg, o, files)
		},
	}
	addStoreFlags(cmd, &cfg)
	f := cmd.Flags()
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the import to this file (go tool pprof)")
	f.BoolVar(&o.NoIndex, "no-index", false, "write the store only; serve builds the search index at its start")
	return cmd
}

// startCPUProfile profiles the CPU into path until the returned stop.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// checked is what the first pass keeps: the small kinds whole, of the
// volunteers only the files.
type checked struct {
	small      datasets.Batch // needs, pools, stations
	volFiles   []string
	volunteers int
	bytes      int64 // size of the volunteer files
}

func runImport(ctx context.Context, e *env, cfg storeConfig, o importOptions, files []string) error {
	// Bleve and the decoders allocate much and keep little: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	begin := time.Now()
	tax := taxonomy.Load()
	c, err := checkFiles(e, files, tax.Has)
	if err != nil {
		return err
	}
	checkedIn := time.Since(begin)

	if cfg.RedisURL == "" {
		cfg.NoSync = true // synced once at the end
	}
	st, err := openStoreConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var text *index.Text
	if cfg.RedisURL == "" && !o.NoIndex && len(c.volFiles)+len(c.small.Needs) > 0 {
		if text, err = openIndex(filepath.Join(cfg.DataDir, "index"), tax, slog.New(slog.DiscardHandler)); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer text.Close()
	}
	w := &importWriter{st: st, text: text, stderr: e.stderr}
	if err := w.writeAll(ctx, c, tax.Has); err != nil {
		if text != nil && w.indexed {
			// The index may hold documents the store has not: derived
			// data, so empty it and let serve rebuild it.
			_ = text.Reset()
		}
		return fmt.Errorf("import: %w", err)
	}
	if s, ok := st.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	if text != nil {
		if err := text.Close(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	took := time.Since(begin)
	teams := ""
	if n := len(c.small.Teams); n > 0 {
		teams = fmt.Sprintf(", %d teams", n)
	}
	fmt.Fprintf(e.stdout, "imported %d volunteers, %d needs, %d pools, %d stations%s in %s (checked in %s)\n",
		c.volunteers, len(c.small.Needs), len(c.small.Pools), len(c.small.Stations), teams,
		took.Round(time.Millisecond), checkedIn.Round(time.Millisecond))
	return nil
}

// checkFiles reads and validates every file (the first pass), printing bad
// rows; any bad row or an ID in two files of a kind fails it.
func checkFiles(e *env, files []string, known func(string) bool) (*checked, error) {
	c := &checked{}
	for _, f := range files {
		kind, _, err := datasets.FileKind(f)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		if kind == datasets.KindVolunteers {
			c.volFiles = append(c.volFiles, f)
			if fi, err := os.Stat(f); err == nil {
				c.bytes += fi.Size()
			}
		}
	}
	bar := newBar(e.stderr, c.bytes, "checking")
	defer bar.Finish()
	var (
		volIDs  = map[string]struct{}{}
		dupVol  string
		bad     int
		offset  int64
		volSeen int
	)
	for _, f := range files {
		kind, _, _ := datasets.FileKind(f)
		var err error
		if kind == datasets.KindVolunteers {
			err = datasets.StreamFile(f, known, datasets.StreamOptions{
				Progress: func(n int64) { _ = bar.Set64(offset + n) },
			}, func(b *datasets.Batch) error {
				for _, v := range b.Volunteers {
					if _, dup := volIDs[v.ID]; dup && dupVol == "" {
						dupVol = v.ID
					}
					volIDs[v.ID] = struct{}{}
				}
				volSeen += len(b.Volunteers)
				return nil
			})
			if fi, serr := os.Stat(f); serr == nil {
				offset += fi.Size()
			}
		} else {
			var b *datasets.Batch
			if b, err = datasets.ReadFile(f, known); err == nil {
				c.small.Add(b)
			}
		}
		var ie *datasets.ImportError
		switch {
		case errors.As(err, &ie):
			_ = bar.Clear()
			for _, r := range ie.Rows {
				fmt.Fprintln(e.stderr, r.String())
			}
			bad += len(ie.Rows)
		case err != nil:
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	if bad > 0 {
		return nil, fmt.Errorf("import: %d bad rows; nothing written", bad)
	}
	if dupVol != "" {
		return nil, fmt.Errorf("import: volunteer id %q is in more than one file; nothing written", dupVol)
	}
	if err := crossFileDuplicates(&c.small); err != nil {
		return nil, err
	}
	c.volunteers = volSeen
	return c, nil
}

// importWriter is the second pass: it writes the checked files to the store
// and the search index.
type importWriter struct {
	st     volmatch.Store
	text   *index.Text // nil: no index to build
	stderr io.Writer
	// indexed is set once a document went into the index.
	indexed bool
	// fast is set when the index had applied every change of the store
	// before the import: then the imported records go into it directly,
	// beside the store writes, and its Seq moves to the store's last change.
	fast bool
	// undo puts the store back when a write fails (writeAll).
	undo *importUndo
}

// writeAll writes the checked files all or nothing: on a failed write it
// undoes what the import wrote before it (undo).
func (w *importWriter) writeAll(ctx context.Context, c *checked, known func(string) bool) error {
	w.undo = &importUndo{st: w.st}
	err := w.write(ctx, c, known)
	if err == nil || !w.undo.wrote {
		return err
	}
	if uerr := w.undo.run(context.WithoutCancel(ctx)); uerr != nil {
		return fmt.Errorf("%w; undoing the records written before it failed too (%v): run the same import again", err, uerr)
	}
	return fmt.Errorf("%w; the records written before it were put back: nothing imported", err)
}

// importUndo is what it takes to put the store back as it was before the
// import: the records the import created (to delete) and the ones it
// replaced (to put back), by kind. Needs are written last in one
// transaction and never undone.
type importUndo struct {
	st    volmatch.Store
	wrote bool // a write of the import committed

	stations, pools []string // created
	oldStations     []*volmatch.Station
	oldPools        []*volmatch.TalentPool
	teams           []string // created
	oldTeams        []*volmatch.Team
	volunteers      []string // created
	oldVolunteers   []*volmatch.Volunteer
	// anyVolunteer is set when the store held volunteers before the import
	// (else none is read before being written: every one is created).
	anyVolunteer bool
}

// before reads the stored records of ids with get and sorts the ids into
// created and the replaced records into old.
func before[T any](ctx context.Context, ids []string, get func(context.Context, string) (*T, error), created *[]string, old *[]*T) error {
	for _, id := range ids {
		x, err := get(ctx, id)
		switch {
		case volmatch.ErrorCode(err) == volmatch.ENOTFOUND:
			*created = append(*created, id)
		case err != nil:
			return err
		default:
			*old = append(*old, x)
		}
	}
	return nil
}

// deleteAll deletes the records of ids that the import created; one gone
// already is no error.
func deleteAll(ctx context.Context, what string, ids []string, del func(context.Context, string) error) error {
	for _, id := range ids {
		if err := del(ctx, id); err != nil && volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
			return fmt.Errorf("delete %s %s: %w", what, id, err)
		}
	}
	return nil
}

// run puts back what the import wrote, kinds in the reverse order of the
// writes, and returns the first error.
func (u *importUndo) run(ctx context.Context) error {
	if len(u.oldTeams) > 0 {
		if err := u.st.PutTeams(ctx, u.oldTeams); err != nil {
			return fmt.Errorf("restore teams: %w", err)
		}
	}
	if err := deleteAll(ctx, "team", u.teams, u.st.DeleteTeam); err != nil {
		return err
	}
	for i := 0; i < len(u.oldVolunteers); i += storeChunk {
		if err := u.st.PutVolunteers(ctx, u.oldVolunteers[i:min(len(u.oldVolunteers), i+storeChunk)]); err != nil {
			return fmt.Errorf("restore volunteers: %w", err)
		}
	}
	if err := deleteAll(ctx, "volunteer", u.volunteers, u.st.DeleteVolunteer); err != nil {
		return err
	}
	if len(u.oldPools) > 0 {
		if err := u.st.PutPools(ctx, u.oldPools); err != nil {
			return fmt.Errorf("restore pools: %w", err)
		}
	}
	if err := deleteAll(ctx, "pool", u.pools, u.st.DeletePool); err != nil {
		return err
	}
	if len(u.oldStations) > 0 {
		if err := u.st.PutStations(ctx, u.oldStations); err != nil {
			return fmt.Errorf("restore stations: %w", err)
		}
	}
	if err := deleteAll(ctx, "station", u.stations, u.st.DeleteStation); err != nil {
		return err
	}
	return nil
}

// storeChunk is how many volunteers go into one store transaction (a
// variable for the fault tests).
var storeChunk = 20000

// bulkVolunteers is a store that writes volunteers for a bulk load faster
// than PutVolunteers (store/bolt).
type bulkVolunteers interface {
	PutVolunteersBulk(ctx context.Context, vs []*volmatch.Volunteer) error
}

func (w *importWriter) write(ctx context.Context, c *checked, known func(string) bool) error {
	st := w.st
	if w.text != nil {
		before, err := st.LastChange(ctx)
		if err != nil {
			return err
		}
		seq, err := w.text.Seq()
		if err != nil {
			return err
		}
		w.fast = seq == before
	}
	u := w.undo
	if u == nil {
		u = &importUndo{st: st}
		w.undo = u
	}
	if len(c.small.Stations) > 0 {
		ids := make([]string, len(c.small.Stations))
		for i, x := range c.small.Stations {
			ids[i] = x.ID
		}
		if err := before(ctx, ids, st.Station, &u.stations, &u.oldStations); err != nil {
			return fmt.Errorf("stations: %w", err)
		}
		if err := st.PutStations(ctx, c.small.Stations); err != nil {
			return fmt.Errorf("stations: %w", err)
		}
		u.wrote = true
	}
	if len(c.small.Pools) > 0 {
		ids := make([]string, len(c.small.Pools))
		for i, x := range c.small.Pools {
			ids[i] = x.ID
		}
		if err := before(ctx, ids, st.Pool, &u.pools, &u.oldPools); err != nil {
			return fmt.Errorf("pools: %w", err)
		}
		if err := st.PutPools(ctx, c.small.Pools); err != nil {
			return fmt.Errorf("pools: %w", err)
		}
		u.wrote = true
	}
	if len(c.volFiles) > 0 {
		some, _, err := st.Volunteers(ctx, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 1}})
		if err != nil {
			return fmt.Errorf("volunteers: %w", err)
		}
		u.anyVolunteer = len(some) > 0
	}
	if len(c.volFiles) > 0 {
		if err := w.writeVolunteers(ctx, c, known); err != nil {
			return fmt.Errorf("volunteers: %w", err)
		}
	}
	if len(c.small.Teams) > 0 { // after their members
		ids := make([]string, len(c.small.Teams))
		for i, x := range c.small.Teams {
			ids[i] = x.ID
		}
		for i, t := range c.small.Teams { // members are registered volunteers, as the engine holds
			for k, m := range t.Members {
				if _, err := st.Volunteer(ctx, m); volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
					return fmt.Errorf("teams: %w", volmatch.AtIndex("teams", i, volmatch.FieldError(fmt.Sprintf("members[%d]", k), "no volunteer %q", m)))
				} else if err != nil {
					return fmt.Errorf("teams: %w", err)
				}
			}
		}
		if err := before(ctx, ids, st.Team, &u.teams, &u.oldTeams); err != nil {
			return fmt.Errorf("teams: %w", err)
		}
		if err := st.PutTeams(ctx, c.small.Teams); err != nil {
			return fmt.Errorf("teams: %w", err)
		}
		u.wrote = true
	}
	if len(c.small.Needs) > 0 {
		if err := st.PutNeeds(ctx, c.small.Needs); err != nil {
			return fmt.Errorf("needs: %w", err)
		}
		if w.fast {
			w.indexed = true
			if err := w.text.Bulk(ctx, nil, c.small.Needs); err != nil {
				return err
			}
		}
	}
	if w.text == nil {
		return nil
	}
	if w.fast {
		// The catalogue (pools, stations ...) is small: index it whole.
		var docs []volmatch.CatalogDoc
		if err := engine.StoreCatalog(st).EachCatalogDoc(ctx, func(d volmatch.CatalogDoc) error {
			docs = append(docs, d)
			return nil
		}); err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
		if err := w.text.UpsertDocs(docs); err != nil {
			return err
		}
		last, err := st.LastChange(ctx)
		if err != nil {
			return err
		}
		return w.text.SetSeq(last) // waits for the index on disk
	}
	// The index was behind the store (or of another store): bring it up to
	// date the way serve would, a rebuild or a catch-up.
	w.indexed = true
	bar := newBar(w.stderr, -1, "indexing")
	defer bar.Finish()
	f := engine.NewFollower(st, w.text, nil, engine.FollowerOptions{
		Progress: func(done, _ int) { _ = bar.Set(done) }, Catalog: engine.StoreCatalog(st)})
	return f.Start(ctx)
}

// writeVolunteers streams the volunteer files into the store (one goroutine,
// big transactions) and, on the fast path, into the search index (one
// goroutine per core, a Bleve batch per chunk), while the stream decodes on
// every core.
func (w *importWriter) writeVolunteers(ctx context.Context, c *checked, known func(string) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bar := newBar(w.stderr, c.bytes, "importing")
	defer bar.Finish()

	var (
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	toStore := make(chan []*volmatch.Volunteer, 2)
	toIndex := make(chan []*volmatch.Volunteer, 2)
	var wg sync.WaitGroup
	wg.Go(func() { w.storeVolunteers(ctx, toStore, fail) })
	if w.fast {
		w.indexed = true
		var counted sync.Mutex
		count := 0
		for range 2 {
			wg.Go(func() { w.indexVolunteers(ctx, toIndex, &counted, &count, fail) })
		}
	}
	var offset int64
	var err error
	for _, f := range c.volFiles {
		err = datasets.StreamFile(f, known, datasets.StreamOptions{
			Chunk:    index.BulkBatch,
			Progress: func(n int64) { _ = bar.Set64(offset + n) },
		}, func(b *datasets.Batch) error {
			select {
			case toStore <- b.Volunteers:
			case <-ctx.Done():
				return ctx.Err()
			}
			if w.fast {
				select {
				case toIndex <- b.Volunteers:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil {
			break
		}
		if fi, serr := os.Stat(f); serr == nil {
			offset += fi.Size()
		}
	}
	close(toStore)
	close(toIndex)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err != nil {
		// A file that changed since the check can fail here.
		return err
	}
	return nil
}

// storeVolunteers writes the volunteers of in to the store in chunks of
// storeChunk (reading first what each chunk replaces, for the undo), until
// in is closed; a failure goes to fail and the rest is drained.
func (w *importWriter) storeVolunteers(ctx context.Context, in <-chan []*volmatch.Volunteer, fail func(error)) {
	put := w.st.PutVolunteers
	if b, ok := w.st.(bulkVolunteers); ok {
		put = b.PutVolunteersBulk
	}
	var pending []*volmatch.Volunteer
	u := w.undo
	flush := func() {
		defer func() { pending = nil }()
		if len(pending) == 0 || ctx.Err() != nil {
			return
		}
		ids := make([]string, len(pending))
		for i, v := range pending {
			ids[i] = v.ID
		}
		if !u.anyVolunteer {
			u.volunteers = append(u.volunteers, ids...)
		} else if err := before(ctx, ids, w.st.Volunteer, &u.volunteers, &u.oldVolunteers); err != nil {
			fail(err)
			return
		}
		if err := put(ctx, pending); err != nil {
			fail(err)
		} else {
			u.wrote = true
		}
	}
	for vs := range in {
		pending = append(pending, vs...)
		for len(pending) >= storeChunk {
			rest := pending[storeChunk:]
			pending = pending[:storeChunk]
			flush()
			pending = rest
		}
	}
	flush()
}

// indexVolunteers adds the volunteers of in to the search index, one Bleve
// batch per chunk, flushing every 200,000 documents (counted in *count
// under mu, shared by the index writers) to bound what Bleve holds in
// memory.
func (w *importWriter) indexVolunteers(ctx context.Context, in <-chan []*volmatch.Volunteer, mu *sync.Mutex, count *int, fail func(error)) {
	for vs := range in {
		if ctx.Err() != nil {
			continue
		}
		if err := w.text.IndexBatch(vs, nil); err != nil {
			fail(err)
			continue
		}
		mu.Lock()
		*count += len(vs)
		flush := *count >= 200000
		if flush {
			*count = 0
		}
		mu.Unlock()
		if flush {
			if err := w.text.Flush(); err != nil {
				fail(err)
			}
		}
	}
}

// newBar returns a progress bar on w: of bytes when total > 0, a spinner
// with a count otherwise.
func newBar(w io.Writer, total int64, what string) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionThrottle(200 * time.Millisecond), progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	if total > 0 {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true))
	} else {
		// No spinner goroutine: it reads the bar's state unlocked (a race).
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetSpinnerChangeInterval(0))
	}
	return progressbar.NewOptions64(total, opts...)
}

// crossFileDuplicates rejects an ID given twice across the files of a
// kind (within one file ReadFile already does).
func crossFileDuplicates(b *datasets.Batch) error {
	check := func(kind string, ids []string) error {
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return fmt.Errorf("import: %s id %q is in more than one file; nothing written", kind, id)
			}
			seen[id] = true
		}
		return nil
	}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	for _, c := range []struct {
		kind string
		ids  []string
	}{
		{"volunteer", ids(len(b.Volunteers), func(i int) string { return b.Volunteers[i].ID })},
		{"need", ids(len(b.Needs), func(i int) string { return b.Needs[i].ID })},
		{"pool", ids(len(b.Pools), func(i int) string { return b.Pools[i].ID })},
		{"station", ids(len(b.Stations), func(i int) string { return b.Stations[i].ID })},
		{"team", ids(len(b.Teams), func(i int) string { return b.Teams[i].ID })},
	} {
		if err := check(c.kind, c.ids); err != nil {
			return err
		}
	}
	return nil
}
