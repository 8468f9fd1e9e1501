//go:build linux

package main

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestImagePruneRemovesDanglingImagesAfterConfirmation(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	first := testimage.Busybox(t)
	second := testimage.Image(t, v1.Config{Cmd: []string{"true"}}, testimage.BusyboxLayer(t))
	ref := reg.Host + "/tools/busybox"
	b := newBerth(t)
	publish(t, ref+":latest", first)
	b.ok(t, "pull", "-q", ref)
	publish(t, ref+":latest", second)
	b.ok(t, "pull", "-q", ref)
	firstID := configDigestOf(t, first).String()
	secondID := configDigestOf(t, second).String()

	r := b.runWithStdin(t, strings.NewReader("n\n"), "image", "prune")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ", r.stdout)
	assert.Contains(t, b.ok(t, "images", "-q", "--no-trunc").stdout, firstID, "declining removes nothing")

	r = b.ok(t, "image", "prune", "-f")
	assert.Equal(t, "Deleted Images:", r.lines()[0])
	assert.Contains(t, r.lines(), "deleted: "+firstID)
	assert.True(t, strings.HasPrefix(r.lines()[len(r.lines())-1], "Total reclaimed space: "), r.stdout)
	assert.Equal(t, secondID+"\n", b.ok(t, "images", "-q", "--no-trunc").stdout, "the tagged image stays")

	r = b.runWithStdin(t, strings.NewReader("y\n"), "image", "prune", "-a")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "WARNING! This will remove all images without at least one container associated to them.")
	assert.Contains(t, r.lines(), "deleted: "+secondID)
	assert.Empty(t, b.ok(t, "images", "-q").stdout)
}
