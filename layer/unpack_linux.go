package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// OverlayOpaqueXattr marks a directory opaque for overlayfs.
const OverlayOpaqueXattr = "trusted.overlay.opaque"

// Unpack extracts the uncompressed tar stream r into dir, which must exist.
// Whiteouts become overlayfs whiteouts (0/0 character devices) and opaque
// directories get the trusted.overlay.opaque xattr.
//
// Every path is resolved inside dir with openat2(RESOLVE_IN_ROOT): a symlink
// in the layer pointing anywhere, absolute or relative, resolves within dir,
// so no entry can create, change or read anything outside it. Entries with
// absolute names or ".." components are refused with an *EntryError.
//
// Unpack reads r to its end (tar padding included), so a caller hashing r
// sees the whole stream. On error, dir holds a partial layer: the caller
// removes it (see Store, which unpacks into a temporary directory).
func Unpack(ctx context.Context, dir string, r io.Reader, opts ...UnpackOption) (Stats, error) {
	root, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Stats{}, fmt.Errorf("unpack layer: %w", err)
	}
	defer root.Close()
	u := &unpacker{rootFile: root, root: int(root.Fd()), cfg: newUnpackConfig(opts), chown: os.Geteuid() == 0, buf: make([]byte, 1<<20)}
	stats, err := u.run(ctx, r)
	if err != nil {
		return stats, fmt.Errorf("unpack layer: %w", err)
	}
	return stats, nil
}

type unpacker struct {
	rootFile *os.File
	root     int
	cfg      unpackConfig
	chown    bool
	buf      []byte
	stats    Stats
	dirs     []dirTimes // directory times are set last: creating children changes them
	// implied are directories created for entries below them that the
	// tar did not name itself.
	implied map[string]bool
}

type dirTimes struct {
	rel   string
	mtime unix.Timespec
	atime unix.Timespec
}

func (u *unpacker) run(ctx context.Context, r io.Reader) (Stats, error) {
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return u.stats, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u.stats, fmt.Errorf("%w: read tar: %w", ErrInvalid, err)
		}
		u.stats.Entries++
		if u.stats.Entries > u.cfg.limits.MaxEntries {
			return u.stats, &EntryError{Name: h.Name, Reason: fmt.Sprintf("more than %d entries", u.cfg.limits.MaxEntries), Err: ErrLimit}
		}
		if err := u.entry(h, tr); err != nil {
			return u.stats, err
		}
	}
	// Drain the end-of-archive padding so callers hashing r see it all.
	if _, err := io.CopyBuffer(io.Discard, r, u.buf); err != nil {
		return u.stats, fmt.Errorf("%w: read tar: %w", ErrInvalid, err)
	}
	for i := len(u.dirs) - 1; i >= 0; i-- {
		if err := u.setDirTimes(u.dirs[i]); err != nil {
			return u.stats, err
		}
	}
	if u.cfg.parents != nil && len(u.implied) > 0 {
		lowers, err := u.cfg.parents()
		if err != nil {
			return u.stats, fmt.Errorf("parent layers: %w", err)
		}
		if err := u.inheritImplied(lowers); err != nil {
			return u.stats, err
		}
	}
	return u.stats, nil
}

// setDirTimes re-resolves the directory inside the root: a later entry may
// have replaced a component of its path with a symlink.
func (u *unpacker) setDirTimes(d dirTimes) error {
	fd, err := u.openInRoot(d.rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return nil // whited out or replaced later in the layer
		}
		return err
	}
	defer unix.Close(fd)
	return unix.UtimesNanoAt(fd, "", []unix.Timespec{d.atime, d.mtime}, unix.AT_EMPTY_PATH)
}

