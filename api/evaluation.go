package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/datasets"
	"volmatch/evaluation"
)

// The evaluation endpoints (issue 5) serve the reports of package
// evaluation over the event log, for planners and admins. Every report is an
// aggregate: counts, rates, hours and keys of districts, streets, domains,
// target groups and organisations; never a volunteer's ID, name or phone.

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

// eventPage is how many events one read of the log asks for.
const eventPage = 5000

// eventCache is an in-memory copy of the event log: each read appends only
// the events after the last Seq seen, so a request never re-reads the whole
// log. The log is append-only and read in Seq order, so the copy is a prefix
// of it, and a returned slice stays valid while later reads append. The
// copy drops the score breakdowns of match.shown (package evaluation reads
// ranks, batches and outcomes, never the breakdowns), which would otherwise
// be most of its memory.
type eventCache struct {
	mu     sync.Mutex
	events []volmatch.Event
	last   uint64
}

// snapshot catches the copy up with log and returns it with the Seq of its
// newest event.
func (c *eventCache) snapshot(ctx context.Context, log volmatch.EventLog) ([]volmatch.Event, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		evs, err := log.Events(ctx, c.last, eventPage)
		if err != nil {
			return nil, 0, fmt.Errorf("api: read the event log after %d: %w", c.last, err)
		}
		for _, ev := range evs {
			if ev.Seq <= c.last { // never count an event twice
				continue
			}
			ev.Breakdown = nil // evaluation never reads it; it is most of a match.shown
			c.events = append(c.events, ev)
			c.last = ev.Seq
		}
		if len(evs) < eventPage {
			break
		}
	}
	n := len(c.events)
	return c.events[:n:n], c.last, nil
}

// maxCachedReports bounds the encoded reports kept for the current log.
const maxCachedReports = 256

// evaluator serves the evaluation endpoints: the copy of the log and the
// encoded reports of the log as of its newest Seq (computing a summary over
// a large log takes a while, and a dashboard asks the same one again).
type evaluator struct {
	s   *Server
	log eventCache

	mu      sync.Mutex
	seq     uint64            // the Seq the cached reports were computed at
	reports map[string][]byte // by route and canonical query
}

func newEvaluator(s *Server) *evaluator {
	return &evaluator{s: s, reports: map[string][]byte{}}
}

// serve answers a report: it reads the filter, catches the log up and
// returns the cached encoding of the report for this log and query, or
// computes it with fn.
func (e *evaluator) serve(fn func(c *gin.Context, events []volmatch.Event, f evaluation.Filter) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := e.s.evalFilter(c)
		if err != nil {
			e.s.fail(c, err)
			return
		}
		events, seq, err := e.log.snapshot(c.Request.Context(), e.s.deps.Store)
		if err != nil {
			e.s.fail(c, err)
			return
		}
		key := c.FullPath() + "?" + canonicalQuery(c.Request.URL.Query())
		e.mu.Lock()
		if e.seq != seq {
			clear(e.reports)
			e.seq = seq
		}
		b, ok := e.reports[key]
		e.mu.Unlock()
		if !ok {
			v, err := fn(c, events, f)
			if err != nil {
				e.s.fail(c, err)
				return
			}
			if b, err = json.Marshal(v); err != nil {
				e.s.fail(c, fmt.Errorf("api: encode %s: %w", c.FullPath(), err))
				return
			}
			e.mu.Lock()
			if e.seq == seq {
				if len(e.reports) >= maxCachedReports {
					clear(e.reports)
				}
				e.reports[key] = b
			}
			e.mu.Unlock()
		}
		c.Header("Cache-Control", "private, no-cache")
		c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	}
}

// canonicalQuery encodes the query with sorted keys (url.Values.Encode
// sorts them), so that the same question hits the same cache entry.
func canonicalQuery(q url.Values) string { return q.Encode() }

func (e *evaluator) summary(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	return evaluation.Summary(evs, f), nil
}

func (e *evaluator) funnel(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	return FunnelResponse{Filter: f, Funnel: evaluation.Funnel(evs, f)}, nil
}

func (e *evaluator) rates(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	return RatesResponse{Filter: f, Rates: evaluation.Rates(evs, f)}, nil
}

func (e *evaluator) gaps(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	return GapsResponse{Filter: f, Gaps: evaluation.Gaps(evs, f)}, nil
}

func (e *evaluator) ranking(c *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	k, err := intParam(c, "k", evaluation.DefaultK, 1, 100)
	if err != nil {
		return nil, err
	}
	return RankingResponse{Filter: f, Ranking: evaluation.Ranking(evs, f, k)}, nil
}

func (e *evaluator) fairness(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	return FairnessResponse{Filter: f, Fairness: evaluation.Fairness(evs, f), Hours: evaluation.Hours(evs, f)}, nil
}

func (e *evaluator) weekly(_ *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	w := evaluation.Weekly(evs, f)
	if w == nil {
		w = []evaluation.WeekStat{}
	}
	return WeeklyResponse{Filter: f, Weekly: w}, nil
}

// groupKeys are the values of the by route's key parameter.
var groupKeys = []string{string(evaluation.ByDistrictKey), string(evaluation.ByStreetKey), string(evaluation.ByDomainKey),
	string(evaluation.ByTargetGroupKey), string(evaluation.ByOrgKey)}

func (e *evaluator) by(c *gin.Context, evs []volmatch.Event, f evaluation.Filter) (any, error) {
	key, err := enumParam(c, "key", groupKeys...)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, malformed("key", "is required: one of %v", groupKeys)
	}
	g := evaluation.By(evs, f, evaluation.GroupKey(key))
	if g == nil {
		g = []evaluation.GroupReport{}
	}
	return GroupsResponse{Filter: f, Key: key, Groups: g}, nil
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
	geo := datasets.Beijing()
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
		if err := volmatch.ValidID("domain", v); err != nil || !s.has(v) {
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
