package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// The handlers of the routes that read a record's fields or a request, call
// one engine method with the caller and the path's id, and answer its result
// are made by these functions over the engine's methods.

// saver creates a record (id "") or replaces record id.
type saver[T any] func(ctx context.Context, tok *volmatch.Token, id string, rec *T) error

// idCall is an engine method on the path's record with a request body Q.
type idCall[Q, R any] func(ctx context.Context, tok *volmatch.Token, id string, req *Q) (R, error)

// created adapts a saver to create a record and return it.
func created[T any](save saver[T]) func(context.Context, *volmatch.Token, *T) (*T, error) {
	return func(ctx context.Context, tok *volmatch.Token, rec *T) (*T, error) {
		return rec, save(ctx, tok, "", rec)
	}
}

// saved adapts a saver to replace the path's record and return it.
func saved[T any](save saver[T]) idCall[T, *T] {
	return func(ctx context.Context, tok *volmatch.Token, id string, rec *T) (*T, error) {
		return rec, save(ctx, tok, id, rec)
	}
}

// byValue adapts an engine method that takes its request by value.
func byValue[Q, R any](f func(context.Context, *volmatch.Token, string, Q) (R, error)) idCall[Q, R] {
	return func(ctx context.Context, tok *volmatch.Token, id string, req *Q) (R, error) {
		return f(ctx, tok, id, *req)
	}
}

// createRecord answers POST: 201 with Location base/ID.
func createRecord[T any](s *Server, create func(context.Context, *volmatch.Token, *T) (*T, error), base string, id func(*T) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var rec T
		if err := s.decode(c, &rec); err != nil {
			s.fail(c, err)
			return
		}
		out, err := create(c.Request.Context(), principal(c), &rec)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Location", base+id(out))
		c.JSON(http.StatusCreated, out)
	}
}

// bodyRoute answers a request on the path's record: it reads the body Q with
// read (s.decode, or s.bodyOrEmpty where the body is optional), calls the
// engine and answers its result with status.
func bodyRoute[Q, R any](s *Server, status int, read func(*gin.Context, any) error, call idCall[Q, R]) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req Q
		if err := read(c, &req); err != nil {
			s.fail(c, err)
			return
		}
		out, err := call(c.Request.Context(), principal(c), c.Param("id"), &req)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(status, out)
	}
}

// getRecord answers a request without a body on the path's record (a GET,
// or a step such as declining an invitation): 200 with the engine's result.
func getRecord[R any](s *Server, get func(context.Context, *volmatch.Token, string) (R, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := get(c.Request.Context(), principal(c), c.Param("id"))
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

// listRecords answers GET of a listing page: filter reads the query, list
// the page.
func listRecords[F, T any](s *Server, filter func(*gin.Context) (F, error), list func(context.Context, *volmatch.Token, F) ([]*T, string, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := filter(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		recs, next, err := list(c.Request.Context(), principal(c), f)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, List[*T]{Items: nonNil(recs), Next: nextCursor(next)})
	}
}

// deleteRecord answers DELETE of the path's record: 204.
func deleteRecord(s *Server, del func(context.Context, *volmatch.Token, string) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := del(c.Request.Context(), principal(c), c.Param("id")); err != nil {
			s.fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
