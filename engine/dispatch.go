package engine

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/matcher"
)

// Flow 6: emergency dispatch (应急动员). Eligible volunteers are asked
// nearest first, street tier, then district, then city, one wave per
// request, until the slots are filled or the tiers are exhausted. A wave
// excludes every volunteer already invited to the need, so only a
// concurrent dispatch can clash: the wave is then refused whole and nothing
// of it is written. Each wave sent is logged as dispatch.wave, in the same
// store write as its invitations: a wave is never sent unlogged nor logged
// unsent. Standing emergency teams are asked before any single volunteer,
// by tier (team_dispatch.go).

// Wave sizes of a dispatch.
const (
	DefaultWaveSize = 20
	MaxWaveSize     = 500
)

// DispatchRequest asks for the next wave of an emergency dispatch; the
// wave size is DefaultWaveSize when 0, the shift the need's first open
// shift when "".
type DispatchRequest struct {
	WaveSize int    `json:"wave_size,omitempty"`
	Shift    string `json:"shift,omitempty"`
}

// Wave is one wave sent: its tier and number, the invitations, and how
// many eligible volunteers are left to invite. Done says no wave is left
// (the slots are filled or the tiers ran out).
type Wave struct {
	Need        string                 `json:"need"`
	Shift       string                 `json:"shift,omitempty"`
	Tier        string                 `json:"tier,omitempty"`
	Wave        int                    `json:"wave,omitempty"`
	Invitations []*volmatch.Invitation `json:"invitations"`
	Remaining   int                    `json:"remaining"`
	Done        bool                   `json:"done"`
}

// Dispatch sends the next wave of emergency need id.
func (e *Engine) Dispatch(ctx context.Context, tok *volmatch.Token, id string, req DispatchRequest) (Wave, error) {
	if w, _, ok, err := e.dispatchTeams(ctx, tok, id, req, true); ok || err != nil { // team_dispatch.go
		return w, err
	}
	n, plan, out, err := e.nextWave(ctx, tok, id, req)
	if err != nil || len(plan.Waves) == 0 {
		return out, err
	}
	return out, e.sendWave(ctx, n, plan, &out)
}

// nextWave plans the next wave of emergency need id: the need as planned
// (its begun shifts left out), the plan (no waves when none is left) and
// the answer when none is sent.
func (e *Engine) nextWave(ctx context.Context, tok *volmatch.Token, id string, req DispatchRequest) (*volmatch.Need, matcher.DispatchPlan, Wave, error) {
	var none matcher.DispatchPlan
	if req.WaveSize < 0 || req.WaveSize > MaxWaveSize {
		return nil, none, Wave{}, volmatch.FieldError("wave_size", "must be between 1 and %d, got %d", MaxWaveSize, req.WaveSize)
	}
	n, err := e.managedNeed(ctx, tok, id)
	if err != nil {
		return nil, none, Wave{}, err
	}
	if n.Urgency != volmatch.UrgencyEmergency {
		return nil, none, Wave{}, volmatch.FieldError("urgency", "dispatch is for emergency needs; need %s is %s", n.ID, n.Urgency)
	}
	if req.Shift != "" {
		if sh, ok := n.Shift(req.Shift); ok {
			if err := shiftBegun(n, sh, e.now()); err != nil {
				return nil, none, Wave{}, err
			}
		}
	}
	n = upcoming(n, e.now()) // no wave invites to work already begun
	out := Wave{Need: n.ID, Invitations: []*volmatch.Invitation{}, Done: true}
	if n.Status == volmatch.NeedOpen && len(matcher.OpenShifts(n, req.Shift)) == 0 && req.Shift == "" {
		return n, none, out, nil // every slot is filled
	}
	invited, last, err := e.dispatchState(ctx, n)
	if err != nil {
		return nil, none, Wave{}, err
	}
	// The busy gate is the grid's held slots, as for a ranking (match.go).
	plan, err := matcher.Dispatch(n, e.grid, e.scorer(), matcher.DispatchOptions{
		WaveSize: cmp0(req.WaveSize, DefaultWaveSize), Shift: req.Shift, Exclude: invited, FirstWave: last + 1,
	})
	if err != nil {
		return nil, none, out, err
	}
	return n, plan, out, nil
}

