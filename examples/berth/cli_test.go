//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"
)

// berth is one user's environment: an image store root, a docker config
// directory and a home, all temporary. Commands run in-process through run,
// with captured output, exactly as main runs them.
type berth struct {
	root         string
	dockerConfig string
	home         string
	globalArgs   []string
}

func newBerth(t *testing.T, globalArgs ...string) *berth {
	t.Helper()
	return &berth{
		root:         t.TempDir(),
		dockerConfig: t.TempDir(),
		home:         t.TempDir(),
		globalArgs:   globalArgs,
	}
}

// result is what one command printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) lines() []string {
	return strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
}

func (b *berth) env(key string) string {
	switch key {
	case "BERTH_ROOT":
		return b.root
	case "DOCKER_CONFIG":
		return b.dockerConfig
	case "HOME":
		return b.home
	}
	return ""
}

// run runs one command line with empty stdin.
func (b *berth) run(t *testing.T, args ...string) result {
	t.Helper()
	return b.runWithStdin(t, strings.NewReader(""), args...)
}

func (b *berth) runWithStdin(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(append([]string(nil), b.globalArgs...), args...), streams{
		stdin:  stdin,
		stdout: &stdout,
		stderr: &stderr,
		getenv: b.env,
	})
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// ok runs a command that must succeed and returns its result.
func (b *berth) ok(t *testing.T, args ...string) result {
	t.Helper()
	r := b.run(t, args...)
	require.Equal(t, 0, r.code, "berth %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

// fails runs a command that must fail with the given exit status and an
// "Error: " message containing want.
func (b *berth) fails(t *testing.T, code int, want string, args ...string) result {
	t.Helper()
	r := b.run(t, args...)
	require.Equal(t, code, r.code, "berth %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	require.True(t, strings.HasPrefix(r.stderr, "Error: "), "stderr should start with Error: %q", r.stderr)
	require.Contains(t, r.stderr, want)
	return r
}

// publish writes img to the registry at ref (anonymous, or with auth).
func publish(t *testing.T, ref string, img v1.Image, auth ...authn.Authenticator) {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	opts := []remote.Option{}
	if len(auth) > 0 {
		opts = append(opts, remote.WithAuth(auth[0]))
	}
	require.NoError(t, remote.Write(r, img, opts...))
}

func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	require.NoError(t, err)
	return d
}

func configDigestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.ConfigName()
	require.NoError(t, err)
	return d
}

// layerDigests are img's layer blob digests, bottom first.
func layerDigests(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	var out []v1.Hash
	for _, l := range layers {
		d, err := l.Digest()
		require.NoError(t, err)
		out = append(out, d)
	}
	return out
}

// fields splits a table row on runs of two or more spaces.
func fields(row string) []string {
	var out []string
	for _, f := range strings.Split(row, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
