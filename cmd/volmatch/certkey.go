package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// CertKeyEnv names the environment variable that gives the path of the
// certificate signing key file when --cert-key is not set.
const CertKeyEnv = "VOLMATCH_CERT_KEY"

// certKeyName is the key file's name in the data folder when neither
// --cert-key nor VOLMATCH_CERT_KEY names one.
const certKeyName = "certificate.key"

// certKeyPath returns the key file to use and whether it was named (a
// named file must exist; the default one is made on first use).
func certKeyPath(flag, dataDir string) (string, bool) {
	if flag != "" {
		return flag, true
	}
	if p := os.Getenv(CertKeyEnv); p != "" {
		return p, true
	}
	return filepath.Join(dataDir, certKeyName), false
}

// loadCertKey reads the Ed25519 signing key of service certificates from
// path: its 32-byte seed in hex (64 characters, a final newline allowed).
// A default path that does not exist yet gets a fresh key, written with
// mode 0600 and never overwritten (O_EXCL); a named path must exist.
func loadCertKey(path string, named bool) (ed25519.PrivateKey, bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return createCertKey(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("certificate key %s: want %d bytes in hex (64 characters)", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), false, nil
}

// createCertKey writes a fresh key to path and returns it (true: made).
func createCertKey(path string) (ed25519.PrivateKey, bool, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadCertKey(path, true) // another process made it first
	}
	if err != nil {
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(seed) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("certificate key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), true, nil
}

// addCertFlags registers the service certificates' flags.
func addCertFlags(cmd *cobra.Command, o *certOptions) {
	cmd.Flags().StringVar(&o.KeyFile, "cert-key", "", "file of the Ed25519 key that signs service certificates (its seed in hex); default "+
		CertKeyEnv+", else DATA/"+certKeyName+", made on first use (replicas must share one)")
	cmd.Flags().StringVar(&o.Issuer, "issuer", "", `the deployment's name on certificates it issues for every organisation (default "volmatch 志愿服务平台")`)
	cmd.Flags().StringVar(&o.PublicURL, "public-url", "", "the public address (https://host) that certificates' QR codes point to; default: the address a request came to")
	addTrustFlag(cmd, o) // exchange.go
}
