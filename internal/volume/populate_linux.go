//go:build linux

package volume

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Populate is Docker's copy-up: when dst (a volume's data directory) is
// empty and src (the image's directory at the mount target, inside a
// container's root filesystem) is a directory, it copies src's content into
// dst and gives dst src's owner, mode, times and xattrs. It reports whether
// it copied; a missing src, a src that is not a directory, or a dst that
// already holds anything leaves dst untouched and reports false.
//
// What is copied: regular files, directories, symlinks (as links, never
// followed), hardlinks (as hardlinks within dst), device nodes, FIFOs and
// sockets (as Docker copies them: an image's root filesystem may hold
// device nodes too, and the container's device cgroup, not their absence,
// decides access), each with its owner, mode (setuid, setgid and sticky
// bits included), access and modification times and extended attributes
// (file capabilities included; overlayfs's private trusted.overlay.* and
// user.overlay.* attributes excepted; attributes dst's filesystem does not
// support are dropped). Setting owners and creating devices needs root.
//
// src is untrusted image content. Nothing under it is ever resolved by
// path: Populate walks it one name at a time, relative to an open
// directory, with O_NOFOLLOW, so a symlink in the image, however it points,
// is read as a link and never entered. src itself must not be a symlink
// (that is an error wrapping ErrInvalid): the caller resolves the mount
// target within the root filesystem first (for example with
// filepath-securejoin), as the kernel would follow symlinks in the path's
// earlier components. dst is written the same way, one name at a time with
// O_NOFOLLOW and without chmod by name, so a container already using the
// volume cannot redirect the copy by planting symlinks in it.
//
// Populate holds an flock on dst while it works, so two containers first
// started at once with one new volume fill it once. If copying fails,
// whatever was copied is removed, leaving dst empty for a retry.
func Populate(dst, src string) (bool, error) {
	copied, err := populate(dst, src)
	if err != nil {
		return false, fmt.Errorf("populate volume %s from %s: %w", dst, src, err)
	}
	return copied, nil
}

func populate(dst, src string) (bool, error) {
	dstDir, err := openDir(unix.AT_FDCWD, dst)
	if err != nil {
		return false, err
	}
	defer dstDir.Close()
	if err := flockWait(dstDir); err != nil {
		return false, err
	}
	if names, err := dstDir.Readdirnames(1); len(names) > 0 {
		return false, nil
	} else if err != nil && err != io.EOF {
		return false, err
	}

	var st unix.Stat_t
	switch err := unix.Lstat(src, &st); {
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR):
		return false, nil
	case err != nil:
		return false, err
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return false, fmt.Errorf("%s is a symlink; resolve it within the root filesystem first: %w", src, ErrInvalid)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return false, nil
	}
	srcDir, err := openDir(unix.AT_FDCWD, src)
	if err != nil {
		return false, err
	}
	defer srcDir.Close()

	c := &copier{buf: make([]byte, 1<<20), links: map[fileID]*hardlink{}}
	defer c.closeLinks()
	err = c.copyDir(srcDir, dstDir)
	if err == nil {
		err = c.finishRoot(srcDir, dstDir)
	}
	if err != nil {
		return false, errors.Join(err, emptyDir(dstDir))
	}
	return true, nil
}

// fileID names an inode, to recognise hardlinks.
type fileID struct{ dev, ino uint64 }

// hardlink is the first copy of a multiply linked source file: an O_PATH
// descriptor to link further names to, and how many names are still to
// come.
type hardlink struct {
	f         *os.File
	remaining uint64
}

type copier struct {
	buf   []byte
	links map[fileID]*hardlink
}

func (c *copier) closeLinks() {
	for _, l := range c.links {
		l.f.Close()
	}
}

