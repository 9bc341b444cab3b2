package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// Talent pools and stations are plain records: the handlers of their
// routes are made by these functions over the engine's methods.

// saver creates a record (id "") or replaces record id.
type saver[T any] func(ctx context.Context, tok *volmatch.Token, id string, rec *T) error

// createRecord answers POST: 201 with Location base/ID.
func createRecord[T any](s *Server, save saver[T], base string, id func(*T) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var rec T
		if err := s.decode(c, &rec); err != nil {
			s.fail(c, err)
			return
		}
		if err := save(c.Request.Context(), principal(c), "", &rec); err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Location", base+id(&rec))
		c.JSON(http.StatusCreated, &rec)
	}
}

// updateRecord answers PUT of the path's record.
func updateRecord[T any](s *Server, save saver[T]) gin.HandlerFunc {
	return func(c *gin.Context) {
		var rec T
		if err := s.decode(c, &rec); err != nil {
			s.fail(c, err)
			return
		}
		if err := save(c.Request.Context(), principal(c), c.Param("id"), &rec); err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, &rec)
	}
}

// getRecord answers GET of the path's record.
func getRecord[T any](s *Server, get func(context.Context, *volmatch.Token, string) (*T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := get(c.Request.Context(), principal(c), c.Param("id"))
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

// listRecords answers GET of a listing page.
func listRecords[T any](s *Server, list func(context.Context, *volmatch.Token, volmatch.ListOptions) ([]*T, string, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		o, err := listOptions(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		recs, next, err := list(c.Request.Context(), principal(c), o)
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
