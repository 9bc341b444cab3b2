package index

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"volmatch"
)

// Internal keys kept in the Bleve index beside the documents.
var (
	keySeq         = []byte("volmatch.seq")
	keyFingerprint = []byte("volmatch.fingerprint")
	keyFlushed     = []byte("volmatch.flushed") // written by Flush to have a batch to wait for

	flushCount atomic.Uint64
)

// Search limits.
const (
	DefaultLimit = 20   // hits per page when Query.Limit is 0
	MaxLimit     = 1000 // most hits per page
	// BulkBatch is the number of documents per Bleve batch in Bulk: large
	// batches make fewer, larger segments and so fewer merges.
	BulkBatch = 5000
)

// Text is the Bleve full-text and "near me" index over needs and volunteers.
// It is derived from the store (see Follower) and safe for concurrent use.
// It holds no personal information: volunteer names and phones are not
// indexed, and no field is stored.
type Text struct {
	path string // "" in memory
	opts Options
	im   *mapping.IndexMappingImpl
	syn  bool // the mapping has the synonym field

	mu  sync.RWMutex // guards idx against Reset
	idx bleve.Index

	// The change Seq applied: seq in memory, written the one last
	// written to the index (Apply writes a Seq alone only now and then).
	seq, written atomic.Uint64
}

// seqWriteEvery is how far the Seq applied may run ahead of the one
// written while no document changes: a Bleve batch holding the Seq alone
// costs a segment and its persistence, at every catch-up of a follower
// that applies only stats and fill counts (an accept's changes). After a
// crash the follower applies those changes again (they are idempotent).
const seqWriteEvery = 10_000

// Open opens the index at path, creating it when missing. An index built
// with other synonym groups or an older mapping is dropped and created anew
// (its Seq is then 0, so a Follower rebuilds it).
func Open(path string, o Options) (*Text, error) {
	t, err := newText(path, o)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err == nil {
		idx, err := bleve.OpenUsing(path, scorchConfig())
		if err != nil {
			return nil, fmt.Errorf("index: open %s: %w", path, err)
		}
		fp, err := idx.GetInternal(keyFingerprint)
		if err == nil && string(fp) == o.fingerprint() {
			t.idx = idx
			return t, nil
		}
		// Built by another mapping or taxonomy: derived data, drop it.
		if cerr := idx.Close(); cerr != nil {
			return nil, fmt.Errorf("index: close stale %s: %w", path, cerr)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("index: drop stale %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	if err := t.create(); err != nil {
		return nil, err
	}
	return t, nil
}

// OpenMem returns an index held in memory, for tests and short runs. It uses
// the scorch engine without a path (bleve.NewMemOnly's engine has no synonym
// support).
func OpenMem(o Options) (*Text, error) {
	t, err := newText("", o)
	if err != nil {
		return nil, err
	}
	if err := t.create(); err != nil {
		return nil, err
	}
	return t, nil
}

func newText(path string, o Options) (*Text, error) {
	im, err := buildMapping(o)
	if err != nil {
		return nil, fmt.Errorf("index: build mapping: %w", err)
	}
	return &Text{path: path, opts: o, im: im, syn: len(o.groups()) > 0}, nil
}

// create makes a new empty index, writes the fingerprint and indexes the
// synonym groups. The caller holds mu or owns t alone.
func (t *Text) create() error {
	var (
		idx bleve.Index
		err error
	)
	if t.path == "" {
		idx, err = bleve.NewUsing("", t.im, scorch.Name, scorch.Name, nil)
	} else {
		idx, err = bleve.NewUsing(t.path, t.im, scorch.Name, scorch.Name, scorchConfig())
	}
	if err != nil {
		return fmt.Errorf("index: create %q: %w", t.path, err)
	}
	b := idx.NewBatch()
	for i, g := range t.opts.groups() {
		if err := b.IndexSynonym(synonymIDPrefix+strconv.Itoa(i), synonymCollection,
			&bleve.SynonymDefinition{Synonyms: g}); err != nil {
			_ = idx.Close()
			return fmt.Errorf("index: synonym group %d: %w", i, err)
		}
	}
	b.SetInternal(keyFingerprint, []byte(t.opts.fingerprint()))
	if err := t.persist(idx, b); err != nil {
		_ = idx.Close()
		return fmt.Errorf("index: write synonyms: %w", err)
	}
	t.idx = idx
	return nil
}

// Reset drops every document and the applied Seq, keeping the synonyms: the
// first step of a rebuild. On disk the directory is removed and created anew.
func (t *Text) Reset() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idx != nil {
		if err := t.idx.Close(); err != nil {
			return fmt.Errorf("index: reset: close: %w", err)
		}
		t.idx = nil
	}
	t.seq.Store(0)
	t.written.Store(0)
	if t.path != "" {
		if err := os.RemoveAll(t.path); err != nil {
			return fmt.Errorf("index: reset: remove %s: %w", t.path, err)
		}
	}
	return t.create()
}

// Close closes the index.
func (t *Text) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idx == nil {
		return nil
	}
	ferr := t.flush(t.idx)
	err := t.idx.Close()
	t.idx = nil
	if err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	return ferr
}

