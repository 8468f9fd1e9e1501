package container

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
)

// tarOf builds an archive of entries: regular files unless typed.
func tarOf(t testing.TB, entries ...tar.Header) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		body := h.Linkname
		if h.Typeflag == 0 || h.Typeflag == tar.TypeReg {
			h.Typeflag, h.Linkname, h.Size = tar.TypeReg, "", int64(len(body))
		} else {
			body = ""
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		require.NoError(t, tw.WriteHeader(&h))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return &buf
}

// file is a regular file entry for tarOf; its body goes in Linkname.
func file(name, body string) tar.Header { return tar.Header{Name: name, Linkname: body} }

func TestCopyFromHostnameRunningAndStopped(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{Cmd: []string{"sleep", "100"}})
	for _, state := range []string{"running", "stopped"} {
		if state == "stopped" {
			require.NoError(t, c.Stop(ctx, time.Second))
		}
		var buf bytes.Buffer
		st, err := c.CopyFrom(ctx, "/etc/hostname", &buf)
		require.NoError(t, err, state)
		assert.Equal(t, "hostname", st.Name, state)
		assert.True(t, st.Mode.IsRegular(), state)
		entries := readTar(t, buf.Bytes())
		require.Len(t, entries, 1, state)
		assert.Equal(t, c.ShortID()+"\n", entries["hostname"].body, state)
		assert.Equal(t, int64(len(c.ShortID())+1), st.Size, state)
		assertNothingMounted(t, c)
	}
}

func TestCopyFromDirectory(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("mkdir -p /out/sub && echo a > /out/a && echo b > /out/sub/b && chmod 0600 /out/a && chown 65534 /out/sub/b && ln -s a /out/link")})
	require.NoError(t, err)
	code, _, _ := runContainer(t, ctx, c)
	require.Equal(t, 0, code)

	var buf bytes.Buffer
	st, err := c.CopyFrom(ctx, "out", &buf)
	require.NoError(t, err)
	assert.True(t, st.Mode.IsDir())
	entries := readTar(t, buf.Bytes())
	assert.Equal(t, []string{"out/", "out/a", "out/link", "out/sub/", "out/sub/b"}, sortedKeys(entries))
	assert.Equal(t, "a\n", entries["out/a"].body)
	assert.Equal(t, int64(0o600), entries["out/a"].hdr.Mode)
	assert.Equal(t, 65534, entries["out/sub/b"].hdr.Uid)
	assert.Equal(t, "a", entries["out/link"].hdr.Linkname)

	// A final symlink is archived as the link; StatPath says where it leads.
	buf.Reset()
	st, err = c.CopyFrom(ctx, "/out/link", &buf)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, st.Mode.Type())
	assert.Equal(t, "/out/a", st.LinkTarget)
	entries = readTar(t, buf.Bytes())
	assert.Equal(t, byte(tar.TypeSymlink), entries["link"].hdr.Typeflag)

	_, err = c.CopyFrom(ctx, "/no/such/file", io.Discard)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = c.StatPath(ctx, "/out/a/")
	assert.ErrorIs(t, err, ErrInvalid, "a trailing slash wants a directory")
	assertNothingMounted(t, c)
}

