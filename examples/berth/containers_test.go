//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
)

// newContainerBerth is newBerth for tests that run containers: root only,
// with busybox:latest in the store. When the test ends it removes every
// container left (running ones too), waits for the root's monitor to exit
// and checks that nothing is still mounted under the root.
func newContainerBerth(t *testing.T) *berth {
	t.Helper()
	privileged.Require(t)
	b := newBerth(t)
	ctx := context.Background()
	store, err := image.Open(ctx, b.root)
	require.NoError(t, err)
	_, err = store.Write(ctx, testimage.Busybox(t), "busybox:latest")
	require.NoError(t, err)
	require.NoError(t, store.Close())
	t.Cleanup(func() {
		for _, id := range strings.Fields(b.run(t, "ps", "-aq", "--no-trunc").stdout) {
			b.run(t, "rm", "-f", "-v", id)
		}
		assert.Empty(t, strings.TrimSpace(b.run(t, "ps", "-aq").stdout), "containers left")
		waitMonitorExit(t, b.root)
		mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(b.root))
		require.NoError(t, err)
		for _, m := range mounts {
			t.Errorf("leaked mount %s", m.Mountpoint)
		}
	})
	return b
}

// waitMonitorExit waits for the root's monitor of detached containers, if
// one runs, to exit: it does so a couple of seconds after its last
// container stopped, removing its socket.
func waitMonitorExit(t *testing.T, root string) {
	t.Helper()
	sock := filepath.Join(root, "container", "monitor.sock")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(sock); errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the monitor of %s is still running", root)
}

// runDetached runs a container with -d and returns its ID.
func (b *berth) runDetached(t *testing.T, args ...string) string {
	t.Helper()
	id := strings.TrimSpace(b.ok(t, append([]string{"run", "-d"}, args...)...).stdout)
	require.Len(t, id, 64, "run -d prints the full ID")
	return id
}

// waitUntil polls cond, as containers change state in their own time.
func waitUntil(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 20*time.Millisecond, msg)
}

// lockedBuffer is a bytes.Buffer safe for the goroutines that copy a
// container's output and for the test that reads it meanwhile.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// runningCommand is a command line running in-process in a goroutine.
type runningCommand struct {
	stdout, stderr *lockedBuffer
	done           chan int
}

func (b *berth) runInBackground(t *testing.T, stdin io.Reader, args ...string) *runningCommand {
	t.Helper()
	bg := &runningCommand{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan int, 1)}
	go func() {
		bg.done <- run(context.Background(), append(append([]string(nil), b.globalArgs...), args...), streams{
			stdin: stdin, stdout: bg.stdout, stderr: bg.stderr, getenv: b.env,
		})
	}()
	return bg
}

// wait returns the exit status, failing the test after a while.
func (bg *runningCommand) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-bg.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("command still running\nstdout:\n%s\nstderr:\n%s", bg.stdout, bg.stderr)
		return 0
	}
}

func TestParseEnvFile(t *testing.T) {
	lookup := func(key string) (string, bool) {
		v, ok := map[string]string{"HOME": "/home/me", "EMPTY": ""}[key]
		return v, ok
	}
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "pairs kept as written", in: "A=1\nB=two words \nC=\"quoted\"\n", want: []string{"A=1", "B=two words ", `C="quoted"`}},
		{name: "comments and blanks", in: "# comment\n\n   \n  # indented comment\nA=1\n", want: []string{"A=1"}},
		{name: "leading space trimmed", in: "  \tA=1\n", want: []string{"A=1"}},
		{name: "bare key looked up", in: "HOME\nEMPTY\nMISSING\n", want: []string{"HOME=/home/me", "EMPTY="}},
		{name: "empty value", in: "A=\n", want: []string{"A="}},
		{name: "value with equals", in: "A=b=c\n", want: []string{"A=b=c"}},
		{name: "byte order mark", in: "\xEF\xBB\xBFA=1\n", want: []string{"A=1"}},
		{name: "no trailing newline", in: "A=1", want: []string{"A=1"}},
		{name: "key with space", in: "A B=1\n", wantErr: "variable 'A B' contains whitespaces"},
		{name: "no key", in: "=1\n", wantErr: "no variable name on line '=1'"},
		{name: "invalid utf8", in: "A=\xff\n", wantErr: "invalid utf8 bytes at line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnvFile(strings.NewReader(tt.in), lookup)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseEnvFile(f *testing.F) {
	for _, seed := range []string{"A=1\n", "# c\nB\n", "\xEF\xBB\xBFA=1", "A B=1", "=x", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseEnvFile(strings.NewReader(in), func(string) (string, bool) { return "v", true })
		if err != nil {
			return
		}
		for _, e := range got {
			key, _, ok := strings.Cut(e, "=")
			if !ok || key == "" || strings.ContainsAny(key, " \t\n") {
				t.Fatalf("bad entry %q from %q", e, in)
			}
		}
	})
}

func TestContainerEnvOrderAndLookup(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "env")
	require.NoError(t, os.WriteFile(file, []byte("FROM_FILE=1\nSHARED=file\n"), 0o600))
	lookup := func(key string) (string, bool) { return map[string]string{"SET": "yes"}[key], key == "SET" }

	env, err := containerEnv([]string{file}, []string{"SHARED=flag", "SET", "UNSET"}, lookup)
	require.NoError(t, err)
	assert.Equal(t, []string{"FROM_FILE=1", "SHARED=file", "SHARED=flag", "SET=yes"}, env,
		"files first, then flags; an unset bare key is dropped")

	_, err = containerEnv(nil, []string{"=x"}, lookup)
	require.ErrorContains(t, err, "invalid environment variable: =x")
	_, err = containerEnv([]string{filepath.Join(dir, "missing")}, nil, lookup)
	require.Error(t, err)
}

