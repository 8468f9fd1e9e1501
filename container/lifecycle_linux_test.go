package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/testimage"
)

func TestRunOutputAndExitCodes(t *testing.T) {
	rt, ctx := testRuntime(t)
	code, out, errOut := run(t, ctx, rt, Config{Cmd: sh("echo hello; echo oops >&2; exit 3")})
	assert.Equal(t, 3, code)
	assert.Equal(t, "hello\n", out)
	assert.Equal(t, "oops\n", errOut)
}

func TestStartErrorsHaveDockerExitCodes(t *testing.T) {
	rt, ctx := testRuntime(t)
	for _, tc := range []struct {
		cmd      []string
		code     int
		sentinel error
	}{
		{[]string{"no-such-command"}, 127, ErrCommandNotFound},
		{[]string{"/no/such/path"}, 127, ErrCommandNotFound},
		{[]string{"/etc"}, 126, ErrCannotExecute},
		{[]string{"/etc/passwd"}, 126, ErrCannotExecute},
	} {
		c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: tc.cmd})
		require.NoError(t, err)
		err = c.Start(ctx)
		var exitErr *ExitError
		require.ErrorAs(t, err, &exitErr, "%v", tc.cmd)
		assert.Equal(t, tc.code, exitErr.Code, "%v", tc.cmd)
		assert.ErrorIs(t, err, tc.sentinel)
		info, err := c.Inspect(ctx)
		require.NoError(t, err)
		assert.Equal(t, StatusExited, info.State.Status)
		assert.Equal(t, tc.code, info.State.ExitCode)
		assert.NotEmpty(t, info.State.Error)
	}
}

func TestEntrypointAndCmdFollowDockerRules(t *testing.T) {
	rt, ctx := testRuntime(t)
	writeImage(t, rt, "ep", v1.Config{Entrypoint: []string{"echo", "ep"}, Cmd: []string{"img-cmd"}})
	writeImage(t, rt, "shellform", v1.Config{Cmd: []string{"/bin/sh", "-c", "echo $GREETING from shell"}, Env: []string{"PATH=/bin", "GREETING=hi"}})
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Image: "ep"}, "ep img-cmd\n"},
		{Config{Image: "ep", Cmd: []string{"mine"}}, "ep mine\n"},
		{Config{Image: "ep", Entrypoint: []string{"echo"}}, "\n"}, // image CMD cleared
		{Config{Image: "ep", Entrypoint: []string{"echo"}, Cmd: []string{"x"}}, "x\n"},
		{Config{Image: "shellform"}, "hi from shell\n"},
		{Config{Image: "shellform", Env: []string{"GREETING=bye"}}, "bye from shell\n"},
	} {
		code, out, _ := run(t, ctx, rt, tc.cfg)
		assert.Equal(t, 0, code)
		assert.Equal(t, tc.want, out, "%+v", tc.cfg)
	}
	writeImage(t, rt, "nocmd", v1.Config{})
	_, err := rt.Create(ctx, Config{Image: "nocmd"})
	assert.ErrorIs(t, err, ErrNoCommand)
}

func TestEnvUserWorkdirHostname(t *testing.T) {
	rt, ctx := testRuntime(t)
	writeImage(t, rt, "app", v1.Config{
		User: "nobody", WorkingDir: "/app/data", Env: []string{"PATH=/bin", "A=image", "B=image"},
		Cmd: sh(`echo "$A $B $C|$(id -u):$(id -g)|$(pwd)|$(hostname)|$HOSTNAME|$HOME"`),
	})
	c, err := rt.Create(ctx, Config{Image: "app"})
	require.NoError(t, err)
	code, out, _ := runContainer(t, ctx, c)
	require.Equal(t, 0, code)
	short := c.ID()[:12]
	assert.Equal(t, "image image |65534:65534|/app/data|"+short+"|"+short+"|/nonexistent\n", out)

	code, out, _ = run(t, ctx, rt, Config{Image: "app", Env: []string{"B=mine", "C=new"}, User: "1000:2000", WorkingDir: "/w", Hostname: "box"})
	require.Equal(t, 0, code)
	assert.Equal(t, "image mine new|1000:2000|/w|box|box|/\n", out)

	code, out, _ = run(t, ctx, rt, Config{Cmd: []string{"id"}, User: "root:nogroup"})
	require.Equal(t, 0, code)
	assert.Contains(t, out, "uid=0(root) gid=65534(nogroup)")

	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, User: "nosuchuser"})
	require.NoError(t, err)
	err = c.Start(ctx)
	assert.ErrorIs(t, err, ErrNoSuchUser)
	assert.ErrorContains(t, err, "unable to find user nosuchuser")
}

