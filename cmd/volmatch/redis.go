package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/store/redis"
)

// addRedisFlag registers --redis, which puts the state in a shared Redis
// instead of the embedded file (the search index stays under --data).
func addRedisFlag(cmd *cobra.Command, cfg *storeConfig) {
	cmd.Flags().StringVar(&cfg.RedisURL, "redis", "",
		"shared store: redis://HOST:PORT/DB (rediss:// for TLS, redis+cluster://HOST:PORT?addr=HOST2:PORT2 for Redis Cluster); "+
			"the search index stays under --data, one folder per replica")
}

// openRedis opens the Redis store cfg names; an unreachable server is
// EUNAVAILABLE.
func openRedis(ctx context.Context, cfg storeConfig) (volmatch.Store, error) {
	st, err := redis.Open(ctx, cfg.RedisURL, redis.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}
