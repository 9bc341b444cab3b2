// Package engine holds volmatch's use cases: one method per flow a user
// starts (post a need, see its matches, invite, accept, advance an
// assignment, plan and commit a batch, send a dispatch wave, pair, a
// volunteer's menu, search, the evaluation reports). It owns the rules that
// cross records (who may see and change what, masking, the time of the
// server's clock), the events each flow writes, and the follower that keeps
// the derived indexes in step with the store.
//
// Both transports (the JSON API and the web pages) call the engine and hold
// no rule of their own: a rule written once here is obeyed on every path.
// The engine does no HTTP; it sees the store and the text index through
// interfaces, and reads the in-memory feature grid and the scorer
// concretely.
//
// Every method takes the caller (a *volmatch.Token: its role and scope) and
// returns errors with volmatch codes: EINVALID with the field for a rule of
// the domain, ENOTFOUND, EFORBIDDEN, ECONFLICT, EUNAVAILABLE.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

// Searcher is the text and place search over needs and volunteers (the
// Bleve index, index.Text).
type Searcher interface {
	// Search returns the hits of q in score order (distance order with Near
	// and no text).
	Search(ctx context.Context, q volmatch.SearchQuery) (volmatch.SearchResult, error)
}

// Index is the text index: searched by the engine and fed by its follower
// (index.Text is one).
type Index interface {
	Searcher
	TextIndex
}

// Options tune an Engine; the zero value gives the defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives warnings (default: discard). Never personal data.
	Logger *slog.Logger
	// Weights are the scorer's weights (default scoring.DefaultWeights()).
	Weights *scoring.Weights
	// Progress, when set, is called while the indexes are rebuilt at Start
	// with the records indexed so far.
	Progress func(done, total int)
	// TokenTTL is how long a looked-up token is cached (default 30 s). A
	// token's own expiry is checked on every call.
	TokenTTL time.Duration
	// Slim keeps slim copies of the volunteers in the feature grid (a
	// million volunteers in half the memory; see grid.Slim).
	Slim bool
	// FeatureSnapshot, when set (with Slim), is the file of the feature
	// snapshot: Start loads the feature grid from it instead of walking the
	// store when it can be trusted, and SaveSnapshot writes it (snapshot.go).
	FeatureSnapshot string
	// MinGroup is the minimum group size of the evaluation reports: a
	// figure about people computed from fewer of them is withheld
	// (evaluation.Filter.MinGroup; default evaluation.DefaultMinGroup, 5).
	MinGroup int
	// CommitChunk is the most reservations of a batch commit written in
	// one store write (default and at most volmatch.MaxReserve); a larger
	// commit is a job of such chunks (job.go).
	CommitChunk int
	// CheckInKey signs the volunteers' check-in codes (checkin.go); every
	// replica must hold the same (default: a random key of this process,
	// so that the codes shown before a restart stop working and the
	// volunteer reloads the page).
	CheckInKey []byte
	// Outbox says the deployment has an outbound (SMS or WeChat) gateway:
	// notifications a volunteer chose for it go to the store's outbox
	// (notify.go); without one, none do.
	Outbox bool
	// Certificates sign and name service certificates (certificate.go);
	// without a key a certificate cannot be issued (EUNAVAILABLE).
	Certificates CertificateOptions
	// Ledger are the earning rules of points and time savings (ledger.go).
	Ledger LedgerRules
	// Exchange is the trust list of the 京津冀 exchange (exchange.go).
	Exchange ExchangeOptions
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = tokenTTL
	}
	if o.MinGroup <= 0 {
		o.MinGroup = evaluation.DefaultMinGroup
	}
	if o.Weights == nil {
		w := scoring.DefaultWeights()
		o.Weights = &w
	}
	if o.CommitChunk <= 0 || o.CommitChunk > volmatch.MaxReserve {
		o.CommitChunk = volmatch.MaxReserve
	}
	if len(o.CheckInKey) == 0 {
		o.CheckInKey = make([]byte, 32)
		_, _ = rand.Read(o.CheckInKey)
	}
	return o
}

// Engine carries out volmatch's flows over a store, the indexes, the
// taxonomy and a clock. It is safe for concurrent use.
type Engine struct {
	store    volmatch.Store
	search   Searcher
	grid     *grid.Features
	follower *Follower
	tax      *taxonomy.Taxonomy
	// scoring holds the scorer in use: its weights change when a planner
	// adopts fitted weights or undoes that (learn.go); read it through
	// scorer().
	scoring  atomic.Pointer[scoring.Scorer]
	learn    learning
	now      func() time.Time
	log      *slog.Logger
	reports  *reports
	minGroup int
	tokens   tokens
	// commitChunk and jobs: batch commits as jobs of bounded chunks (job.go).
	commitChunk int
	jobs        jobs
	browse      browseCache // social workers' browse scopes (access.go)
	checkInKey  []byte      // signs check-in codes (checkin.go)
	notify      notifier    // inboxes, reminders, live subscribers (notify.go)
	outbox      bool
	certs       certKeys    // service certificates' keys (certificate.go)
	rules       LedgerRules // earning rules (ledger.go)
	members     memberCache // talent-pool membership by store change (verify.go)
	menus       sync.Pool   // *matcher.MenuScratch, reused across menus (menu.go)

	// trusted are the exchange's issuers by key ID (exchange.go).
	trusted map[string]TrustedIssuer
}

