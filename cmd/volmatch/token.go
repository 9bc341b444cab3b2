package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/engine"
	"volmatch/taxonomy"
)

func init() { register(newTokenCmd) }

// newTokenCmd is `volmatch token create|list|revoke`: it makes a bearer
// token, storing only its hash and printing the secret once; lists the
// tokens (never a secret); and revokes tokens by name or hash prefix.
func newTokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API bearer tokens",
	}
	cmd.AddCommand(newTokenCreateCmd(e), newTokenListCmd(e), newTokenRevokeCmd(e))
	return cmd
}

func newTokenCreateCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var role, org, vol, name, baseURL string
	var ttl time.Duration
	var signin, register bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a bearer token and print its secret (shown only this once)",
		Long: `Create a bearer token and print its secret (shown only this once).
A social_worker token is issued only for a registered organisation (volmatch
org create) and a volunteer token only for a stored volunteer.

With --signin it prints a one-time sign-in link for the web pages instead
(/web/signin?code=...): the code works once, for --ttl (default 24h, at most
168h), and starts a 12-hour session with the role and scope given.

With --register it prints a one-time volunteer registration link instead
(/web/register?code=...): the person who opens it signs up as a new
volunteer through the form and is signed in. volmatch has no SMS gateway,
so this link, handed to the person by whoever checked who they are, stands
in for verifying their phone. It works once, for --ttl (default 24h, at most
168h), and takes no --org or --volunteer.`,
		Example: `  volmatch token create --data DIR --role admin --name ops
  volmatch token create --data DIR --role social_worker --org ORG1
  volmatch token create --data DIR --role volunteer --volunteer V0001 --ttl 720h
  volmatch token create --data DIR --signin --role social_worker --org ORG1 --base-url https://volmatch.example
  volmatch token create --data DIR --register --name "建外街道 2026-12" --base-url https://volmatch.example`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ttl < 0 {
				return fmt.Errorf("token create: --ttl must not be negative, got %s", ttl)
			}
			if register {
				return issueRegistration(cmd, e, cfg, role, org, vol, name, ttl, baseURL, signin)
			}
			if role == "" {
				return fmt.Errorf(`required flag(s) "role" not set`)
			}
			if signin {
				return issueSignIn(cmd, e, cfg, volmatch.Token{Role: volmatch.Role(role), Org: org, Volunteer: vol, Name: name}, ttl, baseURL)
			}
			secret := volmatch.NewSecret()
			tok := &volmatch.Token{Role: volmatch.Role(role), Org: org, Volunteer: vol, Name: name}
			// The form first, so that a bad flag is told without a store.
			probe := *tok
			probe.Hash = volmatch.HashToken(secret)
			if err := probe.Validate(); err != nil {
				return fmt.Errorf("token create: %s", describe(err))
			}
			err := withEngine(cmd.Context(), cfg, func(eng *engine.Engine) error {
				return eng.CreateToken(cmd.Context(), secret, tok, ttl)
			})
			if volmatch.ErrorCode(err) == volmatch.EINVALID {
				return fmt.Errorf("token create: %s", describe(err))
			} else if err != nil {
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
			fmt.Fprintf(e.stderr, "created a %s token%s (hash %s); the secret above is shown only this once\n", role, scope, shortHash(tok.Hash))
			return nil
		},
	}
	addStoreFlags(create, &cfg)
	create.Flags().StringVar(&role, "role", "", "admin, social_worker, volunteer or planner")
	create.Flags().StringVar(&org, "org", "", "registered organisation a social_worker token is scoped to")
	create.Flags().StringVar(&vol, "volunteer", "", "stored volunteer a volunteer token is scoped to")
	create.Flags().StringVar(&name, "name", "", "a label for the token (to list and revoke it by)")
	create.Flags().DurationVar(&ttl, "ttl", 0, "how long the token works (e.g. 720h); 0 never expires (with --signin: 24h)")
	create.Flags().BoolVar(&signin, "signin", false, "print a one-time sign-in link for the web pages instead of a bearer token")
	create.Flags().BoolVar(&register, "register", false, "print a one-time volunteer registration link for the web sign-up instead")
	create.Flags().StringVar(&baseURL, "base-url", "http://localhost:8080", "with --signin or --register: the address the server is reached at")
	return create
}

