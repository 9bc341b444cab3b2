package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/matcher"
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
		hs = []gin.HandlerFunc{s.authenticate(rs), h}
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

// routes is the whole route table.
func (s *Server) routes() {
	e := s.engine
	e.Use(s.observe, s.recoverPanic, s.limitBody, s.deadline)
	e.NoRoute(s.noRoute)
	e.NoMethod(s.noMethod)

	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	r := e.Group("")
	s.handle(r, "", get, "/healthz", public, Op{Summary: "The process is up", Tag: "health", Resp: Status{}}, s.healthz)
	s.handle(r, "", get, "/readyz", public, Op{Summary: "The store answers and the indexes are caught up", Tag: "health", Resp: Status{}}, s.readyz)
	s.handle(r, "", get, "/metrics", public, Op{Summary: "Prometheus metrics", Tag: "health", Raw: "text/plain"}, s.metrics.handler)
	s.handle(r, "", get, "/openapi.json", public, Op{Summary: "This OpenAPI document", Tag: "health", Raw: "application/json"}, s.openapi)

	v1 := e.Group("/v1")
	h := func(method, path string, rs roles, op Op, f gin.HandlerFunc) {
		s.handle(v1, "/v1", method, path, rs, op, f)
	}
	h(get, "/me", anyRole, Op{Summary: "The caller's role and scope", Tag: "auth", Resp: Me{}}, s.me)

	needFilters := withPage(q("org", "organisation"), q("district", "district code"), q("domain", "domain key"),
		q("status", "open, closed or cancelled"), q("mode", "concentrated, pairing or menu"), q("urgency", "normal, urgent or emergency"))
	h(post, "/needs", staff, Op{Summary: "Post a need", Tag: "needs", Body: volmatch.Need{}, Status: 201, Resp: volmatch.Need{}}, s.createNeed)
	h(get, "/needs", anyRole, Op{Summary: "List needs", Tag: "needs", Params: needFilters, Resp: List[volmatch.Need]{}}, s.listNeeds)
	h(get, "/needs/:id", anyRole, Op{Summary: "Get a need", Tag: "needs", Params: []Param{pID}, Resp: volmatch.Need{}}, s.getNeed)
	h(put, "/needs/:id", staff, Op{Summary: "Replace a need", Tag: "needs", Params: []Param{pID}, Body: volmatch.Need{}, Resp: volmatch.Need{}}, s.updateNeed)
	h(del, "/needs/:id", staff, Op{Summary: "Delete a need", Tag: "needs", Params: []Param{pID}, Status: 204}, s.deleteNeed)
	h(get, "/needs/:id/matches", staff, Op{Summary: "Ranked, explained volunteers for a need (logged as match.shown)", Tag: "matching",
		Params: []Param{pID, {Name: "k", In: "query", Type: "integer", Desc: "how many, 1 to 1000 (default 10)"}, q("shift", "one shift's id")},
		Resp:   MatchesResponse{}}, s.matches)
	h(post, "/needs/:id/invites", staff, Op{Summary: "Invite volunteers (listed, or the top n of the ranking)", Tag: "invitations",
		Params: []Param{pID}, Body: InviteRequest{}, Status: 201, Resp: List[volmatch.Invitation]{}}, s.invite)

	h(post, "/volunteers", adminOnly, Op{Summary: "Register a volunteer", Tag: "volunteers", Body: volmatch.Volunteer{}, Status: 201, Resp: volmatch.Volunteer{}}, s.createVolunteer)
	h(get, "/volunteers", staff, Op{Summary: "List volunteers (masked unless contact is shared)", Tag: "volunteers",
		Params: withPage(q("district", "district code"), q("street", "street code"), q("skill", "skill key"), q("pool", "talent pool id")),
		Resp:   List[volmatch.Volunteer]{}}, s.listVolunteers)
	h(get, "/volunteers/:id", staffAndSelf, Op{Summary: "Get a volunteer", Tag: "volunteers", Params: []Param{pID}, Resp: volmatch.Volunteer{}}, s.getVolunteer)
	h(put, "/volunteers/:id", roles{volmatch.RoleAdmin, volmatch.RoleVolunteer}, Op{Summary: "Replace a volunteer's record (admin or the volunteer)", Tag: "volunteers",
		Params: []Param{pID}, Body: volmatch.Volunteer{}, Resp: volmatch.Volunteer{}}, s.updateVolunteer)
	h(del, "/volunteers/:id", adminOnly, Op{Summary: "Delete a volunteer", Tag: "volunteers", Params: []Param{pID}, Status: 204}, s.deleteVolunteer)

	h(post, "/pools", adminOnly, Op{Summary: "Create a talent pool", Tag: "pools", Body: volmatch.TalentPool{}, Status: 201, Resp: volmatch.TalentPool{}}, s.createPool)
	h(get, "/pools", staff, Op{Summary: "List talent pools", Tag: "pools", Params: pageArgs, Resp: List[volmatch.TalentPool]{}}, s.listPools)
	h(get, "/pools/:id", staff, Op{Summary: "Get a talent pool", Tag: "pools", Params: []Param{pID}, Resp: volmatch.TalentPool{}}, s.getPool)
	h(put, "/pools/:id", adminOnly, Op{Summary: "Replace a talent pool", Tag: "pools", Params: []Param{pID}, Body: volmatch.TalentPool{}, Resp: volmatch.TalentPool{}}, s.updatePool)
	h(del, "/pools/:id", adminOnly, Op{Summary: "Delete a talent pool", Tag: "pools", Params: []Param{pID}, Status: 204}, s.deletePool)

	h(post, "/stations", adminOnly, Op{Summary: "Create a service station", Tag: "stations", Body: volmatch.Station{}, Status: 201, Resp: volmatch.Station{}}, s.createStation)
	h(get, "/stations", anyRole, Op{Summary: "List service stations", Tag: "stations", Params: pageArgs, Resp: List[volmatch.Station]{}}, s.listStations)
	h(get, "/stations/:id", anyRole, Op{Summary: "Get a service station", Tag: "stations", Params: []Param{pID}, Resp: volmatch.Station{}}, s.getStation)
	h(put, "/stations/:id", adminOnly, Op{Summary: "Replace a service station", Tag: "stations", Params: []Param{pID}, Body: volmatch.Station{}, Resp: volmatch.Station{}}, s.updateStation)
	h(del, "/stations/:id", adminOnly, Op{Summary: "Delete a service station", Tag: "stations", Params: []Param{pID}, Status: 204}, s.deleteStation)

	answer := roles{volmatch.RoleAdmin, volmatch.RoleVolunteer}
	h(get, "/invites", staffAndSelf, Op{Summary: "List invitations in the caller's scope", Tag: "invitations",
		Params: withPage(q("need", "need id"), q("volunteer", "volunteer id"), q("org", "organisation"), q("status", "sent, accepted, declined or expired")),
		Resp:   List[volmatch.Invitation]{}}, s.listInvites)
	h(get, "/invites/:id", staffAndSelf, Op{Summary: "Get an invitation", Tag: "invitations", Params: []Param{pID}, Resp: volmatch.Invitation{}}, s.getInvite)
	h(post, "/invites/:id/accept", answer, Op{Summary: "Accept an invitation (reserves the slot)", Tag: "invitations", Params: []Param{pID}, Resp: volmatch.Assignment{}}, s.accept)
	h(post, "/invites/:id/decline", answer, Op{Summary: "Decline an invitation", Tag: "invitations", Params: []Param{pID}, Resp: volmatch.Invitation{}}, s.decline)

	h(get, "/assignments", staffAndSelf, Op{Summary: "List assignments in the caller's scope", Tag: "assignments",
		Params: withPage(q("need", "need id"), q("shift", "shift id"), q("volunteer", "volunteer id"), q("org", "organisation"),
			q("status", "reserved, checked_in, completed, no_show or cancelled")),
		Resp: List[volmatch.Assignment]{}}, s.listAssignments)
	h(get, "/assignments/:id", staffAndSelf, Op{Summary: "Get an assignment", Tag: "assignments", Params: []Param{pID}, Resp: volmatch.Assignment{}}, s.getAssignment)
	h(post, "/assignments/:id/checkin", staffAndSelf, Op{Summary: "Check in", Tag: "assignments", Params: []Param{pID}, Body: CheckinRequest{}, Resp: volmatch.Assignment{}}, s.step(volmatch.StepCheckIn))
	h(post, "/assignments/:id/checkout", staffAndSelf, Op{Summary: "Check out with hours", Tag: "assignments", Params: []Param{pID}, Body: CheckoutRequest{}, Resp: volmatch.Assignment{}}, s.step(volmatch.StepCheckOut))
	h(post, "/assignments/:id/rating", staff, Op{Summary: "Rate a completed assignment (1–5)", Tag: "assignments", Params: []Param{pID}, Body: RatingRequest{}, Resp: volmatch.Assignment{}}, s.step(volmatch.StepRate))
	h(post, "/assignments/:id/no-show", staff, Op{Summary: "Mark a no-show", Tag: "assignments", Params: []Param{pID}, Body: CancelRequest{}, Resp: volmatch.Assignment{}}, s.step(volmatch.StepNoShow))
	h(post, "/assignments/:id/cancel", staffAndSelf, Op{Summary: "Cancel a reserved assignment", Tag: "assignments", Params: []Param{pID}, Body: CancelRequest{}, Resp: volmatch.Assignment{}}, s.step(volmatch.StepCancel))

	h(get, "/search", anyRole, Op{Summary: "Search needs and volunteers by text and place", Tag: "search",
		Params: []Param{q("q", "text (Chinese or English)"), q("kind", "need, volunteer, or both when empty"),
			q("near", "lat,lng"), {Name: "km", In: "query", Type: "number", Desc: "radius around near (default 10)"},
			q("district", "district code"), q("domain", "domain key"),
			{Name: "limit", In: "query", Type: "integer", Desc: "at least 1 (default 20); above 100 it is capped to 100"}, {Name: "offset", In: "query", Type: "integer", Desc: "hits to skip"}},
		Resp: SearchResponse{}}, s.search)

	// Evaluation, reference data and the planner dashboard (issue 5; the
	// handlers are in evaluation.go and dashboard.go). Evaluation reports are
	// aggregates for planners and admins; reference data, the district
	// boundaries and the dashboard's files hold no personal data and are public.
	ev := newEvaluator(s)
	eval := func(path, summary string, resp any, f func(*gin.Context, []volmatch.Event, evaluation.Filter) (any, error), extra ...Param) {
		h(get, "/evaluation/"+path, readers, Op{Summary: summary, Tag: "evaluation", Params: append(extra, evalParams...), Resp: resp}, ev.serve(f))
	}
	eval("summary", "Every evaluation report for the filter (the dashboard's data)", SummaryResponse{}, ev.summary)
	eval("funnel", "The funnel from posted to rated, time to first match and to fill", FunnelResponse{}, ev.funnel)
	eval("rates", "Fill, acceptance, completion, no-show and cancellation rates; satisfaction", RatesResponse{}, ev.rates)
	eval("gaps", "Unmet demand by district × domain × time of week against the eligible supply", GapsResponse{}, ev.gaps)
	eval("ranking", "Ranking quality: precision@k, NDCG@k, MRR, acceptance by position, coverage", RankingResponse{}, ev.ranking,
		Param{Name: "k", In: "query", Type: "integer", Desc: "cut-off, 1 to 100 (default 10)"})
	eval("fairness", "Fairness of the hours (Gini, top-decile share), hours and star levels", FairnessResponse{}, ev.fairness)
	eval("weekly", "Activity per ISO week", WeeklyResponse{}, ev.weekly)
	eval("by", "Headline figures per district, street, domain, target group or organisation", GroupsResponse{}, ev.by,
		Param{Name: "key", In: "query", Type: "string", Required: true, Desc: "district, street, domain, target_group or org"})
	h(get, "/reference", public, Op{Summary: "Districts, domains and target groups with Chinese and English names", Tag: "reference",
		Resp: ReferenceResponse{}}, s.reference)
	h(get, "/geo/districts", public, Op{Summary: "Beijing district boundaries (GeoJSON FeatureCollection)", Tag: "reference",
		Raw: "application/geo+json"}, s.geoDistricts)

	// Service modes (issue 4; the handlers are in modes.go).
	h(get, "/volunteers/:id/menu", roles{volmatch.RoleAdmin, volmatch.RoleVolunteer}, Op{Summary: "A volunteer's menu of open shifts, by category and day (the volunteer or admin)",
		Tag: "matching", Params: []Param{pID, {Name: "k", In: "query", Type: "integer", Desc: "items, 1 to 100 (default 10)"}}, Resp: matcher.ServiceMenu{}}, s.menu)
	h(post, "/assignments/batch", staff, Op{Summary: "Plan (dry run) or commit a batch assignment over needs or a district", Tag: "assignments",
		Body: BatchRequest{}, Resp: BatchResponse{}}, s.batch)
	h(post, "/needs/:id/dispatch", staff, Op{Summary: "Send the next wave of an emergency dispatch (street, district, city)", Tag: "matching",
		Params: []Param{pID}, Body: DispatchRequest{}, Resp: DispatchResponse{}}, s.dispatch)
	s.handle(r, "", get, "/dashboard", public, Op{Summary: "Redirects to the planner dashboard at /dashboard/", Tag: "dashboard",
		Status: http.StatusMovedPermanently}, dashboardRedirect)
	for _, a := range dashboardAssets() {
		s.handle(r, "", get, a.route, public, Op{Summary: a.summary, Tag: "dashboard", Raw: a.mediaType()}, a.serve)
	}
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
func (s *Server) deadline(c *gin.Context) {
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
