package container

import (
	"archive/tar"
	"cmp"
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

// CopyTo extracts the tar r into the directory path of the container, as
// docker cp copies into a container (paths and what is seen: see
// StatPath). path must exist (else ErrNotFound) and be a directory or a
// symlink to one (else ErrInvalid). Entries are extracted as
// ExtractArchive extracts them (the same rules for merging, replacing,
// modes, times and xattrs) but belong to the container's root user, UID
// and GID 0, unless CopyOwnership keeps the archive's owners.
//
// Entries must stay inside path: an absolute name or link name, a ".."
// leading out, or a path through a symlink (in the archive or already in
// the container) that points out of path or is absolute, fails with
// ErrInvalid, as does a malformed archive. Entries already extracted then
// stay. A read-only root filesystem or volume gives ErrInvalid too.
func (c *Container) CopyTo(ctx context.Context, path string, r io.Reader, opts ...CopyOption) error {
	o := copyOptionsOf(opts)
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
	x := extraction{root: root, dest: filepath.Join("/", path), owners: ownersRoot}
	if o.keepOwners {
		x.owners = ownersArchived
	}
	if err := x.run(ctx, r); err != nil {
		if errors.Is(err, unix.EROFS) {
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return fmt.Errorf("copy to %s in container %s: %w", path, c.ShortID(), err)
	}
	return nil
}

// ExtractArchive extracts the tar stream r into dir, a directory on the
// host, as docker cp extracts what it copies out of a container: r is
// typically what CopyFrom wrote. dir must exist (else ErrNotFound) and be
// a directory (else ErrInvalid). Entries are extracted under their own
// names: an entry named "." is dir itself and is skipped; to land a
// copy under another name, rename the archive's entries first.
//
// The archive is not trusted, and nothing lands outside dir: every entry
// is created through an os.Root of dir. An absolute name or link name, a
// ".." leading out, or a path through a symlink (in the archive or already
// in dir) that is absolute or points out of dir fails with ErrInvalid, as
// does a malformed archive or an entry of a type that cannot be
// extracted; the error names the entry. Entries already extracted then
// stay. ctx stops the extraction between entries.
//
// Entries are created with their modes (set-ID and sticky bits
// included), times (a symlink's too), hardlinks, device nodes (which need
// the privilege to make them) and files' extended attributes; an
// attribute the filesystem does not support or the caller may not set is
// left out. Entries belong to the caller, as docker cp makes them on the
// host; with CopyOwnership they get the owners the archive records, which
// needs the privilege to chown. An existing file or symlink is replaced,
// an existing directory is merged into, but a directory is never replaced
// by a non-directory nor the reverse (ErrInvalid). Directories get their
// modes and times last, deepest first, once filled: a read-only directory
// of the archive is filled all the same.
func ExtractArchive(ctx context.Context, dir string, r io.Reader, opts ...CopyOption) error {
	o := copyOptionsOf(opts)
	root, err := os.OpenRoot(dir)
	if err != nil {
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a directory: %w", dir, ErrInvalid)
		} else if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
			err = fmt.Errorf("%w: %w", err, ErrNotFound)
		}
		return fmt.Errorf("extract archive: %w", err)
	}
	defer root.Close()
	x := extraction{root: root, dest: dir, owners: ownersCaller}
	if o.keepOwners {
		x.owners = ownersArchived
	}
	if err := x.run(ctx, r); err != nil {
		return fmt.Errorf("extract archive to %s: %w", dir, err)
	}
	return nil
}

func copyOptionsOf(opts []CopyOption) copyOptions {
	var o copyOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
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

// owners says who owns what an extraction creates.
type owners int

const (
	ownersCaller   owners = iota // whoever extracts: no chown
	ownersRoot                   // UID and GID 0
	ownersArchived               // the UID and GID the archive records
)

// extraction writes a tar stream into root, for CopyTo and ExtractArchive.
// Every operation goes through root, which refuses any path that leaves it
// (by "..", or by a symlink that is absolute or leads out), so an archive
// cannot reach beyond the destination whatever links it or the
// destination holds.
type extraction struct {
	root   *os.Root
	dest   string // root as the caller named it, for messages
	owners owners
}

// dirMeta is what a directory of the archive gets once it is filled.
type dirMeta struct {
	name         string
	mode         fs.FileMode
	atime, mtime time.Time
}

func (x *extraction) run(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	var dirs []dirMeta
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
			return fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
		if name == "." {
			continue // the destination itself
		}
		if err := x.entry(tr, h, name); err != nil {
			if escapes(err) {
				err = fmt.Errorf("%w: %w", err, ErrInvalid)
			}
			return fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirMeta{name, entryMode(h), accessTime(h), h.ModTime})
		}
	}
	// Directories last, deepest first: filling them changed their times,
	// and a read-only mode would have kept them from being filled. Of two
	// entries for one directory, the archive's last wins.
	slices.SortStableFunc(dirs, func(a, b dirMeta) int {
		return cmp.Compare(strings.Count(b.name, "/"), strings.Count(a.name, "/"))
	})
	for _, d := range dirs {
		err := x.root.Chmod(d.name, d.mode)
		if err == nil {
			err = x.root.Chtimes(d.name, d.atime, d.mtime)
		}
		if err != nil {
			return fmt.Errorf("archive entry %q: %w", d.name, err)
		}
	}
	return nil
}

