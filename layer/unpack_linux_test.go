package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

// snapshot describes every file under dir except the skipped subtree:
// path, type, mode, owner, size, mtime, content digest and link target.
func snapshot(t testing.TB, dir, skip string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%s mode=%o uid=%d gid=%d size=%d mtime=%d", p, st.Mode, st.Uid, st.Gid, st.Size, st.Mtim.Nano())
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" sha256=%x", sha256.Sum256(b))
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		}
		out = append(out, line)
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestUnpackHostileCorpus(t *testing.T) {
	privileged.Require(t)
	for _, tc := range hostileCorpus {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			layerDir := filepath.Join(base, "layer")
			require.NoError(t, os.MkdirAll(outside, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(outside, "sentinel"), []byte("keep me"), 0o644))
			require.NoError(t, os.Mkdir(layerDir, 0o755))
			// Times of directories change when entries are added to them:
			// pin them so the snapshot sees any change.
			past := time.Unix(1_000_000_000, 0)
			require.NoError(t, os.Chtimes(outside, past, past))
			require.NoError(t, os.Chtimes(base, past, past))
			before := snapshot(t, base, layerDir)

			data := makeTar(t, tc.entries(outside)...)
			_, err := Unpack(context.Background(), layerDir, bytes.NewReader(data), tc.opts...)
			if tc.rejected {
				require.Error(t, err)
				var ee *EntryError
				require.True(t, errors.As(err, &ee), "want *EntryError, got %T: %v", err, err)
				require.True(t, errors.Is(err, ErrUnsafeEntry) || errors.Is(err, ErrLimit), "%v", err)
			} else {
				require.NoError(t, err)
			}
			// The base dir's own mtime would change if anything was
			// created beside the layer; the outside dir's content and
			// times are in the snapshot.
			require.Equal(t, before, snapshot(t, base, layerDir), "something outside the layer changed")
			_, err = os.Stat("/escaped")
			require.True(t, os.IsNotExist(err), "a file escaped to /")
		})
	}
}

// TestUnpackContainsEscapesInside checks where contained entries land: a
// symlink to an absolute path resolves inside the layer.
func TestUnpackContainsEscapesInside(t *testing.T) {
	privileged.Require(t)
	root := t.TempDir()
	data := makeTar(t, dir("etc/"), symlink("evil", "/etc"), file("evil/passwd", "inside"))
	_, err := Unpack(context.Background(), root, bytes.NewReader(data))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "etc", "passwd"))
	require.NoError(t, err)
	require.Equal(t, "inside", string(b))
	host, err := os.ReadFile("/etc/passwd")
	require.NoError(t, err)
	require.NotEqual(t, "inside", string(host))
}

