package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// Options tune a Store; the zero value is the default.
type Options struct {
	// Namespace is the hash tag every key carries ("vm" when empty: keys
	// look like {vm}:need:N1). Two deployments may share one server or
	// cluster under different namespaces.
	Namespace string
	// Now is the clock for PostedAt, UpdatedAt and defaults (time.Now when
	// nil).
	Now func() time.Time
	// Timeout bounds dialling, each read and each write on the hot path, so
	// that an unreachable server gives EUNAVAILABLE quickly (1s when zero).
	Timeout time.Duration
	// BulkTimeout bounds one read or write of the bulk paths: imports
	// (Put*) and full scans (Each*), whose one transaction may carry many
	// megabytes (60s when zero). Used only by Open.
	BulkTimeout time.Duration
	// PoolSize is the number of connections per client (go-redis default
	// when zero).
	PoolSize int
}

func (o *Options) defaults() {
	if o.Namespace == "" {
		o.Namespace = "vm"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.BulkTimeout <= 0 {
		o.BulkTimeout = 60 * time.Second
	}
}

// Store is the Redis implementation of volmatch.Store. It is safe for
// concurrent use, by many goroutines and by many processes on one server.
type Store struct {
	common // pools, stations, organisations; need and invitation writes

	c, bulk goredis.UniversalClient
	owned   []goredis.UniversalClient
	p       string // key prefix: "{ns}:"
	keys    []string
	now     func() time.Time
	needs   needCache
	pipe    *pipe // the accept path's script calls (pipe.go)
	// sent and vols are the invitations this replica wrote or read and the
	// volunteers it read for an accept, so that an accept of one usually
	// takes them from here (acceptCached).
	sent *recent[volmatch.Invitation]
	vols *recent[volmatch.Volunteer]
}

// The sizes of a generation of Store.sent and Store.vols (recent): at
// most twice as many entries are kept, about 110 MB of invitations and
// 85 MB of volunteers when full (measured on generated records: 840 and
// 2,600 bytes an entry, JSON and decoded).
const (
	recentInvitations = 1 << 16
	recentVolunteers  = 1 << 14
)

var _ volmatch.Store = (*Store)(nil)

// Open connects to the Redis server at url and checks that it answers:
// redis://[user:password@]HOST:PORT/DB (rediss:// for TLS), or
// redis+cluster://HOST:PORT?addr=HOST2:PORT2 for a Redis Cluster. The
// query parameter namespace=NAME sets Options.Namespace. A server that
// cannot be reached gives EUNAVAILABLE.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	url, ns, err := cutNamespace(url)
	if err != nil {
		return nil, err
	}
	if ns != "" {
		o.Namespace = ns
	}
	o.defaults()
	var c, bulk goredis.UniversalClient
	if rest, ok := strings.CutPrefix(url, "redis+cluster://"); ok {
		co, err := goredis.ParseClusterURL("redis://" + rest)
		if err != nil {
			return nil, volmatch.FieldError("redis", "bad Redis Cluster URL: %v", err)
		}
		tune := func(t time.Duration) *goredis.ClusterOptions {
			c := *co
			c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout = o.Timeout, t, t, o.Timeout
			c.MaxRetries, c.DialerRetries, c.DisableIdentity = -1, 1, true
			if o.PoolSize > 0 {
				c.PoolSize = o.PoolSize
			}
			return &c
		}
		c, bulk = goredis.NewClusterClient(tune(o.Timeout)), goredis.NewClusterClient(tune(o.BulkTimeout))
	} else {
		ro, err := goredis.ParseURL(url)
		if err != nil {
			return nil, volmatch.FieldError("redis", "bad Redis URL (want redis://HOST:PORT/DB): %v", err)
		}
		tune := func(t time.Duration) *goredis.Options {
			c := *ro
			c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.PoolTimeout = o.Timeout, t, t, o.Timeout
			c.MaxRetries, c.DialerRetries, c.DisableIdentity = -1, 1, true
			if o.PoolSize > 0 {
				c.PoolSize = o.PoolSize
			}
			return &c
		}
		c, bulk = goredis.NewClient(tune(o.Timeout)), goredis.NewClient(tune(o.BulkTimeout))
	}
	s := newStore(c, bulk, o)
	s.owned = []goredis.UniversalClient{c, bulk}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// cutNamespace takes the store's own query parameter namespace=NAME off a
// Redis URL (go-redis refuses parameters it does not know).
func cutNamespace(raw string) (string, string, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", "", volmatch.FieldError("redis", "bad Redis URL: %v", err)
	}
	q := u.Query()
	ns := q.Get("namespace")
	if ns == "" {
		return raw, "", nil
	}
	if err := volmatch.ValidID("redis", ns); err != nil {
		return "", "", volmatch.FieldError("redis", "namespace may hold only ASCII letters, digits, '-', '_' and '.'")
	}
	q.Del("namespace")
	u.RawQuery = q.Encode()
	return u.String(), ns, nil
}