// scorchConfig is the runtime configuration of the Bleve index on disk. A
// batch returns once it is searchable, before it is on disk ("unsafe"
// batches): the index is derived from the store and records the store Seq
// it applied in the same batch as the documents, and Bleve persists batches
// in order, so a crash loses only a tail that the next start catches up
// again. SetSeq, Flush and Close wait for the disk. Bulk loads run about
// twice as fast: Bleve no longer waits for an fsync per batch.
func scorchConfig() map[string]any {
	return map[string]any{"unsafe_batch": true}
}

// persist applies b and, on disk, waits until b and every batch before it
// are persisted. b must hold at least one operation.
func (t *Text) persist(idx bleve.Index, b *bleve.Batch) error {
	if t.path == "" {
		return idx.Batch(b) // in memory: nothing to wait for
	}
	done := make(chan error, 1)
	b.SetPersistedCallback(func(err error) {
		select {
		case done <- err:
		default:
		}
	})
	if err := idx.Batch(b); err != nil {
		return err
	}
	return <-done
}

// flush waits until everything indexed so far is on disk.
func (t *Text) flush(idx bleve.Index) error {
	b := idx.NewBatch()
	b.SetInternal(keyFlushed, binary.BigEndian.AppendUint64(nil, flushCount.Add(1)))
	seq := t.seq.Load()
	if seq > t.written.Load() {
		b.SetInternal(keySeq, binary.BigEndian.AppendUint64(nil, seq))
	}
	if err := t.persist(idx, b); err != nil {
		return fmt.Errorf("index: flush: %w", err)
	}
	if seq > t.written.Load() {
		t.written.Store(seq)
	}
	return nil
}

// Flush waits until every document indexed so far is on disk. A bulk load
// calls it now and then so that the documents held in memory stay few.
func (t *Text) Flush() error {
	return t.with(t.flush)
}

// with runs fn on the open index under the read lock.
func (t *Text) with(fn func(idx bleve.Index) error) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.idx == nil {
		return volmatch.Errorf(volmatch.EUNAVAILABLE, "text index is closed")
	}
	return fn(t.idx)
}

// UpsertNeed indexes or re-indexes a need.
func (t *Text) UpsertNeed(n *volmatch.Need) error {
	return t.with(func(idx bleve.Index) error {
		if err := idx.Index(docID(volmatch.ChangeNeed, n.ID), newNeedDoc(n)); err != nil {
			return fmt.Errorf("index: need %s: %w", n.ID, err)
		}
		return nil
	})
}

// UpsertVolunteer indexes or re-indexes a volunteer.
func (t *Text) UpsertVolunteer(v *volmatch.Volunteer) error {
	return t.with(func(idx bleve.Index) error {
		if err := idx.Index(docID(volmatch.ChangeVolunteer, v.ID), newVolunteerDoc(v, t.opts.Labels)); err != nil {
			return fmt.Errorf("index: volunteer %s: %w", v.ID, err)
		}
		return nil
	})
}

