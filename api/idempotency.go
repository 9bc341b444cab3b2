package api

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch/engine"
)

// Idempotency-Key (as payment APIs take it): a POST that carries the
// header is run once per caller and key, and a retry with the same key,
// path and body gets the first answer again (status, Location and body,
// with Idempotent-Replayed: true) without writing. The rules are the
// engine's (engine.Idempotent); this is the transport: the key, the route,
// the body, and the answer as sent.

// idempotencyHeader is the request header of a key.
const idempotencyHeader = "Idempotency-Key"

// idempotent runs a POST with an Idempotency-Key through engine.Idempotent
// (after authenticate: the key is the caller's).
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(idempotencyHeader)
	if c.Request.Method != http.MethodPost || key == "" {
		c.Next()
		return
	}
	var body []byte
	if c.Request.Body != nil {
		var err error
		if body, err = io.ReadAll(c.Request.Body); err != nil {
			s.fail(c, decodeError(err))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
	}
	req := engine.IdempotentRequest{Key: key, Route: c.Request.Method + " " + c.Request.URL.Path, Body: body}
	ans, replayed, err := s.eng.Idempotent(c.Request.Context(), principal(c), req, func(ctx context.Context) (engine.Answer, error) {
		c.Request = c.Request.WithContext(ctx) // carries the key's fence to the store
		w := &recorder{ResponseWriter: c.Writer}
		c.Writer = w
		c.Next()
		c.Writer = w.ResponseWriter
		return engine.Answer{Status: w.Status(), Location: w.Header().Get("Location"), Body: w.body.Bytes()}, nil
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	if replayed {
		c.Header("Idempotent-Replayed", "true")
		if ans.Location != "" {
			c.Header("Location", ans.Location)
		}
		ct := "application/json; charset=utf-8"
		if ans.Status >= 400 {
			ct = "application/problem+json"
		}
		c.Data(ans.Status, ct, ans.Body)
		c.Abort()
	}
}

// recorder keeps a copy of the answer it writes through.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recorder) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recorder) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
