package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/layer"
)

// Export writes a tar of the container's root filesystem to w, as docker
// export does: every file of the image as the container changed it, with
// owners, modes, times and hardlinks, named relative to "/" ("bin/sh",
// "etc/"). Volumes, bind mounts, the managed /etc files and the kernel
// filesystems (/proc, /sys, /dev and what is below them) are not part of
// the root filesystem: their mount points appear as the empty directory or
// file they are mounted on, without content.
//
// A running container is read through /proc/PID/root, live: a file that
// changes while it is read is archived as it was when opened (a file that
// shrank meanwhile is padded with zeros, as GNU tar does). A stopped
// container's snapshot is mounted on the host for the call, and the
// container cannot be started until Export returns.
func (c *Container) Export(ctx context.Context, w io.Writer) error {
	v, err := c.openRoot(ctx, "export", viewRootfs)
	if err != nil {
		return fmt.Errorf("export container %s: %w", c.ShortID(), err)
	}
	defer v.close()
	var st unix.Statx_t
	if err := statx(int(v.dir.Fd()), "", unix.AT_EMPTY_PATH, &st); err != nil {
		return fmt.Errorf("export container %s: %w", c.ShortID(), err)
	}
	fd, err := unix.Openat(int(v.dir.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("export container %s: %w", c.ShortID(), err)
	}
	a := newArchiver(w, v, v.exportPruned)
	err = a.children(ctx, fd, "", v.mountKey(&st))
	if cerr := a.tw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export container %s: %w", c.ShortID(), err)
	}
	return nil
}

// viewKind says what a rootView shows of a stopped container.
type viewKind int

const (
	// viewRootfs is the root filesystem alone (Export).
	viewRootfs viewKind = iota
	// viewMounts adds the volumes, bind mounts and managed /etc files, as
	// the container sees them (docker cp).
	viewMounts
)

// mntPrefix names where a stopped container's snapshot is mounted on the
// host while a call reads or writes it: ROOT/container/.mnt-ID. It is
// outside the container's directory on purpose: Remove deletes that
// directory recursively, and must never walk into a mounted volume or
// bind-mounted host directory.
const mntPrefix = ".mnt-"

func (c *Container) mntDir() string { return filepath.Join(c.rt.dir, mntPrefix+c.id) }

// rootView is a container's root filesystem opened from the host.
//
// For a running container it is /proc/PID/root: the container's own view,
// with every mount it has, seen from its mount namespace without entering
// it. For a stopped one the snapshot's mounts (and with viewMounts the
// container's bind mounts) are applied to ROOT/container/.mnt-ID, under the
// container's lock so that it cannot start meanwhile, and close unmounts
// them all (one lazy, recursive unmount) even when the call failed.
//
// Paths from the user are only ever resolved inside dir with
// filepath-securejoin's pathrs (openat2 RESOLVE_IN_ROOT, or its emulation):
// a symlink in the container resolves against the container's root, never
// the host's.
type rootView struct {
	dir *os.File // O_PATH handle on the container's "/"
	rec *record
	// mounts are the mount points of a running container, by key (see
	// mountKey); nil for a stopped container, whose view has no kernel
	// filesystems mounted.
	mounts map[uint64]*mountinfo.Info
	byID   bool // keys are mount IDs (statx STATX_MNT_ID); else device numbers
	close  func()
}

// openRoot opens c's root filesystem for op ("export", "copy from", ...).
func (c *Container) openRoot(ctx context.Context, op string, kind viewKind) (*rootView, error) {
	rec, err := c.record()
	if err != nil {
		return nil, err
	}
	// The container may start or exit while we look: its watcher records
	// an exit within moments.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st, err := c.state()
		if err != nil {
			return nil, err
		}
		if st.Status == StatusRunning {
			v, err := openRunningRoot(rec, st)
			if err == nil || !errors.Is(err, errExited) {
				return v, err
			}
			_ = c.rt.reconcile(ctx, c.id)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(pollInterval):
			}
			continue
		}
		if st.Status != StatusCreated && st.Status != StatusExited {
			return nil, &StateError{ID: c.id, Op: op, Status: st.Status}
		}
		unlock, err := c.lock(ctx)
		if err != nil {
			return nil, err
		}
		if st, err = c.state(); err != nil || st.Status == StatusRunning {
			unlock()
			if err != nil {
				return nil, err
			}
			continue
		}
		v, err := c.mountRoot(rec, kind)
		if err != nil {
			unlock()
			return nil, err
		}
		closeMount := v.close
		v.close = func() { closeMount(); unlock() }
		return v, nil
	}
	return nil, fmt.Errorf("%s: the container keeps changing state: %w", op, ErrConflict)
}

