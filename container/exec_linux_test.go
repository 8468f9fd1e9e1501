package container

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/cgroup"
)

// Both ways of starting an exec'd process: from the joining thread
// (cgroup v1) and through the re-executed child (cgroup v2, and the
// fallback).
func TestExecJoinsTheContainer(t *testing.T) {
	for _, way := range []struct {
		name     string
		inThread bool
	}{{"thread", true}, {"child", false}} {
		t.Run(way.name, func(t *testing.T) {
			// On cgroup v2 the thread cannot join alone: both take the child.
			saved := execInThread
			execInThread = func(cg *cgroup.Cgroup, r Resources) bool { return way.inThread && saved(cg, r) }
			t.Cleanup(func() { execInThread = saved })
			testExecJoinsTheContainer(t)
		})
	}
}

func testExecJoinsTheContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"sleep", "100"}, WorkingDir: "/srv", Env: []string{"FROM=container"}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))

	execOut := func(cfg ExecConfig) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cfg.Stdout, cfg.Stderr = &lockedWriter{w: &stdout}, &lockedWriter{w: &stderr}
		p, err := c.Exec(ctx, cfg)
		require.NoError(t, err)
		code, err := p.Wait(ctx)
		require.NoError(t, err)
		return code, stdout.String(), stderr.String()
	}
	code, out, _ := execOut(ExecConfig{Cmd: sh(`echo "$(hostname)|$(pwd)|$FROM|$EXTRA|$(id -u)|$(cat /proc/1/cmdline | tr '\0' ' ')"; grep -E '^(Seccomp|CapEff):' /proc/self/status | tr -d '\t' | tr '\n' ' '`), Env: []string{"EXTRA=exec"}})
	assert.Equal(t, 0, code)
	assert.Equal(t, c.ID()[:12]+"|/srv|container|exec|0|sleep 100 \nCapEff:00000000a80425fb Seccomp:2 ", out)

	code, out, _ = execOut(ExecConfig{Cmd: sh("id -u; pwd; exit 7"), User: "nobody", WorkingDir: "/tmp"})
	assert.Equal(t, 7, code)
	assert.Equal(t, "65534\n/tmp\n", out)
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, dumpable, "this program is dumpable again after an exec that changed user")

	code, out, _ = execOut(ExecConfig{Cmd: sh("test -t 0 && echo tty"), Tty: true})
	assert.Equal(t, 0, code)
	assert.Equal(t, "tty\r\n", out)

	var stdout bytes.Buffer
	p, err := c.Exec(ctx, ExecConfig{Cmd: []string{"cat"}, Stdin: strings.NewReader("piped\n"), Stdout: &stdout})
	require.NoError(t, err)
	code, err = p.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Equal(t, "piped\n", stdout.String())

	_, err = c.Exec(ctx, ExecConfig{Cmd: []string{"no-such-command"}})
	var exitErr *ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 127, exitErr.Code)

	// The exec'd process is in the container's cgroup (and this program
	// is not): it dies with it.
	p, err = c.Exec(ctx, ExecConfig{Cmd: []string{"sleep", "100"}})
	require.NoError(t, err)
	for _, pid := range []int{p.Pid(), os.Getpid()} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		require.NoError(t, err)
		if pid == p.Pid() {
			assert.Contains(t, string(b), cgroupPath(c.ID()))
		} else {
			assert.NotContains(t, string(b), cgroupPath(c.ID()))
		}
	}
	require.NoError(t, c.Stop(ctx, time.Second))
	code, err = p.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 137, code)
	_, err = c.Exec(ctx, ExecConfig{Cmd: []string{"true"}})
	assert.ErrorIs(t, err, ErrNotRunning)
}

// The thread exec spoils is never the main thread, which Go cannot end,
// and it ends after.
func TestThrowawayThread(t *testing.T) {
	for _, main := range []bool{false, true} {
		saved := onMainThread
		first := true
		onMainThread = func() bool {
			if first && main { // the outer goroutine "lands" on the main thread
				first = false
				return true
			}
			return saved()
		}
		var inner int
		onThrowawayThread(func() { inner = unix.Gettid() })
		onMainThread = saved
		require.NotEqual(t, unix.Getpid(), inner, "fn ran on the main thread")
		require.Eventually(t, func() bool {
			_, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", inner))
			return os.IsNotExist(err)
		}, 5*time.Second, time.Millisecond, "fn's thread ends (main=%v)", main)
	}
}
