package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"volmatch"
	"volmatch/engine"
	"volmatch/geo"
)

// Teams (志愿服务团队, issue 16): a social worker sees the teams ranked for
// a need (every member gated, an ineligible team with its first reason,
// a member masked) and invites one as a whole; the team's leader accepts
// for every member on their phone (/web/invitations); /web/teams lists
// the caller's teams and /web/teams/{id} shows one, the roster masked.
// Every rule is the engine's.

// teamRoles may use the team pages.
var teamRoles = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer}

// teamRoutes registers the pages.
func (s *Server) teamRoutes() {
	s.mux.Handle("GET /web/needs/{id}/teams", s.page(staffOnly, s.teamMatchesPage))
	s.mux.Handle("POST /web/needs/{id}/teams/invite", s.page(staffOnly, s.inviteTeam))
	s.mux.Handle("POST /web/invitations/{id}/accept-team", s.page(volunteers, s.acceptTeam))
	s.mux.Handle("GET /web/teams", s.page(teamRoles, s.teamsPage))
	s.mux.Handle("GET /web/teams/{id}", s.page(teamRoles, s.teamPage))
}

// parseTeamPages parses the pages' templates with the layout.
func parseTeamPages(pages map[string]*template.Template, funcs template.FuncMap) {
	for _, name := range []string{"team_matches", "teams", "team"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// teamRow is a ranked or excluded team as the page lists it.
type teamRow struct {
	ID, Name, Shift, ShiftID string
	Rank, Members            int
	Score, Distance          string
	Reasons                  []string
	Why                      string // an ineligible team's reason
	Tier                     string
	Invited                  string // the team's invitation status, when invited
}

// teamMatchesData is the team matches page.
type teamMatchesData struct {
	Need       *volmatch.Need
	Place      string
	Ask        string // what the need asks of a team
	Teams      []teamRow
	Ineligible []teamRow
	Notice     *notice
	Error      string
}

// teamMatchesPage shows the teams ranked for need {id}.
func (s *Server) teamMatchesPage(w http.ResponseWriter, r *request) {
	s.showTeamMatches(w, r, http.StatusOK, r.flash(), "")
}

func (s *Server) showTeamMatches(w http.ResponseWriter, r *request, status int, n *notice, errText string) {
	ctx := r.Context()
	id := r.PathValue("id")
	m, err := s.eng.TeamMatches(ctx, r.tok, id, engine.RankOptions{K: matchesSize})
	if err != nil {
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	d := teamMatchesData{Need: m.Need, Place: needPlace(m.Need), Notice: n, Error: errText}
	if a := m.Need.Team; a != nil {
		d.Ask = fmt.Sprintf(msg(r.lang, "team.ask"), a.Size)
		for _, role := range a.Roles {
			d.Ask += " · " + fmt.Sprintf(msg(r.lang, "team.ask.role"), role.Count, s.roleLabel(r.lang, role))
		}
	}
	invited := map[string]string{}
	invs, _, err := s.eng.Invitations(ctx, r.tok, volmatch.InvitationFilter{Need: id, ListOptions: volmatch.ListOptions{Limit: maxListed}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	for _, inv := range invs {
		if inv.Team != "" && (invited[inv.Team] == "" || inv.Status == volmatch.InviteAccepted) {
			invited[inv.Team] = msg(r.lang, "match.inv.status."+string(inv.Status))
		}
	}
	for _, tm := range m.Matches {
		sh, _ := m.Need.Shift(tm.Shift)
		row := teamRow{ID: tm.Team, Name: tm.Name, Shift: shiftText(r.lang, sh), ShiftID: sh.ID, Rank: tm.Rank, Members: tm.Members,
			Score: fmt.Sprintf("%.0f", tm.Score*100), Distance: fmt.Sprintf(msg(r.lang, "team.farthest"), tm.DistanceKm),
			Tier: teamTierName(r.lang, tm), Invited: invited[tm.Team]}
		mt := volmatch.Match{DistanceKm: tm.DistanceKm}
		for _, comp := range tm.Breakdown {
			if t := componentReason(r.lang, comp, mt, sh, nil, m.Need.Requires.Skills == nil); t != "" {
				row.Reasons = append(row.Reasons, t)
			}
		}
		d.Teams = append(d.Teams, row)
	}
	for _, tm := range m.Ineligible {
		row := teamRow{ID: tm.Team, Name: tm.Name, Members: tm.Members, Tier: teamTierName(r.lang, tm), Why: teamReason(r.lang, tm)}
		d.Ineligible = append(d.Ineligible, row)
	}
	s.render(w, r.Request, status, "team_matches", r.view("team.matches.title", d))
}

// teamReason says why a team is not eligible, a member by masked name.
func teamReason(lang string, tm volmatch.TeamMatch) string {
	switch tm.Gate {
	case volmatch.TeamGateSize, volmatch.TeamGateSlots, volmatch.TeamGateRole:
		return msg(lang, "team.gate."+tm.Gate)
	}
	return fmt.Sprintf(msg(lang, "team.gate.member"), tm.MemberIndex, tm.Member, msg(lang, "match.gate."+tm.Gate))
}

// teamTierName names a standing emergency team's tier ("" for another team).
func teamTierName(lang string, tm volmatch.TeamMatch) string {
	if !tm.Emergency {
		return ""
	}
	return msg(lang, "team.tier."+string(tm.Tier))
}

// roleLabel names a role a need asks of a team: a skill's or a
// certificate's name.
func (s *Server) roleLabel(lang string, r volmatch.TeamRole) string {
	if r.Certificate != "" {
		return r.Certificate
	}
	if sk, ok := s.eng.Taxonomy().Skill(r.Skill); ok {
		return termName(lang, sk.Name, sk.NameEN)
	}
	return r.Skill
}

// inviteTeam invites the team of the form to need {id}.
func (s *Server) inviteTeam(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	invs, err := s.eng.InviteTeam(r.Context(), r.tok, id, engine.TeamInviteRequest{Team: r.FormValue("team"), Shift: r.FormValue("shift")})
	switch code := volmatch.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r.Request, "/web/needs/"+id+"/teams?invited="+strconv.Itoa(len(invs))+"&msg=flash.team.invited", http.StatusSeeOther)
	case code == volmatch.EINVALID || code == volmatch.ECONFLICT:
		s.showTeamMatches(w, r, http.StatusUnprocessableEntity, nil, msg(r.lang, "team.err.invite"))
	default:
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
	}
}

// acceptTeam is the leader's accept for the whole team.
func (s *Server) acceptTeam(w http.ResponseWriter, r *request) {
	_, err := s.eng.AcceptTeam(r.Context(), r.tok, r.PathValue("id"))
	switch code := volmatch.ErrorCode(err); {
	case err == nil:
		back(w, r, "/web/invitations", "flash.team.accepted")
	case code == volmatch.ECONFLICT || code == volmatch.EINVALID || code == volmatch.EFORBIDDEN:
		back(w, r, "/web/invitations", "refused.team")
	default:
		s.fail(w, r.Request, r.lang, err)
	}
}

// teamCard is a team as the pages show it.
type teamCard struct {
	engine.TeamView
	Place string
	Tier  string
}

func (s *Server) teamCard(lang string, v *engine.TeamView) teamCard {
	c := teamCard{TeamView: *v}
	if st, ok := geo.Beijing().Street(v.Street); ok {
		c.Place = st.DistrictName + " " + st.Name
	}
	if v.Emergency {
		c.Tier = msg(lang, "team.tier."+string(v.Tier))
	}
	return c
}

// teamsPage lists the caller's teams: a social worker's organisation's,
// a volunteer's own.
func (s *Server) teamsPage(w http.ResponseWriter, r *request) {
	ts, _, err := s.eng.Teams(r.Context(), r.tok, volmatch.TeamFilter{ListOptions: volmatch.ListOptions{Limit: maxListed}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	cards := make([]teamCard, 0, len(ts))
	for _, t := range ts {
		cards = append(cards, s.teamCard(r.lang, t))
	}
	s.render(w, r.Request, http.StatusOK, "teams", r.view("team.list.title", cards))
}

// teamPage shows one team, its roster masked.
func (s *Server) teamPage(w http.ResponseWriter, r *request) {
	t, err := s.eng.Team(r.Context(), r.tok, r.PathValue("id"))
	if err != nil {
		s.fail(w, r.Request, r.lang, notFoundIfForbidden(err))
		return
	}
	s.render(w, r.Request, http.StatusOK, "team", r.view("team.title", s.teamCard(r.lang, t)))
}

func init() {
	for _, k := range []string{"flash.team.invited", "flash.team.accepted"} {
		flashes[k] = true
	}
	flashes["refused.team"] = false
	for k, v := range map[string]string{
		"nav.teams":            "团队",
		"team.link":            "匹配团队",
		"team.matches.title":   "匹配团队",
		"team.list.title":      "志愿服务团队",
		"team.title":           "团队",
		"team.ask":             "本需求需要整队参加：至少 %d 人同来",
		"team.ask.role":        "其中至少 %d 人持有%s",
		"team.ranked":          "推荐团队",
		"team.none":            "没有符合条件的团队。",
		"team.excluded":        "不符合条件的团队",
		"team.members":         "%d 人",
		"team.farthest":        "最远成员约 %.1f 公里",
		"team.score":           "匹配度 %s",
		"team.invite":          "邀请整队",
		"team.invited":         "已邀请",
		"team.gate.team_size":  "人数少于需求所需",
		"team.gate.team_slots": "人数超过该班次剩余名额",
		"team.gate.team_role":  "缺少需求所需的专长成员",
		"team.gate.member":     "第 %d 位成员 %s：%s",
		"team.sep":             "：",
		"team.need.notice":     "本需求只接受整队参加：请在“匹配团队”中邀请团队，不能单独邀请志愿者。",
		"team.tier.street":     "街道级应急队伍",
		"team.tier.district":   "区级应急队伍",
		"team.tier.city":       "市级应急队伍",
		"team.err.invite":      "未能邀请该团队：团队已不符合条件，或有成员已被邀请。请刷新后重试。",
		"team.empty":           "还没有团队。",
		"team.roster":          "成员",
		"team.leader":          "队长",
		"team.place":           "所在街道",
		"team.back":            "返回需求",
		"team.invitation":      "团队邀请：%s",
		"team.leader.accept":   "代表全队接受",
		"team.member.wait":     "由队长代表全队接受；如您不能参加，请点“婉拒”，全队将无法成行。",
		"flash.team.invited":   "已向整队发出邀请。",
		"flash.team.accepted":  "已代表全队接受，每位成员都已占好名额。",
		"refused.team":         "未能代表全队接受：有成员已婉拒、名额不足或有成员不再符合条件。全队要么一起去，要么都不去。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.teams":            "Teams",
		"team.link":            "Match teams",
		"team.matches.title":   "Matching teams",
		"team.list.title":      "Volunteer teams",
		"team.title":           "Team",
		"team.ask":             "This need takes whole teams: at least %d people who come together",
		"team.ask.role":        "at least %d of them with %s",
		"team.ranked":          "Recommended teams",
		"team.none":            "No team qualifies.",
		"team.excluded":        "Teams that do not qualify",
		"team.members":         "%d people",
		"team.farthest":        "farthest member about %.1f km away",
		"team.score":           "match %s",
		"team.invite":          "Invite the team",
		"team.invited":         "Invited",
		"team.gate.team_size":  "fewer members than the need asks",
		"team.gate.team_slots": "more members than the shift has free places",
		"team.gate.team_role":  "no member with the speciality the need asks",
		"team.gate.member":     "member %d, %s: %s",
		"team.sep":             ": ",
		"team.need.notice":     "This need takes whole teams only: invite a team under “Match teams”, not volunteers one by one.",
		"team.tier.street":     "Street emergency team",
		"team.tier.district":   "District emergency team",
		"team.tier.city":       "City emergency team",
		"team.err.invite":      "The team was not invited: it no longer qualifies, or a member is already invited. Reload and try again.",
		"team.empty":           "No teams yet.",
		"team.roster":          "Members",
		"team.leader":          "Leader",
		"team.place":           "Home street",
		"team.back":            "Back to the need",
		"team.invitation":      "Team invitation: %s",
		"team.leader.accept":   "Accept for the whole team",
		"team.member.wait":     "Your leader accepts for the whole team; if you cannot come, decline, and the team cannot go.",
		"flash.team.invited":   "The whole team is invited.",
		"flash.team.accepted":  "Accepted for the whole team: every member has a place.",
		"refused.team":         "Not accepted for the team: a member declined, the places ran out, or a member no longer qualifies. A team goes whole or not at all.",
	} {
		messages[langEN][k] = v
	}
}
