//go:build linux

package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// platformSupported reports whether this OS can host a store.
const platformSupported = true

// errLocked: another open file holds the lock and the caller would not wait.
var errLocked = errors.New("file is locked")

// flock takes a lock on f, exclusive or shared, waiting or not. The wait
// polls so that ctx can cancel it. flock(2) locks belong to the open file
// description: two opens of one file in one process exclude each other as
// two processes do, so every holder opens its own file.
func flock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	backoff := 100 * time.Microsecond
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		case !wait:
			return errLocked
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for lock %s: %w", f.Name(), ctx.Err())
		case <-time.After(backoff):
		}
		if backoff < 10*time.Millisecond {
			backoff *= 2
		}
	}
}
