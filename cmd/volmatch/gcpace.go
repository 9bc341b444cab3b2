package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The serving pace of the collector. A fixed GOGC ties the heap's growth
// between collections to the live heap: serveGCPercent (50 %) keeps a
// city's resident memory within bounds when the feature index is most of
// the heap, but a small deployment then collects after every few
// megabytes, and on a small machine the collector's idle workers take the
// cores the store and the clients need (the loadtest's profiles at 20,000
// volunteers: 21-23 % of the server's CPU in the collector). gcPacer lets
// the heap grow by at least headroom bytes between collections: after each
// collection it sets the percentage to max(floor, 100*headroom/live).

// gcPacer adjusts the collector's percentage after every collection.
type gcPacer struct {
	floor    int
	headroom uint64
	stopped  atomic.Bool
	percent  atomic.Int64 // the percentage set last
	sample   []metrics.Sample
}

// paceGC starts a pacer (nothing when headroom is 0) and returns its stop.
func paceGC(floor int, headroom uint64) (stop func()) {
	if headroom == 0 {
		return func() {}
	}
	p := &gcPacer{floor: floor, headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.adjust()
	p.arm()
	return func() { p.stopped.Store(true) }
}

// gcPercentFor is the percentage that grows a live heap of live bytes by
// headroom bytes at least, never below floor (nor above 10,000 %).
func gcPercentFor(live, headroom uint64, floor int) int {
	if live == 0 {
		live = 1
	}
	pct := (headroom*100 + live - 1) / live
	return int(min(max(pct, uint64(floor)), 10_000))
}

// sentinel is allocated unreachable so that its finalizer runs after the
// next collection; it holds a pointer so that it is not a tiny allocation
// (whose finalizers may never run).
type sentinel struct {
	p    *gcPacer
	_pad [6]uint64
}

func (p *gcPacer) arm() {
	s := &sentinel{p: p}
	runtime.SetFinalizer(s, func(s *sentinel) {
		if s.p.stopped.Load() {
			return
		}
		s.p.adjust()
		s.p.arm()
	})
}

func (p *gcPacer) adjust() {
	metrics.Read(p.sample)
	if p.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	pct := gcPercentFor(p.sample[0].Value.Uint64(), p.headroom, p.floor)
	// Small changes are not worth a new pace.
	if old := int(p.percent.Load()); old != 0 && pct*10 >= old*9 && pct*10 <= old*11 {
		return
	}
	p.percent.Store(int64(pct))
	debug.SetGCPercent(pct)
}
