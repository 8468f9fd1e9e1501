package container

import (
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommitStoppedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	writeImage(t, rt, "base", v1.Config{
		Cmd:          []string{"sh"},
		Env:          []string{"PATH=/bin", "FROM_IMAGE=1"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}},
		Labels:       map[string]string{"a": "image", "b": "image"},
	})
	c, err := rt.Create(ctx, Config{
		Image:  "base",
		Cmd:    sh("mkdir /data && echo committed > /data/x && rm /bin/ls"),
		Env:    []string{"FOO=bar", "FROM_IMAGE=2"},
		Labels: map[string]string{"b": "container"},
		User:   "root",
	})
	require.NoError(t, err)
	code, _, _ := runContainer(t, ctx, c)
	require.Equal(t, 0, code)

	img, err := c.Commit(ctx, CommitOptions{Ref: "committed:v1", Author: "Jane <jane@example.com>", Comment: "with data"})
	require.NoError(t, err)
	assertNothingMounted(t, c)
	assert.Equal(t, []string{"committed:v1"}, img.RepoTags)
	assert.Equal(t, []string{"PATH=/bin", "FROM_IMAGE=2", "FOO=bar"}, img.Config.Env, "the container's env, without HOSTNAME")
	assert.Equal(t, sh("mkdir /data && echo committed > /data/x && rm /bin/ls"), img.Config.Cmd)
	assert.Equal(t, map[string]string{"a": "image", "b": "container"}, img.Config.Labels)
	assert.Equal(t, []string{"80/tcp"}, img.Config.ExposedPorts)
	assert.Equal(t, "root", img.Config.User)
	require.Len(t, img.Layers, 2)
	// Only what the command changed: the mount points of the plan are in
	// the init layer, not in the container's own.
	var changed []string
	require.NoError(t, filepath.WalkDir(img.Layers[1].Dir, func(p string, d fs.DirEntry, err error) error {
		if rel, _ := filepath.Rel(img.Layers[1].Dir, p); rel != "." {
			changed = append(changed, rel)
		}
		return err
	}))
	assert.ElementsMatch(t, []string{"bin", "bin/ls", "data", "data/x"}, changed, "bin/ls is the whiteout")
	last := img.History[len(img.History)-1]
	assert.Equal(t, "sh -c mkdir /data && echo committed > /data/x && rm /bin/ls", last.CreatedBy)
	assert.Equal(t, "Jane <jane@example.com>", last.Author)
	assert.Equal(t, "with data", last.Comment)

	code, out, errOut := run(t, ctx, rt, Config{Image: "committed:v1", Cmd: sh("cat /data/x; test -e /bin/ls && echo ls present || echo ls gone; echo $FOO")})
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "committed\nls gone\nbar\n", out)

	// Without a name the image is untagged; the base layer is shared.
	img2, err := c.Commit(ctx, CommitOptions{})
	require.NoError(t, err)
	assert.Empty(t, img2.RepoTags)
	require.Len(t, img2.Layers, 2)
	assert.Equal(t, img.Layers[0].DiffID, img2.Layers[0].DiffID)
	got, err := rt.Images().Get(ctx, img2.ID.String())
	require.NoError(t, err)
	assert.Equal(t, img2.ID, got.ID)

	_, err = c.Commit(ctx, CommitOptions{Ref: "x@sha256:0123456789012345678901234567890123456789012345678901234567890123"})
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestCommitRunningContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{Cmd: sh("echo live > /live; exec sleep 100"), Entrypoint: []string{}})
	waitForPath(t, ctx, c, "/live")
	img, err := c.Commit(ctx, CommitOptions{Ref: "live"})
	require.NoError(t, err)
	assert.Empty(t, img.Config.Entrypoint)
	code, out, _ := run(t, ctx, rt, Config{Image: "live", Cmd: []string{"cat", "/live"}})
	assert.Equal(t, 0, code)
	assert.Equal(t, "live\n", out)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running, "not paused or stopped by the commit")
	require.NoError(t, c.Stop(ctx, time.Second))
}

func TestCommitConfig(t *testing.T) {
	base := v1.Config{
		Entrypoint: []string{"ep"}, Cmd: []string{"img-cmd"}, Env: []string{"PATH=/bin", "A=1"},
		WorkingDir: "/img", User: "nobody", StopSignal: "SIGQUIT",
		Labels:  map[string]string{"l": "image"},
		Volumes: map[string]struct{}{"/vol": {}},
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want v1.Config
	}{
		{
			name: "image as it is",
			want: base,
		},
		{
			name: "cmd replaced",
			cfg:  Config{Cmd: []string{"mine"}},
			want: func() v1.Config { c := base; c.Cmd = []string{"mine"}; return c }(),
		},
		{
			name: "entrypoint replaced clears the image cmd",
			cfg:  Config{Entrypoint: []string{"new"}},
			want: func() v1.Config { c := base; c.Entrypoint, c.Cmd = []string{"new"}, nil; return c }(),
		},
		{
			name: "everything set",
			cfg: Config{
				Entrypoint: []string{}, Cmd: []string{"x"}, Env: []string{"A=2", "B=3"}, WorkingDir: "/w",
				User: "root", StopSignal: "SIGKILL", Labels: map[string]string{"m": "container"},
			},
			want: v1.Config{
				Entrypoint: []string{}, Cmd: []string{"x"}, Env: []string{"PATH=/bin", "A=2", "B=3"}, WorkingDir: "/w",
				User: "root", StopSignal: "SIGKILL", Labels: map[string]string{"l": "image", "m": "container"},
				Volumes: base.Volumes,
			},
		},
	} {
		assert.Equal(t, tc.want, commitConfig(base, tc.cfg), tc.name)
	}
	// The base is not changed.
	out := commitConfig(base, Config{Labels: map[string]string{"l": "changed"}})
	assert.Equal(t, "changed", out.Labels["l"])
	assert.Equal(t, "image", base.Labels["l"])
}
