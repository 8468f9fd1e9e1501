package container

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tarOf builds an archive of entries: regular files unless typed.
func tarOf(t *testing.T, entries ...tar.Header) *bytes.Buffer {
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
