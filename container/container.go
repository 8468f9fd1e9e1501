//go:build linux

package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/usage"
)

// Container is one container of a Runtime, addressed by ID. Its methods
// read and change the state on disk, so a Container is valid in every
// program that opens the same root, whichever started it.
type Container struct {
	rt *Runtime
	id string
	// ran is the process of the run that made this Container (Run), whose
	// exit Wait sees even if the container is gone.
	ran *process
}

// ID is the container's 64-hex ID.
func (c *Container) ID() string { return c.id }

// ShortID is the 12-hex form docker prints.
func (c *Container) ShortID() string { return shortID(c.id) }

func (c *Container) dir() string { return c.rt.containerDir(c.id) }

// Info is what docker inspect shows of a container.
type Info struct {
	ID         string
	Name       string
	Created    time.Time
	Path       string
	Args       []string
	State      State
	Image      string // image ID
	ImageRef   string // the image as the config names it
	Config     Config
	Env        []string
	WorkingDir string
	User       string
	Hostname   string
	StopSignal string
	Mounts     []MountPoint
	LogPath    string
}

// MountPoint is a mount as docker inspect's Mounts lists it.
type MountPoint struct {
	Type        MountType
	Name        string `json:",omitempty"` // volume name
	Source      string // host path
	Destination string
	RW          bool
}

func (c *Container) record() (*record, error) {
	var rec record
	if err := readJSON(filepath.Join(c.dir(), configFile), &rec); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no such container: %s: %w", c.id, ErrNotFound)
		}
		return nil, fmt.Errorf("container %s: %w", c.ShortID(), err)
	}
	return &rec, nil
}

func (c *Container) state() (*State, error) {
	var st State
	if err := readJSON(filepath.Join(c.dir(), stateFile), &st); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no such container: %s: %w", c.id, ErrNotFound)
		}
		return nil, fmt.Errorf("container %s: %w", c.ShortID(), err)
	}
	return &st, nil
}

// saveState writes st and wakes this program's waiters. The caller holds
// the container's lock.
func (c *Container) saveState(st *State) error {
	st.Running = st.Status == StatusRunning
	st.Dead = st.Status == StatusDead
	if err := writeJSONAtomic(filepath.Join(c.dir(), stateFile), st); err != nil {
		return fmt.Errorf("container %s: save state: %w", c.ShortID(), err)
	}
	c.rt.notify(c.id)
	return nil
}

// Inspect returns the container's configuration and state.
func (c *Container) Inspect(ctx context.Context) (*Info, error) {
	rec, err := c.record()
	if err != nil {
		return nil, err
	}
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	info := &Info{
		ID: rec.ID, Name: "/" + rec.Name, Created: rec.Created, Path: rec.Path, Args: rec.Args,
		State: *st, Image: rec.ImageID, ImageRef: rec.ImageRef, Config: rec.Config, Env: rec.Env,
		WorkingDir: rec.WorkingDir, User: rec.User, Hostname: rec.Hostname, StopSignal: rec.StopSignal,
		LogPath: c.logPath(),
	}
	for _, m := range rec.Volumes {
		mp := MountPoint{Type: m.Type, Destination: m.Target, RW: !m.ReadOnly, Source: m.Source}
		if m.Type == MountVolume {
			mp.Name = m.Source
			mp.Source = c.rt.volumes.Path(m.Source)
		}
		if m.Type == MountTmpfs {
			mp.Source = ""
		}
		info.Mounts = append(info.Mounts, mp)
	}
	return info, nil
}

// Size is the disk space a container's files take, as docker ps -s and
// docker inspect -s report it.
type Size struct {
	// RW is the writable layer: the files the container wrote, changed or
	// deleted (0 where the snapshotter keeps no separate layer, as the
	// copy one).
	RW int64
	// RootFS is all of the container's files: its image's and RW.
	RootFS int64
}

// Size measures the container's writable layer, walking it, which takes
// long for a container that wrote many files (as docker's -s does).
func (c *Container) Size(ctx context.Context) (Size, error) {
	rec, err := c.record()
	if err != nil {
		return Size{}, fmt.Errorf("size of container %s: %w", c.ShortID(), err)
	}
	var sz Size
	if upper, err := c.rt.snap.Changes(ctx, c.id); err == nil {
		sz.RW = usage.Dir(upper)
	}
	images, err := c.rt.imageStore(ctx)
	if err != nil {
		return Size{}, fmt.Errorf("size of container %s: %w", c.ShortID(), err)
	}
	img, err := images.Get(ctx, rec.ImageID)
	if err != nil {
		return Size{}, fmt.Errorf("size of container %s: %w", c.ShortID(), err)
	}
	sz.RootFS = img.Size + sz.RW
	return sz, nil
}

