package redis_test

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/store/storetest"
)

// TestClusterConformance runs the conformance suite through the Redis
// Cluster client against a one-node cluster: every script and every
// read transaction must keep to one slot.
func TestClusterConformance(t *testing.T) {
	srv := redistest.StartCluster(t)
	storetest.Run(t, func(t *testing.T) volmatch.Store {
		ns := fmt.Sprintf("c%d", namespaces.Add(1))
		st, err := redis.Open(context.Background(), srv.ClusterURL()+"?namespace="+ns, redis.Options{Now: storetest.Now})
		if err != nil {
			t.Fatalf("Open(%s) = %v", srv.ClusterURL(), err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
