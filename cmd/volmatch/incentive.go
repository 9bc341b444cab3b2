package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/engine"
)

// volmatch incentive partner|offer|list: the partners and offers (礼遇) an
// admin keeps. The CLI holds the store, so it acts as an admin; a save
// creates the record or replaces the one with its ID (an offer keeps its
// count redeemed).

func init() { register(newIncentiveCmd) }

func newIncentiveCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "incentive", Short: "Incentives (礼遇): partners, their offers, what was redeemed"}
	cmd.AddCommand(newPartnerCmd(e), newOfferCmd(e), newOfferListCmd(e))
	return cmd
}

// saveOrReplace creates a record with save(""), or replaces it with
// save(id) when its ID exists.
func saveOrReplace(ctx context.Context, id string, exists func(ctx context.Context) error, save func(id string) error) error {
	err := exists(ctx)
	switch volmatch.ErrorCode(err) {
	case "":
		return save(id)
	case volmatch.ENOTFOUND:
		return save("")
	}
	return err
}

// incentiveErr words a refusal for the command line.
func incentiveErr(what string, err error) error {
	switch volmatch.ErrorCode(err) {
	case "":
		return nil
	case volmatch.EINVALID, volmatch.ECONFLICT, volmatch.ENOTFOUND:
		return fmt.Errorf("%s: %s", what, describe(err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func newPartnerCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var p volmatch.Partner
	cmd := &cobra.Command{
		Use:     "partner",
		Short:   "Register or replace a partner that gives offers",
		Example: `  volmatch incentive partner --data DIR --id museum --name 首都博物馆`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			err := withEngine(ctx, cfg, func(eng *engine.Engine) error {
				return saveOrReplace(ctx, p.ID, func(ctx context.Context) error { _, err := eng.Partner(ctx, operator, p.ID); return err },
					func(id string) error { return eng.SavePartner(ctx, operator, id, &p) })
			})
			if err != nil {
				return incentiveErr("incentive partner", err)
			}
			fmt.Fprintf(e.stdout, "saved partner %s (%s)\n", p.ID, p.Name)
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().StringVar(&p.ID, "id", "", "the partner's ID (letters, digits, '-', '_', '.')")
	cmd.Flags().StringVar(&p.Name, "name", "", "its name")
	cmd.Flags().StringVar(&p.Description, "description", "", "what it is, where")
	_ = cmd.MarkFlagRequired("id")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newOfferCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var o volmatch.Offer
	var from, to string
	cmd := &cobra.Command{
		Use:   "offer",
		Short: "Create or replace an offer: the star level or points it asks for, stock, limit, validity",
		Example: `  volmatch incentive offer --data DIR --id ticket --partner museum --title 特展门票 --min-stars 1 --points 50 --stock 200 --per-volunteer 1 --from 2026-12-01 --to 2027-01-01
  volmatch incentive offer --data DIR --id ticket --partner museum --title 特展门票 --points 50 --withdrawn   # close it`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			for _, d := range []struct {
				flag, v string
				into    *time.Time
			}{{"from", from, &o.ValidFrom}, {"to", to, &o.ValidTo}} {
				if d.v == "" {
					continue
				}
				t, err := time.ParseInLocation(time.DateOnly, d.v, volmatch.Beijing)
				if err != nil {
					return fmt.Errorf("incentive offer: --%s: must be a date such as 2026-12-01, got %q", d.flag, d.v)
				}
				*d.into = t
			}
			err := withEngine(ctx, cfg, func(eng *engine.Engine) error {
				return saveOrReplace(ctx, o.ID, func(ctx context.Context) error { _, err := eng.Offer(ctx, operator, o.ID); return err },
					func(id string) error { return eng.SaveOffer(ctx, operator, id, &o) })
			})
			if err != nil {
				return incentiveErr("incentive offer", err)
			}
			fmt.Fprintf(e.stdout, "saved offer %s of %s: %s (%d redeemed)\n", o.ID, o.Partner, o.Title, o.Redeemed)
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	f := cmd.Flags()
	f.StringVar(&o.ID, "id", "", "the offer's ID")
	f.StringVar(&o.Partner, "partner", "", "the partner's ID")
	f.StringVar(&o.Title, "title", "", "what it gives (Chinese), e.g. 特展门票")
	f.StringVar(&o.Description, "description", "", "details: where, when, how to use it")
	f.IntVar(&o.MinStars, "min-stars", 0, "the star level it asks for (0-5)")
	f.Int64Var(&o.Points, "points", 0, "the service points it costs (0: none)")
	f.IntVar(&o.Stock, "stock", 0, "how many in all (0: unlimited)")
	f.IntVar(&o.PerVolunteer, "per-volunteer", 0, "how many per volunteer (0: unlimited)")
	f.StringVar(&from, "from", "", "first day it may be redeemed (Beijing date)")
	f.StringVar(&to, "to", "", "the day it closes (Beijing date, not included)")
	f.BoolVar(&o.Withdrawn, "withdrawn", false, "withdraw it (no more redemptions)")
	for _, n := range []string{"id", "partner", "title"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newOfferListCmd(e *env) *cobra.Command {
	var cfg storeConfig
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the offers with what they ask for and how many were redeemed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARTNER\tTITLE\tSTARS\tPOINTS\tREDEEMED\tSTOCK\tPER VOLUNTEER\tOPEN")
			err := withEngine(ctx, cfg, func(eng *engine.Engine) error {
				f := volmatch.OfferFilter{ListOptions: volmatch.ListOptions{Limit: 1000}}
				now := time.Now()
				for {
					page, next, err := eng.Offers(ctx, operator, f)
					if err != nil {
						return err
					}
					for _, o := range page {
						open := "yes"
						switch {
						case o.Withdrawn:
							open = "withdrawn"
						case o.OpenAt(now) != nil && now.Before(o.ValidFrom):
							open = "from " + o.ValidFrom.In(volmatch.Beijing).Format(time.DateOnly)
						case o.OpenAt(now) != nil:
							open = "expired"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", o.ID, o.Partner, o.Title, o.MinStars, o.Points, o.Redeemed,
							unlimited(o.Stock), unlimited(o.PerVolunteer), open)
					}
					if next == "" {
						return nil
					}
					f.After = next
				}
			})
			if err != nil {
				return incentiveErr("incentive list", err)
			}
			return tw.Flush()
		},
	}
	addStoreFlags(cmd, &cfg)
	return cmd
}

func unlimited(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// seedDemoOffers registers the demo's partners and offers (礼遇), kept
// when they exist.
func seedDemoOffers(ctx context.Context, st volmatch.Store) error {
	keep := func(err error) error {
		if volmatch.ErrorCode(err) == volmatch.ECONFLICT {
			return nil
		}
		return err
	}
	for _, p := range []*volmatch.Partner{
		{ID: "museum", Name: "首都博物馆", Description: "复兴门外大街 16 号"},
		{ID: "transit", Name: "北京市政交通一卡通"},
		{ID: "parks", Name: "北京市公园管理中心"},
	} {
		if err := keep(st.CreatePartner(ctx, p)); err != nil {
			return fmt.Errorf("demo: partner %s: %w", p.ID, err)
		}
	}
	for _, o := range []*volmatch.Offer{
		{ID: "museum-exhibition", Partner: "museum", Title: "特展门票一张", Description: "凭兑换码在售票处领取", Points: 30, Stock: 200, PerVolunteer: 1},
		{ID: "transit-topup", Partner: "transit", Title: "一卡通充值 10 元", Points: 100, Stock: 1000, PerVolunteer: 2},
		{ID: "parks-pass", Partner: "parks", Title: "公园年票九折", Description: "三星及以上志愿者", MinStars: 3},
	} {
		if err := keep(st.CreateOffer(ctx, o)); err != nil {
			return fmt.Errorf("demo: offer %s: %w", o.ID, err)
		}
	}
	return nil
}