// Name is the container's name, without docker's leading "/".
func (c *Container) Name(ctx context.Context) (string, error) {
	rec, err := c.record()
	if err != nil {
		return "", err
	}
	return rec.Name, nil
}

// ExitStatus is how a container's process ended.
type ExitStatus struct {
	ExitCode  int
	OOMKilled bool
	// Error is why the process could not start, when it could not.
	Error string
}

// WaitCondition says what Wait waits for, as docker wait's --condition.
type WaitCondition string

// Wait conditions.
const (
	// WaitNotRunning returns at once for a container that is not running,
	// else when it exits.
	WaitNotRunning WaitCondition = "not-running"
	// WaitNextExit returns when the container next exits: a running
	// container's exit, else that of a Start made after Wait was called.
	WaitNextExit WaitCondition = "next-exit"
	// WaitRemoved returns when the container is removed, with the last
	// exit the waiter saw: the exit this program watched, or the exited
	// state it read before the removal, which Remove lets it read.
	WaitRemoved WaitCondition = "removed"
)

// Wait returns a channel that receives the container's exit status once
// cond holds, then closes. As with containerd, call Wait before Start to
// be sure to see an exit that Start leads to. The wait ends with an error
// when ctx ends.
func (c *Container) Wait(ctx context.Context, cond WaitCondition) (<-chan ExitStatus, <-chan error) {
	out := make(chan ExitStatus, 1)
	errc := make(chan error, 1)
	if cond == "" {
		cond = WaitNotRunning
	}
	// The exit of the run that made c (Run) is known here even if the
	// container is removed before Wait is called, unless the container
	// has been started again since.
	var ran <-chan struct{}
	st, err := c.state()
	if c.ran != nil && cond != WaitNextExit && (st == nil || st.StartedAt.Equal(c.ran.startedAt)) {
		ran = c.ran.done
	}
	if err != nil && (ran == nil || !errors.Is(err, ErrNotFound)) {
		errc <- err
		return out, errc
	}
	var startedAt time.Time
	wasRunning := false
	if st != nil {
		startedAt, wasRunning = st.StartedAt, st.Status == StatusRunning
	}
	// An exit this program watches is also delivered directly: it is known
	// even if the container is removed (AutoRemove) before a poll sees it.
	localExit := c.rt.onExit(c.id)
	// An exit another program watches is read from the state: hold it,
	// so that a removal right after it waits until it is read (holdExit).
	var hold *os.File
	if !c.rt.watched(c.id) {
		hold = c.rt.holdExit(c.id)
	}
	go func() {
		defer c.rt.forgetExit(c.id, localExit)
		drop := func() {
			c.rt.releaseHold(c.id, hold)
			hold = nil
		}
		// The hold goes before the result: the caller may remove next.
		deliver := func(s ExitStatus) {
			drop()
			out <- s
		}
		fail := func(err error) {
			drop()
			errc <- err
		}
		// The last exit seen, for WaitRemoved, which reports the exit of
		// the container it saw removed.
		var last ExitStatus
		for {
			changed := c.rt.changes(c.id)
			st, err := c.state()
			if err != nil && cond != WaitRemoved {
				select {
				case s := <-localExit: // exited and removed meanwhile
					deliver(s)
					return
				case <-ran:
					deliver(c.ran.status)
					return
				default:
				}
			}
			switch {
			case errors.Is(err, ErrNotFound) && cond == WaitRemoved && c.rt.removing(c.id):
				// Moved aside, not yet gone: Remove notifies when it is.
				// A Remove killed there is finished here, as the next Open
				// would; the next poll sees it gone.
				if unlock, ok := tryLockDir(filepath.Join(c.rt.dir, tmpPrefix+c.id)); ok {
					unlock()
					if err := c.rt.finishInterrupted(ctx, c.id); err != nil {
						fail(fmt.Errorf("wait for container %s: %w", c.ShortID(), err))
						return
					}
				}
				st = &State{Status: StatusRemoving}
			case errors.Is(err, ErrNotFound) && cond == WaitRemoved:
				select {
				case last = <-localExit:
				case <-ran:
					last = c.ran.status
				default:
				}
				deliver(last)
				return
			case err != nil && !errors.Is(err, ErrNotFound):
				fail(err)
				return
			case err != nil:
				fail(fmt.Errorf("wait for container %s: removed: %w", c.ShortID(), err))
				return
			}
			if st.Status == StatusRunning && !c.rt.watched(c.id) && !processAlive(st.Owner, st.OwnerStart) {
				// Nobody watches it any more: settle its state (which
				// may remove it: the hold would hold that up).
				drop()
				_ = c.rt.reconcile(ctx, c.id)
				continue
			}
			if st.Status == StatusExited || st.Status == StatusDead {
				last = ExitStatus{ExitCode: st.ExitCode, OOMKilled: st.OOMKilled, Error: st.Error}
				if cond == WaitRemoved {
					drop() // the exit it will report is known
				}
			}
			if hold != nil && removalPending(c) {
				// The notice is written after the exit is recorded: the
				// state read again has the exit, if there was one, before
				// the hold goes and with it the state.
				if now, err := c.state(); err == nil {
					st = now
					if st.Status == StatusExited || st.Status == StatusDead {
						last = ExitStatus{ExitCode: st.ExitCode, OOMKilled: st.OOMKilled, Error: st.Error}
					}
				}
				drop()
			}
			done := false
			switch cond {
			case WaitNotRunning:
				done = st.Status != StatusRunning
			case WaitNextExit:
				done = st.Status != StatusRunning && st.Status != StatusCreated && (wasRunning || !st.StartedAt.Equal(startedAt))
			}
			if done {
				deliver(ExitStatus{ExitCode: st.ExitCode, OOMKilled: st.OOMKilled, Error: st.Error})
				return
			}
			select {
			case <-ctx.Done():
				fail(fmt.Errorf("wait for container %s: %w", c.ShortID(), ctx.Err()))
				return
			case s := <-localExit:
				if cond != WaitRemoved {
					deliver(s)
					return
				}
				last = s
				drop()
			case <-ran:
				if cond != WaitRemoved {
					deliver(c.ran.status)
					return
				}
				last, ran = c.ran.status, nil
			case <-changed:
			case <-time.After(pollInterval):
			}
		}
	}()
	return out, errc
}

