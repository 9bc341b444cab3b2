package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/engine"
	"volmatch/matcher"
	"volmatch/taxonomy"
)

func init() { register(newMenuCmd) }

// newMenuCmd is `volmatch menu VOLUNTEER_ID`: the volunteer's menu of open
// shifts (菜单式服务), grouped by category and day.
func newMenuCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var k, perDomain int
	var after string
	cmd := &cobra.Command{
		Use:   "menu VOLUNTEER_ID",
		Short: "Show a volunteer's menu of open shifts they can take, by category and day",
		Example: `  volmatch menu --data DIR V0000001
  volmatch menu --data DIR V0000001 -k 20 --after 2026-11-01`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var at time.Time // zero: the engine's now
			if after != "" {
				t, err := time.ParseInLocation("2006-01-02", after, volmatch.Beijing)
				if err != nil {
					return fmt.Errorf("menu: --after wants a date 2006-01-02, got %q", after)
				}
				at = t
			}
			var m matcher.ServiceMenu
			var tax *taxonomy.Taxonomy
			err := withEngine(ctx, cfg, func(eng *engine.Engine) (err error) {
				tax = eng.Taxonomy()
				m, err = eng.Menu(ctx, operator, args[0], engine.MenuOptions{K: k, PerDomain: perDomain, After: at})
				return err
			})
			if err != nil {
				return fmt.Errorf("menu: volunteer %s: %s", args[0], describe(err))
			}
			w := e.stdout
			fmt.Fprintf(w, "menu of %s: %d items of %d eligible open shifts\n", args[0], len(m.Items), m.Eligible)
			for _, g := range m.Groups {
				name := g.Category
				if s, ok := tax.Skill(g.Category); ok {
					name = s.Name + " (" + g.Category + ")"
				}
				fmt.Fprintf(w, "\n%s · %s\n", name, g.Day)
				for _, it := range g.Items {
					fmt.Fprintf(w, "  #%-3d %s–%s  %s  [%s/%s]  score %.3f  %.1f km\n", it.Rank,
						it.Start.In(volmatch.Beijing).Format("15:04"), it.End.In(volmatch.Beijing).Format("15:04"),
						it.Title, it.Need, it.Shift, it.Score, it.DistanceKm)
				}
			}
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().IntVarP(&k, "k", "k", matcher.DefaultMenuK, "items in the menu")
	cmd.Flags().IntVar(&perDomain, "per-domain", matcher.DefaultMenuPerDomain, "most items of one category")
	cmd.Flags().StringVar(&after, "after", "", "offer shifts starting after this date (Beijing, 2006-01-02; default now)")
	return cmd
}
