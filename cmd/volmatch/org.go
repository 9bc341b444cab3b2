package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/engine"
)

func init() { register(newOrgCmd) }

// operator is the caller the CLI acts as: whoever runs it holds the store.
var operator = &volmatch.Token{Role: volmatch.RoleAdmin, Name: "cli"}

// newOrgCmd is `volmatch org create|list`: the registered organisations,
// for which social_worker tokens are issued.
func newOrgCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Manage the registered organisations (social worker tokens are scoped to one)",
	}
	var cfg storeConfig
	var o volmatch.Organisation
	create := &cobra.Command{
		Use:     "create",
		Short:   "Register an organisation",
		Example: `  volmatch org create --data DIR --id ORG1 --name 朝阳区某社区 --district 110105`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := withEngine(cmd.Context(), cfg, func(eng *engine.Engine) error {
				return eng.CreateOrganisation(cmd.Context(), operator, &o)
			})
			switch volmatch.ErrorCode(err) {
			case "":
			case volmatch.EINVALID:
				return fmt.Errorf("org create: %s", describe(err))
			case volmatch.ECONFLICT:
				return fmt.Errorf("org create: %s", volmatch.ErrorMessage(err))
			default:
				return fmt.Errorf("org create: %w", err)
			}
			fmt.Fprintf(e.stdout, "registered organisation %s (%s)\n", o.ID, o.Name)
			return nil
		},
	}
	addStoreFlags(create, &cfg)
	create.Flags().StringVar(&o.ID, "id", "", "the organisation's ID (letters, digits, '-', '_', '.')")
	create.Flags().StringVar(&o.Name, "name", "", "its name")
	create.Flags().StringVar(&o.District, "district", "", "its district code (110105)")
	_ = create.MarkFlagRequired("id")
	_ = create.MarkFlagRequired("name")

	var lcfg storeConfig
	list := &cobra.Command{
		Use:   "list",
		Short: "List the registered organisations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDISTRICT\tCREATED")
			err := withEngine(cmd.Context(), lcfg, func(eng *engine.Engine) error {
				after := ""
				for {
					page, next, err := eng.Organisations(cmd.Context(), operator, volmatch.ListOptions{After: after, Limit: 1000})
					if err != nil {
						return err
					}
					for _, o := range page {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, orDash(o.District), fmtWhen(o.CreatedAt))
					}
					if next == "" {
						return nil
					}
					after = next
				}
			})
			if err != nil {
				return fmt.Errorf("org list: %w", err)
			}
			return tw.Flush()
		},
	}
	addStoreFlags(list, &lcfg)
	cmd.AddCommand(create, list)
	return cmd
}