// New returns an engine over the store st, the text index and the skill
// taxonomy. Its feature grid is empty until Start loads it.
func New(st volmatch.Store, text Index, tax *taxonomy.Taxonomy, o Options) *Engine {
	o = o.withDefaults()
	features := grid.NewFeatures(nil)
	e := &Engine{
		store:   wholeWrites{st}, // writes.go: a write that began runs to its end
		grid:    features,
		tax:     tax,
		now:     o.Now,
		log:     o.Logger,
		reports: newReports(),
		tokens:  tokens{ttl: o.TokenTTL},
	}
	e.scoring.Store(scoring.NewScorer(tax, scoring.Options{Weights: *o.Weights}))
	e.learn.configured = e.scoring.Load().Weights()
	e.minGroup = o.MinGroup
	e.commitChunk = o.CommitChunk
	e.checkInKey = o.CheckInKey
	e.outbox = o.Outbox
	e.certs = newCertKeys(o.Certificates)
	e.rules = o.Ledger.withDefaults()
	e.trusted = o.Exchange.byKeyID()
	var ti TextIndex
	if text != nil {
		e.search, ti = text, text
	}
	e.follower = NewFollower(st, ti, features, FollowerOptions{Logger: o.Logger, Progress: o.Progress, Slim: o.Slim,
		Catalog: StoreCatalog(st), Shifts: true, Snapshot: o.FeatureSnapshot})
	return e
}

// Start brings the indexes up to the store: the text index is rebuilt when
// missing or behind by more than the change feed keeps, caught up
// otherwise, and the feature grid is loaded in full. The weights adopted
// in the event log, if any, replace the configured ones (learn.go).
func (e *Engine) Start(ctx context.Context) error {
	if err := e.follower.Start(ctx); err != nil {
		return err
	}
	return e.syncWeights(ctx)
}

// Follow keeps the indexes in step with the store until ctx is done,
// waking on the store's change feed (or every interval), and the weights
// in step with the adoptions in the event log (another replica's
// included), read every interval.
func (e *Engine) Follow(ctx context.Context, every time.Duration) {
	go e.followWeights(ctx, every)
	e.follower.Run(ctx, every)
}

// Applied returns the last store change the indexes have applied.
func (e *Engine) Applied() uint64 { return e.follower.Seq() }

// WaitApplied blocks until the indexes have applied every store change up
// to seq, or ctx ends: after it, this replica's rankings see every write
// up to seq, another replica's included (Follow applies them).
func (e *Engine) WaitApplied(ctx context.Context, seq uint64) error {
	return e.follower.WaitApplied(ctx, seq)
}

// Store returns the store the engine writes to (for the transports'
// health checks and token lookups).
func (e *Engine) Store() volmatch.Store { return e.store }

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.now() }

// synced catches the indexes up after a write. A failure is logged and not
// returned: the write itself is durable, and the follower's loop retries.
func (e *Engine) synced(ctx context.Context) {
	if _, err := e.follower.CatchUp(ctx); err != nil {
		e.log.Warn("index catch-up failed", "err", volmatch.Scrub(err))
	}
}

// checkedWrite checks rec, writes it to the store and catches the indexes
// up: the tail of every create and replace of a need or a volunteer.
func checkedWrite[T any](ctx context.Context, e *Engine, rec T, check, write func(context.Context, T) error) error {
	if err := check(ctx, rec); err != nil {
		return err
	}
	if err := write(ctx, rec); err != nil {
		return err
	}
	e.synced(ctx)
	return nil
}

// CatchUp applies every pending change of the store to the indexes and
// returns how many it applied.
func (e *Engine) CatchUp(ctx context.Context) (int, error) {
	return e.follower.CatchUp(ctx)
}

// NewID returns a fresh random ID with the prefix: prefix-<16 hex>.
func NewID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// at returns *t, or the engine's now when t is nil or zero.
func (e *Engine) at(t *time.Time) time.Time {
	if t != nil && !t.IsZero() {
		return *t
	}
	return e.now()
}

// Taxonomy returns the skill taxonomy the engine checks keys against.
func (e *Engine) Taxonomy() *taxonomy.Taxonomy { return e.tax }