// entryName checks an archive name (or a hardlink's target) and returns
// it cleaned: relative, and not leading out with "..".
func entryName(name string) (string, error) {
	clean := filepath.Clean(name)
	switch {
	case name == "":
		return "", fmt.Errorf("empty name: %w", ErrInvalid)
	case filepath.IsAbs(name):
		return "", fmt.Errorf("absolute name: %w", ErrInvalid)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "", fmt.Errorf("leads out of the destination: %w", ErrInvalid)
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

// entryMode is an entry's permission bits with set-ID and sticky bits.
func entryMode(h *tar.Header) fs.FileMode {
	return h.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// entry extracts h, whose name checked and cleaned is name. A directory
// gets its mode and times later, from run.
func (x *extraction) entry(tr *tar.Reader, h *tar.Header, name string) error {
	if parent := filepath.Dir(name); parent != "." {
		if err := x.root.MkdirAll(parent, 0o755); err != nil {
			return err
		}
	}
	isDir := h.Typeflag == tar.TypeDir
	existing, err := x.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		existing = nil
	case err != nil:
		return err
	case existing.IsDir() && !isDir:
		return fmt.Errorf("cannot overwrite directory %q with non-directory: %w", filepath.Join(x.dest, name), ErrInvalid)
	case !existing.IsDir() && isDir:
		return fmt.Errorf("cannot overwrite non-directory %q with directory: %w", filepath.Join(x.dest, name), ErrInvalid)
	case !isDir:
		if err := x.root.Remove(name); err != nil {
			return err
		}
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if existing == nil {
			if err := x.root.Mkdir(name, 0o700); err != nil {
				return err
			}
		}
		return x.chown(name, h)
	case tar.TypeReg:
		return x.file(tr, h, name)
	case tar.TypeSymlink:
		if err := x.root.Symlink(h.Linkname, name); err != nil {
			return err
		}
		if err := x.chown(name, h); err != nil {
			return err
		}
		return x.at(name, func(dir int, base string) error {
			atime, err := unix.TimeToTimespec(accessTime(h))
			if err != nil {
				return err
			}
			mtime, err := unix.TimeToTimespec(h.ModTime)
			if err != nil {
				return err
			}
			return unix.UtimesNanoAt(dir, base, []unix.Timespec{atime, mtime}, unix.AT_SYMLINK_NOFOLLOW)
		})
	case tar.TypeLink:
		target, err := entryName(h.Linkname)
		if err != nil {
			return fmt.Errorf("link target %q: %w", h.Linkname, err)
		}
		return x.root.Link(target, name)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[h.Typeflag]
		err := x.at(name, func(dir int, base string) error {
			return unix.Mknodat(dir, base, kind|0o600, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor))))
		})
		if err == nil {
			err = x.chown(name, h)
		}
		if err == nil {
			err = x.root.Chmod(name, entryMode(h))
		}
		if err == nil {
			err = x.root.Chtimes(name, accessTime(h), h.ModTime)
		}
		return err
	default:
		return fmt.Errorf("unsupported entry type %q: %w", h.Typeflag, ErrInvalid)
	}
}

// owner is the UID and GID an entry gets, if it gets one.
func (x *extraction) owner(h *tar.Header) (uid, gid int, ok bool) {
	switch x.owners {
	case ownersRoot:
		return 0, 0, true
	case ownersArchived:
		return h.Uid, h.Gid, true
	}
	return 0, 0, false
}

// chown gives name, not followed, its owner.
func (x *extraction) chown(name string, h *tar.Header) error {
	if uid, gid, ok := x.owner(h); ok {
		return x.root.Lchown(name, uid, gid)
	}
	return nil
}

// at runs fn, for the calls os.Root lacks, with a descriptor of name's
// directory and name's base name.
func (x *extraction) at(name string, fn func(dir int, base string) error) error {
	d, err := x.root.Open(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(int(d.Fd()), filepath.Base(name))
}

// file creates a regular file with its content, owner, mode (after
// chown, which clears set-ID bits), xattrs (after chown, which clears
// file capabilities; those the filesystem does not support or the caller
// may not set are left out) and times.
func (x *extraction) file(tr *tar.Reader, h *tar.Header, name string) error {
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, tr)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("read archive: %w: %w", err, ErrInvalid)
	}
	if uid, gid, ok := x.owner(h); ok && err == nil {
		err = f.Chown(uid, gid)
	}
	if err == nil {
		err = f.Chmod(entryMode(h))
	}
	for key, value := range h.PAXRecords {
		attr, ok := strings.CutPrefix(key, "SCHILY.xattr.")
		if !ok || err != nil {
			continue
		}
		if xerr := unix.Fsetxattr(int(f.Fd()), attr, []byte(value), 0); xerr != nil &&
			!errors.Is(xerr, unix.ENOTSUP) && !errors.Is(xerr, unix.EPERM) {
			err = fmt.Errorf("set xattr %s: %w", attr, xerr)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return x.root.Chtimes(name, accessTime(h), h.ModTime)
}

// accessTime is the access time the archive records, else its
// modification time.
func accessTime(h *tar.Header) time.Time {
	if h.AccessTime.IsZero() {
		return h.ModTime
	}
	return h.AccessTime
}
