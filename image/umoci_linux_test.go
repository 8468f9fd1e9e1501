//go:build linux

package image

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/layer"
)

// TestUnpackedUnionMatchesUmoci builds a multi-layer image with umoci —
// files of every type, special mode bits, owners, hardlinks, xattrs, then
// deletions and replacements in later layers — and checks that the union
// of the layer directories berth unpacked, mounted by either snapshot path
// (an overlayfs view and the copy snapshotter), is the same tree as
// `umoci unpack` makes of the same image.
func TestUnpackedUnionMatchesUmoci(t *testing.T) {
	privileged.Require(t)
	_, err := exec.LookPath("umoci")
	require.NoError(t, err, "umoci is needed for this test (make test installs it)")
	ctx := context.Background()
	work := t.TempDir()

	layoutDir := filepath.Join(work, "layout")
	umociRun(t, "init", "--layout", layoutDir)
	umociRun(t, "new", "--image", layoutDir+":base")
	steps := []struct {
		tag    string
		change func(r umociRootfs)
	}{
		{"files", umociFilesLayer},
		{"links", umociLinksLayer},
		{"changes", umociChangesLayer},
		{"final", umociAfterChangesLayer},
	}
	from := "base"
	for _, step := range steps {
		bundle := filepath.Join(work, "bundle-"+step.tag)
		umociRun(t, "unpack", "--image", layoutDir+":"+from, bundle)
		step.change(umociRootfs{t: t, root: filepath.Join(bundle, "rootfs")})
		umociRun(t, "repack", "--image", layoutDir+":"+step.tag, bundle)
		require.NoError(t, os.RemoveAll(bundle))
		from = step.tag
	}
	// umoci repack writes a whiteout per deleted entry, never an opaque
	// directory; umoci insert --opaque does, and --whiteout deletes alone.
	opaqueSource := filepath.Join(work, "opaque-source")
	require.NoError(t, os.Mkdir(opaqueSource, 0o700))
	insert := umociRootfs{t: t, root: opaqueSource}
	insert.owned(".", 0o2770, 0, 100)
	insert.file("fresh", "the only entry left in srv/shared", 0o640, 7, 7)
	umociRun(t, "insert", "--image", layoutDir+":final", "--opaque", opaqueSource, "/srv/shared")
	umociRun(t, "insert", "--image", layoutDir+":final", "--whiteout", "/etc/hostname")
	const layerCount = 6 // four repacks, two inserts
	stat := umociRun(t, "stat", "--image", layoutDir+":final")
	require.Equal(t, layerCount, strings.Count(stat, "\nsha256:"), "umoci stat of the final image:\n%s", stat)

	refBundle := filepath.Join(work, "reference")
	umociRun(t, "unpack", "--image", layoutDir+":final", refBundle)
	want := umociReadTree(t, filepath.Join(refBundle, "rootfs"))
	umociCheckReference(t, want)

	s, err := Open(ctx, filepath.Join(work, "store"))
	require.NoError(t, err)
	imported, err := s.ImportOCI(ctx, layoutDir)
	require.NoError(t, err)
	finalID := umociConfigDigest(t, layoutDir, "final")
	var img *Image
	for _, i := range imported {
		if i.ID.String() == finalID {
			img = i
		}
	}
	require.NotNil(t, img, "ImportOCI did not return the final image %s", finalID)
	require.Len(t, img.Layers, layerCount)
	bottomFirst := make([]string, len(img.Layers))
	for i, l := range img.Layers {
		require.NotEmpty(t, l.Dir, "layer %d has no unpacked directory", i)
		bottomFirst[i] = l.Dir
	}

	// The comparison must be able to fail: a tree with one file missing,
	// one owner changed and one hardlink group broken differs in exactly
	// those paths.
	t.Run("comparison detects differences", func(t *testing.T) {
		broken := maps.Clone(want)
		delete(broken, "data/keep.txt")
		e := broken["data/chown-me"]
		e.uid++
		broken["data/chown-me"] = e
		e = broken["usr/lib/a"]
		e.hardlinks = "usr/lib/a"
		broken["usr/lib/a"] = e
		diff := umociDiffTrees(want, broken)
		var paths []string
		for _, d := range diff {
			paths = append(paths, strings.SplitN(d, ":", 2)[0])
		}
		require.ElementsMatch(t, []string{"data/keep.txt", "data/chown-me", "usr/lib/a"}, paths, "diff:\n%s", strings.Join(diff, "\n"))
	})

	t.Run("overlay", func(t *testing.T) {
		target := filepath.Join(work, "overlay-view")
		require.NoError(t, os.Mkdir(target, 0o755))
		topFirst := slices.Clone(bottomFirst)
		slices.Reverse(topFirst)
		require.NoError(t, layer.Overlay(topFirst, "", "").Apply(target))
		t.Cleanup(func() { require.NoError(t, layer.Unmount(target)) })
		umociRequireSameTree(t, want, umociReadTree(t, target))
	})

	t.Run("copy", func(t *testing.T) {
		snapshotter, err := layer.NewCopySnapshotter(filepath.Join(work, "copy-snapshots"))
		require.NoError(t, err)
		mounts, err := snapshotter.View(ctx, "umoci", bottomFirst)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, snapshotter.Remove(ctx, "umoci")) })
		target := filepath.Join(work, "copy-view")
		require.NoError(t, os.Mkdir(target, 0o755))
		for _, m := range mounts {
			require.NoError(t, m.Apply(target))
			t.Cleanup(func() { require.NoError(t, layer.Unmount(target)) })
		}
		umociRequireSameTree(t, want, umociReadTree(t, target))
	})
}