func (u *unpacker) entry(h *tar.Header, tr *tar.Reader) error {
	rel, err := entryPath(h.Name)
	if err != nil {
		return err
	}
	if target, opaque, ok := whiteout(rel); ok {
		if opaque {
			return u.opaque(h, target)
		}
		return u.whiteout(h, target)
	}
	if rel == "." {
		if h.Typeflag != tar.TypeDir {
			return &EntryError{Name: h.Name, Reason: "layer root must be a directory", Err: ErrUnsafeEntry}
		}
		fd, err := u.openInRoot(".", unix.O_RDONLY|unix.O_DIRECTORY)
		if err != nil {
			return fmt.Errorf("open layer root: %w", err)
		}
		defer unix.Close(fd)
		return u.metadata(h, fd, true)
	}
	parent, base, err := u.parent(rel)
	if err != nil {
		return &EntryError{Name: h.Name, Reason: "parent: " + err.Error(), Err: ErrUnsafeEntry}
	}
	defer unix.Close(parent)

	isDir := h.Typeflag == tar.TypeDir
	if err := u.clear(parent, base, isDir); err != nil {
		return fmt.Errorf("replace %s: %w", rel, err)
	}
	switch h.Typeflag {
	case tar.TypeDir:
		delete(u.implied, rel) // named now: the entry's metadata wins
		if err := unix.Mkdirat(parent, base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("mkdir %s: %w", rel, err)
		}
		fd, err := unix.Openat(parent, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", rel, err)
		}
		defer unix.Close(fd)
		u.dirs = append(u.dirs, dirTimes{rel: rel, mtime: timespec(h.ModTime), atime: timespec(h.AccessTime, h.ModTime)})
		return u.metadata(h, fd, false)
	case tar.TypeReg, tar.TypeRegA:
		return u.regular(h, tr, parent, base, rel)
	case tar.TypeSymlink:
		if err := unix.Symlinkat(h.Linkname, parent, base); err != nil {
			return fmt.Errorf("symlink %s: %w", rel, err)
		}
		return u.metadataAt(h, parent, base)
	case tar.TypeLink:
		return u.hardlink(h, parent, base, rel)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		mode := uint32(unix.S_IFIFO)
		switch h.Typeflag {
		case tar.TypeChar:
			mode = unix.S_IFCHR
		case tar.TypeBlock:
			mode = unix.S_IFBLK
		}
		if mode != unix.S_IFIFO && !u.cfg.allowDevices {
			return &EntryError{Name: h.Name, Reason: "device nodes are not allowed", Err: ErrUnsafeEntry}
		}
		dev := int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor)))
		if err := unix.Mknodat(parent, base, mode|uint32(h.Mode&0o7777), dev); err != nil {
			return fmt.Errorf("mknod %s: %w", rel, err)
		}
		return u.metadataAt(h, parent, base)
	default:
		return &EntryError{Name: h.Name, Reason: fmt.Sprintf("unsupported tar entry type %q", h.Typeflag), Err: ErrUnsafeEntry}
	}
}

