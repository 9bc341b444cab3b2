package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// Param documents a path or query parameter.
type Param struct {
	Name     string
	In       string // "path" or "query"
	Type     string // "string", "integer", "number"
	Desc     string
	Required bool
}

// Op documents a route for the OpenAPI document.
type Op struct {
	Summary string
	Tag     string
	Params  []Param
	Body    any // a value of the request body type, nil for none
	Status  int // the success status, 200 when 0
	Resp    any // a value of the response body type, nil for none
	Raw     string
}

// route is one row of the route table.
type route struct {
	method, path string
	roles        roles
	op           Op
}

// handle registers a route in gin and in the table the OpenAPI document is
// built from. A nil roles makes the route public.
func (s *Server) handle(g gin.IRoutes, base, method, path string, rs roles, op Op, h gin.HandlerFunc) {
	hs := []gin.HandlerFunc{h}
	if rs != nil {
		hs = []gin.HandlerFunc{s.authenticate(rs), s.idempotent, h}
	}
	g.Handle(method, path, hs...)
	s.ops = append(s.ops, route{method: method, path: base + path, roles: rs, op: op})
}

var (
	pID      = Param{Name: "id", In: "path", Type: "string", Required: true, Desc: "the record's id"}
	pLimit   = Param{Name: "limit", In: "query", Type: "integer", Desc: "page size, at least 1 (default 100); above 1000 it is capped to 1000"}
	pCursor  = Param{Name: "cursor", In: "query", Type: "string", Desc: "the next cursor of the previous page"}
	pageArgs = []Param{pLimit, pCursor}
)

func q(name, desc string) Param { return Param{Name: name, In: "query", Type: "string", Desc: desc} }

func withPage(ps ...Param) []Param { return append(ps, pageArgs...) }

func intQ(name, desc string) Param {
	return Param{Name: name, In: "query", Type: "integer", Desc: desc}
}

func idOnly() []Param { return []Param{pID} }