// issueRegistration issues a one-time volunteer registration code as the
// admin the CLI acts for and prints its link. A registration makes a new
// volunteer: it takes no role but volunteer and no scope.
func issueRegistration(cmd *cobra.Command, e *env, cfg storeConfig, role, org, vol, name string, ttl time.Duration, baseURL string, signin bool) error {
	switch {
	case signin:
		return fmt.Errorf("token create: give --register or --signin, not both")
	case role != "" && role != string(volmatch.RoleVolunteer):
		return fmt.Errorf("token create --register: a registration link is for a new volunteer; leave out --role %s", role)
	case org != "" || vol != "":
		return fmt.Errorf("token create --register: a registration link makes a new volunteer; leave out --org and --volunteer")
	}
	var code string
	var tok *volmatch.Token
	err := withEngine(cmd.Context(), cfg, func(eng *engine.Engine) (err error) {
		code, tok, err = eng.IssueRegistration(cmd.Context(), &volmatch.Token{Role: volmatch.RoleAdmin}, name, ttl)
		return err
	})
	if volmatch.ErrorCode(err) == volmatch.EINVALID {
		return fmt.Errorf("token create --register: %s", describe(err))
	} else if err != nil {
		return fmt.Errorf("token create --register: %w", err)
	}
	fmt.Fprintln(e.stdout, registerLink(baseURL, code))
	fmt.Fprintf(e.stderr, "issued a one-time volunteer registration link, working until %s; it is shown only this once\n",
		tok.ExpiresAt.Format(time.RFC3339))
	return nil
}

// registerLink is the web sign-up address of a registration code.
func registerLink(baseURL, code string) string {
	return strings.TrimRight(baseURL, "/") + "/web/register?code=" + url.QueryEscape(code)
}

// issueSignIn issues a one-time sign-in code as the admin the CLI acts
// for and prints its link.
func issueSignIn(cmd *cobra.Command, e *env, cfg storeConfig, spec volmatch.Token, ttl time.Duration, baseURL string) error {
	var code string
	var tok *volmatch.Token
	err := withEngine(cmd.Context(), cfg, func(eng *engine.Engine) (err error) {
		code, tok, err = eng.IssueSignIn(cmd.Context(), &volmatch.Token{Role: volmatch.RoleAdmin}, spec, ttl)
		return err
	})
	if volmatch.ErrorCode(err) == volmatch.EINVALID {
		return fmt.Errorf("token create --signin: %s", describe(err))
	} else if err != nil {
		return fmt.Errorf("token create --signin: %w", err)
	}
	fmt.Fprintln(e.stdout, signInLink(baseURL, code))
	fmt.Fprintf(e.stderr, "issued a one-time %s sign-in link%s, working until %s; it is shown only this once\n",
		spec.Role, prefixed(" for ", scopeOf(tok)), tok.ExpiresAt.Format(time.RFC3339))
	return nil
}

// signInLink is the web sign-in address of a code.
func signInLink(baseURL, code string) string {
	return strings.TrimRight(baseURL, "/") + "/web/signin?code=" + url.QueryEscape(code)
}

func newTokenListCmd(e *env) *cobra.Command {
	var cfg storeConfig
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tokens: hash prefix, role, scope, name, times (never a secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var toks []*volmatch.Token
			err := withEngine(cmd.Context(), cfg, func(eng *engine.Engine) (err error) {
				toks, err = eng.Tokens(cmd.Context())
				return err
			})
			if err != nil {
				return fmt.Errorf("token list: %w", err)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HASH\tROLE\tSCOPE\tNAME\tCREATED\tEXPIRES")
			for _, t := range toks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortHash(t.Hash), t.Role, orDash(scopeOf(t)),
					orDash(t.Name), fmtWhen(t.CreatedAt), fmtWhen(t.ExpiresAt))
			}
			return tw.Flush()
		},
	}
	addStoreFlags(list, &cfg)
	return list
}

func newTokenRevokeCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var all bool
	revoke := &cobra.Command{
		Use:   "revoke NAME|HASH-PREFIX",
		Short: "Revoke tokens by name or by the first 8 or more hex digits of the hash (see token list)",
		Long: `Revoke tokens by name or by the first 8 or more hex digits of the hash (see
token list), and print what was revoked. A name that several tokens share is
refused unless --all is given. A running server stops accepting a token
revoked here within its token cache time (30 s).`,
		Example: `  volmatch token revoke --data DIR ops
  volmatch token revoke --data DIR 3f9a2c1b`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var revoked []*volmatch.Token
			err := withEngine(ctx, cfg, func(eng *engine.Engine) error {
				toks, err := eng.FindTokens(ctx, args[0])
				if err != nil {
					return err
				}
				if len(toks) > 1 && !all {
					return volmatch.Errorf(volmatch.ECONFLICT, "%q names %d tokens; give a hash prefix (volmatch token list) or --all", args[0], len(toks))
				}
				for _, t := range toks {
					if err := eng.RevokeToken(ctx, t.Hash); err != nil {
						return err
					}
					revoked = append(revoked, t)
				}
				return nil
			})
			for _, t := range revoked {
				fmt.Fprintf(e.stdout, "revoked %s token %s%s%s\n", t.Role, shortHash(t.Hash), prefixed(" ", scopeOf(t)), prefixed(" named ", t.Name))
			}
			if err != nil {
				if c := volmatch.ErrorCode(err); c == volmatch.ENOTFOUND || c == volmatch.ECONFLICT || c == volmatch.EINVALID {
					return fmt.Errorf("token revoke: %s", volmatch.ErrorMessage(err))
				}
				return fmt.Errorf("token revoke: %w", err)
			}
			return nil
		},
	}
	addStoreFlags(revoke, &cfg)
	revoke.Flags().BoolVar(&all, "all", false, "revoke every token the name matches")
	return revoke
}

// withEngine opens the store cfg names and runs fn with an engine over it
// (without the indexes: the record flows only), closing the store after.
func withEngine(ctx context.Context, cfg storeConfig, fn func(*engine.Engine) error) error {
	return withEngineAt(ctx, cfg, time.Time{}, fn)
}

// withEngineAt is withEngine whose engine's clock reads at (when not zero):
// a plan "as of" a date.
func withEngineAt(ctx context.Context, cfg storeConfig, at time.Time, fn func(*engine.Engine) error) error {
	st, err := openStoreConfig(ctx, cfg)
	if err != nil {
		return err
	}
	o := engine.Options{}
	if !at.IsZero() {
		o.Now = func() time.Time { return at }
	}
	err = fn(engine.New(st, nil, taxonomy.Load(), o))
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// shownHash is how many hex digits of a token's hash the CLI shows: enough
// to name it in token revoke, not the secret (which the store never holds).
const shownHash = 12

func shortHash(h string) string { return h[:min(len(h), shownHash)] }

func scopeOf(t *volmatch.Token) string {
	switch {
	case t.Kind == volmatch.KindRegister:
		return "registration" // a one-time code for a new volunteer
	case t.Org != "":
		return "org:" + t.Org
	case t.Volunteer != "":
		return "volunteer:" + t.Volunteer
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(volmatch.Beijing).Format(time.DateTime)
}

// describe renders an application error as "field: message" for the CLI.
func describe(err error) string {
	msg := volmatch.ErrorMessage(err)
	if f := volmatch.ErrorField(err); f != "" {
		msg = "--" + strings.ReplaceAll(f, "_", "-") + " " + msg
	}
	return msg
}
