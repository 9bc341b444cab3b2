package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"volmatch"
	"volmatch/api"
	"volmatch/engine"
	"volmatch/index"
	"volmatch/taxonomy"
	"volmatch/web"
	"volmatch/webhook"
)

// AdminTokenEnv names the environment variable whose value, when set at
// start, becomes an admin bearer token (created if missing). It must be a
// strong secret (volmatch.CheckSecret: at least 32 characters of two kinds
// or more, such as `openssl rand -hex 32`); a changed or removed value
// revokes the token of the previous one.
const AdminTokenEnv = volmatch.EnvAdminTokenName

// SnapshotFile is the feature snapshot's file in the data folder
// (engine.Options.FeatureSnapshot).
const SnapshotFile = "features.snap"

// service is the running set of parts behind the API: the store, the text
// index, the engine over them (with the follower that keeps the indexes in
// step), and the API server over the engine.
type service struct {
	store  volmatch.Store
	text   *index.Text
	engine *engine.Engine
	api    *api.Server
	web    *web.Server        // the pages, whose live streams end at shutdown
	hook   *webhook.Deliverer // the notification gateway's deliverer (nil: none)
	log    *slog.Logger
	// stopPace stops the collector's pacer (gcpace.go).
	stopPace func()
}

// wireOptions say how to assemble a service.
type wireOptions struct {
	Store  storeConfig
	API    api.Options
	Logger *slog.Logger
	// Progress is where long steps (index rebuilds) draw progress; nil for
	// none.
	Progress io.Writer
	// AdminToken, when not empty, is created as an admin token if missing;
	// the admin tokens of earlier values are revoked (all of them when
	// empty).
	AdminToken string
	// MinGroup is the evaluation reports' minimum group size
	// (engine.Options.MinGroup; 0 for the default, 5).
	MinGroup int
	// SecureCookies marks the web pages' cookies Secure also without TLS
	// (behind a TLS-terminating proxy; web.Options.Secure).
	SecureCookies bool
	// Webhook is the notification gateway (none when its URL is empty).
	Webhook webhookConfig
	// Certificates are the service certificates' key file (--cert-key;
	// default DATA/certificate.key, made on first use), issuer name and
	// public address (certkey.go).
	Certificates certOptions
	// Ledger are the earning rules of points and time savings (ledger.go).
	Ledger engine.LedgerRules
	// GCHeadroom is the least the heap may grow between collections while
	// serving, in bytes (gcpace.go; 0: serveGCPercent alone). GOGC, when
	// set, overrides it.
	GCHeadroom uint64
}

// certOptions say where the certificate key is and how certificates name
// the deployment.
type certOptions struct {
	KeyFile   string
	Issuer    string
	PublicURL string
	// Trust are the files of the deployments' public keys whose exchange
	// files are imported (exchange.go).
	Trust []string
}

