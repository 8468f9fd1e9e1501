package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/flock"
	"github.com/berth-dev/berth/internal/plainfile"
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

// Holding an exit. A program waiting for the exit of a container it does
// not watch learns of it by reading the container's state every
// pollInterval. The watcher of an auto-removed container removes it right
// after it records the exit, and a waiter that did not read the state in
// between would find nothing, where docker wait of a run -d --rm
// container reports its exit. So such a waiter holds a shared flock on
// the container's config file (written once, at create) until it knows
// the exit it will report, and Remove, before the state goes, waits for
// the holders, which see the exited state or removingFile at their next
// poll: for holdGrace at most, so that a stopped waiter cannot hold up a
// remove for long. Holding costs nothing when nobody waits: Remove's
// exclusive lock is granted at once.

// holdGrace bounds how long Remove waits for waiters to read an exit.
const holdGrace = time.Second

// removingFile, in a container's directory, tells the waiters holding its
// exit that Remove waits for them.
const removingFile = "removing"

// holdExit takes a waiter's hold on container id's exit, or returns nil
// when there is no container or a remove has begun. releaseHold drops
// it; so does this program when it starts to watch the container itself.
func (r *Runtime) holdExit(id string) *os.File {
	f, err := plainfile.Open(filepath.Join(r.dir, id, configFile), os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB) != nil {
		f.Close()
		return nil
	}
	r.mu.Lock()
	r.holds[id] = append(r.holds[id], f)
	r.mu.Unlock()
	return f
}

// releaseHold drops hold h on id's exit, if it is still held.
func (r *Runtime) releaseHold(id string, h *os.File) {
	if h == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.Index(r.holds[id], h)
	if i < 0 {
		return
	}
	if r.holds[id] = slices.Delete(r.holds[id], i, i+1); len(r.holds[id]) == 0 {
		delete(r.holds, id)
	}
	h.Close()
}

// releaseHoldsLocked drops every hold of this program on id's exit, which
// it now watches and hands to its waiters itself. The caller holds r.mu.
func (r *Runtime) releaseHoldsLocked(id string) {
	for _, h := range r.holds[id] {
		h.Close()
	}
	delete(r.holds, id)
}

// removalPending reports whether a Remove waits for c's waiters
// (waitForHolders). The notice of a Remove killed before it took it back
// is ignored (marker_linux.go).
func removalPending(c *Container) bool {
	return markerHeld(filepath.Join(c.dir(), removingFile))
}

// waitForHolders lets the programs waiting for c's exit read it before
// its state goes (see holdExit). The returned function takes back the
// notice to the waiters, for a remove that does not happen after all.
func (c *Container) waitForHolders(ctx context.Context) (undo func()) {
	undo = func() {}
	f, err := plainfile.Open(filepath.Join(c.dir(), configFile), os.O_RDONLY, 0)
	if err != nil {
		return undo
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		return undo
	}
	marker := filepath.Join(c.dir(), removingFile)
	if writeMarker(marker) == nil {
		undo = func() { _ = os.Remove(marker) }
	}
	ctx, cancel := context.WithTimeout(ctx, holdGrace)
	defer cancel()
	_ = flock.Lock(ctx, f, true, true)
	return undo
}