func (u *unpacker) regular(h *tar.Header, tr *tar.Reader, parent int, base, rel string) error {
	if h.Size < 0 || u.stats.Bytes+h.Size > u.cfg.limits.MaxBytes {
		return &EntryError{Name: h.Name, Reason: fmt.Sprintf("content beyond the %d-byte limit", u.cfg.limits.MaxBytes), Err: ErrLimit}
	}
	fd, err := unix.Openat(parent, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", rel, err)
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	n, err := io.CopyBuffer(f, io.LimitReader(tr, u.cfg.limits.MaxBytes-u.stats.Bytes+1), u.buf)
	u.stats.Bytes += n
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if u.stats.Bytes > u.cfg.limits.MaxBytes {
		return &EntryError{Name: h.Name, Reason: fmt.Sprintf("content beyond the %d-byte limit", u.cfg.limits.MaxBytes), Err: ErrLimit}
	}
	return u.metadata(h, fd, false)
}

func (u *unpacker) hardlink(h *tar.Header, parent int, base, rel string) error {
	target, err := entryPath(h.Linkname)
	if err != nil {
		return &EntryError{Name: h.Name, Reason: "hardlink target: " + err.Error(), Err: ErrUnsafeEntry}
	}
	if target == "." {
		return &EntryError{Name: h.Name, Reason: "hardlink to the layer root", Err: ErrUnsafeEntry}
	}
	tparent, tbase, err := u.parent(target)
	if err != nil {
		return &EntryError{Name: h.Name, Reason: "hardlink target: " + err.Error(), Err: ErrUnsafeEntry}
	}
	defer unix.Close(tparent)
	var st unix.Stat_t
	if err := unix.Fstatat(tparent, tbase, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &EntryError{Name: h.Name, Reason: "hardlink target " + h.Linkname + ": " + err.Error(), Err: ErrUnsafeEntry}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return &EntryError{Name: h.Name, Reason: "hardlink to a directory", Err: ErrUnsafeEntry}
	}
	if err := unix.Linkat(tparent, tbase, parent, base, 0); err != nil {
		return fmt.Errorf("link %s: %w", rel, err)
	}
	return nil
}

// whiteout records that target is deleted: an overlayfs whiteout, a 0/0
// character device, replaces whatever this layer had there.
func (u *unpacker) whiteout(h *tar.Header, target string) error {
	if target == "." || path.Base(target) == "." || path.Base(target) == ".." {
		return &EntryError{Name: h.Name, Reason: "whiteout of the layer root", Err: ErrUnsafeEntry}
	}
	dir, base := path.Split(target)
	parent, ok, err := u.whiteoutDir(h, path.Clean(dir))
	if err != nil || !ok {
		return err
	}
	defer unix.Close(parent)
	if err := u.clear(parent, base, false); err != nil {
		return fmt.Errorf("whiteout %s: %w", target, err)
	}
	if err := unix.Mknodat(parent, base, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("whiteout %s: %w", target, err)
	}
	if u.chown {
		if err := unix.Fchownat(parent, base, h.Uid, h.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("whiteout %s: %w", target, err)
		}
	}
	return nil
}

// opaque marks directory dir opaque: overlayfs then hides the lower
// layers' content of it.
func (u *unpacker) opaque(h *tar.Header, dir string) error {
	fd, ok, err := u.whiteoutDir(h, dir)
	if err != nil || !ok {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fsetxattr(fd, OverlayOpaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("mark %s opaque: %w", dir, err)
	}
	return nil
}

// whiteoutDir opens directory dir, where a whiteout or opaque marker
// applies, without following symlinks: when this layer has a symlink or
// another non-directory on the way, that entry already hides everything
// below it from the lower layers, and the marker is ignored (ok false), as
// overlayfs would. Directories the layer does not have are created (the
// marker then applies to the lower layers' directory).
func (u *unpacker) whiteoutDir(h *tar.Header, dir string) (fd int, ok bool, err error) {
	fd, err = unix.Openat2(u.root, dir, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
	})
	switch {
	case err == nil:
		return fd, true, nil
	case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR):
		return -1, false, nil
	case errors.Is(err, unix.ENOENT):
		// Every existing component was a real directory: create the rest.
		fd, err = u.mkdirAll(dir)
		if err != nil {
			return -1, false, &EntryError{Name: h.Name, Reason: "parent: " + err.Error(), Err: ErrUnsafeEntry}
		}
		return fd, true, nil
	default:
		return -1, false, &EntryError{Name: h.Name, Reason: "parent: " + err.Error(), Err: ErrUnsafeEntry}
	}
}

// parent opens the directory that holds rel, creating missing directories,
// all resolved inside the root. It returns the directory and rel's base name.
func (u *unpacker) parent(rel string) (int, string, error) {
	dir, base := path.Split(rel)
	fd, err := u.mkdirAll(path.Clean(dir))
	return fd, base, err
}

// mkdirAll opens directory rel inside the root, creating what is missing
// with mode 0755 (tar streams may omit parents).
func (u *unpacker) mkdirAll(rel string) (int, error) {
	fd, err := u.openInRoot(rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err == nil || !errors.Is(err, unix.ENOENT) {
		return fd, err
	}
	u.noteImplied(rel)
	// Create what is missing, following symlinks met on the way inside
	// the root (a layer may create a directory through its own symlink).
	d, err := pathrs.MkdirAllHandle(u.rootFile, rel, 0o755)
	if err != nil {
		return -1, err
	}
	defer d.Close()
	return unix.Dup(int(d.Fd()))
}

// noteImplied records the directories of rel that mkdirAll is about to
// create although no tar entry named them: their owner, mode and xattrs
// belong to the lower layers' directory (see WithParents). Only paths
// without symlinks are recorded: a directory created through one of the
// layer's symlinks is not the lower layers' directory of that name.
func (u *unpacker) noteImplied(rel string) {
	walked := ""
	for _, part := range strings.Split(rel, "/") {
		walked = path.Join(walked, part)
		fd, err := unix.Openat2(u.root, walked, &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
		})
		if err == nil {
			unix.Close(fd)
			continue
		}
		if !errors.Is(err, unix.ENOENT) {
			return
		}
		if u.implied == nil {
			u.implied = map[string]bool{}
		}
		u.implied[walked] = true
	}
}

