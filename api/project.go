package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
	"volmatch/evaluation"
)

// Projects (项目库) and the station map (站点地图): a social worker writes
// their organisation's projects and puts needs in them; every role reads
// projects and stations; a project's evaluation is for planners, admins
// and its organisation; the suggestions (activities to turn into projects,
// failing projects) likewise. The engine rules who may do what.

// AttachRequest puts needs in a project, or takes them out (detach).
type AttachRequest struct {
	Needs  []string `json:"needs"`
	Detach bool     `json:"detach,omitempty"`
}

// StationList is the answer of the station map.
type StationList struct {
	Items []engine.StationView `json:"items"`
}

var (
	opCreateProject = Op{Summary: "Create a project (项目) of the caller's organisation: goal, domain, district, grade (city, district, street) and category",
		Tag: "projects", Body: volmatch.Project{}, Status: http.StatusCreated, Resp: volmatch.Project{}}
	opListProjects = Op{Summary: "List projects", Tag: "projects",
		Params: withPage(q("org", "organisation"), q("district", "district code"), q("domain", "taxonomy key"), q("status", "active or closed")),
		Resp:   List[volmatch.Project]{}}
	opGetProject    = Op{Summary: "Get a project", Tag: "projects", Params: idOnly(), Resp: volmatch.Project{}}
	opUpdateProject = Op{Summary: "Replace a project (its organisation stays)", Tag: "projects", Params: idOnly(), Body: volmatch.Project{}, Resp: volmatch.Project{}}
	opDeleteProject = Op{Summary: "Delete a project without needs (409 while needs belong to it: close it instead)", Tag: "projects", Params: idOnly()}
	opProjectNeeds  = Op{Summary: "The needs of a project, as the caller may see them", Tag: "projects", Params: idOnly(), Resp: List[volmatch.Need]{}}
	opAttachNeeds   = Op{Summary: "Put needs of the project's organisation in it, or take them out (detach), all or none", Tag: "projects",
		Params: idOnly(), Body: AttachRequest{}, Resp: List[volmatch.Need]{}}
	opProjectEval = Op{Summary: "A project's evaluation: fill, completion, no-shows, satisfaction and hours, overall and by month (figures about fewer than the minimum group withheld)",
		Tag: "projects", Params: append(idOnly(), q("from", "window start (date or RFC 3339)"), q("to", "window end")), Resp: engine.ProjectReport{}}
	opSuggestions = Op{Summary: "Suggestions with their figures: recurring activities to turn into projects (promote) and failing projects (low fill, rising no-shows)",
		Tag: "projects", Params: evalParams, Resp: engine.Suggestions{}}
	opStationMap = Op{Summary: "The station map (站点地图): stations with hours, services and the open needs the caller may see; near=lat,lng&km= for the nearest first",
		Tag: "stations", Params: []Param{q("near", "lat,lng"), q("km", "radius in km (default 10)"), intQ("limit", "at most this many near stations (default 50)"), q("open", "1: only stations with an open need")},
		Resp: StationList{}}
	opNearMe = Op{Summary: "Stations within km of the volunteer's home with open needs (the volunteer, or an admin)", Tag: "stations",
		Params: append(idOnly(), q("km", "radius in km (default 5)")), Resp: StationList{}}
)

// projectRoutes registers the routes of projects and the station map.
func (s *Server) projectRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h(post, "/projects", staff, opCreateProject, createRecord(s, s.createProject, "/v1/projects/", func(p *volmatch.Project) string { return p.ID }))
	h(get, "/projects", anyRole, opListProjects, listRecords(s, projectFilter, s.eng.Projects))
	h(get, "/projects/:id", anyRole, opGetProject, getRecord(s, s.eng.Project))
	h(put, "/projects/:id", staff, opUpdateProject, bodyRoute(s, http.StatusOK, s.decode, s.eng.SaveProject))
	h(del, "/projects/:id", staff, opDeleteProject, deleteRecord(s, s.eng.DeleteProject))
	h(get, "/projects/:id/needs", anyRole, opProjectNeeds, getRecord(s, s.projectNeeds))
	h(post, "/projects/:id/needs", staff, opAttachNeeds, bodyRoute(s, http.StatusOK, s.decode, s.attachNeeds))
	h(get, "/projects/:id/evaluation", anyRole, opProjectEval, s.projectEvaluation)
	h(get, "/evaluation/suggestions", anyRole, opSuggestions, s.evalRoute(s.suggestions))
	h(get, "/stations/map", anyRole, opStationMap, s.stationMap)
	h(get, "/volunteers/:id/stations", adminAndSelf, opNearMe, s.nearMe)
}

func (s *Server) createProject(ctx context.Context, tok *volmatch.Token, p *volmatch.Project) (*volmatch.Project, error) {
	return s.eng.SaveProject(ctx, tok, "", p)
}

func projectFilter(c *gin.Context) (volmatch.ProjectFilter, error) {
	f := volmatch.ProjectFilter{District: c.Query("district"), Domain: c.Query("domain")}
	var err error
	if f.ListOptions, err = listOptions(c); err != nil {
		return f, err
	}
	if f.Org, err = idParam(c, "org"); err != nil {
		return f, err
	}
	f.Status, err = enumParam(c, "status", volmatch.ProjectActive, volmatch.ProjectClosed)
	return f, err
}

func (s *Server) projectNeeds(ctx context.Context, tok *volmatch.Token, id string) (List[*volmatch.Need], error) {
	ns, err := s.eng.ProjectNeeds(ctx, tok, id)
	return List[*volmatch.Need]{Items: nonNil(ns)}, err
}

func (s *Server) attachNeeds(ctx context.Context, tok *volmatch.Token, id string, req *AttachRequest) (List[*volmatch.Need], error) {
	ns, err := s.eng.AttachNeeds(ctx, tok, id, req.Needs, req.Detach)
	return List[*volmatch.Need]{Items: nonNil(ns)}, err
}

func (s *Server) projectEvaluation(c *gin.Context) {
	f, err := s.evalFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.eng.ProjectEvaluation(c.Request.Context(), principal(c), c.Param("id"), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.JSON(http.StatusOK, r)
}

func (s *Server) suggestions(c *gin.Context, f evaluation.Filter) (any, error) {
	return s.eng.Suggestions(c.Request.Context(), principal(c), f)
}

func (s *Server) stationMap(c *gin.Context) {
	near, km, err := nearParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := engine.StationQuery{Near: near, Km: km}
	if near != nil {
		if q.Limit, err = limitParam(c, 50, 1000); err != nil {
			s.fail(c, err)
			return
		}
	}
	open, err := enumParam(c, "open", "0", "1")
	if err != nil {
		s.fail(c, err)
		return
	}
	q.OpenOnly = open == "1"
	vs, err := s.eng.StationMap(c.Request.Context(), principal(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, StationList{Items: nonNil(vs)})
}

func (s *Server) nearMe(c *gin.Context) {
	km, err := floatParam(c, "km", 5, 0.01, engine.MaxNearKm)
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, err := s.eng.NearMe(c.Request.Context(), principal(c), c.Param("id"), km)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, StationList{Items: nonNil(vs)})
}
