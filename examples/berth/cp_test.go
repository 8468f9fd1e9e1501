//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestSplitCpArg(t *testing.T) {
	for _, tc := range []struct{ arg, ref, path string }{
		{"box:/etc/hosts", "box", "/etc/hosts"},
		{"box:etc", "box", "etc"},
		{"box:", "box", ""},
		{"box:a:b", "box", "a:b"},
		{"/local:file", "", "/local:file"},
		{"./local:file", "", "./local:file"},
		{"../up:file", "", "../up:file"},
		{".hidden:file", "", ".hidden:file"},
		{"plain", "", "plain"},
		{"-", "", "-"},
	} {
		ref, p := splitCpArg(tc.arg)
		assert.Equal(t, tc.ref, ref, tc.arg)
		assert.Equal(t, tc.path, p, tc.arg)
	}
}

func FuzzSplitCpArg(f *testing.F) {
	for _, seed := range []string{"box:/a", "/a:b", "./a:b", "a", "", ":", "::", ".:x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ref, p := splitCpArg(arg)
		if ref == "" {
			// Local; docker drops an empty container name (":path").
			assert.True(t, p == arg || ":"+p == arg, "%q gave %q", arg, p)
			return
		}
		assert.Equal(t, arg, ref+":"+p)
		assert.NotContains(t, ref, ":")
		assert.False(t, strings.HasPrefix(ref, ".") || strings.HasPrefix(ref, "/"), ref)
	})
}

func TestCpPathRules(t *testing.T) {
	for _, tc := range []struct{ cleaned, original, want string }{
		{"/a/b", "a/b", "/a/b"},
		{"/a/b", "a/b/", "/a/b/"},
		{"/a/b", "a/b/.", "/a/b/."},
		{"/a/b", "a/b//", "/a/b/"},
		{"/", "/.", "/."},
		{"/", "/", "/"},
	} {
		assert.Equal(t, tc.want, cpPreserveTrailing(tc.cleaned, tc.original), "%q", tc.original)
	}
	for _, tc := range []struct{ path, dir, base string }{
		{"/a/b", "/a", "b"},
		{"/a/b/", "/a", "b"},
		{"/a/b/.", "/a/b", "."},
		{"b", ".", "b"},
		{"/", "/", "/"},
	} {
		dir, base := cpSplitPathDirEntry(tc.path)
		assert.Equal(t, [2]string{tc.dir, tc.base}, [2]string{dir, base}, "%q", tc.path)
	}
	for _, tc := range []struct{ path, top string }{
		{"/a/b", "b"}, {"/a/b/", "b"}, {"/a/b/.", "."}, {"/", "."}, {"/.", "."},
	} {
		assert.Equal(t, tc.top, cpSourceTop(tc.path), "%q", tc.path)
	}
	for _, tc := range []struct{ path, resolved, wantPath, rebase string }{
		{"/l", "/real/target", "/real/target", "l"},
		{"/l/", "/real/target", "/real/target/", "l"},
		{"/l/.", "/real/target", "/real/target/.", ""},
		{"/same", "/other/same", "/other/same", ""},
	} {
		p, rebase := cpRebaseName(tc.path, tc.resolved)
		assert.Equal(t, [2]string{tc.wantPath, tc.rebase}, [2]string{p, rebase}, "%q", tc.path)
	}
	for _, tc := range []struct{ name, oldTop, newTop, want string }{
		{"src", "src", "dst", "dst"},
		{"src/", "src", "dst", "dst"},
		{"src/a/b", "src", "dst", "dst/a/b"},
		{"srcx/a", "src", "dst", "srcx/a"},
		{"src/a", "src", ".", "a"},
		{"src", "src", ".", "."},
		{"./a", ".", "dst", "dst/a"},
		{".", ".", "dst", "dst"},
		{"a/b", ".", "dst", "dst/a/b"},
	} {
		assert.Equal(t, tc.want, cpRenameEntry(tc.name, tc.oldTop, tc.newTop), "%q %q→%q", tc.name, tc.oldTop, tc.newTop)
	}
}

