package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// Problem is an RFC 9457 problem document. Field names the request field
// the problem concerns (a JSON path such as "shifts[0].end", or a query
// parameter), empty when none; Errors repeats it in the list form that some
// clients expect.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code"`
	Field  string         `json:"field,omitempty"`
	Errors []ProblemField `json:"errors,omitempty"`
	// Reason is the refusal's machine-readable reason (an extension
	// member, volmatch.Error.Reason: "slot_full", "gate:skills", ...),
	// stable where Detail's wording is not.
	Reason string `json:"reason,omitempty"`
}

// ProblemField is one field's problem.
type ProblemField struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// statuses is the one table from error codes to HTTP statuses. EINVALID is
// 422 here; malformed requests (see malformed) answer 400.
var statuses = map[string]int{
	volmatch.EINVALID:      http.StatusUnprocessableEntity,
	volmatch.ENOTFOUND:     http.StatusNotFound,
	volmatch.ECONFLICT:     http.StatusConflict,
	volmatch.EUNAUTHORIZED: http.StatusUnauthorized,
	volmatch.EFORBIDDEN:    http.StatusForbidden,
	volmatch.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	volmatch.EUNAVAILABLE:  http.StatusServiceUnavailable,
	volmatch.EINTERNAL:     http.StatusInternalServerError,
}

// errMalformed marks an EINVALID error about the form of the request (bad
// JSON, wrong type, unknown field, bad query parameter): 400, not 422.
type errMalformed struct{ err *volmatch.Error }

func (e *errMalformed) Error() string { return e.err.Error() }
func (e *errMalformed) Unwrap() error { return e.err }

// malformed returns a 400 error about field.
func malformed(field, format string, args ...any) error {
	return &errMalformed{volmatch.FieldError(field, format, args...)}
}

// Errors of a request's context: the deadline (Options.RequestTimeout)
// passed, or the client went away.
var (
	errTimedOut  = volmatch.Errorf(volmatch.EUNAVAILABLE, "the request took longer than the server allows; try a smaller request")
	errCancelled = volmatch.Errorf(volmatch.EUNAVAILABLE, "the request was cancelled")
)

// problemFor turns an error into its problem document.
func problemFor(err error) Problem {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		err = errTimedOut
	case errors.Is(err, context.Canceled):
		err = errCancelled
	}
	code := volmatch.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		code, status = volmatch.EINTERNAL, http.StatusInternalServerError
	}
	var m *errMalformed
	if errors.As(err, &m) {
		status = http.StatusBadRequest
	}
	p := Problem{
		Type:   "https://volmatch.example/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: volmatch.ErrorMessage(err),
		Field:  volmatch.ErrorField(err),
		Reason: volmatch.ErrorReason(err),
	}
	if code == volmatch.EINTERNAL {
		p.Detail, p.Reason = "internal error", ""
	}
	if p.Field != "" {
		p.Errors = []ProblemField{{Field: p.Field, Detail: p.Detail}}
	}
	return p
}

// fail answers err as problem+json and aborts the chain. Internal errors are
// logged, scrubbed (stores name records by ID, but an error from below may
// quote a value); a deadline or a client gone away is logged as such.
func (s *Server) fail(c *gin.Context, err error) {
	p := problemFor(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		s.opt.Logger.Warn("request stopped", "route", c.FullPath(), "reason", context.Cause(c.Request.Context()))
	case p.Status >= 500:
		s.opt.Logger.Error("request failed", "route", c.FullPath(), "status", p.Status, "err", scrubRequest(c, err))
	}
	writeProblem(c, p)
}

// scrubRequest is volmatch.Scrub that also masks every path and query value of the
// request, which an error from below may quote (a search's text may be a
// name).
func scrubRequest(c *gin.Context, err error) string {
	text := volmatch.Scrub(err)
	redact := func(v string) {
		if len(v) >= 2 {
			text = strings.ReplaceAll(text, v, "[redacted]")
		}
	}
	for _, p := range c.Params {
		redact(p.Value)
	}
	for _, vs := range c.Request.URL.Query() {
		for _, v := range vs {
			redact(v)
		}
	}
	return text
}

func writeProblem(c *gin.Context, p Problem) {
	b, _ := json.Marshal(p)
	c.Abort()
	c.Data(p.Status, "application/problem+json", b)
}

