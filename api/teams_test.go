package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"volmatch"
	"volmatch/api"
)

// teamBody is a team of org led by the first member.
func teamBody(id, org string, members ...string) map[string]any {
	return map[string]any{"id": id, "name": "助残服务队", "org": org, "leader": members[0], "members": members,
		"district": "110105", "street": "110105001000"}
}

// teamRows are the access matrix's rows of the team routes.
func teamRows() []access {
	return []access{
		{method: "POST", route: "/v1/teams", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/teams", teamBody(fmt.Sprintf("fxt%03d", w.next()), "org1", "v1", "v3")}
		}},
		{method: "GET", route: "/v1/teams", want: scopedList, req: get("/v1/teams")},
		{method: "GET", route: "/v1/teams/:id", want: "401 401 401 200 200 200 200 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/teams/" + w.team("v1", "v3")}
		}},
		{method: "PUT", route: "/v1/teams/:id", want: orgRead, req: func(w *world, _ string) call {
			id := w.team("v1", "v3")
			return call{"/v1/teams/" + id, teamBody(id, "org1", "v3", "v1")}
		}},
		{method: "DELETE", route: "/v1/teams/:id", want: "401 401 401 204 204 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/teams/" + w.team("v1", "v3")}
		}},
		{method: "GET", route: "/v1/needs/:id/team-matches", want: orgRead, req: get("/v1/needs/n1/team-matches")},
		{method: "POST", route: "/v1/needs/:id/team-invites", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/needs/" + w.teamNeed() + "/team-invites", map[string]any{"team": w.team(w.volunteer(), w.volunteer())}}
		}},
		{method: "POST", route: "/v1/invites/:id/accept-team", want: selfOnly, req: func(w *world, _ string) call {
			return call{path: "/v1/invites/" + w.teamInvite("v1", w.volunteer()) + "/accept-team"}
		}},
	}
}

// team stores a fresh team of org1 of the members, the first leading.
func (w *world) team(members ...string) string {
	w.e.t.Helper()
	t := &volmatch.Team{ID: fmt.Sprintf("fxt%03d", w.next()), Name: "助残服务队", Org: "org1", Leader: members[0], Members: members,
		District: "110105", Street: "110105001000"}
	if err := w.e.st.CreateTeam(context.Background(), t); err != nil {
		w.e.t.Fatal(err)
	}
	return t.ID
}

// teamNeed stores a fresh need of org1 asking for teams of two.
func (w *world) teamNeed() string {
	w.e.t.Helper()
	n := w.needValue(w.next(), "org1")
	n.Team = &volmatch.TeamAsk{Size: 2}
	if err := w.e.st.CreateNeed(context.Background(), &n); err != nil {
		w.e.t.Fatal(err)
	}
	return n.ID
}

// teamInvite invites a fresh team of the members to a fresh team need and
// returns the leader's invitation.
func (w *world) teamInvite(members ...string) string {
	w.e.t.Helper()
	need, team := w.teamNeed(), w.team(members...)
	invs := make([]*volmatch.Invitation, len(members))
	for k, m := range members {
		invs[k] = &volmatch.Invitation{ID: fmt.Sprintf("fxi%03d", w.next()), Need: need, Shift: "s1", Volunteer: m, Org: "org1",
			Status: volmatch.InviteSent, SentAt: t0, Team: team}
	}
	if err := w.e.st.CreateInvitations(context.Background(), invs); err != nil {
		w.e.t.Fatal(err)
	}
	return invs[0].ID
}

// TestTeamFlowAPI: a team need over HTTP: the team matches, a volunteer
// invited alone refused, the team invited, a member refused alone, the
// leader accepting for all.
func TestTeamFlowAPI(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	e.must(201, "sw1", "POST", "/v1/teams", teamBody("tm1", "org1", "v3", "v2"), nil)
	n := w.needValue(w.next(), "org1")
	n.Team = &volmatch.TeamAsk{Size: 2}
	e.must(201, "sw1", "POST", "/v1/needs", n, nil)
	var m api.TeamMatchesResponse
	e.must(200, "sw1", "GET", "/v1/needs/"+n.ID+"/team-matches", nil, &m)
	if len(m.Items) != 1 || m.Items[0].Team != "tm1" || !m.Items[0].Eligible || len(m.Items[0].Breakdown) == 0 {
		t.Fatalf("team matches = %+v, want tm1 eligible with a breakdown", m)
	}
	e.must(http.StatusUnprocessableEntity, "sw1", "POST", "/v1/needs/"+n.ID+"/invites", map[string]any{"volunteers": []string{"v3"}}, nil)
	var invs api.List[volmatch.Invitation]
	e.must(201, "sw1", "POST", "/v1/needs/"+n.ID+"/team-invites", map[string]any{"team": "tm1"}, &invs)
	if len(invs.Items) != 2 || invs.Items[0].Team != "tm1" {
		t.Fatalf("team invite = %+v, want two invitations of tm1", invs.Items)
	}
	e.must(http.StatusForbidden, "vol2", "POST", "/v1/invites/"+invs.Items[1].ID+"/accept", nil, nil)
	e.must(http.StatusForbidden, "vol2", "POST", "/v1/invites/"+invs.Items[1].ID+"/accept-team", nil, nil)
	e.must(http.StatusUnprocessableEntity, "sw1", "POST", "/v1/needs/"+n.ID+"/team-invites", map[string]any{"team": "nope"}, nil)
	var as api.List[volmatch.Assignment]
	e.must(200, "admin", "POST", "/v1/invites/"+invs.Items[0].ID+"/accept-team", nil, &as)
	if len(as.Items) != 2 || as.Items[0].Team != "tm1" {
		t.Errorf("accept-team = %+v, want both members' slots", as.Items)
	}
}
