//go:build amd64 || arm64

package child

import "golang.org/x/sys/unix"

// vforkFlags make the fork a vfork: the child shares the caller's memory,
// and the calling thread waits, until it execs or exits. Nothing is
// copied, neither at the fork nor, page by page, when the program writes
// to its memory afterwards, which with a plain fork costs in proportion
// to what the program has touched.
const vforkFlags = unix.CLONE_VM | unix.CLONE_VFORK

// rawClone is clone(2) with flags and no new stack. Assembly: the child
// shares the stack, so the call must not go through a Go frame the child
// could overwrite (see the .s files).
func rawClone(flags uintptr) (pid, errno uintptr)
