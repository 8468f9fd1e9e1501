package container

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
)

func TestMemoryLimitOOMKill(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("x=0123456789abcdef; while true; do x=$x$x; done"), Resources: Resources{Memory: 16 << 20}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	s, err := c.WaitExit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 137, s.ExitCode)
	assert.True(t, s.OOMKilled)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.OOMKilled)
}

func TestLimitsAreApplied(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"sleep", "100"}, Resources: Resources{
		Memory: 64 << 20, NanoCPUs: 500_000_000, PidsLimit: 20, CpusetCpus: "0", CPUShares: 512,
	}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	read := func(ctl, file string) string {
		b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", ctl, "berth", c.ID(), file))
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory"); err == nil { // cgroup v1, as on this machine
		assert.Equal(t, strconv.Itoa(64<<20), read("memory", "memory.limit_in_bytes"))
		assert.Equal(t, "50000", read("cpu", "cpu.cfs_quota_us"))
		assert.Equal(t, "512", read("cpu", "cpu.shares"))
		assert.Equal(t, "20", read("pids", "pids.max"))
		assert.Equal(t, "0", read("cpuset", "cpuset.cpus"))
		info, err := c.Inspect(ctx)
		require.NoError(t, err)
		assert.Contains(t, read("memory", "cgroup.procs"), strconv.Itoa(info.State.Pid))
	}
	require.NoError(t, c.Remove(ctx, RemoveOptions{Force: true}))

	// The pids limit holds inside: the fifth process cannot be forked.
	code, _, errOut := run(t, ctx, rt, Config{Cmd: sh("for i in 1 2 3 4 5 6 7 8; do sleep 5 & done"), Resources: Resources{PidsLimit: 4}})
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "can't fork")
}

func TestVolumes(t *testing.T) {
	rt, ctx := testRuntime(t)
	writeImage(t, rt, "withvolume", func() (cfg v1Config) {
		cfg.Volumes = map[string]struct{}{"/data": {}}
		cfg.Cmd = []string{"cat", "/data/seed"}
		return
	}(), fileOf("data/seed", "from the image\n"))

	// An anonymous volume for the image's VOLUME, filled from the image.
	c, err := rt.Create(ctx, Config{Image: "withvolume"})
	require.NoError(t, err)
	code, out, _ := runContainer(t, ctx, c)
	require.Equal(t, 0, code)
	assert.Equal(t, "from the image\n", out)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	require.Len(t, info.Mounts, 1)
	anon := info.Mounts[0].Name
	assert.Len(t, anon, 64)

	// A named volume outlives its containers and is protected while used.
	_, err = rt.CreateVolume(ctx, "shared", nil)
	require.NoError(t, err)
	code, _, _ = run(t, ctx, rt, Config{Cmd: sh("echo kept > /v/file"), Mounts: []Mount{{Type: MountVolume, Source: "shared", Target: "/v"}}})
	require.Equal(t, 0, code)
	user, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"cat", "/v/file"}, Mounts: []Mount{{Type: MountVolume, Source: "shared", Target: "/v", ReadOnly: true}}})
	require.NoError(t, err)
	code, out, _ = runContainer(t, ctx, user)
	require.Equal(t, 0, code)
	assert.Equal(t, "kept\n", out)
	assert.ErrorIs(t, rt.RemoveVolume(ctx, "shared", false), ErrInUse)

	// Read-only volume, read-only bind, tmpfs.
	host := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(host, "h"), []byte("host file\n"), 0o644))
	code, out, _ = run(t, ctx, rt, Config{
		Cmd: sh("cat /h/h; touch /h/x 2>/dev/null && echo bind-rw || echo bind-ro; touch /v/x 2>/dev/null && echo vol-rw || echo vol-ro; grep ' /t ' /proc/mounts | cut -d' ' -f3; echo t > /t/f && cat /t/f"),
		Mounts: []Mount{
			{Type: MountBind, Source: host, Target: "/h", ReadOnly: true},
			{Type: MountVolume, Source: "shared", Target: "/v", ReadOnly: true},
			{Type: MountTmpfs, Target: "/t"},
		},
	})
	require.Equal(t, 0, code)
	assert.Equal(t, "host file\nbind-ro\nvol-ro\ntmpfs\nt\n", out)

	// Removing with Volumes deletes anonymous volumes only.
	require.NoError(t, c.Remove(ctx, RemoveOptions{Volumes: true}))
	_, err = rt.Volume(ctx, anon)
	assert.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, user.Remove(ctx, RemoveOptions{Volumes: true}))
	infos, err := rt.List(ctx, ListOptions{All: true})
	require.NoError(t, err)
	for _, i := range infos {
		require.NoError(t, (&Container{rt: rt, id: i.ID}).Remove(ctx, RemoveOptions{}))
	}
	v, err := rt.Volume(ctx, "shared")
	require.NoError(t, err)
	assert.Empty(t, v.UsedBy)
	require.NoError(t, rt.RemoveVolume(ctx, "shared", false))
}

func TestLogsRotateAndSelect(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("for i in $(seq 1 300); do echo line $i; done; sleep 0.2; echo err >&2"), LogMaxSize: 2048, LogMaxFiles: 3})
	require.NoError(t, err)
	_, _, _ = runContainer(t, ctx, c)
	files, err := filepath.Glob(c.logPath() + "*")
	require.NoError(t, err)
	assert.Len(t, files, 3, "rotated to max-file files")
	for _, f := range files {
		fi, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, fi.Size(), int64(2048))
	}
	b, err := os.ReadFile(c.logPath())
	require.NoError(t, err)
	assert.Regexp(t, `^\{"log":"[^"]*\\n","stream":"std(out|err)","time":"[^"]+"\}\n`, string(b))

	var stdout, stderr strings.Builder
	require.NoError(t, c.Logs(ctx, LogsOptions{Tail: 2}, &stdout, &stderr))
	assert.Equal(t, "line 300\n", stdout.String())
	assert.Equal(t, "err\n", stderr.String())
	stdout.Reset()
	stderr.Reset()
	require.NoError(t, c.Logs(ctx, LogsOptions{Tail: 1, Timestamps: true}, &stdout, &stderr))
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z err\n$`, stderr.String())
}

// Mount targets are resolved inside the container's root: a symlink in the
// image that points out of it, absolute or with "..", leads to a place in
// the root, and nothing is made or mounted on the host's side.
func TestMountTargetsStayInTheRoot(t *testing.T) {
	rt, ctx := testRuntime(t)
	outside := t.TempDir()
	writeImage(t, rt, "links", v1.Config{}, testimage.File{Name: "abs", Type: tar.TypeSymlink, Linkname: outside},
		testimage.File{Name: "rel", Type: tar.TypeSymlink, Linkname: "../../../.." + outside + "/rel"})
	host := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(host, "f"), []byte("from the host\n"), 0o644))
	code, out, errOut := run(t, ctx, rt, Config{
		Image: "links",
		Cmd:   sh(`cat /abs/made/f; stat -f -c %T /rel/tmp; stat -f -c %T ` + outside + `/rel/tmp`),
		Mounts: []Mount{
			{Type: MountBind, Source: host, Target: "/abs/made", ReadOnly: true},
			{Type: MountTmpfs, Target: "/rel/tmp"},
		},
	})
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "from the host\ntmpfs\ntmpfs\n", out)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing made on the host's side of the links")
}
