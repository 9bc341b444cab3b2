package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"volmatch/engine"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// Options tune the server; the zero value gives the defaults.
type Options struct {
	// MaxBody is the largest request body in bytes (default 1 MiB).
	MaxBody int64
	// Rate is the sustained requests per second allowed per token (default
	// 50); Burst the bucket size (default 100). A negative Rate disables
	// the limit.
	Rate  float64
	Burst int
	// RequestTimeout is the deadline of each request's context (default
	// DefaultRequestTimeout; negative: none). Work that outlives it before
	// writing stops and answers 503; a write that began runs to its end and
	// is answered (engine.Request), and a batch commit too long for one
	// write is a job. The http.Server's WriteTimeout must be longer.
	RequestTimeout time.Duration
	// AuthFailures is how many failed bearer tokens (unknown or expired)
	// one client address may send in a minute; past it, every
	// authenticated request from the address answers 429 with Retry-After
	// until the minute is over, without its token being looked up. 0 gives
	// 20, or no limit when Rate is negative (the limits are off, as in load
	// tests); negative: no limit.
	AuthFailures int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (its right-most address that is not a trusted proxy).
	// Empty (the default): X-Forwarded-For is not trusted and the client is
	// the connection's peer. Behind a proxy that is the proxy itself, so
	// every client behind it would share one allowance of AuthFailures:
	// list the proxy here.
	TrustedProxies []netip.Prefix
	// Now is the clock of the rate limiters (default time.Now); the flows
	// read the engine's.
	Now func() time.Time
	// Logger receives one line per request (default: discard).
	Logger *slog.Logger
	// Web, when set, serves "/" and every path under "/web/": the HTML
	// pages (package web), mounted beside the JSON API by the same server.
	Web http.Handler
	// Registry receives the metrics (default: a new registry of the server's
	// own, served at /metrics).
	Registry *prometheus.Registry
}

// DefaultAuthFailures is the default of Options.AuthFailures: failed
// bearer tokens allowed per client address and minute.
const DefaultAuthFailures = 20

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
	if o.AuthFailures == 0 {
		o.AuthFailures = DefaultAuthFailures
		if o.Rate < 0 {
			o.AuthFailures = -1
		}
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
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
	eng     *engine.Engine
	opt     Options
	router  *gin.Engine
	ops     []route // the route table as registered, for the OpenAPI document
	metrics *metrics
	limiter *limiter
	// failures counts failed bearer tokens per client address.
	failures *failures
	// cancelled counts batch assignments stopped because the client went
	// away or the request's deadline passed, before anything was written.
	cancelled prometheus.Counter

	docOnce sync.Once
	doc     []byte // the OpenAPI document, built on first request
}

// New returns a server over the engine.
func New(eng *engine.Engine, o Options) *Server {
	o = o.withDefaults()
	s := &Server{eng: eng, opt: o}
	s.metrics = newMetrics(o.Registry)
	s.limiter = newLimiter(o.Rate, o.Burst, o.Now)
	s.failures = newFailures(o.AuthFailures, o.Now)
	s.cancelled = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "volmatch_batch_cancelled_total",
		Help: "Batch assignments stopped before writing because the client went away or the deadline passed.",
	})
	o.Registry.MustRegister(s.cancelled, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "volmatch_notifier_caught_up_timestamp_seconds",
		Help: "When the notifier last began a read of the event log that reached its end (Unix seconds; 0 before the first): every earlier event's notifications are stored.",
	}, func() float64 {
		t := eng.NotifierCaughtUp()
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	}))
	s.router = gin.New()
	s.router.HandleMethodNotAllowed = true
	s.router.ContextWithFallback = true
	s.routes()
	return s
}

// Handler returns the http.Handler serving every route: the API's, and
// "/" and "/web/..." by Options.Web when set.
func (s *Server) Handler() http.Handler {
	if s.opt.Web == nil {
		return s.router
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, "/web/") {
			s.servePage(w, r)
			return
		}
		s.router.ServeHTTP(w, r)
	})
}

// Routes lists the method and gin path of every route served, in
// registration order.
func (s *Server) Routes() []gin.RouteInfo { return s.router.Routes() }
