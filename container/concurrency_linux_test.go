package container

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestManyGoroutinesAtOnce(t *testing.T) {
	rt, ctx := testRuntime(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := rt.Create(ctx, Config{Image: "busybox", Name: fmt.Sprintf("c%d", i), Cmd: sh(fmt.Sprintf("echo %d", i))})
			if err != nil {
				errs <- err
				return
			}
			var out lockedWriter
			var buf strings.Builder
			out.w = &buf
			exited, errc := c.Wait(ctx, WaitNextExit)
			if err := c.Start(ctx, WithStdio(nil, &out, nil)); err != nil {
				errs <- err
				return
			}
			select {
			case s := <-exited:
				if s.ExitCode != 0 || buf.String() != fmt.Sprintf("%d\n", i) {
					errs <- fmt.Errorf("container %d: exit %d, output %q", i, s.ExitCode, buf.String())
					return
				}
			case err := <-errc:
				errs <- err
				return
			}
			errs <- c.Remove(ctx, RemoveOptions{})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	infos, err := rt.List(ctx, ListOptions{All: true})
	require.NoError(t, err)
	assert.Empty(t, infos)
}

// TestTwoProgramsShareARoot runs a second program creating and removing
// containers on the same root while this one does too.
func TestTwoProgramsShareARoot(t *testing.T) {
	rt, ctx := testRuntime(t)
	other := exec.Command(os.Args[0], "-test.run=^TestHelperProgram$")
	other.Env = append(os.Environ(), helperEnv+"="+rt.root+" churn 8")
	outc := make(chan string, 1)
	go func() {
		b, _ := other.CombinedOutput()
		outc <- string(b)
	}()
	for i := range 8 {
		code, out, _ := run(t, ctx, rt, Config{Cmd: sh(fmt.Sprintf("echo mine %d", i)), AutoRemove: true})
		assert.Equal(t, 0, code)
		assert.Equal(t, fmt.Sprintf("mine %d\n", i), out)
	}
	out := <-outc
	assert.Contains(t, out, "churned 8")
	require.Eventually(t, func() bool {
		infos, err := rt.List(ctx, ListOptions{All: true})
		return err == nil && len(infos) == 0
	}, 5*time.Second, 20*time.Millisecond)
}

// TestKilledMidStartRecovers kills programs at random moments of create,
// start and remove; the next Open leaves a consistent root.
func TestKilledMidStartRecovers(t *testing.T) {
	rt, ctx := testRuntime(t)
	var ids []string
	for i := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProgram$")
		cmd.Env = append(os.Environ(), helperEnv+"="+rt.root+" churn 1000")
		var out strings.Builder
		cmd.Stdout = &out
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(150+rand.IntN(300)+i*20) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		for _, l := range strings.Fields(out.String()) {
			if id, ok := strings.CutPrefix(l, "id:"); ok {
				ids = append(ids, id)
			}
		}
	}
	require.NotEmpty(t, ids)
	rt2, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer rt2.Close()
	entries, err := os.ReadDir(rt2.dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), tmpPrefix), "left over %s", e.Name())
	}
	infos, err := rt2.List(ctx, ListOptions{All: true})
	require.NoError(t, err)
	for _, info := range infos {
		assert.NotEqual(t, StatusRunning, info.State.Status, "a container of a killed program is not running")
		c, err := rt2.Get(ctx, info.ID)
		require.NoError(t, err)
		require.NoError(t, c.Remove(ctx, RemoveOptions{Volumes: true}))
	}
	for _, d := range []string{namesDir, snapshotsDir} {
		entries, err := os.ReadDir(filepath.Join(rt2.dir, d))
		require.NoError(t, err)
		assert.Empty(t, entries, d)
	}
	for _, id := range ids {
		for _, ctl := range []string{"memory", "pids", "cpu"} {
			_, err := os.Stat(filepath.Join("/sys/fs/cgroup", ctl, "berth", id))
			assert.True(t, os.IsNotExist(err), "cgroup %s/berth/%s left", ctl, shortID(id))
		}
	}
	// The image is no longer held by anything.
	_, err = rt2.Images().Remove(context.Background(), "busybox", false)
	assert.NoError(t, err)
}

// TestCreateKilledAfterTakingNameRecovers leaves what a create killed
// right after taking its name leaves (the claim linked to the name, no
// config yet); the next Open frees the name.
func TestCreateKilledAfterTakingNameRecovers(t *testing.T) {
	rt, ctx := testRuntime(t)
	id := newID()
	tmp := filepath.Join(rt.dir, tmpPrefix+id)
	require.NoError(t, os.Mkdir(tmp, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, nameClaimFile), []byte(id), 0o600))
	require.NoError(t, os.Link(filepath.Join(tmp, nameClaimFile), filepath.Join(rt.dir, namesDir, "half_made")))

	rt2, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer rt2.Close()
	entries, err := os.ReadDir(filepath.Join(rt2.dir, namesDir))
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.NoDirExists(t, tmp)
	c, err := rt2.Create(ctx, Config{Image: "busybox", Name: "half_made", Cmd: sh("true")})
	require.NoError(t, err)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}