// WavePreview is the next wave of an emergency dispatch as it would be
// sent now, and its reach: how many it asks and how far they live.
type WavePreview struct {
	Need  string
	Shift string
	// Free is the shift's free slots; Done says no wave is left (the slots
	// are filled or the tiers ran out).
	Free int
	Done bool
	// Tier and Wave name the next wave; Volunteers are whom it asks,
	// nearest first.
	Tier       string
	Wave       int
	Volunteers []volmatch.Match
	// Teams, for a wave of standing emergency teams (Tier "team:street"
	// ...), are the teams it asks, best first (team_dispatch.go).
	Teams []volmatch.TeamMatch
	// NearestKm and FarthestKm are the distances of the nearest and the
	// farthest volunteer of the wave.
	NearestKm, FarthestKm float64
	// Eligible counts the eligible volunteers not yet asked, by tier;
	// Remaining is how many of them are left after this wave.
	Eligible  map[string]int
	Remaining int
}

// NextWave returns the next wave of emergency need id without sending it,
// under the same rules as Dispatch (which plans again when it sends: the
// wave sent may differ if volunteers or invitations changed meanwhile).
func (e *Engine) NextWave(ctx context.Context, tok *volmatch.Token, id string, req DispatchRequest) (WavePreview, error) {
	if w, tp, ok, err := e.dispatchTeams(ctx, tok, id, req, false); ok || err != nil { // team_dispatch.go
		p := WavePreview{Need: w.Need, Shift: w.Shift, Free: tp.Shift.Slots - tp.Shift.Filled, Done: w.Done, Tier: w.Tier, Wave: w.Wave, Teams: tp.Teams}
		return p, err
	}
	_, plan, out, err := e.nextWave(ctx, tok, id, req)
	if err != nil {
		return WavePreview{}, err
	}
	p := WavePreview{Need: out.Need, Shift: plan.Shift, Free: plan.Free, Done: len(plan.Waves) == 0, Eligible: plan.Eligible}
	for _, el := range plan.Eligible {
		p.Remaining += el
	}
	if p.Done {
		return p, nil
	}
	w := plan.Waves[0]
	p.Tier, p.Wave, p.Volunteers = w.Tier, w.Wave, w.Volunteers
	p.Remaining -= len(w.Volunteers)
	for i, mt := range w.Volunteers {
		if i == 0 || mt.DistanceKm < p.NearestKm {
			p.NearestKm = mt.DistanceKm
		}
		p.FarthestKm = max(p.FarthestKm, mt.DistanceKm)
	}
	return p, nil
}

// dispatchState returns the volunteers already invited to n and the number
// of the last dispatch wave.
func (e *Engine) dispatchState(ctx context.Context, n *volmatch.Need) (map[string]bool, int, error) {
	invited := map[string]bool{}
	last := 0
	f := volmatch.InvitationFilter{Need: n.ID, ListOptions: volmatch.ListOptions{Limit: MaxBatch}}
	for {
		page, next, err := e.store.Invitations(ctx, f)
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

// sendWave sends the first wave of plan with its dispatch.wave event, in
// one store write.
func (e *Engine) sendWave(ctx context.Context, n *volmatch.Need, plan matcher.DispatchPlan, out *Wave) error {
	w := plan.Waves[0]
	now := e.now()
	out.Shift, out.Tier, out.Wave, out.Done = plan.Shift, w.Tier, w.Wave, false
	for _, el := range plan.Eligible {
		out.Remaining += el
	}
	invs := make([]*volmatch.Invitation, len(w.Volunteers))
	for i, mt := range w.Volunteers {
		invs[i] = &volmatch.Invitation{ID: NewID("inv"), Need: n.ID, Shift: plan.Shift, Volunteer: mt.Volunteer, Org: n.Org,
			Status: volmatch.InviteSent, Rank: mt.Rank, Score: mt.Score, Wave: w.Wave, SentAt: now}
	}
	ev := volmatch.NeedEvent(volmatch.EventDispatchWave, n, now)
	ev.Shift, ev.Tier, ev.Wave, ev.Count = plan.Shift, w.Tier, w.Wave, len(invs)
	if err := e.store.CreateInvitations(ctx, invs, ev); err != nil {
		if volmatch.ErrorField(err) != "" { // invitations[k]: not a field of the request
			err = volmatch.Errorf(volmatch.ErrorCode(err), "wave %d was not sent: %s", w.Wave, volmatch.ErrorMessage(err))
		}
		return fmt.Errorf("engine: dispatch wave %d: %w", w.Wave, err)
	}
	out.Invitations = append(out.Invitations, invs...)
	out.Remaining -= len(out.Invitations)
	e.synced(ctx)
	return nil
}

// cmp0 returns v, or def when v is 0.
func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
