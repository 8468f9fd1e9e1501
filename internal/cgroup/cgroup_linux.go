package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/cgroups/v3"
	"golang.org/x/sys/unix"
)

// version is the cgroup version of the host: 1 for the legacy and the
// hybrid layouts (where the unified hierarchy holds no controller berth
// uses), 2 for the unified layout, 0 when cgroups are not mounted.
func version() int {
	switch cgroups.Mode() {
	case cgroups.Unified:
		return 2
	case cgroups.Legacy, cgroups.Hybrid:
		return 1
	default:
		return 0
	}
}

// New creates the group at path (e.g. "/berth/<id>") below the root of
// every hierarchy berth uses — one directory per v1 controller, or one
// directory in the unified v2 hierarchy — and applies r. r is checked
// with Validate first. Limits the kernel cannot enforce are dropped and
// reported by Warnings, as Docker does. An existing group at path is
// reused and its limits are rewritten.
//
// Writes to cgroupfs only: no thread state is involved, so it may run on
// any goroutine.
func New(path string, r Resources) (*Cgroup, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", path, err)
	}
	var (
		c   *Cgroup
		err error
	)
	switch version() {
	case 1:
		c, err = newV1(path, r)
	case 2:
		c, err = newV2(unifiedMountpoint, path, r)
	default:
		err = fmt.Errorf("no cgroup filesystem mounted: %w", ErrNotSupported)
	}
	if err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", path, err)
	}
	return c, nil
}

// Load finds the existing group at path, for a process that did not
// create it (recovery after a restart, stats). A group that exists in no
// hierarchy is ErrNotFound. Warnings of a loaded group are empty.
func Load(path string) (*Cgroup, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("load cgroup: %w", err)
	}
	var (
		c   *Cgroup
		err error
	)
	switch version() {
	case 1:
		c, err = loadV1(path)
	case 2:
		c, err = loadV2(unifiedMountpoint, path)
	default:
		err = fmt.Errorf("no cgroup filesystem mounted: %w", ErrNotSupported)
	}
	if err != nil {
		return nil, fmt.Errorf("load cgroup %s: %w", path, err)
	}
	return c, nil
}

// Exists reports whether a group is at path in any hierarchy, with a
// stat(2) per hierarchy: cheaper than Load.
func Exists(path string) (bool, error) {
	if err := checkPath(path); err != nil {
		return false, err
	}
	var (
		ok  bool
		err error
	)
	switch version() {
	case 1:
		ok, err = existsV1(path)
	case 2:
		ok, err = existsDir(filepath.Join(unifiedMountpoint, path))
	default:
		err = fmt.Errorf("no cgroup filesystem mounted: %w", ErrNotSupported)
	}
	if err != nil {
		return false, fmt.Errorf("look for cgroup %s: %w", path, err)
	}
	return ok, nil
}

// List returns the paths of the groups directly below parent (e.g.
// "/berth" gives "/berth/<id>", ...), sorted, from every hierarchy: to
// recover after a restart, or to find groups leaked by a crash. A parent
// that does not exist has no children.
func List(parent string) ([]string, error) {
	if err := checkPath(parent); err != nil {
		return nil, fmt.Errorf("list cgroups: %w", err)
	}
	var (
		names []string
		err   error
	)
	switch version() {
	case 1:
		names, err = listV1(parent)
	case 2:
		names, err = childDirs(filepath.Join(unifiedMountpoint, parent))
	default:
		err = fmt.Errorf("no cgroup filesystem mounted: %w", ErrNotSupported)
	}
	if err != nil {
		return nil, fmt.Errorf("list cgroups below %s: %w", parent, err)
	}
	return childPaths(parent, names), nil
}

// childPaths joins names below parent, sorted and without repeats.
func childPaths(parent string, names []string) []string {
	slices.Sort(names)
	names = slices.Compact(names)
	paths := make([]string, 0, len(names))
	for _, n := range names {
		paths = append(paths, filepath.Join(parent, n))
	}
	return paths
}

// killPids sends SIGKILL to each process; one that is already gone is
// fine.
func killPids(pids []int) error {
	for _, pid := range pids {
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("kill pid %d: %w", pid, err)
		}
	}
	return nil
}

// readOOMKill reads "oom_kill" from memory.oom_control (v1) or
// memory.events (v2). A group without the file has no memory controller
// and so no memory limit to be killed by.
func readOOMKill(file string) (bool, error) {
	b, err := readControl(file)
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(filepath.Dir(file)); errors.Is(derr, fs.ErrNotExist) {
			return false, fmt.Errorf("%w: %w", ErrNotFound, derr)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	kv, err := parseFlatKeyed(bytes.NewReader(b))
	if err != nil {
		return false, fmt.Errorf("parse %s: %w", file, err)
	}
	return kv["oom_kill"] > 0, nil
}

// childDirs lists the directories in dir by name; a missing dir has
// none.
func childDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// writeControlFile writes value to an existing cgroup file; a file the
// kernel does not offer is fs.ErrNotExist (os.WriteFile would try to
// create it and fail with EACCES).
func writeControlFile(file, value string) error {
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeDir removes a group's directory: gone already is fine; EBUSY,
// the kernel's answer for a group with processes or child groups, is
// ErrInUse.
func removeDir(dir string) error {
	err := unix.Rmdir(dir)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("remove %s: processes or groups left in it: %w", dir, ErrInUse)
	default:
		return fmt.Errorf("remove %s: %w", dir, err)
	}
}

// readProcs appends the pids in dir's cgroup.procs and in those of the
// groups below it. A directory that vanishes meanwhile has none. (It
// lists directories with getdents alone, where filepath.Walk would stat
// each of the dozens of control files, and only when the directory's link
// count, 2 and one per directory below it, says there are any.)
func readProcs(dir string, pids []int) ([]int, error) {
	b, err := readControl(filepath.Join(dir, "cgroup.procs"))
	if errors.Is(err, fs.ErrNotExist) {
		return pids, nil
	}
	if err != nil {
		return nil, err
	}
	for f := range strings.FieldsSeq(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("parse %s/cgroup.procs: %w", dir, err)
		}
		pids = append(pids, pid)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); errors.Is(err, unix.ENOENT) {
		return pids, nil
	} else if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: dir, Err: err}
	}
	if st.Nlink <= 2 {
		return pids, nil
	}
	children, err := childDirs(dir)
	if err != nil {
		return nil, err
	}
	for _, child := range children {
		if pids, err = readProcs(filepath.Join(dir, child), pids); err != nil {
			return nil, err
		}
	}
	return pids, nil
}

func existsDir(dir string) (bool, error) {
	_, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// readControl reads a control file whole with one system call to open it,
// one per read and one to close it: os.ReadFile's stat and attempt to
// register the file with the poller cost more than a small file's read,
// and a container's start and removal read dozens.
func readControl(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b))
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}
