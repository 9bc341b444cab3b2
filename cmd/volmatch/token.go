package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
)

func init() { register(newTokenCmd) }

// newTokenCmd is `volmatch token create`: it makes a bearer token, stores
// only its hash and prints the secret once.
func newTokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API bearer tokens",
	}
	var cfg storeConfig
	var role, org, vol, name string
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a bearer token and print its secret (shown only this once)",
		Example: `  volmatch token create --data DIR --role admin --name ops
  volmatch token create --data DIR --role social_worker --org ORG1
  volmatch token create --data DIR --role volunteer --volunteer V0001 --ttl 720h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret := volmatch.NewSecret()
			tok := &volmatch.Token{
				Hash: volmatch.HashToken(secret), Role: volmatch.Role(role),
				Org: org, Volunteer: vol, Name: name,
			}
			if ttl < 0 {
				return fmt.Errorf("token create: --ttl must not be negative, got %s", ttl)
			}
			if ttl > 0 {
				tok.CreatedAt = time.Now()
				tok.ExpiresAt = tok.CreatedAt.Add(ttl)
			}
			if err := tok.Validate(); err != nil {
				return fmt.Errorf("token create: %s", describe(err))
			}
			st, err := openStoreConfig(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.CreateToken(cmd.Context(), tok); err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			if err := st.Close(); err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			scope := ""
			switch {
			case org != "":
				scope = " for organisation " + org
			case vol != "":
				scope = " for volunteer " + vol
			}
			fmt.Fprintln(e.stdout, secret)
			if !tok.ExpiresAt.IsZero() {
				scope += ", expiring " + tok.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(e.stderr, "created a %s token%s; the secret above is shown only this once\n", role, scope)
			return nil
		},
	}
	addStoreFlags(create, &cfg)
	create.Flags().StringVar(&role, "role", "", "admin, social_worker, volunteer or planner")
	create.Flags().StringVar(&org, "org", "", "organisation a social_worker token is scoped to")
	create.Flags().StringVar(&vol, "volunteer", "", "volunteer a volunteer token is scoped to")
	create.Flags().StringVar(&name, "name", "", "a label for the token")
	create.Flags().DurationVar(&ttl, "ttl", 0, "how long the token works (e.g. 720h); 0 never expires")
	_ = create.MarkFlagRequired("role")
	cmd.AddCommand(create)
	return cmd
}

// describe renders an application error as "field: message" for the CLI.
func describe(err error) string {
	msg := volmatch.ErrorMessage(err)
	if f := volmatch.ErrorField(err); f != "" {
		msg = "--" + strings.ReplaceAll(f, "_", "-") + " " + msg
	}
	return msg
}
