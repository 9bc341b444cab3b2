package main

import (
	"context"
	"fmt"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/matcher"
	"volmatch/scoring"
)

// storeModes adapts the matcher's service modes to api.Modes: candidates
// from the feature index, the default scorer, and holding assignments from
// the store. The menu's shift index is rebuilt from the store's open needs
// on every request (cheap at the scale of one city's open needs).
type storeModes struct {
	src matcher.Source
	sc  *scoring.Scorer
	tax *datasets.Taxonomy
	st  volmatch.Store
}

func newModes(src matcher.Source, tax *datasets.Taxonomy, st volmatch.Store) api.Modes {
	return storeModes{src: src, sc: scoring.NewScorer(tax, scoring.Options{Weights: scoring.DefaultWeights()}), tax: tax, st: st}
}

// openNeeds returns the store's open needs.
func openNeeds(ctx context.Context, st volmatch.Store) ([]*volmatch.Need, error) {
	var needs []*volmatch.Need
	err := st.EachNeed(ctx, func(n *volmatch.Need) error {
		if n.Status == volmatch.NeedOpen {
			needs = append(needs, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read needs: %w", err)
	}
	return needs, nil
}

func (m storeModes) Menu(ctx context.Context, v *volmatch.Volunteer, o api.MenuOptions) (matcher.ServiceMenu, error) {
	needs, err := openNeeds(ctx, m.st)
	if err != nil {
		return matcher.ServiceMenu{}, fmt.Errorf("menu of %s: %w", v.ID, err)
	}
	busy, err := holdingAssignments(ctx, m.st, v.ID)
	if err != nil {
		return matcher.ServiceMenu{}, fmt.Errorf("menu of %s: %w", v.ID, err)
	}
	return matcher.Menu(v, index.NewShiftsOf(needs, index.ShiftsOptions{}), m.sc, matcher.MenuOptions{
		K: o.K, Busy: busy, After: o.After, DomainOf: m.tax.DomainOf,
	}), nil
}

func (m storeModes) Plan(ctx context.Context, needs []*volmatch.Need, o api.PlanOptions) (matcher.Plan, error) {
	held, err := holdingAssignments(ctx, m.st, "")
	if err != nil {
		return matcher.Plan{}, fmt.Errorf("batch plan: %w", err)
	}
	return matcher.Assign(ctx, needs, m.src, m.sc, matcher.AssignOptions{
		MaxPerVolunteer: o.MaxPerVolunteer, FairnessStep: o.FairnessStep, Held: held,
	})
}

func (m storeModes) Dispatch(ctx context.Context, n *volmatch.Need, o api.DispatchOptions) (matcher.DispatchPlan, error) {
	var busyErr error
	busy := func(id string) []volmatch.Assignment {
		held, err := holdingAssignments(ctx, m.st, id)
		if err != nil {
			busyErr = err
		}
		return held
	}
	plan, err := matcher.Dispatch(n, m.src, m.sc, matcher.DispatchOptions{
		WaveSize: o.WaveSize, Shift: o.Shift, Exclude: o.Exclude, FirstWave: o.FirstWave, Busy: busy,
	})
	if err == nil && busyErr != nil {
		err = fmt.Errorf("dispatch need %s: %w", n.ID, busyErr)
	}
	return plan, err
}
