package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/certpdf"
	"volmatch/engine"
	"volmatch/taxonomy"
)

// volmatch certificate: issue a volunteer's service certificate (志愿服务记录
// 证明) as a PDF, verify one by its code, print the public key. The CLI
// holds the store, so it acts as an admin.

func init() { register(newCertificateCmd) }

func newCertificateCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "certificate", Short: "Service certificates: issue, verify, print the public key"}
	cmd.AddCommand(newCertIssueCmd(e), newCertVerifyCmd(e), newCertKeyCmd(e))
	return cmd
}

// withCertEngine runs fn with an engine over the store of cfg that signs
// with the deployment's certificate key (certkey.go).
func withCertEngine(ctx context.Context, cfg storeConfig, co certOptions, fn func(*engine.Engine) error) error {
	path, named := certKeyPath(co.KeyFile, cfg.DataDir)
	key, _, err := loadCertKey(path, named)
	if err != nil {
		return err
	}
	trusted, err := loadTrust(co.Trust)
	if err != nil {
		return err
	}
	st, err := openStoreConfig(ctx, cfg)
	if err != nil {
		return err
	}
	err = fn(engine.New(st, nil, taxonomy.Load(), engine.Options{
		Certificates: engine.CertificateOptions{Key: key, Issuer: co.Issuer, BaseURL: co.PublicURL},
		Exchange:     engine.ExchangeOptions{Trusted: trusted}}))
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

func newCertIssueCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var co certOptions
	var vol, org, from, to, out string
	cmd := &cobra.Command{
		Use:   "issue",
		Short: "Issue a volunteer's certificate of a period and write it as a PDF",
		Long: `Issue signs the volunteer's record of the period (Beijing dates, both
included; --org for one organisation's services) and writes the PDF to --out.
Issued again unchanged, it writes the newest certificate of the same record; a
record corrected since gets a new certificate, and the old one verifies as
superseded.`,
		Example: `  volmatch certificate issue --data DIR --volunteer V0001 --from 2026-01-01 --to 2026-06-30 --out cert.pdf --public-url https://volmatch.example`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("certificate issue: --out is required")
			}
			return withCertEngine(cmd.Context(), cfg, co, func(eng *engine.Engine) error {
				c, err := eng.IssueCertificate(cmd.Context(), operator, engine.RecordRequest{Volunteer: vol, Org: org, From: from, To: to})
				if err != nil {
					return fmt.Errorf("certificate issue: %w", err)
				}
				code := c.Record.Code
				url := eng.VerifyURL(code, "http://localhost:8080")
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return fmt.Errorf("certificate issue: %w", err)
				}
				if err := certpdf.Render(f, &c.Record, engine.FormatCode(code), url); err != nil {
					f.Close()
					return fmt.Errorf("certificate issue: %w", err)
				}
				if err := f.Close(); err != nil {
					return fmt.Errorf("certificate issue: %w", err)
				}
				state := "issued"
				if !c.New {
					state = "unchanged, the newest certificate"
				}
				fmt.Fprintf(e.stdout, "certificate %s (%s): %d services, %g hours; %s\nverify at %s\n",
					engine.FormatCode(code), state, len(c.Record.Services), c.Record.TotalHours, out, url)
				return nil
			})
		},
	}
	addStoreFlags(cmd, &cfg)
	addCertFlags(cmd, &co)
	cmd.Flags().StringVar(&vol, "volunteer", "", "the unified volunteer number (required)")
	cmd.Flags().StringVar(&org, "org", "", "only this organisation's services, issued in its name")
	cmd.Flags().StringVar(&from, "from", "", "first date, 2006-01-02 (required)")
	cmd.Flags().StringVar(&to, "to", time.Now().In(volmatch.Beijing).Format(time.DateOnly), "last date, not after today")
	cmd.Flags().StringVar(&out, "out", "", "the PDF file to write (required)")
	return cmd
}

func newCertVerifyCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var co certOptions
	cmd := &cobra.Command{
		Use:     "verify CODE",
		Short:   "Verify a certificate by its code: genuine, superseded or invalid (exit 1 unless genuine)",
		Example: `  volmatch certificate verify --data DIR ABCD-EFGH-IJKL-MNOP-QRST-UVWX`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCertEngine(cmd.Context(), cfg, co, func(eng *engine.Engine) error {
				v, err := eng.VerifyCertificate(cmd.Context(), args[0])
				if err != nil {
					return fmt.Errorf("certificate verify: %w", err)
				}
				b, _ := json.MarshalIndent(v, "", "  ")
				fmt.Fprintln(e.stdout, string(b))
				if v.Status != engine.CertGenuine {
					return fmt.Errorf("certificate verify: the certificate is %s", v.Status)
				}
				return nil
			})
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().StringVar(&co.KeyFile, "cert-key", "", "the key file (as for serve)")
	return cmd
}

func newCertKeyCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var co certOptions
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Print the public key that verifies this deployment's certificates (JSON)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCertEngine(cmd.Context(), cfg, co, func(eng *engine.Engine) error {
				k, err := eng.CertificateKey()
				if err != nil {
					return err
				}
				b, _ := json.MarshalIndent(k, "", "  ")
				fmt.Fprintln(e.stdout, string(b))
				return nil
			})
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().StringVar(&co.KeyFile, "cert-key", "", "the key file (as for serve)")
	return cmd
}
