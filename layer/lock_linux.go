package layer

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockDir takes an exclusive flock on f, failing at once when nonblock and
// another holder has it.
func lockDir(f *os.File, nonblock bool) error {
	how := unix.LOCK_EX
	if nonblock {
		how |= unix.LOCK_NB
	}
	return unix.Flock(int(f.Fd()), how)
}
