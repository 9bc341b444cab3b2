package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"volmatch/api"
	"volmatch/engine"
	"volmatch/evaluation"
)

func init() { register(newServeCmd) }

// serveOptions are the flags of serve (demo shares the HTTP ones).
type serveOptions struct {
	Addr  string
	Rate  float64
	Burst int
	// MemProfile, when set, names a file that receives a heap profile once
	// the indexes are loaded (serve only).
	MemProfile string
	// CPUProfile, when set, names a file that receives a CPU profile of the
	// start, until the indexes are loaded (serve only).
	CPUProfile string
	// ServingProfile, when set, names a file that receives a CPU profile of
	// the serving, from the moment the indexes are loaded until shutdown.
	ServingProfile string
	// ServingAllocs, when set, names a file that receives, at shutdown, a
	// profile of the memory allocated while serving.
	ServingAllocs string
	// GCHeadroom is wireOptions.GCHeadroom in MiB.
	GCHeadroom int
}

func addServeFlags(cmd *cobra.Command, o *serveOptions) {
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT; port 0 picks a free one)")
	f.Float64Var(&o.Rate, "rate", 50, "requests per second allowed per token (negative: no limit)")
	f.IntVar(&o.Burst, "burst", 100, "burst of requests allowed per token")
}

// newServeCmd is `volmatch serve`: the API over the store in --data.
func newServeCmd(e *env) *cobra.Command {
	var cfg storeConfig
	var so serveOptions
	var authFailures int
	var trustedProxies []string
	var minGroup int
	var hook webhookConfig
	var certs certOptions
	var rules engine.LedgerRules
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API over the store in --data",
		Long: `Serve opens the store, opens the search index under DATA/index (rebuilt when
missing, caught up when behind), loads the feature index, follows the store's
change feed in the background and serves the API until SIGINT or SIGTERM,
then shuts down gracefully.

` + AdminTokenEnv + `, when set, is created as an admin token. It must be a
strong secret: at least 32 characters of two kinds or more (lower case, upper
case, digits, symbols) and 8 different characters at least, without spaces;
` + "`openssl rand -hex 32`" + ` makes one. The start is refused otherwise. Changing the
value revokes the token of the previous one at the next start, and removing
it revokes that token too (replicas sharing a store must share the value).`,
		Example: `  export VOLMATCH_ADMIN_TOKEN=$(openssl rand -hex 32)
  volmatch serve --data data --addr 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewTextHandler(e.stderr, nil))
			proxies, err := parseProxies(trustedProxies)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			if so.GCHeadroom < 0 {
				return fmt.Errorf("serve: --gc-headroom must be 0 or more MiB, got %d", so.GCHeadroom)
			}
			if minGroup < 1 {
				return fmt.Errorf("serve: --min-group must be at least 1, got %d", minGroup)
			}
			if err := hook.resolve(); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			stopProfile := func() {}
			if so.CPUProfile != "" {
				if stopProfile, err = startCPUProfile(so.CPUProfile); err != nil {
					return fmt.Errorf("serve: %w", err)
				}
			}
			svc, err := wire(ctx, wireOptions{Store: cfg, Logger: logger, Progress: e.stderr,
				AdminToken: adminTokenFromEnv(), MinGroup: minGroup, GCHeadroom: uint64(so.GCHeadroom) << 20, Webhook: hook, Certificates: certs, Ledger: rules, API: api.Options{Rate: so.Rate, Burst: so.Burst,
					AuthFailures: authFailures, TrustedProxies: proxies}})
			stopProfile()
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			defer svc.Close()
			if so.MemProfile != "" {
				if err := writeHeapProfile(so.MemProfile); err != nil {
					return fmt.Errorf("serve: %w", err)
				}
			}
			if so.ServingProfile != "" {
				stopServing, err := startCPUProfile(so.ServingProfile)
				if err != nil {
					return fmt.Errorf("serve: %w", err)
				}
				defer stopServing()
			}
			if so.ServingAllocs != "" {
				defer func() {
					if err := writeProfile(so.ServingAllocs, "allocs"); err != nil {
						logger.Warn("allocation profile not written", "err", err)
					}
				}()
			}
			return svc.serve(ctx, so.Addr, func(url string) {
				fmt.Fprintf(e.stdout, "volmatch: serving on %s\n", url)
			})
		},
	}
	addStoreFlags(cmd, &cfg)
	addServeFlags(cmd, &so)
	addWebhookFlags(cmd, &hook)
	cmd.Flags().StringVar(&so.MemProfile, "memprofile", "", "write a heap profile to this file once the indexes are loaded (go tool pprof)")
	cmd.Flags().StringVar(&so.CPUProfile, "cpuprofile", "", "write a CPU profile of the start (until the indexes are loaded) to this file")
	cmd.Flags().StringVar(&so.ServingProfile, "serving-cpuprofile", "", "write a CPU profile of the serving (from loaded until shutdown) to this file")
	cmd.Flags().IntVar(&so.GCHeadroom, "gc-headroom", defaultGCHeadroom,
		"MiB the heap may grow by at least between collections while serving (0: half the live heap, as at a city's size; GOGC, when set, overrides it)")
	cmd.Flags().StringVar(&so.ServingAllocs, "serving-allocs", "", "write a profile of the memory allocated while serving to this file at shutdown")
	cmd.Flags().IntVar(&authFailures, "auth-failures", 0, fmt.Sprintf(
		"failed bearer tokens one client address may send a minute before it gets 429 (0: %d, or none with a negative --rate; negative: no limit)", api.DefaultAuthFailures))
	cmd.Flags().StringSliceVar(&trustedProxies, "trusted-proxy", nil,
		"address or CIDR of a reverse proxy whose X-Forwarded-For names the client (repeatable; default: X-Forwarded-For is not trusted)")
	addCertFlags(cmd, &certs)   // certkey.go
	addLedgerFlags(cmd, &rules) // ledger.go
	cmd.Flags().IntVar(&minGroup, "min-group", evaluation.DefaultMinGroup,
		"minimum group size of the evaluation reports: a figure about fewer people is withheld (null, \"suppressed\")")
	return cmd
}

// parseProxies reads --trusted-proxy values: addresses or CIDR prefixes.
func parseProxies(vs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vs {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q is not an address or a CIDR prefix", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// writeHeapProfile writes the live heap to path.
func writeHeapProfile(path string) error {
	runtime.GC()
	return writeProfile(path, "heap")
}

// writeProfile writes the runtime profile named name to path.
func writeProfile(path, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// serve listens on addr, calls ready with the URL, follows the store in the
// background and serves until ctx ends, then shuts down gracefully.
func (s *service) serve(ctx context.Context, addr string, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Timeouts: a slow or stalled client cannot hold a connection open; the
	// write timeout outlasts the API's per-request deadline
	// (api.DefaultRequestTimeout), so a long batch still gets its answer.
	hs := &http.Server{Handler: s.api.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: api.DefaultRequestTimeout + 15*time.Second, IdleTimeout: 120 * time.Second}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.engine.Follow(runCtx, time.Second)
	go s.engine.SweepEvery(runCtx, 0) // engine.DefaultSweepEvery
	s.runNotifications(runCtx, hs)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	ready("http://" + ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	// The feature snapshot, for a quick next start (engine/snapshot.go); a
	// failure costs only that, so it is logged, not returned.
	cancel() // the follower stops applying changes
	if err := s.engine.SaveSnapshot(context.Background()); err != nil {
		s.log.Warn("feature snapshot not saved", "err", err)
	}
	return nil
}
