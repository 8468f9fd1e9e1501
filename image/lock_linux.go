//go:build linux

package image

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

// errLocked is returned by tryLock when another open file holds the lock.
var errLocked = errors.New("file is locked")

// flock takes a lock on f: exclusive or shared, waiting (polling, so that
// ctx can cancel the wait) or not. flock locks belong to the open file
// description, so two opens of one file in the same process exclude each
// other exactly as two processes do; every lock holder in this package opens
// its own file.
func flock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	backoff := time.Millisecond
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
		if backoff < 20*time.Millisecond {
			backoff *= 2
		}
	}
}
