package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"volmatch/datasets"
)

func init() { register(newImportCmd) }

// newImportCmd is `volmatch import`: it validates every file first and
// writes to the store only when all of them are clean.
func newImportCmd(e *env) *cobra.Command {
	var cfg storeConfig
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import volunteers, needs, pools and stations from JSONL or CSV files",
		Long: `Import reads every file, decides its kind from the start of its name
(volunteers*, needs*, pools*, stations*) and its format from the extension
(.jsonl, .csv; pools and stations are JSONL only), and validates every row.
If any row of any file is bad, each is printed as FILE:ROW: FIELD: REASON and
nothing is written. Otherwise the records are written (created or replaced),
one transaction per kind: stations, pools, volunteers, needs.`,
		Example: `  volmatch import --data data pop/volunteers.jsonl pop/needs.jsonl pop/pools.jsonl pop/stations.jsonl
  volmatch import --data data volunteers-chaoyang.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			tax := datasets.LoadTaxonomy()
			var all datasets.Batch
			bad := 0
			for _, f := range files {
				b, err := datasets.ReadFile(f, tax.Has)
				var ie *datasets.ImportError
				switch {
				case errors.As(err, &ie):
					for _, r := range ie.Rows {
						fmt.Fprintln(e.stderr, r.String())
					}
					bad += len(ie.Rows)
					continue
				case err != nil:
					return fmt.Errorf("import: %w", err)
				}
				all.Add(b)
			}
			if bad > 0 {
				return fmt.Errorf("import: %d bad rows; nothing written", bad)
			}
			if err := crossFileDuplicates(&all); err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStoreConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(all.Stations) > 0 {
				if err := st.PutStations(ctx, all.Stations); err != nil {
					return fmt.Errorf("import: stations: %w", err)
				}
			}
			if len(all.Pools) > 0 {
				if err := st.PutPools(ctx, all.Pools); err != nil {
					return fmt.Errorf("import: pools: %w", err)
				}
			}
			if len(all.Volunteers) > 0 {
				if err := st.PutVolunteers(ctx, all.Volunteers); err != nil {
					return fmt.Errorf("import: volunteers: %w", err)
				}
			}
			if len(all.Needs) > 0 {
				if err := st.PutNeeds(ctx, all.Needs); err != nil {
					return fmt.Errorf("import: needs: %w", err)
				}
			}
			if err := st.Close(); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			fmt.Fprintf(e.stdout, "imported %d volunteers, %d needs, %d pools, %d stations\n",
				len(all.Volunteers), len(all.Needs), len(all.Pools), len(all.Stations))
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	return cmd
}

// crossFileDuplicates rejects an ID given twice across the files of a
// kind (within one file ReadFile already does).
func crossFileDuplicates(b *datasets.Batch) error {
	check := func(kind string, ids []string) error {
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return fmt.Errorf("import: %s id %q is in more than one file; nothing written", kind, id)
			}
			seen[id] = true
		}
		return nil
	}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	for _, c := range []struct {
		kind string
		ids  []string
	}{
		{"volunteer", ids(len(b.Volunteers), func(i int) string { return b.Volunteers[i].ID })},
		{"need", ids(len(b.Needs), func(i int) string { return b.Needs[i].ID })},
		{"pool", ids(len(b.Pools), func(i int) string { return b.Pools[i].ID })},
		{"station", ids(len(b.Stations), func(i int) string { return b.Stations[i].ID })},
	} {
		if err := check(c.kind, c.ids); err != nil {
			return err
		}
	}
	return nil
}
