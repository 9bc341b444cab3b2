//go:build !linux

package bolt

// releaseMapped does nothing where madvise is not at hand.
func releaseMapped(addr uintptr, size int64) error { return nil }