// NewWithClient returns a Store on a client the caller made and owns (a
// *redis.ClusterClient for Redis Cluster, a failover client for Sentinel).
// Set the client's MaxRetries to -1: a retried script may run twice when
// its reply was lost. Close does not close the client.
func NewWithClient(c goredis.UniversalClient, o Options) *Store {
	o.defaults()
	return newStore(c, c, o)
}

func newStore(c, bulk goredis.UniversalClient, o Options) *Store {
	p := "{" + o.Namespace + "}:"
	s := &Store{c: c, bulk: bulk, p: p, now: o.Now, pipe: newPipe(c),
		sent: newRecent[volmatch.Invitation](recentInvitations), vols: newRecent[volmatch.Volunteer](recentVolunteers),
		keys: []string{p + "seq:events", p + "events", p + "seq:changes", p + "changes", p + "evtix:from"}}
	s.common = s.shared()
	return s
}

// Close closes the clients Open made.
func (s *Store) Close() error {
	s.pipe.close()
	var first error
	for _, c := range s.owned {
		if err := c.Close(); err != nil && first == nil {
			first = fmt.Errorf("redis: close: %w", err)
		}
	}
	s.owned = nil
	return first
}

// Ping reports whether the server answers; EUNAVAILABLE when not.
func (s *Store) Ping(ctx context.Context) error {
	return s.err("ping", s.c.Ping(ctx).Err())
}

// Client returns the hot-path client, for tests and tools.
func (s *Store) Client() goredis.UniversalClient { return s.c }

// k builds a key under the store's hash tag.
func (s *Store) k(parts ...string) string { return s.p + strings.Join(parts, ":") }

// err maps a go-redis error: a server that cannot be reached (refused,
// reset, timed out, closed, loading, no master) is EUNAVAILABLE; a cancelled
// context stays the context's error; other errors are wrapped as they are.
func (s *Store) err(op string, err error) error {
	if err == nil {
		return nil
	}
	var ve *volmatch.Error
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !isNetTimeout(err) {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	if unavailable(err) {
		return fmt.Errorf("redis: %s: %w", op, volmatch.Errorf(volmatch.EUNAVAILABLE,
			"the shared store (Redis) cannot be reached; try again shortly"))
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unavailable reports whether err says the server cannot serve now.
func unavailable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ne), errors.As(err, &oe),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, goredis.ErrClosed), errors.Is(err, goredis.ErrPoolTimeout):
		return true
	}
	msg := err.Error()
	// EXECABORT: the server refused a command queued in MULTI, so EXEC
	// discarded the transaction; go-redis returns that rather than the
	// command's own error, which for our fixed commands is one of the
	// states below (seen: LOADING while a restarted server reads its
	// append-only file).
	for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "BUSY", "NOREPLICAS", "EXECABORT"} {
		if strings.HasPrefix(msg, p+" ") || msg == p {
			return true
		}
	}
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "i/o timeout") || strings.Contains(msg, "connection reset")
}

// errRetry says a compare-and-set condition of a script failed.
var errRetry = errors.New("redis: state changed, retry")

// maxTries bounds the read-check-write rounds of one write under contention.
const maxTries = 100

// ops is a list of operations for the apply script.
type ops struct{ args []any }

func (o *ops) add(a ...any)                    { o.args = append(o.args, a...) }
func (o *ops) absent(key, code, msg string)    { o.add("absent", key, code, msg) }
func (o *ops) present(key, code, msg string)   { o.add("present", key, code, msg) }
func (o *ops) zempty(key, code, msg string)    { o.add("zempty", key, code, msg) }
func (o *ops) eq(key, val string)              { o.add("eq", key, val) }
func (o *ops) heq(key, field, val string)      { o.add("heq", key, field, val) }
func (o *ops) set(key string, val []byte)      { o.add("set", key, val) }
func (o *ops) del(key string)                  { o.add("del", key) }
func (o *ops) hset(key, field string, val any) { o.add("hset", key, field, val) }
func (o *ops) hdel(key, field string)          { o.add("hdel", key, field) }
func (o *ops) zadd(key, member string)         { o.add("zadd", key, member) }
func (o *ops) zrem(key, member string)         { o.add("zrem", key, member) }
func (o *ops) hincr(key, field string, by int, drop0 bool) {
	d := "0"
	if drop0 {
		d = "1"
	}
	o.add("hincr", key, field, by, d)
}