func TestCopyToThenRun(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("cat /tmp/in/f.txt; stat -c '%u:%g %a' /tmp/in/f.txt /tmp/in/run.sh; /tmp/in/run.sh")})
	require.NoError(t, err)
	require.NoError(t, c.CopyTo(ctx, "/tmp", tarOf(t,
		tar.Header{Name: "in/", Typeflag: tar.TypeDir, Mode: 0o755, Uid: 1000},
		tar.Header{Name: "in/f.txt", Linkname: "copied in\n", Uid: 1000, Gid: 1000},
		tar.Header{Name: "in/run.sh", Linkname: "#!/bin/sh\necho script ran\n", Mode: 0o755},
	)))
	assertNothingMounted(t, c)
	code, out, errOut := runContainer(t, ctx, c)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "copied in\n0:0 644\n0:0 755\nscript ran\n", out, "owned by the container's root without CopyOwnership")

	// With CopyOwnership, into the running container; read back with CopyFrom.
	c = startContainer(t, ctx, rt, Config{Cmd: []string{"sleep", "100"}})
	require.NoError(t, c.CopyTo(ctx, "/tmp", tarOf(t, tar.Header{Name: "owned", Linkname: "x", Uid: 1000, Gid: 1001}), CopyOwnership()))
	var buf bytes.Buffer
	_, err = c.CopyFrom(ctx, "/tmp/owned", &buf)
	require.NoError(t, err)
	entries := readTar(t, buf.Bytes())
	assert.Equal(t, "x", entries["owned"].body)
	assert.Equal(t, 1000, entries["owned"].hdr.Uid)
	assert.Equal(t, 1001, entries["owned"].hdr.Gid)

	// Replacing a file works; a directory is not replaced by a file.
	require.NoError(t, c.CopyTo(ctx, "/tmp", tarOf(t, file("owned", "y"))))
	err = c.CopyTo(ctx, "/", tarOf(t, file("tmp", "not a dir")))
	assert.ErrorIs(t, err, ErrInvalid)

	err = c.CopyTo(ctx, "/no/such/dir", tarOf(t, file("x", "")))
	assert.ErrorIs(t, err, ErrNotFound)
	err = c.CopyTo(ctx, "/etc/passwd", tarOf(t, file("x", "")))
	assert.ErrorIs(t, err, ErrInvalid, "the destination must be a directory")
}

func TestCopyToReadonlyRootfs(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, ReadonlyRootfs: true,
		Mounts: []Mount{{Type: MountVolume, Target: "/data"}}})
	require.NoError(t, err)
	err = c.CopyTo(ctx, "/tmp", tarOf(t, file("x", "")))
	assert.ErrorIs(t, err, ErrInvalid, "read-only root filesystem")
	require.NoError(t, c.CopyTo(ctx, "/data", tarOf(t, file("x", "in the volume"))), "volumes stay writable")
	var buf bytes.Buffer
	_, err = c.CopyFrom(ctx, "/data/x", &buf)
	require.NoError(t, err)
	assert.Equal(t, "in the volume", readTar(t, buf.Bytes())["x"].body)
	assertNothingMounted(t, c)
}

// TestCopyCannotReachHostFiles plants symlinks to host paths in a
// container and checks that copies through them stay inside it, running
// or stopped.
func TestCopyCannotReachHostFiles(t *testing.T) {
	rt, ctx := testRuntime(t)
	host := t.TempDir()
	secret := filepath.Join(host, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("host secret"), 0o600))
	script := "ln -s " + host + " /hostdir; ln -s " + secret + " /hostfile; ln -s ../../../../../../" + host + " /relative; " +
		"ln -s /etc /etclink; mkdir -p /dest; exec sleep 100"
	c := startContainer(t, ctx, rt, Config{Cmd: sh(script)})
	waitForPath(t, ctx, c, "/dest")

	for _, state := range []string{"running", "stopped"} {
		if state == "stopped" {
			require.NoError(t, c.Stop(ctx, time.Second))
		}
		for _, p := range []string{"/hostdir/secret", "/relative/secret"} {
			_, err := c.CopyFrom(ctx, p, io.Discard)
			assert.ErrorIs(t, err, ErrNotFound, "%s %s", state, p)
			_, err = c.StatPath(ctx, p)
			assert.ErrorIs(t, err, ErrNotFound, "%s %s", state, p)
		}
		st, err := c.StatPath(ctx, "/hostfile")
		require.NoError(t, err, state)
		assert.Equal(t, secret, st.LinkTarget, "resolved inside the container, where it is missing")

		// /etclink/hostname is the container's file, not the host's.
		var buf bytes.Buffer
		_, err = c.CopyFrom(ctx, "/etclink/hostname", &buf)
		require.NoError(t, err, state)
		assert.Equal(t, c.ShortID()+"\n", readTar(t, buf.Bytes())["hostname"].body, state)

		err = c.CopyTo(ctx, "/hostdir", tarOf(t, file("planted", "x")))
		assert.ErrorIs(t, err, ErrNotFound, state)
		for _, archive := range []*bytes.Buffer{
			tarOf(t, file("../planted", "x")),
			tarOf(t, file("/planted", "x")),
			tarOf(t, tar.Header{Name: "out", Typeflag: tar.TypeSymlink, Linkname: host}, file("out/planted", "x")),
			tarOf(t, tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: "../../../../../../../../.." + host}, file("up/planted", "x")),
			tarOf(t, tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}),
		} {
			err = c.CopyTo(ctx, "/dest", archive)
			assert.ErrorIs(t, err, ErrInvalid, state)
		}
		// The container's own symlinks to the host are not followed either.
		err = c.CopyTo(ctx, "/", tarOf(t, file("hostfile", "overwritten")))
		require.NoError(t, err, "replaces the link in the container")
		st, err = c.StatPath(ctx, "/hostfile")
		require.NoError(t, err)
		assert.True(t, st.Mode.IsRegular())

		entries, err := os.ReadDir(host)
		require.NoError(t, err)
		require.Len(t, entries, 1, "%s: only the secret is in the host directory", state)
		b, err := os.ReadFile(secret)
		require.NoError(t, err)
		assert.Equal(t, "host secret", string(b))
		assertNothingMounted(t, c)
		// Put the link back for the next round.
		require.NoError(t, c.CopyTo(ctx, "/", tarOf(t, tar.Header{Name: "hostfile", Typeflag: tar.TypeSymlink, Linkname: secret})))
	}
}

func TestCopyFromRemovedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
	_, err = c.CopyFrom(ctx, "/etc", io.Discard)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestEntryName(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		bad        bool
	}{
		{name: "a", want: "a"},
		{name: "./a/b/", want: "a/b"},
		{name: "a/../b", want: "b"},
		{name: ".", want: "."},
		{name: "./", want: "."},
		{name: "", bad: true},
		{name: "/etc/passwd", bad: true},
		{name: "..", bad: true},
		{name: "../x", bad: true},
		{name: "a/../../x", bad: true},
		{name: "..x", want: "..x"},
	} {
		got, err := entryName(tc.name)
		if tc.bad {
			assert.ErrorIs(t, err, ErrInvalid, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestFileMode(t *testing.T) {
	for _, tc := range []struct {
		mode uint16
		want fs.FileMode
	}{
		{0o100644, 0o644},
		{0o040755, fs.ModeDir | 0o755},
		{0o041777, fs.ModeDir | fs.ModeSticky | 0o777},
		{0o104755, fs.ModeSetuid | 0o755},
		{0o102755, fs.ModeSetgid | 0o755},
		{0o120777, fs.ModeSymlink | 0o777},
		{0o020666, fs.ModeDevice | fs.ModeCharDevice | 0o666},
		{0o060660, fs.ModeDevice | 0o660},
		{0o010644, fs.ModeNamedPipe | 0o644},
		{0o140755, fs.ModeSocket | 0o755},
	} {
		assert.Equal(t, tc.want, fileMode(tc.mode), "%o", tc.mode)
	}
}

func sortedKeys(m map[string]tarEntry) []string { return slices.Sorted(maps.Keys(m)) }

// TestRemoveDuringCopyLeavesBindSourcesAlone removes a stopped container
// while a copy holds its bind mounts on the host: the removal must not
// reach the bind-mounted host directory.
func TestRemoveDuringCopyLeavesBindSourcesAlone(t *testing.T) {
	rt, ctx := testRuntime(t)
	host := t.TempDir()
	kept := filepath.Join(host, "kept")
	require.NoError(t, os.WriteFile(kept, []byte("host data"), 0o600))
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, Mounts: []Mount{{Type: MountBind, Source: host, Target: "/host"}}})
	require.NoError(t, err)

	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	go func() { copied <- c.CopyTo(ctx, "/tmp", pr) }()
	// The copy has the container mounted once it reads the archive.
	_, err = pw.Write(make([]byte, 512)[:100])
	require.NoError(t, err)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
	require.NoError(t, pw.CloseWithError(io.ErrUnexpectedEOF))
	assert.Error(t, <-copied)

	b, err := os.ReadFile(kept)
	require.NoError(t, err)
	assert.Equal(t, "host data", string(b))
	assertNothingMounted(t, c)
}

// TestExtractArchive extracts an archive into a host directory, as berth
// cp does with what it copies out of a container.
func TestExtractArchive(t *testing.T) {
	dst := removableTempDir(t)
	before, err := os.Stat(dst)
	require.NoError(t, err)
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	atime := time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)
	archive := tarOf(t,
		tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o701},
		tar.Header{Name: "a", Linkname: "alpha", Mode: 0o640, ModTime: mtime, AccessTime: atime, Uid: 1234, Gid: 5678,
			Format: tar.FormatPAX, PAXRecords: map[string]string{"SCHILY.xattr.nosuchnamespace.x": "v"}},
		tar.Header{Name: "ro/", Typeflag: tar.TypeDir, Mode: 0o555, ModTime: mtime},
		tar.Header{Name: "ro/sub/", Typeflag: tar.TypeDir, Mode: 0o500, ModTime: mtime},
		tar.Header{Name: "ro/sub/f", Linkname: "in read-only directories", Mode: 0o444},
		tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "a", ModTime: mtime, Uid: 1234},
		tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "a"},
		tar.Header{Name: "fifo", Typeflag: tar.TypeFifo, Mode: 0o620, ModTime: mtime},
	)
	require.NoError(t, ExtractArchive(context.Background(), dst, archive))

	fi, err := os.Lstat(filepath.Join(dst, "a"))
	require.NoError(t, err)
	assert.Equal(t, "alpha", readFile(t, filepath.Join(dst, "a")))
	assert.Equal(t, fs.FileMode(0o640), fi.Mode())
	assert.True(t, mtime.Equal(fi.ModTime()), "modification time: %s", fi.ModTime())
	st := fi.Sys().(*syscall.Stat_t)
	assert.Equal(t, atime.Unix(), st.Atim.Sec, "access time")
	assert.Equal(t, [2]uint32{uint32(os.Getuid()), uint32(os.Getgid())}, [2]uint32{st.Uid, st.Gid},
		"owned by the caller without CopyOwnership")
	hard, err := os.Lstat(filepath.Join(dst, "hard"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(fi, hard), "a hardlink")

	link, err := os.Lstat(filepath.Join(dst, "link"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, link.Mode().Type())
	assert.True(t, mtime.Equal(link.ModTime()), "the symlink's own time: %s", link.ModTime())
	assert.Equal(t, uint32(os.Getuid()), link.Sys().(*syscall.Stat_t).Uid)
	target, err := os.Readlink(filepath.Join(dst, "link"))
	require.NoError(t, err)
	assert.Equal(t, "a", target)

	for dir, mode := range map[string]fs.FileMode{"ro": 0o555, "ro/sub": 0o500} {
		fi, err := os.Stat(filepath.Join(dst, dir))
		require.NoError(t, err)
		assert.Equal(t, fs.ModeDir|mode, fi.Mode(), dir)
		assert.True(t, mtime.Equal(fi.ModTime()), "%s: times once filled: %s", dir, fi.ModTime())
	}
	assert.Equal(t, "in read-only directories", readFile(t, filepath.Join(dst, "ro", "sub", "f")))
	fifo, err := os.Lstat(filepath.Join(dst, "fifo"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeNamedPipe|0o620, fifo.Mode())

	after, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, before.Mode(), after.Mode(), `"." is the destination, left as it was`)
}

func TestExtractArchiveReplacesAndMerges(t *testing.T) {
	ctx := context.Background()
	dst := t.TempDir()
	require.NoError(t, ExtractArchive(ctx, dst, tarOf(t, tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755}, file("d/a", "one"), file("d/b", "b"))))
	require.NoError(t, ExtractArchive(ctx, dst, tarOf(t, tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o750}, file("d/a", "two"))))
	assert.Equal(t, "two", readFile(t, filepath.Join(dst, "d", "a")), "a file is replaced")
	assert.Equal(t, "b", readFile(t, filepath.Join(dst, "d", "b")), "a directory is merged into")
	fi, err := os.Stat(filepath.Join(dst, "d"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDir|0o750, fi.Mode())

	err = ExtractArchive(ctx, dst, tarOf(t, file("d", "file over a directory")))
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, `cannot overwrite directory "`+filepath.Join(dst, "d")+`" with non-directory`)
	err = ExtractArchive(ctx, dst, tarOf(t, tar.Header{Name: "d/a/", Typeflag: tar.TypeDir}))
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, `archive entry "d/a/": cannot overwrite non-directory "`+filepath.Join(dst, "d", "a")+`" with directory`)

	err = ExtractArchive(ctx, filepath.Join(dst, "missing"), tarOf(t, file("x", "")))
	assert.ErrorIs(t, err, ErrNotFound)
	err = ExtractArchive(ctx, filepath.Join(dst, "d", "a"), tarOf(t, file("x", "")))
	assert.ErrorIs(t, err, ErrInvalid, "not a directory")
	err = ExtractArchive(ctx, dst, bytes.NewReader(make([]byte, 100)))
	assert.ErrorIs(t, err, ErrInvalid, "not an archive")
}

