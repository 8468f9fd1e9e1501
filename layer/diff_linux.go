package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// DiffOption is a knob of Diff.
type DiffOption func(*diffConfig)

type diffConfig struct {
	modTime time.Time
}

// WithModTime sets the time every entry of the diff carries (default: the
// Unix epoch), so that the same changes always make the same layer.
func WithModTime(t time.Time) DiffOption {
	return func(c *diffConfig) { c.modTime = t }
}

// Diff writes the changes recorded in an overlayfs upper directory as an
// uncompressed OCI layer tar to w: deleted paths (overlayfs whiteouts,
// 0/0 character devices) become ".wh.NAME" entries, directories marked
// opaque (replaced) get a ".wh..wh..opq" entry, and everything else is
// written as it is, with owners, modes, xattrs and hardlinks. Entries are
// sorted by path and times normalised, so the same upper directory always
// gives the same bytes and digest.
func Diff(ctx context.Context, upper string, w io.Writer, opts ...DiffOption) error {
	cfg := diffConfig{modTime: time.Unix(0, 0).UTC()}
	for _, o := range opts {
		o(&cfg)
	}
	// Entries are written sorted by their name in the tar (a whiteout is
	// named after what it deletes), parents before children.
	type change struct{ name, path string }
	var changes []change
	err := filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == upper {
			return err
		}
		rel, err := filepath.Rel(upper, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.Type()&fs.ModeCharDevice != 0 && isWhiteout(p) {
			dir, base := filepath.Split(name)
			name = dir + WhiteoutPrefix + base
		}
		changes = append(changes, change{name: name, path: p})
		return nil
	})
	if err != nil {
		return fmt.Errorf("diff %s: %w", upper, err)
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].name < changes[j].name })

	tw := tar.NewWriter(w)
	links := map[uint64]string{} // inode → first path, for hardlinks
	buf := make([]byte, 1<<20)
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := diffEntry(tw, c.path, c.name, cfg, links, buf); err != nil {
			return fmt.Errorf("diff %s: %s: %w", upper, c.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("diff %s: %w", upper, err)
	}
	return nil
}

func diffEntry(tw *tar.Writer, p, rel string, cfg diffConfig, links map[uint64]string, buf []byte) error {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return err
	}
	h := &tar.Header{
		Name:    rel,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: cfg.modTime,
		Format:  tar.FormatPAX,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		if st.Rdev == 0 {
			// An overlayfs whiteout: rel, already named .wh.NAME, was deleted.
			return tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, ModTime: cfg.modTime, Format: tar.FormatPAX})
		}
		h.Typeflag = tar.TypeChar
		h.Devmajor, h.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	case unix.S_IFBLK:
		h.Typeflag = tar.TypeBlock
		h.Devmajor, h.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	case unix.S_IFIFO:
		h.Typeflag = tar.TypeFifo
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		h.Typeflag, h.Linkname = tar.TypeSymlink, target
	case unix.S_IFDIR:
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case unix.S_IFREG:
		if st.Nlink > 1 {
			if first, ok := links[st.Ino]; ok {
				h.Typeflag, h.Linkname = tar.TypeLink, first
				return tw.WriteHeader(h)
			}
			links[st.Ino] = rel
		}
		h.Typeflag, h.Size = tar.TypeReg, st.Size
	default:
		return fmt.Errorf("unsupported file type %o", st.Mode&unix.S_IFMT)
	}
	attrs, opaque, err := readXattrs(p)
	if err != nil {
		return err
	}
	for k, v := range attrs {
		if h.PAXRecords == nil {
			h.PAXRecords = map[string]string{}
		}
		h.PAXRecords["SCHILY.xattr."+k] = v
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if h.Typeflag == tar.TypeReg {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(tw, f, buf)
		f.Close()
		if err != nil {
			return err
		}
	}
	if opaque {
		return tw.WriteHeader(&tar.Header{Name: rel + "/" + WhiteoutOpaque, Typeflag: tar.TypeReg, ModTime: cfg.modTime, Format: tar.FormatPAX})
	}
	return nil
}

// isWhiteout tells whether p is an overlayfs whiteout, a 0/0 character device.
func isWhiteout(p string) bool {
	var st unix.Stat_t
	return unix.Lstat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// readXattrs returns p's extended attributes, without overlayfs's own
// (trusted.overlay.*), and whether p is an opaque directory.
func readXattrs(p string) (map[string]string, bool, error) {
	size, err := unix.Llistxattr(p, nil)
	if err != nil || size == 0 {
		if errors.Is(err, unix.ENOTSUP) {
			err = nil
		}
		return nil, false, err
	}
	list := make([]byte, size)
	size, err = unix.Llistxattr(p, list)
	if err != nil {
		return nil, false, err
	}
	attrs := map[string]string{}
	opaque := false
	for _, name := range strings.Split(strings.TrimRight(string(list[:size]), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		value, err := getxattr(p, name)
		if err != nil {
			return nil, false, err
		}
		if strings.HasPrefix(name, "trusted.overlay.") {
			opaque = opaque || (name == OverlayOpaqueXattr && value == "y")
			continue
		}
		attrs[name] = value
	}
	return attrs, opaque, nil
}

func getxattr(p, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(p, name, buf)
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
