// Package parallel runs the iterations of a loop on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(i) for every i in [0, n), split into contiguous ranges over
// up to GOMAXPROCS goroutines, none given fewer than about grain iterations
// (below that a goroutine costs more than it saves). It returns when every
// call has returned; fn must be safe to call concurrently for distinct i.
func For(n, grain int, fn func(i int)) {
	w := min(runtime.GOMAXPROCS(0), n/max(grain, 1)+1)
	if w <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + w - 1) / w
	for lo := 0; lo < n; lo += per {
		hi := min(n, lo+per)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
