package container

import (
	"context"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/flock"
	"github.com/berth-dev/berth/internal/plainfile"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lock takes the runtime's exclusive lock (ROOT/container/lock), held
// around create, remove and names, across processes.
func (r *Runtime) lock(ctx context.Context) (func(), error) {
	f, err := plainfile.Open(filepath.Join(r.dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(ctx, f, true, true); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lock takes the container's exclusive lock (a flock on its directory),
// held around state changes, across processes.
func (c *Container) lock(ctx context.Context) (func(), error) {
	f, err := plainfile.Open(c.dir(), os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no such container: %s: %w", c.id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(ctx, f, true, true); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// tryLockDir takes an exclusive flock on dir without waiting; false when
// another holder has it.
func tryLockDir(dir string) (func(), bool) {
	f, err := plainfile.Open(dir, os.O_RDONLY, 0)
	if err != nil {
		return nil, false
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
