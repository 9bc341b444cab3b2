package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/store/bolt"
)

// storeConfig says which store the CLI opens: the embedded bbolt file under
// DataDir, or (once store/redis exists) the Redis server at RedisURL.
type storeConfig struct {
	DataDir  string
	RedisURL string // empty: the embedded store
	// NoSync skips fsync on commit (bulk loads that can be redone).
	NoSync bool
}

// addStoreFlags registers the flags that choose the store (--data, and the
// place for --redis) on a command that opens one.
func addStoreFlags(cmd *cobra.Command, cfg *storeConfig) {
	cmd.Flags().StringVar(&cfg.DataDir, "data", "data", "data folder holding the store file "+bolt.FileName)
	addRedisFlag(cmd, cfg) // redis.go
}

// openStore opens the store under dataDir (creating dataDir), the one place
// the CLI chooses a store.
func openStore(ctx context.Context, dataDir string) (volmatch.Store, error) {
	return openStoreConfig(ctx, storeConfig{DataDir: dataDir})
}

// openStoreConfig opens the store cfg names and checks that it serves.
func openStoreConfig(ctx context.Context, cfg storeConfig) (volmatch.Store, error) {
	if cfg.RedisURL != "" {
		return openRedis(ctx, cfg) // redis.go
	}
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("open store: a data folder is required (--data DIR)")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("open store: create data folder: %w", err)
	}
	st, err := bolt.Open(filepath.Join(cfg.DataDir, bolt.FileName), bolt.Options{NoSync: cfg.NoSync})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := st.Ping(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}