// umociFilesLayer: regular files of various modes and owners, special
// bits, and the directories later layers delete or replace.
func umociFilesLayer(r umociRootfs) {
	r.dir("etc", 0o755, 0, 0)
	r.file("etc/hostname", "umoci\n", 0o644, 0, 0)
	r.file("etc/shadow", "root:*:1::::::\n", 0o640, 0, 42)
	r.dir("bin", 0o755, 0, 0)
	r.file("bin/tool", "#!/bin/sh\necho tool\n", 0o755, 0, 0)
	r.file("bin/suid", "setuid binary", 0o4755, 0, 0)
	r.file("bin/sgid", "setgid binary", 0o2711, 0, 50)
	r.dir("tmp", 0o1777, 0, 0)
	r.dir("home", 0o755, 0, 0)
	r.dir("home/user", 0o750, 1000, 1000)
	r.file("home/user/notes", "private", 0o600, 1000, 1000)
	r.file("home/user/empty", "", 0o444, 1000, 100)
	r.dir("srv", 0o755, 0, 0)
	r.dir("srv/shared", 0o2775, 0, 100)
	r.file("srv/shared/file", "group-owned", 0o664, 33, 100)
	r.dir("var", 0o755, 0, 0)
	r.dir("var/empty", 0o711, 0, 0)

	r.dir("data", 0o755, 0, 0)
	r.file("data/keep.txt", "kept", 0o644, 0, 0)
	r.file("data/gone.txt", "deleted in a later layer", 0o644, 0, 0)
	r.dir("data/old", 0o755, 0, 0)
	r.dir("data/old/sub", 0o700, 0, 0)
	r.file("data/old/sub/file", "old", 0o644, 0, 0)
	r.file("data/old/file", "old", 0o644, 0, 0)
	r.dir("data/replaced", 0o755, 10, 10)
	r.file("data/replaced/a", "lower a", 0o644, 0, 0)
	r.dir("data/replaced/deep", 0o755, 0, 0)
	r.file("data/replaced/deep/b", "lower b", 0o644, 0, 0)
	r.file("data/file-to-dir", "becomes a directory", 0o644, 0, 0)
	r.dir("data/dir-to-link", 0o755, 0, 0)
	r.file("data/dir-to-link/inside", "hidden by the symlink", 0o644, 0, 0)
	r.file("data/chmod-me", "mode changes", 0o644, 0, 0)
	// Replaced by a symlink to ../bin in a later layer.
	r.dir("data/linkdir", 0o755, 0, 0)
	r.file("data/linkdir/tool", "same name as bin/tool", 0o644, 0, 0)
	r.file("data/chown-me", "owner changes", 0o644, 0, 0)
	r.file("data/rewritten", "first content", 0o644, 0, 0)
}

