package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Lock takes a lock on f, exclusive or shared. Without wait it fails at
// once with ErrLocked when another holder has it; with wait it polls, with
// a growing pause up to 10 ms, until it gets the lock or ctx ends.
func Lock(ctx context.Context, f *os.File, exclusive, wait bool) error {
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
			return ErrLocked
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
