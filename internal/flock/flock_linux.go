package flock

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes a lock on f, exclusive or shared. Without wait it fails at
// once with ErrLocked when another holder has it; with wait it blocks
// until it gets the lock or ctx ends.
//
// The wait is a blocking flock(2) on a duplicate of f's descriptor (the
// lock belongs to the open file, which the two share), made on a
// goroutine of its own: polling left the lock free between holders, and
// with 100 programs creating containers at once they spent most of their
// time asleep beside a free lock. When ctx ends first, Lock returns its
// error and the goroutine goes on waiting: if it then gets the lock, it
// belongs to f's open file until f is closed, which every caller does on
// failure.
func Lock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	fd := int(f.Fd())
	for {
		err := unix.Flock(fd, how|unix.LOCK_NB)
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
		break
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wait for lock %s: %w", f.Name(), err)
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("flock %s: %w", f.Name(), err)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for {
			if err = unix.Flock(dup, how); !errors.Is(err, unix.EINTR) {
				break
			}
		}
		_ = unix.Close(dup)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for lock %s: %w", f.Name(), ctx.Err())
	}
}