// TestCpPrepareFollowsDockersRules walks docker cp's documented table.
func TestCpPrepareFollowsDockersRules(t *testing.T) {
	file := cpInfo{path: "/src/f", exists: true}
	dir := cpInfo{path: "/src/d", exists: true, isDir: true}
	for _, tc := range []struct {
		name     string
		src      cpInfo
		dst      cpInfo
		wantDir  string
		wantTop  string
		wantErr  error
		srcTopIn string
	}{
		{"file to a new path", file, cpInfo{path: "/out/new"}, "/out", "new", nil, "f"},
		{"file to a new directory path", file, cpInfo{path: "/out/new/"}, "", "", errCpDirNotExists, "f"},
		{"file to a new path with /.", file, cpInfo{path: "/out/new/."}, "", "", errCpDirNotExists, "f"},
		{"file over a file", file, cpInfo{path: "/out/g", exists: true}, "/out", "g", nil, "f"},
		{"file into a directory", file, cpInfo{path: "/out", exists: true, isDir: true}, "/out", "f", nil, "f"},
		{"directory to a new path", dir, cpInfo{path: "/out/new"}, "/out", "new", nil, "d"},
		{"directory over a file", dir, cpInfo{path: "/out/g", exists: true}, "", "", errCpCannotCopyDir, "d"},
		{"directory into a directory", dir, cpInfo{path: "/out", exists: true, isDir: true}, "/out", "d", nil, "d"},
		{"directory content into a directory", dir, cpInfo{path: "/out", exists: true, isDir: true}, "/out", ".", nil, "."},
		{"directory content to a new path", dir, cpInfo{path: "/out/new"}, "/out", "new", nil, "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotDir, gotTop, err := cpPrepare(tc.src, tc.srcTopIn, tc.dst)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantDir, gotDir)
			assert.Equal(t, tc.wantTop, gotTop)
		})
	}
}

