package volume

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

func lstat(t *testing.T, p string) *unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(p, &st), p)
	return &st
}

func setTime(t *testing.T, p string, when time.Time) {
	t.Helper()
	ts := unix.NsecToTimespec(when.UnixNano())
	require.NoError(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW))
}

// The image's directory at the mount target: files, directories, modes,
// times, symlinks pointing anywhere, hardlinks, a FIFO.
func TestPopulateCopiesContent(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "rootfs", "app")
	dst := filepath.Join(base, "volume", "_data")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{src, dst, outside} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o600))

	require.NoError(t, os.WriteFile(filepath.Join(src, "config"), []byte("key=value\n"), 0o640))
	require.NoError(t, os.Mkdir(filepath.Join(src, "sub"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "script"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, unix.Chmod(filepath.Join(src, "sub", "script"), 0o5755))
	require.NoError(t, os.Mkdir(filepath.Join(src, "sub", "empty"), 0o700))
	require.NoError(t, os.Link(filepath.Join(src, "config"), filepath.Join(src, "sub", "config-link")))
	require.NoError(t, unix.Mkfifo(filepath.Join(src, "fifo"), 0o620))
	require.NoError(t, os.Chmod(filepath.Join(src, "fifo"), 0o620))
	// Symlinks leaving the image, every way they can.
	links := map[string]string{
		"abs":      outside,
		"abs-file": filepath.Join(outside, "secret"),
		"up":       "../../outside",
		"root":     "/",
		"dangling": "/does/not/exist",
		"inside":   "sub/script",
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(src, name)))
	}
	require.NoError(t, os.Symlink("../../../outside/secret", filepath.Join(src, "sub", "deep")))
	big := make([]byte, 3<<20+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "big"), big, 0o600))
	xattrs := unix.Setxattr(filepath.Join(src, "config"), "user.origin", []byte("image"), 0) == nil

	old := time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC)
	for _, p := range []string{"config", "sub/script", "sub/empty", "sub", "fifo", "abs", "big", "."} {
		setTime(t, filepath.Join(src, p), old.Add(time.Duration(len(p))*time.Hour))
	}
	require.NoError(t, os.Chmod(src, 0o711))

	copied, err := Populate(dst, src)
	require.NoError(t, err)
	require.True(t, copied)

	b, err := os.ReadFile(filepath.Join(dst, "config"))
	require.NoError(t, err)
	assert.Equal(t, "key=value\n", string(b))
	b, err = os.ReadFile(filepath.Join(dst, "big"))
	require.NoError(t, err)
	assert.Equal(t, big, b)

	for name, want := range map[string]uint32{
		".":          unix.S_IFDIR | 0o711,
		"config":     unix.S_IFREG | 0o640,
		"sub":        unix.S_IFDIR | 0o750,
		"sub/script": unix.S_IFREG | 0o5755,
		"sub/empty":  unix.S_IFDIR | 0o700,
		"fifo":       unix.S_IFIFO | 0o620,
		"big":        unix.S_IFREG | 0o600,
	} {
		assert.Equal(t, want, lstat(t, filepath.Join(dst, name)).Mode, "mode of %s", name)
	}
	for _, p := range []string{"config", "sub/script", "sub/empty", "sub", "fifo", "abs", "big", "."} {
		want := lstat(t, filepath.Join(src, p)).Mtim
		assert.Equal(t, want, lstat(t, filepath.Join(dst, p)).Mtim, "mtime of %s", p)
	}

	// Symlinks are copied as links, with their targets verbatim.
	for name, target := range links {
		got, err := os.Readlink(filepath.Join(dst, name))
		require.NoError(t, err, name)
		assert.Equal(t, target, got, name)
		assert.Equal(t, uint32(unix.S_IFLNK), lstat(t, filepath.Join(dst, name)).Mode&unix.S_IFMT)
	}
	got, err := os.Readlink(filepath.Join(dst, "sub", "deep"))
	require.NoError(t, err)
	assert.Equal(t, "../../../outside/secret", got)
	// …and nothing they point to was read or changed.
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Equal(t, []string{"secret"}, dirNames(entries))
	assert.Equal(t, uint32(unix.S_IFREG|0o600), lstat(t, filepath.Join(outside, "secret")).Mode)

	// Hardlinks stay hardlinks, within the volume.
	a, l := lstat(t, filepath.Join(dst, "config")), lstat(t, filepath.Join(dst, "sub", "config-link"))
	assert.Equal(t, a.Ino, l.Ino)
	assert.Equal(t, uint64(2), uint64(a.Nlink))
	assert.NotEqual(t, lstat(t, filepath.Join(src, "config")).Ino, a.Ino)

	if xattrs {
		v := make([]byte, 64)
		n, err := unix.Getxattr(filepath.Join(dst, "config"), "user.origin", v)
		require.NoError(t, err)
		assert.Equal(t, "image", string(v[:n]))
	} else {
		t.Log("user xattrs unsupported here: their copy is not checked")
	}
}

