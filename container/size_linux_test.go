package container

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSizeIsTheWritableLayerAndTheImage(t *testing.T) {
	rt, ctx := testRuntime(t)
	img, err := rt.Images().Get(ctx, "busybox")
	require.NoError(t, err)
	require.Positive(t, img.Size)

	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("head -c 1000 /dev/zero > /data && ln /data /link && rm /bin/ls")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Remove(ctx, RemoveOptions{Force: true}) })
	sz, err := c.Size(ctx)
	require.NoError(t, err)
	require.Equal(t, Size{RW: 0, RootFS: img.Size}, sz, "a new container has written nothing")

	exited, errc := c.Wait(ctx, WaitNextExit)
	require.NoError(t, c.Start(ctx))
	require.Equal(t, 0, waitFor(t, exited, errc).ExitCode)
	// The file once though it has two names; a deleted file of the image
	// takes nothing.
	sz, err = c.Size(ctx)
	require.NoError(t, err)
	require.Equal(t, Size{RW: 1000, RootFS: img.Size + 1000}, sz)

	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
	_, err = c.Size(ctx)
	require.True(t, errors.Is(err, ErrNotFound), "%v", err)
}