func runContainer(t *testing.T, ctx context.Context, c *Container) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	exited, errc := c.Wait(ctx, WaitNextExit)
	require.NoError(t, c.Start(ctx, WithStdio(nil, &lockedWriter{w: &stdout}, &lockedWriter{w: &stderr})))
	return waitFor(t, exited, errc).ExitCode, stdout.String(), stderr.String()
}

// Restart keeps an auto-removed container (docker run --rm), attached or
// detached, as docker does; it is removed when it exits otherwise.
func TestRestartKeepsAnAutoRemovedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	for name, detach := range map[string][]StartOption{"attached": nil, "detached": {Detach()}} {
		t.Run(name, func(t *testing.T) {
			c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("sleep 100"), AutoRemove: true})
			require.NoError(t, err)
			require.NoError(t, c.Start(ctx, detach...))
			require.NoError(t, c.Restart(ctx, 0, detach...))
			info, err := c.Inspect(ctx)
			require.NoError(t, err, "still there after the restart")
			assert.True(t, info.State.Running)
			assert.NoFileExists(t, filepath.Join(c.dir(), restartingFile))

			removed, errc := c.Wait(ctx, WaitRemoved)
			require.NoError(t, c.Stop(ctx, 0))
			select {
			case s := <-removed:
				// Detached, the monitor removes it: this program's
				// waiter held the exit until it read it (holdExit).
				assert.Equal(t, 137, s.ExitCode)
			case err := <-errc:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatal("not removed after its exit")
			}
			_, err = c.Inspect(ctx)
			assert.ErrorIs(t, err, ErrNotFound)
		})
	}
}

func TestStopKillRestart(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"sleep", "100"}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	require.True(t, info.State.Running)
	first := info.State.StartedAt

	// Like docker: a PID 1 without a handler ignores SIGTERM, so Stop
	// kills it after the timeout.
	require.NoError(t, c.Stop(ctx, 200*time.Millisecond))
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, StatusExited, info.State.Status)
	assert.Equal(t, 137, info.State.ExitCode, "SIGKILL: 128+9")

	require.NoError(t, c.Restart(ctx, time.Second))
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running)
	assert.True(t, info.State.StartedAt.After(first))
	require.NoError(t, c.Kill(ctx, syscall.SIGKILL))
	s, err := c.WaitExit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 137, s.ExitCode)
	assert.ErrorIs(t, c.Kill(ctx, syscall.SIGKILL), ErrNotRunning)

	// The stop signal reaches a process that handles it.
	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: sh("trap 'echo bye; exit 3' USR1; while true; do sleep 0.05; done"), StopSignal: "SIGUSR1"})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, c.Stop(ctx, 5*time.Second))
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.State.ExitCode)

	// A process that ignores the stop signal is killed after the timeout.
	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: sh("trap '' TERM; while true; do sleep 0.05; done"), StopSignal: "TERM"})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	require.NoError(t, c.Stop(ctx, 300*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(began), 300*time.Millisecond)
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, 137, info.State.ExitCode)
}

