package api

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"
)

// noSniff tells browsers to take every answer's Content-Type as given (a
// JSON answer, a problem document) and never guess another from its bytes.
func (s *Server) noSniff(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

// requireJSON answers 415 to a POST, PUT or PATCH of a route whose body is
// not declared application/json (parameters such as charset allowed). A
// request without a Content-Type passes only when its body is empty (an
// accept, a decline).
func (s *Server) requireJSON(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		c.Next()
		return
	}
	if c.FullPath() == "" { // no such route: 404 or 405 says more
		c.Next()
		return
	}
	ct := c.GetHeader("Content-Type")
	if ct == "" && !hasBody(c.Request) {
		c.Next()
		return
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		c.Next()
		return
	}
	detail := "the body must be JSON sent with Content-Type: application/json"
	if ct == "" {
		detail += "; the request has a body and no Content-Type"
	} else {
		detail += fmt.Sprintf(", got %.100q", ct)
	}
	writeProblem(c, Problem{
		Type: "https://volmatch.example/problems/unsupported_media_type", Title: http.StatusText(http.StatusUnsupportedMediaType),
		Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Detail: detail,
		Field: "Content-Type", Errors: []ProblemField{{Field: "Content-Type", Detail: detail}},
	})
}

// hasBody reports whether r carries a body: a declared length above zero,
// or, for one sent without a length, a first byte (put back for the
// handler).
func hasBody(r *http.Request) bool {
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		return false
	case r.ContentLength > 0:
		return true
	}
	var first [1]byte
	n, _ := io.ReadFull(r.Body, first[:])
	if n == 0 {
		return false
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(first[:n]), r.Body), r.Body}
	return true
}
