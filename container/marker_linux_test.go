package container

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadProgram is the identity of a program that no longer runs: this
// program's PID with another start time, as a later process reusing the
// PID would have.
func deadProgram() identity {
	self := selfIdentity()
	return identity{pid: self.pid, start: self.start + 1}
}

// writeStaleMarker writes the marker at path as program w would have.
func writeStaleMarker(t *testing.T, path string, w identity) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, fmt.Appendf(nil, "%d %d\n", w.pid, w.start), 0o600))
}

func TestMarkerNamesItsWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marker")
	assert.False(t, markerHeld(path), "no marker")
	require.NoError(t, writeMarker(path))
	w, ok := readMarker(path)
	require.True(t, ok)
	assert.Equal(t, selfIdentity(), w)
	assert.True(t, markerHeld(path))

	writeStaleMarker(t, path, deadProgram())
	assert.False(t, markerHeld(path), "its writer is gone")

	for _, body := range []string{"", "12", "x y", "-1 5"} {
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		w, ok := readMarker(path)
		assert.True(t, ok)
		assert.Equal(t, identity{}, w, "%q names nobody", body)
		assert.True(t, markerHeld(path), "%q: one being written counts as held", body)
	}
}

// A Restart killed before its stop leaves its marker: the container's
// next exit removes an auto-removed container all the same.
func TestStaleRestartMarkerKeepsNothing(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("sleep 100"), AutoRemove: true})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	writeStaleMarker(t, filepath.Join(c.dir(), restartingFile), deadProgram())
	removed, errc := c.Wait(ctx, WaitRemoved)
	require.NoError(t, c.Stop(ctx, 0))
	assert.Equal(t, 137, waitFor(t, removed, errc).ExitCode)
	_, err = rt.Get(ctx, c.ID())
	assert.ErrorIs(t, err, ErrNotFound)
}

// A Restart killed between its stop and its start leaves an auto-removed
// container exited, and its marker: the next Open removes the container,
// as its exit would have without the Restart. A container whose restart
// was not interrupted is left alone.
func TestOpenSettlesARestartKilledBeforeItsStart(t *testing.T) {
	rt, ctx := testRuntime(t)
	var ids []string
	for range 2 {
		c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, AutoRemove: true})
		require.NoError(t, err)
		// A live Restart's marker: the exit keeps the container.
		require.NoError(t, writeMarker(filepath.Join(c.dir(), restartingFile)))
		exited, errc := c.Wait(ctx, WaitNextExit)
		require.NoError(t, c.Start(ctx))
		waitFor(t, exited, errc)
		info, err := c.Inspect(ctx)
		require.NoError(t, err, "kept for the restart")
		require.Equal(t, StatusExited, info.State.Status)
		ids = append(ids, c.ID())
	}
	// The first one's restarter died, registered as an owner as Restart
	// registers it.
	dead := deadProgram()
	writeStaleMarker(t, filepath.Join(rt.dir, ids[0], restartingFile), dead)
	require.NoError(t, os.WriteFile(filepath.Join(rt.dir, ownersDir, ownerFileName(dead, "killed")), nil, 0o600))

	rt2, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer rt2.Close()
	_, err = rt2.Get(ctx, ids[0])
	assert.ErrorIs(t, err, ErrNotFound, "removed, as its exit would have")
	assert.NoFileExists(t, filepath.Join(rt.dir, ownersDir, ownerFileName(dead, "killed")))
	kept, err := rt2.Get(ctx, ids[1])
	require.NoError(t, err, "its restarter runs")
	assert.FileExists(t, filepath.Join(kept.dir(), restartingFile))
	require.NoError(t, kept.Remove(ctx, RemoveOptions{}))
}

// The notice of a Remove killed before it took it back does not make
// the waiters of another program let go of the exit: they still report
// it when the container is auto-removed.
func TestStaleRemovingNoticeIsIgnored(t *testing.T) {
	rt, ctx := testRuntime(t)
	other, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer other.Close()
	for i := range 3 {
		c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh(fmt.Sprintf("sleep 0.1; exit %d", 3+i)), AutoRemove: true})
		require.NoError(t, err)
		writeStaleMarker(t, filepath.Join(c.dir(), removingFile), deadProgram())
		theirs, err := other.Get(ctx, c.ID())
		require.NoError(t, err)
		exited, errc := theirs.Wait(ctx, WaitNextExit)
		require.NoError(t, c.Start(ctx))
		assert.Equal(t, 3+i, waitFor(t, exited, errc).ExitCode)
	}
}

// A Remove killed after it moved the directory aside leaves it there: a
// waiter for the removal, in another program, finishes it instead of
// waiting for the next Open.
func TestWaitRemovedFinishesAKilledRemove(t *testing.T) {
	rt, ctx := testRuntime(t)
	other, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer other.Close()
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, Name: "half_removed"})
	require.NoError(t, err)
	theirs, err := other.Get(ctx, c.ID())
	require.NoError(t, err)
	removed, errc := theirs.Wait(ctx, WaitRemoved)
	tmp := filepath.Join(rt.dir, tmpPrefix+c.ID())
	require.NoError(t, os.Rename(c.dir(), tmp), "as Remove does; nobody holds it")

	select {
	case s := <-removed:
		assert.Equal(t, 0, s.ExitCode)
	case err := <-errc:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting for a remove that was killed")
	}
	assert.NoDirExists(t, tmp)
	_, err = other.Get(ctx, "half_removed")
	assert.ErrorIs(t, err, ErrNotFound, "the name is free")
	again, err := other.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}, Name: "half_removed"})
	require.NoError(t, err)
	require.NoError(t, again.Remove(ctx, RemoveOptions{}))
}