// tarOf builds an archive from headers; regular files get body as content.
func tarOf(t testing.TB, entries ...tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		body := h.Linkname
		if h.Typeflag == tar.TypeReg {
			h.Linkname, h.Size = "", int64(len(body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		require.NoError(t, tw.WriteHeader(&h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte(body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// reg is a regular file entry whose content is body.
func reg(name, body string) tar.Header {
	return tar.Header{Typeflag: tar.TypeReg, Name: name, Linkname: body}
}

// TestCpRebaseTarThenExtract renames an archive's top entry, as a copy
// from a container to a new local name does, and extracts it.
func TestCpRebaseTarThenExtract(t *testing.T) {
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	archive := tarOf(t,
		tar.Header{Typeflag: tar.TypeDir, Name: "src/", Mode: 0o750, ModTime: mtime},
		tar.Header{Typeflag: tar.TypeReg, Name: "src/a", Linkname: "alpha", Mode: 0o640, ModTime: mtime},
		tar.Header{Typeflag: tar.TypeLink, Name: "src/hard", Linkname: "src/a"},
		tar.Header{Typeflag: tar.TypeSymlink, Name: "src/link", Linkname: "a", ModTime: mtime},
	)
	extract := func(t *testing.T, oldTop, newTop string) string {
		t.Helper()
		var rebased bytes.Buffer
		require.NoError(t, cpRebaseTar(bytes.NewReader(archive), &rebased, oldTop, newTop))
		dst := t.TempDir()
		require.NoError(t, container.ExtractArchive(context.Background(), dst, &rebased))
		return dst
	}

	dst := extract(t, "src", "copy")
	assert.NoDirExists(t, filepath.Join(dst, "src"))
	assert.Equal(t, "alpha", readFile(t, filepath.Join(dst, "copy", "a")))
	a, err := os.Lstat(filepath.Join(dst, "copy", "a"))
	require.NoError(t, err)
	hard, err := os.Lstat(filepath.Join(dst, "copy", "hard"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(a, hard), "hardlinks stay hardlinks, renamed with their target")
	target, err := os.Readlink(filepath.Join(dst, "copy", "link"))
	require.NoError(t, err)
	assert.Equal(t, "a", target)
	dir, err := os.Stat(filepath.Join(dst, "copy"))
	require.NoError(t, err)
	assert.Equal(t, os.ModeDir|0o750, dir.Mode())
	assert.True(t, mtime.Equal(dir.ModTime()))

	// Renamed to ".": the directory's content lands in the destination.
	dst = extract(t, "src", ".")
	assert.Equal(t, "alpha", readFile(t, filepath.Join(dst, "a")))
	hard, err = os.Lstat(filepath.Join(dst, "hard"))
	require.NoError(t, err)
	a, err = os.Lstat(filepath.Join(dst, "a"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(a, hard))
}

// cpBox is a running container with /work/existing (a directory) and
// /work/file (a file), for copies to and from.
func cpBox(t *testing.T, f *ctrFixture) *container.Container {
	t.Helper()
	ctr := f.start(container.Config{Name: "box", Cmd: shScript("mkdir -p /work/existing && echo old > /work/file && exec sleep 300")})
	require.Eventually(t, func() bool {
		_, err := ctr.StatPath(f.ctx, "/work/file")
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	return ctr
}

// ctrEntries is the archive of path in the container, by entry name.
func ctrEntries(t *testing.T, f *ctrFixture, ctr *container.Container, path string) map[string]tarEntry {
	t.Helper()
	var buf bytes.Buffer
	_, err := ctr.CopyFrom(f.ctx, path, &buf)
	require.NoError(t, err)
	return readTarEntries(t, &buf)
}

// localTree makes src with a.txt (0640), sub/b.txt, link -> a.txt and
// hard (a hardlink of a.txt).
func localTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha"), 0o640))
	require.NoError(t, os.Chmod(filepath.Join(src, "a.txt"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "b.txt"), []byte("beta"), 0o644))
	require.NoError(t, os.Symlink("a.txt", filepath.Join(src, "link")))
	require.NoError(t, os.Link(filepath.Join(src, "a.txt"), filepath.Join(src, "hard")))
	return src
}

func TestCpToContainer(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	ctr := cpBox(t, f)
	src := localTree(t)

	// A directory into an existing directory lands under its own name.
	r := b.ok(t, "cp", src, "box:/work/existing")
	assert.Empty(t, r.stdout+r.stderr, "no progress without a terminal")
	e := ctrEntries(t, f, ctr, "/work/existing")
	assert.Equal(t, "alpha", e["existing/src/a.txt"].body)
	assert.Equal(t, int64(0o640), e["existing/src/a.txt"].mode)
	assert.Equal(t, "beta", e["existing/src/sub/b.txt"].body)
	assert.Equal(t, byte(tar.TypeSymlink), e["existing/src/link"].typ)
	assert.Equal(t, "a.txt", e["existing/src/link"].link)
	assert.Equal(t, byte(tar.TypeLink), e["existing/src/hard"].typ, "hardlinks are kept")

	// To a new path: created there. With "/.": only the content.
	b.ok(t, "cp", src, "box:/work/new")
	assert.Equal(t, "beta", ctrEntries(t, f, ctr, "/work/new")["new/sub/b.txt"].body)
	b.ok(t, "cp", src+"/.", "box:/work/existing")
	assert.Equal(t, "alpha", ctrEntries(t, f, ctr, "/work/existing/a.txt")["a.txt"].body)

	// A file over a file replaces it; into a directory keeps its name;
	// relative container paths are relative to the root.
	b.ok(t, "cp", filepath.Join(src, "a.txt"), "box:/work/file")
	assert.Equal(t, "alpha", ctrEntries(t, f, ctr, "/work/file")["file"].body)
	b.ok(t, "cp", filepath.Join(src, "sub", "b.txt"), "box:work/")
	assert.Equal(t, "beta", ctrEntries(t, f, ctr, "/work/b.txt")["b.txt"].body)
	assert.Equal(t, 0, ctrEntries(t, f, ctr, "/work/b.txt")["b.txt"].uid, "owned by the container's root without -a")

	// A symlink is copied as a link, or followed with -L (keeping its name).
	b.ok(t, "cp", filepath.Join(src, "link"), "box:/work/l1")
	assert.Equal(t, byte(tar.TypeSymlink), ctrEntries(t, f, ctr, "/work/l1")["l1"].typ)
	b.ok(t, "cp", "-L", filepath.Join(src, "link"), "box:/work/existing")
	assert.Equal(t, tarEntry{typ: tar.TypeReg, mode: 0o640, body: "alpha"}, ctrEntries(t, f, ctr, "/work/existing/link")["link"])

	// -a keeps owners.
	owned := filepath.Join(t.TempDir(), "owned")
	require.NoError(t, os.WriteFile(owned, []byte("mine"), 0o600))
	require.NoError(t, os.Chown(owned, 1234, 5678))
	b.ok(t, "cp", owned, "box:/work/owned0")
	assert.Equal(t, 0, ctrEntries(t, f, ctr, "/work/owned0")["owned0"].uid)
	b.ok(t, "cp", "--archive", owned, "box:/work/owned1")
	assert.Equal(t, 1234, ctrEntries(t, f, ctr, "/work/owned1")["owned1"].uid)

	// A tar stream on stdin, compressed or not, goes into a directory.
	r = b.runWithStdin(t, bytes.NewReader(tarOf(t, reg("streamed", "from stdin"))), "cp", "-", "box:/work/existing")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "from stdin", ctrEntries(t, f, ctr, "/work/existing/streamed")["streamed"].body)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(tarOf(t, reg("zipped", "gzip")))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	r = b.runWithStdin(t, &gz, "cp", "-", "box:/work/existing")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "gzip", ctrEntries(t, f, ctr, "/work/existing/zipped")["zipped"].body)

	// The shapes docker refuses.
	b.fails(t, exitError, "Error: no such directory\n", "cp", filepath.Join(src, "a.txt"), "box:/work/missing/")
	b.fails(t, exitError, "Error: cannot copy directory\n", "cp", src, "box:/work/file")
	b.fails(t, exitError, `Error: destination "box:/work/file" must be a directory`, "cp", "-", "box:/work/file")
	b.fails(t, exitError, "Could not find the file /nowhere in container box", "cp", src, "box:/nowhere/new")
	b.fails(t, exitError, "lstat "+filepath.Join(src, "missing")+": no such file or directory", "cp", filepath.Join(src, "missing"), "box:/work")
}

func TestCpFromContainer(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	cpBox(t, f)
	src := localTree(t)
	mtime := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(src, "a.txt"), mtime, mtime))
	b.ok(t, "cp", src, "box:/work/tree")

	out := t.TempDir()
	// A directory to a new path: created there.
	b.ok(t, "cp", "box:/work/tree", filepath.Join(out, "copy"))
	body, err := os.ReadFile(filepath.Join(out, "copy", "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "alpha", string(body))
	fi, err := os.Lstat(filepath.Join(out, "copy", "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode())
	assert.True(t, mtime.Equal(fi.ModTime()), "times are kept: %s", fi.ModTime())
	assert.FileExists(t, filepath.Join(out, "copy", "sub", "b.txt"))
	target, err := os.Readlink(filepath.Join(out, "copy", "link"))
	require.NoError(t, err)
	assert.Equal(t, "a.txt", target)
	hard, err := os.Lstat(filepath.Join(out, "copy", "hard"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(fi, hard))

	// Into an existing directory: under its own name; with "/.", the content.
	b.ok(t, "cp", "box:/work/tree", out)
	assert.FileExists(t, filepath.Join(out, "tree", "sub", "b.txt"))
	b.ok(t, "cp", "box:/work/tree/.", filepath.Join(out, "copy"))
	assert.NoDirExists(t, filepath.Join(out, "copy", "tree"))
	b.ok(t, "cp", "box:/work/tree/sub/.", out)
	assert.FileExists(t, filepath.Join(out, "b.txt"))

	// Files: to a new name, over a file, into a directory.
	b.ok(t, "cp", "box:/work/file", filepath.Join(out, "f"))
	assert.Equal(t, "old\n", readFile(t, filepath.Join(out, "f")))
	b.ok(t, "cp", "box:work/tree/a.txt", filepath.Join(out, "f"))
	assert.Equal(t, "alpha", readFile(t, filepath.Join(out, "f")))
	b.ok(t, "cp", "box:/work/file", out+"/")
	assert.Equal(t, "old\n", readFile(t, filepath.Join(out, "file")))

	// A symlink is copied as a link, or followed with -L (keeping its name).
	b.ok(t, "cp", "box:/work/tree/link", filepath.Join(out, "l1"))
	target, err = os.Readlink(filepath.Join(out, "l1"))
	require.NoError(t, err)
	assert.Equal(t, "a.txt", target)
	b.ok(t, "cp", "-L", "box:/work/tree/link", out)
	assert.Equal(t, "alpha", readFile(t, filepath.Join(out, "link")))

	// A local symlink destination is replaced through: its target gets the file.
	require.NoError(t, os.Symlink("f", filepath.Join(out, "to-f")))
	b.ok(t, "cp", "box:/work/file", filepath.Join(out, "to-f"))
	assert.Equal(t, "old\n", readFile(t, filepath.Join(out, "f")))

	// To stdout as a tar stream.
	r := b.ok(t, "cp", "box:/work/tree/a.txt", "-")
	assert.Equal(t, map[string]tarEntry{"a.txt": {typ: tar.TypeReg, mode: 0o640, body: "alpha"}}, readTarEntries(t, strings.NewReader(r.stdout)))
	r = b.ok(t, "cp", "box:/work/tree/sub/.", "-")
	entries := readTarEntries(t, strings.NewReader(r.stdout))
	assert.Contains(t, entries, "b.txt", "a stream of a directory's content has no top directory")
	assert.Contains(t, entries, ".")
	r = b.ok(t, "cp", "box:/work/tree/sub", "-")
	assert.Contains(t, readTarEntries(t, strings.NewReader(r.stdout)), "sub/b.txt")

	// The shapes docker refuses.
	b.fails(t, exitError, "Error: no such directory\n", "cp", "box:/work/file", filepath.Join(out, "nodir")+"/")
	b.fails(t, exitError, "Error: cannot copy directory\n", "cp", "box:/work/tree", filepath.Join(out, "f"))
	b.fails(t, exitError, `invalid output path: directory "`+filepath.Join(out, "missing")+`" does not exist`,
		"cp", "box:/work/file", filepath.Join(out, "missing", "f"))
	require.NoError(t, os.MkdirAll(filepath.Join(out, "clash"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(out, "clash", "sub"), nil, 0o644))
	b.fails(t, exitError, `cannot overwrite non-directory "`+filepath.Join(out, "clash", "sub")+`" with directory`,
		"cp", "box:/work/tree/.", filepath.Join(out, "clash"))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

func TestCpStoppedContainer(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	ctr := f.runToExit(container.Config{Name: "done", Cmd: shScript("mkdir /out && echo result > /out/r")})
	out := t.TempDir()
	b.ok(t, "cp", "done:/out/r", out)
	assert.Equal(t, "result\n", readFile(t, filepath.Join(out, "r")))

	in := filepath.Join(out, "in")
	require.NoError(t, os.WriteFile(in, []byte("input"), 0o644))
	b.ok(t, "cp", in, "done:/out/")
	assert.Equal(t, "input", ctrEntries(t, f, ctr, "/out/in")["in"].body)
}

func TestCpFailures(t *testing.T) {
	b := newBerth(t)
	newCtrFixture(t, b)
	b.fails(t, exitError, "Error: No such container: nope\n", "cp", "nope:/a", t.TempDir())
	b.fails(t, exitError, "Error: must specify at least one container source\n", "cp", "a", "b")
	b.fails(t, exitError, "Error: copying between containers is not supported\n", "cp", "a:/x", "b:/y")
	b.fails(t, exitError, "Error: source can not be empty\n", "cp", "", "b:/y")
	b.fails(t, exitError, "Error: destination can not be empty\n", "cp", "b:/y", "")
	b.fails(t, exitUsage, "accepts 2 arg(s)", "cp", "a:/x")
}

func TestCpPrintsASummaryOnATerminal(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	cpBox(t, f)
	out := t.TempDir()
	src := filepath.Join(out, "five")
	require.NoError(t, os.WriteFile(src, []byte("12345"), 0o644))

	tty, finish := openTerminal(t)
	stderr, code := b.runOnTerminal(t, tty, "cp", src, "box:/work/")
	assert.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^Successfully copied 5B \(transferred [\d.]+kB\) to box:/work/\n$`, stderr)
	stderr, code = b.runOnTerminal(t, tty, "cp", "box:/work/file", filepath.Join(out, "back"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^Successfully copied 4B \(transferred [\d.]+kB\) to `+regexp.QuoteMeta(filepath.Join(out, "back"))+`\n$`, stderr)
	stderr, code = b.runOnTerminal(t, tty, "cp", "-q", "box:/work/file", filepath.Join(out, "quiet"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	assert.Empty(t, finish(), "nothing on stdout")
}
