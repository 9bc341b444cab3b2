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
	"time"

	"github.com/schollz/progressbar/v3"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
	"volmatch/scoring"
)

// AdminTokenEnv names the environment variable whose value, when set at
// start, becomes an admin bearer token (created if missing).
const AdminTokenEnv = "VOLMATCH_ADMIN_TOKEN"

// service is the running set of parts behind the API: the store, the text
// index and its follower, and the API server over them.
type service struct {
	store    volmatch.Store
	text     *index.Text
	follower *index.Follower
	api      *api.Server
}

// wireOptions say how to assemble a service.
type wireOptions struct {
	Store  storeConfig
	API    api.Options
	Logger *slog.Logger
	// Progress is where long steps (index rebuilds) draw progress; nil for
	// none.
	Progress io.Writer
	// AdminToken, when not empty, is created as an admin token if missing.
	AdminToken string
}

// wire opens the store and the Bleve index under the data folder (rebuilt
// when missing, caught up when behind), loads the feature index and builds
// the API server.
func wire(ctx context.Context, o wireOptions) (*service, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := openStoreConfig(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	s := &service{store: st}
	if err := s.open(ctx, o); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *service) open(ctx context.Context, o wireOptions) error {
	tax := datasets.LoadTaxonomy()
	var err error
	if s.text, err = openIndex(filepath.Join(o.Store.DataDir, "index"), tax, o.Logger); err != nil {
		return err
	}
	// Slim copies in the feature index: a million volunteers in half the
	// memory (index.Slim).
	fo := index.FollowerOptions{Logger: o.Logger, Slim: true}
	if o.Progress != nil {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("indexing"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetSpinnerChangeInterval(0)) // its goroutine races with Finish
		defer bar.Finish()
		fo.Progress = func(done, _ int) { _ = bar.Set(done) }
	}
	features := index.NewFeatures(nil) // loaded in full by the follower
	if os.Getenv("GOGC") == "" {
		// Loading allocates the index and its garbage at once: collect
		// rarely until it is done (releaseLoadMemory sets the serving pace).
		debug.SetGCPercent(loadGCPercent)
	}
	s.follower = index.NewFollower(s.store, s.text, features, fo)
	if err := s.follower.Start(ctx); err != nil {
		return fmt.Errorf("start index follower: %w", err)
	}
	releaseLoadMemory(s.store)
	if err := ensureAdminToken(ctx, s.store, o.AdminToken); err != nil {
		return err
	}
	if o.API.Logger == nil {
		o.API.Logger = o.Logger
	}
	s.api = api.New(api.Deps{
		Store:    s.store,
		Search:   textSearcher{s.text},
		Sync:     s.follower,
		Ranker:   newRanker(features, tax, s.store),
		Taxonomy: tax,
		Modes:    newModes(features, tax, s.store),
	}, o.API)
	return nil
}

// serveGCPercent is the collector's heap growth while serving (unless GOGC
// is set): the feature index is most of the heap and lives as long as the
// process, so growing the heap by half of it between collections, not all
// of it, keeps a city's resident memory within bounds for a little more
// collector work.
const serveGCPercent = 50

// loadGCPercent is the collector's heap growth while the indexes load.
const loadGCPercent = 400

// releaseLoadMemory gives back what loading the indexes left behind: the
// store file's pages that the full read mapped into the process (they stay
// in the page cache) and the garbage of decoding, so that the resident
// memory while serving is what the indexes hold.
func releaseLoadMemory(st volmatch.Store) {
	if r, ok := st.(interface{ ReleaseMapped() error }); ok {
		_ = r.ReleaseMapped() // only memory accounting is at stake
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	debug.FreeOSMemory()
}

// openIndex opens the Bleve index at dir. The index is derived from the
// store, so one that cannot be opened (written by another version, or
// damaged) is removed and built again from the store by the follower.
func openIndex(dir string, tax *datasets.Taxonomy, log *slog.Logger) (*index.Text, error) {
	o := index.Options{Synonyms: tax.SynonymGroups()}
	t, err := index.Open(dir, o)
	if err == nil {
		return t, nil
	}
	log.Warn("search index unreadable; rebuilding it from the store", "dir", dir, "err", err)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("open index: remove unreadable index: %w", err)
	}
	if t, err = index.Open(dir, o); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	return t, nil
}

// Close closes the index and the store.
func (s *service) Close() error {
	var errs []error
	if s.text != nil {
		errs = append(errs, s.text.Close())
	}
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}

// ensureAdminToken creates an admin token with the secret unless it exists.
func ensureAdminToken(ctx context.Context, st volmatch.Store, secret string) error {
	if secret == "" {
		return nil
	}
	hash := volmatch.HashToken(secret)
	if _, err := st.TokenByHash(ctx, hash); err == nil {
		return nil
	} else if volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		return fmt.Errorf("%s: %w", AdminTokenEnv, err)
	}
	tok := &volmatch.Token{Hash: hash, Role: volmatch.RoleAdmin, Name: AdminTokenEnv, CreatedAt: time.Now()}
	if err := st.CreateToken(ctx, tok); err != nil && volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		return fmt.Errorf("%s: %w", AdminTokenEnv, err)
	}
	return nil
}