// errExited is a running container's process found gone.
var errExited = errors.New("container process exited")

// openRunningRoot opens /proc/PID/root of a running container. The
// process is checked to be the container's after the open, so the handle
// cannot be another process's root that reused the PID.
func openRunningRoot(rec *record, st *State) (*rootView, error) {
	f, err := os.OpenFile("/proc/"+strconv.Itoa(st.Pid)+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			return nil, errExited
		}
		return nil, err
	}
	infos, err := mountinfo.PidMountInfo(st.Pid)
	if err != nil || !processAlive(st.Pid, st.PidStart) {
		f.Close()
		return nil, errExited
	}
	v := &rootView{dir: f, rec: rec, mounts: map[uint64]*mountinfo.Info{}, close: func() { f.Close() }}
	var root unix.Statx_t
	if err := statx(int(f.Fd()), "", unix.AT_EMPTY_PATH, &root); err != nil {
		f.Close()
		return nil, err
	}
	v.byID = root.Mask&unix.STATX_MNT_ID != 0
	for _, m := range infos {
		key := uint64(m.ID)
		if !v.byID {
			key = unix.Mkdev(uint32(m.Major), uint32(m.Minor))
		}
		// Device numbers may be shared: the root's mount is never pruned.
		if prev, ok := v.mounts[key]; !ok || prev.Mountpoint != "/" {
			v.mounts[key] = m
		}
	}
	return v, nil
}

// mountRoot mounts a stopped container's snapshot on ROOT/container/.mnt-ID
// and, for viewMounts, its bind mounts, volumes and managed /etc files
// below (tmpfs mounts and kernel filesystems are left out: a stopped
// container has none). The caller holds the container's lock.
//
// Runs in the calling program's mount namespace; the mounts are seen by
// the host while the call lasts.
func (c *Container) mountRoot(rec *record, kind viewKind) (_ *rootView, err error) {
	mnt := c.mntDir()
	// Left by a program killed in the middle of a call: take it down.
	if err := unmountAll(mnt); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(mnt, 0o700); err != nil {
		return nil, err
	}
	unmount := func() {
		_ = unmountAll(mnt)
		_ = os.Remove(mnt)
	}
	mounted := false
	defer func() {
		if err != nil && mounted {
			unmount()
		}
	}()
	for _, m := range rec.Rootfs {
		if err := m.Apply(mnt); err != nil {
			return nil, err
		}
		mounted = true
	}
	if !mounted {
		return nil, fmt.Errorf("container has no root filesystem: %w", ErrNotFound)
	}
	dir, err := os.OpenFile(mnt, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			dir.Close()
		}
	}()
	if kind == viewMounts {
		in := planInput{rec: rec, dir: c.dir(), volumeDirs: map[string]string{}}
		for _, m := range rec.Volumes {
			if m.Type == MountVolume {
				in.volumeDirs[m.Source] = c.rt.volumes.Path(m.Source)
			}
		}
		for _, e := range mountPlan(in) {
			if e.Flags&msBind == 0 || e.Source == "" {
				continue // kernel filesystems and tmpfs
			}
			if err := bindInRoot(dir, e); err != nil {
				return nil, err
			}
		}
	}
	if rec.Config.ReadonlyRootfs {
		// As the container sees it: writes fail with EROFS but in volumes.
		if err := unix.Mount("", mnt, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return nil, fmt.Errorf("remount %s read-only: %w", mnt, err)
		}
	}
	closeView := func() {
		// Through the handle first: it names the mount whatever happened
		// to the path meanwhile.
		_ = unix.Unmount(procFD(dir), unix.MNT_DETACH)
		dir.Close()
		unmount()
	}
	return &rootView{dir: dir, rec: rec, close: closeView}, nil
}

// unmountAll takes down every mount stacked on dir (each lazy unmount
// takes the bind mounts below it along).
func unmountAll(dir string) error {
	for range 16 {
		mounted, err := mountinfo.Mounted(dir)
		if errors.Is(err, os.ErrNotExist) || err == nil && !mounted {
			return nil
		}
		if err != nil {
			return err
		}
		if err := layer.Unmount(dir); err != nil {
			return err
		}
	}
	return fmt.Errorf("unmount %s: still mounted: %w", dir, ErrInUse)
}

