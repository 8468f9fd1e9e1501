//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestLoginPushLogoutAgainstAnAuthenticatedRegistry(t *testing.T) {
	source := testregistry.Start(t, testregistry.Options{})
	private := testregistry.Start(t, testregistry.Options{Username: "alice", Password: "s3cret"})
	img := testimage.Busybox(t)
	publish(t, source.Host+"/tools/busybox:latest", img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", source.Host+"/tools/busybox")
	target := private.Host + "/team/busybox:v2"
	b.ok(t, "tag", source.Host+"/tools/busybox", target)

	b.fails(t, exitError, "unauthorized", "push", target)

	r := b.runWithStdin(t, strings.NewReader("wrong\n"), "login", "-u", "alice", "--password-stdin", private.Host)
	assert.Equal(t, exitError, r.code, "a wrong password is refused: %s", r.stderr)
	assert.NotContains(t, r.stdout, "Login Succeeded")

	r = b.runWithStdin(t, strings.NewReader("s3cret\n"), "login", "-u", "alice", "--password-stdin", private.Host)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Login Succeeded\n", r.stdout)
	config, err := os.ReadFile(filepath.Join(b.dockerConfig, "config.json"))
	require.NoError(t, err, "login writes $DOCKER_CONFIG/config.json")
	assert.Contains(t, string(config), private.Host)

	r = b.ok(t, "push", target)
	manifest, err := img.RawManifest()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"The push refers to repository [" + private.Host + "/team/busybox]",
		shortID(layerDigests(t, img)[0].String()) + ": Pushed",
		"v2: digest: " + digestOf(t, img).String() + " size: " + strconv.Itoa(len(manifest)),
	}, r.lines())

	ref, err := name.ParseReference(target)
	require.NoError(t, err)
	desc, err := remote.Get(ref, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))
	require.NoError(t, err)
	assert.Equal(t, digestOf(t, img), desc.Digest, "the registry holds the pushed manifest")

	r = b.ok(t, "image", "push", target)
	assert.Contains(t, r.lines(), shortID(layerDigests(t, img)[0].String())+": Layer already exists")

	r = b.ok(t, "logout", private.Host)
	assert.Equal(t, "Removing login credentials for "+private.Host+"\n", r.stdout)
	config, err = os.ReadFile(filepath.Join(b.dockerConfig, "config.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(config), private.Host)
	assert.Equal(t, "Not logged in to "+private.Host+"\n", b.ok(t, "logout", private.Host).stdout)

	b.fails(t, exitError, "unauthorized", "push", target)
}

func TestLoginRefusesInconsistentFlags(t *testing.T) {
	b := newBerth(t)
	b.fails(t, exitError, "must provide --username with --password-stdin", "login", "--password-stdin", "127.0.0.1:1")
	r := b.run(t, "login", "-u", "a", "-p", "b", "--password-stdin", "127.0.0.1:1")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"+
		"Error: --password and --password-stdin are mutually exclusive\n", r.stderr)
	b.fails(t, exitError, "non TTY", "login", "127.0.0.1:1")
}
