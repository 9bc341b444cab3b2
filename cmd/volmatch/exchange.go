package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/engine"
)

// volmatch exchange export|import: the 京津冀 exchange of a volunteer's
// signed records (docs/exchange.md). Export signs with the certificate
// key; import accepts files of the deployments whose public keys
// --exchange-trust names (each file as `volmatch certificate key` prints
// it). The CLI holds the store, so it acts as an admin.

func init() { register(newExchangeCmd) }

// maxExchangeFile bounds a file read for import.
const maxExchangeFile = 32 << 20

func newExchangeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "exchange", Short: "京津冀 exchange: export a volunteer's signed records, import another deployment's"}
	cmd.AddCommand(newExchangeExportCmd(e), newExchangeImportCmd(e))
	return cmd
}

// addTrustFlag registers --exchange-trust.
func addTrustFlag(cmd *cobra.Command, o *certOptions) {
	cmd.Flags().StringArrayVar(&o.Trust, "exchange-trust", nil,
		"FILE of a deployment's public key, as 'volmatch certificate key' prints it, whose exchange files are imported; repeat for more")
}

// loadTrust reads the trusted deployments' public keys.
func loadTrust(files []string) ([]engine.TrustedIssuer, error) {
	var out []engine.TrustedIssuer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("exchange trust: %w", err)
		}
		var k engine.PublicKey
		if err := json.Unmarshal(b, &k); err != nil {
			return nil, fmt.Errorf("exchange trust %s: not a public key as `volmatch certificate key` prints it: %v", f, err)
		}
		if k.Algorithm != "Ed25519" || len(k.PublicKey) != ed25519.PublicKeySize || k.Issuer == "" {
			return nil, fmt.Errorf("exchange trust %s: want an Ed25519 key of %d bytes with its issuer", f, ed25519.PublicKeySize)
		}
		if k.KeyID != "" && k.KeyID != engine.KeyID(k.PublicKey) {
			return nil, fmt.Errorf("exchange trust %s: key_id %s does not match the key", f, k.KeyID)
		}
		out = append(out, engine.TrustedIssuer{Name: k.Issuer, PublicKey: k.PublicKey})
	}
	return out, nil
}

func newExchangeExportCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var co certOptions
	var vol, out string
	cmd := &cobra.Command{
		Use:     "export",
		Short:   "Write a volunteer's signed exchange file (identity and the services recorded here)",
		Example: `  volmatch exchange export --data DIR --volunteer BJ00000001 --out BJ00000001.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f *volmatch.ExchangeFile
			err := withCertEngine(cmd.Context(), cfg, co, func(eng *engine.Engine) (err error) {
				f, err = eng.ExportRecords(cmd.Context(), operator, vol)
				return err
			})
			if err != nil {
				return incentiveErr("exchange export", err)
			}
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(b, '\n'), 0o600); err != nil {
				return fmt.Errorf("exchange export: %w", err)
			}
			var x volmatch.ExchangeRecords
			_ = json.Unmarshal(f.Payload, &x)
			fmt.Fprintf(e.stdout, "exported %s: %d services, %d certificates, signed by %s (key %s) to %s\n",
				vol, len(x.Services), len(x.Certificates), x.Issuer, f.KeyID, out)
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	addCertFlags(cmd, &co)
	cmd.Flags().StringVar(&vol, "volunteer", "", "the unified volunteer number")
	cmd.Flags().StringVar(&out, "out", "", "the file to write (mode 0600: it names the volunteer)")
	_ = cmd.MarkFlagRequired("volunteer")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newExchangeImportCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var co certOptions
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import other deployments' signed exchange files (each service once, marked with its source)",
		Example: `  volmatch certificate key --data tianjin-data > tianjin.key.json    # on the issuing deployment
  volmatch exchange import --data DIR --exchange-trust tianjin.key.json BJ00000001.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return withCertEngine(cmd.Context(), cfg, co, func(eng *engine.Engine) error {
				for _, name := range files {
					b, err := os.ReadFile(name)
					if err != nil {
						return fmt.Errorf("exchange import: %w", err)
					}
					if len(b) > maxExchangeFile {
						return fmt.Errorf("exchange import %s: larger than %d bytes", name, maxExchangeFile)
					}
					var f volmatch.ExchangeFile
					dec := json.NewDecoder(bytes.NewReader(b))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&f); err != nil {
						return fmt.Errorf("exchange import %s: not an exchange file: %v", name, err)
					}
					res, err := eng.ImportRecords(cmd.Context(), operator, &f)
					if err != nil {
						return incentiveErr("exchange import "+name, err)
					}
					fmt.Fprintf(e.stdout, "%s: %s from %s: %d services, %d added (%g h), %d already imported; now %d stars\n",
						name, res.Volunteer, res.Source, res.Services, res.Added, res.Hours, res.Duplicates, res.Stars)
				}
				return nil
			})
		},
	}
	addStoreFlags(cmd, &cfg)
	addCertFlags(cmd, &co)
	return cmd
}