// exists conditions on whether key exists.
func (o *ops) exists(key string, yes bool) {
	if yes {
		o.add("ex", key, 1)
	} else {
		o.add("ex", key, 0)
	}
}

// change appends an entry to the change feed.
func (o *ops) change(kind volmatch.ChangeKind, id string, deleted bool) {
	d := "0"
	if deleted {
		d = "1"
	}
	o.add("change", string(kind), id, d, "0")
}

// derived appends a change of derived figures only (Change.Derived).
func (o *ops) derived(kind volmatch.ChangeKind, id string) {
	o.add("change", string(kind), id, "0", "1")
}

// event appends ev to the log; its Seq is given by the script.
func (o *ops) event(ev volmatch.Event) error {
	b, err := eventJSON(ev)
	if err != nil {
		return err
	}
	o.add("event", b)
	return nil
}

// eventJSON encodes ev with Seq 0, which the scripts replace: the JSON must
// start with {"seq":0 (eight bytes).
func eventJSON(ev volmatch.Event) ([]byte, error) {
	ev.Seq = 0
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("redis: encode event: %w", err)
	}
	if !strings.HasPrefix(string(b), `{"seq":0,`) {
		return nil, fmt.Errorf("redis: encoded event does not start with its seq")
	}
	return b, nil
}

// apply runs build then the apply script, again while a compare-and-set
// condition fails. build reads what it needs and fills ops; its error ends
// the write.
func (s *Store) apply(ctx context.Context, what string, build func(o *ops) error) error {
	return s.applyOn(ctx, false, what, build)
}

// applyOn is apply on the bulk client when bulk (an import's large write,
// whose reply is waited for), else through the pipe.
func (s *Store) applyOn(ctx context.Context, bulk bool, what string, build func(o *ops) error) error {
	for try := 0; try < maxTries; try++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("redis: %s: %w", what, err)
		}
		var o ops
		if err := build(&o); err != nil {
			return err
		}
		if len(o.args) == 0 {
			return nil
		}
		if f, ok := volmatch.FenceFrom(ctx); ok {
			o.add("fence", s.idemKey(f.Scope, f.Key), f.Nonce, volmatch.ErrorMessage(volmatch.FenceLost(f.Key)))
		}
		var res any
		var err error
		if bulk {
			res, err = applyScript.Run(ctx, s.bulk, s.keys, o.args...).Result()
		} else {
			res, err = s.pipe.run(ctx, applyScript, s.keys, o.args...).Result()
		}
		if err != nil {
			return s.err(what, err)
		}
		err = scriptResult(res)
		if err == errRetry {
			backoff(try)
			continue
		}
		if err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("redis: %s: %w", what, volmatch.Errorf(volmatch.EUNAVAILABLE, "the record kept changing; try again"))
}

// backoff sleeps a little longer after each failed round.
func backoff(try int) {
	if try > 2 {
		time.Sleep(time.Duration(min(try, 20)) * 500 * time.Microsecond)
	}
}

// scriptResult turns a script's string answer into nil, errRetry or the
// refusal it carries.
func scriptResult(res any) error {
	str, _ := res.(string)
	switch {
	case str == "OK":
		return nil
	case str == "RETRY":
		return errRetry
	case strings.HasPrefix(str, "E:"):
		code, msg, _ := strings.Cut(str[2:], ":")
		return volmatch.Errorf(code, "%s", msg)
	}
	return fmt.Errorf("redis: unexpected script answer %v", res)
}

// nonce returns a fresh version stamp.
func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tkey encodes t as fixed-width digits whose string order is time order
// (nanoseconds since 1970 shifted by 2^63), for comparisons inside scripts.
func tkey(t time.Time) string {
	return fmt.Sprintf("%020d", uint64(t.UnixNano())^(1<<63))
}