func TestUnpackSemantics(t *testing.T) {
	privileged.Require(t)
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	with := func(e entry, f func(*tar.Header)) entry { f(&e.Header); return e }
	setTimes := func(h *tar.Header) { h.ModTime = mtime }
	entries := []entry{
		with(dir("bin/"), setTimes),
		with(file("bin/tool", "#!/bin/sh\n"), func(h *tar.Header) { h.Mode = 0o4755; h.Uid = 0; h.Gid = 0; h.ModTime = mtime }),
		with(file("bin/sgid", "x"), func(h *tar.Header) { h.Mode = 0o2711; h.Uid = 1000; h.Gid = 50; h.ModTime = mtime }),
		with(dir("tmp/"), func(h *tar.Header) { h.Mode = 0o1777; h.ModTime = mtime }),
		with(file("owned", "o"), func(h *tar.Header) { h.Uid = 1234; h.Gid = 5678 }),
		hardlink("bin/tool-link", "bin/tool"),
		symlink("bin/sh", "tool"),
		symlink("abs", "/bin/tool"),
		{Header: tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}},
		{Header: tar.Header{Name: "dev/loop0", Typeflag: tar.TypeBlock, Mode: 0o660, Devmajor: 7, Devminor: 0}},
		{Header: tar.Header{Name: "run/fifo", Typeflag: tar.TypeFifo, Mode: 0o600}},
		with(file("caps", "c"), func(h *tar.Header) {
			h.PAXRecords = map[string]string{"SCHILY.xattr.user.note": "hello", "SCHILY.xattr.trusted.berth": "t"}
		}),
		file("gone/.wh.old", ""),
		dir("opaque/"),
		file("opaque/.wh..wh..opq", ""),
		file("replaced", "first"),
		file("replaced", "second"),
		dir("dir-to-file/"),
		file("dir-to-file/child", "c"),
		file("dir-to-file", "now a file"),
		file("implicit/parent/file", "parents created"),
		// A whiteout below this layer's own symlink is hidden by the
		// symlink already: it must neither follow it nor fail.
		file("bin/kept", "k"),
		symlink("linkdir", "bin"),
		file("linkdir/.wh.kept", ""),
		symlink("linkfile", "bin/kept"),
		file("linkfile/.wh.x", ""),
	}
	dirPath := t.TempDir()
	stats, err := Unpack(context.Background(), dirPath, bytes.NewReader(makeTar(t, entries...)))
	require.NoError(t, err)
	assert.Equal(t, len(entries), stats.Entries)

	lstat := func(rel string) unix.Stat_t {
		t.Helper()
		var st unix.Stat_t
		require.NoError(t, unix.Lstat(filepath.Join(dirPath, rel), &st), rel)
		return st
	}
	st := lstat("bin/tool")
	assert.Equal(t, uint32(unix.S_IFREG|0o4755), st.Mode, "setuid kept after chown")
	assert.Equal(t, mtime.Unix(), st.Mtim.Sec)
	st = lstat("bin/sgid")
	assert.Equal(t, uint32(unix.S_IFREG|0o2711), st.Mode)
	assert.Equal(t, uint32(1000), st.Uid)
	assert.Equal(t, uint32(50), st.Gid)
	st = lstat("tmp")
	assert.Equal(t, uint32(unix.S_IFDIR|0o1777), st.Mode)
	assert.Equal(t, mtime.Unix(), st.Mtim.Sec, "directory mtime set after its children")
	st = lstat("bin")
	assert.Equal(t, mtime.Unix(), st.Mtim.Sec, "directory mtime set after its children")
	st = lstat("owned")
	assert.Equal(t, uint32(1234), st.Uid)
	assert.Equal(t, uint32(5678), st.Gid)

	tool, link := lstat("bin/tool"), lstat("bin/tool-link")
	assert.Equal(t, tool.Ino, link.Ino, "hardlink shares the inode")
	assert.Equal(t, uint64(2), uint64(tool.Nlink))

	target, err := os.Readlink(filepath.Join(dirPath, "bin/sh"))
	require.NoError(t, err)
	assert.Equal(t, "tool", target)
	target, err = os.Readlink(filepath.Join(dirPath, "abs"))
	require.NoError(t, err)
	assert.Equal(t, "/bin/tool", target)

	st = lstat("dev/null")
	assert.Equal(t, uint32(unix.S_IFCHR|0o666), st.Mode)
	assert.Equal(t, unix.Mkdev(1, 3), st.Rdev)
	st = lstat("dev/loop0")
	assert.Equal(t, uint32(unix.S_IFBLK|0o660), st.Mode)
	st = lstat("run/fifo")
	assert.Equal(t, uint32(unix.S_IFIFO|0o600), st.Mode)

	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(filepath.Join(dirPath, "caps"), "user.note", buf)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(buf[:n]))
	n, err = unix.Lgetxattr(filepath.Join(dirPath, "caps"), "trusted.berth", buf)
	require.NoError(t, err)
	assert.Equal(t, "t", string(buf[:n]))

	st = lstat("gone/old")
	assert.Equal(t, uint32(unix.S_IFCHR), st.Mode&unix.S_IFMT, "whiteout is a character device")
	assert.Equal(t, uint64(0), st.Rdev, "whiteout is device 0/0")
	_, err = os.Lstat(filepath.Join(dirPath, "gone/.wh.old"))
	assert.True(t, os.IsNotExist(err), "the .wh. file itself is not kept")

	n, err = unix.Lgetxattr(filepath.Join(dirPath, "opaque"), OverlayOpaqueXattr, buf)
	require.NoError(t, err)
	assert.Equal(t, "y", string(buf[:n]))

	b, err := os.ReadFile(filepath.Join(dirPath, "replaced"))
	require.NoError(t, err)
	assert.Equal(t, "second", string(b))
	b, err = os.ReadFile(filepath.Join(dirPath, "dir-to-file"))
	require.NoError(t, err)
	assert.Equal(t, "now a file", string(b))
	st = lstat("bin/kept")
	assert.Equal(t, uint32(unix.S_IFREG), st.Mode&unix.S_IFMT, "a whiteout is not applied through a symlink")
	b, err = os.ReadFile(filepath.Join(dirPath, "implicit/parent/file"))
	require.NoError(t, err)
	assert.Equal(t, "parents created", string(b))
}

