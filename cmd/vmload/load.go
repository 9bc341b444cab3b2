package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"volmatch"
)

// loadReport is what a run measured.
type loadReport struct {
	Scenario string
	Clients  int
	Elapsed  time.Duration
	// Requests counts the measured requests, OK those answered with the
	// expected status.
	Requests, OK int
	// Errors counts the failed requests by status ("429", "500") or by
	// transport failure ("transport").
	Errors map[string]int
	// Latencies of the measured requests, sorted.
	Latencies []time.Duration
	// Exhausted tells that the accepts scenario used up its invitations
	// before the duration.
	Exhausted bool
	// CPUPids are the processes whose CPU time was measured (--cpu-pid),
	// CPU what each used over the measured period; CPUErr tells why a
	// reading failed.
	CPUPids []int
	CPU     []time.Duration
	CPUErr  error
	// SelfCPU is the CPU time this load generator used over the measured
	// period (0 when it could not be read): on a shared machine it is CPU
	// the server did not get.
	SelfCPU time.Duration
}

// CPUPerRequest is the CPU time the measured processes used per measured
// request, in milliseconds (0 when none was measured).
func (r *loadReport) CPUPerRequest() float64 {
	if len(r.CPU) == 0 || r.Requests == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range r.CPU {
		sum += d
	}
	return ms(sum) / float64(r.Requests)
}

// RPS is the measured requests per second.
func (r *loadReport) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Quantile returns the latency at q in [0,1] (nearest rank).
func (r *loadReport) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.Latencies))+0.5) - 1
	return r.Latencies[max(0, min(i, len(r.Latencies)-1))]
}

// ErrorCount is the number of failed requests.
func (r *loadReport) ErrorCount() int { return r.Requests - r.OK }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *loadReport) print(w io.Writer) {
	fmt.Fprintf(w, "scenario %s: %d clients, %.1f s, %d requests, %d ok, %d errors\n",
		r.Scenario, r.Clients, r.Elapsed.Seconds(), r.Requests, r.OK, r.ErrorCount())
	fmt.Fprintf(w, "throughput: %.0f requests/s\n", r.RPS())
	fmt.Fprintf(w, "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		ms(r.Quantile(0.50)), ms(r.Quantile(0.90)), ms(r.Quantile(0.99)), ms(r.Quantile(1)))
	if r.Exhausted {
		fmt.Fprintln(w, "(the invitations were used up before the duration ended)")
	}
	if len(r.CPUPids) > 0 {
		fmt.Fprintf(w, "cpu: %.3f ms per request", r.CPUPerRequest())
		for i, p := range r.CPUPids {
			fmt.Fprintf(w, "; pid %d %.1f s (%.3f ms/request)", p, r.CPU[i].Seconds(), ms(r.CPU[i])/float64(max(1, r.Requests)))
		}
		fmt.Fprintln(w)
		if r.CPUErr != nil {
			fmt.Fprintf(w, "cpu: %v\n", r.CPUErr)
		}
	}
	if r.SelfCPU > 0 {
		fmt.Fprintf(w, "load generator cpu: %.1f s (%.3f ms/request)\n", r.SelfCPU.Seconds(), ms(r.SelfCPU)/float64(max(1, r.Requests)))
	}
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "errors %s: %d\n", k, r.Errors[k])
	}
}

// printBench prints the run as one Go benchmark result line.
func (r *loadReport) printBench(w io.Writer, name string) {
	fmt.Fprintf(w, "Benchmark%s 1 %.0f req/s %.3f p50-ms %.3f p90-ms %.3f p99-ms %d errors",
		name, r.RPS(), ms(r.Quantile(0.50)), ms(r.Quantile(0.90)), ms(r.Quantile(0.99)), r.ErrorCount())
	if len(r.CPUPids) > 0 && r.CPUErr == nil {
		fmt.Fprintf(w, " %.4f cpu-ms/req", r.CPUPerRequest())
	}
	fmt.Fprintln(w)
}

// loadClient sends the requests of a run.
type loadClient struct {
	base  string
	token string
	http  *http.Client
}

func newLoadClient(o loadOptions) *loadClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        o.Clients + 8,
		MaxIdleConnsPerHost: o.Clients + 8,
		MaxConnsPerHost:     o.Clients + 8,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	// No client timeout: a run's requests end with the run's context, and
	// the setup's (thousands of invitations on a store that fsyncs each
	// one) may take long.
	return &loadClient{base: strings.TrimRight(o.URL, "/"), token: o.Token,
		http: &http.Client{Transport: tr}}
}

