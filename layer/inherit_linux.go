package layer

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// inheritImplied gives each implied directory the owner, mode, xattrs and
// times of the same directory in the top-most lower layer that shows it,
// shallowest first.
func (u *unpacker) inheritImplied(lowers []string) error {
	rels := make([]string, 0, len(u.implied))
	for rel := range u.implied {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		src, err := lowerDir(lowers, rel)
		if err != nil {
			return err
		}
		if src < 0 {
			continue // no lower layer shows it: keep 0755 root
		}
		err = u.copyDirMetadata(src, rel)
		unix.Close(src)
		if err != nil {
			return fmt.Errorf("directory %s from the layer below: %w", rel, err)
		}
	}
	return nil
}

// lowerDir opens rel in the top-most of lowers (top-most first) that shows
// it as overlayfs would: a layer that has a non-directory at rel or on the
// way to it (a file, a symlink, a whiteout) hides the layers below, and so
// does an opaque directory on the way. It returns -1 when no layer shows
// rel. Paths are resolved without following symlinks and beneath each
// layer root.
func lowerDir(lowers []string, rel string) (int, error) {
	for _, lower := range lowers {
		root, err := unix.Open(lower, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		fd, err := unix.Openat2(root, rel, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
		})
		if err == nil {
			unix.Close(root)
			return fd, nil
		}
		hidden := errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || (errors.Is(err, unix.ENOENT) && opaqueOnTheWay(root, rel))
		unix.Close(root)
		if hidden {
			return -1, nil
		}
		if !errors.Is(err, unix.ENOENT) {
			return -1, err
		}
	}
	return -1, nil
}

// opaqueOnTheWay reports whether a directory above rel in the layer at
// root is opaque (hides the lower layers' content).
func opaqueOnTheWay(root int, rel string) bool {
	parts := strings.Split(rel, "/")
	for i := len(parts) - 1; i >= 1; i-- {
		fd, err := unix.Openat2(root, strings.Join(parts[:i], "/"), &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
		})
		if err != nil {
			continue
		}
		var buf [8]byte
		n, err := unix.Fgetxattr(fd, OverlayOpaqueXattr, buf[:])
		unix.Close(fd)
		if err == nil && string(buf[:n]) == "y" {
			return true
		}
	}
	return false
}

// copyDirMetadata copies owner, mode, xattrs and times of the open
// directory src onto the implied directory rel of the layer.
func (u *unpacker) copyDirMetadata(src int, rel string) error {
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return err
	}
	dst, err := unix.Openat2(u.root, rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	if u.chown {
		if err := unix.Fchown(dst, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	if err := unix.Fchmod(dst, st.Mode&0o7777); err != nil {
		return err
	}
	attrs, _, err := readXattrs("/proc/self/fd/" + strconv.Itoa(src))
	if err != nil {
		return err
	}
	for k, v := range attrs {
		if err := unix.Fsetxattr(dst, k, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
			return err
		}
	}
	return unix.UtimesNanoAt(dst, "", []unix.Timespec{st.Atim, st.Mtim}, unix.AT_EMPTY_PATH)
}
