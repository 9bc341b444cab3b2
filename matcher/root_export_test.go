package matcher

import (
	"context"
	"syscall"
	"time"
)

// pcpu is the process's CPU time (user and system).
func pcpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(0, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RootSteps retraces the root of the search in CPU time rather than wall
// time (for TestRootSteps): the flow, its repair and the Lagrangian bound
// at the flow's prices, then for each k of ks the plan around the
// schedules (scheduleFlow) after k subgradient steps in all, each
// reported with the CPU time a root of k steps would have taken (the
// flows of the other k not counted).
func (b *batch) RootSteps(logf func(string, ...any), ks []int) {
	t0 := pcpu()
	rel, err := b.relax(context.Background())
	if err != nil {
		panic(err)
	}
	st := b.newState()
	for _, i := range rel.chosen {
		st.add(i)
	}
	b.repair(st)
	inc := st.value()
	lb := min(rel.bound, b.lagrangeBound(rel.lambda, nil, nil))
	logf("flow+repair+lagrange: %v cpu, objective %d bound %d gap %.3g", pcpu()-t0, inc, lb, float64(lb-inc)/float64(inc))
	lam, done := rel.lambda, 0
	for _, k := range ks {
		lam, lb = b.subgradient(lam, lb, inc, k-done, func() bool { return false })
		done = k
		t1 := pcpu()
		s := &search{b: b, bestVal: inc}
		s.scheduleFlow(context.Background(), b, nil, lam)
		logf("%d steps: at %v cpu (flow %v), objective %d bound %d gap %.3g", k, pcpu()-t0, pcpu()-t1, s.bestVal, lb, float64(lb-s.bestVal)/float64(s.bestVal))
		t0 += pcpu() - t1 // the flows of the other k do not count
	}
}

// LagrangeBound is lagrangeBound at the first flow's prices with the
// shifts' use counted (as a subgradient step does); reference: the
// implementation before schedules (refLagrangeBound). The first call
// builds the batch's schedules.
func (b *batch) LagrangeBound(ctx context.Context, reference bool) (func() int64, error) {
	rel, err := b.relax(ctx)
	if err != nil {
		return nil, err
	}
	if reference {
		use := make([]int32, len(b.shifts))
		return func() int64 { return refLagrangeBoundOld(b, rel.lambda, use, nil) }, nil
	}
	use := make([]int32, len(b.shifts))
	return func() int64 { return b.lagrangeBound(rel.lambda, use, nil) }, nil
}