// umociLinksLayer: symlinks, hardlinks, devices, a fifo and xattrs.
func umociLinksLayer(r umociRootfs) {
	r.symlink("bin/sh", "tool", 0, 0)
	r.dir("usr", 0o755, 0, 0)
	r.dir("usr/bin", 0o755, 0, 0)
	r.symlink("usr/bin/abs", "/bin/tool", 0, 0)
	r.symlink("usr/bin/owned-link", "../../bin/tool", 1000, 1000)
	r.dir("lib", 0o755, 0, 0)
	r.symlink("lib/dangling", "../nowhere/missing", 0, 0)
	r.symlink("etc/localtime", "/usr/share/zoneinfo/UTC", 0, 0)

	r.dir("usr/lib", 0o755, 0, 0)
	r.dir("usr/lib/sub", 0o755, 0, 0)
	r.file("usr/lib/a", "three names, one inode", 0o640, 1000, 1000)
	r.hardlink("usr/lib/a", "usr/lib/b")
	r.hardlink("usr/lib/a", "usr/lib/sub/c")
	r.hardlink("usr/lib/a", "usr/lib/sub/x") // deleted in a later layer
	r.hardlink("bin/tool", "bin/tool-link")  // to a file of the layer below

	r.dir("dev", 0o755, 0, 0)
	r.node("dev/null", unix.S_IFCHR|0o666, 1, 3, 0, 0)
	r.node("dev/loop0", unix.S_IFBLK|0o660, 7, 0, 0, 6)
	r.dir("run", 0o755, 0, 0)
	r.node("run/fifo", unix.S_IFIFO|0o620, 0, 0, 1000, 1000)

	r.xattr("data/keep.txt", "user.comment", "hello")
	r.file("etc/secret", "trusted xattr", 0o600, 0, 0)
	r.xattr("etc/secret", "trusted.berth", "value\x00with NUL")
	r.xattr("srv/shared", "user.dir", "yes")
	r.xattr("srv/shared", "trusted.dir", "also")
	r.xattr("dev/null", "trusted.device", "char")
	r.xattr("usr/bin/abs", "trusted.link", "on a symlink")
	// security.capability: a v2 capability blob granting CAP_NET_RAW
	// (13), effective. The kernel clears it on chown and on write, so it
	// is set last, as an unpacker must.
	r.file("bin/ping", "ping", 0o755, 0, 0)
	capability := make([]byte, 20)
	binary.LittleEndian.PutUint32(capability[0:], 0x02000001) // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
	binary.LittleEndian.PutUint32(capability[4:], 1<<13)      // permitted[0]
	r.xattr("bin/ping", "security.capability", string(capability))
}

// umociChangesLayer deletes and replaces what the layers below made.
func umociChangesLayer(r umociRootfs) {
	r.remove("data/gone.txt")
	r.remove("data/old")
	// A directory replaced by a new one: nothing of the lower one shows.
	r.remove("data/replaced")
	r.dir("data/replaced", 0o700, 20, 20)
	r.file("data/replaced/a", "upper a", 0o600, 0, 0)
	r.file("data/replaced/new", "only in the upper directory", 0o644, 0, 0)
	// A file replaced by a directory, a directory by a symlink.
	r.remove("data/file-to-dir")
	r.dir("data/file-to-dir", 0o755, 0, 0)
	r.file("data/file-to-dir/child", "child", 0o644, 0, 0)
	r.remove("data/dir-to-link")
	r.symlink("data/dir-to-link", "keep.txt", 0, 0)
	// The same, where the symlink leads to a directory this layer has
	// (bin/, for the whiteout of bin/tool-link below): umoci writes
	// "data/linkdir/.wh.tool" after the symlink, which must not delete
	// bin/tool.
	r.remove("data/linkdir")
	r.symlink("data/linkdir", "../bin", 0, 0)
	// Metadata-only changes.
	r.chmod("data/chmod-me", 0o4751)
	r.chown("data/chown-me", 1234, 5678)
	r.xattr("data/keep.txt", "user.comment", "changed")
	r.xattr("data/keep.txt", "user.second", "added")
	r.rewrite("data/rewritten", "second content, longer than the first")
	// Deletions among hardlinks and devices.
	r.remove("bin/tool-link")
	r.remove("dev/loop0")
	r.remove("tmp")
	r.dir("tmp", 0o1777, 0, 0)
}

