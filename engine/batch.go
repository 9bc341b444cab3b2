package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"volmatch"
	"volmatch/matcher"
)

// Flow 5: batch assignment for large events and emergencies (集中服务). The
// plan is the proven optimum over the eligible pairs of the needs' open
// shifts (matcher.Assign: the min-cost flow, and a branch and bound when a
// volunteer's shifts overlap in chains), respecting every holding
// assignment; a search still open after BatchSearchLimit returns its best
// plan with the proven gap (Plan.Exact false, Plan.Gap). The plan runs under
// ctx: when the caller goes away or the deadline passes it stops and
// nothing is written.
//
// What a commit makes atomic depends on its size. A commit of at most
// Options.CommitChunk placements (1,000 by default, volmatch.MaxReserve at
// most) is one store write, all or nothing, answered when it is done. A
// larger one is a job (job.go): the request stores the job and answers at
// once; the job reserves the placements in plan order, one chunk per store
// write, each chunk all or nothing; a refused chunk stops the job, and its
// status says how many placements were committed (the first Committed) and
// which chunk failed. No single write holds the bbolt writer lock or a
// Redis script for more than about a second, so other organisations' writes
// go on between the chunks.
//
// The needs that ask for a team are filled with whole teams first, as
// units (team_batch.go); the exact optimum is over single volunteers.

// BatchSearchLimit bounds the branch and bound of a batch plan, so that a
// plan is answered well within a request's 60 s deadline.
const BatchSearchLimit = 20 * time.Second

// MaxPerVolunteerLimit bounds BatchRequest.MaxPerVolunteer.
const MaxPerVolunteerLimit = 10

// BatchRequest asks for a batch assignment over listed needs or the open
// needs of a district. DryRun is true when omitted.
type BatchRequest struct {
	Needs           []string `json:"needs,omitempty"`
	District        string   `json:"district,omitempty"`
	MaxPerVolunteer int      `json:"max_per_volunteer,omitempty"`
	FairnessStep    float64  `json:"fairness_step,omitempty"`
	DryRun          *bool    `json:"dry_run,omitempty"`
	// AllOpen plans every open need in the caller's scope (the CLI's
	// assign --all-open); the API does not offer it.
	AllOpen bool `json:"-"`
	// Expect, on a commit, is the PlanDigest of the plan the caller
	// reviewed: when the plan made now differs (volunteers or slots
	// changed meanwhile) nothing is written (ECONFLICT, reason
	// plan_changed). Empty: commit whatever the plan is.
	Expect string `json:"-"`
}

// ReasonPlanChanged is the reason of a commit refused because the plan
// differs from the one reviewed (BatchRequest.Expect).
const ReasonPlanChanged = "plan_changed"

