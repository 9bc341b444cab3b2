package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/datasets"
)

func init() { register(newGenCmd) }

// newGenCmd is `volmatch gen`: it writes a synthetic Beijing population as
// four JSONL files.
func newGenCmd(e *env) *cobra.Command {
	var (
		o     datasets.GenOptions
		start string
		out   string
	)
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate a synthetic Beijing population (volunteers, needs, pools, stations) as JSONL",
		Example: `  volmatch gen --volunteers 20000 --needs 500 --seed 1 --out data/pop
  volmatch gen --volunteers 200000 --needs 5000 --weeks 8 --start 2026-11-02 --out big`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Volunteers < 0 || o.Needs < 0 || o.Weeks < 0 {
				return fmt.Errorf("gen: --volunteers, --needs and --weeks must not be negative")
			}
			if o.Weeks > 52 {
				return fmt.Errorf("gen: --weeks must be at most 52")
			}
			if start != "" {
				t, err := time.ParseInLocation(time.DateOnly, start, volmatch.Beijing)
				if err != nil {
					if t, err = time.Parse(time.RFC3339, start); err != nil {
						return fmt.Errorf("gen: --start must be a date (2026-11-02) or an RFC 3339 time")
					}
				}
				o.Start = t
			}
			p := datasets.Generate(o)
			if err := datasets.WriteDir(out, p); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			fmt.Fprintf(e.stdout, "wrote %d volunteers, %d needs, %d pools, %d stations to %s\n",
				len(p.Volunteers), len(p.Needs), len(p.Pools), len(p.Stations), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Volunteers, "volunteers", 1000, "number of volunteers")
	f.IntVar(&o.Needs, "needs", 100, "number of needs")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same files")
	f.IntVar(&o.Weeks, "weeks", 4, "weeks the needs' shifts span")
	f.StringVar(&start, "start", "", "first day of the period (default Monday 2026-11-02, Beijing time)")
	f.StringVar(&out, "out", "", "folder to write volunteers.jsonl, needs.jsonl, pools.jsonl, stations.jsonl")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