func TestNamesIDsAndRemove(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Name: "web", Cmd: []string{"sleep", "100"}})
	require.NoError(t, err)
	assert.Len(t, c.ID(), 64)
	for _, ref := range []string{"web", "/web", c.ID(), c.ID()[:5]} {
		got, err := rt.Get(ctx, ref)
		require.NoError(t, err, ref)
		assert.Equal(t, c.ID(), got.ID())
	}
	_, err = rt.Get(ctx, "nope")
	assert.ErrorIs(t, err, ErrNotFound)

	_, err = rt.Create(ctx, Config{Image: "busybox", Name: "web", Cmd: []string{"true"}})
	assert.ErrorIs(t, err, ErrConflict)
	assert.ErrorContains(t, err, `name "/web" is already in use`)
	_, err = rt.Create(ctx, Config{Image: "busybox", Name: "bad name!"})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = rt.Create(ctx, Config{Image: "no-such-image"})
	assert.ErrorIs(t, err, image.ErrNotFound)

	gen, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	name, err := gen.Name(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^[a-z]+_[a-z]+[0-9]*$`, name)

	// The image is held while containers use it.
	_, err = rt.Images().Remove(ctx, "busybox", false)
	assert.ErrorIs(t, err, image.ErrInUse)

	require.NoError(t, c.Start(ctx))
	err = c.Remove(ctx, RemoveOptions{})
	assert.ErrorIs(t, err, ErrInUse)
	require.NoError(t, c.Remove(ctx, RemoveOptions{Force: true}))
	_, err = c.Inspect(ctx)
	assert.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, gen.Remove(ctx, RemoveOptions{}))

	// Nothing of them is left, and the name is free again.
	entries, err := os.ReadDir(filepath.Join(rt.dir, snapshotsDir))
	require.NoError(t, err)
	assert.Empty(t, entries)
	entries, err = os.ReadDir(filepath.Join(rt.dir, namesDir))
	require.NoError(t, err)
	assert.Empty(t, entries)
	_, err = rt.Images().Remove(ctx, "busybox", false)
	require.NoError(t, err, "no container holds the image any more")
}

func TestBadInputLeavesNothing(t *testing.T) {
	rt, ctx := testRuntime(t)
	bad := []Config{
		{Image: "busybox", Mounts: []Mount{{Type: MountBind, Source: "relative", Target: "/x"}}},
		{Image: "busybox", Mounts: []Mount{{Type: MountTmpfs, Target: "/a"}, {Type: MountTmpfs, Target: "/a"}}},
		{Image: "busybox", Resources: Resources{Memory: 1024}},
		{Image: "busybox", Resources: Resources{NanoCPUs: 1000e9}},
		{Image: "busybox", CapAdd: []string{"CAP_NOPE"}},
		{Image: "busybox", StopSignal: "SIGNOPE"},
		{Image: "busybox", WorkingDir: "relative"},
		{Image: "busybox", NetworkMode: "bridge"},
	}
	for _, cfg := range bad {
		_, err := rt.Create(ctx, cfg)
		assert.Error(t, err, "%+v", cfg)
		assert.True(t, errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotSupported), "%+v: %v", cfg, err)
	}
	entries, err := os.ReadDir(rt.dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.Contains(t, []string{namesDir, snapshotsDir, ownersDir, lockName, initLayerName}, e.Name())
	}
	entries, err = os.ReadDir(filepath.Join(rt.dir, namesDir))
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestListFilters(t *testing.T) {
	rt, ctx := testRuntime(t)
	writeImage(t, rt, "other", v1.Config{Cmd: []string{"true"}})
	a, err := rt.Create(ctx, Config{Image: "busybox", Name: "aa", Labels: map[string]string{"tier": "web"}, Cmd: []string{"sleep", "100"}})
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx))
	b, err := rt.Create(ctx, Config{Image: "other", Name: "bb"})
	require.NoError(t, err)
	_, _, _ = runContainer(t, ctx, b)
	_, err = rt.Create(ctx, Config{Image: "busybox", Name: "cc", Cmd: []string{"true"}})
	require.NoError(t, err)

	names := func(opts ListOptions) []string {
		infos, err := rt.List(ctx, opts)
		require.NoError(t, err)
		var out []string
		for _, i := range infos {
			out = append(out, strings.TrimPrefix(i.Name, "/"))
		}
		return out
	}
	assert.Equal(t, []string{"aa"}, names(ListOptions{}))
	assert.Equal(t, []string{"cc", "bb", "aa"}, names(ListOptions{All: true}))
	assert.Equal(t, []string{"bb"}, names(ListOptions{All: true, Filters: map[string][]string{"status": {"exited"}}}))
	assert.Equal(t, []string{"cc"}, names(ListOptions{All: true, Filters: map[string][]string{"status": {"created"}}}))
	assert.Equal(t, []string{"aa"}, names(ListOptions{All: true, Filters: map[string][]string{"label": {"tier=web"}}}))
	assert.Equal(t, []string{"bb"}, names(ListOptions{All: true, Filters: map[string][]string{"ancestor": {"other"}}}))
	assert.Equal(t, []string{"bb"}, names(ListOptions{All: true, Filters: map[string][]string{"exited": {"0"}}}))
	assert.Equal(t, []string{"aa"}, names(ListOptions{All: true, Filters: map[string][]string{"name": {"^aa$"}}}))
	_, err = rt.List(ctx, ListOptions{Filters: map[string][]string{"bogus": {"x"}}})
	assert.ErrorIs(t, err, ErrInvalid)

	removed, _, err := rt.Prune(ctx)
	require.NoError(t, err)
	assert.Len(t, removed, 2)
	assert.Equal(t, []string{"aa"}, names(ListOptions{All: true}))
	_ = testimage.Epoch
}

// WaitRemoved fires once the removal is complete, not when the container
// stops being listed: a program that exits then (berth run --rm) leaves
// nothing for the next Open to finish. It reports the exit code.
func TestWaitRemovedMeansGone(t *testing.T) {
	rt, ctx := testRuntime(t)
	for range 5 {
		c, err := rt.Create(ctx, Config{Image: "busybox", Name: "once", Cmd: sh("exit 3"), AutoRemove: true})
		require.NoError(t, err)
		removed, errc := c.Wait(ctx, WaitRemoved)
		require.NoError(t, c.Start(ctx))
		assert.Equal(t, 3, waitFor(t, removed, errc).ExitCode, "the exit of the container removed")
		entries, err := os.ReadDir(rt.dir)
		require.NoError(t, err)
		for _, e := range entries {
			assert.False(t, strings.HasPrefix(e.Name(), tmpPrefix), "left over %s", e.Name())
		}
		for _, d := range []string{snapshotsDir, namesDir} {
			entries, err = os.ReadDir(filepath.Join(rt.dir, d))
			require.NoError(t, err)
			assert.Empty(t, entries, d)
		}
	}
	_, err := rt.Images().Remove(ctx, "busybox", false)
	require.NoError(t, err, "no container holds the image any more")
}

// A program waiting for a container another program watches reads the
// exit even when that program removes the container right after it
// (AutoRemove), as docker wait of a run -d --rm container does; a remove
// with nobody waiting leaves no notice behind.
func TestWaitInAnotherProgramSeesAnAutoRemovedExit(t *testing.T) {
	rt, ctx := testRuntime(t)
	other, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer other.Close()
	for i := range 3 {
		c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh(fmt.Sprintf("sleep 0.2; exit %d", 3+i)), AutoRemove: true})
		require.NoError(t, err)
		theirs, err := other.Get(ctx, c.ID())
		require.NoError(t, err)
		exited, errc := theirs.Wait(ctx, WaitNextExit)
		removed, errcRemoved := theirs.Wait(ctx, WaitRemoved)
		start := time.Now()
		require.NoError(t, c.Start(ctx))
		for _, ch := range []struct {
			out  <-chan ExitStatus
			errc <-chan error
		}{{exited, errc}, {removed, errcRemoved}} {
			select {
			case s := <-ch.out:
				assert.Equal(t, 3+i, s.ExitCode)
			case err := <-ch.errc:
				require.NoError(t, err)
			}
		}
		_, err = rt.Get(ctx, c.ID())
		require.ErrorIs(t, err, ErrNotFound, "removed")
		assert.Less(t, time.Since(start), 200*time.Millisecond+holdGrace, "the remove waited for the waiters, not longer")
	}

	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	_, err = c.WaitExit(ctx)
	require.NoError(t, err)
	dir := c.dir()
	undo := c.waitForHolders(ctx)
	undo()
	assert.NoFileExists(t, filepath.Join(dir, removingFile), "nobody held the exit")
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// WaitNextExit on a running container returns its exit, as docker's
// next-exit does, from a program that does not watch it too, and when the
// exit removes it.
func TestWaitNextExitOfARunningContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	other, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer other.Close()
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("sleep 0.5; exit 5"), AutoRemove: true})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx, Detach()))
	theirs, err := other.Get(ctx, c.ID())
	require.NoError(t, err)
	info, err := theirs.Inspect(ctx)
	require.NoError(t, err)
	require.True(t, info.State.Running)
	exited, errc := theirs.Wait(ctx, WaitNextExit)
	removed, errcRemoved := theirs.Wait(ctx, WaitRemoved)
	assert.Equal(t, 5, waitFor(t, exited, errc).ExitCode)
	assert.Equal(t, 5, waitFor(t, removed, errcRemoved).ExitCode)
}

// A name left behind by a create or remove that was killed half-way (its
// container does not exist) is taken over when the name is wanted again.
func TestStaleNameIsTakenOver(t *testing.T) {
	rt, ctx := testRuntime(t)
	ghost := strings.Repeat("ab", 32)
	require.NoError(t, os.WriteFile(filepath.Join(rt.dir, namesDir, "web"), []byte(ghost), 0o600))
	_, err := rt.Get(ctx, "web")
	assert.ErrorIs(t, err, ErrNotFound)
	c, err := rt.Create(ctx, Config{Image: "busybox", Name: "web", Cmd: []string{"true"}})
	require.NoError(t, err)
	got, err := rt.Get(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, c.ID(), got.ID())
	_, err = rt.Create(ctx, Config{Image: "busybox", Name: "web", Cmd: []string{"true"}})
	assert.ErrorIs(t, err, ErrConflict, "a live container's name is not stale")
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// The root filesystem of a container removed when it exits is a volatile
// overlay (its unmount does not sync the disk); any other container's is
// not. A container started again mounts its layer again.
func TestAutoRemoveRootIsVolatile(t *testing.T) {
	rt, ctx := testRuntime(t)
	const script = "grep ' / overlay ' /proc/mounts | grep -c volatile || true"
	code, out, _ := run(t, ctx, rt, Config{Cmd: sh(script), AutoRemove: true})
	assert.Equal(t, 0, code)
	assert.Equal(t, "1\n", out)

	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh(script)})
	require.NoError(t, err)
	defer func() { _ = c.Remove(context.WithoutCancel(ctx), RemoveOptions{Force: true}) }()
	for range 2 {
		var buf lockedBuffer
		exited, errc := c.Wait(ctx, WaitNextExit)
		require.NoError(t, c.Start(ctx, WithStdio(nil, &buf, nil)))
		assert.Equal(t, 0, waitFor(t, exited, errc).ExitCode)
		assert.Equal(t, "0\n", buf.String())
	}

	// The marker an earlier volatile mount leaves, which would stop the
	// next mount, is removed.
	work := t.TempDir()
	marker := filepath.Join(work, "work", "incompat", "volatile")
	require.NoError(t, os.MkdirAll(marker, 0o700))
	opts := []string{"lowerdir=/l", "upperdir=/u", "workdir=" + work}
	assert.Equal(t, append(opts, "volatile"), volatileOverlay("overlay", opts))
	assert.NoDirExists(t, marker)
	assert.Equal(t, opts, volatileOverlay("bind", opts))
}

// Run is Create and Start in one: Wait after it still sees the exit, even
// of a container already removed, and a run that fails leaves no child.
func TestRun(t *testing.T) {
	rt, ctx := testRuntime(t)
	var out lockedBuffer
	c, err := rt.Run(ctx, Config{Image: "busybox", Cmd: sh("echo ran; exit 7"), AutoRemove: true}, WithStdio(nil, &out, nil))
	require.NoError(t, err)
	removed, errc := c.Wait(ctx, WaitRemoved)
	assert.Equal(t, 7, waitFor(t, removed, errc).ExitCode)
	assert.Equal(t, "ran\n", out.String())
	time.Sleep(50 * time.Millisecond) // well after the removal
	exited, errc := c.Wait(ctx, WaitNotRunning)
	assert.Equal(t, 7, waitFor(t, exited, errc).ExitCode, "the exit of the run, the container gone")

	c, err = rt.Run(ctx, Config{Image: "busybox", Name: "kept", Cmd: sh("test -f /ran && exit 5; touch /ran; exit 2")})
	require.NoError(t, err)
	s, err := c.WaitExit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, s.ExitCode)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, StatusExited, info.State.Status)
	// Started again, the same Container waits for the new run.
	require.NoError(t, c.Start(ctx))
	s, err = c.WaitExit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, s.ExitCode, "not the first run's exit")

	_, err = rt.Run(ctx, Config{Image: "nosuchimage", Cmd: sh("true")})
	require.ErrorIs(t, err, image.ErrNotFound)
	_, err = rt.Run(ctx, Config{Image: "busybox", Name: "kept", Cmd: sh("true")})
	require.ErrorIs(t, err, ErrConflict)
	c, err = rt.Run(ctx, Config{Image: "busybox", Cmd: []string{"/nonexistent"}})
	var exitErr *ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 127, exitErr.Code)
	require.NotNil(t, c, "the container was made")
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
	// No child of a failed run is left.
	require.Eventually(t, func() bool { return len(childrenOf(os.Getpid())) == 0 }, 2*time.Second, 10*time.Millisecond)

	_, err = rt.Run(ctx, Config{Image: "busybox", Name: "not-made", Cmd: sh("true")}, Detach(), WithStdio(nil, &out, nil))
	require.ErrorIs(t, err, ErrInvalid)
	_, err = rt.Get(ctx, "not-made")
	require.ErrorIs(t, err, ErrNotFound, "nothing made for options that exclude each other")

	d, err := rt.Run(ctx, Config{Image: "busybox", Cmd: sh("sleep 30")}, Detach())
	require.NoError(t, err)
	info, err = d.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running)
	require.NoError(t, d.Remove(ctx, RemoveOptions{Force: true}))
}

// childrenOf lists the processes whose parent is pid, monitors aside
// (one idles a while after its last container).
func childrenOf(pid int) []int {
	var kids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) && !strings.HasPrefix(string(cmdline), "berth-monitor") {
			kids = append(kids, n)
		}
	}
	return kids
}