// do sends one request and returns the status; the body is decoded into out
// when out is not nil and the status is 2xx, and read to the end otherwise
// so that the connection is reused.
func (c *loadClient) do(ctx context.Context, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// must sends a setup request and fails unless it is answered with want.
func (c *loadClient) must(ctx context.Context, method, path string, body, out any, want int) error {
	st, err := c.do(ctx, method, path, body, out)
	if err != nil {
		return fmt.Errorf("load: %s %s: %w", method, path, err)
	}
	if st != want {
		return fmt.Errorf("load: %s %s: status %d, want %d", method, path, st, want)
	}
	return nil
}

// runLoad prepares the scenario, then runs the clients and returns what
// they measured. Progress of the setup goes to logw.
func runLoad(ctx context.Context, o loadOptions, logw io.Writer) (*loadReport, error) {
	if o.Clients < 1 || o.Duration <= 0 || o.Warmup < 0 {
		return nil, fmt.Errorf("load: --clients must be at least 1 and --duration above 0")
	}
	if o.Token == "" {
		return nil, fmt.Errorf("load: --token is required")
	}
	c := newLoadClient(o)
	defer c.http.CloseIdleConnections()
	// The measured requests: each client on its own connection (wire).
	wires := make([]*wire, o.Clients)
	for i := range wires {
		w, err := newWire(c.base, c.token)
		if err != nil {
			return nil, err
		}
		wires[i] = w
		defer w.close()
	}
	var next func(ctx context.Context, client int) (int, error)
	var exhausted atomic.Bool
	switch o.Scenario {
	case "matches":
		needs, err := loadNeeds(ctx, c, o)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "load: matches over %d needs, k=%d\n", len(needs), o.K)
		var seq atomic.Uint64
		next = func(ctx context.Context, client int) (int, error) {
			n := needs[int(seq.Add(1)-1)%len(needs)]
			return wires[client].do(ctx, http.MethodGet, "/v1/needs/"+url.PathEscape(n)+"/matches?k="+fmt.Sprint(o.K))
		}
	case "accepts":
		invs, err := prepareInvites(ctx, c, o, logw)
		if err == nil { // every invitation's event is written by now
			err = waitNotifier(ctx, c, time.Now(), o.NotifierWait, logw)
		}
		if err != nil {
			return nil, err
		}
		var seq atomic.Int64
		next = func(ctx context.Context, client int) (int, error) {
			i := int(seq.Add(1) - 1)
			if i >= len(invs) {
				exhausted.Store(true)
				return 0, errExhausted
			}
			return wires[client].do(ctx, http.MethodPost, "/v1/invites/"+url.PathEscape(invs[i])+"/accept")
		}
	default:
		return nil, fmt.Errorf("load: --scenario must be matches or accepts, got %q", o.Scenario)
	}
	if err := settle(ctx, o.Settle, logw); err != nil {
		return nil, err
	}
	rep := drive(ctx, o, next)
	rep.Scenario = o.Scenario
	rep.Exhausted = exhausted.Load()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("load: %w", ctx.Err())
	}
	return rep, nil
}

var errExhausted = errors.New("no invitation left")

// drive runs o.Clients clients calling next until the warmup and the
// measured duration have passed (or next runs dry), recording the measured
// requests.
func drive(ctx context.Context, o loadOptions, next func(ctx context.Context, client int) (int, error)) *loadReport {
	type sample struct {
		lat    []time.Duration
		ok     int
		errors map[string]int
	}
	samples := make([]sample, o.Clients)
	begin := time.Now()
	measureFrom := begin.Add(o.Warmup)
	end := measureFrom.Add(o.Duration)
	// The measured processes' CPU time at the start of the measured period
	// and at its end (or when the clients stop, if earlier).
	var cpu0 []time.Duration
	var cpuErr error
	var self0 time.Duration
	var selfErr error
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		time.Sleep(time.Until(measureFrom))
		self0, selfErr = cpuTime(os.Getpid())
		if len(o.CPUPids) == 0 {
			return
		}
		cpu0, cpuErr = cpuTimes(o.CPUPids)
	}()
	runCtx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()
	var wg sync.WaitGroup
	for i := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &samples[i]
			s.errors = map[string]int{}
			s.lat = make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(end) || runCtx.Err() != nil {
					return
				}
				st, err := next(runCtx, i)
				if errors.Is(err, errExhausted) {
					return
				}
				if t0.Before(measureFrom) {
					continue
				}
				s.lat = append(s.lat, time.Since(t0))
				switch {
				case err != nil && st == 0:
					s.errors["transport"]++
				case st/100 != 2:
					s.errors[fmt.Sprint(st)]++
				case err != nil:
					s.errors["body"]++
				default:
					s.ok++
				}
			}
		}()
	}
	wg.Wait()
	<-cpuDone
	var cpu1 []time.Duration
	if len(o.CPUPids) > 0 {
		var err error
		if cpu1, err = cpuTimes(o.CPUPids); err != nil && cpuErr == nil {
			cpuErr = err
		}
	}
	self1, err := cpuTime(os.Getpid())
	if err != nil {
		selfErr = err
	}
	stop := time.Now()
	if stop.After(end) {
		stop = end
	}
	if stop.Before(measureFrom) {
		stop = measureFrom
	}
	rep := &loadReport{Clients: o.Clients, Elapsed: stop.Sub(measureFrom), Errors: map[string]int{},
		CPUPids: o.CPUPids, CPUErr: cpuErr}
	if selfErr == nil {
		rep.SelfCPU = self1 - self0
	}
	if len(o.CPUPids) > 0 {
		rep.CPU = make([]time.Duration, len(o.CPUPids))
		for i := range o.CPUPids {
			rep.CPU[i] = cpu1[i] - cpu0[i]
		}
	}
	for _, s := range samples {
		rep.Latencies = append(rep.Latencies, s.lat...)
		rep.OK += s.ok
		for k, v := range s.errors {
			rep.Errors[k] += v
		}
	}
	slices.Sort(rep.Latencies)
	rep.Requests = len(rep.Latencies)
	return rep
}

