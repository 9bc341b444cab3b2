package api

import (
	"net/http"

	"volmatch"
	"volmatch/matcher"
)

// The documentation of each route for the OpenAPI document, by tag in the
// order of the route table (routes.go).

var (
	opHealthz = Op{Summary: "The process is up", Tag: "health", Resp: Status{}}
	opReadyz  = Op{Summary: "The store answers and the indexes are caught up", Tag: "health", Resp: Status{}}
	opMetrics = Op{Summary: "Prometheus metrics", Tag: "health", Raw: "text/plain"}
	opOpenAPI = Op{Summary: "This OpenAPI document", Tag: "health", Raw: "application/json"}
	opMe      = Op{Summary: "The caller's role and scope", Tag: "auth", Resp: Me{}}
)

var needFilters = withPage(q("org", "organisation"), q("district", "district code"), q("domain", "domain key"),
	q("status", "open, closed or cancelled"), q("mode", "concentrated, pairing or menu"),
	q("urgency", "normal, urgent or emergency"))

var (
	opCreateNeed = Op{Summary: "Post a need", Tag: "needs", Body: volmatch.Need{}, Status: 201, Resp: volmatch.Need{}}
	opListNeeds  = Op{Summary: "List needs", Tag: "needs", Params: needFilters, Resp: List[volmatch.Need]{}}
	opGetNeed    = Op{Summary: "Get a need", Tag: "needs", Params: idOnly(), Resp: volmatch.Need{}}
	opUpdateNeed = Op{Summary: "Replace a need", Tag: "needs", Params: idOnly(), Body: volmatch.Need{}, Resp: volmatch.Need{}}
	opDeleteNeed = Op{Summary: "Delete a need", Tag: "needs", Params: idOnly(), Status: 204}
	opMatches    = Op{Summary: "Ranked, explained volunteers for a need (logged as match.shown)", Tag: "matching",
		Params: []Param{pID, intQ("k", "how many, 1 to 1000 (default 10)"), q("shift", "one shift's id")}, Resp: MatchesResponse{}}
	opInvite = Op{Summary: "Invite volunteers (listed, or the top n of the ranking)", Tag: "invitations",
		Params: idOnly(), Body: InviteRequest{}, Status: 201, Resp: List[volmatch.Invitation]{}}
)

var (
	opCreateVolunteer = Op{Summary: "Register a volunteer", Tag: "volunteers", Body: volmatch.Volunteer{}, Status: 201, Resp: volmatch.Volunteer{}}
	opListVolunteers  = Op{Summary: "List volunteers (masked unless contact is shared)", Tag: "volunteers",
		Params: withPage(q("district", "district code"), q("street", "street code"), q("skill", "skill key"), q("pool", "talent pool id")),
		Resp:   List[volmatch.Volunteer]{}}
	opGetVolunteer    = Op{Summary: "Get a volunteer", Tag: "volunteers", Params: idOnly(), Resp: volmatch.Volunteer{}}
	opUpdateVolunteer = Op{Summary: "Replace a volunteer's record (admin or the volunteer)", Tag: "volunteers",
		Params: idOnly(), Body: volmatch.Volunteer{}, Resp: volmatch.Volunteer{}}
	opDeleteVolunteer = Op{Summary: "Delete a volunteer", Tag: "volunteers", Params: idOnly(), Status: 204}
	opMenu            = Op{Summary: "A volunteer's menu of open shifts, by category and day (the volunteer or admin)",
		Tag: "matching", Params: []Param{pID, intQ("k", "items, 1 to 100 (default 10)")}, Resp: matcher.ServiceMenu{}}
)