// wire opens the store and the Bleve index under the data folder (rebuilt
// when missing, caught up when behind), loads the feature index and builds
// the API server.
func wire(ctx context.Context, o wireOptions) (*service, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := openStoreConfig(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	s := &service{store: st}
	if err := s.open(ctx, o); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *service) open(ctx context.Context, o wireOptions) error {
	tax := taxonomy.Load()
	s.log = o.Logger
	var err error
	if s.text, err = openIndex(filepath.Join(o.Store.DataDir, "index"), tax, o.Logger); err != nil {
		return err
	}
	// Slim copies in the feature grid: a million volunteers in half the
	// memory (grid.Slim).
	eo := engine.Options{Logger: o.Logger, Slim: true, Now: o.API.Now, MinGroup: o.MinGroup, Outbox: o.Webhook.URL != ""}
	// The feature snapshot: a restart reads it instead of every volunteer
	// record (each replica its own, beside its search index).
	eo.FeatureSnapshot = filepath.Join(o.Store.DataDir, SnapshotFile)
	if eo.CheckInKey, err = checkInKey(o.Store.DataDir); err != nil {
		return err
	}
	path, named := certKeyPath(o.Certificates.KeyFile, o.Store.DataDir)
	key, made, err := loadCertKey(path, named)
	if err != nil {
		return err
	}
	if made {
		o.Logger.Info("made the certificate signing key", "file", path)
		if o.Store.RedisURL != "" {
			o.Logger.Warn("replicas sharing a Redis store must share one certificate key: give each the same --cert-key file")
		}
	}
	eo.Ledger = o.Ledger
	eo.Certificates = engine.CertificateOptions{Key: key, Issuer: o.Certificates.Issuer, BaseURL: o.Certificates.PublicURL}
	if eo.Exchange.Trusted, err = loadTrust(o.Certificates.Trust); err != nil {
		return err
	}
	if o.Progress != nil {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("indexing"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetSpinnerChangeInterval(0)) // its goroutine races with Finish
		defer bar.Finish()
		eo.Progress = func(done, _ int) { _ = bar.Set(done) }
	}
	if os.Getenv("GOGC") == "" {
		// Loading allocates the index and its garbage at once: collect
		// rarely until it is done (releaseLoadMemory sets the serving pace).
		debug.SetGCPercent(loadGCPercent)
	}
	s.engine = engine.New(s.store, s.text, tax, eo)
	if err := s.engine.Start(ctx); err != nil {
		return fmt.Errorf("start the engine: %w", err)
	}
	releaseLoadMemory(s.store)
	s.stopPace = func() {}
	if os.Getenv("GOGC") == "" {
		s.stopPace = paceGC(serveGCPercent, o.GCHeadroom)
	}
	revoked, err := s.engine.EnsureAdminToken(ctx, o.AdminToken)
	for _, t := range revoked {
		o.Logger.Info("revoked the admin token of an earlier "+AdminTokenEnv, "hash", shortHash(t.Hash))
	}
	if volmatch.ErrorCode(err) == volmatch.EINVALID {
		return fmt.Errorf("%s %s", AdminTokenEnv, volmatch.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("%s: %w", AdminTokenEnv, err)
	}
	if o.API.Logger == nil {
		o.API.Logger = o.Logger
	}
	if o.Webhook.URL != "" {
		if s.hook, err = webhook.New(s.store, o.Webhook.URL, o.Webhook.Secret, webhook.Options{Logger: o.Logger, Now: o.API.Now}); err != nil {
			return fmt.Errorf("webhook: %s", volmatch.ErrorMessage(err))
		}
	}
	if o.API.Web == nil {
		s.web = web.New(s.engine, web.Options{Logger: o.API.Logger, Secure: o.SecureCookies})
		o.API.Web = s.web
	}
	s.api = api.New(s.engine, o.API)
	return nil
}

// serveGCPercent is the collector's heap growth while serving (unless GOGC
// is set): the feature index is most of the heap and lives as long as the
// process, so growing the heap by half of it between collections, not all
// of it, keeps a city's resident memory within bounds for a little more
// collector work.
const serveGCPercent = 50

// defaultGCHeadroom is the serve flag --gc-headroom's default, in MiB.
const defaultGCHeadroom = 256

// loadGCPercent is the collector's heap growth while the indexes load.
const loadGCPercent = 400

// releaseLoadMemory gives back what loading the indexes left behind: the
// store file's pages that the full read mapped into the process (they stay
// in the page cache) and the garbage of decoding, so that the resident
// memory while serving is what the indexes hold.
func releaseLoadMemory(st volmatch.Store) {
	if r, ok := st.(interface{ ReleaseMapped() error }); ok {
		_ = r.ReleaseMapped() // only memory accounting is at stake
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	debug.FreeOSMemory()
}

// openIndex opens the Bleve index at dir. The index is derived from the
// store, so one that cannot be opened (written by another version, or
// damaged) is removed and built again from the store by the follower.
func openIndex(dir string, tax *taxonomy.Taxonomy, log *slog.Logger) (*index.Text, error) {
	o := index.Options{Synonyms: tax.SynonymGroups(), Labels: tax.Labels()}
	t, err := index.Open(dir, o)
	if err == nil {
		return t, nil
	}
	log.Warn("search index unreadable; rebuilding it from the store", "dir", dir, "err", err)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("open index: remove unreadable index: %w", err)
	}
	if t, err = index.Open(dir, o); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	return t, nil
}

// Close closes the index and the store.
func (s *service) Close() error {
	if s.stopPace != nil {
		s.stopPace()
	}
	var errs []error
	if s.text != nil {
		errs = append(errs, s.text.Close())
	}
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}

// adminTokenFromEnv reads AdminTokenEnv.
func adminTokenFromEnv() string { return os.Getenv(AdminTokenEnv) }