// decode reads the body into v strictly: one JSON value, no unknown fields,
// at most Options.MaxBody bytes (the limit is set by a middleware).
func (s *Server) decode(c *gin.Context, v any) error {
	var read bytes.Buffer // what the decoder read, to find a bad value's field
	dec := json.NewDecoder(io.TeeReader(c.Request.Body, &read))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		derr := decodeError(err)
		if t := reflect.TypeOf(v); isValueError(err) && volmatch.ErrorField(derr) == "" && t.Kind() == reflect.Pointer {
			if f := locateField(read.Bytes(), t.Elem()); f != "" {
				derr = malformed(f, "%s", volmatch.ErrorMessage(derr))
			}
		}
		return derr
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return malformed("", "the body must hold exactly one JSON value")
	}
	return nil
}

// decodeError turns an encoding/json error into a 400 (or 413) naming the
// field where it can.
func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return volmatch.Errorf(volmatch.ETOOLARGE, "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return malformed("", "the request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("", "the body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return malformed("", "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return malformed("", "the body must be a JSON %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return malformed(field, "must be a JSON %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return malformed(name, "unknown field %q", name)
	}
	// Errors of a type's own UnmarshalJSON (times, availability weeks).
	return malformed("", "invalid value: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// isValueError reports whether err is an error of a type's own
// UnmarshalJSON (a time, an availability week): the encoding/json error
// names no field then.
func isValueError(err error) bool {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	return !errors.As(err, &syn) && !errors.As(err, &typ) && !errors.As(err, &mbe) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) &&
		!strings.HasPrefix(err.Error(), "json: unknown field ")
}

// maxLocateDepth bounds the search for a bad value's field (the request
// types nest a few levels: shifts[0].start), so that a deeply nested body
// costs no more than a few decodes of itself.
const maxLocateDepth = 6

// locateField finds the JSON path ("shifts[0].start") of the value in body
// that fails to decode into a new typ, by decoding one member or element at
// a time; "" when body is not one JSON value or no single member fails.
func locateField(body []byte, typ reflect.Type) string {
	var doc json.RawMessage
	if json.NewDecoder(bytes.NewReader(body)).Decode(&doc) != nil {
		return ""
	}
	fails := func(b []byte) bool { return json.Unmarshal(b, reflect.New(typ).Interface()) != nil }
	var walk func(val json.RawMessage, wrap func(json.RawMessage) []byte, path string, depth int) string
	walk = func(val json.RawMessage, wrap func(json.RawMessage) []byte, path string, depth int) string {
		if depth == maxLocateDepth {
			return path
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(val, &obj) == nil && obj != nil {
			if path != "" && fails(wrap(json.RawMessage("{}"))) {
				return path // the value may not be an object at all
			}
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				w := func(x json.RawMessage) []byte {
					b, _ := json.Marshal(map[string]json.RawMessage{k: x})
					return wrap(b)
				}
				if fails(w(obj[k])) {
					p := k
					if path != "" {
						p = path + "." + k
					}
					return walk(obj[k], w, p, depth+1)
				}
			}
			return path
		}
		var arr []json.RawMessage
		if json.Unmarshal(val, &arr) == nil {
			if path != "" && fails(wrap(json.RawMessage("[]"))) {
				return path // the value may not be an array at all
			}
			for i, x := range arr {
				w := func(x json.RawMessage) []byte { return wrap(append(append([]byte{'['}, x...), ']')) }
				if fails(w(x)) {
					return walk(x, w, path+"["+strconv.Itoa(i)+"]", depth+1)
				}
			}
		}
		return path
	}
	return walk(doc, func(x json.RawMessage) []byte { return x }, "", 0)
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return k
}

// errNotFoundRoute answers unknown paths.
func (s *Server) noRoute(c *gin.Context) {
	s.fail(c, volmatch.Errorf(volmatch.ENOTFOUND, "no route %s", c.Request.URL.Path))
}

func (s *Server) noMethod(c *gin.Context) {
	writeProblem(c, Problem{
		Type: "https://volmatch.example/problems/method_not_allowed", Title: http.StatusText(405),
		Status: 405, Code: "method_not_allowed", Detail: fmt.Sprintf("method %s is not allowed here", c.Request.Method),
	})
}
