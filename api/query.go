package api

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// MaxLimit is the largest page a listing serves. A larger limit is capped
// to it (not refused): the page holds MaxLimit items and its next cursor
// goes on.
const MaxLimit = 1000

// limitParam reads a page size: def when absent, 400 when not a positive
// integer, capped to most.
func limitParam(c *gin.Context, def, most int) (int, error) {
	n, err := intParam(c, "limit", def, math.MinInt, math.MaxInt)
	if err == nil && n < 1 {
		err = malformed("limit", "must be between 1 and %d (a larger one is capped to %d), got %d", most, most, n)
	}
	return min(n, most), err
}

// intParam reads an integer query parameter in [lo, hi], def when absent.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, malformed(name, "must be an integer, got %q", s)
	}
	if n < lo || n > hi {
		return 0, malformed(name, "must be between %d and %d, got %d", lo, hi, n)
	}
	return n, nil
}

// floatParam reads a number query parameter in [lo, hi], def when absent.
func floatParam(c *gin.Context, name string, def, lo, hi float64) (float64, error) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f {
		return 0, malformed(name, "must be a number, got %q", s)
	}
	if f < lo || f > hi {
		return 0, malformed(name, "must be between %v and %v, got %v", lo, hi, f)
	}
	return f, nil
}

// enumParam reads a query parameter that must be one of allowed (or absent).
func enumParam(c *gin.Context, name string, allowed ...string) (string, error) {
	s := c.Query(name)
	if s == "" {
		return "", nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", malformed(name, "must be one of %v, got %q", allowed, s)
}

// idParam reads an optional ID-valued query parameter.
func idParam(c *gin.Context, name string) (string, error) {
	s := c.Query(name)
	if s == "" {
		return "", nil
	}
	if err := volmatch.ValidID(name, s); err != nil {
		return "", &errMalformed{err.(*volmatch.Error)}
	}
	return s, nil
}

// listOptions reads limit (default 100, capped to MaxLimit) and cursor.
func listOptions(c *gin.Context) (volmatch.ListOptions, error) {
	var o volmatch.ListOptions
	n, err := limitParam(c, 100, MaxLimit)
	if err != nil {
		return o, err
	}
	o.Limit = n
	if cur := c.Query("cursor"); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil || volmatch.ValidID("cursor", string(b)) != nil {
			return o, malformed("cursor", "is not a cursor given by a previous page")
		}
		o.After = string(b)
	}
	return o, nil
}

// nextCursor encodes the store's next ID as an opaque cursor.
func nextCursor(after string) string {
	if after == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(after))
}

// newID returns a fresh random ID with the prefix: prefix-<16 hex>.
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// at returns *t or now.
func (s *Server) at(t *time.Time) time.Time {
	if t != nil && !t.IsZero() {
		return *t
	}
	return s.opt.Now()
}

// bodyOrEmpty decodes an optional body: an empty one leaves v as it is.
func (s *Server) bodyOrEmpty(c *gin.Context, v any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return s.decode(c, v)
}
