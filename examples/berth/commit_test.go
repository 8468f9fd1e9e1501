//go:build linux

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestCommitThenRunTheNewImage(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	f.runToExit(container.Config{Name: "maker", Cmd: shScript("echo hello > /greeting && rm /bin/wget"),
		Env: []string{"STAGE=built"}, WorkingDir: "/srv"})

	r := b.ok(t, "commit", "-a", "Ann Author <ann@example.com>", "-m", "add a greeting", "maker", "snap:v1")
	assert.Regexp(t, `^sha256:[0-9a-f]{64}\n$`, r.stdout)
	id := strings.TrimSpace(r.stdout)

	assert.Equal(t, "hello\n", f.output(container.Config{Image: "snap:v1", Cmd: []string{"cat", "/greeting"}}))
	assert.Equal(t, "gone\n", f.output(container.Config{Image: "snap:v1", Cmd: shScript("test -e /bin/wget || echo gone")}),
		"deletions are committed too")
	assert.Equal(t, "built /srv\n", f.output(container.Config{Image: "snap:v1", Cmd: shScript(`echo "$STAGE $PWD"`)}),
		"the container's environment and working directory become the image's")

	var inspected []struct {
		ID      string `json:"Id"`
		Author  string
		Comment string
		Config  struct{ Cmd []string }
	}
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "image", "inspect", "snap:v1").stdout), &inspected))
	require.Len(t, inspected, 1)
	assert.Equal(t, id, inspected[0].ID)
	assert.Equal(t, "Ann Author <ann@example.com>", inspected[0].Author)
	assert.Equal(t, "add a greeting", inspected[0].Comment)
	assert.Equal(t, shScript("echo hello > /greeting && rm /bin/wget"), inspected[0].Config.Cmd)
}

func TestCommitWithoutNameAndWhileRunning(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	live := f.start(container.Config{Name: "live", Cmd: shScript("echo live > /state && exec sleep 300")})
	require.Eventually(t, func() bool {
		_, err := live.StatPath(f.ctx, "/state")
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)

	r := b.ok(t, "commit", "--pause", live.ShortID())
	assert.Equal(t, "Flag --pause has been deprecated, and enabled by default. Use --no-pause to disable pausing during commit.\n", r.stderr)
	id := strings.TrimSpace(r.stdout)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, id)
	assert.Equal(t, "live\n", f.output(container.Config{Image: id, Cmd: []string{"cat", "/state"}}))
	assert.Contains(t, b.ok(t, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout, "<none>:<none> "+shortID(id),
		"an image committed without a name is untagged")
}

func TestCommitFailures(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	f.create(container.Config{Name: "ctr", Cmd: []string{"true"}})

	b.fails(t, exitError, "Error: No such container: nope\n", "commit", "nope")
	b.fails(t, exitError, "--change is not supported", "commit", "-c", "ENV A=b", "ctr")
	b.fails(t, exitError, "conflicting options: --no-pause and --pause cannot be used together", "commit", "--pause=false", "--no-pause", "ctr")
	b.fails(t, exitError, "cannot commit to a digest reference", "commit", "ctr", "snap@sha256:"+strings.Repeat("a", 64))
	b.fails(t, exitUsage, "accepts between 1 and 2 arg(s)", "commit")
	b.fails(t, exitUsage, "accepts between 1 and 2 arg(s)", "commit", "ctr", "a", "b")
}
