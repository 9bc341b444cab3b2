package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/matcher"
	"volmatch/matcher/grid"
	"volmatch/scoring"
	"volmatch/taxonomy"
)

func init() { register(newMatchCmd) }

// newMatchCmd is `volmatch match NEED_ID`: the ranked volunteers for a need
// with the breakdown of each score and the exclusions per gate.
func newMatchCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var k int
	var shift string
	cmd := &cobra.Command{
		Use:   "match NEED_ID",
		Short: "Rank volunteers for a need (推荐志愿者), with score breakdowns and exclusions per gate",
		Long: `Match reads the need and every volunteer from the store, builds the feature
index, and ranks the volunteers who pass every hard gate (skill, certificate,
training, insurance, language, distance, availability, busy) by the weighted
soft scores. Names are masked. The exclusion counts say how many volunteers
each gate excluded (each counted under the first gate they fail on the first
open shift).`,
		Example: `  volmatch match --data data N000001
  volmatch match --data data N000001 -k 20 --shift s2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if k < 1 || k > 1000 {
				return fmt.Errorf("match: -k must be between 1 and 1000, got %d", k)
			}
			st, err := openStoreConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := st.Need(ctx, args[0])
			if err != nil {
				return fmt.Errorf("match: need %s: %s", args[0], describe(err))
			}
			if shift != "" {
				if _, ok := n.Shift(shift); !ok {
					return fmt.Errorf("match: need %s has no shift %q", n.ID, shift)
				}
			}
			var vs []*volmatch.Volunteer
			if err := st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error { vs = append(vs, v); return nil }); err != nil {
				return fmt.Errorf("match: read volunteers: %w", err)
			}
			held, err := st.HeldSlots(ctx)
			if err != nil {
				return fmt.Errorf("match: read held slots: %w", err)
			}
			sc := scoring.NewScorer(taxonomy.Load(), scoring.Options{})
			feats := grid.NewFeatures(vs)
			feats.LoadHeld(held) // the busy gate, as a replica's index keeps it
			r := matcher.Rank(n, feats, sc, matcher.RankOptions{K: k, Shift: shift})
			names := map[string]string{}
			for _, m := range r.Matches {
				names[m.Volunteer] = ""
			}
			for _, v := range vs {
				if _, ok := names[v.ID]; ok {
					names[v.ID] = volmatch.MaskName(v.Name)
				}
			}
			printRanking(e.stdout, n, r, names)
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().IntVarP(&k, "k", "k", matcher.DefaultK, "number of volunteers to list")
	cmd.Flags().StringVar(&shift, "shift", "", "rank for this shift only (default: every open shift)")
	return cmd
}

// printRanking writes the ranking as a table: rank, volunteer, masked name,
// score, distance, shift and each component's contribution; then the
// exclusions per gate and the counts.
// names maps the matched volunteers' IDs to their masked names.
func printRanking(w io.Writer, n *volmatch.Need, r matcher.Ranking, names map[string]string) {
	fmt.Fprintf(w, "需求 need %s  %s\n", n.ID, n.Title)
	fmt.Fprintf(w, "domain %s · radius %.1f km · %d shifts (%d open) · requires %s\n\n",
		n.Domain, n.RadiusKm, len(n.Shifts), len(matcher.OpenShifts(n, "")), requirements(n.Requires))
	if len(r.Matches) == 0 {
		fmt.Fprintln(w, "no eligible volunteer (无符合条件的志愿者)")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := []string{"rank", "volunteer", "name", "score", "km", "shift"}
		head = append(head, scoring.Names()...)
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, m := range r.Matches {
			row := []string{fmt.Sprint(m.Rank), m.Volunteer, names[m.Volunteer], fmt.Sprintf("%.3f", m.Score),
				fmt.Sprintf("%.1f", m.DistanceKm), m.Shift}
			for _, c := range m.Breakdown {
				row = append(row, fmt.Sprintf("%.3f", c.Contribution()))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
		fmt.Fprintf(w, "(columns after shift: contribution = value × weight; the score is their sum)\n")
	}
	fmt.Fprintf(w, "\n排除 excluded by gate:")
	some := false
	for _, g := range scoring.Gates() {
		if c := r.Exclusions[g]; c > 0 {
			fmt.Fprintf(w, " %s %d", g, c)
			some = true
		}
	}
	if !some {
		fmt.Fprint(w, " none")
	}
	fmt.Fprintf(w, "\nconsidered %d volunteers: %d eligible, %d excluded (the index passed %d to the scorer)\n",
		r.Considered, r.Eligible, r.Considered-r.Eligible, r.Scanned)
}

func requirements(q volmatch.Requirements) string {
	var parts []string
	for _, s := range q.Skills {
		parts = append(parts, fmt.Sprintf("%s≥%d", s.Skill, s.Level))
	}
	for _, c := range q.Certificates {
		parts = append(parts, "certificate:"+c)
	}
	for _, t := range q.Trainings {
		parts = append(parts, "training:"+t)
	}
	if q.Insurance {
		parts = append(parts, "insurance")
	}
	if len(q.Languages) > 0 {
		parts = append(parts, "language:"+strings.Join(q.Languages, "|"))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
