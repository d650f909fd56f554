//go:build linux

package outbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// tameSupported: /proc/self/maps and madvise are there.
const tameSupported = true

func adviseRandom(start, end uintptr) error { return madvise(start, end, unix.MADV_RANDOM) }

func adviseDontNeed(start, end uintptr) error { return madvise(start, end, unix.MADV_DONTNEED) }

// madvise takes the range as numbers: the memory is Badger's, never touched here.
func madvise(start, end uintptr, advice int) error {
	_, _, e := unix.Syscall(unix.SYS_MADVISE, start, end-start, uintptr(advice))
	if e != 0 {
		return fmt.Errorf("madvise %#x-%#x %d: %w", start, end, advice, e)
	}
	return nil
}
