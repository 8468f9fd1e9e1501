package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cgroup is one container's control group, created by New or found by
// Load. Its methods may be called from several goroutines.
type Cgroup struct {
	path     string
	version  int
	group    group
	warnings []string
}

// group is how one cgroup version does the work: v1Group keeps a
// directory in every controller's hierarchy, v2Group one directory in
// the unified hierarchy.
type group interface {
	add(pid int) error
	// procs lists the processes of the group and its descendants, in no
	// particular order, possibly with repeats.
	procs() ([]int, error)
	// kill sends SIGKILL to pids, which procs just listed; v2 may kill
	// the whole group at once instead.
	kill(pids []int) error
	// stats fills the group's part of s: CPU, memory, pids, block I/O.
	stats(s *Stats) error
	oomKilled() (bool, error)
	// remove deletes the group's directories; missing ones are fine, one
	// in use is ErrInUse.
	remove() error
}

// Kill gives up after killTimeout: a process in uninterruptible sleep
// (say, on a dead NFS server) holds its SIGKILL until the kernel lets it
// go.
const killTimeout = 5 * time.Second

// Path is the group's path below the cgroup root, as given to New.
func (c *Cgroup) Path() string { return c.path }

// Version is 1 for a group in the legacy (or hybrid) hierarchies, 2 for
// the unified one.
func (c *Cgroup) Version() int { return c.version }

// Warnings lists the limits New could not apply because the kernel lacks
// them (for example swap accounting), in Docker's words. A CLI prints
// them as `docker run` does; the group works without those limits.
func (c *Cgroup) Warnings() []string { return slices.Clone(c.warnings) }

// Add moves process pid (all its threads) into the group, in every
// controller. A container's init is added before it runs the container's
// command, so everything it starts is born inside.
func (c *Cgroup) Add(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("add pid %d to cgroup %s: %w", pid, c.path, ErrInvalid)
	}
	if err := c.group.add(pid); err != nil {
		return fmt.Errorf("add pid %d to cgroup %s: %w", pid, c.path, notFound(err))
	}
	return nil
}

// Procs lists the processes in the group and in any group below it,
// sorted.
func (c *Cgroup) Procs() ([]int, error) {
	pids, err := c.group.procs()
	if err != nil {
		return nil, fmt.Errorf("list processes of cgroup %s: %w", c.path, err)
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// Empty reports whether no process is left in the group.
func (c *Cgroup) Empty() (bool, error) {
	pids, err := c.Procs()
	return len(pids) == 0, err
}

// Kill sends SIGKILL to every process in the group and waits until the
// group is empty. A process forked meanwhile is caught by the next round;
// after killTimeout Kill gives up with ErrInUse. It does not reap: the
// parents of the killed processes still wait for them.
//
// With SpareOwnPidNamespace, processes of the caller's pid namespace are
// waited for but not killed.
func (c *Cgroup) Kill(opts ...KillOption) error {
	var o killOptions
	for _, opt := range opts {
		opt(&o)
	}
	deadline := time.Now().Add(killTimeout)
	delay := time.Millisecond
	for {
		pids, err := c.Procs()
		if err != nil {
			return fmt.Errorf("kill cgroup %s: %w", c.path, err)
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kill cgroup %s: %d processes still running after %s: %w", c.path, len(pids), killTimeout, ErrInUse)
		}
		if o.spareOwnPidNamespace {
			pids = slices.DeleteFunc(pids, inOwnPidNamespace)
		}
		if err := c.group.kill(pids); err != nil {
			return fmt.Errorf("kill cgroup %s: %w", c.path, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// Stats samples the group's resource use and the host's CPU time.
func (c *Cgroup) Stats() (Stats, error) {
	s := Stats{Read: time.Now()}
	if err := c.group.stats(&s); err != nil {
		return Stats{}, fmt.Errorf("stats of cgroup %s: %w", c.path, notFound(err))
	}
	if err := readHostStats(&s); err != nil {
		return Stats{}, fmt.Errorf("stats of cgroup %s: %w", c.path, err)
	}
	return s, nil
}

// OOMKilled reports whether the kernel's OOM killer has killed a process
// of the group because of the group's memory limit: "oom_kill" in
// memory.oom_control (v1) or memory.events (v2). Ask before Delete.
func (c *Cgroup) OOMKilled() (bool, error) {
	killed, err := c.group.oomKilled()
	if err != nil {
		return false, fmt.Errorf("read OOM kills of cgroup %s: %w", c.path, err)
	}
	return killed, nil
}

// Delete removes the group from every hierarchy. A group that is already
// gone is not an error; one that still holds processes (or groups below
// it) is ErrInUse: Kill first. It is one rmdir(2) per hierarchy: the
// kernel itself refuses to remove a group in use.
func (c *Cgroup) Delete() error {
	if err := c.group.remove(); err != nil {
		return fmt.Errorf("delete cgroup %s: %w", c.path, err)
	}
	return nil
}

// notFound marks a missing cgroup file or directory as ErrNotFound: the
// group was deleted.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// checkPath accepts absolute, clean paths below the root, like
// "/berth/0123abcd" (a clean absolute path has no "..").
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" || path.Clean(p) != p {
		return fmt.Errorf("cgroup path %q: want an absolute, clean path below the root, like /berth/ID: %w", p, ErrInvalid)
	}
	return nil
}

// KillOption changes how Kill kills.
type KillOption func(*killOptions)

type killOptions struct{ spareOwnPidNamespace bool }

// SpareOwnPidNamespace has Kill leave alone (but wait for) the processes
// of the caller's pid namespace. For a container's group: its processes
// all live in its own pid namespace, while the one thread of a program
// that starts an exec'd process joins the group for a moment
// (container.Exec on cgroup v1), and a SIGKILL meant for the container
// would end that whole program.
func SpareOwnPidNamespace() KillOption {
	return func(o *killOptions) { o.spareOwnPidNamespace = true }
}

// ownPidNamespace is the caller's pid namespace, as /proc shows it.
var ownPidNamespace = sync.OnceValue(func() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return ns
})

// inOwnPidNamespace reports whether process pid is in the caller's pid
// namespace.
func inOwnPidNamespace(pid int) bool {
	ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	return err == nil && ns != "" && ns == ownPidNamespace()
}
