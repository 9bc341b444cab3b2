package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"volmatch"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// Searcher is the text and geo search over needs and volunteers (the Bleve
// index, adapted in cmd/volmatch).
type Searcher interface {
	// Search returns the hits of q in score order (distance order with Near
	// and no text).
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
}

// SearchQuery is a search as the API asks it.
type SearchQuery struct {
	Text     string
	Kind     string // "need", "volunteer" or "" for both
	Near     *volmatch.Point
	WithinKm float64
	District string
	Domain   string
	Limit    int
	Offset   int
}

// SearchHit is one found record.
type SearchHit struct {
	Kind       string
	ID         string
	Score      float64
	DistanceKm float64
}

// SearchResult is a page of hits and the total number found.
type SearchResult struct {
	Hits  []SearchHit
	Total int
}

// Syncer brings the derived indexes (search and matching) up to the store's
// change feed.
type Syncer interface {
	// CatchUp applies every pending change and returns how many it applied.
	CatchUp(ctx context.Context) (int, error)
}

// Ranker ranks volunteers for a need (matcher.Rank over the feature index,
// adapted in cmd/volmatch).
type Ranker interface {
	Rank(ctx context.Context, n *volmatch.Need, o RankOptions) (Ranking, error)
}

// RankOptions ask for the top K of one shift ("" for every shift).
type RankOptions struct {
	K     int
	Shift string
	// After leaves out shifts that start at or before it (the server's
	// clock: nobody is matched to work already begun or past).
	After time.Time
}

// Ranking is the ranked, explained list and what the gates excluded.
type Ranking struct {
	Matches    []volmatch.Match
	Exclusions volmatch.Exclusions
	Considered int // volunteers looked at
	Eligible   int // volunteers passing every hard gate
}

// Taxonomy tells the skill and domain keys that exist.
type Taxonomy interface {
	Has(key string) bool
}

// Deps are the parts the server calls. Store is required; without Search the
// search route answers 503; without Sync writes are not followed by a
// catch-up; without Ranker matches answer 503 and needs are stored with
// Supply 0; without Taxonomy every key is accepted.
type Deps struct {
	Store    volmatch.Store
	Search   Searcher
	Sync     Syncer
	Ranker   Ranker
	Taxonomy Taxonomy
	// Modes serves the menu, batch assignment and dispatch routes (503
	// without it).
	Modes Modes
}

// Options tune the server; the zero value gives the defaults.
type Options struct {
	// MaxBody is the largest request body in bytes (default 1 MiB).
	MaxBody int64
	// Rate is the sustained requests per second allowed per token (default
	// 50); Burst the bucket size (default 100). A negative Rate disables
	// the limit.
	Rate  float64
	Burst int
	// TokenTTL is how long a looked-up token is cached (default 30 s). A
	// token's own expiry (Token.ExpiresAt) is checked on every request.
	TokenTTL time.Duration
	// RequestTimeout is the deadline of each request's context (default
	// DefaultRequestTimeout; negative: none). Work that outlives it stops and
	// answers 503; the http.Server's WriteTimeout must be longer.
	RequestTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives one line per request (default: discard).
	Logger *slog.Logger
	// Registry receives the metrics (default: a new registry of the server's
	// own, served at /metrics).
	Registry *prometheus.Registry
}

// DefaultRequestTimeout is the default of Options.RequestTimeout: long
// enough for a batch assignment of a large event.
const DefaultRequestTimeout = 60 * time.Second

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.Rate == 0 {
		o.Rate = 50
	}
	if o.Burst <= 0 {
		o.Burst = 100
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	return o
}

// Server is the HTTP service. It is safe for concurrent use.
type Server struct {
	deps    Deps
	opt     Options
	engine  *gin.Engine
	ops     []route // the route table as registered, for the OpenAPI document
	metrics *metrics
	limiter *limiter
	// cancelled counts batch assignments stopped because the client went
	// away or the request's deadline passed, before anything was written.
	cancelled prometheus.Counter

	tokMu  sync.Mutex
	tokens map[string]cachedToken

	docOnce sync.Once
	doc     []byte // the OpenAPI document, built on first request
}

// New returns a server over deps.
func New(deps Deps, o Options) *Server {
	o = o.withDefaults()
	s := &Server{deps: deps, opt: o, tokens: map[string]cachedToken{}}
	s.metrics = newMetrics(o.Registry)
	s.limiter = newLimiter(o.Rate, o.Burst, o.Now)
	s.cancelled = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "volmatch_batch_cancelled_total",
		Help: "Batch assignments stopped before writing because the client went away or the deadline passed.",
	})
	o.Registry.MustRegister(s.cancelled)
	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	s.routes()
	return s
}

// Handler returns the http.Handler serving every route.
func (s *Server) Handler() http.Handler { return s.engine }

// Routes lists the method and gin path of every route served, in
// registration order.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

// synced catches the indexes up after a write. A failure is logged and not
// returned: the write itself is durable, and the follower loop retries.
func (s *Server) synced(ctx context.Context) {
	if s.deps.Sync == nil {
		return
	}
	if _, err := s.deps.Sync.CatchUp(ctx); err != nil {
		s.opt.Logger.Warn("index catch-up failed", "err", scrub(err))
	}
}

func (s *Server) has(key string) bool {
	return s.deps.Taxonomy == nil || s.deps.Taxonomy.Has(key)
}
