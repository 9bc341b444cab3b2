package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/matcher"
)

// Modes computes the service modes of issue 4 (menu, batch assignment,
// emergency dispatch) over the current store; cmd/volmatch adapts the
// matcher and the indexes to it. The handlers do the store writes.
type Modes interface {
	// Menu is the volunteer's menu of open shifts (matcher.Menu), without
	// the shifts clashing with the volunteer's holding assignments.
	Menu(ctx context.Context, v *volmatch.Volunteer, o MenuOptions) (matcher.ServiceMenu, error)
	// Plan is the batch assignment of volunteers to the needs' open
	// shifts (matcher.Assign), with every holding assignment respected.
	Plan(ctx context.Context, needs []*volmatch.Need, o PlanOptions) (matcher.Plan, error)
	// Dispatch plans the emergency mobilisation of n (matcher.Dispatch),
	// with the busy gate from the store.
	Dispatch(ctx context.Context, n *volmatch.Need, o DispatchOptions) (matcher.DispatchPlan, error)
}

// MenuOptions ask for K items of shifts starting after After.
type MenuOptions struct {
	K     int
	After time.Time
}

// PlanOptions are the batch assignment's per-volunteer cap and fairness
// step (matcher.AssignOptions).
type PlanOptions struct {
	MaxPerVolunteer int
	FairnessStep    float64
}

// DispatchOptions are the wave size, the volunteers already invited and
// the number of the next wave (matcher.DispatchOptions).
type DispatchOptions struct {
	WaveSize  int
	Shift     string
	Exclude   map[string]bool
	FirstWave int
}

// Limits of the mode requests.
const (
	MaxPerVolunteerLimit = 10
	DefaultWaveSize      = 20
	MaxWaveSize          = 500
)

// BatchRequest asks for a batch assignment over listed needs or the open
// needs of a district. DryRun is true when omitted.
type BatchRequest struct {
	Needs           []string `json:"needs,omitempty"`
	District        string   `json:"district,omitempty"`
	MaxPerVolunteer int      `json:"max_per_volunteer,omitempty"`
	FairnessStep    float64  `json:"fairness_step,omitempty"`
	DryRun          *bool    `json:"dry_run,omitempty"`
}

// BatchResponse is the plan (volunteers by ID only) and its totals; after a
// commit, the assignments made.
type BatchResponse struct {
	DryRun      bool                   `json:"dry_run"`
	Placements  []matcher.Placement    `json:"placements"`
	Shifts      []matcher.ShiftFill    `json:"shifts"`
	Total       float64                `json:"total"`
	Bound       float64                `json:"bound"`
	Unfilled    int                    `json:"unfilled"`
	Exact       bool                   `json:"exact"`
	Assignments []*volmatch.Assignment `json:"assignments,omitempty"`
}

// DispatchRequest asks for the next wave of an emergency dispatch; the
// wave size is 20 when omitted, shift the need's first open shift.
type DispatchRequest struct {
	WaveSize int    `json:"wave_size,omitempty"`
	Shift    string `json:"shift,omitempty"`
}

// DispatchResponse is one wave sent: its tier and number, the invitations,
// and how many eligible volunteers are left to invite. Done says no wave is
// left (the slots are filled or the tiers ran out).
type DispatchResponse struct {
	Need        string                 `json:"need"`
	Shift       string                 `json:"shift,omitempty"`
	Tier        string                 `json:"tier,omitempty"`
	Wave        int                    `json:"wave,omitempty"`
	Invitations []*volmatch.Invitation `json:"invitations"`
	Remaining   int                    `json:"remaining"`
	Done        bool                   `json:"done"`
}

func (s *Server) modes() (Modes, error) {
	if s.deps.Modes == nil {
		return nil, volmatch.Errorf(volmatch.EUNAVAILABLE, "service modes are not configured")
	}
	return s.deps.Modes, nil
}

