package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/privileged"
)

func TestRunWritesTheImageAndALoadableArchive(t *testing.T) {
	privileged.Require(t) // unpacking the layer sets owners
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	archive := filepath.Join(t.TempDir(), "busybox.tar")

	var out bytes.Buffer
	require.NoError(t, run([]string{"-root", root, "-save", archive, "-tag", "bench/bb:1"}, &out))
	id := strings.TrimSpace(out.String())

	store, err := image.Open(ctx, root)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	img, err := store.Get(ctx, "bench/bb:1")
	require.NoError(t, err)
	require.Equal(t, id, img.ID.String())
	require.Equal(t, []string{"sh"}, img.Config.Cmd)
	require.Len(t, img.Layers, 1)
	target, err := os.Readlink(filepath.Join(img.Layers[0].Dir, "bin", "true"))
	require.NoError(t, err)
	require.Equal(t, "busybox", target)
	want, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(img.Layers[0].Dir, "bin", "busybox"))
	require.NoError(t, err)
	require.Equal(t, want, got)

	// The archive is what docker load reads: loading it elsewhere gives the
	// same image ID and name.
	f, err := os.Open(archive)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	other, err := image.Open(ctx, filepath.Join(t.TempDir(), "other"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, other.Close()) })
	loaded, err := other.Load(ctx, f)
	require.NoError(t, err)
	require.Len(t, loaded, 1)
	require.Equal(t, img.ID, loaded[0].ID)
	require.Equal(t, []string{"bench/bb:1"}, loaded[0].RepoTags)

	// Reproducible: a second run stores the same ID.
	out.Reset()
	require.NoError(t, run([]string{"-root", filepath.Join(t.TempDir(), "again")}, &out))
	require.Equal(t, id, strings.TrimSpace(out.String()))
}

func TestRunRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no root", nil},
		{"stray argument", []string{"-root", dir, "extra"}},
		{"unknown flag", []string{"-root", dir, "-layers", "2"}},
		{"missing busybox", []string{"-root", dir, "-busybox", filepath.Join(dir, "none")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			require.Error(t, run(tc.args, &out))
			require.Empty(t, out.String())
		})
	}
}
