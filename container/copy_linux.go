package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// PathStat describes a path in a container, as docker's container path
// stat (the X-Docker-Container-Path-Stat header) does. The CLI needs it to
// apply docker cp's rules about files, directories and trailing slashes.
type PathStat struct {
	Name  string      `json:"name"` // base name of the path ("/" for the root)
	Size  int64       `json:"size"`
	Mode  fs.FileMode `json:"mode"`
	Mtime time.Time   `json:"mtime"`
	// LinkTarget is, for a symlink, the path in the container it resolves
	// to (every link followed, inside the container's root).
	LinkTarget string `json:"linkTarget"`
}

// StatPath describes path without following a final symlink (its
// LinkTarget says where it leads). A path ending in "/" must be a
// directory, or a symlink to one, which is then followed. A missing path
// is ErrNotFound; a trailing slash on a non-directory is ErrInvalid.
//
// StatPath, CopyFrom and CopyTo copy files in and out of a container as
// docker cp does, through tar streams, whether the container runs or not.
//
// Paths are paths in the container, relative to its "/" (a leading slash
// is optional). They are resolved inside the container's root, following
// the container's symlinks as the container would (an absolute link
// target is relative to the container's root), with filepath-securejoin's
// pathrs: no path, symlink or ".." reaches the host's files.
//
// What is seen is what the container sees: its root filesystem with its
// volumes, bind mounts and managed /etc files (hosts, hostname,
// resolv.conf), but not the content of the kernel filesystems a running
// container has at /proc, /sys and /dev (mounts there are copied as empty
// directories, unless the path asked for is inside them). A stopped
// container's root filesystem and bind mounts are mounted on the host for
// the call, and the container cannot start until the call returns; its
// tmpfs mounts do not exist then, and what is copied to their path lands
// in the root filesystem.
//
// A running container's files are read and written live, with no pause:
// a copy taken while the container writes may catch files half-written.
func (c *Container) StatPath(ctx context.Context, path string) (PathStat, error) {
	v, err := c.openRoot(ctx, "stat path in", viewMounts)
	if err != nil {
		return PathStat{}, fmt.Errorf("stat %s in container %s: %w", path, c.ShortID(), err)
	}
	defer v.close()
	loc, err := v.lookup(path)
	if err != nil {
		return PathStat{}, fmt.Errorf("stat %s in container %s: %w", path, c.ShortID(), err)
	}
	defer loc.parent.Close()
	return loc.stat, nil
}

// CopyFrom writes a tar of path to w, as docker cp copies from a
// container (paths and what is seen: see StatPath). The top entry is named after the path's base name ("." for
// the root), a directory's content follows below it ("dir/", "dir/file"),
// with owners, modes, times, hardlinks and file capabilities. A final
// symlink is archived as the symlink (the CLI follows it for docker cp -L
// by copying the PathStat's LinkTarget). It returns the path's PathStat,
// which docker's API sends with the archive.
func (c *Container) CopyFrom(ctx context.Context, path string, w io.Writer) (PathStat, error) {
	v, err := c.openRoot(ctx, "copy from", viewMounts)
	if err != nil {
		return PathStat{}, fmt.Errorf("copy %s from container %s: %w", path, c.ShortID(), err)
	}
	defer v.close()
	loc, err := v.lookup(path)
	if err != nil {
		return PathStat{}, fmt.Errorf("copy %s from container %s: %w", path, c.ShortID(), err)
	}
	defer loc.parent.Close()
	a := newArchiver(w, v, v.copyPruned)
	name := loc.stat.Name
	if name == "/" {
		name = "."
	}
	err = a.entry(ctx, int(loc.parent.Fd()), loc.base, name, loc.mount)
	if cerr := a.tw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return PathStat{}, fmt.Errorf("copy %s from container %s: %w", path, c.ShortID(), err)
	}
	return loc.stat, nil
}

// CopyOption changes how CopyTo writes files.
type CopyOption func(*copyOptions)

type copyOptions struct {
	keepOwners bool
}

// CopyOwnership keeps the owners the archive records (docker cp
// --archive). Without it copied files belong to the container's root user,
// UID and GID 0, as docker cp makes them.
func CopyOwnership() CopyOption { return func(o *copyOptions) { o.keepOwners = true } }

