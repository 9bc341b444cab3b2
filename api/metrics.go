package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	matches  prometheus.Counter
	accepts  prometheus.Counter
	handler  gin.HandlerFunc
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "volmatch_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "volmatch_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route", "method"}),
		matches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "volmatch_matches_served_total", Help: "Ranked candidates served by the matches route.",
		}),
		accepts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "volmatch_invites_accepted_total", Help: "Invitations accepted.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.matches, m.accepts)
	// The Go and process collectors may already be in a caller's registry.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return m
}

// observe is the middleware that logs and counts every request. It logs
// method, route, status, latency and role only: never the query string, the
// path values or the body, which may carry personal data.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	el := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(el.Seconds())
	role := "none"
	if tok := principal(c); tok != nil {
		role = string(tok.Role)
	}
	s.opt.Logger.Info("request", "method", c.Request.Method, "route", route, "status", status,
		"latency_ms", float64(el.Microseconds())/1000, "role", role)
}
