package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// roles is a set of roles allowed on a route; nil means public. The table
// is a first line of defence; the engine checks every record's scope.
type roles []volmatch.Role

var (
	public       roles
	anyRole      = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer, volmatch.RolePlanner}
	adminOnly    = roles{volmatch.RoleAdmin}
	staff        = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker}
	staffAndSelf = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer}
	adminAndSelf = roles{volmatch.RoleAdmin, volmatch.RoleVolunteer}
	readers      = roles{volmatch.RoleAdmin, volmatch.RolePlanner}
)

func (rs roles) allow(r volmatch.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

const principalKey = "volmatch.principal"

// principal returns the token of the request (set by authenticate).
func principal(c *gin.Context) *volmatch.Token {
	t, _ := c.Get(principalKey)
	tok, _ := t.(*volmatch.Token)
	return tok
}

// authenticate returns a middleware that resolves the bearer token, checks
// the route's roles and applies the per-token rate limit.
func (s *Server) authenticate(allowed roles) gin.HandlerFunc {
	return func(c *gin.Context) {
		secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="volmatch"`)
			s.fail(c, volmatch.Errorf(volmatch.EUNAUTHORIZED, "an Authorization: Bearer token is required"))
			return
		}
		addr := s.clientAddr(c.Request)
		if blocked, wait := s.failures.blocked(addr); blocked {
			s.tooManyFailures(c, wait)
			return
		}
		tok, err := s.eng.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
		if err != nil {
			if volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED {
				s.failures.fail(addr)
			}
			s.challenge(c, err)
			s.fail(c, err)
			return
		}
		c.Set(principalKey, tok)
		if ok, wait := s.limiter.allow(tok.Hash); !ok {
			s.rateLimited(c, wait)
			return
		}
		if !allowed.allow(tok.Role) {
			s.fail(c, volmatch.Errorf(volmatch.EFORBIDDEN, "the %s role may not use this route", tok.Role))
			return
		}
		c.Next()
	}
}

// challenge sets WWW-Authenticate for a token that was refused.
func (s *Server) challenge(c *gin.Context, err error) {
	switch {
	case err == engine.ErrExpired:
		c.Header("WWW-Authenticate", `Bearer realm="volmatch", error="invalid_token", error_description="expired"`)
	case volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED:
		c.Header("WWW-Authenticate", `Bearer realm="volmatch", error="invalid_token"`)
	}
}

// rateLimited answers 429 with Retry-After: the whole seconds until the
// token's bucket holds a request again (at least 1).
func (s *Server) rateLimited(c *gin.Context, wait time.Duration) {
	s.tooMany(c, wait, "too many requests for this token; retry in %d s")
}

// tooManyFailures answers 429 to an address that sent too many failed
// bearer tokens, with Retry-After: the whole seconds until its window ends.
func (s *Server) tooManyFailures(c *gin.Context, wait time.Duration) {
	s.tooMany(c, wait, "too many failed bearer tokens from this address; retry in %d s")
}

func (s *Server) tooMany(c *gin.Context, wait time.Duration, detail string) {
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.FormatInt(secs, 10))
	writeProblem(c, Problem{
		Type: "https://volmatch.example/problems/rate_limited", Title: "Too Many Requests",
		Status: http.StatusTooManyRequests, Code: "rate_limited",
		Detail: fmt.Sprintf(detail, secs),
	})
}