// menu answers GET /v1/volunteers/:id/menu.
func (s *Server) menu(c *gin.Context) {
	ctx := c.Request.Context()
	m, err := s.modes()
	var k int
	if err == nil {
		k, err = intParam(c, "k", matcher.DefaultMenuK, 1, 100)
	}
	var v *volmatch.Volunteer
	if err == nil {
		if tok := principal(c); tok.Role == volmatch.RoleVolunteer && tok.Volunteer != c.Param("id") {
			err = forbidden("a volunteer sees only their own menu")
		}
	}
	if err == nil {
		v, err = s.deps.Store.Volunteer(ctx, c.Param("id"))
	}
	var out matcher.ServiceMenu
	if err == nil {
		out, err = m.Menu(ctx, v, MenuOptions{K: k, After: s.opt.Now()})
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// batchNeeds resolves the needs of a batch request in the caller's scope.
func (s *Server) batchNeeds(ctx context.Context, tok *volmatch.Token, req BatchRequest) ([]*volmatch.Need, error) {
	switch {
	case req.Needs != nil && req.District != "":
		return nil, volmatch.FieldError("needs", "give needs or district, not both")
	case req.Needs == nil && req.District == "":
		return nil, volmatch.FieldError("needs", "give needs (a non-empty list) or district")
	case req.Needs != nil && len(req.Needs) == 0:
		return nil, volmatch.FieldError("needs", "is empty")
	case len(req.Needs) > MaxLimit:
		return nil, volmatch.FieldError("needs", "at most %d needs at once", MaxLimit)
	case req.MaxPerVolunteer < 0 || req.MaxPerVolunteer > MaxPerVolunteerLimit:
		return nil, volmatch.FieldError("max_per_volunteer", "must be between 1 and %d, got %d", MaxPerVolunteerLimit, req.MaxPerVolunteer)
	case req.FairnessStep < 0 || req.FairnessStep > 1:
		return nil, volmatch.FieldError("fairness_step", "must be between 0 and 1, got %v", req.FairnessStep)
	}
	var needs []*volmatch.Need
	seen := map[string]bool{}
	for i, id := range req.Needs {
		f := fmt.Sprintf("needs[%d]", i)
		if err := volmatch.ValidID(f, id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, volmatch.FieldError(f, "need %q is listed twice", id)
		}
		seen[id] = true
		n, err := s.deps.Store.Need(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no need %q", id)
		} else if err != nil {
			return nil, err
		}
		if err := canManageOrg(tok, n.Org); err != nil {
			return nil, err
		}
		if n.Status != volmatch.NeedOpen {
			return nil, volmatch.Errorf(volmatch.ECONFLICT, "need %s is %s", n.ID, n.Status)
		}
		needs = append(needs, n)
	}
	if req.District != "" {
		err := s.deps.Store.EachNeed(ctx, func(n *volmatch.Need) error {
			if n.Status == volmatch.NeedOpen && n.District == req.District && canManageOrg(tok, n.Org) == nil {
				needs = append(needs, n)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("api: read needs: %w", err)
		}
		if len(needs) == 0 {
			return nil, volmatch.FieldError("district", "no open needs in district %q within your scope", req.District)
		}
	}
	return needs, nil
}

// batch answers POST /v1/assignments/batch: a dry run returns the plan, a
// commit reserves every placement through the store, all or nothing. The
// plan runs under the request's context: when the client goes away or the
// deadline passes it stops, is counted in volmatch_batch_cancelled_total,
// and nothing is written.
func (s *Server) batch(c *gin.Context) {
	ctx := c.Request.Context()
	var req BatchRequest
	err := s.decode(c, &req)
	m, merr := s.modes()
	if err == nil {
		err = merr
	}
	var needs []*volmatch.Need
	if err == nil {
		needs, err = s.batchNeeds(ctx, principal(c), req)
	}
	var plan matcher.Plan
	if err == nil {
		plan, err = m.Plan(ctx, needs, PlanOptions{MaxPerVolunteer: max(req.MaxPerVolunteer, 1), FairnessStep: req.FairnessStep})
		if ctx.Err() != nil {
			// The client went away or the deadline passed: whatever the plan,
			// nothing is reserved.
			s.cancelled.Inc()
			err = ctx.Err()
		}
	}
	out := BatchResponse{DryRun: req.DryRun == nil || *req.DryRun, Placements: nonNil(plan.Placements), Shifts: nonNil(plan.Shifts),
		Total: plan.Total, Bound: plan.Bound, Unfilled: plan.Unfilled, Exact: plan.Exact}
	if err == nil && !out.DryRun && len(plan.Placements) > 0 {
		rs := make([]volmatch.Reservation, len(plan.Placements))
		for i, p := range plan.Placements {
			rs[i] = volmatch.Reservation{Need: p.Need, Shift: p.Shift, Volunteer: p.Volunteer}
		}
		if out.Assignments, err = s.deps.Store.Reserve(ctx, rs, s.opt.Now()); err == nil {
			s.synced(ctx)
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// dispatchState returns the volunteers already invited to n and the number
// of the last dispatch wave.
func (s *Server) dispatchState(ctx context.Context, n *volmatch.Need) (map[string]bool, int, error) {
	invited := map[string]bool{}
	last := 0
	f := volmatch.InvitationFilter{Need: n.ID, ListOptions: volmatch.ListOptions{Limit: MaxLimit}}
	for {
		page, next, err := s.deps.Store.Invitations(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		for _, inv := range page {
			invited[inv.Volunteer] = true
			last = max(last, inv.Wave)
		}
		if next == "" || len(page) == 0 {
			return invited, last, nil
		}
		f.After = next
	}
}

// dispatch answers POST /v1/needs/:id/dispatch: the next wave of
// invitations of an emergency need, recorded as a dispatch.wave event.
func (s *Server) dispatch(c *gin.Context) {
	ctx := c.Request.Context()
	var req DispatchRequest
	err := s.bodyOrEmpty(c, &req)
	m, merr := s.modes()
	if err == nil {
		err = merr
	}
	if err == nil && (req.WaveSize < 0 || req.WaveSize > MaxWaveSize) {
		err = volmatch.FieldError("wave_size", "must be between 1 and %d, got %d", MaxWaveSize, req.WaveSize)
	}
	var n *volmatch.Need
	if err == nil {
		n, err = s.scopedNeed(c)
	}
	if err == nil && n.Urgency != volmatch.UrgencyEmergency {
		err = volmatch.FieldError("urgency", "dispatch is for emergency needs; need %s is %s", n.ID, n.Urgency)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	out := DispatchResponse{Need: n.ID, Invitations: []*volmatch.Invitation{}, Done: true}
	if n.Status == volmatch.NeedOpen && len(matcher.OpenShifts(n, req.Shift)) == 0 && req.Shift == "" {
		c.JSON(http.StatusOK, out) // every slot is filled
		return
	}
	invited, last, err := s.dispatchState(ctx, n)
	var plan matcher.DispatchPlan
	if err == nil {
		plan, err = m.Dispatch(ctx, n, DispatchOptions{WaveSize: cmp0(req.WaveSize, DefaultWaveSize), Shift: req.Shift, Exclude: invited, FirstWave: last + 1})
	}
	if err == nil && len(plan.Waves) > 0 {
		err = s.sendWave(ctx, n, plan, &out)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// sendWave sends the first wave of plan and records it in the event log.
func (s *Server) sendWave(ctx context.Context, n *volmatch.Need, plan matcher.DispatchPlan, out *DispatchResponse) error {
	w := plan.Waves[0]
	now := s.opt.Now()
	out.Shift, out.Tier, out.Wave, out.Done = plan.Shift, w.Tier, w.Wave, false
	for _, e := range plan.Eligible {
		out.Remaining += e
	}
	// The wave excludes every volunteer already invited to the need
	// (dispatchState), so only a concurrent dispatch can clash: the wave is
	// then refused whole and nothing of it is written.
	invs := make([]*volmatch.Invitation, len(w.Volunteers))
	for i, mt := range w.Volunteers {
		invs[i] = &volmatch.Invitation{ID: newID("inv"), Need: n.ID, Shift: plan.Shift, Volunteer: mt.Volunteer, Org: n.Org,
			Status: volmatch.InviteSent, Rank: mt.Rank, Score: mt.Score, Wave: w.Wave, SentAt: now}
	}
	if err := s.deps.Store.CreateInvitations(ctx, invs); err != nil {
		if volmatch.ErrorField(err) != "" { // invitations[k]: not a field of the request
			err = volmatch.Errorf(volmatch.ErrorCode(err), "wave %d was not sent: %s", w.Wave, volmatch.ErrorMessage(err))
		}
		return fmt.Errorf("api: dispatch wave %d: %w", w.Wave, err)
	}
	out.Invitations = append(out.Invitations, invs...)
	out.Remaining -= len(out.Invitations)
	ev := volmatch.NeedEvent(volmatch.EventDispatchWave, n, now)
	ev.Shift, ev.Tier, ev.Wave, ev.Count = plan.Shift, w.Tier, w.Wave, len(out.Invitations)
	if err := s.deps.Store.AppendEvents(ctx, ev); err != nil {
		return fmt.Errorf("api: record dispatch wave %d: %w", w.Wave, err)
	}
	s.synced(ctx)
	return nil
}

// cmp0 returns v, or def when v is 0.
func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
