package layer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// CopySnapshotter makes snapshots by copying layer directories into
// ROOT/KEY/fs, for hosts where overlayfs is unavailable (a kernel without
// it, or a root on a filesystem overlayfs cannot use). Layers are applied
// bottom-most first: whiteouts delete what lower layers put there, opaque
// directories drop the lower content, everything else is copied with its
// owner, mode, times, xattrs, devices and hardlinks. Slower and larger
// than overlay, but every filesystem can do it.
type CopySnapshotter struct{ root string }

// NewCopySnapshotter returns a copy snapshotter keeping its snapshots
// under root.
func NewCopySnapshotter(root string) (*CopySnapshotter, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("copy snapshotter: %w", err)
	}
	return &CopySnapshotter{root: root}, nil
}

func (s *CopySnapshotter) Prepare(ctx context.Context, key string, parents []string, _ ...PrepareOption) ([]Mount, error) {
	fsDir, err := s.build(ctx, key, parents)
	if err != nil {
		return nil, err
	}
	return []Mount{Bind(fsDir, false)}, nil
}

func (s *CopySnapshotter) View(ctx context.Context, key string, parents []string) ([]Mount, error) {
	fsDir, err := s.build(ctx, key, parents)
	if err != nil {
		return nil, err
	}
	return []Mount{Bind(fsDir, true)}, nil
}

// Changes is not available from a copy: the snapshot keeps no record of
// what the container changed. Commit needs the overlay snapshotter.
func (s *CopySnapshotter) Changes(ctx context.Context, key string) (string, error) {
	return "", fmt.Errorf("changes of snapshot %s: the copy snapshotter keeps none: %w", key, ErrNotSupported)
}

func (s *CopySnapshotter) Remove(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(s.root, key)); err != nil {
		return fmt.Errorf("remove snapshot %s: %w", key, err)
	}
	return nil
}

func (s *CopySnapshotter) build(ctx context.Context, key string, parents []string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	dir := filepath.Join(s.root, key)
	fsDir := filepath.Join(dir, "fs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", key, err)
	}
	if err := os.Mkdir(fsDir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("snapshot %s: %w", key, err)
	}
	for _, layerDir := range parents {
		if err := applyLayerCopy(ctx, layerDir, fsDir); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("snapshot %s: apply %s: %w", key, layerDir, err)
		}
	}
	return fsDir, nil
}

// applyLayerCopy copies one unpacked layer directory onto dst, honouring
// its whiteouts and opaque directories. Layer directories were written by
// Unpack and are trusted; dst is ours. No symlink in dst is followed: a
// directory of the layer replaces whatever dst has at that path before
// anything is created beneath it.
func applyLayerCopy(ctx context.Context, src, dst string) error {
	links := map[uint64]string{} // source inode → copied path, for hardlinks
	var dirs []string
	buf := make([]byte, 1<<20)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		mode := st.Mode & unix.S_IFMT
		if mode == unix.S_IFCHR && st.Rdev == 0 {
			return os.RemoveAll(target) // whiteout
		}
		if mode == unix.S_IFDIR {
			attrs, opaque, err := readXattrs(p)
			if err != nil {
				return err
			}
			var dst unix.Stat_t
			exists := unix.Lstat(target, &dst) == nil
			if exists && (dst.Mode&unix.S_IFMT != unix.S_IFDIR || opaque) {
				if err := os.RemoveAll(target); err != nil {
					return err
				}
				exists = false
			}
			if !exists {
				if err := unix.Mkdir(target, 0o700); err != nil {
					return err
				}
			}
			dirs = append(dirs, p)
			return copyMetadata(target, &st, attrs, false)
		}
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		if st.Nlink > 1 && mode != unix.S_IFDIR {
			if first, ok := links[st.Ino]; ok {
				return unix.Link(first, target)
			}
			links[st.Ino] = target
		}
		attrs, _, err := readXattrs(p)
		if err != nil {
			return err
		}
		switch mode {
		case unix.S_IFREG:
			if err := copyFile(p, target, buf); err != nil {
				return err
			}
		case unix.S_IFLNK:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := unix.Symlink(link, target); err != nil {
				return err
			}
		case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
			if err := unix.Mknod(target, mode|0o600, int(st.Rdev)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unsupported file type %o", rel, mode)
		}
		return copyMetadata(target, &st, attrs, mode == unix.S_IFLNK)
	})
	if err != nil {
		return err
	}
	// Directory times last: creating entries in them changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		var st unix.Stat_t
		if err := unix.Lstat(dirs[i], &st); err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, dirs[i])
		ts := []unix.Timespec{st.Atim, st.Mtim}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dst, rel), ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, buf []byte) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(out, in, buf); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyMetadata gives target st's owner, mode, times and the xattrs attrs,
// without following a symlink at target.
func copyMetadata(target string, st *unix.Stat_t, attrs map[string]string, symlink bool) error {
	if err := unix.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	if !symlink {
		if err := unix.Fchmodat(unix.AT_FDCWD, target, st.Mode&0o7777, 0); err != nil {
			return err
		}
	}
	for k, v := range attrs {
		if err := unix.Lsetxattr(target, k, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) && !(symlink && errors.Is(err, unix.EPERM)) {
			return err
		}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil
	}
	return unix.UtimesNanoAt(unix.AT_FDCWD, target, []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW)
}