func TestPopulateOwnersDevicesAndPrivilegedXattrs(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	dst := filepath.Join(base, "dst")
	require.NoError(t, os.Mkdir(src, 0o755))
	require.NoError(t, os.Mkdir(dst, 0o755))

	require.NoError(t, os.WriteFile(filepath.Join(src, "tool"), []byte("bin"), 0o755))
	require.NoError(t, os.Chown(filepath.Join(src, "tool"), 1000, 1001))
	require.NoError(t, unix.Chmod(filepath.Join(src, "tool"), 0o6755)) // after chown, which clears it
	// security.capability v2: cap_net_bind_service, effective.
	capability := []byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	require.NoError(t, unix.Setxattr(filepath.Join(src, "tool"), "security.capability", capability, 0))
	require.NoError(t, unix.Setxattr(filepath.Join(src, "tool"), "trusted.note", []byte("t"), 0))
	require.NoError(t, unix.Setxattr(filepath.Join(src, "tool"), "trusted.overlay.opaque", []byte("y"), 0))
	require.NoError(t, os.Mkdir(filepath.Join(src, "home"), 0o700))
	require.NoError(t, os.Chown(filepath.Join(src, "home"), 1000, 1000))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(src, "link")))
	require.NoError(t, os.Lchown(filepath.Join(src, "link"), 1002, 1003))
	require.NoError(t, unix.Mknod(filepath.Join(src, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	require.NoError(t, os.Chmod(filepath.Join(src, "null"), 0o666))
	require.NoError(t, os.Chown(src, 33, 33))
	require.NoError(t, os.Chmod(src, 0o770))

	copied, err := Populate(dst, src)
	require.NoError(t, err)
	require.True(t, copied)

	for name, want := range map[string][2]uint32{
		".":    {33, 33},
		"tool": {1000, 1001},
		"home": {1000, 1000},
		"link": {1002, 1003},
		"null": {0, 0},
	} {
		st := lstat(t, filepath.Join(dst, name))
		assert.Equal(t, want, [2]uint32{st.Uid, st.Gid}, "owner of %s", name)
	}
	assert.Equal(t, uint32(unix.S_IFREG|0o6755), lstat(t, filepath.Join(dst, "tool")).Mode, "setuid and setgid survive the chown")
	assert.Equal(t, uint32(unix.S_IFDIR|0o770), lstat(t, dst).Mode)
	null := lstat(t, filepath.Join(dst, "null"))
	assert.Equal(t, uint32(unix.S_IFCHR|0o666), null.Mode)
	assert.Equal(t, unix.Mkdev(1, 3), null.Rdev)

	buf := make([]byte, 64)
	n, err := unix.Getxattr(filepath.Join(dst, "tool"), "security.capability", buf)
	require.NoError(t, err, "file capabilities survive the chown")
	assert.Equal(t, capability, buf[:n])
	n, err = unix.Getxattr(filepath.Join(dst, "tool"), "trusted.note", buf)
	require.NoError(t, err)
	assert.Equal(t, "t", string(buf[:n]))
	_, err = unix.Getxattr(filepath.Join(dst, "tool"), "trusted.overlay.opaque", buf)
	assert.ErrorIs(t, err, unix.ENODATA, "overlayfs's own attributes are not copied")
}

func TestPopulateLeavesDestinationAlone(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	require.NoError(t, os.Mkdir(src, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "image-file"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(base, "file"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink(src, filepath.Join(base, "src-link")))

	for _, tc := range []struct {
		name string
		src  string
		full bool // dst already holds a file
		err  error
	}{
		{name: "destination not empty", src: src, full: true},
		{name: "source missing", src: filepath.Join(base, "missing")},
		{name: "source under a missing directory", src: filepath.Join(base, "missing", "dir")},
		{name: "source is a file", src: filepath.Join(base, "file")},
		{name: "source is a symlink", src: filepath.Join(base, "src-link"), err: ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := t.TempDir()
			require.NoError(t, os.Chmod(dst, 0o755))
			if tc.full {
				require.NoError(t, os.WriteFile(filepath.Join(dst, "keep"), []byte("mine"), 0o600))
			}
			before := lstat(t, dst)
			copied, err := Populate(dst, tc.src)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.False(t, copied)
			entries, err := os.ReadDir(dst)
			require.NoError(t, err)
			if tc.full {
				assert.Equal(t, []string{"keep"}, dirNames(entries))
				b, err := os.ReadFile(filepath.Join(dst, "keep"))
				require.NoError(t, err)
				assert.Equal(t, "mine", string(b))
			} else {
				assert.Empty(t, entries)
			}
			after := lstat(t, dst)
			assert.Equal(t, before.Mode, after.Mode)
			assert.Equal(t, before.Mtim, after.Mtim)
		})
	}

	// A destination that is a symlink is refused, not followed.
	dstLink := filepath.Join(base, "dst-link")
	target := t.TempDir()
	require.NoError(t, os.Symlink(target, dstLink))
	_, err := Populate(dstLink, src)
	require.Error(t, err)
	entries, err := os.ReadDir(target)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// Two containers starting at once with one new volume fill it once.
func TestPopulateConcurrently(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	dst := filepath.Join(base, "dst")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "a", "b"), 0o755))
	for i := range 50 {
		require.NoError(t, os.WriteFile(filepath.Join(src, "a", "b", string(rune('a'+i%26))+string(rune('a'+i/26))), []byte("x"), 0o644))
	}
	require.NoError(t, os.Mkdir(dst, 0o755))

	var wg sync.WaitGroup
	results := make(chan bool, 4)
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			copied, err := Populate(dst, src)
			results <- copied
			errs <- err
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	copies := 0
	for c := range results {
		if c {
			copies++
		}
	}
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, copies)
	entries, err := os.ReadDir(filepath.Join(dst, "a", "b"))
	require.NoError(t, err)
	assert.Len(t, entries, 50)
}

// A copy that fails half-way leaves the volume empty, ready for a retry.
func TestPopulateFailureLeavesDestinationEmpty(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	dst := filepath.Join(base, "dst")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "a-dir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a-dir", "small"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "z-big"), make([]byte, 1<<20), 0o644))
	require.NoError(t, os.Mkdir(dst, 0o755))
	// A volume on a filesystem too small for the image's content.
	require.NoError(t, unix.Mount("tmpfs", dst, "tmpfs", 0, "size=256k"))
	t.Cleanup(func() { assert.NoError(t, unix.Unmount(dst, unix.MNT_DETACH)) })

	copied, err := Populate(dst, src)
	require.Error(t, err)
	assert.True(t, errors.Is(err, unix.ENOSPC), "%v", err)
	assert.False(t, copied)
	entries, err := os.ReadDir(dst)
	require.NoError(t, err)
	assert.Empty(t, entries)
}