// WaitExit waits until the container is not running and returns its exit
// code: a convenience over Wait.
func (c *Container) WaitExit(ctx context.Context) (ExitStatus, error) {
	out, errc := c.Wait(ctx, WaitNotRunning)
	select {
	case s := <-out:
		return s, nil
	case err := <-errc:
		return ExitStatus{}, err
	}
}

// Kill sends sig to the container's first process.
func (c *Container) Kill(ctx context.Context, sig syscall.Signal) error {
	st, err := c.state()
	if err != nil {
		return fmt.Errorf("kill container %s: %w", c.ShortID(), err)
	}
	if st.Status != StatusRunning {
		return fmt.Errorf("kill container %s: %w", c.ShortID(), &StateError{ID: c.id, Op: "kill", Status: st.Status})
	}
	if p := c.rt.liveProcess(c.id); p != nil {
		return p.signal(sig)
	}
	if !processAlive(st.Pid, st.PidStart) {
		return nil // exiting; its watcher records it
	}
	if err := syscall.Kill(st.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill container %s: %w", c.ShortID(), err)
	}
	return nil
}

// Stop sends the container's stop signal, waits up to timeout for it to
// exit, then kills it with SIGKILL. A negative timeout uses the container's
// StopTimeout (10 seconds by default). Stopping a stopped container is not
// an error.
func (c *Container) Stop(ctx context.Context, timeout time.Duration) error {
	rec, err := c.record()
	if err != nil {
		return fmt.Errorf("stop container %s: %w", c.ShortID(), err)
	}
	if timeout < 0 {
		timeout = defaultStopTimeout
		if rec.Config.StopTimeout != nil {
			timeout = time.Duration(*rec.Config.StopTimeout) * time.Second
		}
	}
	sig, err := ParseSignal(rec.StopSignal)
	if err != nil {
		return fmt.Errorf("stop container %s: %w", c.ShortID(), err)
	}
	if err := c.Kill(ctx, sig); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return nil
		}
		return fmt.Errorf("stop container %s: %w", c.ShortID(), err)
	}
	// An auto-removed container may be gone when the wait looks: it has
	// stopped (ErrNotFound once the signal was delivered).
	wctx, cancel := context.WithTimeout(ctx, timeout)
	_, err = c.WaitExit(wctx)
	cancel()
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stop container %s: %w", c.ShortID(), ctx.Err())
	}
	if err := c.Kill(ctx, syscall.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("stop container %s: %w", c.ShortID(), err)
	}
	if _, err := c.WaitExit(ctx); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("stop container %s: %w", c.ShortID(), err)
	}
	return nil
}