// CopyTo extracts the tar r into the directory path of the container, as
// docker cp copies into a container (paths and what is seen: see
// StatPath). path must exist (else ErrNotFound)
// and be a directory or a symlink to one (else ErrInvalid). Entries are
// created with their modes, times, xattrs and (with CopyOwnership)
// owners; an existing file is replaced, an existing directory is merged
// into, but, as docker refuses, a directory is never replaced by a
// non-directory nor the reverse (ErrInvalid).
//
// Entries must stay inside path: an absolute name or link name, a ".."
// leading out, or a path through a symlink (in the archive or already in
// the container) that points out of path or is absolute, fails with
// ErrInvalid, as does a malformed archive. Entries already extracted then
// stay. A read-only root filesystem or volume gives ErrInvalid too.
func (c *Container) CopyTo(ctx context.Context, path string, r io.Reader, opts ...CopyOption) error {
	var o copyOptions
	for _, opt := range opts {
		opt(&o)
	}
	v, err := c.openRoot(ctx, "copy to", viewMounts)
	if err != nil {
		return fmt.Errorf("copy to %s in container %s: %w", path, c.ShortID(), err)
	}
	defer v.close()
	dest, err := pathrs.OpenatInRoot(v.dir, filepath.Join("/", path))
	if err != nil {
		return fmt.Errorf("copy to %s in container %s: %w", path, c.ShortID(), notFound(path, err))
	}
	var st unix.Statx_t
	err = statx(int(dest.Fd()), "", unix.AT_EMPTY_PATH, &st)
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		err = fmt.Errorf("%s is not a directory: %w", path, ErrInvalid)
	}
	var root *os.Root
	if err == nil {
		root, err = os.OpenRoot(procFD(dest))
	}
	dest.Close()
	if err != nil {
		return fmt.Errorf("copy to %s in container %s: %w", path, c.ShortID(), err)
	}
	defer root.Close()
	if err := extract(ctx, root, r, o); err != nil {
		if errors.Is(err, unix.EROFS) {
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return fmt.Errorf("copy to %s in container %s: %w", path, c.ShortID(), err)
	}
	return nil
}

// location is a path found in a rootView: the entry base in the
// directory parent (an O_PATH handle, which the caller closes).
type location struct {
	parent *os.File
	base   string
	stat   PathStat
	mount  uint64 // key of the mount the entry is on
}

// lookup finds path in v: every component but the last resolved inside the
// root, the last one not followed unless path ends in a slash.
func (v *rootView) lookup(path string) (loc location, err error) {
	clean := filepath.Join("/", path)
	trailing := strings.HasSuffix(path, "/") || strings.HasSuffix(path, "/.")
	dir, base := filepath.Split(clean)
	if base == "" {
		base = "."
	}
	loc.base = base
	if loc.parent, err = pathrs.OpenatInRoot(v.dir, dir); err != nil {
		return loc, notFound(path, err)
	}
	defer func() {
		if err != nil {
			loc.parent.Close()
		}
	}()
	var st unix.Statx_t
	if err := statx(int(loc.parent.Fd()), base, 0, &st); err != nil {
		return loc, notFound(path, err)
	}
	if trailing && st.Mode&unix.S_IFMT == unix.S_IFLNK {
		// "link/" is the directory the link leads to.
		target, err := pathrs.OpenatInRoot(v.dir, clean)
		if err != nil {
			return loc, notFound(path, err)
		}
		loc.parent.Close()
		loc.parent, loc.base = target, "."
		if err := statx(int(target.Fd()), "", unix.AT_EMPTY_PATH, &st); err != nil {
			return loc, err
		}
	}
	if trailing && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return loc, fmt.Errorf("%s: not a directory: %w", path, ErrInvalid)
	}
	loc.mount = v.mountKey(&st)
	loc.stat = PathStat{
		Name:  filepath.Base(clean),
		Size:  int64(st.Size),
		Mode:  fileMode(st.Mode),
		Mtime: time.Unix(st.Mtime.Sec, int64(st.Mtime.Nsec)),
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		// Informational only (resolved again by whoever uses it), so the
		// lexical walk of SecureJoin is enough.
		root := procFD(v.dir)
		if resolved, err := securejoin.SecureJoin(root, clean); err == nil {
			loc.stat.LinkTarget = filepath.Join("/", strings.TrimPrefix(resolved, root))
		}
	}
	return loc, nil
}

// notFound wraps a lookup error: a missing path is ErrNotFound, with
// docker's words.
func notFound(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return fmt.Errorf("could not find the file %s in container: %w", path, ErrNotFound)
	}
	return err
}