var (
	opCreatePool    = Op{Summary: "Create a talent pool", Tag: "pools", Body: volmatch.TalentPool{}, Status: 201, Resp: volmatch.TalentPool{}}
	opListPools     = Op{Summary: "List talent pools", Tag: "pools", Params: pageArgs, Resp: List[volmatch.TalentPool]{}}
	opGetPool       = Op{Summary: "Get a talent pool", Tag: "pools", Params: idOnly(), Resp: volmatch.TalentPool{}}
	opUpdatePool    = Op{Summary: "Replace a talent pool", Tag: "pools", Params: idOnly(), Body: volmatch.TalentPool{}, Resp: volmatch.TalentPool{}}
	opDeletePool    = Op{Summary: "Delete a talent pool", Tag: "pools", Params: idOnly(), Status: 204}
	opCreateStation = Op{Summary: "Create a service station", Tag: "stations", Body: volmatch.Station{}, Status: 201, Resp: volmatch.Station{}}
	opListStations  = Op{Summary: "List service stations", Tag: "stations", Params: pageArgs, Resp: List[volmatch.Station]{}}
	opGetStation    = Op{Summary: "Get a service station", Tag: "stations", Params: idOnly(), Resp: volmatch.Station{}}
	opUpdateStation = Op{Summary: "Replace a service station", Tag: "stations", Params: idOnly(), Body: volmatch.Station{}, Resp: volmatch.Station{}}
	opDeleteStation = Op{Summary: "Delete a service station", Tag: "stations", Params: idOnly(), Status: 204}
)

func poolID(p *volmatch.TalentPool) string  { return p.ID }
func stationID(st *volmatch.Station) string { return st.ID }

var (
	opListInvites = Op{Summary: "List invitations in the caller's scope", Tag: "invitations",
		Params: withPage(q("need", "need id"), q("volunteer", "volunteer id"), q("org", "organisation"),
			q("status", "sent, accepted, declined or expired")),
		Resp: List[volmatch.Invitation]{}}
	opGetInvite = Op{Summary: "Get an invitation", Tag: "invitations", Params: idOnly(), Resp: volmatch.Invitation{}}
	opAccept    = Op{Summary: "Accept an invitation (reserves the slot)", Tag: "invitations", Params: idOnly(), Resp: volmatch.Assignment{}}
	opDecline   = Op{Summary: "Decline an invitation (the volunteer), or refuse a sign-up request (its organisation)", Tag: "invitations", Params: idOnly(), Resp: volmatch.Invitation{}}
	opApprove   = Op{Summary: "Approve a volunteer's sign-up request (报名; reserves the slot as an accept does)", Tag: "invitations",
		Params: idOnly(), Resp: volmatch.Assignment{}}
	opSignUp = Op{Summary: "Sign up from the menu (报名) for a shift of a menu-mode need: the slot reserved, or a request for the organisation's approval",
		Tag: "invitations", Params: []Param{pID, {Name: "shift", In: "path", Type: "string", Required: true, Desc: "the shift's id"}},
		Body: SignUpRequest{}, Status: 201, Resp: SignUpResult{}}
)

var (
	opListAssignments = Op{Summary: "List assignments in the caller's scope", Tag: "assignments",
		Params: withPage(q("need", "need id"), q("shift", "shift id"), q("volunteer", "volunteer id"), q("org", "organisation"),
			q("status", "reserved, checked_in, completed, no_show or cancelled")),
		Resp: List[volmatch.Assignment]{}}
	opGetAssignment = Op{Summary: "Get an assignment", Tag: "assignments", Params: idOnly(), Resp: volmatch.Assignment{}}
	opCheckin       = Op{Summary: "Check in", Tag: "assignments", Params: idOnly(), Body: CheckinRequest{}, Resp: volmatch.Assignment{}}
	opCheckout      = Op{Summary: "Check out with hours", Tag: "assignments", Params: idOnly(), Body: CheckoutRequest{}, Resp: volmatch.Assignment{}}
	opRating        = Op{Summary: "Rate a completed assignment (1–5)", Tag: "assignments", Params: idOnly(), Body: RatingRequest{}, Resp: volmatch.Assignment{}}
	opNoShow        = Op{Summary: "Mark a no-show", Tag: "assignments", Params: idOnly(), Body: CancelRequest{}, Resp: volmatch.Assignment{}}
	opCancel        = Op{Summary: "Cancel a reserved assignment", Tag: "assignments", Params: idOnly(), Body: CancelRequest{}, Resp: volmatch.Assignment{}}
	opBatch         = Op{Summary: "Plan (dry run) or commit a batch assignment over needs or a district; a commit of more than 1,000 placements answers 202 with a job (Location /v1/jobs/{id}) that commits them in all-or-nothing chunks", Tag: "assignments",
		Body: BatchRequest{}, Resp: BatchResponse{}}
	opGetJob = Op{Summary: "A background job's status (a batch commit): how many placements are committed, which chunk failed (its creator or an admin)", Tag: "assignments",
		Params: idOnly(), Resp: volmatch.Job{}}
	opDispatch = Op{Summary: "Send the next wave of an emergency dispatch (street, district, city)", Tag: "matching",
		Params: idOnly(), Body: DispatchRequest{}, Resp: DispatchResponse{}}
)