// copyDir copies the entries of the open directory src into the open,
// empty directory dst, recursively.
func (c *copier) copyDir(src, dst *os.File) error {
	names, err := src.Readdirnames(-1)
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		if err := c.copyEntry(src, dst, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (c *copier) copyEntry(srcDir, dstDir *os.File, name string) error {
	sfd, dfd := int(srcDir.Fd()), int(dstDir.Fd())
	var st unix.Stat_t
	if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return c.copySubdir(srcDir, dstDir, name, &st)
	case unix.S_IFREG:
		return c.copyFile(srcDir, dstDir, name, &st)
	case unix.S_IFLNK:
		target, err := readlinkat(sfd, name, st.Size)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(target, dfd, name); err != nil {
			return err
		}
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO, unix.S_IFSOCK:
		if err := unix.Mknodat(dfd, name, st.Mode&unix.S_IFMT|0o600, int(st.Rdev)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported file type %#o", st.Mode&unix.S_IFMT)
	}
	// Symlinks and nodes: owner, xattrs and times by name, never following.
	if err := unix.Fchownat(dfd, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := chmodNode(dfd, name, &st); err != nil {
			return err
		}
	}
	attrs, err := readXattrs(-1, entryPath(sfd, name))
	if err != nil {
		return err
	}
	if err := writeXattrs(-1, entryPath(dfd, name), attrs); err != nil {
		return err
	}
	return setTimes(dfd, name, &st)
}

func (c *copier) copySubdir(srcDir, dstDir *os.File, name string, st *unix.Stat_t) error {
	sub, err := openDir(int(srcDir.Fd()), name)
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := sameFile(sub, st); err != nil {
		return err
	}
	if err := unix.Mkdirat(int(dstDir.Fd()), name, 0o700); err != nil {
		return err
	}
	out, err := openDir(int(dstDir.Fd()), name)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := c.copyDir(sub, out); err != nil {
		return err
	}
	// After the entries: creating them changed the directory's times.
	if err := copyMetadata(sub, out, st); err != nil {
		return err
	}
	return setTimes(int(dstDir.Fd()), name, st)
}

func (c *copier) copyFile(srcDir, dstDir *os.File, name string, st *unix.Stat_t) error {
	dfd := int(dstDir.Fd())
	id := fileID{dev: st.Dev, ino: st.Ino}
	if l := c.links[id]; l != nil {
		// A further name of a file already copied: link it. The O_PATH
		// descriptor is linked through its /proc magic link, which needs
		// no privilege (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).
		if err := unix.Linkat(unix.AT_FDCWD, fdPath(int(l.f.Fd())), dfd, name, unix.AT_SYMLINK_FOLLOW); err != nil {
			return err
		}
		if l.remaining--; l.remaining == 0 {
			l.f.Close()
			delete(c.links, id)
		}
		return nil
	}
	in, err := openAt(int(srcDir.Fd()), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := sameFile(in, st); err != nil {
		return err
	}
	out, err := openAt(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	if _, err := io.CopyBuffer(out, in, c.buf); err != nil {
		return err
	}
	if err := copyMetadata(in, out, st); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := setTimes(dfd, name, st); err != nil {
		return err
	}
	if st.Nlink > 1 {
		f, err := openAt(dfd, name, unix.O_PATH|unix.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		c.links[id] = &hardlink{f: f, remaining: uint64(st.Nlink) - 1}
	}
	return nil
}

// finishRoot gives dst the owner, mode, xattrs and times of src, as
// Docker gives a volume the ownership of the directory it is mounted on.
func (c *copier) finishRoot(src, dst *os.File) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return err
	}
	if err := copyMetadata(src, dst, &st); err != nil {
		return err
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(unix.AT_FDCWD, fdPath(int(dst.Fd())), ts, 0)
}

// copyMetadata gives the open file out in's owner, mode and xattrs, in
// that order: chown clears setuid bits and file capabilities.
func copyMetadata(in, out *os.File, st *unix.Stat_t) error {
	if err := unix.Fchown(int(out.Fd()), int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	if err := unix.Fchmod(int(out.Fd()), st.Mode&0o7777); err != nil {
		return err
	}
	attrs, err := readXattrs(int(in.Fd()), "")
	if err != nil {
		return err
	}
	return writeXattrs(int(out.Fd()), "", attrs)
}

// chmodNode sets the mode of the device node, FIFO or socket just made at
// dirfd/name. chmod(2) has no no-follow form, so the node is opened with
// O_PATH|O_NOFOLLOW, checked, and changed through its /proc magic link.
func chmodNode(dirfd int, name string, st *unix.Stat_t) error {
	f, err := openAt(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var got unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &got); err != nil {
		return err
	}
	if got.Mode&unix.S_IFMT != st.Mode&unix.S_IFMT {
		return fmt.Errorf("replaced while being copied")
	}
	return unix.Fchmodat(unix.AT_FDCWD, fdPath(int(f.Fd())), st.Mode&0o7777, 0)
}

// setTimes gives dirfd/name st's access and modification times, without
// following a symlink.
func setTimes(dirfd int, name string, st *unix.Stat_t) error {
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// sameFile checks that the file opened is the one stat described, not
// something swapped in between.
func sameFile(f *os.File, st *unix.Stat_t) error {
	var got unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &got); err != nil {
		return err
	}
	if got.Dev != st.Dev || got.Ino != st.Ino {
		return fmt.Errorf("replaced while being copied")
	}
	return nil
}

// skipXattr reports attributes not to copy: overlayfs's own bookkeeping,
// which would mean something else (or nothing) in a volume.
func skipXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.")
}

// readXattrs reads the extended attributes of the open file fd, or, when
// path is not empty, of path without following a symlink. A filesystem
// without xattr support has none.
func readXattrs(fd int, path string) (map[string][]byte, error) {
	list := func(dest []byte) (int, error) {
		if path != "" {
			return unix.Llistxattr(path, dest)
		}
		return unix.Flistxattr(fd, dest)
	}
	get := func(attr string, dest []byte) (int, error) {
		if path != "" {
			return unix.Lgetxattr(path, attr, dest)
		}
		return unix.Fgetxattr(fd, attr, dest)
	}
	names, err := sized(list)
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil || len(names) == 0 {
		return nil, err
	}
	attrs := map[string][]byte{}
	for name := range strings.SplitSeq(strings.TrimSuffix(string(names), "\x00"), "\x00") {
		if name == "" || skipXattr(name) {
			continue
		}
		value, err := sized(func(dest []byte) (int, error) { return get(name, dest) })
		if errors.Is(err, unix.ENODATA) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read xattr %s: %w", name, err)
		}
		attrs[name] = value
	}
	return attrs, nil
}

// writeXattrs sets attrs on the open file fd, or on path without following
// a symlink. Attributes the destination filesystem does not support are
// dropped.
func writeXattrs(fd int, path string, attrs map[string][]byte) error {
	for name, value := range attrs {
		var err error
		if path != "" {
			err = unix.Lsetxattr(path, name, value, 0)
		} else {
			err = unix.Fsetxattr(fd, name, value, 0)
		}
		if err != nil && !errors.Is(err, unix.ENOTSUP) {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

// sized calls an xattr call that fills dest, growing dest until it fits.
func sized(call func(dest []byte) (int, error)) ([]byte, error) {
	for {
		n, err := call(nil)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		buf := make([]byte, n)
		n, err = call(buf)
		if errors.Is(err, unix.ERANGE) {
			continue // grew meanwhile
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// readlinkat reads the symlink dirfd/name, size bytes long by its stat.
func readlinkat(dirfd int, name string, size int64) (string, error) {
	buf := make([]byte, max(size, 255)+1)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, 2*len(buf))
	}
}

// openDir opens the directory dirfd/name without following a symlink.
func openDir(dirfd int, name string) (*os.File, error) {
	return openAt(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
}

func openAt(dirfd int, name string, flags int, mode uint32) (*os.File, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_CLOEXEC, mode)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "openat", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

// fdPath is the /proc magic link of an open descriptor.
func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// entryPath names dirfd/name through the directory's /proc magic link: the
// link resolves to the open directory itself, and name, one component,
// is not followed by the L* calls it is given to.
func entryPath(dirfd int, name string) string { return fdPath(dirfd) + "/" + name }

// flockWait takes an exclusive flock on f, waiting for it.
func flockWait(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// emptyDir removes everything in the open directory dir, without following
// symlinks (os.Root confines the removal to dir).
func emptyDir(dir *os.File) error {
	root, err := os.OpenRoot(fdPath(int(dir.Fd())))
	if err != nil {
		return err
	}
	defer root.Close()
	names, err := readNames(root)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		errs = append(errs, root.RemoveAll(name))
	}
	return errors.Join(errs...)
}

func readNames(root *os.Root) ([]string, error) {
	f, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