// umociAfterChangesLayer puts things back where the layer below deleted.
func umociAfterChangesLayer(r umociRootfs) {
	r.file("data/gone.txt", "back again", 0o600, 5, 5)
	r.dir("data/old", 0o750, 0, 0)
	r.file("data/old/file", "new old", 0o644, 0, 0)
	// A file added to a directory of a lower layer whose times are put
	// back: umoci's change detection (mtree, whole seconds) then sees the
	// directory unchanged and writes "data/replaced/later" without an
	// entry for data/replaced. The union must keep the lower directory's
	// owner and mode (0700 20:20), not those of an implied parent.
	r.keepingTimes("data/replaced", func() {
		r.file("data/replaced/later", "added to the replaced directory", 0o644, 0, 0)
	})
	// A hardlink group of this layer's own. (A link to a file of a lower
	// layer is written as a copy: layers cannot link across.)
	r.file("usr/lib/e", "two names", 0o600, 2, 2)
	r.hardlink("usr/lib/e", "usr/lib/f")
	r.remove("usr/lib/sub/x")
}

// umociRootfs modifies an unpacked umoci bundle's rootfs.
type umociRootfs struct {
	t    *testing.T
	root string
}

func (r umociRootfs) path(rel string) string { return filepath.Join(r.root, rel) }

// owned sets owner then mode: chown clears setuid and setgid bits.
func (r umociRootfs) owned(rel string, mode os.FileMode, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, os.Lchown(r.path(rel), uid, gid))
	r.chmod(rel, mode)
}

func (r umociRootfs) dir(rel string, mode os.FileMode, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, os.Mkdir(r.path(rel), 0o700))
	r.owned(rel, mode, uid, gid)
}

func (r umociRootfs) file(rel, content string, mode os.FileMode, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, os.WriteFile(r.path(rel), []byte(content), 0o600))
	r.owned(rel, mode, uid, gid)
}

func (r umociRootfs) rewrite(rel, content string) {
	r.t.Helper()
	f, err := os.OpenFile(r.path(rel), os.O_WRONLY|os.O_TRUNC, 0)
	require.NoError(r.t, err)
	_, err = io.WriteString(f, content)
	require.NoError(r.t, err)
	require.NoError(r.t, f.Close())
}

func (r umociRootfs) symlink(rel, target string, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, os.Symlink(target, r.path(rel)))
	require.NoError(r.t, os.Lchown(r.path(rel), uid, gid))
}

func (r umociRootfs) hardlink(existing, rel string) {
	r.t.Helper()
	require.NoError(r.t, os.Link(r.path(existing), r.path(rel)))
}

func (r umociRootfs) node(rel string, mode uint32, major, minor uint32, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, unix.Mknod(r.path(rel), mode, int(unix.Mkdev(major, minor))))
	require.NoError(r.t, os.Lchown(r.path(rel), uid, gid))
	require.NoError(r.t, unix.Fchmodat(unix.AT_FDCWD, r.path(rel), mode&0o7777, 0))
}

func (r umociRootfs) xattr(rel, name, value string) {
	r.t.Helper()
	require.NoError(r.t, unix.Lsetxattr(r.path(rel), name, []byte(value), 0), "set %s on %s", name, rel)
}

func (r umociRootfs) chmod(rel string, mode os.FileMode) {
	r.t.Helper()
	// Go's os.FileMode keeps setuid/setgid/sticky apart from the
	// permission bits; Fchmodat takes them as the kernel does.
	require.NoError(r.t, unix.Fchmodat(unix.AT_FDCWD, r.path(rel), uint32(mode), 0))
}

// keepingTimes runs change and then gives rel back its access and
// modification times.
func (r umociRootfs) keepingTimes(rel string, change func()) {
	r.t.Helper()
	var st unix.Stat_t
	require.NoError(r.t, unix.Lstat(r.path(rel), &st))
	change()
	require.NoError(r.t, unix.UtimesNanoAt(unix.AT_FDCWD, r.path(rel), []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW))
}

