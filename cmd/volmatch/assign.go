package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/matcher"
	"volmatch/matcher/flow"
)

func init() { register(newAssignCmd) }

// assignFlags are the options of `volmatch assign`.
type assignFlags struct {
	store    storeConfig
	orlib    string
	format   string
	dimacs   string
	instance string
	limit    time.Duration
	method   string
	needs    []string
	district string
	allOpen  bool
	maxPer   int
	fairness float64
	commit   bool
	at       string
}

// newAssignCmd is `volmatch assign`: a batch plan over the store's open
// needs (集中服务), or a standard instance solved to its optimum.
func newAssignCmd(e *env) *cobra.Command {
	var f assignFlags
	cmd := &cobra.Command{
		Use:   "assign",
		Short: "Assign volunteers to many shifts at once (min-cost flow), or solve an OR-Library/DIMACS instance",
		Long: `assign plans a batch assignment of volunteers to the open shifts of needs
(集中服务): the plan that maximises the total match score, with at most one
shift per volunteer at a time, a per-volunteer cap and fairness costs. With
--commit every slot of the plan is reserved through the store, all or nothing.

With --orlib FILE or --dimacs FILE it solves a standard instance instead
(OR-Library assignment, dense or sparse; DIMACS "p min") and prints the
optimal cost on its last line as "cost N".

With --instance FILE it solves a batch instance in the JSON format of the
shared overlap instances (volunteers, shifts with times and slots, eligible
pairs with integer gains, max per volunteer, fairness step) to its proven
optimum, or within --time-limit to the best plan found and its proven gap,
and prints "bound B" and, on its last line, "objective N" (integers, in the
instance's units).`,
		Example: `  volmatch assign --data DIR --district 110105
  volmatch assign --data DIR --needs N000001,N000002 --max-per-volunteer 2 --commit
  volmatch assign --orlib assign400.txt
  volmatch assign --dimacs netgen_8_08a.min
  volmatch assign --instance overlap_123.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			files := 0
			for _, name := range []string{f.orlib, f.dimacs, f.instance} {
				if name != "" {
					files++
				}
			}
			switch {
			case files > 1:
				return fmt.Errorf("assign: give one of --orlib, --dimacs or --instance")
			case f.instance != "":
				return solveInstance(ctx, e, f)
			case f.orlib != "":
				return solveORLib(ctx, e, f)
			case f.dimacs != "":
				return solveDIMACS(ctx, e, f)
			}
			return assignBatch(ctx, e, f)
		},
	}
	fl := cmd.Flags()
	addStoreFlags(cmd, &f.store)
	fl.StringVar(&f.orlib, "orlib", "", "solve an OR-Library assignment instance (FILE)")
	fl.StringVar(&f.format, "format", "", "layout of the --orlib file: dense or sparse (default: detect)")
	fl.StringVar(&f.dimacs, "dimacs", "", "solve a DIMACS min-cost flow instance (FILE)")
	fl.StringVar(&f.instance, "instance", "", "solve a JSON batch instance with overlapping shifts (FILE)")
	fl.DurationVar(&f.limit, "time-limit", 0, "with --instance: stop the search for the optimum after this long and print the proven gap (0: none)")
	fl.StringVar(&f.method, "method", "simplex", "solver for a dense --orlib instance: simplex (network simplex) or dense (Hungarian)")
	fl.StringSliceVar(&f.needs, "needs", nil, "plan these needs (comma-separated IDs)")
	fl.StringVar(&f.district, "district", "", "plan the open needs of this district (code)")
	fl.BoolVar(&f.allOpen, "all-open", false, "plan every open need")
	fl.IntVar(&f.maxPer, "max-per-volunteer", 1, "most shifts one volunteer takes in the plan")
	fl.Float64Var(&f.fairness, "fairness", 0, "score given up for each additional shift a volunteer takes")
	fl.BoolVar(&f.commit, "commit", false, "reserve every slot of the plan (all or nothing)")
	fl.StringVar(&f.at, "at", "", "plan as of this date (Beijing, 2006-01-02; default now): shifts begun by then are left out")
	return cmd
}

func solveORLib(ctx context.Context, e *env, f assignFlags) error {
	r, err := os.Open(f.orlib)
	if err != nil {
		return fmt.Errorf("assign: %w", err)
	}
	defer r.Close()
	inst, err := datasets.ReadORLib(r, datasets.ORLibFormat(f.format))
	if err != nil {
		return fmt.Errorf("assign: %s: %s", f.orlib, describe(err))
	}
	fmt.Fprintf(e.stdout, "instance %s: OR-Library %s assignment, n = %d, %d allowed pairs\n", f.orlib, inst.Format, inst.N, len(inst.Arcs))
	start := time.Now()
	var cost int64
	switch f.method {
	case "simplex":
		res, err := flow.Solve(ctx, inst.Graph())
		if err != nil {
			return fmt.Errorf("assign: %s: %s", f.orlib, describe(err))
		}
		cost = res.Cost
		fmt.Fprintf(e.stdout, "solver network simplex: %d pivots in %v\n", res.Pivots, time.Since(start).Round(time.Microsecond))
	case "dense":
		m := inst.Dense()
		if m == nil {
			return fmt.Errorf("assign: --method dense needs a dense instance; %s is sparse", f.orlib)
		}
		_, total, err := flow.AssignDense(ctx, m)
		if err != nil {
			return fmt.Errorf("assign: %s: %s", f.orlib, describe(err))
		}
		cost = total
		fmt.Fprintf(e.stdout, "solver dense Hungarian: %v\n", time.Since(start).Round(time.Microsecond))
	default:
		return fmt.Errorf("assign: --method must be simplex or dense, got %q", f.method)
	}
	fmt.Fprintf(e.stdout, "cost %d\n", cost)
	return nil
}

func solveDIMACS(ctx context.Context, e *env, f assignFlags) error {
	r, err := os.Open(f.dimacs)
	if err != nil {
		return fmt.Errorf("assign: %w", err)
	}
	defer r.Close()
	inst, err := datasets.ReadDIMACS(r)
	if err != nil {
		return fmt.Errorf("assign: %s: %s", f.dimacs, describe(err))
	}
	fmt.Fprintf(e.stdout, "instance %s: DIMACS min-cost flow, %d nodes, %d arcs\n", f.dimacs, inst.Nodes, len(inst.Arcs))
	start := time.Now()
	res, err := flow.Solve(ctx, inst.Graph())
	if err != nil {
		return fmt.Errorf("assign: %s: %s", f.dimacs, describe(err))
	}
	fmt.Fprintf(e.stdout, "solver network simplex: %d pivots in %v\n", res.Pivots, time.Since(start).Round(time.Microsecond))
	fmt.Fprintf(e.stdout, "cost %d\n", res.Cost)
	return nil
}

// solveInstance solves a JSON batch instance (--instance) with
// matcher.SolveInstance and prints its size, the proven bound and, last,
// the objective.
func solveInstance(ctx context.Context, e *env, f assignFlags) error {
	r, err := os.Open(f.instance)
	if err != nil {
		return fmt.Errorf("assign: %w", err)
	}
	defer r.Close()
	bi, err := datasets.ReadBatchInstance(r)
	if err != nil {
		return fmt.Errorf("assign: %s: %s", f.instance, describeFileField(err))
	}
	if f.limit < 0 {
		return fmt.Errorf("assign: --time-limit must not be negative, got %v", f.limit)
	}
	in := bi.Instance
	fmt.Fprintf(e.stdout, "instance %s: %d volunteers, %d shifts, %d pairs, max %d per volunteer, fairness step %d\n",
		f.instance, len(in.Volunteers), len(in.Shifts), len(in.Pairs), in.MaxPerVolunteer, in.FairnessStep)
	start := time.Now()
	plan, err := matcher.SolveInstance(ctx, in, matcher.AssignOptions{TimeLimit: f.limit})
	if err != nil {
		return fmt.Errorf("assign: %s: %s", f.instance, describe(err))
	}
	took := time.Since(start)
	status := "proven optimal"
	if !plan.Exact {
		status = fmt.Sprintf("time limit reached, proven gap %d (%.4f%%)", int64(plan.Gap), 100*plan.Gap/max(plan.Bound, 1))
	}
	fmt.Fprintf(e.stdout, "solver branch and bound over the flow: %d nodes, %d flows, %d pivots in %v; %s\n",
		plan.Nodes, plan.Solves, plan.Pivots, took.Round(time.Millisecond), status)
	fmt.Fprintf(e.stdout, "placements %d, slots unfilled %d\n", len(plan.Placements), plan.Unfilled)
	if bi.Optimum != nil {
		fmt.Fprintf(e.stdout, "optimum given in the file %d\n", *bi.Optimum)
	}
	fmt.Fprintf(e.stdout, "bound %d\n", int64(plan.Bound))
	fmt.Fprintf(e.stdout, "objective %d\n", int64(plan.Objective))
	return nil
}

// describeFileField is err as "field: message", the field being a path in
// the file read (describe names flags instead).
func describeFileField(err error) string {
	if f := volmatch.ErrorField(err); f != "" {
		return f + ": " + volmatch.ErrorMessage(err)
	}
	return volmatch.ErrorMessage(err)
}

// assignBatch plans (and with --commit reserves) a batch over the store
// through the engine's batch flow (engine.Batch, as an admin): the same
// plan, over the same masked homes, as POST /v1/batch gives.
func assignBatch(ctx context.Context, e *env, f assignFlags) error {
	picks := 0
	for _, b := range []bool{len(f.needs) > 0, f.district != "", f.allOpen} {
		if b {
			picks++
		}
	}
	if picks != 1 {
		return fmt.Errorf("assign: choose the needs with one of --needs, --district or --all-open (or solve a file with --orlib/--dimacs)")
	}
	if f.maxPer < 1 {
		return fmt.Errorf("assign: --max-per-volunteer must be at least 1, got %d", f.maxPer)
	}
	var at time.Time
	if f.at != "" {
		t, err := time.ParseInLocation("2006-01-02", f.at, volmatch.Beijing)
		if err != nil {
			return fmt.Errorf("assign: --at wants a date 2006-01-02, got %q", f.at)
		}
		at = t
	}
	dry := !f.commit
	req := engine.BatchRequest{Needs: f.needs, District: f.district, AllOpen: f.allOpen,
		MaxPerVolunteer: f.maxPer, FairnessStep: f.fairness, DryRun: &dry}
	var b engine.Batch
	var took time.Duration
	err := withEngineAt(ctx, f.store, at, func(eng *engine.Engine) (err error) {
		if err := eng.Start(ctx); err != nil {
			return err
		}
		start := time.Now()
		if b, err = eng.Batch(ctx, operator, req); err != nil {
			return err
		}
		took = time.Since(start)
		if b.Job != nil { // a commit of more than one store write: wait for it
			eng.WaitJobs()
			b.Job, err = eng.Job(ctx, operator, b.Job.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("assign: %s", describe(err))
	}
	printPlan(e.stdout, b.Plan, took)
	switch {
	case b.DryRun:
		fmt.Fprintln(e.stdout, "dry run: nothing reserved (add --commit to reserve every slot)")
	case b.Job != nil:
		fmt.Fprintf(e.stdout, "reserved %d slots (job %s: %s)\n", b.Job.Committed, b.Job.ID, b.Job.Status)
	default:
		fmt.Fprintf(e.stdout, "reserved %d slots\n", len(b.Assignments))
	}
	return nil
}

// printPlan writes a batch plan: its needs, shifts and totals.
func printPlan(w io.Writer, plan matcher.Plan, took time.Duration) {
	slots := 0
	needs := map[string]bool{}
	for _, s := range plan.Shifts {
		slots += s.Free
		needs[s.Need] = true
	}
	fmt.Fprintf(w, "needs %d, shifts %d, free slots %d, volunteers eligible %d, eligible pairs %d\n",
		len(needs), len(plan.Shifts), slots, plan.Volunteers, plan.Eligible)
	for _, s := range plan.Shifts {
		fmt.Fprintf(w, "  %s/%s  %s  %d of %d free slots planned\n", s.Need, s.Shift,
			s.Start.In(volmatch.Beijing).Format("2006-01-02 15:04"), s.Planned, s.Free)
	}
	exact := "proven optimum"
	if !plan.Exact {
		exact = fmt.Sprintf("time limit reached: bound %.4f, proven gap %.4f", plan.Bound, plan.Gap)
	}
	fmt.Fprintf(w, "planned %d placements, %d slots unfilled, total score %.4f, objective %.4f (%s) in %v\n",
		len(plan.Placements), plan.Unfilled, plan.Total, plan.Objective, exact, took.Round(time.Millisecond))
}
