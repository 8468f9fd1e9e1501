package container

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tarEntry is one entry of an archive read by readTar.
type tarEntry struct {
	hdr  *tar.Header
	body string
}

// readTar reads a whole archive into a map by entry name.
func readTar(t *testing.T, b []byte) map[string]tarEntry {
	t.Helper()
	out := map[string]tarEntry{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[h.Name] = tarEntry{hdr: h, body: string(body)}
	}
}

// startContainer creates and starts cfg's container (busybox by default),
// stopped again when the test ends.
func startContainer(t *testing.T, ctx context.Context, rt *Runtime, cfg Config) *Container {
	t.Helper()
	if cfg.Image == "" {
		cfg.Image = "busybox"
	}
	c, err := rt.Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Stop(context.Background(), time.Second) })
	return c
}

// waitForPath waits until path exists in the running container c.
func waitForPath(t *testing.T, ctx context.Context, c *Container, path string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := c.StatPath(ctx, path)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "%s never appeared", path)
}

// assertNothingMounted checks that no mount of c is left on the host.
func assertNothingMounted(t *testing.T, c *Container) {
	t.Helper()
	for _, dir := range []string{c.dir(), c.mntDir()} {
		mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
		require.NoError(t, err)
		assert.Empty(t, mounts, "mounts left behind")
	}
	assert.NoDirExists(t, c.mntDir())
}

func TestExportStoppedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("echo hi > /hello && rm /bin/ls && ln /hello /hello2")})
	require.NoError(t, err)
	code, _, _ := runContainer(t, ctx, c)
	require.Equal(t, 0, code)

	var buf bytes.Buffer
	require.NoError(t, c.Export(ctx, &buf))
	assertNothingMounted(t, c)
	entries := readTar(t, buf.Bytes())
	require.Contains(t, entries, "hello")
	assert.Equal(t, "hi\n", entries["hello"].body)
	assert.Equal(t, byte(tar.TypeLink), entries["hello2"].hdr.Typeflag, "hardlinks stay hardlinks")
	assert.Equal(t, "hello", entries["hello2"].hdr.Linkname)
	require.Contains(t, entries, "bin/busybox")
	assert.Equal(t, byte(tar.TypeReg), entries["bin/busybox"].hdr.Typeflag)
	assert.Equal(t, int64(0o755), entries["bin/busybox"].hdr.Mode)
	assert.Greater(t, len(entries["bin/busybox"].body), 100000)
	assert.Equal(t, "busybox", entries["bin/sh"].hdr.Linkname)
	assert.Contains(t, entries, "bin/")
	assert.NotContains(t, entries, "bin/ls", "deleted in the container")
	for name := range entries {
		assert.False(t, strings.HasPrefix(name, "/") || strings.HasPrefix(name, "./"), "entry %q is not relative to the root", name)
	}

	// The container still starts: nothing of the export is left in the way.
	code, out, _ := run(t, ctx, rt, Config{Image: "busybox", Cmd: []string{"true"}})
	assert.Equal(t, 0, code, out)
	code, _, _ = runContainer(t, ctx, c)
	assert.Equal(t, 1, code, "rm /bin/ls fails on the second run: it is gone")
	assertNothingMounted(t, c)
}

func TestExportRunningContainerLeavesOutMounts(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{
		Cmd:    sh("echo hi > /hello; echo in-volume > /data/v; exec sleep 100"),
		Mounts: []Mount{{Type: MountVolume, Target: "/data"}},
	})
	waitForPath(t, ctx, c, "/data/v")

	var buf bytes.Buffer
	require.NoError(t, c.Export(ctx, &buf))
	entries := readTar(t, buf.Bytes())
	assert.Equal(t, "hi\n", entries["hello"].body)
	assert.Contains(t, entries, "bin/busybox")
	for _, dir := range []string{"proc/", "sys/", "dev/", "data/"} {
		assert.Contains(t, entries, dir, "mount points are kept")
	}
	for name := range entries {
		for _, mnt := range []string{"proc/", "sys/", "dev/", "data/"} {
			assert.False(t, strings.HasPrefix(name, mnt) && name != mnt, "content of mount %s exported: %s", mnt, name)
		}
	}
	require.Contains(t, entries, "etc/hostname")
	assert.Empty(t, entries["etc/hostname"].body, "the managed file's content is not part of the root filesystem")

	require.NoError(t, c.Stop(ctx, time.Second))
	require.NoError(t, c.Export(ctx, io.Discard))
	assertNothingMounted(t, c)
}

func TestExportHonoursContext(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = c.Export(cancelled, io.Discard)
	require.ErrorIs(t, err, context.Canceled)
	assertNothingMounted(t, c)
}

func TestExportClearsMountLeftByKilledProgram(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	// What a program killed during a copy leaves: the snapshot, mounted.
	mnt := c.mntDir()
	require.NoError(t, os.Mkdir(mnt, 0o700))
	rec, err := c.record()
	require.NoError(t, err)
	require.NoError(t, rec.Rootfs[0].Apply(mnt))

	var buf bytes.Buffer
	require.NoError(t, c.Export(ctx, &buf))
	assert.Contains(t, readTar(t, buf.Bytes()), "bin/busybox")
	assertNothingMounted(t, c)
}

func TestConcurrentCopiesOfStoppedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				_, err := c.CopyFrom(ctx, "/bin", io.Discard)
				errs <- err
			} else {
				errs <- c.Export(ctx, io.Discard)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assertNothingMounted(t, c)
	code, _, _ := runContainer(t, ctx, c)
	assert.Equal(t, 0, code)
}
