package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// TestCPUTime reads this process's CPU time before and after burning some:
// it grows, and a process that does not exist is an error.
func TestCPUTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		x++
	}
	after, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("cpuTime after 200 ms of work = %v, before %v; want more (x=%d)", after, before, x)
	}
	if _, err := cpuTimes([]int{os.Getpid(), 1 << 30}); err == nil {
		t.Errorf("cpuTimes of a missing process: no error")
	}
}
