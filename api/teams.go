package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// Teams (志愿服务团队): written by their organisation's staff, read by
// them and by the members; other organisations' staff read the card with
// the roster masked. A need that asks for a team is filled by whole
// teams: /team-matches ranks them, /team-invites invites one, and the
// leader accepts for every member at /invites/:id/accept-team.

var (
	opCreateTeam = Op{Summary: "Create a team (志愿服务团队) of the caller's organisation", Tag: "teams",
		Body: volmatch.Team{}, Status: 201, Resp: volmatch.Team{}}
	opListTeams = Op{Summary: "List teams in the caller's scope (an organisation's, a volunteer's own)", Tag: "teams",
		Params: withPage(q("org", "organisation"), q("member", "volunteer id"), q("emergency", "true for standing emergency teams only")),
		Resp:   List[engine.TeamView]{}}
	opGetTeam    = Op{Summary: "Get a team (the roster masked for outsiders)", Tag: "teams", Params: idOnly(), Resp: engine.TeamView{}}
	opUpdateTeam = Op{Summary: "Replace a team", Tag: "teams", Params: idOnly(), Body: volmatch.Team{}, Resp: volmatch.Team{}}
	opDeleteTeam = Op{Summary: "Delete a team", Tag: "teams", Params: idOnly(), Status: 204}
	opTeamMatch  = Op{Summary: "Ranked, explained teams for a need, every member gated; ineligible teams with the reason (a member masked)",
		Tag: "matching", Params: []Param{pID, intQ("k", "number of teams (default 10)"), q("shift", "one shift only")}, Resp: TeamMatchesResponse{}}
	opInviteTeam = Op{Summary: "Invite a team as one (an invitation per member, all or none)", Tag: "invitations",
		Params: idOnly(), Body: engine.TeamInviteRequest{}, Status: 201, Resp: List[volmatch.Invitation]{}}
	opAcceptTeam = Op{Summary: "The leader accepts a team invitation for every member: each member's slot reserved, or none",
		Tag: "invitations", Params: idOnly(), Resp: List[volmatch.Assignment]{}}
)

func teamID(t *volmatch.Team) string { return t.ID }

// teamFilter reads a team listing's query.
func teamFilter(c *gin.Context) (volmatch.TeamFilter, error) {
	f := volmatch.TeamFilter{Org: c.Query("org"), Member: c.Query("member")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	em, err := enumParam(c, "emergency", "true", "false")
	f.Emergency = em == "true"
	return f, err
}

// TeamMatchesResponse is the body of GET /v1/needs/:id/team-matches.
type TeamMatchesResponse struct {
	Need       string               `json:"need"`
	Shift      string               `json:"shift,omitempty"`
	Items      []volmatch.TeamMatch `json:"items"`
	Ineligible []volmatch.TeamMatch `json:"ineligible"`
}

func (s *Server) teamMatches(c *gin.Context) {
	k, err := intParam(c, "k", 10, 1, MaxLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.eng.TeamMatches(c.Request.Context(), principal(c), c.Param("id"), engine.RankOptions{K: k, Shift: c.Query("shift")})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, TeamMatchesResponse{Need: m.Need.ID, Shift: m.Shift, Items: nonNil(m.Matches), Ineligible: nonNil(m.Ineligible)})
}

func (s *Server) inviteTeam(ctx context.Context, tok *volmatch.Token, id string, req *engine.TeamInviteRequest) (List[*volmatch.Invitation], error) {
	invs, err := s.eng.InviteTeam(ctx, tok, id, *req)
	return List[*volmatch.Invitation]{Items: nonNil(invs)}, err
}

func (s *Server) acceptTeam(ctx context.Context, tok *volmatch.Token, id string) (List[*volmatch.Assignment], error) {
	as, err := s.eng.AcceptTeam(ctx, tok, id)
	if err == nil {
		s.metrics.accepts.Add(float64(len(as)))
	}
	return List[*volmatch.Assignment]{Items: nonNil(as)}, err
}