func TestSizeAndCPUFlags(t *testing.T) {
	var m memBytes
	require.NoError(t, m.Set("512m"))
	assert.Equal(t, memBytes(512<<20), m)
	require.NoError(t, m.Set("1g"))
	assert.Equal(t, memBytes(1<<30), m)
	require.ErrorContains(t, m.Set("1x"), "invalid suffix: 'x'")

	var swap memSwapBytes
	require.NoError(t, swap.Set("-1"))
	assert.Equal(t, memSwapBytes(-1), swap)
	require.NoError(t, swap.Set("2g"))
	assert.Equal(t, memSwapBytes(2<<30), swap)

	var cpus nanoCPUs
	require.NoError(t, cpus.Set("1.5"))
	assert.Equal(t, nanoCPUs(1_500_000_000), cpus)
	assert.Equal(t, "1.500", cpus.String())
	require.NoError(t, cpus.Set("0.001"))
	assert.Equal(t, nanoCPUs(1_000_000), cpus)
	require.ErrorContains(t, cpus.Set("abc"), "failed to parse abc as a rational number")
	require.ErrorContains(t, cpus.Set("0.0000000001"), "value is too precise")
}

func TestParseLogOpts(t *testing.T) {
	size, files, err := parseLogOpts([]string{"max-size=10m", "max-file=3"})
	require.NoError(t, err)
	assert.Equal(t, int64(10_000_000), size, "json-file sizes are decimal")
	assert.Equal(t, 3, files)
	for _, tt := range []struct{ opt, want string }{
		{"compress=true", "unknown log opt 'compress' for json-file log driver"},
		{"max-file=0", "max-file cannot be less than 1"},
		{"max-size=huge", "invalid log opt max-size"},
		{"max-size", "expected key=value"},
	} {
		_, _, err := parseLogOpts([]string{tt.opt})
		assert.ErrorContains(t, err, tt.want, tt.opt)
	}
}

func TestNewConfigFromFlags(t *testing.T) {
	flags := pflag.NewFlagSet("run", pflag.ContinueOnError)
	opts := addContainerFlags(flags)
	require.NoError(t, flags.Parse([]string{
		"--name", "web", "-e", "A=1", "-w", "/srv", "-u", "nobody", "-h", "box",
		"--entrypoint", "", "-v", "./data:/data:ro", "-v", "named:/named", "--tmpfs", "/run:size=1m",
		"-m", "64m", "--memory-swap", "-1", "--cpus", "0.5", "--pids-limit", "20",
		"--read-only", "--cap-drop", "ALL", "--cap-add", "CHOWN", "-l", "a=b", "-l", "flag",
		"--stop-signal", "SIGINT", "--stop-timeout", "0", "--shm-size", "1m",
		"--log-opt", "max-size=1k", "-it", "--rm",
	}))
	cfg, err := opts.newConfig("busybox", []string{"echo", "hi"}, func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	cwd, err := os.Getwd()
	require.NoError(t, err)
	zero := 0
	assert.Equal(t, container.Config{
		Image: "busybox", Name: "web",
		Entrypoint: []string{}, Cmd: []string{"echo", "hi"},
		Env: []string{"A=1"}, WorkingDir: "/srv", User: "nobody", Hostname: "box",
		Labels: map[string]string{"a": "b", "flag": ""},
		Tty:    true, OpenStdin: true, StopSignal: "SIGINT", StopTimeout: &zero,
		ReadonlyRootfs: true, CapAdd: []string{"CHOWN"}, CapDrop: []string{"ALL"}, AutoRemove: true,
		Mounts: []container.Mount{
			{Type: container.MountBind, Source: filepath.Join(cwd, "data"), Target: "/data", ReadOnly: true},
			{Type: container.MountVolume, Source: "named", Target: "/named"},
			{Type: container.MountTmpfs, Target: "/run", TmpfsSize: 1 << 20},
		},
		Resources:   container.Resources{Memory: 64 << 20, MemorySwap: -1, NanoCPUs: 500_000_000, PidsLimit: 20},
		ShmSize:     1 << 20,
		NetworkMode: "none",
		LogMaxSize:  1000,
	}, cfg)

	flags = pflag.NewFlagSet("run", pflag.ContinueOnError)
	opts = addContainerFlags(flags)
	require.NoError(t, flags.Parse([]string{"busybox"}))
	cfg, err = opts.newConfig("busybox", nil, nil)
	require.NoError(t, err)
	assert.Nil(t, cfg.Entrypoint, "no --entrypoint keeps the image's")
	assert.Nil(t, cfg.Cmd, "no arguments keep the image's command")
	assert.Nil(t, cfg.StopTimeout)
	assert.Equal(t, "none", cfg.NetworkMode)
}

func TestAbsoluteBindSource(t *testing.T) {
	cwd, err := os.Getwd()
	require.NoError(t, err)
	for in, want := range map[string]string{
		"./data:/data":    cwd + "/data:/data",
		"../up:/up:ro":    filepath.Dir(cwd) + "/up:/up:ro",
		".:/src":          cwd + ":/src",
		"/abs:/abs":       "/abs:/abs",
		"named:/named":    "named:/named",
		"/anonymous":      "/anonymous",
		"rel/path:/inner": "rel/path:/inner",
	} {
		assert.Equal(t, want, absoluteBindSource(in), in)
	}
}

func TestLooksLikeID(t *testing.T) {
	assert.True(t, looksLikeID("sha256:abc"))
	assert.True(t, looksLikeID("0123456789ab"))
	assert.False(t, looksLikeID("busybox"))
	assert.False(t, looksLikeID("abc"), "too short to be taken for an ID: a name")
	assert.False(t, looksLikeID("0123456789ag"))
}
