//go:build linux

package matcher_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used (the
// caller locks its goroutine to the thread), or false where unknown. On a
// shared machine it shows a call's cost without the time spent waiting
// for a core.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