// PlanDigest is a fingerprint of a plan's placements (hex SHA-256), for
// BatchRequest.Expect.
func PlanDigest(p matcher.Plan) string {
	h := sha256.New()
	for _, pl := range p.Placements {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", pl.Need, pl.Shift, pl.Volunteer)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Batch is a plan and, after a commit, the assignments made; or, for a
// commit of more than one chunk, the job that makes them.
type Batch struct {
	DryRun bool
	// Teams are the whole teams placed first, as units, on the shifts of
	// the needs that ask for a team (team_batch.go); Plan places single
	// volunteers on the other needs.
	Teams       []matcher.TeamPlacement
	Plan        matcher.Plan
	Assignments []*volmatch.Assignment
	Job         *volmatch.Job
}

// ErrCancelled wraps the context's error when a batch stopped because its
// caller went away or its deadline passed, before anything was written.
var ErrCancelled = volmatch.Errorf(volmatch.EUNAVAILABLE, "the batch stopped before writing anything")

// Batch plans the assignment of req and, unless it is a dry run, commits
// it.
func (e *Engine) Batch(ctx context.Context, tok *volmatch.Token, req BatchRequest) (Batch, error) {
	needs, err := e.batchNeeds(ctx, tok, req)
	if err != nil {
		return Batch{}, err
	}
	needs, teams, teamHeld, err := e.placeTeams(ctx, needs) // team_batch.go
	if err != nil {
		return Batch{}, err
	}
	plan, err := e.plan(ctx, needs, matcher.AssignOptions{MaxPerVolunteer: max(req.MaxPerVolunteer, 1), FairnessStep: req.FairnessStep, Held: teamHeld})
	if ctx.Err() != nil {
		// Whatever the plan, nothing is reserved.
		return Batch{}, fmt.Errorf("%w: %w", ErrCancelled, ctx.Err())
	}
	if err != nil {
		return Batch{}, err
	}
	out := Batch{DryRun: req.DryRun == nil || *req.DryRun, Plan: plan, Teams: teams}
	if out.DryRun || len(plan.Placements) == 0 && len(teams) == 0 {
		return out, nil
	}
	if req.Expect != "" && PlanDigest(plan) != req.Expect {
		return out, volmatch.Reasonf(volmatch.ECONFLICT, ReasonPlanChanged, "the plan changed since it was reviewed; review it again")
	}
	rs := teamReservations(teams) // first: a team's reservations are never split across chunks unless a team outgrows one
	for _, p := range plan.Placements {
		rs = append(rs, volmatch.Reservation{Need: p.Need, Shift: p.Shift, Volunteer: p.Volunteer})
	}
	if len(rs) > e.commitChunk {
		if out.Job, err = e.commitJob(ctx, tok, rs, e.now()); err != nil {
			return Batch{}, err
		}
		return out, nil
	}
	if out.Assignments, err = e.store.Reserve(ctx, rs, e.now()); err != nil {
		return Batch{}, placementsError(err)
	}
	e.synced(ctx)
	return out, nil
}

// placementsError names the plan's placement a refused reservation
// concerns: the store's "reservations[i]" is the request's "placements[i]".
func placementsError(err error) error {
	je := jobError(err, 0)
	if je.Field == "" || je.Code == volmatch.EINTERNAL || volmatch.ErrorField(err) == je.Field {
		return err
	}
	return &volmatch.Error{Code: je.Code, Field: je.Field, Message: je.Message}
}

// plan runs matcher.Assign over the feature grid with every holding
// assignment respected.
func (e *Engine) plan(ctx context.Context, needs []*volmatch.Need, o matcher.AssignOptions) (matcher.Plan, error) {
	held, err := e.holding(ctx, "")
	if err != nil {
		return matcher.Plan{}, fmt.Errorf("batch plan: %w", err)
	}
	o.Held = append(held, o.Held...)
	o.TimeLimit = BatchSearchLimit
	ahead := make([]*volmatch.Need, len(needs))
	for i, n := range needs {
		ahead[i] = upcoming(n, e.now()) // nobody is placed on work already begun
	}
	return matcher.Assign(ctx, ahead, e.grid, e.scorer(), o)
}

// batchNeeds resolves the needs of a batch request in tok's scope.
func (e *Engine) batchNeeds(ctx context.Context, tok *volmatch.Token, req BatchRequest) ([]*volmatch.Need, error) {
	switch {
	case req.AllOpen && (req.Needs != nil || req.District != ""):
		return nil, volmatch.FieldError("needs", "give needs, district or all open needs, only one")
	case req.Needs != nil && req.District != "":
		return nil, volmatch.FieldError("needs", "give needs or district, not both")
	case req.Needs == nil && req.District == "" && !req.AllOpen:
		return nil, volmatch.FieldError("needs", "give needs (a non-empty list) or district")
	case req.Needs != nil && len(req.Needs) == 0:
		return nil, volmatch.FieldError("needs", "is empty")
	case len(req.Needs) > MaxBatch:
		return nil, volmatch.FieldError("needs", "at most %d needs at once", MaxBatch)
	case req.MaxPerVolunteer < 0 || req.MaxPerVolunteer > MaxPerVolunteerLimit:
		return nil, volmatch.FieldError("max_per_volunteer", "must be between 1 and %d, got %d", MaxPerVolunteerLimit, req.MaxPerVolunteer)
	case req.FairnessStep < 0 || req.FairnessStep > 1:
		return nil, volmatch.FieldError("fairness_step", "must be between 0 and 1, got %v", req.FairnessStep)
	}
	if req.District != "" || req.AllOpen {
		return e.districtNeeds(ctx, tok, req.District)
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
		n, err := e.store.Need(ctx, id)
		if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
			return nil, volmatch.FieldError(f, "no need %q", id)
		} else if err != nil {
			return nil, err
		}
		if err := canManageOrg(tok, n.Org); err != nil {
			return nil, err
		}
		if n.Status != volmatch.NeedOpen {
			return nil, volmatch.Reasonf(volmatch.ECONFLICT, volmatch.ReasonNeedClosed, "need %s is %s", n.ID, n.Status)
		}
		needs = append(needs, n)
	}
	return needs, nil
}

// districtNeeds returns the open needs of a district (of every district
// when district is "") within tok's scope.
func (e *Engine) districtNeeds(ctx context.Context, tok *volmatch.Token, district string) ([]*volmatch.Need, error) {
	var needs []*volmatch.Need
	err := e.store.EachNeed(ctx, func(n *volmatch.Need) error {
		if n.Status == volmatch.NeedOpen && (district == "" || n.District == district) && canManageOrg(tok, n.Org) == nil {
			needs = append(needs, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: read needs: %w", err)
	}
	if len(needs) == 0 {
		if district == "" {
			return nil, volmatch.FieldError("needs", "no open needs within your scope")
		}
		return nil, volmatch.FieldError("district", "no open needs in district %q within your scope", district)
	}
	return needs, nil
}
