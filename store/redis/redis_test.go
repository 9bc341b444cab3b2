package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/store/storetest"
)

var namespaces atomic.Int64

// open returns a fresh store on srv: a new namespace (hash tag) per call,
// so every subtest starts empty without flushing the server.
func open(t *testing.T, srv *redistest.Server) *redis.Store {
	t.Helper()
	ns := fmt.Sprintf("t%d", namespaces.Add(1))
	st, err := redis.Open(context.Background(), srv.URL(0), redis.Options{Namespace: ns, Now: storetest.Now})
	if err != nil {
		t.Fatalf("Open(%s) = %v", srv.URL(0), err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T) volmatch.Store { return open(t, srv) })
}