func (r umociRootfs) chown(rel string, uid, gid int) {
	r.t.Helper()
	require.NoError(r.t, os.Lchown(r.path(rel), uid, gid))
}

func (r umociRootfs) remove(rel string) {
	r.t.Helper()
	_, err := os.Lstat(r.path(rel))
	require.NoError(r.t, err, "remove %s", rel)
	require.NoError(r.t, os.RemoveAll(r.path(rel)))
}

// umociRun runs umoci with args and returns its standard output.
func umociRun(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("umoci", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "umoci %s: %s", strings.Join(args, " "), stderr.String())
	return string(out)
}

// umociConfigDigest returns the config digest (the image ID) of the image
// tagged tag in the OCI layout dir.
func umociConfigDigest(t *testing.T, dir, tag string) string {
	t.Helper()
	p, err := layout.FromPath(dir)
	require.NoError(t, err)
	idx, err := p.ImageIndex()
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	for _, d := range m.Manifests {
		if d.Annotations[annotationRefName] == tag {
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			cfg, err := img.ConfigName()
			require.NoError(t, err)
			return cfg.String()
		}
	}
	t.Fatalf("no image tagged %s in %s", tag, dir)
	return ""
}

// umociEntry is what is compared of one path of a tree.
type umociEntry struct {
	fileType  string // "dir", "file", "symlink", "char", "block", "fifo", "socket"
	mode      uint32 // permission and setuid/setgid/sticky bits
	uid, gid  uint32
	link      string // symlink target
	rdev      uint64 // devices
	sha256    string // regular files
	mtime     int64  // non-directories, in nanoseconds
	xattrs    string // sorted name=value lines
	hardlinks string // regular files with several names: all of them, sorted
}

func (e umociEntry) String() string {
	s := fmt.Sprintf("%s %04o %d:%d", e.fileType, e.mode, e.uid, e.gid)
	if e.link != "" {
		s += " -> " + e.link
	}
	if e.fileType == "char" || e.fileType == "block" {
		s += fmt.Sprintf(" dev %d:%d", unix.Major(e.rdev), unix.Minor(e.rdev))
	}
	if e.sha256 != "" {
		s += " sha256 " + e.sha256[:12]
	}
	if e.fileType != "dir" {
		s += fmt.Sprintf(" mtime %d", e.mtime)
	}
	if e.xattrs != "" {
		s += fmt.Sprintf(" xattrs {%s}", strings.ReplaceAll(e.xattrs, "\n", ", "))
	}
	if e.hardlinks != "" {
		s += " links [" + e.hardlinks + "]"
	}
	return s
}

// umociIgnoredXattr reports xattrs that are not part of an image's
// content: overlayfs's own bookkeeping and the host's SELinux labels.
func umociIgnoredXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || name == "security.selinux"
}

// umociReadTree reads every path under root without following symlinks.
// Directory times are not kept: overlayfs and unpacking both change them.
// Regular-file and other non-directory mtimes are: umoci and berth both
// set them from the tar headers, and overlayfs shows the lower file's.
func umociReadTree(t *testing.T, root string) map[string]umociEntry {
	t.Helper()
	tree := map[string]umociEntry{}
	type inode struct{ dev, ino uint64 }
	names := map[inode][]string{}
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := umociEntry{mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			e.fileType = "dir"
		case unix.S_IFREG:
			e.fileType = "file"
			sum, err := umociFileSHA256(p)
			if err != nil {
				return err
			}
			e.sha256 = sum
		case unix.S_IFLNK:
			e.fileType = "symlink"
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		case unix.S_IFCHR:
			e.fileType, e.rdev = "char", st.Rdev
		case unix.S_IFBLK:
			e.fileType, e.rdev = "block", st.Rdev
		case unix.S_IFIFO:
			e.fileType = "fifo"
		case unix.S_IFSOCK:
			e.fileType = "socket"
		}
		if e.fileType != "dir" {
			e.mtime = st.Mtim.Nano()
			names[inode{st.Dev, st.Ino}] = append(names[inode{st.Dev, st.Ino}], rel)
		}
		if e.xattrs, err = umociXattrs(p); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		tree[rel] = e
		return nil
	})
	require.NoError(t, err)
	for _, group := range names {
		if len(group) < 2 {
			continue
		}
		sort.Strings(group)
		for _, rel := range group {
			e := tree[rel]
			e.hardlinks = strings.Join(group, " ")
			tree[rel] = e
		}
	}
	return tree
}

func umociFileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// umociXattrs returns p's xattrs (not followed through a symlink) as
// sorted name=value lines, values quoted.
func umociXattrs(p string) (string, error) {
	size, err := unix.Llistxattr(p, nil)
	if errors.Is(err, unix.ENOTSUP) || size == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	list := make([]byte, size)
	if size, err = unix.Llistxattr(p, list); err != nil {
		return "", err
	}
	var lines []string
	for _, name := range strings.Split(string(list[:size]), "\x00") {
		if name == "" || umociIgnoredXattr(name) {
			continue
		}
		n, err := unix.Lgetxattr(p, name, nil)
		if err != nil {
			return "", fmt.Errorf("xattr %s: %w", name, err)
		}
		value := make([]byte, n)
		if n, err = unix.Lgetxattr(p, name, value); err != nil {
			return "", fmt.Errorf("xattr %s: %w", name, err)
		}
		lines = append(lines, fmt.Sprintf("%s=%q", name, value[:n]))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), nil
}

// umociDiffTrees lists, one line per path, how got differs from want.
func umociDiffTrees(want, got map[string]umociEntry) []string {
	paths := map[string]bool{}
	for p := range want {
		paths[p] = true
	}
	for p := range got {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var diff []string
	for _, p := range sorted {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inGot:
			diff = append(diff, fmt.Sprintf("%s: missing (umoci has %s)", p, w))
		case !inWant:
			diff = append(diff, fmt.Sprintf("%s: unexpected (berth has %s, umoci nothing)", p, g))
		case w != g:
			diff = append(diff, fmt.Sprintf("%s:\n\tumoci %s\n\tberth %s", p, w, g))
		}
	}
	return diff
}

func umociRequireSameTree(t *testing.T, want, got map[string]umociEntry) {
	t.Helper()
	if diff := umociDiffTrees(want, got); len(diff) > 0 {
		t.Fatalf("berth's union differs from umoci unpack in %d paths:\n%s", len(diff), strings.Join(diff, "\n"))
	}
}

// umociCheckReference checks that umoci's tree holds every case the test
// means to compare, so that a change in umoci cannot make it vacuous.
func umociCheckReference(t *testing.T, want map[string]umociEntry) {
	t.Helper()
	for p, fileType := range map[string]string{
		"bin/suid": "file", "tmp": "dir", "bin/sh": "symlink", "lib/dangling": "symlink", "usr/bin/abs": "symlink",
		"dev/null": "char", "run/fifo": "fifo", "data/file-to-dir": "dir", "data/dir-to-link": "symlink",
		"data/linkdir": "symlink", "bin/tool": "file", "data/gone.txt": "file", "srv/shared/fresh": "file",
	} {
		require.Equal(t, fileType, want[p].fileType, "reference tree: %s", p)
	}
	require.Equal(t, uint32(0o4755), want["bin/suid"].mode)
	require.Equal(t, uint32(0o1777), want["tmp"].mode)
	require.Equal(t, umociEntry{fileType: "dir", mode: 0o700, uid: 20, gid: 20}, want["data/replaced"])
	require.Equal(t, "usr/lib/a usr/lib/b usr/lib/sub/c", want["usr/lib/a"].hardlinks)
	require.Equal(t, "usr/lib/e usr/lib/f", want["usr/lib/e"].hardlinks)
	require.Contains(t, want["bin/ping"].xattrs, "security.capability=")
	require.Contains(t, want["etc/secret"].xattrs, "trusted.berth=")
	require.Contains(t, want["usr/bin/abs"].xattrs, "trusted.link=")
	for _, p := range []string{"data/old/sub", "data/replaced/deep", "data/dir-to-link/inside", "dev/loop0",
		"bin/tool-link", "usr/lib/sub/x", "srv/shared/file", "etc/hostname"} {
		require.NotContains(t, want, p, "reference tree")
	}
}