// bindInRoot bind-mounts e.Source on e.Target inside the root dir. The
// target is created when missing (as the container's start would) and
// resolved with pathrs, and the mount is made on the resolved handle
// (/proc/self/fd/N), so a symlink cannot send the mount out of the root,
// even one planted meanwhile through a volume another container shares.
func bindInRoot(root *os.File, e mountEntry) error {
	if e.File {
		parent, err := pathrs.MkdirAllHandle(root, filepath.Dir(e.Target), 0o755)
		if err != nil {
			return fmt.Errorf("mount %s: %w", e.Target, err)
		}
		fd, err := unix.Openat(int(parent.Fd()), filepath.Base(e.Target), unix.O_CREAT|unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
		parent.Close()
		if err == nil {
			unix.Close(fd)
		} else if !errors.Is(err, unix.ELOOP) {
			return fmt.Errorf("mount %s: %w", e.Target, err)
		}
	} else {
		h, err := pathrs.MkdirAllHandle(root, e.Target, 0o755)
		if err != nil {
			return fmt.Errorf("mount %s: %w", e.Target, err)
		}
		h.Close()
	}
	target, err := pathrs.OpenatInRoot(root, e.Target)
	if err != nil {
		return fmt.Errorf("mount %s: %w", e.Target, err)
	}
	err = unix.Mount(e.Source, procFD(target), "", unix.MS_BIND|unix.MS_REC, "")
	target.Close()
	if err != nil {
		return fmt.Errorf("mount %s on %s: %w", e.Source, e.Target, err)
	}
	if e.Flags&msRdonly == 0 {
		return nil
	}
	// The old handle is below the new mount: open its root to remount it.
	if target, err = pathrs.OpenatInRoot(root, e.Target); err != nil {
		return fmt.Errorf("mount %s: %w", e.Target, err)
	}
	defer target.Close()
	if err := unix.Mount("", procFD(target), "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", e.Target, err)
	}
	return nil
}

// procFD is the path that reaches f's file through procfs.
func procFD(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }

// mountKey is the key of the mount st is on, as rootView.mounts has it.
func (v *rootView) mountKey(st *unix.Statx_t) uint64 {
	if v.byID {
		return st.Mnt_id
	}
	return unix.Mkdev(st.Dev_major, st.Dev_minor)
}

// exportPruned reports whether the mount with key is left out of an
// export: every mount of a running container but its root.
func (v *rootView) exportPruned(key uint64) bool {
	m, ok := v.mounts[key]
	return ok && m.Mountpoint != "/"
}

// copyPruned reports whether the mount with key is left out of a copy:
// the kernel filesystems the runtime gives a container (/proc, /sys, /dev
// and below) are, volumes and bind mounts are not. docker cp shows the
// same: it reads the root filesystem with the container's volumes.
func (v *rootView) copyPruned(key uint64) bool {
	m, ok := v.mounts[key]
	if !ok || m.Mountpoint == "/" {
		return false
	}
	for _, vol := range v.rec.Volumes {
		if filepath.Clean(vol.Target) == m.Mountpoint {
			return false
		}
	}
	for _, k := range []string{"/proc", "/sys", "/dev"} {
		if m.Mountpoint == k || strings.HasPrefix(m.Mountpoint, k+"/") {
			return true
		}
	}
	return false
}