// loadNeeds returns the needs the matches scenario asks for: o.Needs, or
// the open needs (up to o.MaxNeeds).
func loadNeeds(ctx context.Context, c *loadClient, o loadOptions) ([]string, error) {
	if len(o.Needs) > 0 {
		return o.Needs, nil
	}
	var ids []string
	cursor := ""
	for len(ids) < o.MaxNeeds {
		var page struct {
			Items []volmatch.Need `json:"items"`
			Next  string          `json:"next"`
		}
		path := "/v1/needs?status=open&limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.must(ctx, http.MethodGet, path, nil, &page, http.StatusOK); err != nil {
			return nil, err
		}
		for _, n := range page.Items {
			if len(ids) < o.MaxNeeds {
				ids = append(ids, n.ID)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("load: the server holds no open need to match")
	}
	return ids, nil
}

// maxSlots is the most slots a shift may have (volmatch.Need.Validate).
const maxSlots = 10000

// prepareInvites creates the accepts scenario's need and o.Invites
// invitations, and returns their IDs in the order to accept them. Each
// shift invites distinct volunteers and the shifts lie on separate days, so
// every accept succeeds.
func prepareInvites(ctx context.Context, c *loadClient, o loadOptions, logw io.Writer) ([]string, error) {
	if o.Invites < 1 {
		return nil, fmt.Errorf("load: --invites must be at least 1")
	}
	var page struct {
		Items []volmatch.Need `json:"items"`
	}
	if err := c.must(ctx, http.MethodGet, "/v1/needs?status=open&limit=1", nil, &page, http.StatusOK); err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, fmt.Errorf("load: the server holds no open need to copy")
	}
	vols, err := loadVolunteers(ctx, c, min(o.Invites, maxSlots))
	if err != nil {
		return nil, err
	}
	shifts := (o.Invites + len(vols) - 1) / len(vols)
	if shifts > 500 {
		return nil, fmt.Errorf("load: %d invitations need %d shifts of %d volunteers; at most 500", o.Invites, shifts, len(vols))
	}
	n := page.Items[0]
	n.ID = fmt.Sprintf("LOAD%d", time.Now().UnixNano())
	n.Title = "load test " + n.ID
	n.Status, n.Supply, n.PostedAt, n.UpdatedAt = volmatch.NeedOpen, 0, time.Time{}, time.Time{}
	// One-minute shifts a day apart, at a random minute of a random day in
	// the coming ten years: the volunteers accept them all, and another
	// run's shifts (the same volunteers) almost surely do not overlap them.
	day0 := time.Now().In(volmatch.Beijing).Truncate(time.Minute).AddDate(0, 0, 30+rand.IntN(3650))
	day0 = day0.Add(time.Duration(rand.IntN(24*60)) * time.Minute)
	n.Shifts = make([]volmatch.Shift, shifts)
	for i := range n.Shifts {
		st := day0.AddDate(0, 0, i)
		n.Shifts[i] = volmatch.Shift{ID: fmt.Sprintf("s%d", i+1), Start: st, End: st.Add(time.Minute), Slots: maxSlots}
	}
	if err := c.must(ctx, http.MethodPost, "/v1/needs", n, nil, http.StatusCreated); err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "load: need %s with %d shifts; inviting %d volunteers per shift\n", n.ID, shifts, len(vols))
	// Send the invitations in chunks, concurrently (each invitation is a
	// write of its own on the server: keep each request well within its
	// deadline).
	const chunkSize = 200
	type chunk struct {
		shift string
		vols  []string
		at    int
	}
	var chunks []chunk
	total := 0
	for s := 0; s < shifts && total < o.Invites; s++ {
		for i := 0; i < len(vols) && total < o.Invites; i += chunkSize {
			vs := vols[i:min(i+chunkSize, len(vols), i+o.Invites-total)]
			chunks = append(chunks, chunk{shift: n.Shifts[s].ID, vols: vs, at: total})
			total += len(vs)
		}
	}
	ids := make([]string, total)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	work := make(chan chunk)
	for range min(o.Clients, 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range work {
				var out struct {
					Items []volmatch.Invitation `json:"items"`
				}
				// The volunteers are whoever the server lists first, not
				// chosen for the copied need: the hard gates they fail are
				// overridden, for the load test, and recorded as such.
				err := c.must(ctx, http.MethodPost, "/v1/needs/"+url.PathEscape(n.ID)+"/invites",
					map[string]any{"shift": ch.shift, "volunteers": ch.vols,
						"override": map[string]string{"reason": "vmload: accept throughput, the gates are not under test"}}, &out, http.StatusCreated)
				if err == nil && len(out.Items) != len(ch.vols) {
					err = fmt.Errorf("load: %d invitations created, want %d", len(out.Items), len(ch.vols))
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for i, inv := range out.Items {
					ids[ch.at+i] = inv.ID
				}
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for _, ch := range chunks {
		work <- ch
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	fmt.Fprintf(logw, "load: %d invitations sent in %.1f s\n", total, time.Since(start).Seconds())
	return ids, nil
}

// settle runs the shell command cmd (none when empty) after the setup and
// before the warmup, and fails unless it exits 0: a caller's wait for what
// the setup set going on a machine the server shares, such as
// scripts/loadtest.sh's append-only file rewrite of redis-server. Its
// output goes to logw.
func settle(ctx context.Context, cmd string, logw io.Writer) error {
	if cmd == "" {
		return nil
	}
	start := time.Now()
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stdout, c.Stderr = logw, logw
	if err := c.Run(); err != nil {
		return fmt.Errorf("load: --settle %q: %w", cmd, err)
	}
	fmt.Fprintf(logw, "load: settled in %.1f s\n", time.Since(start).Seconds())
	return nil
}

// notifierGauge is the server's metric of when its notifier last read the
// event log to its end (engine.NotifierCaughtUp).
const notifierGauge = "volmatch_notifier_caught_up_timestamp_seconds"

// waitNotifier waits, up to limit, until the server's notifier has begun a
// read of the event log that reached its end at or after since (a time
// after the last invitation was answered): the setup's invitations each give
// their volunteer a notice, and a run that began before the notifier had
// stored them would measure that backlog along with the accepts. A server
// without the gauge (a build before it) is not waited for; a limit of 0
// waits for none.
func waitNotifier(ctx context.Context, c *loadClient, since time.Time, limit time.Duration, logw io.Writer) error {
	if limit <= 0 {
		return nil
	}
	start := time.Now()
	for {
		at, ok, err := c.gauge(ctx, notifierGauge)
		switch {
		case err != nil:
			return err
		case !ok:
			fmt.Fprintf(logw, "load: the server has no %s; not waiting for its notifier\n", notifierGauge)
			return nil
		case at >= float64(since.UnixNano())/1e9:
			fmt.Fprintf(logw, "load: the notifier caught up with the invitations %.1f s after the last was sent\n", time.Since(start).Seconds())
			return nil
		case time.Since(start) > limit:
			return fmt.Errorf("load: the server's notifier did not catch up with the invitations within %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// gauge reads metric name's value from the server's /metrics; ok is false
// when the server does not report it.
func (c *loadClient) gauge(ctx context.Context, name string) (v float64, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("load: GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false, fmt.Errorf("load: GET /metrics: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, found := strings.CutPrefix(sc.Text(), name+" "); found {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return 0, false, fmt.Errorf("load: /metrics: %s: %w", name, err)
			}
			return v, true, nil
		}
	}
	return 0, false, sc.Err()
}

// loadVolunteers returns up to want volunteer IDs in ID order.
func loadVolunteers(ctx context.Context, c *loadClient, want int) ([]string, error) {
	var ids []string
	cursor := ""
	for len(ids) < want {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next"`
		}
		path := "/v1/volunteers?limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.must(ctx, http.MethodGet, path, nil, &page, http.StatusOK); err != nil {
			return nil, err
		}
		for _, v := range page.Items {
			if len(ids) < want {
				ids = append(ids, v.ID)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("load: the server holds no volunteer to invite")
	}
	return ids, nil
}
