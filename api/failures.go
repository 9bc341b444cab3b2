package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// failures counts the failed bearer tokens (unknown or expired) each client
// address sends, in windows of a minute. An address that used up its
// allowance is answered 429 on every authenticated route until its window
// ends, before its token is looked up: guessing tokens costs the store
// nothing and is slow. The map is bounded: a full map first drops the
// windows that ended, then any one.
type failures struct {
	max    int // failures allowed per window; negative: no limit
	window time.Duration
	now    func() time.Time

	mu sync.Mutex
	m  map[netip.Addr]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

// maxFailAddrs bounds the addresses failures tracks.
const maxFailAddrs = 100000

func newFailures(max int, now func() time.Time) *failures {
	return &failures{max: max, window: time.Minute, now: now, m: map[netip.Addr]*failWindow{}}
}

// blocked reports whether addr has used up its failures in its current
// window and, when so, how long until the window ends.
func (f *failures) blocked(addr netip.Addr) (bool, time.Duration) {
	if f.max < 0 {
		return false, 0
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.m[addr]
	if !ok {
		return false, 0
	}
	end := w.start.Add(f.window)
	if !now.Before(end) {
		delete(f.m, addr)
		return false, 0
	}
	return w.n >= f.max, end.Sub(now)
}

// fail counts one failed token of addr.
func (f *failures) fail(addr netip.Addr) {
	if f.max < 0 {
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.m[addr]
	if ok && !now.Before(w.start.Add(f.window)) {
		ok = false
	}
	if !ok {
		if len(f.m) >= maxFailAddrs {
			f.sweep(now)
		}
		w = &failWindow{start: now}
		f.m[addr] = w
	}
	w.n++
}

// sweep drops the windows that ended, and one more when none had.
func (f *failures) sweep(now time.Time) {
	n := len(f.m)
	for a, w := range f.m {
		if !now.Before(w.start.Add(f.window)) {
			delete(f.m, a)
		}
	}
	if len(f.m) == n {
		for a := range f.m {
			delete(f.m, a)
			break
		}
	}
}

// clientAddr returns the address the failures of r count against: the
// connection's peer, or, when the peer is one of Options.TrustedProxies,
// the right-most address of X-Forwarded-For that is not a trusted proxy.
// An IPv6 address counts as its /64, which one host commonly holds whole.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{} // all peers without an address share one budget
	}
	addr = addr.Unmap()
	if s.trusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a hop we cannot read: stop at the last proxy we trust
			}
			addr = a.Unmap()
			if !s.trusted(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.Addr()
	}
	return addr
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
