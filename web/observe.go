package web

import (
	"net/http"
	"strings"
	"time"
)

// Request logging: every page request is logged with its method, route
// pattern (such as "/web/needs/{id}", never the path with its IDs, nor the
// query string that may carry a sign-in or check-in code), status and
// duration; never a cookie, a form value or a name. The API, when it
// mounts the pages, counts them in its Prometheus metrics by the same
// route pattern (api.Server.Handler reads http.Request.Pattern).

// observe wraps h with the request log.
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		s.opt.Logger.Info("page", "method", r.Method, "route", Route(r), "status", rec.Status(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// Route is the route pattern that served r, without its method ("/" for a
// path no page has), once the pages' mux has served it; "unmatched"
// before.
func Route(r *http.Request) string {
	p := r.Pattern
	if p == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on (a stream of server-sent events).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the status written (200 when the handler wrote none).
func (w *statusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