// routes is the whole route table: one line a route; each route's
// documentation (an Op) stands beside its handler.
func (s *Server) routes() {
	e := s.router
	e.Use(s.observe, s.noSniff, s.recoverPanic, s.limitBody, s.requireJSON, s.deadline)
	e.NoRoute(s.noRoute)
	e.NoMethod(s.noMethod)

	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	r := e.Group("")
	s.handle(r, "", get, "/healthz", public, opHealthz, s.healthz)
	s.handle(r, "", get, "/readyz", public, opReadyz, s.readyz)
	s.handle(r, "", get, "/metrics", public, opMetrics, s.metrics.handler)
	s.handle(r, "", get, "/openapi.json", public, opOpenAPI, s.openapi)

	v1 := e.Group("/v1")
	h := func(method, path string, rs roles, op Op, f gin.HandlerFunc) {
		s.handle(v1, "/v1", method, path, rs, op, f)
	}
	h(get, "/me", anyRole, opMe, s.me)

	h(post, "/needs", staff, opCreateNeed, createRecord(s, s.eng.PostNeed, "/v1/needs/", needID))
	h(get, "/needs", anyRole, opListNeeds, listRecords(s, needFilter, s.eng.Needs))
	h(get, "/needs/:id", anyRole, opGetNeed, getRecord(s, s.eng.Need))
	h(put, "/needs/:id", staff, opUpdateNeed, bodyRoute(s, http.StatusOK, s.decode, s.eng.UpdateNeed))
	h(del, "/needs/:id", staff, opDeleteNeed, deleteRecord(s, s.eng.DeleteNeed))
	h(get, "/needs/:id/matches", staff, opMatches, s.matches)
	h(post, "/needs/:id/invites", staff, opInvite, bodyRoute(s, http.StatusCreated, s.decode, s.invite))

	h(post, "/volunteers", adminOnly, opCreateVolunteer, createRecord(s, s.eng.RegisterVolunteer, "/v1/volunteers/", volunteerID))
	h(get, "/volunteers", staff, opListVolunteers, listRecords(s, volunteerFilter, s.eng.Volunteers))
	h(get, "/volunteers/:id", staffAndSelf, opGetVolunteer, getRecord(s, s.eng.Volunteer))
	h(put, "/volunteers/:id", adminAndSelf, opUpdateVolunteer, bodyRoute(s, http.StatusOK, s.decode, s.eng.UpdateVolunteer))
	h(post, "/volunteers/:id/verify", staff, opVerifyVolunteer, bodyRoute(s, http.StatusOK, s.decode, byValue(s.eng.VerifyVolunteer)))
	h(del, "/volunteers/:id", adminOnly, opDeleteVolunteer, deleteRecord(s, s.eng.DeleteVolunteer))

	h(post, "/pools", adminOnly, opCreatePool, createRecord(s, created(s.eng.SavePool), "/v1/pools/", poolID))
	h(get, "/pools", staff, opListPools, listRecords(s, listOptions, s.eng.Pools))
	h(get, "/pools/:id", staff, opGetPool, getRecord(s, s.eng.Pool))
	h(put, "/pools/:id", adminOnly, opUpdatePool, bodyRoute(s, http.StatusOK, s.decode, saved(s.eng.SavePool)))
	h(del, "/pools/:id", adminOnly, opDeletePool, deleteRecord(s, s.eng.DeletePool))

	h(post, "/stations", adminOnly, opCreateStation, createRecord(s, created(s.eng.SaveStation), "/v1/stations/", stationID))
	h(get, "/stations", anyRole, opListStations, listRecords(s, listOptions, s.eng.Stations))
	h(get, "/stations/:id", anyRole, opGetStation, getRecord(s, s.eng.Station))
	h(put, "/stations/:id", adminOnly, opUpdateStation, bodyRoute(s, http.StatusOK, s.decode, saved(s.eng.SaveStation)))
	h(del, "/stations/:id", adminOnly, opDeleteStation, deleteRecord(s, s.eng.DeleteStation))

	// Teams (志愿服务团队): the organisation's staff write them; a need
	// asking for a team ranks and invites teams; the leader accepts for all.
	h(post, "/teams", staff, opCreateTeam, createRecord(s, created(s.eng.SaveTeam), "/v1/teams/", teamID))
	h(get, "/teams", staffAndSelf, opListTeams, listRecords(s, teamFilter, s.eng.Teams))
	h(get, "/teams/:id", staffAndSelf, opGetTeam, getRecord(s, s.eng.Team))
	h(put, "/teams/:id", staff, opUpdateTeam, bodyRoute(s, http.StatusOK, s.decode, saved(s.eng.SaveTeam)))
	h(del, "/teams/:id", staff, opDeleteTeam, deleteRecord(s, s.eng.DeleteTeam))
	h(get, "/needs/:id/team-matches", staff, opTeamMatch, s.teamMatches)
	h(post, "/needs/:id/team-invites", staff, opInviteTeam, bodyRoute(s, http.StatusCreated, s.decode, s.inviteTeam))
	h(post, "/invites/:id/accept-team", adminAndSelf, opAcceptTeam, getRecord(s, s.acceptTeam))

	h(post, "/orgs", adminOnly, opCreateOrg, createRecord(s, s.createOrg, "/v1/orgs/", orgID))
	h(get, "/orgs", adminOnly, opListOrgs, listRecords(s, listOptions, s.eng.Organisations))
	h(get, "/orgs/:id", staff, opGetOrg, getRecord(s, s.eng.Organisation))

	h(get, "/invites", staffAndSelf, opListInvites, listRecords(s, inviteFilter, s.eng.Invitations))
	h(get, "/invites/:id", staffAndSelf, opGetInvite, getRecord(s, s.eng.Invitation))
	h(post, "/invites/:id/accept", adminAndSelf, opAccept, getRecord(s, s.accept))
	h(post, "/invites/:id/decline", staffAndSelf, opDecline, getRecord(s, s.eng.Decline))
	h(post, "/invites/:id/approve", staff, opApprove, getRecord(s, s.eng.Approve))
	h(post, "/needs/:id/shifts/:shift/signup", adminAndSelf, opSignUp, s.signUp)

	h(get, "/assignments", staffAndSelf, opListAssignments, listRecords(s, assignmentFilter, s.eng.Assignments))
	h(get, "/assignments/:id", staffAndSelf, opGetAssignment, getRecord(s, s.eng.Assignment))
	h(post, "/assignments/:id/checkin", staffAndSelf, opCheckin, s.step(volmatch.StepCheckIn))
	h(post, "/assignments/:id/checkout", staffAndSelf, opCheckout, s.step(volmatch.StepCheckOut))
	h(post, "/assignments/:id/rating", staff, opRating, s.step(volmatch.StepRate))
	h(post, "/assignments/:id/no-show", staff, opNoShow, s.step(volmatch.StepNoShow))
	h(post, "/assignments/:id/cancel", staffAndSelf, opCancel, s.step(volmatch.StepCancel))

	h(get, "/search", anyRole, opSearch, s.search)

	// Evaluation reports are aggregates for planners and admins; reference
	// data and the district boundaries hold no personal data and are
	// public. The dashboard page is package web's (/web/dashboard).
	h(get, "/evaluation/summary", readers, evalOp(opSummary), s.evalRoute(s.summary))
	h(get, "/evaluation/funnel", readers, evalOp(opFunnel), s.evalRoute(s.funnel))
	h(get, "/evaluation/rates", readers, evalOp(opRates), s.evalRoute(s.rates))
	h(get, "/evaluation/gaps", readers, evalOp(opGaps), s.evalRoute(s.gaps))
	h(get, "/evaluation/ranking", readers, evalOp(opRanking), s.evalRoute(s.ranking))
	h(get, "/evaluation/fairness", readers, evalOp(opFairness), s.evalRoute(s.fairness))
	h(get, "/evaluation/weekly", readers, evalOp(opWeekly), s.evalRoute(s.weekly))
	h(get, "/evaluation/by", readers, evalOp(opBy), s.evalRoute(s.by))
	h(get, "/evaluation/learning", readers, opLearning, s.learning)
	h(post, "/evaluation/learning/adopt", readers, opAdoptWeights, bodyRoute(s, http.StatusOK, s.decode, s.adoptWeights))
	h(post, "/evaluation/learning/undo", readers, opUndoWeights, bodyRoute(s, http.StatusOK, s.decode, s.undoWeights))
	h(get, "/reference", public, opReference, s.reference)
	h(get, "/geo/districts", public, opGeoDistricts, s.geoDistricts)

	h(get, "/volunteers/:id/menu", adminAndSelf, opMenu, s.menu)
	h(post, "/assignments/batch", staff, opBatch, s.batch)
	h(get, "/jobs/:id", staff, opGetJob, getRecord(s, s.eng.Job))
	h(post, "/needs/:id/dispatch", staff, opDispatch, bodyRoute(s, http.StatusOK, s.bodyOrEmpty, byValue(s.eng.Dispatch)))
	s.recordRoutes(h) // certificates.go
	s.ledgerRoutes(h) // ledger.go
	s.incentiveRoutes(h)
	s.trainingRoutes(h)
	s.projectRoutes(h) // project.go
	s.exchangeRoutes(h)
	s.handle(r, "", get, "/dashboard", public, opDashboard, dashboardRedirect)
	s.handle(r, "", get, "/dashboard/", public, opDashboard, dashboardRedirect)
}

