package bolt

import "syscall"

// releaseMapped drops the pages of the read-only shared file mapping at
// [addr, addr+size) from the process (madvise MADV_DONTNEED): for a file
// mapping this loses nothing, the next read faults them in again.
func releaseMapped(addr uintptr, size int64) error {
	if size <= 0 {
		return nil
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED); e != 0 {
		return e
	}
	return nil
}