func (u *unpacker) openInRoot(rel string, flags int) (int, error) {
	return unix.Openat2(u.root, rel, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	})
}

// clear removes what stands at parent/base so that a new entry can take its
// place; an existing directory is kept when the new entry is one too.
func (u *unpacker) clear(parent int, base string, keepDir bool) error {
	var st unix.Stat_t
	if err := unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if keepDir {
			return nil
		}
		return removeAllAt(parent, base)
	}
	return unix.Unlinkat(parent, base, 0)
}

// removeAllAt removes parent/base and everything below it without following
// any symlink.
func removeAllAt(parent int, base string) error {
	err := unix.Unlinkat(parent, base, unix.AT_REMOVEDIR)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
		return err
	}
	fd, err := unix.Openat(parent, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), base)
	names, err := d.Readdirnames(-1)
	if err != nil {
		d.Close()
		return err
	}
	for _, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			d.Close()
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			err = removeAllAt(fd, name)
		} else {
			err = unix.Unlinkat(fd, name, 0)
		}
		if err != nil && !errors.Is(err, unix.ENOENT) {
			d.Close()
			return err
		}
	}
	d.Close()
	return unix.Unlinkat(parent, base, unix.AT_REMOVEDIR)
}

// metadata applies owner, mode, xattrs and (unless a directory, whose times
// are set last) times to an open file descriptor.
func (u *unpacker) metadata(h *tar.Header, fd int, isRoot bool) error {
	if u.chown {
		if err := unix.Fchown(fd, h.Uid, h.Gid); err != nil {
			return fmt.Errorf("chown %s: %w", h.Name, err)
		}
	}
	// After chown, which clears setuid and setgid bits.
	if err := unix.Fchmod(fd, uint32(h.FileInfo().Mode().Perm())|specialBits(h.Mode)); err != nil {
		return fmt.Errorf("chmod %s: %w", h.Name, err)
	}
	for name, value := range xattrs(h) {
		if err := unix.Fsetxattr(fd, name, []byte(value), 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
			return fmt.Errorf("set xattr %s on %s: %w", name, h.Name, err)
		}
	}
	if h.Typeflag == tar.TypeDir {
		if isRoot {
			u.dirs = append(u.dirs, dirTimes{rel: ".", mtime: timespec(h.ModTime), atime: timespec(h.AccessTime, h.ModTime)})
		}
		return nil
	}
	ts := []unix.Timespec{timespec(h.AccessTime, h.ModTime), timespec(h.ModTime)}
	if err := unix.UtimesNanoAt(fd, "", ts, unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("set times of %s: %w", h.Name, err)
	}
	return nil
}

// metadataAt applies owner, mode, xattrs and times to parent/base without
// following it (symlinks, devices, fifos: entries that cannot be opened for
// writing).
func (u *unpacker) metadataAt(h *tar.Header, parent int, base string) error {
	if u.chown {
		if err := unix.Fchownat(parent, base, h.Uid, h.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", h.Name, err)
		}
	}
	if h.Typeflag != tar.TypeSymlink {
		// parent/base was just created by mknodat and is not a symlink.
		if err := unix.Fchmodat(parent, base, uint32(h.Mode&0o7777), 0); err != nil {
			return fmt.Errorf("chmod %s: %w", h.Name, err)
		}
	}
	if attrs := xattrs(h); len(attrs) > 0 {
		// l*xattr through the parent's descriptor: the final component is
		// not followed and the parent was resolved inside the root.
		p := "/proc/self/fd/" + strconv.Itoa(parent) + "/" + base
		for name, value := range attrs {
			if err := unix.Lsetxattr(p, name, []byte(value), 0); err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("set xattr %s on %s: %w", name, h.Name, err)
			}
		}
	}
	ts := []unix.Timespec{timespec(h.AccessTime, h.ModTime), timespec(h.ModTime)}
	if err := unix.UtimesNanoAt(parent, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", h.Name, err)
	}
	return nil
}

func specialBits(mode int64) uint32 {
	var bits uint32
	if mode&0o4000 != 0 {
		bits |= unix.S_ISUID
	}
	if mode&0o2000 != 0 {
		bits |= unix.S_ISGID
	}
	if mode&0o1000 != 0 {
		bits |= unix.S_ISVTX
	}
	return bits
}
