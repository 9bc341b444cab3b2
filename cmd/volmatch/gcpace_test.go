package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const MiB = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		floor, want    int
	}{
		{100 * MiB, 256 * MiB, 50, 256},   // a small deployment: the headroom rules
		{3300 * MiB, 256 * MiB, 50, 50},   // a city: the floor rules
		{512 * MiB, 256 * MiB, 50, 50},    // exactly the floor
		{300 * MiB, 256 * MiB, 50, 86},    // rounded up
		{0, 256 * MiB, 50, 10_000},        // capped
		{1 * MiB, 256 * MiB, 100, 10_000}, // capped
	} {
		if got := gcPercentFor(c.live, c.headroom, c.floor); got != c.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB, %d) = %d, want %d", c.live/MiB, c.headroom/MiB, c.floor, got, c.want)
		}
	}
}

// TestPaceGC runs the pacer on this test's small heap: after a collection
// the percentage is the headroom's, and after stop it is left alone.
func TestPaceGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	stop := paceGC(50, 1<<30)
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		if got := debug.SetGCPercent(-1); got > 1000 {
			debug.SetGCPercent(got)
			break
		} else {
			debug.SetGCPercent(got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pacer did not raise the percentage for a heap far below 1 GiB")
		}
	}
	stop()
	debug.SetGCPercent(77)
	runtime.GC()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := debug.SetGCPercent(100); got != 77 {
		t.Errorf("after stop the percentage is %d, want 77 (left alone)", got)
	}
}
