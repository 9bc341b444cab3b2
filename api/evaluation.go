package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/geo"
)

// The evaluation endpoints (issue 5) serve the reports of package
// evaluation over the event log, for planners and admins. Every report is an
// aggregate: counts, rates, hours and keys of districts, streets, domains,
// target groups and organisations; never a volunteer's ID, name or phone.
// A figure about fewer people than the engine's minimum group size (issue
// 13; `volmatch serve --min-group`, 5 by default) is null and named in its
// cell's "suppressed" list; the filter echoed says the minimum (min_group).

// SummaryResponse is every evaluation report for one filter.
type SummaryResponse = evaluation.SummaryReport

// FunnelResponse is the funnel report under the filter it was computed for.
type FunnelResponse struct {
	Filter evaluation.Filter       `json:"filter"`
	Funnel evaluation.FunnelReport `json:"funnel"`
}

// RatesResponse is the rates report (fill, acceptance, completion, no-show,
// cancellation, satisfaction) under its filter.
type RatesResponse struct {
	Filter evaluation.Filter      `json:"filter"`
	Rates  evaluation.RatesReport `json:"rates"`
}

// GapsResponse is the supply–demand gap map under its filter.
type GapsResponse struct {
	Filter evaluation.Filter     `json:"filter"`
	Gaps   evaluation.GapsReport `json:"gaps"`
}

// RankingResponse is the ranking-quality report (cut-off Ranking.K) under
// its filter.
type RankingResponse struct {
	Filter  evaluation.Filter        `json:"filter"`
	Ranking evaluation.RankingReport `json:"ranking"`
}

// FairnessResponse is the fairness of the hours and the hours report (hours
// delivered, hours per volunteer, star levels) under its filter.
type FairnessResponse struct {
	Filter   evaluation.Filter         `json:"filter"`
	Fairness evaluation.FairnessReport `json:"fairness"`
	Hours    evaluation.HoursReport    `json:"hours"`
}

// WeeklyResponse is the activity per ISO week under its filter.
type WeeklyResponse struct {
	Filter evaluation.Filter     `json:"filter"`
	Weekly []evaluation.WeekStat `json:"weekly"`
}

// GroupsResponse is the headline figures per value of Key (a district, a
// domain ...) under its filter.
type GroupsResponse struct {
	Filter evaluation.Filter        `json:"filter"`
	Key    string                   `json:"key"`
	Groups []evaluation.GroupReport `json:"groups"`
}

// evalRoute returns the handler of an evaluation route: it reads the
// filter and answers the report fn computes (the engine caches it for the
// current log).
func (s *Server) evalRoute(fn func(c *gin.Context, f evaluation.Filter) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := s.evalFilter(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		v, err := fn(c, f)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Cache-Control", "private, no-cache")
		c.JSON(http.StatusOK, v)
	}
}

func (s *Server) summary(c *gin.Context, f evaluation.Filter) (any, error) {
	return s.eng.Summary(c.Request.Context(), principal(c), f)
}

func (s *Server) funnel(c *gin.Context, f evaluation.Filter) (any, error) {
	r, err := s.eng.Funnel(c.Request.Context(), principal(c), f)
	return FunnelResponse{Filter: f, Funnel: r}, err
}

func (s *Server) rates(c *gin.Context, f evaluation.Filter) (any, error) {
	r, err := s.eng.Rates(c.Request.Context(), principal(c), f)
	return RatesResponse{Filter: f, Rates: r}, err
}

func (s *Server) gaps(c *gin.Context, f evaluation.Filter) (any, error) {
	r, err := s.eng.Gaps(c.Request.Context(), principal(c), f)
	return GapsResponse{Filter: f, Gaps: r}, err
}

func (s *Server) ranking(c *gin.Context, f evaluation.Filter) (any, error) {
	k, err := intParam(c, "k", evaluation.DefaultK, 1, 100)
	if err != nil {
		return nil, err
	}
	r, err := s.eng.RankingQuality(c.Request.Context(), principal(c), f, k)
	return RankingResponse{Filter: f, Ranking: r}, err
}

func (s *Server) fairness(c *gin.Context, f evaluation.Filter) (any, error) {
	r, err := s.eng.Fairness(c.Request.Context(), principal(c), f)
	return FairnessResponse{Filter: f, Fairness: r.Fairness, Hours: r.Hours}, err
}