// get reads a string; ok false when the key is missing.
func (s *Store) get(ctx context.Context, key string) (string, bool, error) {
	v, err := s.c.Get(ctx, key).Result()
	if err == goredis.Nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.err("get", err)
	}
	return v, true, nil
}

// getJSON decodes the value at key into v, reporting whether it exists.
func (s *Store) getJSON(ctx context.Context, key string, v any) (string, bool, error) {
	raw, ok, err := s.get(ctx, key)
	if err != nil || !ok {
		return raw, ok, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return raw, true, fmt.Errorf("redis: decode %s: %w", key, err)
	}
	return raw, true, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("redis: encode %T: %v", v, err)) // only plain data is encoded
	}
	return b
}

// scanBatch is how many IDs a listing reads per round trip.
const scanBatch = 500

// idsAfter returns up to n IDs of the sorted set after the given ID.
func (s *Store) idsAfter(ctx context.Context, c goredis.UniversalClient, set, after string, n int) ([]string, error) {
	min := "-"
	if after != "" {
		min = "(" + after
	}
	ids, err := c.ZRangeByLex(ctx, set, &goredis.ZRangeBy{Min: min, Max: "+", Count: int64(n)}).Result()
	return ids, s.err("list", err)
}

// fetch reads the records of ids (keyed by key(id)) in one round trip,
// decoding each into a new T; missing ones are left out. prep, when set,
// queues more reads on the same pipeline and completes each record after.
func fetch[T any](ctx context.Context, s *Store, c goredis.UniversalClient, ids []string, key func(string) string,
	prep func(p goredis.Pipeliner, id string) func(*T) error) ([]*T, []string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	p := c.TxPipeline()
	gets := make([]*goredis.StringCmd, len(ids))
	fins := make([]func(*T) error, len(ids))
	for i, id := range ids {
		gets[i] = p.Get(ctx, key(id))
		if prep != nil {
			fins[i] = prep(p, id)
		}
	}
	if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
		return nil, nil, s.err("read", err)
	}
	var out []*T
	var kept []string
	for i, g := range gets {
		raw, err := g.Result()
		if err == goredis.Nil {
			continue
		}
		if err != nil {
			return nil, nil, s.err("read", err)
		}
		x := new(T)
		if err := json.Unmarshal([]byte(raw), x); err != nil {
			return nil, nil, fmt.Errorf("redis: decode %s: %w", key(ids[i]), err)
		}
		if fins[i] != nil {
			if err := fins[i](x); err != nil {
				return nil, nil, err
			}
		}
		out = append(out, x)
		kept = append(kept, ids[i])
	}
	return out, kept, nil
}

// list pages through the records whose IDs the sorted set holds, in ID
// order after o.After, keeping those keep accepts. The cursor is the last ID
// of the page when more matching records follow, "" otherwise.
func list[T any](ctx context.Context, s *Store, set string, key func(string) string, o volmatch.ListOptions,
	keep func(*T) bool, prep func(p goredis.Pipeliner, id string) func(*T) error) ([]*T, string, error) {
	limit, err := o.PageSize()
	if err != nil {
		return nil, "", err
	}
	var out []*T
	var last string
	after := o.After
	for {
		ids, err := s.idsAfter(ctx, s.c, set, after, max(scanBatch, limit+1))
		if err != nil {
			return nil, "", err
		}
		recs, kept, err := fetch(ctx, s, s.c, ids, key, prep)
		if err != nil {
			return nil, "", err
		}
		for i, x := range recs {
			if keep != nil && !keep(x) {
				continue
			}
			if len(out) == limit {
				return out, last, nil
			}
			out = append(out, x)
			last = kept[i]
		}
		if len(ids) < max(scanBatch, limit+1) {
			return out, "", nil
		}
		after = ids[len(ids)-1]
	}
}

// each calls fn for every record of the set in ID order, in batches read on
// the bulk client.
func each[T any](ctx context.Context, s *Store, set string, key func(string) string,
	prep func(p goredis.Pipeliner, id string) func(*T) error, fn func(*T) error) error {
	after := ""
	for {
		ids, err := s.idsAfter(ctx, s.bulk, set, after, 1000)
		if err != nil {
			return err
		}
		recs, _, err := fetch(ctx, s, s.bulk, ids, key, prep)
		if err != nil {
			return err
		}
		for _, x := range recs {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(ids) < 1000 {
			return nil
		}
		after = ids[len(ids)-1]
	}
}