// UpsertDocs indexes or re-indexes catalogue records, in one batch.
func (t *Text) UpsertDocs(docs []volmatch.CatalogDoc) error {
	if len(docs) == 0 {
		return nil
	}
	return t.with(func(idx bleve.Index) error {
		b := idx.NewBatch()
		for _, d := range docs {
			if !volmatch.IsCatalogKind(d.Kind) {
				return fmt.Errorf("index: %s %s is not a catalogue kind", d.Kind, d.ID)
			}
			if err := b.Index(docID(d.Kind, d.ID), newCatalogDoc(d, t.opts.Labels)); err != nil {
				return fmt.Errorf("index: %s %s: %w", d.Kind, d.ID, err)
			}
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("index: catalogue batch: %w", err)
		}
		return nil
	})
}

// indexed reports whether records of kind are in the index.
func indexed(kind volmatch.ChangeKind) bool {
	return kind == volmatch.ChangeNeed || kind == volmatch.ChangeVolunteer || volmatch.IsCatalogKind(kind)
}

// Delete removes a record; removing a missing one is no error. Kinds that
// are not indexed are ignored.
func (t *Text) Delete(kind volmatch.ChangeKind, id string) error {
	if !indexed(kind) {
		return nil
	}
	return t.with(func(idx bleve.Index) error {
		if err := idx.Delete(docID(kind, id)); err != nil {
			return fmt.Errorf("index: delete %s %s: %w", kind, id, err)
		}
		return nil
	})
}

