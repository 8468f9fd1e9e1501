package capability

import (
	"errors"
	"fmt"

	mobycap "github.com/moby/sys/capability"
	"golang.org/x/sys/unix"
)

// Apply makes caps the capabilities of the calling OS thread, the way runc
// does for a container's process (since CVE-2022-24769): every capability
// not in caps is dropped from the bounding set, the ambient set is cleared,
// the effective and permitted sets become exactly caps and the inheritable
// set becomes empty.
//
// Apply changes the calling thread only: call it in the re-executed child,
// on a goroutine locked with runtime.LockOSThread, and execve from that same
// thread; other threads of the process keep their capabilities. Call it
// after setuid/setgid, with PR_SET_KEEPCAPS set before setuid so that the
// permitted set survives it: Apply first raises the effective set back to
// the permitted set (setuid to a non-root user clears it), which it needs
// for dropping from the bounding set (CAP_SETPCAP).
//
// Names are checked before anything changes: an unknown one gives an error
// wrapping ErrUnknownCapability and leaves the thread as it was.
func Apply(caps []string) error {
	want, last, err := Mask(caps)
	if err != nil {
		return err
	}

	// Pid 0 in the header means the calling thread.
	header := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&header, &data[0]); err != nil {
		return fmt.Errorf("apply capabilities: capget: %w", err)
	}
	for i := range data {
		data[i].Effective = data[i].Permitted
	}
	if err := unix.Capset(&header, &data[0]); err != nil {
		return fmt.Errorf("apply capabilities: raise effective set: %w", err)
	}

	for c := mobycap.Cap(0); c <= mobycap.Cap(last); c++ {
		if want[c/32]&(1<<(c%32)) != 0 {
			continue
		}
		inBounding, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		if err != nil {
			return fmt.Errorf("apply capabilities: read bounding set: %s: %w", name(c), err)
		}
		if inBounding == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			return fmt.Errorf("apply capabilities: drop %s from bounding set: %w", name(c), err)
		}
	}

	// EINVAL: kernels before 4.3 have no ambient set.
	err = unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("apply capabilities: clear ambient set: %w", err)
	}

	for i := range data {
		data[i] = unix.CapUserData{Effective: want[i], Permitted: want[i]}
	}
	if err := unix.Capset(&header, &data[0]); err != nil {
		return fmt.Errorf("apply capabilities: capset: %w", err)
	}
	return nil
}

// Mask returns caps as the two 32-bit words of a capability set (what
// capset takes) and the highest capability the kernel knows, for code
// that applies them with raw system calls (a forked child before execve).
// An unknown name gives an error wrapping ErrUnknownCapability.
func Mask(caps []string) (want [2]uint32, last uint, err error) {
	for _, capName := range caps {
		c, err := lookup(capName)
		if err != nil {
			return want, 0, fmt.Errorf("apply capabilities: %w", err)
		}
		want[c/32] |= 1 << (c % 32)
	}
	l, err := mobycap.LastCap()
	if err != nil {
		return want, 0, fmt.Errorf("apply capabilities: %w", err)
	}
	return want, uint(l), nil
}
