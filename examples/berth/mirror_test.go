//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestRegistryMirrorFlagServesDockerHubNames(t *testing.T) {
	mirror := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	publish(t, mirror.Host+"/library/busybox:latest", img)
	b := newBerth(t, "--registry-mirror", mirror.URL)

	r := b.ok(t, "pull", "busybox")
	assert.Equal(t, []string{
		"Using default tag: latest",
		"latest: Pulling from library/busybox",
		shortID(layerDigests(t, img)[0].String()) + ": Pull complete",
		"Digest: " + digestOf(t, img).String(),
		"Status: Downloaded newer image for busybox:latest",
		"docker.io/library/busybox:latest",
	}, r.lines())
	assert.Equal(t, "busybox:latest\n", b.ok(t, "images", "--format", "{{.Repository}}:{{.Tag}}").stdout)
}

func TestRegistriesFileConfiguresMirrors(t *testing.T) {
	mirror := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	publish(t, mirror.Host+"/library/busybox:latest", img)
	b := newBerth(t)
	require.NoError(t, os.WriteFile(filepath.Join(b.root, registriesConfigFile),
		[]byte(`{"registry-mirrors": ["`+mirror.URL+`"]}`), 0o644))

	r := b.ok(t, "pull", "-q", "busybox:latest")
	assert.Equal(t, "docker.io/library/busybox:latest\n", r.stdout)
}

func TestRegistriesFileWithUnknownKeyIsAnError(t *testing.T) {
	b := newBerth(t)
	require.NoError(t, os.WriteFile(filepath.Join(b.root, registriesConfigFile), []byte(`{"registry-mirror": []}`), 0o644))
	b.fails(t, exitError, registriesConfigFile, "pull", "busybox")
}