// statx stats name relative to dirfd without following a final symlink,
// with the mount ID when the kernel gives it (Linux 5.8).
func statx(dirfd int, name string, flags int, st *unix.Statx_t) error {
	for {
		err := unix.Statx(dirfd, name, flags|unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_SYNC_AS_STAT,
			unix.STATX_BASIC_STATS|unix.STATX_MNT_ID, st)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// archiver writes directory trees as tar entries. It walks with directory
// file descriptors, opening every component with O_NOFOLLOW: whatever a
// running container does to its files meanwhile, the walk never leaves
// the tree it started in (a file swapped for a symlink is archived as the
// symlink or skipped), and it never reads a FIFO or a device.
type archiver struct {
	tw     *tar.Writer
	pruned func(mountKey uint64) bool // mounts whose content is left out
	key    func(*unix.Statx_t) uint64
	links  map[[3]uint64]string // (dev major, dev minor, inode) → first name, for hardlinks
	buf    []byte
}

func newArchiver(w io.Writer, v *rootView, pruned func(uint64) bool) *archiver {
	return &archiver{
		tw: tar.NewWriter(w), pruned: pruned, key: v.mountKey,
		links: map[[3]uint64]string{}, buf: make([]byte, 256<<10),
	}
}

// entry archives name (relative to dirfd) as tarName and, for a
// directory, everything below it, not descending into pruned mounts
// other than parentMount (the mount the walk came from).
func (a *archiver) entry(ctx context.Context, dirfd int, name, tarName string, parentMount uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var st unix.Statx_t
	if err := statx(dirfd, name, 0, &st); err != nil {
		return err
	}
	mnt := a.key(&st)
	pruned := mnt != parentMount && a.pruned != nil && a.pruned(mnt)
	h := header(&st, tarName)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		h.Name += "/"
		if err := a.tw.WriteHeader(h); err != nil {
			return err
		}
		if pruned {
			return nil
		}
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			if gone(err) || errors.Is(err, unix.ELOOP) {
				return nil
			}
			return err
		}
		return a.children(ctx, fd, tarName+"/", mnt)
	case unix.S_IFREG:
		return a.file(dirfd, name, h, &st, pruned)
	case unix.S_IFLNK:
		target, err := readlinkat(dirfd, name)
		if err != nil {
			if gone(err) {
				return nil
			}
			return err
		}
		h.Typeflag, h.Linkname = tar.TypeSymlink, target
	case unix.S_IFCHR, unix.S_IFBLK:
		h.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			h.Typeflag = tar.TypeBlock
		}
		h.Devmajor, h.Devminor = int64(st.Rdev_major), int64(st.Rdev_minor)
	case unix.S_IFIFO:
		h.Typeflag = tar.TypeFifo
	default:
		return nil // sockets have no tar form; docker skips them too
	}
	return a.tw.WriteHeader(h)
}

// children archives the entries of the directory fd (which it closes),
// sorted by name, each named prefix+name.
func (a *archiver) children(ctx context.Context, fd int, prefix string, mount uint64) error {
	dir := os.NewFile(uintptr(fd), prefix)
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, n := range names {
		if err := a.entry(ctx, int(dir.Fd()), n, prefix+n, mount); err != nil {
			return err
		}
	}
	return nil
}

// file archives a regular file: a hardlink to an earlier entry, or its
// content. A pruned file (a file bind mount) is archived empty.
func (a *archiver) file(dirfd int, name string, h *tar.Header, st *unix.Statx_t, pruned bool) error {
	if pruned {
		h.Size = 0
		return a.tw.WriteHeader(h)
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		if gone(err) || errors.Is(err, unix.ELOOP) {
			return nil // removed or replaced meanwhile
		}
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	// What was opened is what is archived.
	if err := statx(fd, "", unix.AT_EMPTY_PATH, st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	*h = *header(st, h.Name)
	if st.Nlink > 1 {
		key := [3]uint64{uint64(st.Dev_major), uint64(st.Dev_minor), st.Ino}
		if first, ok := a.links[key]; ok {
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			return a.tw.WriteHeader(h)
		}
		a.links[key] = h.Name
	}
	if capability, err := fgetxattr(fd, "security.capability"); err == nil {
		h.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": capability}
	}
	if err := a.tw.WriteHeader(h); err != nil {
		return err
	}
	n, err := io.CopyBuffer(a.tw, io.LimitReader(f, h.Size), a.buf)
	if err != nil {
		return err
	}
	// Shrunk since the stat: pad, as GNU tar does, to keep the archive whole.
	for n < h.Size {
		k := min(int64(len(a.buf)), h.Size-n)
		clear(a.buf[:k])
		if _, err := a.tw.Write(a.buf[:k]); err != nil {
			return err
		}
		n += k
	}
	return nil
}

// header is the tar header of a file with stat st: a regular file until
// the caller says otherwise. Owner names are left out (they would be the
// host's, not the container's).
func header(st *unix.Statx_t, name string) *tar.Header {
	h := &tar.Header{
		Name:     name,
		Typeflag: tar.TypeReg,
		Mode:     int64(st.Mode & 0o7777),
		Uid:      int(st.Uid),
		Gid:      int(st.Gid),
		ModTime:  time.Unix(st.Mtime.Sec, int64(st.Mtime.Nsec)),
	}
	if st.Mode&unix.S_IFMT == unix.S_IFREG {
		h.Size = int64(st.Size)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		h.Typeflag = tar.TypeDir
	}
	return h
}

func readlinkat(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

func fgetxattr(fd int, attr string) (string, error) {
	buf := make([]byte, 128)
	for {
		n, err := unix.Fgetxattr(fd, attr, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

// gone reports an error of a file removed while the walk ran.
func gone(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) }