func (s *Server) weekly(c *gin.Context, f evaluation.Filter) (any, error) {
	r, err := s.eng.Weekly(c.Request.Context(), principal(c), f)
	return WeeklyResponse{Filter: f, Weekly: r}, err
}

// groupKeys are the values of the by route's key parameter.
var groupKeys = []string{string(evaluation.ByDistrictKey), string(evaluation.ByStreetKey), string(evaluation.ByDomainKey),
	string(evaluation.ByTargetGroupKey), string(evaluation.ByOrgKey)}

func (s *Server) by(c *gin.Context, f evaluation.Filter) (any, error) {
	key, err := enumParam(c, "key", groupKeys...)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, malformed("key", "is required: one of %v", groupKeys)
	}
	g, err := s.eng.By(c.Request.Context(), principal(c), f, evaluation.GroupKey(key))
	return GroupsResponse{Filter: f, Key: key, Groups: g}, err
}

// evalParams are the filter parameters every evaluation route reads.
var evalParams = []Param{
	q("from", "first day, YYYY-MM-DD in Beijing time (inclusive), or an RFC 3339 instant"),
	q("to", "last day, YYYY-MM-DD in Beijing time (inclusive), or an RFC 3339 instant (exclusive)"),
	q("district", "district code, e.g. 110105"),
	q("street", "street code (12 digits), e.g. 110105001000"),
	q("domain", "taxonomy key of the need's domain or service"),
	q("target_group", "elderly, children, disabled, difficulty or residents"),
	q("org", "organisation id"),
}

// evalFilter reads the filter of an evaluation route. A malformed or
// unknown value is a 400 naming the parameter.
func (s *Server) evalFilter(c *gin.Context) (evaluation.Filter, error) {
	var f evaluation.Filter
	var err error
	if f.From, err = timeParam(c, "from", false); err != nil {
		return f, err
	}
	if f.To, err = timeParam(c, "to", true); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, malformed("to", "must be after from")
	}
	geo := geo.Beijing()
	if v := c.Query("district"); v != "" {
		if d, ok := geo.District(v); !ok || d.Code != v {
			return f, malformed("district", "must be the code of a Beijing district (see /v1/reference), got %q", clip(v))
		}
		f.District = v
	}
	if v := c.Query("street"); v != "" {
		if st, ok := geo.Street(v); !ok || st.Code != v {
			return f, malformed("street", "must be the 12-digit code of a Beijing street or township, got %q", clip(v))
		}
		f.Street = v
	}
	if v := c.Query("domain"); v != "" {
		if err := volmatch.ValidID("domain", v); err != nil || !s.eng.Taxonomy().Has(v) {
			return f, malformed("domain", "must be a taxonomy key (see /v1/reference), got %q", clip(v))
		}
		f.Domain = v
	}
	if v := c.Query("target_group"); v != "" {
		if _, ok := volmatch.TargetGroups[v]; !ok {
			return f, malformed("target_group", "must be one of %v, got %q", targetGroupKeys(), clip(v))
		}
		f.TargetGroup = v
	}
	if f.Org, err = idParam(c, "org"); err != nil {
		return f, err
	}
	f.MinGroup = s.eng.MinGroup() // the engine holds to it whatever is set; echoed with the report
	return f, nil
}

// timeParam reads a date (YYYY-MM-DD, a whole day in Beijing time) or an
// RFC 3339 instant. A date as the end of the window (end) stands for the
// end of that day, so that both days of a date range are included.
func timeParam(c *gin.Context, name string, end bool) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, volmatch.Beijing); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	// A '+' of an offset left unencoded in a query string arrives as a space.
	if t, err := time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+")); err == nil {
		return t, nil
	}
	return time.Time{}, malformed(name, "must be a date YYYY-MM-DD (Beijing time) or an RFC 3339 time, got %q", clip(v))
}

// clip shortens a value echoed in an error.
func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}

func targetGroupKeys() []string {
	return []string{volmatch.TargetElderly, volmatch.TargetChildren, volmatch.TargetDisabled, volmatch.TargetDifficult, volmatch.TargetResidents}
}
