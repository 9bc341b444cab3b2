package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher/flow"
)

func init() { register(newAssignCmd) }

// assignFlags are the options of `volmatch assign`.
type assignFlags struct {
	store    storeConfig
	orlib    string
	format   string
	dimacs   string
	method   string
	needs    []string
	district string
	allOpen  bool
	maxPer   int
	fairness float64
	commit   bool
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
optimal cost on its last line as "cost N".`,
		Example: `  volmatch assign --data DIR --district 110105
  volmatch assign --data DIR --needs N000001,N000002 --max-per-volunteer 2 --commit
  volmatch assign --orlib assign400.txt
  volmatch assign --dimacs netgen_8_08a.min`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			switch {
			case f.orlib != "" && f.dimacs != "":
				return fmt.Errorf("assign: give --orlib or --dimacs, not both")
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
	fl.StringVar(&f.method, "method", "simplex", "solver for a dense --orlib instance: simplex (network simplex) or dense (Hungarian)")
	fl.StringSliceVar(&f.needs, "needs", nil, "plan these needs (comma-separated IDs)")
	fl.StringVar(&f.district, "district", "", "plan the open needs of this district (code)")
	fl.BoolVar(&f.allOpen, "all-open", false, "plan every open need")
	fl.IntVar(&f.maxPer, "max-per-volunteer", 1, "most shifts one volunteer takes in the plan")
	fl.Float64Var(&f.fairness, "fairness", 0, "score given up for each additional shift a volunteer takes")
	fl.BoolVar(&f.commit, "commit", false, "reserve every slot of the plan (all or nothing)")
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

// assignBatch plans (and with --commit reserves) a batch over the store.
func assignBatch(ctx context.Context, e *env, f assignFlags) error {
	_ = ctx
	_ = e
	_ = f
	return volmatch.Errorf(volmatch.EUNAVAILABLE, "assign: batch planning over the store is not built yet; use --orlib or --dimacs")
}
