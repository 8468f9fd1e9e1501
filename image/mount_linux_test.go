package image

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestMountShowsTheUnionOfLayers mounts a two-layer image whose top
// layer deletes and replaces what the bottom one had, as podman image
// mount does, and checks the view, the hold on the image and the unmount.
func TestMountShowsTheUnionOfLayers(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	s, _ := openStore(t)
	top := testimage.Layer(t,
		testimage.File{Name: "etc/.wh.passwd"},
		testimage.File{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777},
		testimage.File{Name: "tmp/.wh..wh..opq"},
		testimage.File{Name: "tmp/new", Body: []byte("new")},
		testimage.File{Name: "hello", Body: []byte("hello from the top layer")},
	)
	// The middle layer has a file in /tmp that the opaque top hides.
	middle := testimage.Layer(t, testimage.File{Name: "tmp/old", Body: []byte("old")})
	src := testimage.Image(t, v1.Config{Cmd: []string{"sh"}}, testimage.BusyboxLayer(t), middle, top)
	img := mustWrite(t, s, src, "layered:1")

	path, err := s.Mount(ctx, "layered:1")
	require.NoError(t, err)
	unmounted := false
	t.Cleanup(func() {
		if !unmounted {
			_ = s.Unmount(ctx, "layered:1")
		}
	})
	mounted, err := mountinfo.Mounted(path)
	require.NoError(t, err)
	require.True(t, mounted)

	again, err := s.Mount(ctx, img.ShortID())
	require.NoError(t, err)
	require.Equal(t, path, again, "a mounted image is mounted once")

	b, err := os.ReadFile(filepath.Join(path, "hello"))
	require.NoError(t, err)
	require.Equal(t, "hello from the top layer", string(b))
	require.FileExists(t, filepath.Join(path, "bin", "busybox"))
	_, err = os.Lstat(filepath.Join(path, "etc", "passwd"))
	require.True(t, os.IsNotExist(err), "whiteout in the top layer deletes the file")
	require.FileExists(t, filepath.Join(path, "etc", "group"))
	require.FileExists(t, filepath.Join(path, "tmp", "new"))
	_, err = os.Lstat(filepath.Join(path, "tmp", "old"))
	require.True(t, os.IsNotExist(err), "an opaque directory hides the lower layers' content")
	require.Error(t, os.WriteFile(filepath.Join(path, "new-file"), nil, 0o644), "the union is read-only")

	_, err = s.Remove(ctx, "layered:1", false)
	require.ErrorIs(t, err, ErrInUse, "a mounted image is held")

	require.NoError(t, s.Unmount(ctx, "layered:1"))
	unmounted = true
	mounted, err = mountinfo.Mounted(path)
	require.True(t, err != nil || !mounted)
	require.NoError(t, s.Unmount(ctx, "layered:1"), "unmounting twice is fine")
	_, err = s.Remove(ctx, "layered:1", false)
	require.NoError(t, err)
	for _, l := range img.Layers {
		require.NoDirExists(t, l.Dir)
	}
}
