package container

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
)

// testRuntime opens a runtime on a fresh root holding "busybox" and
// checks, when the test ends, that it left no mounts, cgroups or
// processes behind.
func testRuntime(t *testing.T) (*Runtime, context.Context) {
	t.Helper()
	privileged.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	root := t.TempDir()
	rt, err := Open(ctx, root)
	require.NoError(t, err)
	_, err = rt.Images().Write(ctx, testimage.Busybox(t), "busybox:latest")
	require.NoError(t, err)
	t.Cleanup(func() {
		ids, _ := rt.ids()
		require.NoError(t, rt.Close())
		// Detached containers: stop them through a fresh runtime.
		for _, id := range ids {
			c := &Container{rt: rt, id: id}
			if st, err := c.state(); err == nil && st.Status == StatusRunning {
				_ = c.Remove(context.Background(), RemoveOptions{Force: true, Volumes: true})
			}
		}
		waitMonitorGone(t, root)
		assertNoLeaks(t, root, ids)
	})
	return rt, ctx
}

// waitMonitorGone waits for the root's monitor, if any, to exit.
func waitMonitorGone(t *testing.T, root string) {
	deadline := time.Now().Add(monitorIdle + 5*time.Second)
	for time.Now().Before(deadline) {
		if len(monitorsOf(root)) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("monitor of %s still running", root)
}

// monitorsOf lists the monitor processes of root.
func monitorsOf(root string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(b, []byte(envRoot+"="+root+"\x00")) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func assertNoLeaks(t *testing.T, root string, ids []string) {
	t.Helper()
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(root))
	require.NoError(t, err)
	for _, m := range mounts {
		t.Errorf("leaked mount %s", m.Mountpoint)
	}
	for _, id := range ids {
		for _, ctl := range []string{"memory", "pids", "cpu", "unified"} {
			if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", ctl, "berth", id)); err == nil {
				t.Errorf("leaked cgroup %s/berth/%s", ctl, shortID(id))
			}
		}
	}
	for _, pid := range monitorsOf(root) {
		t.Errorf("leaked monitor process %s", pid)
	}
	// Owners unregister when they close with nothing running; a killed
	// one is swept by the next Open.
	rt, err := Open(context.Background(), root)
	require.NoError(t, err)
	owners, err := os.ReadDir(filepath.Join(rt.dir, ownersDir))
	require.NoError(t, err)
	for _, o := range owners {
		t.Errorf("owner left registered: %s", o.Name())
	}
	require.NoError(t, rt.Close())
}

// writeImage stores an image of busybox plus files under name.
func writeImage(t *testing.T, rt *Runtime, name string, cfg v1.Config, files ...testimage.File) {
	t.Helper()
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	layers := []v1.Layer{testimage.BusyboxLayer(t)}
	if len(files) > 0 {
		layers = append(layers, testimage.Layer(t, files...))
	}
	_, err := rt.Images().Write(context.Background(), testimage.Image(t, cfg, layers...), name)
	require.NoError(t, err)
}

// run creates and starts a container attached, waits for it, and returns
// its exit code and output.
func run(t *testing.T, ctx context.Context, rt *Runtime, cfg Config) (int, string, string) {
	t.Helper()
	if cfg.Image == "" {
		cfg.Image = "busybox"
	}
	c, err := rt.Create(ctx, cfg)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	exited, errc := c.Wait(ctx, WaitNextExit)
	require.NoError(t, c.Start(ctx, WithStdio(nil, &stdout, &stderr)))
	return waitFor(t, exited, errc).ExitCode, stdout.String(), stderr.String()
}

// waitFor returns the status a Wait delivers, and fails the test with
// the error it delivers instead.
func waitFor(t *testing.T, status <-chan ExitStatus, errc <-chan error) ExitStatus {
	t.Helper()
	select {
	case s := <-status:
		return s
	case err := <-errc:
		t.Fatalf("wait: %v", err)
		return ExitStatus{}
	}
}

func sh(script string) []string { return []string{"sh", "-c", script} }

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

// lockedWriter serialises writes from the output goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// lockedBuffer is a buffer written by output goroutines and read by the
// test meanwhile.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type v1Config = v1.Config

// fileOf is a regular file for writeImage.
func fileOf(name, body string) testimage.File {
	return testimage.File{Name: name, Body: []byte(body)}
}