// fileMode converts a stat mode to an fs.FileMode, as package os does.
func fileMode(m uint16) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch uint32(m) & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// extract writes the tar r into root. Every operation goes through root,
// which refuses any path that leaves it (by "..", or by a symlink that is
// absolute or leads out), so an archive cannot reach beyond the
// destination whatever links it or the container plants.
func extract(ctx context.Context, root *os.Root, r io.Reader, o copyOptions) error {
	tr := tar.NewReader(r)
	type dirTime struct {
		name  string
		mtime time.Time
	}
	var dirs []dirTime
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w: %w", err, ErrInvalid)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := entryName(h.Name)
		if err != nil {
			return err
		}
		if name == "." {
			continue // the destination itself
		}
		if err := extractEntry(root, tr, h, name, o); err != nil {
			if escapes(err) {
				err = fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			return fmt.Errorf("extract %s: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirTime{name, h.ModTime})
		}
	}
	// Directory times last: creating entries in them changed them.
	for _, d := range slices.Backward(dirs) {
		if err := root.Chtimes(d.name, d.mtime, d.mtime); err != nil {
			return fmt.Errorf("extract %s: %w", d.name, err)
		}
	}
	return nil
}

// entryName checks an archive name and returns it cleaned: relative, and
// not leading out with "..".
func entryName(name string) (string, error) {
	clean := filepath.Clean(name)
	if name == "" || filepath.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("archive entry %q leads out of the destination: %w", name, ErrInvalid)
	}
	return clean, nil
}

// escapes reports the error os.Root gives for a path that would leave it.
// Package os does not export it; its message is fixed.
func escapes(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if err.Error() == "path escapes from parent" {
			return true
		}
	}
	return false
}

func extractEntry(root *os.Root, tr *tar.Reader, h *tar.Header, name string, o copyOptions) error {
	if parent := filepath.Dir(name); parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return err
		}
	}
	isDir := h.Typeflag == tar.TypeDir
	existing, err := root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		existing = nil
	case err != nil:
		return err
	case existing.IsDir() && !isDir:
		return fmt.Errorf("cannot overwrite directory %q with non-directory: %w", name, ErrInvalid)
	case !existing.IsDir() && isDir:
		return fmt.Errorf("cannot overwrite non-directory %q with directory: %w", name, ErrInvalid)
	case !isDir:
		if err := root.Remove(name); err != nil {
			return err
		}
	}
	uid, gid := 0, 0
	if o.keepOwners {
		uid, gid = h.Uid, h.Gid
	}
	mode := h.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	switch h.Typeflag {
	case tar.TypeDir:
		if existing == nil {
			if err := root.Mkdir(name, 0o700); err != nil {
				return err
			}
		}
	case tar.TypeReg:
		return extractFile(root, tr, h, name, uid, gid, mode)
	case tar.TypeSymlink:
		if err := root.Symlink(h.Linkname, name); err != nil {
			return err
		}
		return root.Lchown(name, uid, gid)
	case tar.TypeLink:
		target, err := entryName(h.Linkname)
		if err != nil {
			return err
		}
		return root.Link(target, name)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[h.Typeflag]
		dir, err := root.Open(filepath.Dir(name))
		if err != nil {
			return err
		}
		err = unix.Mknodat(int(dir.Fd()), filepath.Base(name), kind|0o600, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor))))
		dir.Close()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported archive entry type %q: %w", h.Typeflag, ErrInvalid)
	}
	if err := root.Lchown(name, uid, gid); err != nil {
		return err
	}
	if err := root.Chmod(name, mode); err != nil {
		return err
	}
	if h.Typeflag != tar.TypeDir {
		return root.Chtimes(name, accessTime(h), h.ModTime)
	}
	return nil
}

// extractFile creates a regular file with its content, owner, mode (after
// chown, which clears set-ID bits), xattrs (after chown, which clears
// file capabilities) and times.
func extractFile(root *os.Root, tr *tar.Reader, h *tar.Header, name string, uid, gid int, mode fs.FileMode) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, tr)
	if err == nil {
		err = f.Chown(uid, gid)
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	for key, value := range h.PAXRecords {
		attr, ok := strings.CutPrefix(key, "SCHILY.xattr.")
		if !ok || err != nil {
			continue
		}
		if xerr := unix.Fsetxattr(int(f.Fd()), attr, []byte(value), 0); xerr != nil && !errors.Is(xerr, unix.ENOTSUP) {
			err = fmt.Errorf("set xattr %s: %w", attr, xerr)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return root.Chtimes(name, accessTime(h), h.ModTime)
}

func accessTime(h *tar.Header) time.Time {
	if h.AccessTime.IsZero() {
		return h.ModTime
	}
	return h.AccessTime
}
