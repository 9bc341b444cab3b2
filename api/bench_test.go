package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
	"volmatch/datasets"
	"volmatch/engine"
	"volmatch/store/bolt"
)

// matchFixture is a loopback server over a demo-sized population: the
// real engine (its feature grid and the default scorer, a Bleve index) on a
// real bbolt file with fsync on commit (as served).
type matchFixture struct {
	srv    *httptest.Server
	secret string
	needs  []string
	st     *bolt.Store
}

func newMatchFixture(b *testing.B, vols, needs int) *matchFixture {
	b.Helper()
	ctx := context.Background()
	start := datasets.DefaultStart
	pop := datasets.Generate(datasets.GenOptions{Volunteers: vols, Needs: needs, Seed: 1, Start: start, Weeks: 2})
	st, err := bolt.Open(filepath.Join(b.TempDir(), bolt.FileName), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	for i := 0; i < len(pop.Volunteers); i += 5000 {
		if err := st.PutVolunteers(ctx, pop.Volunteers[i:min(i+5000, len(pop.Volunteers))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.PutNeeds(ctx, pop.Needs); err != nil {
		b.Fatal(err)
	}
	secret := volmatch.NewSecret()
	if err := st.CreateToken(ctx, &volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return start.Add(-time.Hour) }
	eng := startEngine(b, st, openText(b), engine.Options{Now: now})
	s := api.New(eng, api.Options{Rate: -1, Now: now})
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	f := &matchFixture{srv: srv, secret: secret, st: st}
	for _, n := range pop.Needs {
		f.needs = append(f.needs, n.ID)
	}
	return f
}

// get sends one matches request on client and fails unless it is 200.
func (f *matchFixture) get(b *testing.B, c *http.Client, need string) {
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/v1/needs/"+need+"/matches?k=10", nil)
	req.Header.Set("Authorization", "Bearer "+f.secret)
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("GET matches of %s = %d, want 200", need, resp.StatusCode)
	}
}

// reportLatency adds the p50 and p99 of lat (in ms) to the benchmark.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkMatches measures GET /v1/needs/{id}/matches?k=10 end to end on
// loopback: HTTP, auth, the need read, ranking over 20,000 volunteers, the
// match.shown events appended (group commit, fsync on) and the JSON answer.
// The requests cycle through the needs. "serial" is one client (latency and
// allocations per request); "clients=32" is 32 concurrent clients, as the
// load test (volmatch load) runs them, reporting requests per second.
// Allocations count the client's too (it runs in the same process).
func BenchmarkMatches(b *testing.B) {
	const vols = 20000
	f := newMatchFixture(b, vols, 400)
	// The matches of a need must not be empty, or the benchmark measures
	// nothing of the ranking and the event log.
	evs0, _ := f.st.Events(context.Background(), 0, 1<<20)
	for _, n := range f.needs[:20] {
		f.get(b, f.srv.Client(), n)
	}
	shown, _ := f.st.Events(context.Background(), evs0[len(evs0)-1].Seq, 100)
	if len(shown) == 0 || shown[0].Type != volmatch.EventMatchShown {
		b.Fatalf("20 listings appended %d events, want match.shown ones", len(shown))
	}
	b.Run(fmt.Sprintf("n=%d/serial", vols), func(b *testing.B) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer c.CloseIdleConnections()
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			f.get(b, c, f.needs[i%len(f.needs)])
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		reportLatency(b, lat)
	})
	b.Run(fmt.Sprintf("n=%d/clients=32", vols), func(b *testing.B) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		defer c.CloseIdleConnections()
		var mu sync.Mutex
		var lat []time.Duration
		var next int64
		var nmu sync.Mutex
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		b.ResetTimer()
		t0 := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				nmu.Lock()
				i := next
				next++
				nmu.Unlock()
				t := time.Now()
				f.get(b, c, f.needs[int(i)%len(f.needs)])
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		el := time.Since(t0)
		b.StopTimer()
		b.ReportMetric(float64(len(lat))/el.Seconds(), "req/s")
		reportLatency(b, lat)
	})
}