// Bulk indexes many records in batches of BulkBatch documents, on as many
// goroutines as there are cores (see IndexBatch); it stops between batches
// when ctx is done.
func (t *Text) Bulk(ctx context.Context, vs []*volmatch.Volunteer, ns []*volmatch.Need) error {
	type chunk struct {
		vs []*volmatch.Volunteer
		ns []*volmatch.Need
	}
	var chunks []chunk
	for i := 0; i < len(vs); i += BulkBatch {
		chunks = append(chunks, chunk{vs: vs[i:min(len(vs), i+BulkBatch)]})
	}
	for i := 0; i < len(ns); i += BulkBatch {
		chunks = append(chunks, chunk{ns: ns[i:min(len(ns), i+BulkBatch)]})
	}
	work := make(chan chunk)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(chunks))) {
		wg.Go(func() {
			for c := range work {
				if err := t.IndexBatch(c.vs, c.ns); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		})
	}
	var err error
feed:
	for _, c := range chunks {
		// A context already ended stops the feed before the next chunk
		// (select picks among ready cases at random, so a waiting worker
		// could otherwise take every chunk of a cancelled call).
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		case work <- c:
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return err
}

// addDocs adds the documents of vs and ns to b; an error names op.
func (t *Text) addDocs(b *bleve.Batch, vs []*volmatch.Volunteer, ns []*volmatch.Need, op string) error {
	for _, v := range vs {
		if err := b.Index(docID(volmatch.ChangeVolunteer, v.ID), newVolunteerDoc(v, t.opts.Labels)); err != nil {
			return fmt.Errorf("index: %s volunteer %s: %w", op, v.ID, err)
		}
	}
	for _, n := range ns {
		if err := b.Index(docID(volmatch.ChangeNeed, n.ID), newNeedDoc(n)); err != nil {
			return fmt.Errorf("index: %s need %s: %w", op, n.ID, err)
		}
	}
	return nil
}

// IndexBatch indexes (or re-indexes) vs and ns in one Bleve batch. It may
// be called from several goroutines at once: each call maps its documents
// and builds its own segment, so a bulk load that feeds one call per core
// uses every core (Bleve alone would use one for all but the analysis).
func (t *Text) IndexBatch(vs []*volmatch.Volunteer, ns []*volmatch.Need) error {
	return t.with(func(idx bleve.Index) error {
		b := idx.NewBatch()
		if err := t.addDocs(b, vs, ns, "bulk"); err != nil {
			return err
		}
		if b.Size() == 0 {
			return nil
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("index: bulk: %w", err)
		}
		return nil
	})
}

// Seq returns the store change Seq the index has applied (0 for a new index).
func (t *Text) Seq() (uint64, error) {
	var seq uint64
	err := t.with(func(idx bleve.Index) error {
		b, err := idx.GetInternal(keySeq)
		if err != nil {
			return fmt.Errorf("index: read seq: %w", err)
		}
		if len(b) == 8 {
			seq = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return max(seq, t.seq.Load()), err
}

// SetSeq records the store change Seq the index has applied.
func (t *Text) SetSeq(seq uint64) error {
	return t.with(func(idx bleve.Index) error {
		b := idx.NewBatch()
		b.SetInternal(keySeq, binary.BigEndian.AppendUint64(nil, seq))
		if err := t.persist(idx, b); err != nil {
			return fmt.Errorf("index: write seq: %w", err)
		}
		t.seq.Store(seq)
		t.written.Store(seq)
		return nil
	})
}

// Count returns the number of needs and volunteers indexed.
func (t *Text) Count(ctx context.Context) (needs, volunteers uint64, err error) {
	for _, k := range []volmatch.ChangeKind{volmatch.ChangeNeed, volmatch.ChangeVolunteer} {
		r, err := t.search(ctx, Query{Kind: k}, true)
		if err != nil {
			return 0, 0, err
		}
		if k == volmatch.ChangeNeed {
			needs = r.Total
		} else {
			volunteers = r.Total
		}
	}
	return needs, volunteers, nil
}

// Query is a search over the index (volmatch.SearchQuery).
type Query = volmatch.SearchQuery

// Hit is one found record (volmatch.SearchHit).
type Hit = volmatch.SearchHit

// Result is a page of hits and the number of all matching records
// (volmatch.SearchResult).
type Result = volmatch.SearchResult

// MaxClauses bounds the clauses of the Bleve query built for one kind of a
// Query (terms after analysis, prefixes, filters; see Clauses). The bounds
// on the text (volmatch.MaxSearchRunes and MaxSearchWords) keep every
// query under it; it guards against a query shape they do not foresee.
const MaxClauses = 300

// validate checks q and returns its page size (0 when only the total is
// asked for).
func validate(q Query, countOnly bool) (int, error) {
	if q.Kind != "" && !indexed(q.Kind) {
		return 0, volmatch.FieldError("kind", "must be need, volunteer, one of %v or empty, got %q", volmatch.CatalogKinds(), q.Kind)
	}
	if err := q.CheckText(); err != nil {
		return 0, err
	}
	if q.Near != nil {
		if err := q.Near.Validate("near"); err != nil {
			return 0, err
		}
	}
	if q.WithinKm < 0 || q.WithinKm > 20000 {
		return 0, volmatch.FieldError("within_km", "must be between 0 and 20000, got %v", q.WithinKm)
	}
	if q.WithinKm > 0 && q.Near == nil {
		return 0, volmatch.FieldError("within_km", "needs a point to measure from (near)")
	}
	if q.Offset < 0 || q.Offset > 100000 {
		return 0, volmatch.FieldError("offset", "must be between 0 and 100000, got %d", q.Offset)
	}
	if q.After != "" && (q.Kind == "" || q.Offset != 0 || strings.TrimSpace(q.Text) != "" || q.Near != nil) {
		return 0, volmatch.FieldError("after", "pages a listing by ID: it needs a kind, and no text, near or offset")
	}
	switch {
	case countOnly:
		return 0, nil
	case q.Limit == 0:
		return DefaultLimit, nil
	case q.Limit < 0 || q.Limit > MaxLimit:
		return 0, volmatch.FieldError("limit", "must be between 1 and %d, got %d", MaxLimit, q.Limit)
	}
	return q.Limit, nil
}

// Search runs q. Without Near the hits are ordered by score, ties by ID;
// with Near by distance, ties by ID; with neither text nor Near by ID.
// It stops with ctx's error once ctx is done (between kinds, and inside
// Bleve's collection of hits).
func (t *Text) Search(ctx context.Context, q Query) (Result, error) {
	return t.search(ctx, q, false)
}

func (t *Text) search(ctx context.Context, q Query, countOnly bool) (Result, error) {
	limit, err := validate(q, countOnly)
	if err != nil {
		return Result{}, err
	}
	kinds := t.kindsOf(q)
	var res Result
	err = t.with(func(idx bleve.Index) error {
		for _, k := range kinds {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := t.searchKind(ctx, idx, q, k, q.Offset+limit)
			if err != nil {
				return err
			}
			res.Total += r.Total
			res.Hits = append(res.Hits, r.Hits...)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if len(kinds) > 1 {
		slices.SortFunc(res.Hits, func(a, b Hit) int {
			return cmp.Or(cmp.Compare(a.DistanceKm, b.DistanceKm),
				strings.Compare(docID(a.Kind, a.ID), docID(b.Kind, b.ID)))
		})
	}
	if q.Offset >= len(res.Hits) {
		res.Hits = nil
	} else {
		res.Hits = res.Hits[q.Offset:min(len(res.Hits), q.Offset+limit)]
	}
	if res.Hits == nil {
		res.Hits = []Hit{}
	}
	return res, nil
}

func term(field, value string) *query.TermQuery {
	tq := bleve.NewTermQuery(value)
	tq.SetField(field)
	return tq
}

// kindCatalog stands for every catalogue kind in kindsOf and scope.
const kindCatalog = volmatch.ChangeKind(typeCatalog)

// scope returns the query that keeps the records of kind ("" for all,
// kindCatalog for every catalogue kind) that q lets through: the kind
// itself, and for needs q.Org and q.Status, for volunteers q.Volunteers,
// for catalogue records their audience (see catalogScope). Synonym
// definitions (documents too) never pass.
func scope(q Query, kind volmatch.ChangeKind) query.Query {
	needs := []query.Query{term(fieldKind, typeNeed)}
	if q.Org != "" {
		needs = append(needs, term(fieldOrg, q.Org))
	}
	if q.Status != "" {
		needs = append(needs, term(fieldStatus, string(q.Status)))
	}
	vols := []query.Query{term(fieldKind, typeVolunteer)}
	if s := q.Volunteers; s != nil {
		var ors []query.Query
		if s.Findable {
			ors = append(ors, term(fieldFindable, "true"))
		}
		if len(s.IDs) > 0 {
			ids := make([]string, len(s.IDs))
			for i, id := range s.IDs {
				ids[i] = docID(volmatch.ChangeVolunteer, id)
			}
			ors = append(ors, bleve.NewDocIDQuery(ids))
		}
		if len(ors) == 0 {
			ors = append(ors, bleve.NewMatchNoneQuery())
		}
		vols = append(vols, bleve.NewDisjunctionQuery(ors...))
	}
	conj := func(qs []query.Query) query.Query {
		if len(qs) == 1 {
			return qs[0]
		}
		return bleve.NewConjunctionQuery(qs...)
	}
	switch kind {
	case volmatch.ChangeNeed:
		return conj(needs)
	case volmatch.ChangeVolunteer:
		return conj(vols)
	case "":
		return bleve.NewDisjunctionQuery(conj(needs), conj(vols), catalogScope(q, kindCatalog))
	}
	return catalogScope(q, kind)
}

// catalogScope keeps the catalogue records of kind (kindCatalog for every
// catalogue kind) that q lets through: those for everyone; with Private
// (an admin) all; with Org also that organisation's own.
func catalogScope(q Query, kind volmatch.ChangeKind) query.Query {
	var of query.Query
	if kind == kindCatalog {
		kinds := make([]query.Query, 0, len(volmatch.CatalogKinds()))
		for _, k := range volmatch.CatalogKinds() {
			kinds = append(kinds, term(fieldKind, string(k)))
		}
		of = bleve.NewDisjunctionQuery(kinds...)
	} else {
		of = term(fieldKind, string(kind))
	}
	if q.Private {
		return of
	}
	audience := []query.Query{term(fieldAudience, audienceAll)}
	if q.Org != "" {
		audience = append(audience, term(fieldOrg, q.Org))
	}
	return bleve.NewConjunctionQuery(of, bleve.NewDisjunctionQuery(audience...))
}

// textQuery returns the clause a word must satisfy: it occurs in one of
// the text fields q may read (the public text; with Private the bio too),
// as written or, with synonyms, as a taxonomy synonym. A word is matched
// through the cjk analyzer (its bigrams, all required); a word of one
// Chinese character by the prefix of the indexed terms (see runEndFilter),
// which reads only the terms starting with it.
func (t *Text) textQuery(w string, q Query, kind volmatch.ChangeKind) query.Query {
	fields := [][2]string{{fieldText, fieldTextSyn}}
	if q.Private && kind != volmatch.ChangeNeed {
		fields = append(fields, [2]string{fieldPrivate, fieldPrivateSyn})
	}
	single := false
	if r := []rune(w); len(r) == 1 && unicode.Is(unicode.Han, r[0]) {
		single = true
	}
	var alts []query.Query
	for _, f := range fields {
		if single {
			pq := bleve.NewPrefixQuery(w)
			pq.SetField(f[0])
			alts = append(alts, pq)
		} else {
			mq := bleve.NewMatchQuery(w)
			mq.SetField(f[0])
			mq.Analyzer = cjk.AnalyzerName
			mq.SetOperator(query.MatchQueryOperatorAnd)
			alts = append(alts, mq)
		}
		if t.syn {
			sq := bleve.NewMatchQuery(w)
			sq.SetField(f[1])
			sq.SetOperator(query.MatchQueryOperatorAnd) // every taxonomy term of the word
			alts = append(alts, sq)
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// build returns the Bleve query of q for one kind ("" for both, only
// without Near) and whether it has words to score.
func (t *Text) build(q Query, kind volmatch.ChangeKind) (query.Query, bool) {
	filters := []query.Query{scope(q, kind)}
	for _, f := range []struct{ field, value string }{
		{fieldDistrict, q.District}, {fieldDomain, q.Domain}, {fieldSkill, q.Skill},
	} {
		if f.value != "" {
			filters = append(filters, term(f.field, f.value))
		}
	}
	if q.Near != nil && q.WithinKm > 0 {
		gq := bleve.NewGeoDistanceQuery(q.Near.Lng, q.Near.Lat, strconv.FormatFloat(q.WithinKm, 'f', -1, 64)+"km")
		gq.SetField(geoFieldOf(kind))
		filters = append(filters, gq)
	}
	var musts []query.Query
	for _, w := range volmatch.SearchWords(q.Text) {
		musts = append(musts, t.textQuery(w, q, kind))
	}
	switch {
	case len(musts) == 0 || q.Near != nil:
		// Filters only, or sorted by distance: no scoring needed, and the
		// conjunction lets the most selective clause drive the search.
		return bleve.NewConjunctionQuery(append(musts, filters...)...), len(musts) > 0
	default:
		bq := bleve.NewBooleanQuery()
		bq.AddMust(musts...)
		bq.AddFilter(bleve.NewConjunctionQuery(filters...))
		return bq, true
	}
}

// geoFieldOf names the point field of a kind.
func geoFieldOf(kind volmatch.ChangeKind) string {
	if kind == volmatch.ChangeVolunteer {
		return fieldHome
	}
	return fieldPoint
}

// Clauses returns the number of clauses of the Bleve query that q builds
// for each kind it searches, the largest first: terms after analysis
// (a match query counts the tokens its analyzer makes of the word), term
// prefixes, document ID lists (one each) and filters. A search refuses a
// query over MaxClauses; tests read it to show that a query's cost is
// bounded by its text, not by the index.
func (t *Text) Clauses(q Query) (int, error) {
	if _, err := validate(q, true); err != nil {
		return 0, err
	}
	n := 0
	for _, k := range t.kindsOf(q) {
		qq, _ := t.build(q, k)
		n = max(n, t.clauses(qq))
	}
	return n, nil
}

// kindsOf returns the kinds q is searched as, one Bleve search each: one,
// or with no kind and a point needs, volunteers and catalogue records
// apart, because volunteers keep their points in another field and a
// distance sort reads one field.
func (t *Text) kindsOf(q Query) []volmatch.ChangeKind {
	if q.Kind == "" && q.Near != nil {
		return []volmatch.ChangeKind{volmatch.ChangeNeed, volmatch.ChangeVolunteer, kindCatalog}
	}
	return []volmatch.ChangeKind{q.Kind}
}

func (t *Text) clauses(qq query.Query) int {
	switch x := qq.(type) {
	case *query.ConjunctionQuery:
		return t.sum(x.Conjuncts)
	case *query.DisjunctionQuery:
		return t.sum(x.Disjuncts)
	case *query.BooleanQuery:
		n := 0
		for _, sub := range []query.Query{x.Must, x.Should, x.MustNot, x.Filter} {
			if sub != nil {
				n += t.clauses(sub)
			}
		}
		return n
	case *query.MatchQuery:
		name := x.Analyzer
		if name == "" {
			name = t.im.AnalyzerNameForPath(x.FieldVal)
		}
		if a := t.im.AnalyzerNamed(name); a != nil {
			return max(1, len(a.Analyze([]byte(x.Match))))
		}
		return 1
	}
	return 1
}

func (t *Text) sum(qs []query.Query) int {
	n := 0
	for _, q := range qs {
		n += t.clauses(q)
	}
	return n
}

// searchKind runs q for one kind ("" for both, only without Near),
// returning the first size hits.
func (t *Text) searchKind(ctx context.Context, idx bleve.Index, q Query, kind volmatch.ChangeKind, size int) (Result, error) {
	qq, scored := t.build(q, kind)
	if n := t.clauses(qq); n > MaxClauses {
		return Result{}, volmatch.FieldError("q", "makes a query of %d clauses, at most %d", n, MaxClauses)
	}
	req := bleve.NewSearchRequestOptions(qq, max(size, 0), 0, false)
	switch {
	case q.Near != nil:
		gs, err := search.NewSortGeoDistance(geoFieldOf(kind), "km", q.Near.Lng, q.Near.Lat, false)
		if err != nil {
			return Result{}, fmt.Errorf("index: distance sort: %w", err)
		}
		req.SortByCustom(search.SortOrder{gs, &search.SortDocID{}})
		req.Score = "none"
	case !scored:
		req.SortBy([]string{"_id"})
		req.Score = "none"
		if q.After != "" {
			req.SetSearchAfter([]string{docID(kind, q.After)})
		}
	default:
		req.SortBy([]string{"-_score", "_id"})
	}
	sr, err := idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, fmt.Errorf("index: search: %w", err)
	}
	res := Result{Total: sr.Total, Hits: make([]Hit, 0, len(sr.Hits))}
	for _, h := range sr.Hits {
		k, id, ok := splitDocID(h.ID)
		if !ok {
			continue
		}
		hit := Hit{Kind: k, ID: id, Score: h.Score}
		if q.Near != nil && len(h.DecodedSort) > 0 {
			if d, err := strconv.ParseFloat(h.DecodedSort[0], 64); err == nil {
				hit.DistanceKm = d
			}
		}
		res.Hits = append(res.Hits, hit)
	}
	return res, nil
}

// Apply indexes (or re-indexes) vs and ns, deletes the records named by
// deleted (their Kind and ID; kinds not indexed are ignored)
// and records seq as the store change applied, all in one Bleve batch, so
// that the recorded Seq never runs ahead of the documents. With no document
// to index or delete, seq is only held in memory (Seq reports it) and
// written every seqWriteEvery changes, with the next documents or at Close.
func (t *Text) Apply(vs []*volmatch.Volunteer, ns []*volmatch.Need, deleted []volmatch.Change, seq uint64) error {
	if len(vs) == 0 && len(ns) == 0 && !slices.ContainsFunc(deleted, func(c volmatch.Change) bool { return indexed(c.Kind) }) {
		t.seq.Store(max(t.seq.Load(), seq))
		if seq < t.written.Load()+seqWriteEvery {
			return nil
		}
	}
	return t.with(func(idx bleve.Index) error {
		b := idx.NewBatch()
		if err := t.addDocs(b, vs, ns, "apply"); err != nil {
			return err
		}
		for _, c := range deleted {
			if indexed(c.Kind) {
				b.Delete(docID(c.Kind, c.ID))
			}
		}
		seq = max(seq, t.seq.Load())
		b.SetInternal(keySeq, binary.BigEndian.AppendUint64(nil, seq))
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("index: apply changes up to %d: %w", seq, err)
		}
		t.seq.Store(seq)
		t.written.Store(seq)
		return nil
	})
}
