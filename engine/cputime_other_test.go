//go:build !linux

package engine_test

import "time"

// threadCPU is unknown off Linux.
func threadCPU() (time.Duration, bool) { return 0, false }