func TestExtractArchiveCopyOwnership(t *testing.T) {
	privileged.Require(t)
	dst := t.TempDir()
	require.NoError(t, ExtractArchive(context.Background(), dst, tarOf(t,
		tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755, Uid: 1001, Gid: 1002},
		tar.Header{Name: "d/f", Linkname: "x", Mode: 0o4755, Uid: 1234, Gid: 5678},
		tar.Header{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: "f", Uid: 4321, Gid: 8765},
	), CopyOwnership()))
	for name, want := range map[string][2]uint32{"d": {1001, 1002}, "d/f": {1234, 5678}, "d/l": {4321, 8765}} {
		fi, err := os.Lstat(filepath.Join(dst, name))
		require.NoError(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		assert.Equal(t, want, [2]uint32{st.Uid, st.Gid}, name)
	}
	fi, err := os.Stat(filepath.Join(dst, "d", "f"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSetuid|0o755, fi.Mode(), "set-ID bits survive the chown")
}

// hostileArchives try to reach beyond the directory they are extracted
// to, which holds a sentinel file next to it.
func hostileArchives(t testing.TB) map[string]*bytes.Buffer {
	return map[string]*bytes.Buffer{
		"dot-dot":          tarOf(t, file("../escaped", "x")),
		"dot-dot inside":   tarOf(t, tar.Header{Name: "a/", Typeflag: tar.TypeDir}, file("a/../../escaped", "x")),
		"absolute name":    tarOf(t, file("/escaped", "x")),
		"through symlink":  tarOf(t, tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: ".."}, file("up/escaped", "x")),
		"absolute symlink": tarOf(t, tar.Header{Name: "root", Typeflag: tar.TypeSymlink, Linkname: "/"}, file("root/escaped", "x")),
		"directory through symlink": tarOf(t, tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: "../"},
			tar.Header{Name: "up/escaped/", Typeflag: tar.TypeDir}),
		"hardlink out": tarOf(t, tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "../sentinel"}),
		"hardlink through symlink": tarOf(t, tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: ".."},
			tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "up/sentinel"}),
	}
}

