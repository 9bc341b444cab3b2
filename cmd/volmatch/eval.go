package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/evaluation"
	"volmatch/scoring"
)

func init() { register(newEvalCmd) }

// evalReport is what `volmatch eval --json` prints.
type evalReport struct {
	Summary evaluation.SummaryReport `json:"summary"`
	Fit     *fitReport               `json:"fit,omitempty"`
}

// newEvalCmd is `volmatch eval`: the full-process evaluation (全流程评估) of
// the event log in the store, and with --fit the weights learned from it.
func newEvalCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var from, to, district, domain, cut string
	var fit, asJSON bool
	var k, resamples int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate the event log: funnel, rates, hours, fairness, gaps, ranking quality (全流程评估)",
		Example: `  volmatch eval --data DIR
  volmatch eval --data DIR --from 2026-11-02 --to 2026-11-29 --district 110105
  volmatch eval --data DIR --fit --json
  volmatch eval --data DIR --fit --cut 2026-11-16 --resamples 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := evaluation.Filter{District: district, Domain: domain}
			var err error
			if f.From, err = parseDay(from, false); err != nil {
				return fmt.Errorf("eval: --from %w", err)
			}
			if f.To, err = parseDay(to, true); err != nil {
				return fmt.Errorf("eval: --to %w", err)
			}
			st, err := openStoreConfig(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			events, err := readEvents(cmd.Context(), st)
			if err != nil {
				return fmt.Errorf("eval: %w", err)
			}
			rep := evalReport{Summary: evaluation.Summary(events, f)}
			if k != evaluation.DefaultK {
				rep.Summary.Ranking = evaluation.Ranking(events, f, k)
			}
			if fit {
				fo := fitOptions{k: k, seed: seed, resamples: resamples}
				if fo.cut, err = parseDay(cut, false); err != nil {
					return fmt.Errorf("eval: --cut %w", err)
				}
				fr, err := runFit(selectEvents(events, f), fo)
				if err != nil {
					return fmt.Errorf("eval: --fit: %w", err)
				}
				rep.Fit = fr
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printSummary(e.stdout, rep.Summary, len(events))
			if rep.Fit != nil {
				printFit(e.stdout, rep.Fit)
			}
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD, Beijing time) or an RFC 3339 time")
	cmd.Flags().StringVar(&to, "to", "", "last day, included (YYYY-MM-DD, Beijing time) or an RFC 3339 end time, excluded")
	cmd.Flags().StringVar(&district, "district", "", "district code, e.g. 110105")
	cmd.Flags().StringVar(&domain, "domain", "", "domain or service key, e.g. elderly_care")
	cmd.Flags().BoolVar(&fit, "fit", false, "fit weights to the outcomes and compare them with the defaults by replay")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().IntVar(&k, "k", evaluation.DefaultK, "cut-off of precision@k, NDCG@k and the replay")
	cmd.Flags().StringVar(&cut, "cut", "", "with --fit, the time split's cut (YYYY-MM-DD, Beijing time, or RFC 3339): train before, test after (default: 30% of the listings after it)")
	cmd.Flags().IntVar(&resamples, "resamples", 1000, "with --fit, bootstrap resamples of the needs for the confidence interval")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "with --fit, the seed of the held-out draws and the bootstrap")
	return cmd
}

// parseDay reads a day in Beijing time (the start of the day, or the start
// of the next one when end is set, so that --to names the last day
// included) or an RFC 3339 time; "" gives the zero time.
func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, volmatch.Beijing); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t, nil
}

// readEvents reads the whole event log in pages.
func readEvents(ctx context.Context, log volmatch.EventLog) ([]volmatch.Event, error) {
	var all []volmatch.Event
	var after uint64
	for {
		page, err := log.Events(ctx, after, 10000)
		if err != nil {
			return nil, fmt.Errorf("read events after %d: %w", after, err)
		}
		if len(page) == 0 {
			return all, nil
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// selectEvents keeps the events that pass f's attributes and, when the
// window is set, the listings shown in it with every outcome event (the
// outcomes of a listing may follow the window).
func selectEvents(events []volmatch.Event, f evaluation.Filter) []volmatch.Event {
	var out []volmatch.Event
	for i := range events {
		ev := &events[i]
		if !f.Matches(ev) {
			continue
		}
		if ev.Type == volmatch.EventMatchShown && !f.InWindow(ev.At) {
			continue
		}
		out = append(out, *ev)
	}
	return out
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// printSummary writes the readable report.
func printSummary(w io.Writer, s evaluation.SummaryReport, n int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	scope := []string{}
	if !s.Filter.From.IsZero() {
		scope = append(scope, "from "+s.Filter.From.In(volmatch.Beijing).Format("2006-01-02 15:04"))
	}
	if !s.Filter.To.IsZero() {
		scope = append(scope, "to "+s.Filter.To.In(volmatch.Beijing).Format("2006-01-02 15:04")+" (excluded)")
	}
	if s.Filter.District != "" {
		scope = append(scope, "district "+s.Filter.District)
	}
	if s.Filter.Domain != "" {
		scope = append(scope, "domain "+s.Filter.Domain)
	}
	if len(scope) == 0 {
		scope = append(scope, "whole log")
	}
	fmt.Fprintf(tw, "全流程评估 Full-process evaluation — %s; %d events read\n", strings.Join(scope, ", "), n)

	fmt.Fprintf(tw, "\n供需漏斗 Funnel (needs posted in the period)\n")
	fmt.Fprintf(tw, "  step\tneeds\tconversion\tdrop\n")
	for _, st := range s.Funnel.Needs {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\n", st.Label, st.Count, pct(st.Conversion), st.Drop)
	}
	fmt.Fprintf(tw, "  actions in the period\tcount\tconversion\tdrop\n")
	for _, st := range s.Funnel.Actions {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\n", st.Label, st.Count, pct(st.Conversion), st.Drop)
	}
	d := s.Funnel.TimeToFirstMatch
	fmt.Fprintf(tw, "  首次匹配用时 time to first match\tmedian %.1f h\tp90 %.1f h\t%d needs, %d pending\n", d.MedianHours, d.P90Hours, d.Count, d.Pending)
	d = s.Funnel.TimeToFill
	fmt.Fprintf(tw, "  满员用时 time to fill\tmedian %.1f h\tp90 %.1f h\t%d needs, %d pending\n", d.MedianHours, d.P90Hours, d.Count, d.Pending)

	r := s.Rates
	fmt.Fprintf(tw, "\n服务指标 Rates\n")
	fmt.Fprintf(tw, "  岗位满足率 fill rate\t%s\t%d of %d slots\n", pct(r.FillRate), r.SlotsFilled, r.SlotsAsked)
	fmt.Fprintf(tw, "  邀请接受率 acceptance\t%s\t%d accepted, %d declined, %d expired\n", pct(r.AcceptanceRate), r.InvitesAccepted, r.InvitesDeclined, r.InvitesExpired)
	fmt.Fprintf(tw, "  完成率 completion\t%s\tof %d resolved assignments\n", pct(r.CompletionRate), r.Resolved)
	fmt.Fprintf(tw, "  爽约率 no-show\t%s\t%d\n", pct(r.NoShowRate), r.NoShows)
	fmt.Fprintf(tw, "  取消率 cancellation\t%s\t%d\n", pct(r.CancellationRate), r.Cancelled)
	sat := r.Satisfaction
	fmt.Fprintf(tw, "  满意度 satisfaction\t%.2f / 5\t%d ratings; 1★–5★: %v\n", sat.Mean, sat.Ratings, sat.Distribution)

	h := s.Hours
	fmt.Fprintf(tw, "\n服务时长 Hours\n")
	fmt.Fprintf(tw, "  服务总时长 hours delivered\t%.1f h\n", h.Hours)
	fmt.Fprintf(tw, "  活跃志愿者 active volunteers\t%d\t%.1f h each\n", h.ActiveVolunteers, h.HoursPerVolunteer)
	fmt.Fprintf(tw, "  星级 stars 0–5\t%v\n", h.Stars)

	fr := s.Fairness
	fmt.Fprintf(tw, "\n公平性 Fairness\n")
	fmt.Fprintf(tw, "  基尼系数 Gini of hours\t%.3f\n", fr.Gini)
	fmt.Fprintf(tw, "  前10%%志愿者时长占比 top 10%% share\t%s\n", pct(fr.TopDecileShare))

	labels := map[string]string{}
	for _, b := range s.Gaps.Buckets {
		labels[b.Key] = b.Label
	}
	fmt.Fprintf(tw, "\n供需缺口 Top gaps (unfilled slots)\n")
	fmt.Fprintf(tw, "  district\tdomain\ttime of week\tunfilled\tslots\tfill\teligible/need\n")
	for i, c := range s.Gaps.Cells {
		if i == 10 || c.Unfilled == 0 {
			break
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%s\t%.1f\n", c.District, c.Domain, labels[c.TimeOfWeek], c.Unfilled, c.Slots, pct(c.FillRate), c.EligibleMean)
	}
	fmt.Fprintf(tw, "  按区 by district\tslots\tunfilled\tfill\n")
	for _, g := range s.Gaps.Districts {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", g.District, g.Slots, g.Unfilled, pct(g.FillRate))
	}

	rk := s.Ranking
	fmt.Fprintf(tw, "\n推荐质量 Ranking quality (k = %d, %d listings, %d judged)\n", rk.K, rk.Listings, rk.Judged)
	fmt.Fprintf(tw, "  precision@k\t%.3f\n  NDCG@k\t%.3f\n  MRR\t%.3f\n", rk.PrecisionAtK, rk.NDCGAtK, rk.MRR)
	fmt.Fprintf(tw, "  覆盖率 coverage\t%s\t%d of %d active volunteers shown (%s in the top k)\n", pct(rk.Coverage), rk.ShownVolunteers, rk.ActiveVolunteers, pct(rk.CoverageAtK))
	fmt.Fprintf(tw, "  按位置接受率 acceptance by rank\trank\tshown\taccepted\trate\n")
	for _, p := range rk.ByPosition {
		if p.Rank > 10 || p.Shown == 0 {
			continue
		}
		fmt.Fprintf(tw, "  \t%d\t%d\t%d\t%s\n", p.Rank, p.Shown, p.Accepted, pct(p.AcceptRate))
	}

	fmt.Fprintf(tw, "\n每周趋势 Weekly\n  week\tposted\tfilled\tcompleted\thours\tmean rating\n")
	for _, wk := range s.Weekly {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%.1f\t%.2f\n", wk.Week, wk.Posted, wk.Filled, wk.Completed, wk.Hours, wk.MeanRating)
	}
}

// fitReport is the --fit part of the report: the fit on a random share of
// the listings and its held-out replay (kept for comparison), and the
// honest judgements (issue 18): by time and by need, each with the
// bootstrap interval over needs of the NDCG@k difference.
type fitReport struct {
	Fit           scoring.FitResult    `json:"fit"`
	ReplayDefault scoring.ReplayReport `json:"replay_default"`
	ReplayFitted  scoring.ReplayReport `json:"replay_fitted"`
	// Judged holds one judgement per split: time, need, page.
	Judged []scoring.Judgement `json:"judged"`
}

// fitOptions are the --fit flags.
type fitOptions struct {
	k, resamples int
	seed         uint64
	cut          time.Time
}

// runFit fits weights to the outcomes in events (30% held out) and judges
// them against the default weights by replay on the held-out listings, for
// each split.
func runFit(events []volmatch.Event, o fitOptions) (*fitReport, error) {
	var rep fitReport
	co := scoring.CompareOptions{K: o.k, Resamples: o.resamples, Seed: o.seed}
	for _, sp := range scoring.Splits() {
		fo := scoring.FitOptions{Seed: o.seed, Split: sp}
		if sp == scoring.SplitTime {
			fo.Cut = o.cut
		}
		j, err := scoring.Judge(events, fo, co)
		if err != nil {
			return nil, fmt.Errorf("%s split: %s", sp, describe(err))
		}
		rep.Judged = append(rep.Judged, j)
		if sp == scoring.SplitPage {
			held := map[string]bool{}
			for _, b := range j.Fit.HeldOutBatches {
				held[b] = true
			}
			keep := func(b string) bool { return held[b] }
			rep.Fit = j.Fit
			rep.ReplayDefault = scoring.ReplayBatches(events, j.Fit.Default, o.k, keep)
			rep.ReplayFitted = scoring.ReplayBatches(events, j.Fit.Weights, o.k, keep)
		}
	}
	return &rep, nil
}

// printFit writes the fitted weights beside the defaults, the held-out
// comparison and the judgement of each split.
func printFit(w io.Writer, f *fitReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	r := f.Fit
	fmt.Fprintf(tw, "\n权重学习 Weights fitted to outcomes (%d training, %d held-out samples; %d held-out listings drawn at random)\n",
		r.Train.Samples, r.HeldOut.Samples, len(r.HeldOutBatches))
	fmt.Fprintf(tw, "  component\tdefault\tfitted\tcoefficient\n")
	dv, fv := r.Default.Vector(), r.Weights.Vector()
	for i, n := range r.Names {
		fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%+.3f\n", n, dv[i], fv[i], r.Model.Coef[i])
	}
	fmt.Fprintf(tw, "  held-out\tlog-loss\tAUC\n")
	fmt.Fprintf(tw, "  默认权重 default\t%.4f\t%.4f\n", r.DefaultHeldOut.LogLoss, r.DefaultHeldOut.AUC)
	fmt.Fprintf(tw, "  学习权重 fitted\t%.4f\t%.4f\n", r.HeldOut.LogLoss, r.HeldOut.AUC)
	fmt.Fprintf(tw, "  回放 replay (held-out listings)\tNDCG@%d\tMRR\tlistings\n", f.ReplayDefault.K)
	fmt.Fprintf(tw, "  默认权重 default\t%.4f\t%.4f\t%d\n", f.ReplayDefault.NDCGAtK, f.ReplayDefault.MRR, f.ReplayDefault.Listings)
	fmt.Fprintf(tw, "  学习权重 fitted\t%.4f\t%.4f\t%d\n", f.ReplayFitted.NDCGAtK, f.ReplayFitted.MRR, f.ReplayFitted.Listings)
	if len(f.Judged) == 0 {
		return
	}
	c0 := f.Judged[0].Replay
	fmt.Fprintf(tw, "\n公正评估 Held-out judgement: NDCG@%d fitted − default, %.0f%% interval from %d bootstrap resamples of the needs (seed %d)\n",
		c0.K, 100*c0.Level, c0.Resamples, c0.Seed)
	fmt.Fprintf(tw, "  split\ttrain listings/needs\theld-out listings/needs\tneeds on both sides\tdefault\tfitted\tdifference\tinterval\tverdict\n")
	for _, j := range f.Judged {
		name := string(j.Fit.Split)
		switch j.Fit.Split {
		case scoring.SplitTime:
			name = "time (cut " + j.Fit.Cut.In(volmatch.Beijing).Format("2006-01-02 15:04") + ")"
		case scoring.SplitPage:
			name = "page (random listings)"
		}
		c := j.Replay
		fmt.Fprintf(tw, "  %s\t%d/%d\t%d/%d\t%d\t%.4f\t%.4f\t%+.4f\t[%+.4f, %+.4f]\t%s\n", name,
			j.Fit.TrainListings, j.Fit.TrainNeeds, j.Fit.HeldOutListings, j.Fit.HeldOutNeeds, j.Fit.SharedNeeds,
			c.Baseline, c.Fitted, c.Diff, c.Low, c.High, c.Verdict())
	}
}