// adminTokenFromEnv reads AdminTokenEnv.
func adminTokenFromEnv() string { return os.Getenv(AdminTokenEnv) }

// textSearcher adapts the Bleve index to api.Searcher.
type textSearcher struct{ t *index.Text }

func (s textSearcher) Search(ctx context.Context, q api.SearchQuery) (api.SearchResult, error) {
	r, err := s.t.Search(ctx, index.Query{Text: q.Text, Kind: volmatch.ChangeKind(q.Kind), Near: q.Near,
		WithinKm: q.WithinKm, District: q.District, Domain: q.Domain, Limit: q.Limit, Offset: q.Offset})
	if err != nil {
		return api.SearchResult{}, err
	}
	out := api.SearchResult{Total: int(r.Total), Hits: make([]api.SearchHit, len(r.Hits))}
	for i, h := range r.Hits {
		out.Hits[i] = api.SearchHit{Kind: string(h.Kind), ID: h.ID, Score: h.Score, DistanceKm: h.DistanceKm}
	}
	return out, nil
}

// storeRanker adapts matcher.Rank to api.Ranker: candidates from the
// feature index, the default scorer, and the busy gate from the store's
// assignments.
type storeRanker struct {
	src matcher.Source
	sc  *scoring.Scorer
	st  volmatch.Store
}

func newRanker(src matcher.Source, tax *datasets.Taxonomy, st volmatch.Store) api.Ranker {
	return storeRanker{src: src, sc: scoring.NewScorer(tax, scoring.Options{Weights: scoring.DefaultWeights()}), st: st}
}

func (r storeRanker) Rank(ctx context.Context, n *volmatch.Need, o api.RankOptions) (api.Ranking, error) {
	var busyErr error
	busy := func(id string) []volmatch.Assignment {
		as, _, err := r.st.Assignments(ctx, volmatch.AssignmentFilter{Volunteer: id, ListOptions: volmatch.ListOptions{Limit: 1000}})
		if err != nil {
			busyErr = err
			return nil
		}
		held := make([]volmatch.Assignment, 0, len(as))
		for _, a := range as {
			if a.Status.Holds() {
				held = append(held, *a)
			}
		}
		return held
	}
	rk := matcher.Rank(n, r.src, r.sc, matcher.RankOptions{K: o.K, Shift: o.Shift, After: o.After, Busy: busy})
	if busyErr != nil {
		return api.Ranking{}, fmt.Errorf("rank need %s: %w", n.ID, busyErr)
	}
	return api.Ranking{Matches: rk.Matches, Exclusions: rk.Exclusions, Considered: rk.Considered, Eligible: rk.Eligible}, nil
}
