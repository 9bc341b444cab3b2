// Command vmload drives a running volmatch server with concurrent HTTP
// clients and reports throughput and latency: a reproducible load for
// scripts/loadtest.sh (and through it `make bench`), apart from the server
// binary so that the server carries no load generator.
//
//	vmload --url http://127.0.0.1:8080 --token $TOKEN --clients 32 --duration 60s --scenario matches
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line and returns the exit code, so that tests can
// call it without a process.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := newCmd(stdout, stderr)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(stderr, "vmload:", err)
		return 1
	}
	return 0
}

// loadOptions are the flags of vmload.
type loadOptions struct {
	URL      string
	Token    string
	Clients  int
	Duration time.Duration
	Warmup   time.Duration
	Scenario string
	K        int
	// Needs limits the matches scenario to these need IDs (default: every
	// open need, up to MaxNeeds).
	Needs    []string
	MaxNeeds int
	// Invites is the pool of invitations the accepts scenario prepares; the
	// run ends early when it is used up.
	Invites int
	// NotifierWait bounds the wait, after the accepts setup, for the
	// server's notifier to catch up with the invitations (0: no wait).
	NotifierWait time.Duration
	// Settle is a shell command run after the setup, before the warmup,
	// which must exit 0 (settle).
	Settle string
	// Bench, when set, also prints one line in Go benchmark format under
	// this name (for scripts/bench.sh and cmd/benchreport).
	Bench string
	// CPUPids are processes (the server, redis-server) whose CPU time over
	// the measured period is reported per request: a figure that a shared
	// machine's other work does not inflate as it does the wall clock.
	CPUPids []int
}

// newCmd is vmload's command: a reproducible HTTP load against a running
// server.
func newCmd(stdout, stderr io.Writer) *cobra.Command {
	var o loadOptions
	cmd := &cobra.Command{
		Use:   "vmload",
		Short: "Drive a running volmatch server with concurrent clients and report throughput and latency",
		Long: `vmload sends requests to a running volmatch server from --clients concurrent
clients over kept-alive connections for --duration, then prints the requests
per second, the latency percentiles (p50, p90, p99, max) and the errors by
status. Requests in the --warmup period before are sent but not counted.

Scenarios:
  matches  GET /v1/needs/{id}/matches?k=K, the clients cycling through the
           open needs (or --need). The token must be admin or a social worker.
  accepts  POST /v1/invites/{id}/accept. Setup (not measured) creates a need
           copied from an open one, with shifts on separate days holding
           10,000 slots each, and sends --invites invitations to distinct
           volunteers per shift; the clients then accept them, each exactly
           once. Before the warmup it waits until the server's notifier has
           stored the invitations' notices (--notifier-wait), so the run
           does not also measure that backlog. The run ends early when the
           invitations are used up. The token must be admin.

The server's per-token rate limit applies: start it with --rate -1 to measure
the server itself. The load generator competes with the server for the CPU
when both run on one machine; say so with the figures.`,
		Example: `  vmload --url http://127.0.0.1:8080 --token $TOKEN --clients 32 --duration 60s --scenario matches
  vmload --url http://127.0.0.1:8080 --token $ADMIN --scenario accepts --invites 200000 --duration 30s`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			rep, err := runLoad(ctx, o, stderr)
			if err != nil {
				return err
			}
			rep.print(stdout)
			if o.Bench != "" {
				rep.printBench(stdout, o.Bench)
			}
			return nil
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the server")
	f.StringVar(&o.Token, "token", "", "bearer token (admin for accepts)")
	f.IntVar(&o.Clients, "clients", 32, "concurrent clients, each with its own kept-alive connection")
	f.DurationVar(&o.Duration, "duration", 60*time.Second, "how long to measure")
	f.DurationVar(&o.Warmup, "warmup", 0, "how long to send requests before measuring")
	f.StringVar(&o.Scenario, "scenario", "matches", "matches or accepts")
	f.IntVar(&o.K, "k", 10, "matches: candidates asked per request")
	f.StringSliceVar(&o.Needs, "need", nil, "matches: need IDs to ask for (default: the open needs)")
	f.IntVar(&o.MaxNeeds, "max-needs", 1000, "matches: at most this many open needs are cycled through")
	f.IntVar(&o.Invites, "invites", 100000, "accepts: invitations prepared before the run")
	f.DurationVar(&o.NotifierWait, "notifier-wait", 5*time.Minute, "accepts: wait up to this long after the setup for the server's notifier to store the invitations' notices (0: do not wait)")
	f.StringVar(&o.Settle, "settle", "", "a shell command to run after the setup and before the warmup, which must exit 0 (e.g. a wait for the store's background work the setup began)")
	f.StringVar(&o.Bench, "bench", "", "also print a Go benchmark line under this name (e.g. HTTP/matches)")
	f.IntSliceVar(&o.CPUPids, "cpu-pid", nil, "report the CPU time these processes use per measured request (Linux /proc; repeatable)")
	return cmd
}