func TestUnpackReadsWholeStream(t *testing.T) {
	privileged.Require(t)
	data := makeTar(t, file("a", "b"))
	r := bytes.NewReader(data)
	_, err := Unpack(context.Background(), t.TempDir(), r)
	require.NoError(t, err)
	assert.Zero(t, r.Len(), "padding after the last entry is consumed")
}

func TestUnpackCancelled(t *testing.T) {
	privileged.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Unpack(ctx, t.TempDir(), bytes.NewReader(makeTar(t, file("a", "b"))))
	require.ErrorIs(t, err, context.Canceled)
}

func TestUnpackNotATar(t *testing.T) {
	privileged.Require(t)
	_, err := Unpack(context.Background(), t.TempDir(), strings.NewReader(strings.Repeat("garbage!", 200)))
	require.ErrorIs(t, err, ErrInvalid)
}

func TestEntryPath(t *testing.T) {
	for name, want := range map[string]string{
		"a":       "a",
		"./a":     "a",
		"a/b/":    "a/b",
		"./":      ".",
		"a//b/./": "a/b",
	} {
		got, err := entryPath(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"", "/a", "../a", "a/../../b", "a/..", "a\x00b"} {
		_, err := entryPath(name)
		assert.ErrorIs(t, err, ErrUnsafeEntry, name)
	}
	var names []string
	for _, tc := range hostileCorpus {
		names = append(names, tc.name)
	}
	sort.Strings(names)
	for i := 1; i < len(names); i++ {
		require.NotEqual(t, names[i-1], names[i], "corpus names are unique")
	}
}

// TestImpliedDirectoriesInheritFromParents: a layer that writes
// data/dir/new without entries for data/ and data/dir/ shows those
// directories as the layers below have them, not as 0755 root, unless a
// layer in between hides them.
func TestImpliedDirectoriesInheritFromParents(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	base := t.TempDir()
	owned := func(e entry, mode int64, uid int) entry {
		e.Mode, e.Uid, e.Gid = mode, uid, uid
		return e
	}
	bottom := unpackInto(t, base, "bottom", owned(dir("data/"), 0o750, 7), owned(dir("data/dir/"), 0o700, 20), owned(dir("hidden/"), 0o700, 30))
	middle := unpackInto(t, base, "middle", file(".wh.hidden", ""))

	top := filepath.Join(base, "top")
	require.NoError(t, os.Mkdir(top, 0o755))
	calls := 0
	parents := WithParents(func() ([]string, error) { calls++; return []string{middle, bottom}, nil })
	_, err := Unpack(ctx, top, bytes.NewReader(makeTar(t, file("data/dir/new", "n"), file("hidden/again", "a"), dir("named/"), file("named/x", "x"))), parents)
	require.NoError(t, err)
	require.Equal(t, 1, calls)

	var st unix.Stat_t
	require.NoError(t, unix.Lstat(filepath.Join(top, "data"), &st))
	assert.Equal(t, uint32(unix.S_IFDIR|0o750), st.Mode)
	assert.Equal(t, uint32(7), st.Uid)
	require.NoError(t, unix.Lstat(filepath.Join(top, "data/dir"), &st))
	assert.Equal(t, uint32(unix.S_IFDIR|0o700), st.Mode)
	assert.Equal(t, uint32(20), st.Uid)
	require.NoError(t, unix.Lstat(filepath.Join(top, "hidden"), &st))
	assert.Equal(t, uint32(unix.S_IFDIR|0o755), st.Mode, "the middle layer's whiteout hides the bottom's directory")
	assert.Equal(t, uint32(0), st.Uid)

	// Without implied directories the parents are not even asked for.
	calls = 0
	other := filepath.Join(base, "other")
	require.NoError(t, os.Mkdir(other, 0o755))
	_, err = Unpack(ctx, other, bytes.NewReader(makeTar(t, dir("a/"), file("a/b", "b"))), parents)
	require.NoError(t, err)
	require.Equal(t, 0, calls)
}