// limitBody caps request bodies at Options.MaxBody: a declared length above
// it is refused at once (413), a body sent without one is cut there (and the
// decoder answers 413).
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.opt.MaxBody {
		c.Header("Connection", "close")
		s.fail(c, volmatch.Errorf(volmatch.ETOOLARGE, "the body is larger than %d bytes", s.opt.MaxBody))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.opt.MaxBody)
	}
	c.Next()
}

// deadline gives each request's context the deadline of
// Options.RequestTimeout; handlers pass it down to the store and the matcher.
//
// The deadline stops work before a write, never a write that began nor the
// answer of one that committed (engine.Request): a write is answered as
// done or is a job, never 503 once it went through.
func (s *Server) deadline(c *gin.Context) {
	c.Request = c.Request.WithContext(engine.Request(c.Request.Context()))
	if s.opt.RequestTimeout < 0 {
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opt.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// recoverPanic turns a handler's panic into a 500 problem and one scrubbed log
// line, instead of a dropped connection and a raw value on stderr.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.opt.Logger.Error("handler panicked", "route", c.FullPath(), "panic", scrubRequest(c, fmt.Errorf("%v", r)))
			if !c.Writer.Written() {
				writeProblem(c, problemFor(volmatch.Errorf(volmatch.EINTERNAL, "internal error")))
			}
			c.Abort()
		}
	}()
	c.Next()
}
