package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
)

// roles is a set of roles allowed on a route; nil means public.
type roles []volmatch.Role

var (
	public       roles
	anyRole      = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer, volmatch.RolePlanner}
	adminOnly    = roles{volmatch.RoleAdmin}
	staff        = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker}
	staffAndSelf = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer}
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

type cachedToken struct {
	tok     *volmatch.Token
	expires time.Time
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
		h := c.GetHeader("Authorization")
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="volmatch"`)
			s.fail(c, volmatch.Errorf(volmatch.EUNAUTHORIZED, "an Authorization: Bearer token is required"))
			return
		}
		tok, err := s.lookupToken(c.Request.Context(), volmatch.HashToken(strings.TrimSpace(secret)))
		if err != nil {
			if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
				c.Header("WWW-Authenticate", `Bearer realm="volmatch", error="invalid_token"`)
				err = volmatch.Errorf(volmatch.EUNAUTHORIZED, "the bearer token is not valid")
			}
			s.fail(c, err)
			return
		}
		if tok.Expired(s.opt.Now()) {
			c.Header("WWW-Authenticate", `Bearer realm="volmatch", error="invalid_token", error_description="expired"`)
			s.fail(c, volmatch.Errorf(volmatch.EUNAUTHORIZED, "the bearer token has expired"))
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

// rateLimited answers 429 with Retry-After: the whole seconds until the
// token's bucket holds a request again (at least 1).
func (s *Server) rateLimited(c *gin.Context, wait time.Duration) {
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.FormatInt(secs, 10))
	writeProblem(c, Problem{
		Type: "https://volmatch.example/problems/rate_limited", Title: "Too Many Requests",
		Status: http.StatusTooManyRequests, Code: "rate_limited",
		Detail: fmt.Sprintf("too many requests for this token; retry in %d s", secs),
	})
}

// lookupToken reads a token by hash, cached for Options.TokenTTL. Unknown
// hashes are not cached, so a token created a moment ago works at once.
func (s *Server) lookupToken(ctx context.Context, hash string) (*volmatch.Token, error) {
	now := s.opt.Now()
	s.tokMu.Lock()
	ct, ok := s.tokens[hash]
	s.tokMu.Unlock()
	if ok && now.Before(ct.expires) {
		return ct.tok, nil
	}
	tok, err := s.deps.Store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	s.tokMu.Lock()
	if len(s.tokens) > 10000 { // bound the cache; a refill costs one read each
		clear(s.tokens)
	}
	s.tokens[hash] = cachedToken{tok: tok, expires: now.Add(s.opt.TokenTTL)}
	s.tokMu.Unlock()
	return tok, nil
}

func forbidden(format string, args ...any) error {
	return volmatch.Errorf(volmatch.EFORBIDDEN, format, args...)
}

// canManageOrg reports an EFORBIDDEN error unless tok may manage records of
// org (needs, invitations, assignments): admins always, social workers for
// their own organisation.
func canManageOrg(tok *volmatch.Token, org string) error {
	switch {
	case tok.Role == volmatch.RoleAdmin:
		return nil
	case tok.Role == volmatch.RoleSocialWorker && tok.Org == org:
		return nil
	}
	return forbidden("this record belongs to another organisation")
}

// canSeeNeed reports an EFORBIDDEN error unless tok may read need n: a
// social worker reads only their own organisation's needs; the other roles
// read any (volunteers choose work from them, planners count them).
func canSeeNeed(tok *volmatch.Token, n *volmatch.Need) error {
	if tok.Role == volmatch.RoleSocialWorker && tok.Org != n.Org {
		return forbidden("this need belongs to another organisation")
	}
	return nil
}

// viewNeed returns n as tok may see it: the recipient's preferences (about
// a resident: gender, age, notes) only to those who manage the need.
func viewNeed(tok *volmatch.Token, n *volmatch.Need) *volmatch.Need {
	if n.Recipient == nil || canManageOrg(tok, n.Org) == nil {
		return n
	}
	c := *n
	c.Recipient = nil
	return &c
}

// scopeNeeds narrows a need listing to tok's scope: a social worker lists
// their own organisation (another one asked for is EFORBIDDEN).
func scopeNeeds(tok *volmatch.Token, f *volmatch.NeedFilter) error {
	if tok.Role != volmatch.RoleSocialWorker {
		return nil
	}
	if f.Org != "" && f.Org != tok.Org {
		return forbidden("a social worker sees only their own organisation's needs")
	}
	f.Org = tok.Org
	return nil
}

// canActOn reports an EFORBIDDEN error unless tok may act on a record of
// volunteer vol owned by org: the organisation's staff or the volunteer
// themself.
func canActOn(tok *volmatch.Token, org, vol string) error {
	if tok.Role == volmatch.RoleVolunteer {
		if tok.Volunteer == vol {
			return nil
		}
		return forbidden("this record belongs to another volunteer")
	}
	return canManageOrg(tok, org)
}

// viewVolunteer returns v as tok may see it: whole to admins and to the
// volunteer themself, with contact details to a social worker whose
// organisation's invitation v accepted with consent to share them, masked
// otherwise. Hidden preferences are never shown.
func (s *Server) viewVolunteer(ctx context.Context, tok *volmatch.Token, v *volmatch.Volunteer) (*volmatch.Volunteer, error) {
	switch tok.Role {
	case volmatch.RoleAdmin:
		c := *v
		c.Hidden = nil
		return &c, nil
	case volmatch.RoleVolunteer:
		if tok.Volunteer == v.ID {
			c := *v
			c.Hidden = nil
			return &c, nil
		}
	case volmatch.RoleSocialWorker:
		if v.Consent.ShareContact {
			invs, _, err := s.deps.Store.Invitations(ctx, volmatch.InvitationFilter{
				Volunteer: v.ID, Org: tok.Org, Status: volmatch.InviteAccepted, ListOptions: volmatch.ListOptions{Limit: 1},
			})
			if err != nil {
				return nil, err
			}
			if len(invs) > 0 {
				c := *v
				c.Hidden = nil
				return &c, nil
			}
		}
	}
	return v.Masked(), nil
}