var opSearch = Op{Summary: "Search needs and volunteers by text and place", Tag: "search",
	Params: []Param{q("q", "text (Chinese or English)"), q("kind", "need, volunteer, or both when empty"),
		q("near", "lat,lng"), {Name: "km", In: "query", Type: "number", Desc: "radius around near (default 10)"},
		q("district", "district code"), q("domain", "domain key"),
		q("pool", "talent pool id: only its members (a volunteer search, staff only)"),
		intQ("limit", "at least 1 (default 20); above 100 it is capped to 100"), intQ("offset", "hits to skip")},
	Resp: SearchResponse{}}

// evalOp adds the filter parameters every evaluation route reads.
func evalOp(op Op) Op {
	op.Tag = "evaluation"
	op.Params = append(op.Params, evalParams...)
	return op
}

var (
	opSummary = Op{Summary: "Every evaluation report for the filter (the dashboard's data)", Resp: SummaryResponse{}}
	opFunnel  = Op{Summary: "The funnel from posted to rated, time to first match and to fill", Resp: FunnelResponse{}}
	opRates   = Op{Summary: "Fill, acceptance, completion, no-show and cancellation rates; satisfaction", Resp: RatesResponse{}}
	opGaps    = Op{Summary: "Unmet demand by district × domain × time of week against the eligible supply", Resp: GapsResponse{}}
	opRanking = Op{Summary: "Ranking quality: precision@k, NDCG@k, MRR, acceptance by position, coverage", Resp: RankingResponse{},
		Params: []Param{intQ("k", "cut-off, 1 to 100 (default 10)")}}
	opFairness = Op{Summary: "Fairness of the hours (Gini, top-decile share), hours and star levels", Resp: FairnessResponse{}}
	opWeekly   = Op{Summary: "Activity per ISO week", Resp: WeeklyResponse{}}
	opBy       = Op{Summary: "Headline figures per district, street, domain, target group or organisation", Resp: GroupsResponse{},
		Params: []Param{{Name: "key", In: "query", Type: "string", Required: true, Desc: "district, street, domain, target_group or org"}}}
)

var (
	opLearning = Op{Summary: "What fitting the scorer's weights would change: weights in use and fitted, held-out figures (time and need splits, bootstrap intervals), the proposal or the refusal",
		Tag: "evaluation", Resp: LearningResponse{}}
	opAdoptWeights = Op{Summary: "Adopt the fitted weights of a learning report's proposal (writes weights.adopted; 409 with a reason when stale or not better)",
		Tag: "evaluation", Body: AdoptRequest{}, Resp: WeightsResponse{}}
	opUndoWeights = Op{Summary: "Take back the latest adoption of fitted weights (writes weights.undone; 409 when it is not the latest)",
		Tag: "evaluation", Body: UndoRequest{}, Resp: WeightsResponse{}}
)

var (
	opReference    = Op{Summary: "Districts, domains and target groups with Chinese and English names", Tag: "reference", Resp: ReferenceResponse{}}
	opGeoDistricts = Op{Summary: "Beijing district boundaries (GeoJSON FeatureCollection)", Tag: "reference", Raw: "application/geo+json"}
	opDashboard    = Op{Summary: "Redirects to the planner dashboard, a web page at /web/dashboard (sign in at /web/signin)", Tag: "dashboard", Status: http.StatusMovedPermanently}
)