// Restart stops the container (as Stop) and starts it again, detached if
// it ran detached. An auto-removed container (AutoRemove, docker run
// --rm) is kept across the restart, as docker keeps it, and removed when
// it exits otherwise.
func (c *Container) Restart(ctx context.Context, timeout time.Duration, opts ...StartOption) error {
	st, err := c.state()
	if err != nil {
		return fmt.Errorf("restart container %s: %w", c.ShortID(), err)
	}
	// Seen by the watcher of the exit this stop causes, in this program or
	// the monitor; the start that follows removes it. Registered as an
	// owner, this program is known to the next Open if it is killed
	// before that start (settleRestart).
	if err := c.rt.registerOwner(); err != nil {
		return fmt.Errorf("restart container %s: %w", c.ShortID(), err)
	}
	marker := filepath.Join(c.dir(), restartingFile)
	if err := writeMarker(marker); err != nil {
		return fmt.Errorf("restart container %s: %w", c.ShortID(), err)
	}
	defer os.Remove(marker) // when the start failed first
	if err := c.Stop(ctx, timeout); err != nil {
		return fmt.Errorf("restart container %s: %w", c.ShortID(), err)
	}
	if st.Detached {
		opts = append([]StartOption{Detach()}, opts...)
	}
	if err := c.Start(ctx, opts...); err != nil {
		return fmt.Errorf("restart container %s: %w", c.ShortID(), err)
	}
	return nil
}

// RemoveOptions are docker rm's flags.
type RemoveOptions struct {
	// Force kills a running container first.
	Force bool
	// Volumes removes the container's anonymous volumes.
	Volumes bool
}

// Remove deletes the container: its root filesystem, logs and state, and
// (with Volumes) its anonymous volumes. A running container is refused
// unless Force. The image hold is released.
func (c *Container) Remove(ctx context.Context, opts RemoveOptions) error {
	st, err := c.state()
	if err != nil {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	if st.Status == StatusRunning {
		if !opts.Force {
			return fmt.Errorf("remove container %s: %w: stop the container before removing or force remove", c.ShortID(), &StateError{ID: c.id, Op: "remove", Status: st.Status})
		}
		if err := c.Kill(ctx, syscall.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
			return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
		}
		if _, err := c.WaitExit(ctx); err != nil {
			return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
		}
	}
	// Programs waiting for the exit read it before the state goes.
	undoNotice := c.waitForHolders(ctx)
	removed := false
	defer func() {
		if !removed {
			undoNotice()
		}
	}()
	unlock, err := c.rt.lock(ctx)
	if err != nil {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	defer unlock()
	rec, err := c.record()
	if err != nil {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	if st, err := c.state(); err == nil && st.Status == StatusRunning {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), &StateError{ID: c.id, Op: "remove", Status: st.Status})
	}
	// Moved aside first: from here an interrupted remove is finished by
	// the next Open.
	tmp := filepath.Join(c.rt.dir, tmpPrefix+c.id)
	if unlockDir, ok := tryLockDir(c.dir()); ok {
		defer unlockDir()
	}
	if err := os.Rename(c.dir(), tmp); err != nil {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	removed = true
	// The directory goes last: an interrupted remove is finished from its
	// config. The cgroup is independent of both.
	var cgroupGone sync.WaitGroup
	cgroupGone.Go(func() { removeCgroup(c.id) })
	c.rt.release(ctx, rec, opts.Volumes)
	cgroupGone.Wait()
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	c.rt.notify(c.id)
	return nil
}
