//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

// TestPullThenImageMount is the layer story from the command line: a
// pulled image is ready to run — image mount shows its root filesystem
// at once — and image unmount releases it so that rmi can remove it.
func TestPullThenImageMount(t *testing.T) {
	privileged.Require(t)
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox:1"
	publish(t, ref, img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)

	path := strings.TrimSpace(b.ok(t, "image", "mount", ref).stdout)
	t.Cleanup(func() { b.run(t, "image", "unmount", ref) })
	mounted, err := mountinfo.Mounted(path)
	require.NoError(t, err)
	require.True(t, mounted, path)
	info, err := os.Stat(filepath.Join(path, "bin", "busybox"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
	target, err := os.Readlink(filepath.Join(path, "bin", "sh"))
	require.NoError(t, err)
	assert.Equal(t, "busybox", target)

	b.fails(t, 1, "in use", "rmi", ref)
	id := configDigestOf(t, img).Hex
	assert.Equal(t, id+"\n", b.ok(t, "image", "unmount", ref).stdout)
	mounted, err = mountinfo.Mounted(path)
	require.True(t, err != nil || !mounted)
	b.ok(t, "rmi", ref)
	b.fails(t, 1, "Error", "image", "mount", ref)
}