// extractContained extracts archive into parent/dst and checks that parent
// holds nothing but dst and its untouched sentinel afterwards.
func extractContained(t *testing.T, archive io.Reader) error {
	t.Helper()
	parent := removableTempDir(t)
	sentinel := filepath.Join(parent, "sentinel")
	require.NoError(t, os.WriteFile(sentinel, []byte("untouched"), 0o600))
	dst := filepath.Join(parent, "dst")
	require.NoError(t, os.Mkdir(dst, 0o755))
	err := ExtractArchive(context.Background(), dst, archive)
	entries, rerr := os.ReadDir(parent)
	require.NoError(t, rerr)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"dst", "sentinel"}, names)
	assert.Equal(t, "untouched", readFile(t, sentinel))
	fi, rerr := os.Stat(sentinel)
	require.NoError(t, rerr)
	assert.Equal(t, uint64(1), uint64(fi.Sys().(*syscall.Stat_t).Nlink), "no hardlink to the sentinel")
	return err
}

// removableTempDir is a TempDir whose read-only directories, as an
// archive may make them, are made writable again for its removal.
func removableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
	})
	return dir
}

func TestExtractArchiveStaysInside(t *testing.T) {
	for name, archive := range hostileArchives(t) {
		t.Run(name, func(t *testing.T) {
			err := extractContained(t, archive)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorContains(t, err, "archive entry")
		})
	}
}

func FuzzExtractArchive(f *testing.F) {
	for _, archive := range hostileArchives(f) {
		f.Add(archive.Bytes())
	}
	f.Add(tarOf(f, tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o555}, file("d/f", "x"), tar.Header{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: "f"}).Bytes())
	f.Fuzz(func(t *testing.T, archive []byte) {
		// A tar header may claim terabytes of sparse zeros: extracting
		// them is slow, not unsafe, so such inputs are left out.
		tr := tar.NewReader(bytes.NewReader(archive))
		var total int64
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			if total += h.Size; total > 1<<20 || h.Size < 0 {
				return
			}
		}
		_ = extractContained(t, bytes.NewReader(archive))
	})
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
