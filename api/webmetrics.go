package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// servePage serves a web page (Options.Web) and counts it in the API's
// metrics, volmatch_http_requests_total and
// volmatch_http_request_duration_seconds, by the route pattern the pages'
// ServeMux matched (http.Request.Pattern, set on r as it routes; "/web/"
// prefixed routes such as "/web/needs/{id}", never a path with its IDs),
// so that one registry and one dashboard cover both transports. The pages
// log their requests themselves.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &pageStatus{ResponseWriter: w}
	s.opt.Web.ServeHTTP(rec, r)
	route := r.Pattern
	if i := strings.IndexByte(route, ' '); i >= 0 {
		route = route[i+1:] // "GET /web/needs" -> "/web/needs"
	}
	if route == "" {
		route = "unmatched"
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
}

// pageStatus records the status a page wrote.
type pageStatus struct {
	http.ResponseWriter
	status int
}

func (w *pageStatus) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *pageStatus) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on (a page's stream of server-sent events).
func (w *pageStatus) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *pageStatus) Unwrap() http.ResponseWriter { return w.ResponseWriter }
