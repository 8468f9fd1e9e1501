//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestSaveThenLoadIntoAnotherRoot(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox:latest"
	publish(t, ref, img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)
	id := configDigestOf(t, img).String()

	archive := filepath.Join(t.TempDir(), "busybox.tar")
	r := b.ok(t, "save", "-o", archive, ref)
	assert.Empty(t, r.stdout)
	assert.Contains(t, tarNames(t, archive), "manifest.json")

	fresh := newBerth(t)
	r = fresh.ok(t, "load", "-i", archive)
	assert.Equal(t, "Loaded image: "+ref+"\n", r.stdout)
	assert.Equal(t, id+"\n", fresh.ok(t, "images", "-q", "--no-trunc").stdout)

	// Without -o, save streams to stdout; load reads stdin.
	r = b.ok(t, "image", "save", ref)
	viaStdin := newBerth(t)
	lr := viaStdin.runWithStdin(t, bytes.NewReader([]byte(r.stdout)), "image", "load")
	require.Equal(t, 0, lr.code, lr.stderr)
	assert.Equal(t, "Loaded image: "+ref+"\n", lr.stdout)
	assert.Equal(t, id+"\n", viaStdin.ok(t, "images", "-q", "--no-trunc").stdout)

	missing := filepath.Join(t.TempDir(), "none.tar")
	b.fails(t, exitError, "nope", "save", "-o", missing, "nope:1")
	_, err := os.Stat(missing)
	assert.True(t, errors.Is(err, os.ErrNotExist), "a failed save leaves no file")
}

func tarNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		require.NoError(t, err)
		names = append(names, h.Name)
	}
}
